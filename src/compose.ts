import type { App } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type pino from 'pino';
import { CachedFindingsSource } from './aws/cached-findings-source';
import type { Config } from './config';
import type { ApproverPolicy, FindingsSource, RemediationExecutorFactory, StepExecutorFactory, StateStore } from './domain/ports';
import type { ApprovalSealer } from './domain/remediation/seal';
import { CardPublisher } from './feed/card-publisher';
import { ChannelQueue, POST_INTERVAL_MS } from './feed/channel-queue';
import { OutboxDrainer, type OutboxDrainerOptions } from './feed/outbox-drainer';
import { DigestPublisher } from './feed/digest';
import { FeedPoller } from './feed/feed-poller';
import { ReminderSweeper, type ReminderSweeperOptions } from './feed/reminder-sweeper';
import { SuppressionExpirer } from './feed/suppression-expirer';
import { keepsSuppressions } from './domain/suppressions';
import { keepsReminders, keepsStats } from './domain/ports';
import { parseCron } from './domain/cron';
import { WeeklySummary, type WeeklySummaryOptions } from './feed/weekly-summary';
import { statsMessage } from './slack/blocks/stats';
import { SlackSummaryPoster } from './slack/summary-poster';
import { RemediationService } from './remediation/remediation-service';
import { SlackApproverPolicy } from './slack/approver-policy';
import { createApp, type AppOptions } from './slack/app';
import type { ChannelDeps, SlackDeps } from './slack/deps';
import { SlackMessenger } from './slack/messenger';
import { remediationContext, resumeStalledProposals, type RemediationContext } from './slack/remediation-context';
import { SlackCardChannel } from './slack/slack-card-channel';
import { sequenceGrowthMessage } from './slack/blocks/attack-sequence';
import type { UserRateLimit } from './slack/user-rate-limit';
import type { WorkQueue } from './slack/work-queue';

/** How long a card claim protects a post in progress before another process may recover it. */
export const CLAIM_SECONDS = 120;

/** What the bot is built from: configuration and the clients of the outside world (real ones, or fakes in tests). */
export interface BotParts {
  config: Config;
  logger: pino.Logger;
  /** This process's identity in claims and leases. */
  owner: string;
  web: WebClient;
  /** GuardDuty in the configured regions; the feed reads it directly, people through a 10-second cache. */
  findings: FindingsSource;
  /** Without a store there are no cards and no proposals; `/guardduty` still answers. */
  store?: StateStore;
  /** With a store, FINDINGS_CHANNEL and these two, remediation is on. */
  executors?: RemediationExecutorFactory;
  /** The containment playbooks' AWS side; without it only restrict-ingress is offered. */
  steps?: StepExecutorFactory;
  sealer?: ApprovalSealer;
  /** Defaults: APPROVER_USER_IDS and APPROVER_USERGROUP_ID through the WebClient. */
  approvers?: ApproverPolicy;
  /** Defaults: a SlackMessenger on `web`. */
  messenger?: SlackMessenger;
  /** What people's reads go through. Defaults: `findings` behind a 10-second cache. */
  peopleFindings?: FindingsSource;
  /** Pause between posts to one channel. Defaults: Slack's 1 message a second. */
  postIntervalMs?: number;
  claimSeconds?: number;
  /** Outbox drain timing (tests shorten the idle check). */
  outboxOptions?: Pick<OutboxDrainerOptions, 'idleCheckMs' | 'leaseSeconds'>;
  /** Reminder sweep timing and clock (tests move the clock instead of sleeping). */
  reminderOptions?: Pick<ReminderSweeperOptions, 'now' | 'sweepIntervalMs' | 'leaseSeconds' | 'postClaimSeconds'>;
  /** Summary timing and clock (tests move the clock instead of sleeping). */
  summaryOptions?: Pick<WeeklySummaryOptions, 'now' | 'tickMs' | 'leaseSeconds' | 'postClaimSeconds' | 'graceSeconds'>;
  work?: WorkQueue;
  actionLimit?: UserRateLimit;
  appOptions?: AppOptions;
}

export interface Bot {
  app: App;
  deps: SlackDeps;
  queue: ChannelQueue;
  publisher?: CardPublisher;
  poller?: FeedPoller;
  /** Posts the cards the poller records in each channel's outbox. */
  outbox?: OutboxDrainer;
  digest?: DigestPublisher;
  /** Sends the reminders about high and critical cards nobody took (one replica at a time). */
  reminders?: ReminderSweeper;
  /** Posts the periodic summary (SUMMARY_CRON) in each routed channel (one replica at a time). */
  summary?: WeeklySummary;
  /** Deletes each suppression rule the bot created on its expiry date (one replica at a time). */
  suppressions?: SuppressionExpirer;
  remediation?: RemediationContext;
  /**
   * Starts the receiver (the HTTP server in HTTP mode); with `background` (the default) also the feed, the
   * digest and the resumption of remediations a stop interrupted. Resolves with what Bolt's `start` gives.
   */
  start(port: number, options?: { background?: boolean }): Promise<unknown>;
  /** Stops taking requests and polling, then lets queued posts finish. */
  stop(): Promise<void>;
}

