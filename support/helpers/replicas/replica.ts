/**
 * One complete bot replica against the shared world, built through composeBot like src/main.ts: its own owner id,
 * WebClient, SlackMessenger, ChannelQueue, CardPublisher, FeedPoller, RemediationService and Bolt app on its own
 * ephemeral port (real HTTP receiver).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EC2Client } from '@aws-sdk/client-ec2';
import type { App } from '@slack/bolt';
import { LogLevel, WebClient } from '@slack/web-api';
import { Ec2Remediator } from '../../../src/aws/ec2-remediator';
import { GuardDutySource } from '../../../src/aws/guardduty-source';
import { composeBot } from '../../../src/compose';
import type { Config } from '../../../src/config';
import type { FindingQuery, RemediationExecutorFactory } from '../../../src/domain/ports';
import type { ExecutionResult } from '../../../src/domain/remediation/types';
import type { SeverityBand } from '../../../src/domain/severity';
import type { CardPublisher } from '../../../src/feed/card-publisher';
import type { ChannelQueue } from '../../../src/feed/channel-queue';
import type { FeedPoller } from '../../../src/feed/feed-poller';
import type { OutboxDrainer } from '../../../src/feed/outbox-drainer';
import { createLogger } from '../../../src/logger';
import { SlackMessenger } from '../../../src/slack/messenger';
import type { RemediationContext } from '../../../src/slack/remediation-context';
import { undiciFetch } from '../../../src/slack/undici-fetch';
import { UserRateLimit } from '../../../src/slack/user-rate-limit';
import { LogCapture, TEST_CREDENTIALS, guardDutyClients, testConfig } from '../bot-harness';
import { testSealer } from '../sealer';
import { APPROVER, MIN_BAND, REPLICA_CHANNEL, REPLICA_REGIONS, REQUESTER, SECOND_APPROVER, TRUSTED_SOURCE, type World } from './world';

const SCRIPTED_PACE = new UserRateLimit({ capacity: 1_000_000 });

/** The GuardDuty adapter, counting the feed's ListFindings sweeps per region. */
export class CountingSource extends GuardDutySource {
  readonly sweeps = new Map<string, number>();
  override listIds(region: string, query: FindingQuery): Promise<string[]> {
    this.sweeps.set(region, (this.sweeps.get(region) ?? 0) + 1);
    return super.listIds(region, query);
  }
}

/** The Slack messenger, counting the cards this replica posted. */
export class CountingMessenger extends SlackMessenger {
  cardsPosted = 0;
  override postCard(...args: Parameters<SlackMessenger['postCard']>): Promise<string> {
    this.cardsPosted++;
    return super.postCard(...args);
  }
}

export interface ReplicaOptions {
  /** Short label for figures ("A", "B"). */
  name: string;
  regions?: string[];
  minBand?: SeverityBand;
  /** Feed loop interval (only used by `poller.start()`). */
  pollIntervalSeconds?: number;
  claimSeconds?: number;
  /** ChannelQueue interval; 0 posts as fast as the stand-in answers. */
  queueIntervalMs?: number;
  logLevel?: string;
}

export interface Replica {
  name: string;
  owner: string;
  config: Config;
  app: App;
  /** `POST` target for commands and interactions. */
  events: string;
  logs: LogCapture;
  web: WebClient;
  messenger: CountingMessenger;
  queue: ChannelQueue;
  publisher: CardPublisher;
  source: CountingSource;
  poller: FeedPoller;
  /** Posts what the pollers recorded in the channel's outbox (one replica at a time holds a channel). */
  outbox: OutboxDrainer;
  /** Its own RemediationService and proposal messages (as main.ts builds them for resume at start-up). */
  remediation: RemediationContext;
  /** EC2 `apply` runs (remediation executions) this replica started. */
  applies: () => number;
  /** Log lines at warn or above. */
  warnings: () => { level: number; msg: string; err?: unknown }[];
  stop(): Promise<void>;
}

/** Builds and starts one replica against the shared store and stand-ins. */
export async function startReplica(world: Pick<World, 'slack' | 'store'>, options: ReplicaOptions): Promise<Replica> {
  const { slack, store } = world;
  const regions = options.regions ?? REPLICA_REGIONS;
  const minBand = options.minBand ?? MIN_BAND;
  const owner = `replica-${options.name.toLowerCase()}:${process.pid}:${Math.random().toString(36).slice(2, 10)}`;
  const config = testConfig(slack, {
    GUARDDUTY_REGIONS: regions.join(','),
    FINDINGS_CHANNEL: REPLICA_CHANNEL,
    POST_MIN_SEVERITY: minBand,
    APPROVER_USER_IDS: [REQUESTER, APPROVER, SECOND_APPROVER].join(','),
    TRUSTED_CIDRS: TRUSTED_SOURCE,
    LOG_LEVEL: options.logLevel ?? 'warn',
    POLL_INTERVAL_SECONDS: String(options.pollIntervalSeconds ?? 1),
  });
  const logs = new LogCapture();
  const logger = createLogger(config.logLevel, logs).child({ replica: options.name });
  const web = new WebClient(config.slack.botToken, {
    slackApiUrl: slack.apiUrl,
    fetch: undiciFetch(),
    retryConfig: { retries: 2, factor: 1, minTimeout: 10, maxTimeout: 50 },
    logLevel: LogLevel.ERROR,
  });
  const messenger = new CountingMessenger(web);
  const source = new CountingSource(guardDutyClients(), regions);
  let applied = 0;
  const executors: RemediationExecutorFactory = {
    forTarget: async (_account, region) => {
      const remediator = new Ec2Remediator(new EC2Client({ region, credentials: TEST_CREDENTIALS, maxAttempts: 1 }));
      const apply = remediator.apply.bind(remediator);
      remediator.apply = (...args: Parameters<Ec2Remediator['apply']>): Promise<ExecutionResult> => {
        applied++;
        return apply(...args);
      };
      return remediator;
    },
  };
  const bot = composeBot({
    config,
    logger,
    owner,
    web,
    messenger,
    findings: source,
    peopleFindings: source,
    store,
    executors,
    sealer: testSealer(),
    postIntervalMs: options.queueIntervalMs ?? 0,
    claimSeconds: options.claimSeconds ?? 60,
    // The scenarios click for whole teams at machine speed; the per-person limit is tested in feedback-once.test.ts.
    actionLimit: SCRIPTED_PACE,
  });
  const { app, queue, publisher, poller, outbox, remediation } = bot;
  if (!publisher || !poller || !outbox || !remediation) throw new Error('the replica was built without its feed or remediation');
  const server = (await bot.start(0, { background: false })) as Server;
  const { port } = server.address() as AddressInfo;
  return {
    name: options.name,
    owner,
    config,
    app,
    events: `http://127.0.0.1:${port}/slack/events`,
    logs,
    web,
    messenger,
    queue,
    publisher,
    source,
    poller,
    outbox,
    remediation,
    applies: () => applied,
    warnings: () => logs.lines.map((l) => JSON.parse(l) as { level: number; msg: string; err?: unknown }).filter((l) => l.level >= 40),
    stop: () => bot.stop(),
  };
}
