import 'dotenv/config';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { EC2Client } from '@aws-sdk/client-ec2';
import { GuardDutyClient } from '@aws-sdk/client-guardduty';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { WebClient } from '@slack/web-api';
import { undiciFetch } from './slack/undici-fetch';
import type pino from 'pino';
import { loadConfig, type Config } from './config';
import { CachedFindingsSource } from './aws/cached-findings-source';
import { GuardDutySource } from './aws/guardduty-source';
import { ConfigError, describeError } from './domain/errors';
import { RegionNotConfiguredError } from './domain/regions';
import type { ApprovalSealer } from './domain/remediation/seal';
import { CardPublisher } from './feed/card-publisher';
import { ChannelQueue, POST_INTERVAL_MS } from './feed/channel-queue';
import { DigestPublisher } from './feed/digest';
import { FeedPoller } from './feed/feed-poller';
import { AssumeRoleExecutorFactory } from './aws/remediation-executor-factory';
import { boltLogger, createLogger } from './logger';
import { SlackApproverPolicy } from './remediation/approvers';
import { createApp } from './slack/app';
import type { ChannelDeps, RemediationDeps } from './slack/deps';
import { remediationContext, resumeStalledProposals } from './slack/remediation-context';
import { SlackMessenger } from './slack/messenger';
import { SlackCardChannel } from './slack/slack-card-channel';
import { openStore, type OpenedStore } from './store/open-store';
import { approvalSealer } from './store/signing-key';

const SETUP_HELP = `
How to get these values:
  1. Create the Slack app from manifest.yml (api.slack.com/apps → Create New App → From an app manifest).
  2. Install it to your workspace; copy the Bot User OAuth Token (xoxb-…) into SLACK_BOT_TOKEN.
  3. Socket Mode: create an app-level token with connections:write and put it (xapp-…) in SLACK_APP_TOKEN.
     HTTP mode: put the app's Signing Secret in SLACK_SIGNING_SECRET instead.
  4. Set AWS_REGION (and GUARDDUTY_REGIONS for more regions).
Put them in a .env file next to package.json (see .env.example), then run npm start again.
See README.md for every variable.`;

