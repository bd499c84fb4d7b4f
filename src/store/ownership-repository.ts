import type { Resolution } from '../domain/ownership';
import type { CardRecord, OwnershipChange, OwnershipStore } from '../domain/ports';
import { MalformedItemError } from './errors';
import { ownerIndexSchema } from './item-schemas';
import { keys, readCard, readEach } from './items';
import { names, type Item, type TableClient } from './table-client';

/** An index item older than this whose card names someone else is stale (its writer is long done) and removed. */
const STALE_INDEX_MS = 60_000;

const BUMP = '#triageVersion = if_not_exists(#triageVersion, :zero) + :one';
/** The first time anyone owned the card (time to own counts to it; a reassign does not move it). */
const FIRST_OWNED = '#firstOwnedAt = if_not_exists(#firstOwnedAt, :now)';

/**
 * A finding's owner and status live on its card record: each change is one conditional write there, which is
 * what decides a race (two Takes, two Reassigns: one write's condition holds, the other's fails).
 *
 * What a person owns is listed through an index item per owner and finding (pk `owner#<user>`, sk
 * `finding#<id>`). DynamoDB's TransactWriteItems would write both at once, but the embedded store (dynalite)
 * has no transactions, so the index is kept so that it is never missing an owned finding and the card record
 * decides on reading: the new owner's index item is written before the card's conditional write; the previous
 * owner's is deleted after it (only if it was written before the change began); a refused write removes the
 * item it wrote unless the card names that person after all. An item left by a crash in between is filtered
 * out by `listOwned`, which checks each against its card and removes stale ones.
 */
export class OwnershipRepository implements OwnershipStore {
  constructor(private readonly table: TableClient) {}

  async takeFinding(findingId: string, userId: string, nowS: number): Promise<OwnershipChange> {
    return this.withIndex(findingId, userId, undefined, () =>
      this.table.updateIf({
        Key: keys.card(findingId),
        UpdateExpression: `SET #owner = :user, #ownedSince = :now, #status = :investigating, #statusSince = :now, #statusBy = :user, ${BUMP}, ${FIRST_OWNED}`,
        ConditionExpression:
          'attribute_exists(#pk) AND attribute_not_exists(#owner) AND (attribute_not_exists(#status) OR #status <> :resolved)',
        ExpressionAttributeNames: names('pk', 'owner', 'ownedSince', 'status', 'statusSince', 'statusBy', 'triageVersion', 'firstOwnedAt'),
        ExpressionAttributeValues: { ':user': userId, ':now': nowS, ':investigating': 'investigating', ':resolved': 'resolved', ...ONE },
      }),
    );
  }

  async reassignFinding(findingId: string, from: string, to: string, nowS: number): Promise<OwnershipChange> {
    return this.withIndex(findingId, to, from, () =>
      this.table.updateIf({
        Key: keys.card(findingId),
        UpdateExpression: `SET #owner = :to, #ownedSince = :now, ${BUMP}`,
        ConditionExpression: 'attribute_exists(#pk) AND #owner = :from',
        ExpressionAttributeNames: names('pk', 'owner', 'ownedSince', 'triageVersion'),
        ExpressionAttributeValues: { ':to': to, ':from': from, ':now': nowS, ...ONE },
      }),
    );
  }

  async resolveFinding(
    findingId: string,
    actor: string,
    resolution: Resolution,
    note: string | undefined,
    version: number,
    takeOwnership: boolean,
    nowS: number,
  ): Promise<OwnershipChange> {
    const write = () =>
      this.table.updateIf({
        Key: keys.card(findingId),
        UpdateExpression:
          `SET #status = :resolved, #statusSince = :now, #statusBy = :actor, #resolution = :resolution, ${BUMP}` +
          (note ? ', #resolutionNote = :note' : '') +
          (takeOwnership ? `, #owner = :actor, #ownedSince = :now, ${FIRST_OWNED}` : '') +
          (note ? '' : ' REMOVE #resolutionNote'),
        ConditionExpression:
          `attribute_exists(#pk) AND ${versionPin(version)} AND (attribute_not_exists(#status) OR #status <> :resolved)` +
          (takeOwnership ? ' AND attribute_not_exists(#owner)' : ''),
        ExpressionAttributeNames: names(
          'pk',
          'status',
          'statusSince',
          'statusBy',
          'resolution',
          'resolutionNote',
          'triageVersion',
          ...(takeOwnership ? ['owner', 'ownedSince', 'firstOwnedAt'] : []),
        ),
        ExpressionAttributeValues: {
          ':resolved': 'resolved',
          ':now': nowS,
          ':actor': actor,
          ':resolution': resolution,
          ...(note ? { ':note': note } : {}),
          ...(version > 0 ? { ':version': version } : {}),
          ...ONE,
        },
      });
    return takeOwnership ? this.withIndex(findingId, actor, undefined, write) : this.outcome(findingId, await write());
  }

