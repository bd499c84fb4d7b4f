import { Writable } from 'node:stream';
import { LogLevel } from '@slack/bolt';
import fc from 'fast-check';
import { boltLogger, createLogger, redactValues, scrubSecrets } from '../../src/logger';

class Lines extends Writable {
  readonly raw: string[] = [];
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.raw.push(chunk.toString('utf8'));
    done();
  }
  get records(): Record<string, unknown>[] {
    return this.raw
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }
  get last(): Record<string, unknown> {
    const all = this.records;
    const record = all[all.length - 1];
    if (!record) throw new Error('nothing was logged');
    return record;
  }
  get text(): string {
    return this.raw.join('');
  }
}

const BOT_TOKEN = 'xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx';
const APP_TOKEN = 'xapp-1-A0123ABCD-1234567890-abcdef0123456789';
const HOOK = 'https://hooks.slack.com/actions/T0123/456789/AbCdEf0123';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

function setup(level = 'info') {
  const out = new Lines();
  return { out, log: createLogger(level, out) };
}

describe('createLogger', () => {
  it('writes JSON lines with the level, message, app name and an ISO time', () => {
    const { out, log } = setup();
    log.info({ finding: 'abc' }, 'posted card');
    expect(out.last).toMatchObject({ level: 30, msg: 'posted card', app: 'guardduty-chatops', finding: 'abc' });
    expect(String(out.last.time)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('honours the level', () => {
    const { out, log } = setup('warn');
    log.info('quiet');
    log.warn('loud');
    expect(out.records.map((r) => r.msg)).toEqual(['loud']);
  });

  it.each([
    ['token', { token: BOT_TOKEN }, ['token']],
    ['botToken', { botToken: BOT_TOKEN }, ['botToken']],
    ['appToken', { appToken: APP_TOKEN }, ['appToken']],
    ['signingSecret', { signingSecret: SECRET }, ['signingSecret']],
    ['response_url', { response_url: HOOK }, ['response_url']],
    ['responseUrl', { responseUrl: HOOK }, ['responseUrl']],
    ['trigger_id', { trigger_id: '123.456.abcdef' }, ['trigger_id']],
    ['authorization', { authorization: `Bearer ${BOT_TOKEN}` }, ['authorization']],
    ['secretAccessKey', { secretAccessKey: SECRET }, ['secretAccessKey']],
    ['sessionToken', { sessionToken: SECRET }, ['sessionToken']],
    ['accessKeyId', { accessKeyId: 'AKIAIOSFODNN7EXAMPLE' }, ['accessKeyId']],
  ])('redacts top-level %s', (_label, obj, path) => {
    const { out, log } = setup();
    log.info(obj, 'x');
    expect(path.reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], out.last)).toBe('[Redacted]');
    expect(out.text).not.toContain(Object.values(obj)[0]);
  });

  it.each([
    ['token one level down', { body: { token: BOT_TOKEN } }, ['body', 'token']],
    ['botToken one level down', { slack: { botToken: BOT_TOKEN } }, ['slack', 'botToken']],
    ['signingSecret one level down', { slack: { signingSecret: SECRET } }, ['slack', 'signingSecret']],
    ['response_url one level down', { body: { response_url: HOOK } }, ['body', 'response_url']],
    ['response_url two levels down', { req: { body: { response_url: HOOK } } }, ['req', 'body', 'response_url']],
    ['trigger_id one level down', { body: { trigger_id: '1.2.3' } }, ['body', 'trigger_id']],
    ['trigger_id two levels down', { req: { body: { trigger_id: '1.2.3' } } }, ['req', 'body', 'trigger_id']],
    ['headers.authorization', { headers: { authorization: `Bearer ${BOT_TOKEN}` } }, ['headers', 'authorization']],
    ['req.headers.authorization', { req: { headers: { authorization: `Bearer ${BOT_TOKEN}` } } }, ['req', 'headers', 'authorization']],
    ['the Slack signature header', { headers: { 'x-slack-signature': 'v0=abcdef' } }, ['headers', 'x-slack-signature']],
    ['credentials', { credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: SECRET } }, ['credentials']],
    ['nested credentials', { aws: { credentials: { secretAccessKey: SECRET } } }, ['aws', 'credentials']],
    ['secretAccessKey one level down', { creds: { secretAccessKey: SECRET } }, ['creds', 'secretAccessKey']],
  ])('redacts %s', (_label, obj, path) => {
    const { out, log } = setup();
    log.warn(obj, 'x');
    expect(path.reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], out.last)).toBe('[Redacted]');
    expect(out.text).not.toContain(BOT_TOKEN);
    expect(out.text).not.toContain(SECRET);
    expect(out.text).not.toContain(HOOK);
  });

  it('keeps the other fields beside a redacted one', () => {
    const { out, log } = setup();
    log.info({ body: { response_url: HOOK, user_id: 'U0123ABCD' }, command: '/guardduty' }, 'x');
    expect(out.last).toMatchObject({ body: { response_url: '[Redacted]', user_id: 'U0123ABCD' }, command: '/guardduty' });
  });

  it('does not mutate the logged object', () => {
    const { log } = setup();
    const obj = { token: BOT_TOKEN, nested: { response_url: HOOK } };
    log.info(obj, 'x');
    expect(obj).toEqual({ token: BOT_TOKEN, nested: { response_url: HOOK } });
  });

  it('redacts in child loggers too', () => {
    const { out, log } = setup();
    log.child({ component: 'feed' }).error({ slack: { botToken: BOT_TOKEN } }, 'x');
    expect(out.last).toMatchObject({ component: 'feed', slack: { botToken: '[Redacted]' } });
  });
});