/** Cards are claimed for this long before another process may recover a post that never finished. */
const CLAIM_SECONDS = 120;

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n${SETUP_HELP}\n`);
      process.exit(78);
    }
    throw err;
  }
}

/** One GuardDuty client per configured region, built once at start; any other region is refused. */
function guardDutyClients(regions: readonly string[]): (region: string) => GuardDutyClient {
  const clients = new Map(regions.map((region) => [region, new GuardDutyClient({ region })] as const));
  return (region) => {
    const client = clients.get(region);
    if (!client) throw new RegionNotConfiguredError(region, regions);
    return client;
  };
}

function remediationDeps(config: Config, slack: WebClient, sealer: ApprovalSealer): RemediationDeps {
  const sts = new STSClient({ region: config.aws.homeRegion });
  let account: Promise<string> | undefined;
  const ownAccountId = () => {
    account ??= sts.send(new GetCallerIdentityCommand({})).then((r) => {
      if (!r.Account) throw new Error('sts:GetCallerIdentity returned no account');
      return r.Account;
    });
    account.catch(() => (account = undefined));
    return account;
  };
  return {
    executors: new AssumeRoleExecutorFactory({
      ownAccountId,
      roleName: config.aws.remediationRoleName,
      sts,
      makeEc2: (region, credentials) => new EC2Client({ region, credentials }),
    }),
    approvers: new SlackApproverPolicy({ userIds: config.approval.userIds, usergroupId: config.approval.usergroupId, client: slack }),
    sealer,
  };
}

function slackClient(config: Config, logger: pino.Logger): WebClient {
  return new WebClient(config.slack.botToken, {
    slackApiUrl: config.slack.apiUrl,
    logger: boltLogger(logger),
    fetch: undiciFetch(),
    // Bounded, so a post never outlives its claim by much; 429s wait for Retry-After inside these retries.
    retryConfig: { retries: 5, factor: 2, minTimeout: 1000, maxTimeout: 20_000 },
  });
}

async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger(config.logLevel);
  const owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const findings = new GuardDutySource(guardDutyClients(config.aws.regions), config.aws.regions);

  let opened: OpenedStore;
  try {
    opened = await openStore({ table: config.store.table, dataDir: config.store.dataDir, region: config.aws.homeRegion }, logger);
  } catch (err) {
    process.stderr.write(`The bot's state store could not be opened: ${describeError(err)}\n`);
    process.exit(1);
  }
  let sealer: ApprovalSealer;
  try {
    sealer = approvalSealer({ key: config.approval.signingKey, previousKey: config.approval.previousSigningKey, dataDir: config.store.dataDir });
  } catch (err) {
    process.stderr.write(`The approval signing key could not be loaded: ${describeError(err)}\n`);
    process.exit(78);
  }
  const web = slackClient(config, logger);
  const messenger = new SlackMessenger(web);
  const queue = new ChannelQueue(POST_INTERVAL_MS);
  let channel: ChannelDeps | undefined;
  let poller: FeedPoller | undefined;
  let digest: DigestPublisher | undefined;
  if (config.feed.channel) {
    const publisher = new CardPublisher(
      opened.store,
      new SlackCardChannel(messenger),
      queue,
      { channel: config.feed.channel, minBand: config.feed.minBand, owner, claimSeconds: CLAIM_SECONDS },
      logger.child({ component: 'cards' }),
    );
    channel = { store: opened.store, messenger, publisher, channel: config.feed.channel, owner };
    poller = new FeedPoller(
      findings,
      opened.store,
      publisher,
      { regions: config.aws.regions, pollIntervalSeconds: config.feed.pollIntervalSeconds, backfillHours: config.feed.backfillHours, owner },
      logger.child({ component: 'feed' }),
    );
    digest = new DigestPublisher(
      opened.store,
      new SlackCardChannel(messenger),
      queue,
      { channel: config.feed.channel, intervalMinutes: config.feed.digestIntervalMinutes, owner },
      logger.child({ component: 'digest' }),
    );
  } else {
    logger.warn('FINDINGS_CHANNEL is not set: no finding cards are posted; /guardduty still answers');
  }

  // People in Slack read through a 10-second cache; the feed reads GuardDuty directly.
  const deps = { config, logger, findings: new CachedFindingsSource(findings), channel, store: opened.store, remediation: remediationDeps(config, web, sealer) };
  const app = createApp(deps);
  await app.start(config.port);
  poller?.start();
  digest?.start();
  const remediation = remediationContext(deps);
  if (remediation) {
    resumeStalledProposals(remediation).then(
      (n) => void (n > 0 && logger.info({ resumed: n }, 'resumed remediations interrupted by a stop')),
      (err: unknown) => logger.error({ err }, 'could not resume interrupted remediations'),
    );
  }
  logger.info(
    { mode: config.slack.mode, port: config.port, regions: config.aws.regions, store: opened.description, feed: Boolean(poller), owner },
    'guardduty-chatops is running',
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: no new work, finishing what is in flight, releasing leases');
    const timer = setTimeout(() => {
      logger.error('did not stop within 10 s; exiting');
      process.exit(1);
    }, 9_500);
    timer.unref();
    Promise.allSettled([app.stop(), poller?.stop(), digest?.stop()])
      .then(() => queue.idle())
      // The store is left open: a remediation still running may write its outcome until exit, and one that
      // cannot finish is resumed at the next start (its lease lapses). Writes already made are on disk.
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        logger.error({ err }, 'error while stopping');
        process.exit(1);
      });
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`guardduty-chatops failed to start: ${describeError(err)}\n`);
  process.exit(1);
});
