import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { GuardDutyClient } from '@aws-sdk/client-guardduty';
import type { App } from '@slack/bolt';
import { GuardDutySource } from '../../src/aws/guardduty-source';
import { loadConfig, type Config } from '../../src/config';
import { createLogger } from '../../src/logger';
import { LogLevel, WebClient } from '@slack/web-api';
import { composeBot, type Bot as ComposedBot, type BotParts } from '../../src/compose';
import { WorkQueue } from '../../src/slack/work-queue';
import type { SlackDeps } from '../../src/slack/deps';
import { undiciFetch } from '../../src/slack/undici-fetch';
import { SIGNING_SECRET } from './signed-request';
import type { SlackStandIn } from './slack-stand-in';

export const TEST_CREDENTIALS = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' };

/** Collects log lines so tests can assert what was (not) logged. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.lines.push(chunk.toString('utf8'));
    done();
  }
  get text(): string {
    return this.lines.join('');
  }
}

export interface Bot {
  app: App;
  /** Everything composeBot built (publisher, queue, poller, remediation). */
  composed: ComposedBot;
  config: Config;
  deps: SlackDeps;
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** `POST` target for commands and interactions. */
  events: string;
  logs: LogCapture;
  stop(): Promise<void>;
}

export function testConfig(slack: Pick<SlackStandIn, 'apiUrl'>, env: Record<string, string> = {}): Config {
  return loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-test-token-0000',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.apiUrl,
    AWS_REGION: 'us-east-1',
    GUARDDUTY_REGIONS: 'us-east-1,us-west-2',
    LOG_LEVEL: 'debug',
    ...env,
  });
}

/** One GuardDuty client per region, one attempt each; `endpoint`: a wire stand-in's (else the SDK mock answers). */
export function guardDutyClients(endpoint?: string): (region: string) => GuardDutyClient {
  const clients = new Map<string, GuardDutyClient>();
  return (region) => {
    let c = clients.get(region);
    if (!c)
      clients.set(
        region,
        (c = new GuardDutyClient({ region, ...(endpoint ? { endpoint } : {}), credentials: TEST_CREDENTIALS, maxAttempts: 1 })),
      );
    return c;
  };
}

/**
 * The bot as main.ts builds it (composeBot) with the real Bolt app and HTTP receiver on an ephemeral loopback
 * port; GuardDuty through the SDK (mocked or pointed at a stand-in), Slack's Web API at the stand-in. `extra`
 * passes fakes or real adapters (a store, EC2 executors, a sealer) in; the feed's timers are not started.
 */
export async function startBot(slack: SlackStandIn, env: Record<string, string> = {}, extra: Partial<BotParts> = {}): Promise<Bot> {
  const config = testConfig(slack, env);
  const logs = new LogCapture();
  const logger = createLogger(config.logLevel, logs);
  const findings = extra.findings ?? new GuardDutySource(guardDutyClients(), config.aws.regions);
  const composed = composeBot({
    config,
    logger,
    owner: 'bot-test',
    web: new WebClient(config.slack.botToken, {
      slackApiUrl: slack.apiUrl,
      fetch: undiciFetch(),
      retryConfig: { retries: 0 },
      logLevel: LogLevel.ERROR,
    }),
    findings,
    // Tests read GuardDuty as it is now; the 10-second cache is tested on its own.
    peopleFindings: findings,
    // The test process is also the load generator, so its event-loop load says nothing about the bot's own:
    // the queue keeps its count limits here, and load shedding is tested on its own (work-queue.test.ts).
    work: new WorkQueue({ load: { utilization: () => 0 } }),
    ...extra,
  });
  const server = (await composed.start(0, { background: false })) as Server;
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  return {
    app: composed.app,
    composed,
    config,
    deps: composed.deps,
    base,
    events: `${base}/slack/events`,
    logs,
    stop: () => composed.stop(),
  };
}