describe('scrubSecrets', () => {
  it.each([
    [`auth with ${BOT_TOKEN} failed`, 'auth with xox*-[Redacted] failed'],
    ['user token xoxp-1-2-3-abc', 'user token xox*-[Redacted]'],
    [`socket ${APP_TOKEN}`, 'socket xapp-[Redacted]'],
    [`post to ${HOOK} now`, 'post to https://hooks.slack.com/[Redacted] now'],
    [`"url":"${HOOK}"`, '"url":"https://hooks.slack.com/[Redacted]"'],
    ['nothing secret here', 'nothing secret here'],
  ])('%p', (input, want) => {
    expect(scrubSecrets(input)).toBe(want);
  });
});

describe('boltLogger', () => {
  function bolt(level = 'debug') {
    const { out, log } = setup(level);
    return { out, logger: boltLogger(log) };
  }

  it('scrubs tokens and webhook URLs from free-text arguments at every level', () => {
    const { out, logger } = bolt();
    logger.debug('token', BOT_TOKEN);
    logger.info(`connecting with ${APP_TOKEN}`);
    logger.warn('respond to', HOOK, 'failed');
    logger.error('bad', BOT_TOKEN, APP_TOKEN, HOOK);
    expect(out.records.map((r) => [r.level, r.msg])).toEqual([
      [20, 'token xox*-[Redacted]'],
      [30, 'connecting with xapp-[Redacted]'],
      [40, 'respond to https://hooks.slack.com/[Redacted] failed'],
      [50, 'bad xox*-[Redacted] xapp-[Redacted] https://hooks.slack.com/[Redacted]'],
    ]);
    expect(out.text).not.toMatch(/AbCdEfGh|A0123ABCD|T0123\/456789/);
  });

  it('scrubs errors, keeping their name and message', () => {
    const { out, logger } = bolt();
    const err = new TypeError(`An API error occurred: invalid_auth (token ${BOT_TOKEN})`);
    logger.error('failed:', err);
    expect(out.last).toMatchObject({
      component: 'bolt',
      msg: 'failed: TypeError: An API error occurred: invalid_auth (token xox*-[Redacted])',
    });
  });

  it('scrubs objects serialised into the message', () => {
    const { out, logger } = bolt();
    logger.info({ response_url: HOOK, token: BOT_TOKEN, n: 1 });
    expect(out.last.msg).toBe('{"response_url":"[Redacted]","token":"[Redacted]","n":1}');
  });

  it('survives circular objects, marking the cycle', () => {
    const { out, logger } = bolt();
    const loop: Record<string, unknown> = { token: BOT_TOKEN };
    loop.self = loop;
    logger.warn('odd', loop);
    expect(out.last.msg).toBe('odd {"token":"[Redacted]","self":"[Circular]"}');
  });

  it('maps levels both ways and renames itself', () => {
    const { out, logger } = bolt('info');
    expect(logger.getLevel()).toBe(LogLevel.INFO);
    logger.info('before');
    logger.setName('socket-mode');
    logger.setLevel(LogLevel.ERROR);
    expect(logger.getLevel()).toBe(LogLevel.ERROR);
    logger.warn('hidden');
    logger.error(`gone ${BOT_TOKEN}`);
    expect(out.records.map((r) => [r.component, r.msg])).toEqual([
      ['bolt', 'before'],
      ['socket-mode', 'gone xox*-[Redacted]'],
    ]);
  });
});

// ---------------------------------------------------------------- secrets Slack puts in payloads

