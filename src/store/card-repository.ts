import type { CardRecord, CardStore, FeedbackVote, Observation } from '../domain/ports';
import { StoreConflictError } from './errors';
import { feedbackCounts, keys, readCard, readEach, readFeedback } from './items';
import { postedIndexItem } from './stats-repository';
import { jitteredDelay, names, type Item, type TableClient } from './table-client';

/**
 * A card keeps at least its last 20 notes: they are appended up to 30, then trimmed to the last 20 (so a trim,
 * which needs a read, is rare). Each is at most 1,000 characters: the notes stay under ~120 KB whatever happens.
 */
export const CARD_NOTES_KEPT = 20;
const CARD_NOTES_MAX = 30;
export const CARD_NOTE_MAX_CHARS = 1000;
/** Attempts at adding a note before giving up on concurrent writers. */
const NOTE_WRITE_ATTEMPTS = 10;

const OBSERVATION_FIELDS = ['severity', 'updatedAtMs', 'count', 'archived'] as const;

/** A finding's card record (one per finding, claimed before it is posted) and the feedback votes shown on it. */
export class CardRepository implements CardStore {
  constructor(private readonly table: TableClient) {}

  async getCards(findingIds: readonly string[]): Promise<Map<string, CardRecord>> {
    const items = await this.table.batchGet([...new Set(findingIds)].map((id) => keys.card(id)));
    return new Map(readEach(items, readCard).map((card) => [card.findingId, card]));
  }

  async getCard(findingId: string): Promise<CardRecord | undefined> {
    const item = await this.table.get(keys.card(findingId));
    return item && readCard(item);
  }

  claimCard(
    record: Omit<CardRecord, 'claimOwner' | 'claimExpiresAt' | 'claimedAt'>,
    owner: string,
    claimSeconds: number,
    nowS: number,
  ): Promise<boolean> {
    const claim = record.state === 'claimed' ? { claimOwner: owner, claimExpiresAt: nowS + claimSeconds, claimedAt: nowS } : {};
    return this.table.putIf({
      Item: { ...keys.card(record.findingId), ...record, ...claim },
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: names('pk'),
    });
  }

  async takeOverClaim(
    findingId: string,
    owner: string,
    claimSeconds: number,
    nowS: number,
    fromState: 'claimed' | 'digest',
  ): Promise<boolean> {
    const condition =
      fromState === 'claimed' ? '#state = :from AND (attribute_not_exists(#claimExpiresAt) OR #claimExpiresAt <= :now)' : '#state = :from';
    const updated = await this.table.updateIf({
      Key: keys.card(findingId),
      UpdateExpression: 'SET #state = :claimed, #claimOwner = :owner, #claimExpiresAt = :until, #claimedAt = :now',
      ConditionExpression: condition,
      ExpressionAttributeNames: names('state', 'claimOwner', 'claimExpiresAt', 'claimedAt'),
      ExpressionAttributeValues: {
        ':from': fromState,
        ':claimed': 'claimed',
        ':owner': owner,
        ':until': nowS + claimSeconds,
        ':now': nowS,
      },
    });
    return updated !== undefined;
  }

  async markPosted(findingId: string, owner: string, channel: string, ts: string, seen: Observation): Promise<boolean> {
    // Indexed for the numbers first, so that a recorded post is never missing from them (a refused write's item is ignored on reading).
    const indexed = postedIndexItem(findingId, channel, ts);
    if (indexed) await this.table.put(indexed);
    const updated = await this.table.updateIf({
      Key: keys.card(findingId),
      UpdateExpression:
        'SET #state = :posted, #channel = :channel, #ts = :ts, #severity = :severity, #updatedAtMs = :updatedAtMs, #count = :count, #archived = :archived ' +
        'REMOVE #claimOwner, #claimExpiresAt, #claimedAt',
      ConditionExpression: '#state = :claimed AND #claimOwner = :owner',
      ExpressionAttributeNames: names('state', 'channel', 'ts', 'claimOwner', 'claimExpiresAt', 'claimedAt', ...OBSERVATION_FIELDS),
      ExpressionAttributeValues: {
        ':posted': 'posted',
        ':claimed': 'claimed',
        ':owner': owner,
        ':channel': channel,
        ':ts': ts,
        ...observationValues(seen),
      },
    });
    return updated !== undefined;
  }

  async recordActivity(findingId: string, seen: Observation): Promise<boolean> {
    const updated = await this.table.updateIf({
      Key: keys.card(findingId),
      UpdateExpression: 'SET #severity = :severity, #updatedAtMs = :updatedAtMs, #count = :count, #archived = :archived',
      ConditionExpression: 'attribute_exists(#pk) AND (#updatedAtMs < :updatedAtMs OR #count < :count OR #archived <> :archived)',
      ExpressionAttributeNames: names('pk', ...OBSERVATION_FIELDS),
      ExpressionAttributeValues: observationValues(seen),
    });
    return updated !== undefined;
  }

  async claimThreadReply(findingId: string, nowS: number, minIntervalSeconds: number): Promise<boolean> {
    const updated = await this.table.updateIf({
      Key: keys.card(findingId),
      UpdateExpression: 'SET #lastReplyAt = :now',
      ConditionExpression: 'attribute_exists(#pk) AND (attribute_not_exists(#lastReplyAt) OR #lastReplyAt <= :threshold)',
      ExpressionAttributeNames: names('pk', 'lastReplyAt'),
      ExpressionAttributeValues: { ':now': nowS, ':threshold': nowS - minIntervalSeconds },
    });
    return updated !== undefined;
  }

