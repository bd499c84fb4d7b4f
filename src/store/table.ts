import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  type DescribeTableCommandOutput,
  type DynamoDBClient,
  type KeySchemaElement,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { StoreUnavailableError } from '../domain/errors';
import { toStoreError } from './errors';

export const TTL_ATTRIBUTE = 'expiresAt';
const ACTIVE_TIMEOUT_MS = 120_000;
const EXPECTED_KEYS: KeySchemaElement[] = [
  { AttributeName: 'pk', KeyType: 'HASH' },
  { AttributeName: 'sk', KeyType: 'RANGE' },
];

interface Logger {
  info(o: object, m: string): void;
}

/** Creates the table (pk/sk strings, on-demand) when it is missing, waits until it is ACTIVE and enables TTL on `expiresAt`. */
export async function ensureTable(client: DynamoDBClient, tableName: string, logger?: Logger): Promise<void> {
  let table = await describe(client, tableName);
  if (!table) {
    await create(client, tableName);
    logger?.info({ tableName }, 'created DynamoDB table');
  }
  if (table?.TableStatus !== 'ACTIVE') table = await untilActive(client, tableName);
  checkKeySchema(table, tableName);
  await enableTtl(client, tableName, logger);
}

/** The SDK's waiter, polling from 50 ms up to every 2 s (it retries any error until the deadline). */
async function untilActive(client: DynamoDBClient, tableName: string): Promise<TableDescription> {
  let table: TableDescription | undefined;
  try {
    const waited = await waitUntilTableExists(
      { client, minDelay: 0.05, maxDelay: 2, maxWaitTime: ACTIVE_TIMEOUT_MS / 1000 },
      { TableName: tableName },
    );
    table = (waited.reason as DescribeTableCommandOutput | undefined)?.Table;
  } catch {
    table = await describe(client, tableName);
  }
  if (table?.TableStatus !== 'ACTIVE') {
    throw new StoreUnavailableError(
      `DynamoDB table "${tableName}" did not become ACTIVE within ${ACTIVE_TIMEOUT_MS / 1000} s (status ${table?.TableStatus ?? 'missing'})`,
    );
  }
  return table;
}

async function describe(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    const out = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return out.Table;
  } catch (err) {
    if (errorName(err) === 'ResourceNotFoundException') return undefined;
    throw toStoreError(err, tableName, 'DescribeTable');
  }
}

async function create(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: EXPECTED_KEYS,
      }),
    );
  } catch (err) {
    const name = errorName(err);
    if (name === 'ResourceInUseException') return;
    if (name === 'AccessDeniedException') {
      throw new StoreUnavailableError(
        `DynamoDB table "${tableName}" is missing and the bot may not create it (it lacks dynamodb:CreateTable). ` +
          'Create the table with infra/cloudformation.yml, or grant dynamodb:CreateTable on it.',
        { cause: err },
      );
    }
    throw toStoreError(err, tableName, 'CreateTable');
  }
}

function checkKeySchema(table: TableDescription, tableName: string): void {
  const actual = (table.KeySchema ?? []).map((k) => `${k.AttributeName ?? ''}:${k.KeyType ?? ''}`).join(',');
  const expected = EXPECTED_KEYS.map((k) => `${k.AttributeName ?? ''}:${k.KeyType ?? ''}`).join(',');
  if (actual !== expected) {
    throw new StoreUnavailableError(
      `DynamoDB table "${tableName}" has the key schema ${actual || 'none'}; the bot needs ${expected} (string keys)`,
    );
  }
}

/** TTL only tidies up: failing to enable it (dynalite, no permission, already set) never stops the bot. */
async function enableTtl(client: DynamoDBClient, tableName: string, logger?: Logger): Promise<void> {
  try {
    const current = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    const status = current.TimeToLiveDescription?.TimeToLiveStatus;
    if (status === 'ENABLED' || status === 'ENABLING') return;
    await client.send(
      new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true } }),
    );
    logger?.info({ tableName, attribute: TTL_ATTRIBUTE }, 'enabled DynamoDB TTL');
  } catch (err) {
    const name = errorName(err);
    const message = err instanceof Error ? err.message : String(err);
    if (name === 'UnknownOperationException') return;
    if (name === 'ValidationException' && /already enabled/i.test(message)) return;
    if (name === 'AccessDeniedException' || name === 'ValidationException') {
      logger?.info({ tableName, err: message }, `could not enable DynamoDB TTL on ${TTL_ATTRIBUTE}; old records will not expire`);
      return;
    }
    throw toStoreError(err, tableName, 'UpdateTimeToLive');
  }
}

function errorName(err: unknown): string | undefined {
  return (err as { name?: string } | undefined)?.name;
}
