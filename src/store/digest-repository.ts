import type { DigestItem, DigestStore } from '../domain/ports';
import { keys, readDigestItem, readEach, readSentDigestPart } from './items';
import { names, type TableClient } from './table-client';

const SENT_DIGEST_RETENTION_S = 30 * 86_400;
/** Sent digests are split into parts to stay below DynamoDB's 400 KB item limit. */
const DIGEST_PART_MAX_BYTES = 300_000;

/** Findings below the posting threshold waiting for a channel's next digest, and the digests sent (for their button). */
export class DigestRepository implements DigestStore {
  constructor(private readonly table: TableClient) {}

  async addDigestItem(channel: string, item: DigestItem): Promise<void> {
    await this.table.put({ ...keys.digestItem(channel, item.findingId), channel, ...item });
  }

  async listDigestItems(channel: string): Promise<DigestItem[]> {
    const items = await this.table.query({
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: names('pk', 'sk'),
      ExpressionAttributeValues: { ':pk': `digest#${channel}`, ':prefix': 'item#' },
    });
    return readEach(items, readDigestItem);
  }

  /**
   * The sent record is written before the pending items are deleted. A crash in between leaves the items
   * pending, so they show up again in the next digest: a finding may appear in two digests, never in none.
   */
  async closeDigest(channel: string, digestId: string, items: readonly DigestItem[], nowS: number): Promise<void> {
    const parts = splitBySize(items, DIGEST_PART_MAX_BYTES);
    for (const [index, part] of parts.entries()) {
      await this.table.put({
        ...keys.sentDigestPart(digestId, index),
        digestId,
        channel,
        sentAt: nowS,
        parts: parts.length,
        items: part,
        expiresAt: nowS + SENT_DIGEST_RETENTION_S,
      });
    }
    await this.table.batchDelete([...new Set(items.map((i) => i.findingId))].map((id) => keys.digestItem(channel, id)));
  }

  async getDigest(digestId: string): Promise<DigestItem[] | undefined> {
    const parts = await this.table.query({
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: names('pk'),
      ExpressionAttributeValues: { ':pk': `digestsent#${digestId}` },
    });
    if (parts.length === 0) return undefined;
    return readEach(parts, readSentDigestPart).flat();
  }
}

/** Consecutive groups whose JSON stays under maxBytes; always at least one (possibly empty) group. */
function splitBySize<T>(list: readonly T[], maxBytes: number): T[][] {
  const parts: T[][] = [[]];
  let size = 0;
  for (const entry of list) {
    const bytes = Buffer.byteLength(JSON.stringify(entry));
    const current = parts[parts.length - 1] as T[];
    if (current.length > 0 && size + bytes > maxBytes) {
      parts.push([entry]);
      size = bytes;
    } else {
      current.push(entry);
      size += bytes;
    }
  }
  return parts;
}
