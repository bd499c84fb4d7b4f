import type { CardStatsStore, PostedCard, SummaryClaim, SummaryStore } from '../domain/ports';
import { MalformedItemError } from './errors';
import { firstOwnedSchema, postedIndexSchema, summarySchema } from './item-schemas';
import { keys, readCard, readEach } from './items';
import { names, type Item, type Key, type TableClient } from './table-client';

/** Cards read for one period at most (the earliest posted first): the numbers say when there were more. */
export const POSTED_CARDS_MAX = 5_000;

/** `2026-11` for an instant in epoch seconds (UTC). */
function monthOf(epochS: number): string {
  return new Date(epochS * 1000).toISOString().slice(0, 7);
}

/** The posting time sorts as text: ten digits hold every epoch second until the year 2286. */
function postedSortKey(postedS: number): string {
  return `posted#${String(Math.max(0, Math.floor(postedS))).padStart(10, '0')}`;
}

export const statsKeys = {
  /** A card's posting index item: one partition per UTC month of posting, sorted by the posting time. */
  posted: (findingId: string, postedS: number): Key => ({ pk: `cards#${monthOf(postedS)}`, sk: `${postedSortKey(postedS)}#${findingId}` }),
  summary: (channel: string, slotS: number): Key => ({ pk: `summary#${channel}`, sk: `slot#${String(slotS).padStart(10, '0')}` }),
};

/** The epoch seconds of a Slack message ts (`1700000000.000100`), or undefined when it is not one. */
export function postedSecondsOf(ts: string | undefined): number | undefined {
  if (ts === undefined || !/^\d{1,12}(\.\d+)?$/.test(ts)) return undefined;
  return Math.floor(Number(ts));
}

/** The index item written when a card is posted (before its record is marked posted, so it is never missing). */
export function postedIndexItem(findingId: string, channel: string, ts: string): Item | undefined {
  const postedS = postedSecondsOf(ts);
  return postedS === undefined ? undefined : { ...statsKeys.posted(findingId, postedS), findingId, postedS, channel };
}

/** The UTC months that [fromS, toS) touches, oldest first (at most 25: longer periods are not asked for). */
function monthsBetween(fromS: number, toS: number): string[] {
  const last = monthOf(Math.max(fromS, toS - 1));
  const start = new Date(fromS * 1000);
  const months: string[] = [];
  for (let i = 0; i < 25; i++) {
    const month = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + i, 1)).toISOString().slice(0, 7);
    months.push(month);
    if (month >= last) break;
  }
  return months;
}

/**
 * The numbers' records: the posting index (Queried by month and time, never a Scan), read through to the card
 * records, and one item per channel and schedule slot for the periodic summary.
 */
export class StatsRepository implements CardStatsStore, SummaryStore {
  constructor(private readonly table: TableClient) {}

  async postedCards(
    fromS: number,
    toS: number,
    options: { channel?: string; limit?: number } = {},
  ): Promise<{ cards: PostedCard[]; truncated: boolean }> {
    const limit = Math.min(options.limit ?? POSTED_CARDS_MAX, POSTED_CARDS_MAX);
    const index: { findingId: string; postedS: number; channel: string }[] = [];
    for (const month of monthsBetween(fromS, toS)) {
      const items = await this.table.query({
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
        ExpressionAttributeNames: names('pk', 'sk'),
        ExpressionAttributeValues: { ':pk': `cards#${month}`, ':from': postedSortKey(fromS), ':to': `${postedSortKey(toS - 1)}#\uffff` },
      });
      index.push(...readEach(items, readPostedIndex).filter((e) => options.channel === undefined || e.channel === options.channel));
    }
    const unique = [...new Map(index.map((e) => [e.findingId, e])).values()].sort((a, b) => a.postedS - b.postedS);
    const wanted = unique.slice(0, limit);
    const byId = new Map(wanted.map((e) => [e.findingId, e]));
    const cards: PostedCard[] = [];
    for (const item of await this.table.batchGet(wanted.map((e) => keys.card(e.findingId)))) {
      const card = readEach([item], readCard)[0];
      const entry = card && byId.get(card.findingId);
      // The card record decides: posted, in that channel, with the message the index item was written for.
      if (!card || !entry || card.state !== 'posted' || card.channel !== entry.channel || postedSecondsOf(card.ts) !== entry.postedS)
        continue;
      const firstOwned = firstOwnedSchema.safeParse(item);
      cards.push({
        findingId: card.findingId,
        channel: entry.channel,
        postedS: entry.postedS,
        severity: card.severity,
        accountId: card.accountId,
        archived: card.archived,
        ...(card.owner ? { owner: card.owner } : {}),
        ...(card.owner ? { firstOwnedS: (firstOwned.success ? firstOwned.data.firstOwnedAt : undefined) ?? card.ownedSince } : {}),
        ...(card.status === 'resolved' && card.statusSince !== undefined ? { resolvedS: card.statusSince } : {}),
      });
    }
    cards.sort((a, b) => a.postedS - b.postedS || a.findingId.localeCompare(b.findingId));
    return { cards, truncated: unique.length > limit };
  }

  async claimSummary(channel: string, slotS: number, by: string, untilS: number, nowS: number): Promise<SummaryClaim | undefined> {
    const key = statsKeys.summary(channel, slotS);
    const fresh = await this.table.putIf({
      Item: { ...key, state: 'posting', by, until: untilS, claimedS: nowS },
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: names('pk'),
    });
    if (fresh) return { claimedS: nowS, takenOver: false };
    const taken = await this.table.updateIf({
      Key: key,
      UpdateExpression: 'SET #by = :by, #until = :until',
      ConditionExpression: '#state = :posting AND #until <= :now',
      ExpressionAttributeNames: names('state', 'by', 'until'),
      ExpressionAttributeValues: { ':posting': 'posting', ':by': by, ':until': untilS, ':now': nowS },
    });
    if (!taken) return undefined;
    return { claimedS: readSummary(taken).claimedS, takenOver: true };
  }

  async finishSummary(channel: string, slotS: number, by: string, outcome: { posted: string } | { empty: true }): Promise<boolean> {
    const posted = 'posted' in outcome;
    const updated = await this.table.updateIf({
      Key: statsKeys.summary(channel, slotS),
      UpdateExpression: `SET #state = :done${posted ? ', #ts = :ts' : ''} REMOVE #until`,
      ConditionExpression: '#state = :posting AND #by = :by',
      ExpressionAttributeNames: names('state', 'by', 'until', ...(posted ? ['ts'] : [])),
      ExpressionAttributeValues: {
        ':posting': 'posting',
        ':by': by,
        ':done': posted ? 'posted' : 'empty',
        ...(posted ? { ':ts': outcome.posted } : {}),
      },
    });
    return updated !== undefined;
  }
}

function readPostedIndex(item: Item): { findingId: string; postedS: number; channel: string } {
  const parsed = postedIndexSchema.safeParse(item);
  if (!parsed.success)
    throw new MalformedItemError(`The item ${String(item['pk'])} ${String(item['sk'])} is not a valid posting index item`);
  return parsed.data;
}

function readSummary(item: Item): { claimedS: number } {
  const parsed = summarySchema.safeParse(item);
  if (!parsed.success) throw new MalformedItemError(`The item ${String(item['pk'])} ${String(item['sk'])} is not a valid summary record`);
  return parsed.data;
}
