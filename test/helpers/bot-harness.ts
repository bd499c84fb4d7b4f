import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { GuardDutyClient } from '@aws-sdk/client-guardduty';
import type { App } from '@slack/bolt';
import { GuardDutySource } from '../../src/aws/guardduty-source';
import { loadConfig, type Config } from '../../src/config';
import { createLogger } from '../../src/logger';
import { WorkQueue } from '../../src/slack/work-queue';
import { createApp } from '../../src/slack/app';
import type { SlackDeps } from '../../src/slack/deps';
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
  config: Config;
  deps: SlackDeps;
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** `POST` target for commands and interactions. */
  events: string;
  logs: LogCapture;
  stop(): Promise<void>;
}

export function testConfig(slack: SlackStandIn, env: Record<string, string> = {}): Config {
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

export function guardDutyClients(): (region: string) => GuardDutyClient {
  const clients = new Map<string, GuardDutyClient>();
  return (region) => {
    let c = clients.get(region);
    if (!c) clients.set(region, (c = new GuardDutyClient({ region, credentials: TEST_CREDENTIALS, maxAttempts: 1 })));
    return c;
  };
}

/** The real Bolt app with the HTTP receiver on an ephemeral loopback port. */
export async function startBot(slack: SlackStandIn, env: Record<string, string> = {}, extra: Partial<SlackDeps> = {}): Promise<Bot> {
  const config = testConfig(slack, env);
  const logs = new LogCapture();
  const logger = createLogger(config.logLevel, logs);
  const deps: SlackDeps = {
    config,
    logger,
    findings: new GuardDutySource(guardDutyClients(), config.aws.regions),
    // The test process is also the load generator, so its event-loop load says nothing about the bot's own:
    // the queue keeps its count limits here, and load shedding is tested on its own (work-queue.test.ts).
    work: new WorkQueue({ load: { utilization: () => 0 } }),
    ...extra,
  };
  const app = createApp(deps);
  const server = (await app.start(0)) as Server;
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  return {
    app,
    config,
    deps,
    base,
    events: `${base}/slack/events`,
    logs,
    stop: () => app.stop() as Promise<void>,
  };
}
