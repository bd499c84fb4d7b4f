import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type pino from 'pino';
import { DynamoStateStore } from './dynamo-state-store';
import { startEmbeddedDynamo } from './embedded';
import { ensureTable } from './table';

export const EMBEDDED_TABLE = 'guardduty-chatops';

export interface OpenedStore {
  store: DynamoStateStore;
  /** `dynamodb:<table>` or `embedded:<dir>` for the start-up log. */
  description: string;
  close(): Promise<void>;
}

/**
 * DYNAMODB_TABLE set: that table through the SDK's own endpoint and credential resolution.
 * Unset: an embedded dynalite on loopback with its data under DATA_DIR, through the very same code path; it answers
 * only requests signed with this process's random key, and no browser.
 */
export async function openStore(options: { table?: string; dataDir: string; region?: string }, logger: pino.Logger): Promise<OpenedStore> {
  if (options.table) {
    const client = new DynamoDBClient({ region: options.region });
    await ensureTable(client, options.table, logger);
    return {
      store: new DynamoStateStore(client, options.table),
      description: `dynamodb:${options.table}`,
      close: () => Promise.resolve(client.destroy()),
    };
  }
  const embedded = await startEmbeddedDynamo(options.dataDir);
  // The embedded server is ours: its endpoint and this process's random credentials (the only ones it accepts)
  // are the one place they are set in code.
  const client = new DynamoDBClient({
    endpoint: embedded.endpoint,
    region: options.region ?? 'us-east-1',
    credentials: embedded.credentials,
  });
  await ensureTable(client, EMBEDDED_TABLE, logger);
  return {
    store: new DynamoStateStore(client, EMBEDDED_TABLE),
    description: `embedded:${options.dataDir}`,
    close: async () => {
      client.destroy();
      await embedded.close();
    },
  };
}
