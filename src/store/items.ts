import type { z } from 'zod';
import type { CardRecord, DigestItem, FeedbackCounts, OutboxEntry } from '../domain/ports';
import type { Proposal } from '../domain/proposal';
import { MalformedItemError } from './errors';
import {
  cardSchema,
  cursorSchema,
  digestItemSchema,
  feedbackSchema,
  outboxEntrySchema,
  proposalSchema,
  sentDigestPartSchema,
} from './item-schemas';
import type { Item, Key } from './table-client';

/** Proposals carry the audit trail and what a revert must undo: kept a year (TTL `expiresAt`). */
export const PROPOSAL_RETENTION_S = 365 * 86_400;

/** Where each record lives: a finding's card, feedback and proposals share its partition. */
export const keys = {
  card: (findingId: string): Key => ({ pk: `finding#${findingId}`, sk: 'card' }),
  feedback: (findingId: string): Key => ({ pk: `finding#${findingId}`, sk: 'feedback' }),
  proposal: (findingId: string, proposalId: string): Key => ({ pk: `finding#${findingId}`, sk: `proposal#${proposalId}` }),
  cursor: (region: string): Key => ({ pk: `cursor#${region}`, sk: 'cursor' }),
  lease: (name: string): Key => ({ pk: `lease#${name}`, sk: 'lease' }),
  digestItem: (channel: string, findingId: string): Key => ({ pk: `digest#${channel}`, sk: `item#${findingId}` }),
  /** Sorts highest band first (rank 0 = critical), then oldest UpdatedAt first. */
  outbox: (channel: string, rank: number, updatedAtMs: number, findingId: string): Key => ({
    pk: `outbox#${channel}`,
    sk: `${rank}#${String(Math.max(0, Math.floor(updatedAtMs))).padStart(15, '0')}#${findingId}`,
  }),
  /** A person's index of the findings they own (the card record is the truth; see ownership-repository.ts). */
  ownerIndex: (userId: string, findingId: string): Key => ({ pk: `owner#${userId}`, sk: `finding#${findingId}` }),
  sentDigestPart: (digestId: string, part: number): Key => ({ pk: `digestsent#${digestId}`, sk: `part#${String(part).padStart(5, '0')}` }),
};

export function readCard(item: Item): CardRecord {
  return parse(cardSchema, without(item, ['pk', 'sk']), item, 'card record');
}

export function readOutboxEntry(item: Item): OutboxEntry {
  return parse(outboxEntrySchema, without(item, ['pk', 'sk']), item, 'outbox entry');
}

export function readDigestItem(item: Item): DigestItem {
  return parse(digestItemSchema, item, item, 'digest item');
}

/** The findings listed in one part of a sent digest, in order (those not well-formed left out). */
export function readSentDigestPart(item: Item): DigestItem[] {
  return readEach(parse(sentDigestPartSchema, item, item, 'sent digest').items, (entry) =>
    parse(digestItemSchema, entry, item, 'sent digest entry'),
  );
}

/** The approval deadline is stored as `approveBy`; `expiresAt` is the table's TTL attribute (retention). */
export function writeProposal(proposal: Proposal): Item {
  const { expiresAt: approveBy, ...rest } = proposal;
  return { ...keys.proposal(proposal.findingId, proposal.id), ...rest, approveBy, expiresAt: proposal.createdAt + PROPOSAL_RETENTION_S };
}

export function readProposal(item: Item): Proposal {
  return parse(
    proposalSchema,
    { ...without(item, ['pk', 'sk', 'expiresAt', 'approveBy']), expiresAt: item['approveBy'] },
    item,
    'proposal',
  );
}

/** Each person's vote on a finding (sets of user IDs) and the version every vote bumps. */
export function readFeedback(item: Item): { useful: ReadonlySet<string>; notUseful: ReadonlySet<string>; version: number } {
  const { useful, notUseful, version } = parse(feedbackSchema, item, item, 'feedback record');
  return { useful: useful ?? new Set(), notUseful: notUseful ?? new Set(), version };
}

export function feedbackCounts(feedback: { useful: ReadonlySet<string>; notUseful: ReadonlySet<string> } | undefined): FeedbackCounts {
  return { useful: feedback?.useful.size ?? 0, notUseful: feedback?.notUseful.size ?? 0 };
}

export function readCursor(item: Item): number | undefined {
  return parse(cursorSchema, item, item, 'cursor').cursorMs;
}

/** The records read, leaving out (not failing on) items that are not well-formed: one bad item must not hide the rest. */
export function readEach<I, T>(items: readonly I[], read: (item: I) => T): T[] {
  const out: T[] = [];
  for (const item of items) {
    try {
      out.push(read(item));
    } catch (err) {
      if (!(err instanceof MalformedItemError)) throw err;
    }
  }
  return out;
}

/** The value as the schema reads it, or a MalformedItemError naming the table item it came from. */
function parse<S extends z.ZodType>(schema: S, value: unknown, item: Item, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const where = `${String(item['pk'])} ${String(item['sk'])}`;
  const issues = parsed.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || 'item'}: ${issue.message}`)
    .join('; ');
  throw new MalformedItemError(`The item ${where} in the state table is not a valid ${what} (${issues})`);
}

function without(item: Item, drop: readonly string[]): Item {
  return Object.fromEntries(Object.entries(item).filter(([k]) => !drop.includes(k)));
}