  async reopenFinding(findingId: string, actor: string, version: number, nowS: number): Promise<OwnershipChange> {
    const updated = await this.table.updateIf({
      Key: keys.card(findingId),
      // Reminders start again from the reopening: the unowned count from zero, the owner's reminder a day after it.
      UpdateExpression: `SET #status = :investigating, #statusSince = :now, #statusBy = :actor, #reminderBase = :now, #remindersSent = :zero, ${BUMP} REMOVE #resolution, #resolutionNote, #ownedReminderFor`,
      ConditionExpression: `attribute_exists(#pk) AND ${versionPin(version)} AND #status = :resolved`,
      ExpressionAttributeNames: names(
        'pk',
        'status',
        'statusSince',
        'statusBy',
        'resolution',
        'resolutionNote',
        'triageVersion',
        'reminderBase',
        'remindersSent',
        'ownedReminderFor',
      ),
      ExpressionAttributeValues: {
        ':investigating': 'investigating',
        ':resolved': 'resolved',
        ':now': nowS,
        ':actor': actor,
        ...(version > 0 ? { ':version': version } : {}),
        ...ONE,
      },
    });
    return this.outcome(findingId, updated);
  }

  async listOwned(userId: string): Promise<CardRecord[]> {
    const items = await this.table.query({
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: names('pk'),
      ExpressionAttributeValues: { ':pk': keys.ownerIndex(userId, '').pk },
    });
    const index = readEach(items, readIndex);
    if (index.length === 0) return [];
    const cards = new Map(
      readEach(await this.table.batchGet(index.map((entry) => keys.card(entry.findingId))), readCard).map((c) => [c.findingId, c]),
    );
    const owned: CardRecord[] = [];
    const staleBefore = Date.now() - STALE_INDEX_MS;
    for (const entry of index) {
      const card = cards.get(entry.findingId);
      if (card?.owner === userId) owned.push(card);
      else if (entry.writtenAtMs < staleBefore) await this.removeIndex(userId, entry.findingId, { exactly: entry.writtenAtMs });
    }
    return owned;
  }

  async ownedAmong(findingIds: readonly string[]): Promise<ReadonlySet<string>> {
    if (findingIds.length === 0) return new Set();
    const items = await this.table.batchGet([...new Set(findingIds)].map((id) => keys.card(id)));
    return new Set(
      readEach(items, readCard)
        .filter((card) => card.owner !== undefined)
        .map((card) => card.findingId),
    );
  }

  /**
   * The owner change `write`, with the index kept: `to`'s item first; after success `from`'s item (written before
   * this change began) removed; after a refusal `to`'s item removed unless the card names `to` anyway.
   */
  private async withIndex(
    findingId: string,
    to: string,
    from: string | undefined,
    write: () => Promise<Item | undefined>,
  ): Promise<OwnershipChange> {
    const writtenAtMs = Date.now();
    await this.table.put({ ...keys.ownerIndex(to, findingId), findingId, writtenAtMs });
    const updated = await write();
    const change = await this.outcome(findingId, updated);
    if (change.ok && from !== undefined && from !== to) await this.removeIndex(from, findingId, { before: writtenAtMs });
    if (!change.ok && change.card?.owner !== to) await this.removeIndex(to, findingId, { exactly: writtenAtMs });
    return change;
  }

  private async outcome(findingId: string, updated: Item | undefined): Promise<OwnershipChange> {
    if (updated) return { ok: true, card: readCard(updated) };
    const item = await this.table.get(keys.card(findingId));
    return { ok: false, card: item && readCard(item) };
  }

  /** Deletes an index item only if it is the one meant: the exact write, or one written before a given instant. */
  private async removeIndex(userId: string, findingId: string, which: { exactly: number } | { before: number }): Promise<void> {
    await this.table.deleteIf({
      Key: keys.ownerIndex(userId, findingId),
      ConditionExpression: 'exactly' in which ? '#writtenAtMs = :at' : '#writtenAtMs < :at',
      ExpressionAttributeNames: names('writtenAtMs'),
      ExpressionAttributeValues: { ':at': 'exactly' in which ? which.exactly : which.before },
    });
  }
}

const ONE = { ':zero': 0, ':one': 1 };

/** The version the decision was made on: none yet (0) or exactly that one. */
function versionPin(version: number): string {
  return version > 0 ? '#triageVersion = :version' : 'attribute_not_exists(#triageVersion)';
}

function readIndex(item: Item): { findingId: string; writtenAtMs: number } {
  const parsed = ownerIndexSchema.safeParse(item);
  if (!parsed.success) throw new MalformedItemError(`The item ${String(item['pk'])} ${String(item['sk'])} is not a valid owner index item`);
  return parsed.data;
}
