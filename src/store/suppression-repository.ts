import { z } from 'zod';
import type { SuppressionEntry, SuppressionStore } from '../domain/suppressions';
import { names, type Item, type Key, type TableClient } from './table-client';

/** The one partition of suppression rules the bot proposed, by expiry (sk `<expiresS>#<findingId>#<proposalId>`). */
export const SUPPRESSIONS_PK = 'suppressions#rules';

const EXISTS = { ConditionExpression: 'attribute_exists(#pk)', ExpressionAttributeNames: names('pk') };

const entrySchema = z.looseObject({
  findingId: z.string().min(1),
  proposalId: z.string().min(1),
  filterName: z.string().min(1),
  region: z.string().min(1),
  expiresS: z.number().int().nonnegative(),
});

function pad(n: number): string {
  return String(Math.max(0, Math.floor(n))).padStart(12, '0');
}

export function suppressionKey(e: Pick<SuppressionEntry, 'expiresS' | 'findingId' | 'proposalId'>): Key {
  return { pk: SUPPRESSIONS_PK, sk: `${pad(e.expiresS)}#${e.findingId}#${e.proposalId}` };
}

/**
 * The index of suppression rules, written when a rule is proposed (before the proposal, so none is ever missing).
 * An entry is only a pointer: what the rule is, and whether it ran, is read from its sealed proposal.
 */
export class SuppressionRepository implements SuppressionStore {
  constructor(private readonly table: TableClient) {}

  /** Never overwrites: a second write of the same key (a retried submission) leaves the first as it was. */
  async recordSuppression(entry: SuppressionEntry): Promise<void> {
    await this.table.putIf({
      Item: { ...suppressionKey(entry), ...entry },
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: names('pk'),
    });
  }

  async dueSuppressions(nowS: number, limit: number): Promise<SuppressionEntry[]> {
    const items = await this.table.queryFirst(
      {
        KeyConditionExpression: '#pk = :pk AND #sk < :upper',
        ExpressionAttributeNames: names('pk', 'sk'),
        ExpressionAttributeValues: { ':pk': SUPPRESSIONS_PK, ':upper': pad(Math.floor(nowS) + 1) },
      },
      limit,
    );
    return this.read(items);
  }

  async listSuppressions(limit: number): Promise<SuppressionEntry[]> {
    const items = await this.table.queryFirst(
      {
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: names('pk'),
        ExpressionAttributeValues: { ':pk': SUPPRESSIONS_PK },
      },
      limit,
    );
    return this.read(items);
  }

  removeSuppression(entry: SuppressionEntry): Promise<boolean> {
    return this.table.deleteIf({ Key: suppressionKey(entry), ...EXISTS });
  }

  private async read(items: Item[]): Promise<SuppressionEntry[]> {
    const entries: SuppressionEntry[] = [];
    for (const item of items) {
      const parsed = entrySchema.safeParse(item);
      if (parsed.success && String(item['sk']) === suppressionKey(parsed.data).sk) {
        const { findingId, proposalId, filterName, region, expiresS } = parsed.data;
        entries.push({ findingId, proposalId, filterName, region, expiresS });
      }
      // Not one of ours as written: removed, so that it cannot stay at the head of the index.
      else await this.table.deleteIf({ Key: { pk: SUPPRESSIONS_PK, sk: String(item['sk']) }, ...EXISTS });
    }
    return entries;
  }
}