const VERIFICATION = 'Zt9eXq2mPlK4sB7vNcVERIFY';
const TRIGGER_ID = '6054431968144.1234567890.0a1b2c3d4e5f60718293a4b5c6d7e8f9';
const RESPONSE_URL = 'https://hooks.slack.com/actions/T0TEAM0001/6054431968/RespUrlSecretPart';
const TYPED = 'typed-into-the-modal-by-a-person';
/** Slack's own JSON escapes slashes. */
const slackJson = (v: unknown) => JSON.stringify(v).replace(/\//g, '\\/');
const ALL = [VERIFICATION, TRIGGER_ID, 'RespUrlSecretPart', TYPED, BOT_TOKEN, APP_TOKEN, SECRET];

function viewSubmission() {
  return {
    type: 'view_submission',
    token: VERIFICATION,
    team: { id: 'T0TEAM0001', domain: 'test' },
    user: { id: 'U0ALICE001' },
    trigger_id: TRIGGER_ID,
    view: {
      id: 'V0VIEW0001',
      callback_id: 'propose_fix',
      private_metadata: '{"ref":"us-east-1 abc","channel":"C0CHAN0001"}',
      state: {
        values: {
          sources: { input: { type: 'plain_text_input', value: `${TYPED} } ] " \\ {` } },
          pick: { sel: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: TYPED }, value: TYPED } } },
        },
      },
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Replace the rules' } }],
    },
    response_urls: [{ block_id: 'b', action_id: 'a', channel_id: 'C0CHAN0001', response_url: RESPONSE_URL }],
  };
}

