import { loadConfig } from '../../src/config';
import { ConfigError } from '../../src/domain/errors';

const HTTP = { SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_SIGNING_SECRET: 'signing-secret', AWS_REGION: 'us-east-1' };
const SOCKET = { SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_APP_TOKEN: 'xapp-1-A0-xyz', AWS_REGION: 'us-east-1' };

function configError(env: NodeJS.ProcessEnv): ConfigError {
  let config: unknown;
  try {
    config = loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('CONFIG_INVALID');
    return err as ConfigError;
  }
  throw new Error(`expected a ConfigError, got ${JSON.stringify(config)}`);
}

function problems(env: NodeJS.ProcessEnv): string[] {
  const lines = configError(env).message.split('\n');
  expect(lines[0]).toBe('The bot is not configured:');
  return lines.slice(1).map((l) => l.replace(/^ {2}- /, ''));
}

describe('loadConfig defaults', () => {
  it('fills every default from a minimal HTTP-mode environment', () => {
    expect(loadConfig(HTTP)).toEqual({
      slack: {
        botToken: 'xoxb-1-2-abc',
        appToken: undefined,
        signingSecret: 'signing-secret',
        teamId: undefined,
        apiUrl: 'https://slack.com/api/',
        mode: 'http',
      },
      port: 3000,
      aws: { homeRegion: 'us-east-1', regions: ['us-east-1'], remediationRoleName: undefined },
      feed: {
        channel: undefined,
        minBand: 'medium',
        pollIntervalSeconds: 60,
        backfillHours: 24,
        listingLagSeconds: 300,
        digestIntervalMinutes: 60,
      },
      reminders: { firstAfterS: 1800, escalateEveryS: 3600, escalationMax: 3, ownedAfterS: 86_400 },
      summary: { cron: '0 9 * * 1' },
      store: { table: undefined, dataDir: './data' },
      approval: { userIds: [], usergroupId: undefined, ttlMinutes: 60, trustedCidrs: [] },
      access: { channelIds: [], userIds: [], usergroupId: undefined },
      logLevel: 'info',
    });
  });

  it('treats empty and blank values as unset', () => {
    const config = loadConfig({
      ...HTTP,
      PORT: '',
      POLL_INTERVAL_SECONDS: '  ',
      POST_MIN_SEVERITY: '',
      DATA_DIR: ' ',
      SLACK_API_URL: '',
      DYNAMODB_TABLE: '',
    });
    expect(config.port).toBe(3000);
    expect(config.feed.pollIntervalSeconds).toBe(60);
    expect(config.feed.minBand).toBe('medium');
    expect(config.store).toEqual({ table: undefined, dataDir: './data' });
    expect(config.slack.apiUrl).toBe('https://slack.com/api/');
  });

  it('reads every variable that is set', () => {
    const config = loadConfig({
      ...HTTP,
      SLACK_TEAM_ID: 'T0123ABCD',
      PORT: '8080',
      SLACK_API_URL: 'https://slack-gov.com/api/',
      GUARDDUTY_REGIONS: ' us-east-1 , eu-west-1,,us-gov-west-1 ',
      FINDINGS_CHANNEL: 'C0123ABCD',
      POST_MIN_SEVERITY: 'HIGH',
      POLL_INTERVAL_SECONDS: '30',
      FEED_BACKFILL_HOURS: '48',
      FEED_LISTING_LAG_SECONDS: '120',
      DIGEST_INTERVAL_MINUTES: '15',
      REMINDER_MINUTES: '20',
      ESCALATION_MINUTES: '45',
      ESCALATION_MAX: '0',
      OWNED_REMINDER_HOURS: '8',
      ONCALL_USERGROUP_ID: 'S0ONCALL1',
      SUMMARY_CRON: '0 8 * * 5',
      DYNAMODB_TABLE: 'guardduty-chatops',
      DATA_DIR: '/var/lib/bot',
      APPROVER_USER_IDS: 'U0123ABCD, W0456EFGH',
      APPROVER_USERGROUP_ID: 'S0123ABCD',
      PROPOSAL_TTL_MINUTES: '5',
      TRUSTED_CIDRS: '203.0.113.0/24,2001:db8::/48',
      REMEDIATION_ROLE_NAME: 'GuardDutyChatOpsRemediation',
      ALLOWED_CHANNEL_IDS: 'C0123ABCD,G0456EFGH',
      ALLOWED_USER_IDS: 'U0999ZZZZ',
      ALLOWED_USERGROUP_ID: 'S0999ZZZZ',
      APPROVAL_SIGNING_KEY: 'k'.repeat(32),
      APPROVAL_SIGNING_KEY_PREVIOUS: 'p'.repeat(40),
      LOG_LEVEL: 'debug',
    });
    expect(config).toEqual({
      slack: {
        botToken: 'xoxb-1-2-abc',
        appToken: undefined,
        signingSecret: 'signing-secret',
        teamId: 'T0123ABCD',
        apiUrl: 'https://slack-gov.com/api/',
        mode: 'http',
      },
      port: 8080,
      aws: {
        homeRegion: 'us-east-1',
        regions: ['us-east-1', 'eu-west-1', 'us-gov-west-1'],
        remediationRoleName: 'GuardDutyChatOpsRemediation',
      },
      feed: {
        channel: 'C0123ABCD',
        minBand: 'high',
        pollIntervalSeconds: 30,
        backfillHours: 48,
        listingLagSeconds: 120,
        digestIntervalMinutes: 15,
      },
      reminders: { firstAfterS: 1200, escalateEveryS: 2700, escalationMax: 0, ownedAfterS: 28_800, oncallUsergroupId: 'S0ONCALL1' },
      summary: { cron: '0 8 * * 5' },
      store: { table: 'guardduty-chatops', dataDir: '/var/lib/bot' },
      approval: {
        userIds: ['U0123ABCD', 'W0456EFGH'],
        usergroupId: 'S0123ABCD',
        ttlMinutes: 5,
        trustedCidrs: ['203.0.113.0/24', '2001:db8::/48'],
        signingKey: 'k'.repeat(32),
        previousSigningKey: 'p'.repeat(40),
      },
      access: { channelIds: ['C0123ABCD', 'G0456EFGH'], userIds: ['U0999ZZZZ'], usergroupId: 'S0999ZZZZ' },
      logLevel: 'debug',
    });
  });

  it('reminder variables: ESCALATION_MAX may be 0, the others positive; ONCALL_USERGROUP_ID is a user group ID', () => {
    expect(
      problems({ ...HTTP, REMINDER_MINUTES: '0', ESCALATION_MAX: '-1', ONCALL_USERGROUP_ID: 'U0123ABCD', OWNED_REMINDER_HOURS: 'x' }),
    ).toEqual(
      expect.arrayContaining([
        'REMINDER_MINUTES must be positive',
        expect.stringMatching(/^ESCALATION_MAX must be a whole number/),
        'ONCALL_USERGROUP_ID must be a user group ID (S…)',
        expect.stringMatching(/^OWNED_REMINDER_HOURS /),
      ]),
    );
  });

  it('APPROVAL_SIGNING_KEY is required with DYNAMODB_TABLE and must be long enough; the embedded store needs none', () => {
    expect(() => loadConfig({ ...HTTP, DYNAMODB_TABLE: 'guardduty-chatops' })).toThrow(
      /APPROVAL_SIGNING_KEY is required with DYNAMODB_TABLE/,
    );
    expect(() => loadConfig({ ...HTTP, DYNAMODB_TABLE: 'guardduty-chatops', APPROVAL_SIGNING_KEY: 'short' })).toThrow(
      /APPROVAL_SIGNING_KEY must be at least 32 characters/,
    );
    expect(() => loadConfig({ ...HTTP, APPROVAL_SIGNING_KEY_PREVIOUS: 'short' })).toThrow(
      /APPROVAL_SIGNING_KEY_PREVIOUS must be at least 32 characters/,
    );
    // Every problem at once, also when another variable fails first.
    expect(() => loadConfig({ ...HTTP, PORT: 'x', DYNAMODB_TABLE: 't' })).toThrow(/PORT[\s\S]*APPROVAL_SIGNING_KEY is required/);
    expect(loadConfig(HTTP).approval.signingKey).toBeUndefined();
  });

  it('GUARDDUTY_REGIONS works without AWS_REGION', () => {
    const config = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', GUARDDUTY_REGIONS: 'eu-central-1,eu-west-1' });
    expect(config.aws).toEqual({ homeRegion: undefined, regions: ['eu-central-1', 'eu-west-1'], remediationRoleName: undefined });
  });

  it.each([
    ['https://slack.example.com/api', 'https://slack.example.com/api/'],
    ['https://slack.example.com/api/', 'https://slack.example.com/api/'],
    ['http://127.0.0.1:4000', 'http://127.0.0.1:4000/'],
    ['  https://slack.example.com/api  ', 'https://slack.example.com/api/'],
  ])('SLACK_API_URL %p becomes %p', (url, want) => {
    expect(loadConfig({ ...HTTP, SLACK_API_URL: url }).slack.apiUrl).toBe(want);
  });

  it.each(['low', 'Medium', 'HIGH', 'critical'])('POST_MIN_SEVERITY %s is read case-insensitively', (band) => {
    expect(loadConfig({ ...HTTP, POST_MIN_SEVERITY: band }).feed.minBand).toBe(band.toLowerCase());
  });

  it.each([
    ['1', 1],
    ['65535', 65535],
    [' 8080 ', 8080],
  ])('PORT %p is %p', (port, want) => {
    expect(loadConfig({ ...HTTP, PORT: port }).port).toBe(want);
  });
});

