import type { SequenceLink, SequenceMembership, SequencePartsClaim } from '../domain/finding';
import { readSequenceLinks } from '../domain/finding';
import type { CardRecord } from '../domain/ports';
import { StoreConflictError } from './errors';
import { keys, readCard } from './items';
import { jitteredDelay, names, type Item, type TableClient } from './table-client';

/** Where a signal finding's link to an attack sequence lives: in the signal's partition, beside its card. */
const LINK_PREFIX = 'sequence#';
/** Links a card record keeps of each kind (a sequence has at most 100 signals). */
const LINKS_KEPT = 100;
/** Parts of a sequence remembered for growth replies (signals, actors, resources together). */
const PARTS_KEPT = 600;
const WRITE_ATTEMPTS = 10;

/** The card record fields that hold thread links (`partOfSequences` on a signal's card, `signalThreads` on a sequence's). */
export type LinkField = 'partOfSequences' | 'signalThreads';

function sameLinks(a: readonly SequenceLink[], b: readonly SequenceLink[]): boolean {
  return a.length === b.length && a.every((x, i) => x.findingId === b[i]?.findingId && x.url === b[i]?.url && x.title === b[i]?.title);
}

function stringSet(value: unknown): Set<string> | undefined {
  if (value instanceof Set) return new Set([...(value as Set<unknown>)].filter((x): x is string => typeof x === 'string'));
  return undefined;
}

/**
 * The links between an attack sequence's card and its signals' cards: a membership item per signal (so a signal's
 * card posted later still finds its sequence), and on each card record the threads it links to, written under a
 * version condition so that concurrent writers never lose each other's links.
 */
export class SequenceLinkRepository {
  constructor(private readonly table: TableClient) {}

  /** Idempotent: one item per signal in the signal's partition. */
  async recordSequenceLinks(sequence: SequenceMembership, signalIds: readonly string[]): Promise<void> {
    await Promise.all(
      signalIds.map((id) =>
        this.table.put({ pk: keys.card(id).pk, sk: `${LINK_PREFIX}${sequence.sequenceId}`, ...sequence } satisfies Item),
      ),
    );
  }

  /** The attack sequences the finding was recorded as a signal of. */
  async sequencesOfSignal(findingId: string): Promise<SequenceMembership[]> {
    const items = await this.table.query({
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: names('pk', 'sk'),
      ExpressionAttributeValues: { ':pk': keys.card(findingId).pk, ':prefix': LINK_PREFIX },
    });
    return items.flatMap((item) => {
      const { sequenceId, region, title, url } = item;
      return typeof sequenceId === 'string' && typeof region === 'string' && typeof title === 'string' && typeof url === 'string'
        ? [{ sequenceId, region, title, url }]
        : [];
    });
  }

  /**
   * Adds (or refreshes) links on a posted card's record. The record after the write, or undefined when the finding
   * has no posted card or its record already held these links (nothing to redraw).
   */
  async mergeCardLinks(findingId: string, field: LinkField, links: readonly SequenceLink[]): Promise<CardRecord | undefined> {
    if (links.length === 0) return undefined;
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      if (attempt > 0) await jitteredDelay(Math.min(200, 10 * 2 ** attempt));
      const item = await this.table.get(keys.card(findingId));
      if (!item || item['state'] !== 'posted') return undefined;
      const before = readSequenceLinks(item[field]);
      const merged = new Map(before.map((l) => [l.findingId, l]));
      for (const link of links) merged.set(link.findingId, link);
      const after = [...merged.values()].slice(0, LINKS_KEPT);
      if (sameLinks(before, after)) return undefined;
      const version = typeof item['linksVersion'] === 'number' ? item['linksVersion'] : undefined;
      const updated = await this.table.updateIf({
        Key: keys.card(findingId),
        UpdateExpression: 'SET #field = :links, #linksVersion = :next',
        ConditionExpression:
          version === undefined
            ? 'attribute_exists(#pk) AND attribute_not_exists(#linksVersion)'
            : 'attribute_exists(#pk) AND #linksVersion = :version',
        ExpressionAttributeNames: { ...names('pk', 'linksVersion'), '#field': field },
        ExpressionAttributeValues: {
          ':links': after,
          ':next': (version ?? 0) + 1,
          ...(version === undefined ? {} : { ':version': version }),
        },
      });
      if (updated) return readCard(updated);
    }
    throw new StoreConflictError(`The links of finding ${findingId} kept changing under ${WRITE_ATTEMPTS} attempts to add some`);
  }

  /**
   * Claims the parts of a sequence (signals, actors, resources, as the caller names them) that its card record has
   * not seen: one conditional write on the count recorded, so exactly one claimer announces each change. Undefined
   * when the finding has no posted card, or another writer claimed first and nothing is left.
   */
  async claimSequenceParts(findingId: string, parts: readonly string[]): Promise<SequencePartsClaim | undefined> {
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      if (attempt > 0) await jitteredDelay(Math.min(200, 10 * 2 ** attempt));
      const item = await this.table.get(keys.card(findingId));
      if (!item || item['state'] !== 'posted') return undefined;
      const seen = stringSet(item['sequenceParts']);
      const room = PARTS_KEPT - (seen?.size ?? 0);
      const added = [...new Set(parts)].filter((p) => !seen?.has(p)).slice(0, Math.max(0, room));
      if (added.length === 0) return attempt === 0 ? { added: [], first: seen === undefined } : undefined;
      const updated = await this.table.updateIf({
        Key: keys.card(findingId),
        UpdateExpression: 'ADD #parts :added',
        ConditionExpression:
          seen === undefined ? 'attribute_exists(#pk) AND attribute_not_exists(#parts)' : 'attribute_exists(#pk) AND size(#parts) = :count',
        ExpressionAttributeNames: { ...names('pk'), '#parts': 'sequenceParts' },
        ExpressionAttributeValues: { ':added': new Set(added), ...(seen === undefined ? {} : { ':count': seen.size }) },
      });
      if (updated) return { added, first: seen === undefined };
    }
    return undefined;
  }
}
