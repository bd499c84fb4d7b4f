import type { CursorStore, LeaseStore } from '../domain/ports';
import { keys, readCursor } from './items';
import { names, type TableClient } from './table-client';

/** How far the feed has read each region (a cursor that only moves forward) and the leases replicas take turns by. */
export class CursorLeaseRepository implements CursorStore, LeaseStore {
  constructor(private readonly table: TableClient) {}

  async getCursor(region: string): Promise<number | undefined> {
    const item = await this.table.get(keys.cursor(region));
    return item && readCursor(item);
  }

  async advanceCursor(region: string, updatedAtMs: number): Promise<void> {
    await this.table.putIf({
      Item: { ...keys.cursor(region), region, cursorMs: updatedAtMs },
      ConditionExpression: 'attribute_not_exists(#pk) OR #cursorMs < :new',
      ExpressionAttributeNames: names('pk', 'cursorMs'),
      ExpressionAttributeValues: { ':new': updatedAtMs },
    });
  }

  acquireLease(name: string, owner: string, ttlSeconds: number, nowS: number): Promise<boolean> {
    return this.table.putIf({
      Item: { ...keys.lease(name), name, owner, expiresAt: nowS + ttlSeconds },
      ConditionExpression: 'attribute_not_exists(#pk) OR #owner = :owner OR #expiresAt <= :now',
      ExpressionAttributeNames: names('pk', 'owner', 'expiresAt'),
      ExpressionAttributeValues: { ':owner': owner, ':now': nowS },
    });
  }

  releaseLease(name: string, owner: string): Promise<boolean> {
    return this.table.deleteIf({
      Key: keys.lease(name),
      ConditionExpression: '#owner = :owner',
      ExpressionAttributeNames: names('owner'),
      ExpressionAttributeValues: { ':owner': owner },
    });
  }
}
