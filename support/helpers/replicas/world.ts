/**
 * The world two (or more) replicas share in one Node process: one DynamoDB table (dynalite), one Slack stand-in
 * and the in-memory GuardDuty/EC2 fakes (aws-sdk-client-mock answers every client instance), plus the channel,
 * regions and people every scenario uses.
 */
import { spawn } from 'node:child_process';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SeverityBand } from '../../../src/domain/severity';
import { DynamoStateStore } from '../../../src/store/dynamo-state-store';
import { ensureTable } from '../../../src/store/table';
import { TEST_TABLE, localClientConfig, startTestDynamo, type TestDynamo } from '../dynalite';
import { FakeEc2 } from '../../fakes/ec2/sdk-mock';
import { FakeGuardDuty } from '../../fakes/guardduty/sdk-mock';
import { SlackStandIn } from '../slack-stand-in';

export const REPLICA_CHANNEL = 'C0REPLICAS1';
export const REPLICA_REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-southeast-2'];
export const MIN_BAND: SeverityBand = 'medium';
export const REQUESTER = 'U0ALICE001';
export const APPROVER = 'U0BOB00001';
export const SECOND_APPROVER = 'U0CAROL001';
export const TRUSTED_SOURCE = '203.0.113.0/24';

export interface World {
  slack: SlackStandIn;
  dynamo: TestDynamo;
  store: DynamoStateStore;
  gd: FakeGuardDuty;
  ec2: FakeEc2;
  stop(): Promise<void>;
}

/**
 * dynalite in a child process (in memory), so that the database's CPU does not compete with the two replicas
 * for this process's event loop (in production DynamoDB is a remote service, not a neighbour on the loop).
 */
export async function startDynaliteProcess(tableName = TEST_TABLE): Promise<TestDynamo> {
  const child = spawn(
    process.execPath,
    [require.resolve('dynalite/cli.js'), '--host', '127.0.0.1', '--port', '0', '--createTableMs', '0'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`dynalite exited with ${code}`)));
    child.stdout.on('data', (chunk: Buffer) => {
      const m = /listening at: \S+:(\d+)/.exec(chunk.toString());
      if (m) resolve(Number(m[1]));
    });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient(localClientConfig(endpoint));
  const stop = async () => {
    client.destroy();
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill();
      await exited;
    }
  };
  try {
    await ensureTable(client, tableName);
  } catch (err) {
    await stop();
    throw err;
  }
  return { client, doc: DynamoDBDocumentClient.from(client), tableName, endpoint, stop };
}

/** One dynalite table, one fast Slack stand-in (no 429s), GuardDuty and EC2 in memory. */
export async function startWorld(options: { dynalite?: 'in-process' | 'child-process' } = {}): Promise<World> {
  const slack = await new SlackStandIn().start();
  slack.postIntervalMs = 0;
  const dynamo = options.dynalite === 'child-process' ? await startDynaliteProcess() : await startTestDynamo();
  const store = new DynamoStateStore(dynamo.doc, dynamo.tableName);
  const gd = new FakeGuardDuty();
  const ec2 = new FakeEc2();
  return {
    slack,
    dynamo,
    store,
    gd,
    ec2,
    stop: async () => {
      ec2.restore();
      gd.restore();
      await dynamo.stop();
      await slack.close();
    },
  };
}
