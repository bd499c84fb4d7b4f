import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
  paginateQuery,
  paginateScan,
  QueryCommand,
  type QueryCommandInput,
  type ScanCommandInput,
  type TranslateConfig,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { StoreUnavailableError } from '../domain/errors';
import { isConditionFailed, toStoreError } from './errors';

export type Item = Record<string, unknown>;
export type Key = { pk: string; sk: string };

/** A condition on a write: the write happens only when it holds. */
export interface Condition {
  ConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues?: Item;
}

export type UpdateInput = Omit<UpdateCommandInput, 'TableName' | 'ReturnValues'>;
type ReadInput<T> = Omit<T, 'TableName' | 'ConsistentRead' | 'ExclusiveStartKey'>;

const BATCH_GET_MAX = 100;
const BATCH_WRITE_MAX = 25;
const BATCH_MAX_ATTEMPTS = 8;

/** Undefined values (optional fields left unset) are left out of what is written rather than refused. */
const TRANSLATE: TranslateConfig = { marshallOptions: { removeUndefinedValues: true } };

/**
 * A document client with the store's marshalling over the given client's connection (its config, credentials and
 * middleware, so that what counts or breaks requests on it sees the store's too). The SDK keeps a document client's
 * marshalling options on the config object of the client it was made from, where every other document client made
 * from that client would overwrite them: the store's client gets a config object of its own.
 */
export function storeDocumentClient(client: DynamoDBClient | DynamoDBDocumentClient): DynamoDBDocumentClient {
  const config = { ...client.config, translateConfig: TRANSLATE };
  const own = new Proxy(client, {
    get: (target, prop, receiver): unknown => (prop === 'config' ? config : Reflect.get(target, prop, receiver)),
  });
  return DynamoDBDocumentClient.from(own, TRANSLATE);
}

/**
 * One table through the document client: consistent reads, conditional writes that answer false when their condition
 * fails, batches retried with backoff, every read paginated to the end, and SDK errors that mean the store cannot be
 * used turned into StoreUnavailableError.
 */
export class TableClient {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    readonly tableName: string,
  ) {}

  async get(key: Key): Promise<Item | undefined> {
    const out = await this.call('GetItem', () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true })),
    );
    return out.Item;
  }

  /** An eventually consistent read of a key that never exists: the cheapest request the table answers. */
  async ping(): Promise<void> {
    await this.call('GetItem', () => this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk: 'ping', sk: 'ping' } })));
  }

  async put(item: Item): Promise<void> {
    await this.call('PutItem', () => this.doc.send(new PutCommand({ TableName: this.tableName, Item: item })));
  }

  /** False when the condition failed. */
  putIf(input: { Item: Item } & Condition): Promise<boolean> {
    return this.conditional('PutItem', () => this.doc.send(new PutCommand({ ...input, TableName: this.tableName })));
  }

  /** The item after the write, or undefined when the condition failed. */
  async updateIf(input: UpdateInput): Promise<Item | undefined> {
    let attributes: Item | undefined;
    await this.conditional('UpdateItem', async () => {
      const out = await this.doc.send(new UpdateCommand({ ...input, TableName: this.tableName, ReturnValues: 'ALL_NEW' }));
      attributes = out.Attributes;
    });
    return attributes;
  }

  /** False when the condition failed. */
  deleteIf(input: { Key: Key } & Condition): Promise<boolean> {
    return this.conditional('DeleteItem', () => this.doc.send(new DeleteCommand({ ...input, TableName: this.tableName })));
  }

  /** The first `limit` items matching, in key order (one request). */
  queryFirst(input: ReadInput<QueryCommandInput>, limit: number): Promise<Item[]> {
    return this.call('Query', async () => {
      const out = await this.doc.send(new QueryCommand({ ...input, TableName: this.tableName, ConsistentRead: true, Limit: limit }));
      return out.Items ?? [];
    });
  }

  /** Every item matching, page after page. */
  query(input: ReadInput<QueryCommandInput>): Promise<Item[]> {
    return this.call('Query', async () => {
      const items: Item[] = [];
      for await (const page of paginateQuery({ client: this.doc }, { ...input, TableName: this.tableName, ConsistentRead: true }))
        items.push(...(page.Items ?? []));
      return items;
    });
  }

  /** Every item matching, page after page. */
  scan(input: ReadInput<ScanCommandInput>): Promise<Item[]> {
    return this.call('Scan', async () => {
      const items: Item[] = [];
      for await (const page of paginateScan({ client: this.doc }, { ...input, TableName: this.tableName, ConsistentRead: true }))
        items.push(...(page.Items ?? []));
      return items;
    });
  }

  /** BatchGetItem, at most 100 keys a request, unprocessed keys asked again; missing keys are absent. */
  async batchGet(keys: readonly Key[]): Promise<Item[]> {
    const items: Item[] = [];
    for (const chunk of chunks(keys, BATCH_GET_MAX)) {
      let pending: Item[] = chunk;
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) await this.backoff('BatchGetItem', attempt);
        const requested = pending;
        const out = await this.call('BatchGetItem', () =>
          this.doc.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: requested, ConsistentRead: true } } })),
        );
        items.push(...(out.Responses?.[this.tableName] ?? []));
        pending = out.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
    }
    return items;
  }

  /** BatchWriteItem deletes, at most 25 keys a request, unprocessed ones sent again. */
  async batchDelete(keys: readonly Key[]): Promise<void> {
    for (const chunk of chunks(keys, BATCH_WRITE_MAX)) {
      let pending: NonNullable<ConstructorParameters<typeof BatchWriteCommand>[0]['RequestItems']>[string] = chunk.map((key) => ({
        DeleteRequest: { Key: key },
      }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) await this.backoff('BatchWriteItem', attempt);
        const requested = pending;
        const out = await this.call('BatchWriteItem', () =>
          this.doc.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: requested } })),
        );
        pending = out.UnprocessedItems?.[this.tableName] ?? [];
      }
    }
  }

  private async conditional(op: string, send: () => Promise<unknown>): Promise<boolean> {
    try {
      await this.call(op, send);
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw err;
    }
  }

  private async backoff(op: string, attempt: number): Promise<void> {
    if (attempt >= BATCH_MAX_ATTEMPTS) {
      throw new StoreUnavailableError(
        `DynamoDB left items of ${op} on table "${this.tableName}" unprocessed after ${attempt} attempts (throttled)`,
      );
    }
    await jitteredDelay(Math.min(1000, 25 * 2 ** attempt));
  }

  private async call<T>(op: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (err) {
      throw toStoreError(err, this.tableName, op);
    }
  }
}

/** `#name` for each attribute, for ExpressionAttributeNames. */
export function names(...attrs: readonly string[]): Record<string, string> {
  return Object.fromEntries(attrs.map((a) => [`#${a}`, a]));
}

/** Waits between half and all of `ms`, so that writers that collided do not collide again. */
export function jitteredDelay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms / 2 + Math.random() * (ms / 2)));
}

function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}