describe('scrubSecrets on payload text', () => {
  it('redacts token, trigger_id, response_url(s) and view state in JSON, keeping the rest and valid JSON', () => {
    const out = scrubSecrets(slackJson(viewSubmission()));
    for (const secret of ALL) expect(out).not.toContain(secret);
    const parsed = JSON.parse(out);
    expect(parsed).toMatchObject({
      type: 'view_submission',
      token: '[Redacted]',
      trigger_id: '[Redacted]',
      team: { id: 'T0TEAM0001' },
      view: {
        id: 'V0VIEW0001',
        callback_id: 'propose_fix',
        state: '[Redacted]',
        private_metadata: '{"ref":"us-east-1 abc","channel":"C0CHAN0001"}',
      },
      response_urls: [{ channel_id: 'C0CHAN0001', response_url: '[Redacted]' }],
    });
    expect(parsed.view.blocks).toEqual(viewSubmission().view.blocks);
  });

  it('redacts the same keys at any depth and in any case', () => {
    const deep = {
      a: {
        b: {
          c: {
            d: {
              e: {
                SecretAccessKey: SECRET,
                SessionToken: 'FwoGZXIvYXdzEXAMPLE',
                aws_secret_access_key: SECRET,
                AccessKeyId: 'ASIAIOSFODNN7EXAMPLE',
                Authorization: `Bearer ${BOT_TOKEN}`,
                'X-Slack-Signature': 'v0=abc',
                botToken: 'not-shaped-at-all',
                keep: 'me',
              },
            },
          },
        },
      },
    };
    const parsed = JSON.parse(scrubSecrets(JSON.stringify(deep)));
    expect(parsed.a.b.c.d.e).toEqual({
      SecretAccessKey: '[Redacted]',
      SessionToken: '[Redacted]',
      aws_secret_access_key: '[Redacted]',
      AccessKeyId: '[Redacted]',
      Authorization: '[Redacted]',
      'X-Slack-Signature': '[Redacted]',
      botToken: '[Redacted]',
      keep: 'me',
    });
  });

  it('redacts a payload that is itself a string inside JSON (escaped once more)', () => {
    const inner = JSON.stringify({
      token: VERIFICATION,
      trigger_id: TRIGGER_ID,
      response_url: 'http://127.0.0.1:9/respond/x1',
      text: 'he said "hi" \\ ok',
      n: 1,
    });
    const out = scrubSecrets(JSON.stringify({ payload: inner, other: 'kept' }));
    expect(out).not.toContain(VERIFICATION);
    expect(out).not.toContain(TRIGGER_ID);
    expect(out).not.toContain('respond/x1');
    const parsed = JSON.parse(JSON.parse(out).payload);
    expect(parsed).toEqual({ token: '[Redacted]', trigger_id: '[Redacted]', response_url: '[Redacted]', text: 'he said "hi" \\ ok', n: 1 });
  });

  it('redacts view state in a cut-off payload (Socket Mode logs unparseable messages too)', () => {
    const cut = slackJson(viewSubmission()).slice(0, 500);
    expect(cut).toContain(TYPED);
    const out = scrubSecrets(`Unable to parse an incoming WebSocket message (will ignore): SyntaxError, ${cut}`);
    for (const secret of ALL) expect(out).not.toContain(secret);
    expect(out).toContain('"callback_id":"propose_fix"');
  });

  it.each([
    [
      'a slash command form body',
      `token=${VERIFICATION}&team_id=T0TEAM0001&response_url=${encodeURIComponent(RESPONSE_URL)}&trigger_id=${TRIGGER_ID}`,
      'team_id=T0TEAM0001',
    ],
    [
      "Socket Mode's connection URL",
      `http request result: {"ok":true,"url":"wss://wss-primary.slack.com/link/?ticket=8f1e2d3c-RespUrlSecretPart&app_id=A0APP00001"}`,
      'app_id=A0APP00001',
    ],
    [
      'a response URL as Slack escapes it',
      `respond to https:\\/\\/hooks.slack.com\\/actions\\/T0\\/1\\/RespUrlSecretPart failed`,
      'failed',
    ],
    ['an incoming webhook', 'posting to https://hooks.slack.com/services/T0/B0/RespUrlSecretPart', 'posting to'],
    ['an AWS key ID in text', 'assumed role as ASIAIOSFODNN7EXAMPLE ok', 'assumed role'],
    ['a request signature', `x-slack-signature: v0=${'a1'.repeat(32)} checked`, 'checked'],
    ['a config dump', `SLACK_SIGNING_SECRET=${SECRET} AWS_SECRET_ACCESS_KEY = ${SECRET} PORT=3000`, 'PORT=3000'],
    ['a rotating user token', 'xoxe.xoxp-1-Mi0yLTExMjM0NTY3ODkw', 'xox*-[Redacted]'],
    ['a refresh token', 'xoxe-1-My0xLTEyMzQ1Njc4OTA', 'xox*-[Redacted]'],
  ])('%s', (_label, input, kept) => {
    const out = scrubSecrets(input);
    for (const secret of [
      ...ALL,
      'RespUrlSecretPart',
      'ASIAIOSFODNN7EXAMPLE',
      'a1'.repeat(32),
      'Mi0yLTExMjM0NTY3ODkw',
      'My0xLTEyMzQ1Njc4OTA',
    ])
      expect(out).not.toContain(secret);
    expect(out).toContain(kept);
  });

  it.each([
    'token',
    'Token',
    'TOKEN',
    'botToken',
    'SessionToken',
    'AWS_SESSION_TOKEN',
    'nextToken',
    'secretAccessKey',
    'SecretAccessKey',
    'AWS_SECRET_ACCESS_KEY',
    'client_secret',
    'signingSecret',
    'Authorization',
    'authorization',
    'x-slack-signature',
    'X-Slack-Signature',
    'password',
    'Passphrase',
    'trigger_id',
    'triggerId',
    'TriggerID',
    'response_url',
    'responseUrl',
    'ResponseURL',
    'RESPONSE_URL',
    'accessKeyId',
    'AccessKeyId',
    'access_key_id',
    'AWS_ACCESS_KEY_ID',
    'credential',
  ])('redacts the key %s in JSON, escaped JSON and key=value text', (key) => {
    const value = 'plain-looking-value-0001';
    for (const text of [JSON.stringify({ [key]: value }), JSON.stringify({ s: JSON.stringify({ [key]: value }) }), `${key}=${value}`]) {
      expect(scrubSecrets(text)).not.toContain(value);
    }
  });

  it('redacts the configured secrets by value, whatever the key or text', () => {
    const signing = 'f3c0ffee5ca1ab1e0123456789abcdef';
    redactValues(signing, 'short', undefined);
    expect(scrubSecrets(`{"whatever":"${signing}","x":"a short word"}`)).toBe('{"whatever":"[Redacted]","x":"a short word"}');
    expect(scrubSecrets(`computed with ${signing}.`)).toBe('computed with [Redacted].');
  });

  it('leaves text without secrets untouched (same string)', () => {
    const line =
      '{"level":30,"time":"2026-11-30T00:00:00.000Z","app":"guardduty-chatops","component":"feed","findings":3,"msg":"posted card"}';
    expect(scrubSecrets(line)).toBe(line);
  });

  const secretKey = fc.constantFrom(
    'token',
    'trigger_id',
    'response_url',
    'botToken',
    'secretAccessKey',
    'SessionToken',
    'x-slack-signature',
    'authorization',
    'client_secret',
  );
  const secretValue = fc
    .string({ unit: fc.constantFrom('a', 'Z', '9', '"', '\\', '/', '{', '}', ' ', 'é', '\n', '😀'), maxLength: 12 })
    .map((s) => `S3CR3T${s}`);

  it('property: any JSON stays valid JSON, and secrets under secret keys or in view state at any depth (or re-stringified inside a string) are gone', () => {
    fc.assert(
      fc.property(fc.jsonValue(), secretKey, secretValue, secretKey, secretValue, fc.nat(4), (data, k1, v1, k2, v2, depth) => {
        let nested: unknown = {
          [k2]: v2,
          data,
          view: { state: { values: { blk: { act: { value: v1, selected_option: { value: v2, text: data } } } } }, id: 'V1' },
        };
        for (let i = 0; i < depth; i++) nested = i % 2 ? { level: nested } : [nested, 'x'];
        const value = { [k1]: v1, data, nested, asString: JSON.stringify({ [k1]: v1, data, nested }) };
        const out = scrubSecrets(JSON.stringify(value));
        expect(() => JSON.parse(out)).not.toThrow();
        expect(out).not.toContain('S3CR3T');
        // Random data alone is never made invalid either.
        expect(() => JSON.parse(scrubSecrets(JSON.stringify(data)))).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });
});

describe('boltLogger with what Bolt and Socket Mode write at debug level', () => {
  function bolt(level = 'debug') {
    const { out, log } = setup(level);
    return { out, logger: boltLogger(log) };
  }

  it('keeps every secret of real envelope-shaped lines out, and every line valid JSON', () => {
    const { out, logger } = bolt();
    const envelope = { envelope_id: 'env-0001', type: 'interactive', accepts_response_payload: true, payload: viewSubmission() };
    const command = {
      token: VERIFICATION,
      team_id: 'T0TEAM0001',
      command: '/guardduty',
      text: 'help',
      response_url: RESPONSE_URL,
      trigger_id: TRIGGER_ID,
    };
    // SocketModeClient
    logger.debug(`Received a message on the WebSocket: ${slackJson(envelope)}`);
    logger.debug(`Calling ack() - type: interactive, envelope_id: env-0001, data: ${JSON.stringify({ response_action: 'errors' })}`);
    logger.debug(`Sending a WebSocket message: ${JSON.stringify({ envelope_id: 'env-0001', payload: {} })}`);
    // its WebClient (apps.connections.open) and Bolt's own
    logger.debug('http request headers: {"Authorization":"[[REDACTED]]","User-Agent":"x"}');
    logger.debug(`http request body: ${JSON.stringify({ trigger_id: TRIGGER_ID, view: { type: 'modal' } })}`);
    logger.debug(`http request result: {"ok":true,"url":"wss://wss-primary.slack.com/link/?ticket=RespUrlSecretPart&app_id=A0APP00001"}`);
    logger.debug(JSON.stringify({ ...command, payload: undefined }));
    logger.debug(command);
    logger.debug(`ack() call begins (body: ${JSON.stringify({ text: 'ok' })})`);
    logger.error(
      'An unhandled error occurred while Bolt processed (type: view_submission, error: Error: boom)',
      new Error(`response_url=${RESPONSE_URL}`),
    );
    const lines = out.text.trim().split('\n');
    expect(lines).toHaveLength(10);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    for (const secret of ALL) expect(out.text).not.toContain(secret);
    expect(out.text).toContain('env-0001');
    expect(out.text).toContain('"command\\":\\"/guardduty\\"');
  });

  it('formats nothing for a level that is off', () => {
    const { out, logger } = bolt('info');
    let read = 0;
    const costly = {
      toJSON() {
        read++;
        return {};
      },
    };
    logger.debug('body', costly);
    expect(read).toBe(0);
    expect(out.raw).toHaveLength(0);
  });
});

describe('createLogger scrubs every line, whatever logs it', () => {
  it('redacts secrets deeper than the pino paths, in messages, and in error messages', () => {
    const { out, log } = setup('trace');
    log.child({ component: 'x' }).trace(
      {
        a: {
          b: {
            c: { d: { token: VERIFICATION, response_url: RESPONSE_URL, view: { state: { values: { b: { a: { value: TYPED } } } } } } },
          },
        },
      },
      'deep',
    );
    log.info(`payload was ${JSON.stringify({ trigger_id: TRIGGER_ID })}`);
    log.error({ err: new Error(`invalid_auth for ${BOT_TOKEN} at ${RESPONSE_URL}`) }, 'failed');
    log.warn({ raw: slackJson(viewSubmission()) }, 'raw payload as a string field');
    for (const secret of ALL) expect(out.text).not.toContain(secret);
    expect(out.records).toHaveLength(4);
  });
});
