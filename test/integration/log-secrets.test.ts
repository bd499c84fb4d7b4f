import { WebClient } from '@slack/web-api';
/**
 * What reaches the log at LOG_LEVEL=debug when Slack talks to the bot, through the real receivers:
 * Socket Mode (the real SocketModeClient against a loopback WebSocket standing in for Slack, which logs every
 * envelope it receives and sends) and signed HTTP. Slack's secrets in those payloads (the verification token,
 * trigger IDs, response URLs, what people type into a modal, the connection ticket, the tokens) never appear.
 */
import type { Server } from 'node:http';
import { GuardDutySource } from '../../src/aws/guardduty-source';
import { composeBot } from '../../src/compose';
import { createLogger } from '../../src/logger';
import { ACTION, BLOCK, VIEW } from '../../src/slack/ids';
import { WorkQueue } from '../../src/slack/work-queue';
import { guardDutyClients, LogCapture, startBot, testConfig } from '../../support/helpers/bot-harness';
import { freePort } from '../../support/helpers/free-port';
import { blockAction, interaction, slashCommand, SIGNING_SECRET } from '../../support/helpers/signed-request';
import { SlackStandIn } from '../../support/helpers/slack-stand-in';
import { SocketModeStandIn } from '../../support/helpers/socket-mode-stand-in';

const APP_TOKEN = 'xapp-1-A0APP00001-7777777777-5ec2e7a99t0ken0f7he4pp1eve1';
const TICKET = '6f1c2a3b-ticket-secret-4d5e';
const VERIFICATION = 'legacy-verification-token';
const TRIGGER = '1234.5678.abcdef';
const TYPED = 'typed-into-the-modal-by-a-person';
/** Unique per payload, so a leak names the payload it came from. */
const RESPONSE_PATHS = ['sm-cmd-5ecret', 'sm-click-5ecret', 'sm-view-5ecret', 'http-cmd-5ecret', 'http-click-5ecret', 'http-view-5ecret'];
const HOOK_SECRET = 'T0TEAM0001/5ecretHookPart';
/** Slack escapes slashes in the JSON it sends. */
const slackJson = (v: unknown) => JSON.stringify(v).replace(/\//g, '\\/');

function viewSubmission(responseUrl: string): Record<string, unknown> {
  return {
    type: 'view_submission',
    token: VERIFICATION,
    team: { id: 'T0TEAM0001', domain: 'test' },
    user: { id: 'U0ALICE001', team_id: 'T0TEAM0001' },
    api_app_id: 'A0APP00001',
    trigger_id: TRIGGER,
    view: {
      id: 'V0VIEW0001',
      type: 'modal',
      callback_id: VIEW.proposeFix,
      private_metadata: '',
      state: { values: { [BLOCK.trustedSources]: { [BLOCK.trustedSourcesInput]: { type: 'plain_text_input', value: TYPED } } } },
      blocks: [],
    },
    response_urls: [
      { block_id: 'b', action_id: 'a', channel_id: 'C0CHAN0001', response_url: responseUrl },
      { block_id: 'b', action_id: 'a', channel_id: 'C0CHAN0001', response_url: `https://hooks.slack.com/app/${HOOK_SECRET}` },
    ],
  };
}

function expectNoSecrets(logs: string): void {
  const leaks = [
    VERIFICATION,
    TRIGGER,
    TYPED,
    TICKET,
    APP_TOKEN,
    'xoxb-test-token-0000',
    SIGNING_SECRET,
    HOOK_SECRET,
    'T0TEAM0001\\/5ecretHookPart',
    ...RESPONSE_PATHS,
  ].filter((s) => logs.includes(s));
  expect(leaks).toEqual([]);
  for (const line of logs.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
}

let slack: SlackStandIn;
beforeAll(async () => {
  slack = await new SlackStandIn().start();
});
afterAll(async () => {
  await slack.close();
});

describe('Socket Mode at debug level', () => {
  it('logs the envelopes it receives and sends without any of their secrets', async () => {
    const ws = await new SocketModeStandIn().start();
    slack.handlers.set('apps.connections.open', () => ({ ok: true, url: ws.url(TICKET) }));
    const config = testConfig(slack, { SLACK_APP_TOKEN: APP_TOKEN, PORT: String(await freePort()), LOG_LEVEL: 'debug' });
    expect(config.slack.mode).toBe('socket');
    const logs = new LogCapture();
    const { app } = composeBot({
      config,
      logger: createLogger(config.logLevel, logs),
      owner: 'log-secrets',
      web: new WebClient(config.slack.botToken, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } }),
      findings: new GuardDutySource(guardDutyClients(), config.aws.regions),
      work: new WorkQueue({ load: { utilization: () => 0 } }),
    });
    try {
      await app.start();
      await ws.connection;

      const command = {
        token: VERIFICATION,
        team_id: 'T0TEAM0001',
        team_domain: 'test',
        channel_id: 'C0CHAN0001',
        user_id: 'U0ALICE001',
        command: '/guardduty',
        text: 'help',
        api_app_id: 'A0APP00001',
        response_url: slack.responseUrl(RESPONSE_PATHS[0]),
        trigger_id: TRIGGER,
      };
      ws.send(slackJson({ envelope_id: 'env-cmd-0001', type: 'slash_commands', accepts_response_payload: true, payload: command }));
      const click = blockAction({ actionId: ACTION.proposeFix, value: 'us-east-1 abc', responseUrl: slack.responseUrl(RESPONSE_PATHS[1]) });
      click.state = { values: { some_block: { some_input: { type: 'plain_text_input', value: TYPED } } } };
      ws.send(slackJson({ envelope_id: 'env-click-0001', type: 'interactive', accepts_response_payload: false, payload: click }));
      ws.send(
        slackJson({
          envelope_id: 'env-view-0001',
          type: 'interactive',
          accepts_response_payload: true,
          payload: viewSubmission(slack.responseUrl(RESPONSE_PATHS[2])),
        }),
      );

      // Acked through Bolt: the help answer in the ack, the click answered at its response_url.
      const ack = await ws.ackOf('env-cmd-0001');
      expect(JSON.stringify(ack.payload)).toContain('How to use /guardduty');
      await ws.ackOf('env-click-0001');
      await slack.waitFor(() => slack.responses.find((r) => r.path === `/respond/${RESPONSE_PATHS[1]}`), 5000, 'the click answer');
      await slack.waitFor(() => logs.text.includes('env-view-0001'), 5000, 'the view submission in the log');
    } finally {
      await app.stop();
      // The client closes with a handshake; let it finish so none of its timers outlive the test.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([ws.disconnection, new Promise((r) => (timer = setTimeout(r, 3000)))]);
      clearTimeout(timer);
      await ws.close();
      slack.handlers.delete('apps.connections.open');
    }

    // The debug lines were written (so there was something to scrub)…
    expect(logs.text).toContain('Received a message on the WebSocket');
    expect(logs.text).toContain('Sending a WebSocket message');
    expect(logs.text).toContain('apps.connections.open');
    for (const id of ['env-cmd-0001', 'env-click-0001', 'env-view-0001']) expect(logs.text).toContain(id);
    expect(logs.text).toContain('\\"callback_id\\":\\"remediation_propose_view\\"');
    // …and none of the secrets is in them.
    expectNoSecrets(logs.text);
  });
});

