import { z } from 'zod';
import type { PendingProposalStore } from '../domain/ports';
import type { Proposal } from '../domain/proposal';
import { MalformedItemError } from './errors';
import { keys, readEach, readProposal } from './items';
import { names, type Item, type Key, type TableClient } from './table-client';

/** The one partition that lists the proposals waiting for a decision, newest first by its sort key. */
export const PENDING_PROPOSALS_PK = 'pending#proposals';

/** Index items read per listing (one Query request): the partition only holds proposals still waiting, or just decided. */
export const PENDING_READ_MAX = 200;

/** An index item outlives its proposal's approval deadline by this much, then DynamoDB's TTL removes it. */
const TTL_GRACE_S = 86_400;

const pendingIndexSchema = z.looseObject({
  findingId: z.string(),
  proposalId: z.string(),
  createdAt: z.number(),
});

type IndexEntry = z.output<typeof pendingIndexSchema> & Key;

/** `<createdAt, zero-padded>#<findingId>#<proposalId>`: sorts by creation time. */
export function pendingKey(p: Pick<Proposal, 'createdAt' | 'findingId' | 'id'>): Key {
  return { pk: PENDING_PROPOSALS_PK, sk: `${String(Math.max(0, Math.floor(p.createdAt))).padStart(12, '0')}#${p.findingId}#${p.id}` };
}

/**
 * An index item per proposal in one Query-able partition (pk `pending#proposals`, sk `<createdAt>#<findingId>#<id>`),
 * written when the proposal is created. The proposal record is the truth: a listing reads the indexed proposals
 * back (BatchGetItem) and keeps only those still `proposed` and not expired; the index items of the others are
 * deleted then (a proposal never returns to `proposed`), and any left over are removed by the table's TTL.
 */
export class PendingProposalsRepository implements PendingProposalStore {
  constructor(private readonly table: TableClient) {}

  async recordPendingProposal(proposal: Proposal): Promise<void> {
    await this.table.put({
      ...pendingKey(proposal),
      findingId: proposal.findingId,
      proposalId: proposal.id,
      createdAt: proposal.createdAt,
      approveBy: proposal.expiresAt,
      expiresAt: proposal.expiresAt + TTL_GRACE_S,
    });
  }

  async listPendingProposals(nowS: number, limit: number): Promise<Proposal[]> {
    if (limit <= 0) return [];
    const items = await this.table.queryFirst(
      {
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: names('pk'),
        ExpressionAttributeValues: { ':pk': PENDING_PROPOSALS_PK },
        ScanIndexForward: false,
      },
      PENDING_READ_MAX,
    );
    const index = readEach(items, readIndex);
    if (index.length === 0) return [];
    const proposals = new Map(
      readEach(await this.table.batchGet(index.map((e) => keys.proposal(e.findingId, e.proposalId))), readProposal).map((p) => [
        `${p.findingId}#${p.id}`,
        p,
      ]),
    );
    const waiting: Proposal[] = [];
    const stale: Key[] = [];
    for (const entry of index) {
      const p = proposals.get(`${entry.findingId}#${entry.proposalId}`);
      if (p && p.state === 'proposed' && p.expiresAt > nowS && p.createdAt === entry.createdAt) waiting.push(p);
      else if (!p || p.state !== 'proposed' || p.expiresAt <= nowS) stale.push({ pk: entry.pk, sk: entry.sk });
    }
    if (stale.length > 0) await this.table.batchDelete(stale);
    return waiting.slice(0, limit);
  }
}

function readIndex(item: Item): IndexEntry {
  const parsed = pendingIndexSchema.safeParse(item);
  if (!parsed.success)
    throw new MalformedItemError(`The item ${String(item['pk'])} ${String(item['sk'])} is not a valid pending proposal index item`);
  return { ...parsed.data, pk: String(item['pk']), sk: String(item['sk']) };
}
