import 'dotenv/config';
import { GuardDutyClient } from '@aws-sdk/client-guardduty';
import { loadConfig } from './config';
import { GuardDutySource } from './aws/guardduty-source';
import { ConfigError } from './domain/errors';
import { createLogger } from './logger';
import { createApp } from './slack/app';

const SETUP_HELP = `
How to get these values:
  1. Create the Slack app from manifest.yml (api.slack.com/apps → Create New App → From an app manifest).
  2. Install it to your workspace; copy the Bot User OAuth Token (xoxb-…) into SLACK_BOT_TOKEN.
  3. Socket Mode: create an app-level token with connections:write and put it (xapp-…) in SLACK_APP_TOKEN.
     HTTP mode: put the app's Signing Secret in SLACK_SIGNING_SECRET instead.
  4. Set AWS_REGION (and GUARDDUTY_REGIONS for more regions).
Put them in a .env file next to package.json (see .env.example), then run npm start again.
See README.md for every variable.`;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n${SETUP_HELP}\n`);
      process.exit(78);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const clients = new Map<string, GuardDutyClient>();
  const guardDutyFor = (region: string) => {
    let client = clients.get(region);
    if (!client) {
      client = new GuardDutyClient({ region });
      clients.set(region, client);
    }
    return client;
  };
  const findings = new GuardDutySource(guardDutyFor, config.aws.regions);
  const app = createApp({ config, logger, findings });
  await app.start(config.port);
  logger.info({ mode: config.slack.mode, port: config.port, regions: config.aws.regions }, 'guardduty-chatops is running');

  const stop = (signal: string) => {
    logger.info({ signal }, 'stopping');
    const timer = setTimeout(() => process.exit(1), 10_000);
    timer.unref();
    app
      .stop()
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
  process.stderr.write(`guardduty-chatops failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