  /**
   * DynamoDB cannot append to a list and trim it in one expression. Below the maximum, one conditional append;
   * at it, the notes are read, trimmed and written back under a condition on `notesTotal` (which every note
   * write increments), so that a concurrent writer's note is never lost: the loser tries again.
   */
  async addCardNote(findingId: string, note: string): Promise<CardRecord | undefined> {
    const line = note.slice(0, CARD_NOTE_MAX_CHARS);
    for (let attempt = 0; attempt < NOTE_WRITE_ATTEMPTS; attempt++) {
      if (attempt > 0) await jitteredDelay(Math.min(200, 10 * 2 ** attempt));
      const appended = await this.table.updateIf({
        Key: keys.card(findingId),
        UpdateExpression:
          'SET #notes = list_append(if_not_exists(#notes, :empty), :line), #notesTotal = if_not_exists(#notesTotal, :zero) + :one',
        ConditionExpression:
          'attribute_exists(#pk) AND (attribute_not_exists(#notes) OR (attribute_exists(#notesTotal) AND size(#notes) < :max))',
        ExpressionAttributeNames: names('pk', 'notes', 'notesTotal'),
        ExpressionAttributeValues: { ':empty': [], ':line': [line], ':zero': 0, ':one': 1, ':max': CARD_NOTES_MAX },
      });
      if (appended) return readCard(appended);
      const card = await this.getCard(findingId);
      if (!card) return undefined;
      const notes = card.notes ?? [];
      if (card.notesTotal !== undefined && notes.length < CARD_NOTES_MAX) continue;
      // A record written before notes were capped has no `notesTotal`: it counts its notes.
      const before = card.notesTotal;
      const trimmed = await this.table.updateIf({
        Key: keys.card(findingId),
        UpdateExpression: 'SET #notes = :notes, #notesTotal = :total',
        ConditionExpression:
          before === undefined
            ? 'attribute_exists(#pk) AND attribute_not_exists(#notesTotal)'
            : 'attribute_exists(#pk) AND #notesTotal = :before',
        ExpressionAttributeNames: names('pk', 'notes', 'notesTotal'),
        ExpressionAttributeValues: {
          ':notes': [...notes, line].slice(-CARD_NOTES_KEPT),
          ':total': (before ?? notes.length) + 1,
          ...(before === undefined ? {} : { ':before': before }),
        },
      });
      if (trimmed) return readCard(trimmed);
    }
    throw new StoreConflictError(`The notes of finding ${findingId} kept changing under ${NOTE_WRITE_ATTEMPTS} attempts to add one`);
  }

  async recordFeedback(findingId: string, userId: string, useful: boolean, nowS: number): Promise<FeedbackVote> {
    const vote = await this.table.updateIf({
      Key: keys.feedback(findingId),
      UpdateExpression: 'ADD #vote :user, #version :one SET #findingId = :findingId, #lastVoteAt = :now',
      ConditionExpression: 'NOT contains(#useful, :userId) AND NOT contains(#notUseful, :userId)',
      ExpressionAttributeNames: { ...names('useful', 'notUseful', 'version', 'findingId', 'lastVoteAt'), ...voteName(useful) },
      ExpressionAttributeValues: { ':user': new Set([userId]), ':userId': userId, ':one': 1, ':findingId': findingId, ':now': nowS },
    });
    if (vote) return { recorded: true, useful, counts: feedbackCounts(readFeedback(vote)), card: await this.showFeedback(findingId, vote) };
    const item = await this.table.get(keys.feedback(findingId));
    const earlier = item && readFeedback(item);
    return {
      recorded: false,
      useful: earlier?.useful.has(userId) ?? false,
      counts: feedbackCounts(earlier),
      card: await this.getCard(findingId),
    };
  }

  async withdrawFeedback(findingId: string, userId: string, useful: boolean): Promise<void> {
    const after = await this.table.updateIf({
      Key: keys.feedback(findingId),
      UpdateExpression: 'DELETE #vote :user ADD #version :one',
      ConditionExpression: 'contains(#vote, :userId)',
      ExpressionAttributeNames: { ...names('version'), ...voteName(useful) },
      ExpressionAttributeValues: { ':user': new Set([userId]), ':userId': userId, ':one': 1 },
    });
    if (after) await this.showFeedback(findingId, after);
  }

  /** Copies the counts onto the card unless it has none or newer ones; the card record as it is after. */
  private async showFeedback(findingId: string, voteItem: Item): Promise<CardRecord | undefined> {
    const vote = readFeedback(voteItem);
    const updated = await this.table.updateIf({
      Key: keys.card(findingId),
      UpdateExpression: 'SET #feedback = :feedback',
      ConditionExpression: 'attribute_exists(#pk) AND (attribute_not_exists(#feedback) OR #feedback.#version < :version)',
      ExpressionAttributeNames: names('pk', 'feedback', 'version'),
      ExpressionAttributeValues: { ':feedback': { ...feedbackCounts(vote), version: vote.version }, ':version': vote.version },
    });
    return updated ? readCard(updated) : this.getCard(findingId);
  }
}

function observationValues(seen: Observation): Item {
  return { ':severity': seen.severity, ':updatedAtMs': seen.updatedAtMs, ':count': seen.count, ':archived': seen.archived };
}

/** `#vote`: the set a vote goes in. */
function voteName(useful: boolean): Record<string, string> {
  return { '#vote': useful ? 'useful' : 'notUseful' };
}
