import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { embeddedCredentials, startDynalite, type EmbeddedCredentials } from '../../src/store/embedded';
import { ensureTable } from '../../src/store/table';

export interface TestDynamo {
  client: DynamoDBClient;
  /** Default marshalling (undefined values are refused), like the bot's own client. */
  doc: DynamoDBDocumentClient;
  tableName: string;
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  /** What `client` signs with: an in-process dynalite accepts no others (unset for a dynalite CLI child process). */
  credentials?: EmbeddedCredentials;
  /** Stops dynalite, then destroys the clients (data on `path` stays). */
  stop(): Promise<void>;
}

export const TEST_TABLE = 'guardduty-chatops-test';

/**
 * SDK client config for a local endpoint, region us-east-1, signing with this process's embedded-store credentials:
 * the only ones a dynalite started in this process accepts (a dynalite CLI in a child process checks none).
 */
export function localClientConfig(endpoint: string, extra: Partial<DynamoDBClientConfig> = {}): DynamoDBClientConfig {
  return { endpoint, region: 'us-east-1', credentials: embeddedCredentials(), ...extra };
}

/**
 * dynalite on an ephemeral loopback port with the bot's table created (via ensureTable).
 * In memory, or in the LevelDB directory `path` so that a second start sees the first one's data.
 */
export async function startTestDynamo(options: { path?: string; tableName?: string } = {}): Promise<TestDynamo> {
  const server = await startDynalite(options.path === undefined ? {} : { path: options.path });
  const client = new DynamoDBClient(localClientConfig(server.endpoint));
  const doc = DynamoDBDocumentClient.from(client);
  const tableName = options.tableName ?? TEST_TABLE;
  try {
    await ensureTable(client, tableName);
  } catch (err) {
    client.destroy();
    await server.close();
    throw err;
  }
  return {
    client,
    doc,
    tableName,
    endpoint: server.endpoint,
    credentials: server.credentials,
    // Server first: it lets in-flight requests finish, where destroying the client first would leave dynalite
    // writing to a database it has already closed.
    stop: async () => {
      await server.close();
      client.destroy();
    },
  };
}
