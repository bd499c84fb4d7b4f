import type { OutboxEntry, OutboxStore } from '../domain/ports';
import { SEVERITY_BANDS, bandOf } from '../domain/severity';
import { keys, readEach, readOutboxEntry } from './items';
import { names, type TableClient } from './table-client';

/** critical 0, high 1, medium 2, low 3: keys sort in posting order. */
function rank(severity: number): number {
  return SEVERITY_BANDS.length - 1 - SEVERITY_BANDS.indexOf(bandOf(severity));
}

function keyOf(entry: OutboxEntry) {
  return keys.outbox(entry.channel, rank(entry.severity), entry.updatedAtMs, entry.findingId);
}

/** Cards waiting to be posted, one partition per channel, read in posting order. */
export class OutboxRepository implements OutboxStore {
  constructor(private readonly table: TableClient) {}

  async enqueueCard(entry: OutboxEntry): Promise<void> {
    await this.table.put({ ...keyOf(entry), ...entry });
  }

  async nextInOutbox(channel: string, limit: number): Promise<OutboxEntry[]> {
    const items = await this.table.queryFirst(
      {
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: names('pk'),
        ExpressionAttributeValues: { ':pk': `outbox#${channel}` },
      },
      limit,
    );
    return readEach(items, readOutboxEntry);
  }

  async removeFromOutbox(entry: OutboxEntry): Promise<void> {
    await this.table.batchDelete([keyOf(entry)]);
  }
}