describe('signed HTTP at debug level', () => {
  it('logs no token, trigger_id, response_url or view state', async () => {
    const bot = await startBot(slack, { LOG_LEVEL: 'debug' });
    try {
      const cmd = await slashCommand(bot.events, { text: 'help', responseUrl: slack.responseUrl(RESPONSE_PATHS[3]) });
      expect(cmd.status).toBe(200);
      const click = await interaction(
        bot.events,
        blockAction({ actionId: ACTION.proposeFix, value: 'us-east-1 abc', responseUrl: slack.responseUrl(RESPONSE_PATHS[4]) }),
      );
      expect(click.status).toBe(200);
      await slack.waitFor(() => slack.responses.find((r) => r.path === `/respond/${RESPONSE_PATHS[4]}`), 5000, 'the click answer');
      // No listener for this view without remediation: Bolt answers it (404) after its ack timeout.
      await interaction(bot.events, viewSubmission(slack.responseUrl(RESPONSE_PATHS[5])));
    } finally {
      await bot.stop();
    }
    expect(bot.logs.text).toContain('"level":20');
    expectNoSecrets(bot.logs.text);
  });
});

describe("the Socket Mode receiver's /healthz server", () => {
  it('gets the same timeouts and connection cap', async () => {
    const config = testConfig(slack, { SLACK_APP_TOKEN: APP_TOKEN, PORT: '3999', LOG_LEVEL: 'silent' });
    const verified = slack.callsTo('auth.test').length;
    const { app } = composeBot({
      config,
      logger: createLogger('silent'),
      owner: 'log-secrets',
      web: new WebClient(config.slack.botToken, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } }),
      findings: new GuardDutySource(guardDutyClients(), config.aws.regions),
      appOptions: { httpLimits: { maxConnections: 7 } },
    });
    const server = (app as unknown as { receiver: { httpServer?: Server } }).receiver.httpServer;
    expect(server).toBeDefined();
    expect({
      headersTimeout: server?.headersTimeout,
      requestTimeout: server?.requestTimeout,
      maxConnections: server?.maxConnections,
    }).toEqual({ headersTimeout: 5000, requestTimeout: 10_000, maxConnections: 7 });
    // Bolt checks the token at once; let that finish rather than leave its retries running.
    await slack.waitFor(() => slack.callsTo('auth.test').length > verified, 5000, 'the token check');
  });
});
