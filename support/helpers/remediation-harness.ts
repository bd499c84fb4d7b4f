import { EC2Client } from '@aws-sdk/client-ec2';
import { LogLevel, WebClient } from '@slack/web-api';
import { Ec2Remediator } from '../../src/aws/ec2-remediator';
import type { RemediationExecutorFactory } from '../../src/domain/ports';
import { DynamoStateStore } from '../../src/store/dynamo-state-store';
import { TEST_CREDENTIALS, startBot, type Bot } from './bot-harness';
import { startTestDynamo, type TestDynamo } from './dynalite';
import type { BotParts } from '../../src/compose';
import { FakeEc2 } from '../fakes/ec2/sdk-mock';
import { SEED_GROUP, SEED_INSTANCE, seedRules } from '../fakes/ec2/seed';
import { FakeGuardDuty } from '../fakes/guardduty/sdk-mock';
import { testSealer } from './sealer';
import { SlackStandIn } from './slack-stand-in';
import { undiciFetch } from '../../src/slack/undici-fetch';

export const RH = {
  channel: 'C0FIND0001',
  alice: 'U0ALICE001',
  bob: 'U0BOB00001',
  carol: 'U0CAROL001',
  mallory: 'U0MALLORY1',
} as const;

export interface RemediationRig {
  slack: SlackStandIn;
  gd: FakeGuardDuty;
  ec2: FakeEc2;
  dynamo: TestDynamo;
  store: DynamoStateStore;
  bot: Bot;
  stop(): Promise<void>;
}

/**
 * The real Bolt app (signed HTTP) with remediation wired: DynamoStateStore on dynalite, SlackMessenger and
 * CardPublisher against the Slack stand-in, Ec2Remediator on a mocked EC2Client (the seed group), GuardDuty
 * in memory. Alice, Bob and Carol are approvers (APPROVER_USER_IDS); Mallory is not.
 */
export async function startRemediationRig(env: Record<string, string> = {}, parts: Partial<BotParts> = {}): Promise<RemediationRig> {
  const slack = await new SlackStandIn().start();
  slack.handlers.set('views.update', (body) => ({ ok: true, view: { id: body.view_id } }));
  const gd = new FakeGuardDuty();
  const ec2 = new FakeEc2().seed(seedRules(), { [SEED_INSTANCE]: [SEED_GROUP] });
  const dynamo = await startTestDynamo();
  const store = new DynamoStateStore(dynamo.doc, dynamo.tableName);
  // A few quick retries: a post still in flight when a test stops must not keep retrying against a closed stand-in for minutes.
  const web = new WebClient('xoxb-test-token-0000', {
    slackApiUrl: slack.apiUrl,
    fetch: undiciFetch(),
    retryConfig: { retries: 2, factor: 1, minTimeout: 10, maxTimeout: 50 },
    // Its warnings about a post cut off by the test's end would print after the test (Jest then fails the run).
    logLevel: LogLevel.ERROR,
  });
  const executors: RemediationExecutorFactory = {
    forTarget: async (_account, region) => new Ec2Remediator(new EC2Client({ region, credentials: TEST_CREDENTIALS, maxAttempts: 1 })),
  };
  const bot = await startBot(
    slack,
    {
      FINDINGS_CHANNEL: RH.channel,
      POST_MIN_SEVERITY: 'low',
      APPROVER_USER_IDS: `${RH.alice},${RH.bob},${RH.carol}`,
      TRUSTED_CIDRS: '203.0.113.0/24',
      LOG_LEVEL: 'warn',
      ...env,
    },
    { web, store, executors, sealer: testSealer(), postIntervalMs: 10, claimSeconds: 30, ...parts },
  );
  return {
    slack,
    gd,
    ec2,
    dynamo,
    store,
    bot,
    stop: async () => {
      await bot.stop();
      ec2.restore();
      gd.restore();
      await dynamo.stop();
      await slack.close();
    },
  };
}

/** A signed-able view_submission payload of the propose modal. */
export function proposeSubmission(user: string, value: string, viewId: string, meta: string): Record<string, unknown> {
  return {
    type: 'view_submission',
    team: { id: 'T0TEAM0001', domain: 'test' },
    user: { id: user, name: user.toLowerCase(), team_id: 'T0TEAM0001' },
    api_app_id: 'A0APP00001',
    token: 'legacy-verification-token',
    trigger_id: '1234.5678.submit',
    is_enterprise_install: false,
    view: {
      id: viewId,
      team_id: 'T0TEAM0001',
      type: 'modal',
      callback_id: 'remediation_propose_view',
      private_metadata: meta,
      blocks: [],
      title: { type: 'plain_text', text: 'Propose fix' },
      state: { values: { trusted_sources: { trusted_sources_input: { type: 'plain_text_input', value } } } },
      hash: '1700000000.abcdef',
      root_view_id: viewId,
      previous_view_id: null,
      app_id: 'A0APP00001',
      external_id: '',
      bot_id: 'B0BOT00001',
      clear_on_close: false,
      notify_on_close: false,
    },
    response_urls: [],
  };
}

/** Polls an async read until it gives a value. */
export async function eventually<T>(read: () => Promise<T | undefined>, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
