import 'dotenv/config';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { guardDutyClients, remediationExecutors } from './aws/clients';
import { GuardDutySource } from './aws/guardduty-source';
import { composeBot } from './compose';
import { loadConfig, type Config } from './config';
import { ConfigError, describeError } from './domain/errors';
import { createLogger } from './logger';
import { slackWebClient } from './slack/web-client';
import { openStore } from './store/open-store';
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

/** Prints why the bot cannot start and exits with `code` (78: configuration). */
function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

function readConfig(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(`${err.message}\n${SETUP_HELP}`, 78);
    throw err;
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger(config.logLevel);
  const owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const opened = await openStore({ table: config.store.table, dataDir: config.store.dataDir, region: config.aws.homeRegion }, logger).catch(
    (err: unknown) => fail(`The bot's state store could not be opened: ${describeError(err)}`, 1),
  );
  let sealer;
  try {
    sealer = approvalSealer({
      key: config.approval.signingKey,
      previousKey: config.approval.previousSigningKey,
      dataDir: config.store.dataDir,
    });
  } catch (err) {
    fail(`The approval signing key could not be loaded: ${describeError(err)}`, 78);
  }

  const executors = remediationExecutors(config);
  const bot = composeBot({
    config,
    logger,
    owner,
    web: slackWebClient(config, logger),
    findings: new GuardDutySource(guardDutyClients(config.aws.regions), config.aws.regions),
    store: opened.store,
    executors,
    steps: executors,
    sealer,
  });
  await bot.start(config.port);
  logger.info(
    {
      mode: config.slack.mode,
      port: config.port,
      regions: config.aws.regions,
      store: opened.description,
      feed: Boolean(bot.poller),
      owner,
    },
    'guardduty-chatops is running',
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: no new work, finishing what is in flight, releasing leases');
    setTimeout(() => {
      logger.error('did not stop within 10 s; exiting');
      process.exit(1);
    }, 9_500).unref();
    // The store is left open: a remediation still running may write its outcome until exit, and one that
    // cannot finish is resumed at the next start (its lease lapses). Writes already made are on disk.
    bot.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => fail(`guardduty-chatops failed to start: ${describeError(err)}`, 1));
