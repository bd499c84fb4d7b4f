import { Writable } from 'node:stream';
import { LogLevel } from '@slack/bolt';
import { boltLogger, createLogger, scrubSecrets } from '../../src/logger';

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
    expect(out.last.msg).toBe('{"response_url":"https://hooks.slack.com/[Redacted]","token":"xox*-[Redacted]","n":1}');
  });

  it('survives circular objects', () => {
    const { out, logger } = bolt();
    const loop: Record<string, unknown> = { token: BOT_TOKEN };
    loop.self = loop;
    logger.warn('odd', loop);
    expect(out.last.msg).toBe('odd [object Object]');
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