describe('loadConfig mode', () => {
  it('uses Socket Mode when an app token is set, without needing a signing secret', () => {
    const config = loadConfig(SOCKET);
    expect(config.slack.mode).toBe('socket');
    expect(config.slack.appToken).toBe('xapp-1-A0-xyz');
    expect(config.slack.signingSecret).toBeUndefined();
  });

  it('uses Socket Mode even when a signing secret is also set', () => {
    expect(loadConfig({ ...SOCKET, SLACK_SIGNING_SECRET: 's' }).slack.mode).toBe('socket');
  });

  it('uses HTTP mode without an app token', () => {
    expect(loadConfig(HTTP).slack.mode).toBe('http');
    expect(loadConfig({ ...HTTP, SLACK_APP_TOKEN: '  ' }).slack.mode).toBe('http');
  });

  it.each([
    ['missing', {}],
    ['empty', { SLACK_SIGNING_SECRET: '' }],
    ['blank', { SLACK_SIGNING_SECRET: '   ' }],
  ])('HTTP mode with the signing secret %s is an error naming it', (_label, patch) => {
    const env: NodeJS.ProcessEnv = { SLACK_BOT_TOKEN: 'xoxb-1', AWS_REGION: 'us-east-1', ...patch };
    expect(problems(env)).toEqual(['SLACK_SIGNING_SECRET is required in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)']);
  });
});

