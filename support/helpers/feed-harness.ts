import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogLevel, WebClient } from '@slack/web-api';
import pino from 'pino';
import { DynamoStateStore } from '../../src/store/dynamo-state-store';
import { FakeGuardDuty } from '../fakes/guardduty/sdk-mock';
import { startTestDynamo, type TestDynamo } from './dynalite';
import { GuardDutySource } from '../../src/aws/guardduty-source';
import type { StateStore } from '../../src/domain/ports';
import type { SeverityBand } from '../../src/domain/severity';
import { CardPublisher } from '../../src/feed/card-publisher';
import { ChannelQueue } from '../../src/feed/channel-queue';
import { DigestPublisher } from '../../src/feed/digest';
import { FeedPoller, type PollStats } from '../../src/feed/feed-poller';
import type { OutboxDrainer } from '../../src/feed/outbox-drainer';
import { SlackMessenger } from '../../src/slack/messenger';
import { guardDutyClients, testConfig } from './bot-harness';
import { composeBot } from '../../src/compose';
import { SlackStandIn } from './slack-stand-in';
import { undiciFetch } from '../../src/slack/undici-fetch';

export const CHANNEL = 'C0FINDINGS1';

export interface FeedInstance {
  owner: string;
  queue: ChannelQueue;
  publisher: CardPublisher;
  poller: FeedPoller;
  outbox: OutboxDrainer;
  /** One poll of the region, then every channel's outbox drained (as the running bot does, without its timers). */
  poll(region: string): Promise<PollStats>;
  digest: DigestPublisher;
  messenger: SlackMessenger;
}

/** One bot process's feed: real GuardDuty adapter (SDK mocked), real WebClient to the stand-in, the given store. */
export function feedInstance(
  store: StateStore,
  slack: Pick<SlackStandIn, 'apiUrl'>,
  options: {
    owner?: string;
    minBand?: SeverityBand;
    claimSeconds?: number;
    postIntervalMs?: number;
    regions?: string[];
    slackRetries?: number;
    /** The routing file's content (`{ rules: [...] }`), loaded through ROUTES_FILE as at start-up. */
    routes?: unknown;
    /** The outbox drain lease (default 30 s). */
    outboxLeaseSeconds?: number;
  } = {},
): FeedInstance {
  const owner = options.owner ?? `test-${Math.random().toString(36).slice(2, 8)}`;
  const regions = options.regions ?? ['us-east-1', 'us-west-2'];
  const routesDir = options.routes === undefined ? undefined : mkdtempSync(join(tmpdir(), 'routes-'));
  if (routesDir) writeFileSync(join(routesDir, 'routes.json'), JSON.stringify(options.routes));
  let config;
  try {
    config = testConfig(slack, {
      FINDINGS_CHANNEL: CHANNEL,
      POST_MIN_SEVERITY: options.minBand ?? 'medium',
      GUARDDUTY_REGIONS: regions.join(','),
      LOG_LEVEL: 'silent',
      ...(routesDir ? { ROUTES_FILE: join(routesDir, 'routes.json') } : {}),
    });
  } finally {
    if (routesDir) rmSync(routesDir, { recursive: true, force: true });
  }
  const web = new WebClient('xoxb-test-token', {
    slackApiUrl: slack.apiUrl,
    fetch: undiciFetch(),
    retryConfig: { retries: options.slackRetries ?? 0, factor: 1, minTimeout: 10, maxTimeout: 20 },
    logLevel: LogLevel.ERROR,
  });
  const messenger = new SlackMessenger(web);
  const bot = composeBot({
    config,
    logger: pino({ level: 'silent' }),
    owner,
    web,
    messenger,
    findings: new GuardDutySource(guardDutyClients(), regions),
    store,
    postIntervalMs: options.postIntervalMs ?? 0,
    claimSeconds: options.claimSeconds ?? 60,
    ...(options.outboxLeaseSeconds ? { outboxOptions: { leaseSeconds: options.outboxLeaseSeconds } } : {}),
  });
  const { queue, publisher, poller, outbox, digest } = bot;
  if (!publisher || !poller || !digest || !outbox) throw new Error('the feed was not built');
  const channels = [...new Set([config.feed.channel ?? CHANNEL, ...(config.feed.routes ?? []).map((r) => r.channel)])];
  const poll = async (region: string): Promise<PollStats> => {
    const stats = await poller.pollOnce(region);
    await Promise.all(channels.map((channel) => outbox.drain(channel)));
    return stats;
  };
  return { owner, queue, publisher, poller, outbox, poll, digest, messenger };
}

export function isoMinutesAgo(minutes: number): string {
  return new Date(Date.now() - minutes * 60_000).toISOString();
}

/** What each feed test gets fresh: a dynalite table with the store on it, the Slack stand-in, GuardDuty in memory. */
export interface FeedWorld {
  db: TestDynamo;
  store: DynamoStateStore;
  slack: SlackStandIn;
  gd: FakeGuardDuty;
}

/** Registers the hooks that give every test of the calling `describe` a fresh FeedWorld (read it inside tests). */
export function useFeedWorld(): FeedWorld {
  const world = {} as FeedWorld;
  beforeEach(async () => {
    world.db = await startTestDynamo();
    world.store = new DynamoStateStore(world.db.doc, world.db.tableName);
    world.slack = await new SlackStandIn().start();
    world.gd = new FakeGuardDuty();
  });
  afterEach(async () => {
    world.gd.restore();
    await world.slack.close();
    await world.db.stop();
  });
  return world;
}
