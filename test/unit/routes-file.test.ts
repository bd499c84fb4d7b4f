import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config';
import { ConfigError } from '../../src/domain/errors';
import { parseRoutes } from '../../src/routes-file';

const HTTP = {
  SLACK_BOT_TOKEN: 'xoxb-1-2-abc',
  SLACK_SIGNING_SECRET: 'signing-secret',
  AWS_REGION: 'us-east-1',
  FINDINGS_CHANNEL: 'C0FINDINGS',
};

describe('parseRoutes', () => {
  it('reads every matcher, in order', () => {
    const text = JSON.stringify({
      rules: [
        {
          accounts: ['111111111111'],
          regions: ['eu-west-1'],
          minSeverity: 'high',
          typePrefix: 'UnauthorizedAccess:',
          tag: 'team=pay=ments',
          channel: 'C0PAY',
          mention: { usergroup: 'S0ONCALL', minSeverity: 'critical' },
        },
        { channel: 'G0REST' },
      ],
    });
    expect(parseRoutes(text)).toEqual({
      rules: [
        {
          accounts: ['111111111111'],
          regions: ['eu-west-1'],
          minBand: 'high',
          typePrefix: 'UnauthorizedAccess:',
          tag: { key: 'team', value: 'pay=ments' },
          channel: 'C0PAY',
          mention: { usergroupId: 'S0ONCALL', minBand: 'critical' },
        },
        { channel: 'G0REST' },
      ],
      problems: [],
    });
  });

  it('names every problem with its rule index', () => {
    const text = JSON.stringify({
      rules: [
        { accounts: ['1234'], channel: 'C0OK' },
        { regions: ['Mars'], minSeverity: 'urgent', tag: 'team', mention: { usergroup: 'U0PERSON' } },
        { channel: '#general', chanel: 'C0TYPO' },
      ],
    });
    expect(parseRoutes(text).problems.sort()).toEqual(
      [
        'rules[0].accounts[0] must be a 12-digit account ID',
        'rules[1].regions[0] must be a region such as us-east-1',
        'rules[1].minSeverity must be one of low, medium, high, critical',
        'rules[1].tag must be key=value',
        'rules[1].channel is required (a channel ID such as C0123ABCD)',
        'rules[1].mention.usergroup must be a user group ID (S…)',
        'rules[2].channel must be a channel ID such as C0123ABCD',
        'rules[2] has unknown keys: chanel',
      ].sort(),
    );
  });

  it('says when the file is not JSON or has no rules', () => {
    expect(parseRoutes('rules: []').problems[0]).toMatch(/^is not valid JSON: /);
    expect(parseRoutes('{}').problems).toEqual(['rules is required: a list of rules']);
    expect(parseRoutes('[]').problems).toEqual(['the file must be an object']);
  });
});

describe('loadConfig with ROUTES_FILE', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'routes-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  it('puts the rules in the feed configuration; without it there are none', () => {
    const path = file('ok.json', JSON.stringify({ rules: [{ accounts: ['222222222222'], channel: 'C0PAY' }] }));
    expect(loadConfig({ ...HTTP, ROUTES_FILE: path }).feed.routes).toEqual([{ accounts: ['222222222222'], channel: 'C0PAY' }]);
    expect(loadConfig(HTTP).feed.routes).toBeUndefined();
  });

  it('fails at start-up naming the file and every problem, with the other variables', () => {
    const path = file('bad.json', JSON.stringify({ rules: [{ channel: 'C0OK' }, { channel: 'nope' }] }));
    let error: unknown;
    try {
      loadConfig({ ...HTTP, FINDINGS_CHANNEL: '', PORT: 'x', ROUTES_FILE: path });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain(`ROUTES_FILE ${path}: rules[1].channel must be a channel ID such as C0123ABCD`);
    expect(message).toContain('FINDINGS_CHANNEL is required with ROUTES_FILE');
    expect(message).toContain('PORT must be a whole number');
  });

  it('names a file that cannot be read', () => {
    expect(() => loadConfig({ ...HTTP, ROUTES_FILE: join(dir, 'missing.json') })).toThrow(
      /ROUTES_FILE .*missing\.json: cannot be read: ENOENT/,
    );
  });
});