describe('SUMMARY_CRON', () => {
  it.each<[string | undefined, string | undefined]>([
    [undefined, '0 9 * * 1'],
    ['', '0 9 * * 1'],
    ['off', undefined],
    ['OFF', undefined],
    ['30  8 * * mon-fri', '30 8 * * mon-fri'],
    ['0 */6 1,15 * *', '0 */6 1,15 * *'],
  ])('%p gives %p', (raw, want) => {
    expect(loadConfig({ ...HTTP, SUMMARY_CRON: raw }).summary.cron).toBe(want);
  });

  it.each([
    ['0 9 * *', /SUMMARY_CRON must be a 5-field cron expression in UTC such as "0 9 \* \* 1" \(Monday 09:00\), or off: .*has 4 fields/],
    ['0 25 * * 1', /SUMMARY_CRON must be a 5-field cron expression.*hour 25 is out of range \(0–23\)/],
    ['weekly', /SUMMARY_CRON must be a 5-field cron expression.*has 1 fields/],
    ['0 9 * * funday', /SUMMARY_CRON .*"funday" is not a day of week/],
    ['0 9 5-1 * *', /SUMMARY_CRON .*the range "5-1" runs backwards/],
  ])('refuses %p at start-up, saying why', (raw, pattern) => {
    expect(problems({ ...HTTP, SUMMARY_CRON: raw }).join('\n')).toMatch(pattern);
  });
});