/** The one place the bot is wired: main.ts, every test harness and every benchmark build it here. */
export function composeBot(parts: BotParts): Bot {
  const { config, logger, owner, store } = parts;
  const messenger = parts.messenger ?? new SlackMessenger(parts.web);
  const queue = new ChannelQueue(parts.postIntervalMs ?? POST_INTERVAL_MS);
  const feedChannel = config.feed.channel;

  let channel: ChannelDeps | undefined;
  let poller: FeedPoller | undefined;
  let outbox: OutboxDrainer | undefined;
  let digest: DigestPublisher | undefined;
  let reminders: ReminderSweeper | undefined;
  let summary: WeeklySummary | undefined;
  if (store && feedChannel) {
    const cards = new SlackCardChannel(messenger);
    const publisher = new CardPublisher(
      store,
      cards,
      queue,
      {
        channel: feedChannel,
        ...(config.feed.routes ? { routes: config.feed.routes } : {}),
        minBand: config.feed.minBand,
        owner,
        claimSeconds: parts.claimSeconds ?? CLAIM_SECONDS,
        ...(keepsReminders(store) ? { reminders: config.reminders } : {}),
        sequences: {
          permalink: (channel, ts) => messenger.permalink(channel, ts),
          findings: parts.findings,
          growthMessage: sequenceGrowthMessage,
        },
      },
      logger.child({ component: 'cards' }),
    );
    channel = { store, messenger, publisher, channel: feedChannel, owner };
    poller = new FeedPoller(
      parts.findings,
      store,
      publisher,
      {
        regions: config.aws.regions,
        pollIntervalSeconds: config.feed.pollIntervalSeconds,
        backfillHours: config.feed.backfillHours,
        listingLagSeconds: config.feed.listingLagSeconds,
        owner,
      },
      logger.child({ component: 'feed' }),
    );
    outbox = new OutboxDrainer(
      store,
      parts.findings,
      publisher,
      { channels: [feedChannel, ...(config.feed.routes ?? []).map((r) => r.channel)], owner, ...parts.outboxOptions },
      logger.child({ component: 'outbox' }),
    );
    digest = new DigestPublisher(
      store,
      cards,
      queue,
      { channel: feedChannel, intervalMinutes: config.feed.digestIntervalMinutes, owner },
      logger.child({ component: 'digest' }),
    );
    if (keepsReminders(store)) {
      reminders = new ReminderSweeper(
        store,
        publisher,
        { rules: config.reminders, owner, ...parts.reminderOptions },
        logger.child({ component: 'reminders' }),
      );
    }
    if (keepsStats(store) && config.summary.cron) {
      summary = new WeeklySummary(
        store,
        store,
        // Every channel's summary of a slot reads the same GuardDuty counts: one read per tick.
        new CachedFindingsSource(parts.findings, 60_000),
        new SlackSummaryPoster(parts.web, queue),
        {
          schedule: parseCron(config.summary.cron),
          channels: [feedChannel, ...(config.feed.routes ?? []).map((r) => r.channel)],
          owner,
          render: (report, channelId) => statsMessage(report, { title: 'GuardDuty this week', channelId }),
          ...parts.summaryOptions,
        },
        logger.child({ component: 'summary' }),
      );
    }
  } else if (!feedChannel) {
    logger.warn('FINDINGS_CHANNEL is not set: no finding cards are posted; /guardduty still answers');
  }

  const approvers =
    parts.approvers ??
    new SlackApproverPolicy({ userIds: config.approval.userIds, usergroupId: config.approval.usergroupId, client: parts.web });
  const remediationService =
    store && parts.executors && parts.sealer
      ? new RemediationService({
          store,
          executors: parts.executors,
          ...(parts.steps ? { steps: parts.steps } : {}),
          approvers,
          sealer: parts.sealer,
          owner,
          ttlSeconds: config.approval.ttlMinutes * 60,
          logger,
        })
      : undefined;
  const deps: SlackDeps = {
    config,
    logger,
    findings: parts.peopleFindings ?? new CachedFindingsSource(parts.findings),
    ...(store ? { store } : {}),
    ...(channel ? { channel } : {}),
    ...(remediationService ? { remediation: { service: remediationService, approvers } } : {}),
    ...(parts.work ? { work: parts.work } : {}),
    ...(parts.actionLimit ? { actionLimit: parts.actionLimit } : {}),
  };
  const app = createApp(deps, parts.appOptions);
  const remediation = remediationContext(deps);
  const suppressions =
    store && remediationService && parts.steps && channel && keepsSuppressions(store)
      ? new SuppressionExpirer(
          store,
          remediationService,
          parts.steps,
          channel.publisher,
          { owner, regions: config.aws.regions },
          logger.child({ component: 'suppressions' }),
        )
      : undefined;

  return {
    app,
    deps,
    queue,
    ...(channel ? { publisher: channel.publisher } : {}),
    ...(poller ? { poller } : {}),
    ...(outbox ? { outbox } : {}),
    ...(digest ? { digest } : {}),
    ...(reminders ? { reminders } : {}),
    ...(summary ? { summary } : {}),
    ...(suppressions ? { suppressions } : {}),
    ...(remediation ? { remediation } : {}),
    async start(port, options = {}) {
      const started = await app.start(port);
      if (options.background ?? true) {
        poller?.start();
        outbox?.start();
        digest?.start();
        reminders?.start();
        summary?.start();
        suppressions?.start();
        if (remediation) {
          resumeStalledProposals(remediation).then(
            (n) => void (n > 0 && logger.info({ resumed: n }, 'resumed remediations interrupted by a stop')),
            (err: unknown) => logger.error({ err }, 'could not resume interrupted remediations'),
          );
        }
      }
      return started;
    },
    async stop() {
      await Promise.all([reminders?.stop(), summary?.stop(), suppressions?.stop()]);
      await Promise.allSettled([app.stop(), poller?.stop(), outbox?.stop(), digest?.stop()]);
      await queue.idle();
    },
  };
}
