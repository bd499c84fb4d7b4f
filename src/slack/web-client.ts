import { WebClient } from '@slack/web-api';
import type pino from 'pino';
import type { Config } from '../config';
import { boltLogger } from '../logger';
import { undiciFetch } from './undici-fetch';

/** The bot's WebClient: SLACK_API_URL, logs through pino, Slack's own 429 handling within bounded retries. */
export function slackWebClient(config: Config, logger: pino.Logger): WebClient {
  return new WebClient(config.slack.botToken, {
    slackApiUrl: config.slack.apiUrl,
    logger: boltLogger(logger),
    fetch: undiciFetch(),
    // Bounded, so a post never outlives its claim by much; 429s wait for Retry-After inside these retries.
    retryConfig: { retries: 5, factor: 2, minTimeout: 1000, maxTimeout: 20_000 },
  });
}