describe('loadConfig errors name the variable', () => {
  it.each<[string, NodeJS.ProcessEnv, string]>([
    ['missing bot token', { SLACK_BOT_TOKEN: undefined }, 'SLACK_BOT_TOKEN is required (the bot token, xoxb-…)'],
    ['app token as bot token', { SLACK_BOT_TOKEN: 'xapp-1-A0-xyz' }, 'SLACK_BOT_TOKEN must start with xoxb-'],
    ['user token as bot token', { SLACK_BOT_TOKEN: 'xoxp-1-2-3' }, 'SLACK_BOT_TOKEN must start with xoxb-'],
    ['bot token as app token', { SLACK_APP_TOKEN: 'xoxb-1-2-abc' }, 'SLACK_APP_TOKEN must start with xapp-'],
    ['bad team ID', { SLACK_TEAM_ID: 'acme' }, 'SLACK_TEAM_ID must be a Slack team ID (T…)'],
    ['bad API URL', { SLACK_API_URL: 'slack api' }, 'SLACK_API_URL must be an http(s) URL'],
    ['bad home region', { AWS_REGION: 'US East 1' }, 'AWS_REGION must be a region such as us-east-1'],
    [
      'bad region list entry',
      { GUARDDUTY_REGIONS: 'us-east-1,mars-1' },
      'GUARDDUTY_REGIONS.1 each entry must be a region such as us-east-1',
    ],
    ['region list with a zone', { GUARDDUTY_REGIONS: 'us-east-1a' }, 'GUARDDUTY_REGIONS.0 each entry must be a region such as us-east-1'],
    ['bad severity', { POST_MIN_SEVERITY: 'severe' }, 'POST_MIN_SEVERITY Invalid option: expected one of "low"|"medium"|"high"|"critical"'],
    ['PORT 0', { PORT: '0' }, 'PORT must be positive'],
    ['PORT -1', { PORT: '-1' }, 'PORT must be positive'],
    ['PORT abc', { PORT: 'abc' }, 'PORT must be a whole number'],
    ['PORT 80.5', { PORT: '80.5' }, 'PORT must be a whole number'],
    ['PORT 70000', { PORT: '70000' }, 'PORT Too big: expected number to be <=65535'],
    ['poll interval 0', { POLL_INTERVAL_SECONDS: '0' }, 'POLL_INTERVAL_SECONDS must be positive'],
    ['backfill not a number', { FEED_BACKFILL_HOURS: 'a day' }, 'FEED_BACKFILL_HOURS must be a whole number'],
    ['digest negative', { DIGEST_INTERVAL_MINUTES: '-60' }, 'DIGEST_INTERVAL_MINUTES must be positive'],
    ['TTL fractional', { PROPOSAL_TTL_MINUTES: '0.5' }, 'PROPOSAL_TTL_MINUTES must be a whole number'],
    ['channel name instead of ID', { FINDINGS_CHANNEL: '#security' }, 'FINDINGS_CHANNEL must be a channel ID such as C0123ABCD'],
    ['user ID as channel', { FINDINGS_CHANNEL: 'U0123ABCD' }, 'FINDINGS_CHANNEL must be a channel ID such as C0123ABCD'],
    [
      'bad approver',
      { APPROVER_USER_IDS: 'U0123ABCD, @alice' },
      'APPROVER_USER_IDS.1 each entry must be a Slack user ID such as U0123ABCD',
    ],
    ['lower-case user ID', { ALLOWED_USER_IDS: 'u0123abcd' }, 'ALLOWED_USER_IDS.0 each entry must be a Slack user ID such as U0123ABCD'],
    [
      'bad allowed channel',
      { ALLOWED_CHANNEL_IDS: 'C0123ABCD,general' },
      'ALLOWED_CHANNEL_IDS.1 each entry must be a channel ID such as C0123ABCD',
    ],
    ['bad approver group', { APPROVER_USERGROUP_ID: 'U0123ABCD' }, 'APPROVER_USERGROUP_ID must be a user group ID (S…)'],
    ['bad allowed group', { ALLOWED_USERGROUP_ID: 'ops' }, 'ALLOWED_USERGROUP_ID must be a user group ID (S…)'],
    ['bad trusted CIDR', { TRUSTED_CIDRS: '203.0.113.0/24,office' }, 'TRUSTED_CIDRS.1 each entry must be a CIDR such as 203.0.113.0/24'],
    [
      'bad log level',
      { LOG_LEVEL: 'verbose' },
      'LOG_LEVEL Invalid option: expected one of "fatal"|"error"|"warn"|"info"|"debug"|"trace"|"silent"',
    ],
  ])('%s', (_label, patch, problem) => {
    expect(problems({ ...HTTP, ...patch })).toEqual([problem]);
  });

  it('no region at all says to set AWS_REGION or GUARDDUTY_REGIONS', () => {
    expect(problems({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' })).toEqual([
      'AWS_REGION is required (or GUARDDUTY_REGIONS), e.g. AWS_REGION=us-east-1',
    ]);
  });

  it('an empty environment names the bot token', () => {
    expect(problems({})).toContain('SLACK_BOT_TOKEN is required (the bot token, xoxb-…)');
  });

  it('lists several problems at once', () => {
    expect(
      problems({
        SLACK_BOT_TOKEN: 'bad',
        PORT: '0',
        GUARDDUTY_REGIONS: 'us-east-1,nope',
        POST_MIN_SEVERITY: 'x',
        FINDINGS_CHANNEL: '#sec',
        APPROVER_USER_IDS: 'bob,alice',
      }),
    ).toEqual([
      'SLACK_BOT_TOKEN must start with xoxb-',
      'PORT must be positive',
      'GUARDDUTY_REGIONS.1 each entry must be a region such as us-east-1',
      'FINDINGS_CHANNEL must be a channel ID such as C0123ABCD',
      'POST_MIN_SEVERITY Invalid option: expected one of "low"|"medium"|"high"|"critical"',
      'APPROVER_USER_IDS.0 each entry must be a Slack user ID such as U0123ABCD',
      'APPROVER_USER_IDS.1 each entry must be a Slack user ID such as U0123ABCD',
      'SLACK_SIGNING_SECRET is required in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)',
    ]);
  });

  it('lists a bad token together with the missing signing secret', () => {
    expect(problems({ SLACK_BOT_TOKEN: 'xapp-1', AWS_REGION: 'us-east-1' })).toEqual([
      'SLACK_BOT_TOKEN must start with xoxb-',
      'SLACK_SIGNING_SECRET is required in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)',
    ]);
  });

  it('never echoes a secret value in the message', () => {
    const message = configError({
      SLACK_BOT_TOKEN: 'xoxp-secret-user-token',
      SLACK_APP_TOKEN: 'xoxb-secret-bot',
      AWS_REGION: 'us-east-1',
    }).message;
    expect(message).not.toContain('secret');
  });
});
