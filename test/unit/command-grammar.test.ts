import { parseCommand, type Command, type FindingsFilter } from '../../src/domain/command';
import { CommandSyntaxError } from '../../src/domain/errors';
import { KNOWN_FINDING_TYPES, MAX_TYPE_VALUES, expandTypeFilter } from '../../src/domain/finding-types';
import { SEVERITY_BANDS } from '../../src/domain/severity';
import { decodeFindingRef, decodePage, encodeFindingRef, encodePage } from '../../src/slack/values';

const ID = '0cbd1f0e8a9b3c2d4e5f60718293a4b5';
/** The configured regions (GUARDDUTY_REGIONS) the grammar and the decoders are given in these tests. */
const REGIONS = [
  'us-east-1',
  'eu-west-1',
  'us-west-2',
  'ap-southeast-2',
  'us-gov-west-1',
  'us-gov-east-1',
  'cn-northwest-1',
  'us-isob-east-1',
  'eu-central-2',
];
const RECON_EC2 = ['Recon:EC2/PortProbeEMRUnprotectedPort', 'Recon:EC2/PortProbeUnprotectedPort', 'Recon:EC2/Portscan'];

function filterOf(text: string): FindingsFilter {
  const cmd = parseCommand(text, REGIONS);
  if (cmd.kind !== 'findings') throw new Error(`expected a findings command for ${JSON.stringify(text)}, got ${cmd.kind}`);
  return cmd.filter;
}

function syntaxError(text: string | undefined, regions: readonly string[] = REGIONS): CommandSyntaxError {
  let result: Command;
  try {
    result = parseCommand(text, regions);
  } catch (err) {
    expect(err).toBeInstanceOf(CommandSyntaxError);
    expect((err as CommandSyntaxError).code).toBe('COMMAND_SYNTAX');
    return err as CommandSyntaxError;
  }
  throw new Error(`expected a CommandSyntaxError for ${JSON.stringify(text)}, got ${JSON.stringify(result)}`);
}

describe('parseCommand: help', () => {
  it.each([undefined, '', '   ', '\t\n ', 'help', 'HELP', '  Help  ', 'help me please'])('%p is help', (text) => {
    expect(parseCommand(text, REGIONS)).toEqual({ kind: 'help' });
  });
});

describe('parseCommand: findings', () => {
  it('defaults to medium, not archived, every region, account and type', () => {
    expect(parseCommand('findings', REGIONS)).toEqual({ kind: 'findings', filter: { band: 'medium', archived: false } });
  });

  it('accepts "list" as a synonym and any case for the verb', () => {
    expect(parseCommand('LIST high', REGIONS)).toEqual(parseCommand('findings high', REGIONS));
    expect(parseCommand('Findings', REGIONS)).toEqual(parseCommand('findings', REGIONS));
  });

  it.each(SEVERITY_BANDS.flatMap((band) => [band, band.toUpperCase(), band[0]?.toUpperCase() + band.slice(1)]))('band %s', (word) => {
    expect(filterOf(`findings ${word}`).band).toBe(word.toLowerCase());
  });

  it('reads region, account, type and archived in any order, with extra whitespace', () => {
    const want: FindingsFilter = {
      band: 'high',
      region: 'eu-west-1',
      accountId: '123456789012',
      typeFilter: 'Recon:EC2',
      types: RECON_EC2,
      archived: true,
    };
    const parts = ['high', 'region:eu-west-1', 'account:123456789012', 'type:Recon:EC2', 'archived'];
    expect(filterOf(`findings ${parts.join(' ')}`)).toEqual(want);
    expect(filterOf(`  findings\t${[...parts].reverse().join('   ')}  `)).toEqual(want);
    expect(filterOf(`findings ${[parts[2], parts[4], parts[0], parts[3], parts[1]].join(' ')}`)).toEqual(want);
  });

  it('lowercases the region and option names, keeps the type as typed', () => {
    expect(filterOf('findings REGION:US-GOV-WEST-1 Account:123456789012 TYPE:recon:ec2 ARCHIVED')).toEqual({
      band: 'medium',
      region: 'us-gov-west-1',
      accountId: '123456789012',
      typeFilter: 'recon:ec2',
      types: RECON_EC2,
      archived: true,
    });
  });

  it.each(['us-east-1', 'ap-southeast-2', 'us-gov-east-1', 'cn-northwest-1', 'us-isob-east-1', 'eu-central-2'])(
    'accepts region:%s',
    (region) => {
      expect(filterOf(`findings region:${region}`).region).toBe(region);
    },
  );

  it('expands a type prefix to every known type it starts', () => {
    expect(filterOf('findings type:Recon:EC2').types).toEqual(RECON_EC2);
    expect(filterOf('findings type:UnauthorizedAccess:EC2/').types).toEqual([
      'UnauthorizedAccess:EC2/MaliciousIPCaller.Custom',
      'UnauthorizedAccess:EC2/MetadataDNSRebind',
      'UnauthorizedAccess:EC2/RDPBruteForce',
      'UnauthorizedAccess:EC2/SSHBruteForce',
      'UnauthorizedAccess:EC2/TorClient',
      'UnauthorizedAccess:EC2/TorRelay',
    ]);
  });

  it('expansion is capped at the 50 values one GuardDuty Eq condition takes', () => {
    expect(KNOWN_FINDING_TYPES.length).toBeGreaterThan(MAX_TYPE_VALUES);
    expect(expandTypeFilter('')).toEqual(KNOWN_FINDING_TYPES.slice(0, MAX_TYPE_VALUES));
  });

  it('an exact full type selects only that type, whatever its case', () => {
    expect(filterOf('findings type:UnauthorizedAccess:EC2/SSHBruteForce').types).toEqual(['UnauthorizedAccess:EC2/SSHBruteForce']);
    expect(filterOf('findings type:recon:ec2/portscan').types).toEqual(['Recon:EC2/Portscan']);
    expect(filterOf('findings type:Backdoor:EC2/C&CActivity.B').types).toEqual(['Backdoor:EC2/C&CActivity.B']);
  });

  it('an unknown but well-formed full type is passed through (new GuardDuty types)', () => {
    expect(filterOf('findings type:Execution:EKS/NewThing.A').types).toEqual(['Execution:EKS/NewThing.A']);
  });

  it.each([
    ['findings high critical', /one severity/],
    ['findings low LOW', /one severity/],
  ])('%p: duplicate band', (text, message) => {
    expect(syntaxError(text).message).toMatch(message);
    expect(syntaxError(text).message).toMatch(/low, medium, high or critical/);
  });

  it.each(['type:Nope', 'type:', 'type:Recon:EC3', 'type:<!channel>'])('findings %s: unknown type prefix says what to try', (arg) => {
    const err = syntaxError(`findings ${arg}`);
    expect(err.message).toContain(`No GuardDuty finding type starts with "${arg.slice(5)}"`);
    expect(err.message).toContain('type:Recon:EC2');
  });

  it.each(['region:us-east', 'region:useast1', 'region:', 'region:us-east-1a', 'region:us-east-12', 'region:<@U123>'])(
    'findings %s: bad region',
    (arg) => {
      const err = syntaxError(`findings ${arg}`, ['us-east-1', 'eu-west-1']);
      expect(err.message).toBe(`"${arg}" is not a region. Configured regions: us-east-1, eu-west-1; write one like region:us-east-1.`);
    },
  );

  it.each(['account:12345678901', 'account:1234567890123', 'account:12345678901a', 'account:', 'account:-23456789012'])(
    'findings %s: bad account',
    (arg) => {
      expect(syntaxError(`findings ${arg}`).message).toBe(`"${arg}" is not an account ID; write 12 digits, like account:123456789012.`);
    },
  );

  it.each(['severe', 'all', 'region', 'archive', '<!channel>', 'high,critical'])(
    'findings %s: unknown word lists what is allowed',
    (word) => {
      const err = syntaxError(`findings medium ${word}`);
      expect(err.message).toBe(
        `I don't understand "${word}" after findings. Use a severity (low, medium, high, critical) and options region:, account:, type:, archived, unowned.`,
      );
    },
  );

  describe('region: accepts only the configured regions (GUARDDUTY_REGIONS)', () => {
    const CONFIGURED = ['us-east-1', 'eu-west-1'];

    it.each(['eu-west-3', 'us-west-2', 'ap-southeast-2', 'us-gov-west-1', 'xx-nowhere-9'])(
      'findings region:%s is refused and the configured regions are listed',
      (region) => {
        const err = syntaxError(`findings high region:${region}`, CONFIGURED);
        expect(err.message).toBe(
          `The bot is not configured for region ${region}. Configured regions: us-east-1, eu-west-1; write one like region:us-east-1.`,
        );
      },
    );

    it('finding <id> region:<unconfigured> is refused the same way', () => {
      expect(syntaxError(`finding ${ID} region:eu-west-3`, CONFIGURED).message).toBe(
        'The bot is not configured for region eu-west-3. Configured regions: us-east-1, eu-west-1; write one like region:us-east-1.',
      );
    });

    it('matches the configured regions in any case and gives them back in lower case', () => {
      expect(parseCommand('findings region:US-EAST-1', CONFIGURED)).toEqual({
        kind: 'findings',
        filter: { band: 'medium', region: 'us-east-1', archived: false },
      });
      expect(parseCommand('findings REGION:Eu-West-1', CONFIGURED)).toMatchObject({ filter: { region: 'eu-west-1' } });
      expect(parseCommand(`finding ${ID} Region:EU-WEST-1`, CONFIGURED)).toEqual({ kind: 'finding', id: ID, region: 'eu-west-1' });
      expect(syntaxError('findings region:EU-WEST-3', CONFIGURED).message).toContain('not configured for region eu-west-3');
    });

    it('without region: every command still parses whatever is configured', () => {
      expect(parseCommand('findings high', ['ap-south-1'])).toEqual({ kind: 'findings', filter: { band: 'high', archived: false } });
      expect(parseCommand(`finding ${ID}`, ['ap-south-1'])).toEqual({ kind: 'finding', id: ID, region: undefined });
    });

    it('the example in the message is a configured region, and a long list is given whole', () => {
      const many = ['ap-south-1', 'eu-north-1', 'sa-east-1', 'ca-central-1', 'me-south-1', 'af-south-1'];
      const err = syntaxError('findings region:us-east-1', many);
      expect(err.message).toContain(`Configured regions: ${many.join(', ')}; write one like region:ap-south-1.`);
    });
  });

  it('cuts a long offending token to 40 characters in the message', () => {
    const long = `region:${'x'.repeat(100)}`;
    const err = syntaxError(`findings ${long}`);
    expect(err.message).toContain(`"${long.slice(0, 40)}…"`);
    expect(err.message).not.toContain(long.slice(0, 41));
  });
});

describe('parseCommand: finding <id>', () => {
  it('reads the ID, keeping its case', () => {
    expect(parseCommand(`finding ${ID}`, REGIONS)).toEqual({ kind: 'finding', id: ID, region: undefined });
    expect(parseCommand('show ABCDEF0123456789', REGIONS)).toEqual({ kind: 'finding', id: 'ABCDEF0123456789', region: undefined });
  });

  it('reads an optional region after the ID', () => {
    expect(parseCommand(`finding ${ID} region:EU-WEST-1`, REGIONS)).toEqual({ kind: 'finding', id: ID, region: 'eu-west-1' });
  });

  it('accepts 8 and 128 characters', () => {
    expect(parseCommand('finding abcd1234', REGIONS)).toMatchObject({ id: 'abcd1234' });
    expect(parseCommand(`finding ${'a'.repeat(128)}`, REGIONS)).toMatchObject({ id: 'a'.repeat(128) });
  });

  it('without an ID, says how to give one', () => {
    expect(syntaxError('finding').message).toBe('Which finding? Give its ID: /guardduty finding <id>.');
  });

  it.each([
    ['too short', 'abc1234'],
    ['too long', 'a'.repeat(129)],
    ['300 characters', 'f'.repeat(300)],
    ['symbols', 'abcd-1234-efgh'],
    ['a channel ping', '<!channel>'],
    ['a user mention', '<@U12345678>'],
    ['a link', '<https://evil.example|x>'],
    ['a path', '../../etc/passwd'],
    ['non-ASCII digits', '١٢٣٤٥٦٧٨٩٠'],
  ])('rejects %s', (_label, id) => {
    const err = syntaxError(`finding ${id}`);
    expect(err.message).toMatch(/is not a finding ID\. IDs are letters and digits \(usually 32\), as shown on a card or in the console\.$/);
    expect(err.message.length).toBeLessThan(160);
  });

  it.each([`${ID} us-east-1`, `${ID} region:mars`, `${ID} region:us-east-1 extra`, `${ID} archived`])(
    'finding %s: only region: may follow',
    (rest) => {
      expect(syntaxError(`finding ${rest}`).message).toMatch(/after the finding ID\. Only region:<region> may follow it\.$/);
    },
  );
});

describe('parseCommand: routes', () => {
  it('`routes` alone shows the rules, in any case and spacing', () => {
    expect(parseCommand('routes', REGIONS)).toEqual({ kind: 'routes' });
    expect(parseCommand('  ROUTES  ', REGIONS)).toEqual({ kind: 'routes' });
  });

  it('`routes test <id>` reads the ID, keeping its case, and an optional configured region', () => {
    expect(parseCommand(`routes test ${ID}`, REGIONS)).toEqual({ kind: 'routes-test', id: ID, region: undefined });
    expect(parseCommand('Routes TEST ABCDEF0123456789', REGIONS)).toEqual({
      kind: 'routes-test',
      id: 'ABCDEF0123456789',
      region: undefined,
    });
    expect(parseCommand(`routes test ${ID} region:EU-WEST-1`, REGIONS)).toEqual({ kind: 'routes-test', id: ID, region: 'eu-west-1' });
  });

  it('`routes test` without an ID says how to give one', () => {
    expect(syntaxError('routes test').message).toBe('Which finding? Give its ID: /guardduty routes test <id>.');
  });

  it.each(['<!channel>', 'abc1234', '../../etc/passwd'])('`routes test %s` is refused as not a finding ID', (id) => {
    expect(syntaxError(`routes test ${id}`).message).toMatch(/is not a finding ID\./);
  });

  it('`routes test <id>` refuses an unconfigured region and anything else after the ID', () => {
    expect(syntaxError(`routes test ${ID} region:eu-west-3`).message).toMatch(/not configured for region eu-west-3/);
    expect(syntaxError(`routes test ${ID} archived`).message).toMatch(/Only region:<region> may follow it\.$/);
  });

  it.each(['list', 'show', '<!here>', ID])('`routes %s` names the unknown word back', (word) => {
    expect(syntaxError(`routes ${word}`).message).toBe(
      `I don't understand "${word.length > 40 ? `${word.slice(0, 40)}…` : word}" after routes. Use /guardduty routes, or /guardduty routes test <finding id>.`,
    );
  });
});

describe('parseCommand: stats', () => {
  it('defaults to the last 7 days', () => {
    expect(parseCommand('stats', REGIONS)).toEqual({ kind: 'stats', period: '7d' });
    expect(parseCommand('  STATS ', REGIONS)).toEqual({ kind: 'stats', period: '7d' });
  });

  it.each([
    ['stats 24h', '24h'],
    ['stats 7d', '7d'],
    ['stats 30d', '30d'],
    ['Stats 30D', '30d'],
  ])('%p covers %p', (text, period) => {
    expect(parseCommand(text, REGIONS)).toEqual({ kind: 'stats', period });
  });

  it.each([
    ['stats 2w', '2w'],
    ['stats 1d', '1d'],
    ['stats 24', '24'],
    ['stats 7d high', 'high'],
    ['stats <!here>', '<!here>'],
    ['stats constructor', 'constructor'],
    ['stats __proto__', '__proto__'],
  ])('%p is refused, naming %p and the periods to give', (text, word) => {
    expect(syntaxError(text).message).toBe(
      `I don't understand "${word}" after stats. Give 24h, 7d or 30d, like /guardduty stats 7d (the default).`,
    );
  });
});

describe('parseCommand: other input', () => {
  it.each(['delete', 'archive', 'findingz', '<!here>', 'helpme'])('unknown verb %p is named back', (verb) => {
    expect(syntaxError(`${verb} high`).message).toBe(`Unknown command "${verb}".`);
  });

  it('rejects input over 500 characters and says how long it was', () => {
    const text = `findings ${'high '.repeat(120)}`;
    expect(syntaxError(text).message).toBe(
      `That command is too long (${text.trim().length} characters); the longest useful one is well under 500.`,
    );
  });

  it('accepts exactly 500 characters after trimming, and not 501', () => {
    const text = (length: number) => `findings${' '.repeat(length - 'findings'.length - 'high'.length)}high`;
    expect(parseCommand(`  ${text(500)}  `, REGIONS)).toEqual({ kind: 'findings', filter: { band: 'high', archived: false } });
    expect(syntaxError(text(501)).message).toMatch(/too long \(501 characters\)/);
  });
});

describe('finding references (button values)', () => {
  it('round-trips', () => {
    const ref = { region: 'ap-southeast-2', id: ID };
    expect(encodeFindingRef(ref)).toBe(`ap-southeast-2 ${ID}`);
    expect(decodeFindingRef(encodeFindingRef(ref), REGIONS)).toEqual(ref);
    expect(decodeFindingRef(encodeFindingRef(ref))).toEqual(ref);
  });

  it('given the configured regions, a reference to any other region is invalid', () => {
    const configured = ['us-east-1', 'eu-west-1'];
    expect(decodeFindingRef(`eu-west-1 ${ID}`, configured)).toEqual({ region: 'eu-west-1', id: ID });
    for (const region of ['eu-west-3', 'us-west-2', 'xx-forged-1', 'us-gov-west-1']) {
      expect(decodeFindingRef(`${region} ${ID}`, configured)).toBeUndefined();
      // Without regions (a block builder's shape check) the same value is well-formed.
      expect(decodeFindingRef(`${region} ${ID}`)).toEqual({ region, id: ID });
    }
    expect(decodeFindingRef(`us-east-1 ${ID}`, [])).toBeUndefined();
  });

  it.each([
    ['undefined', undefined],
    ['empty', ''],
    ['only a region', 'us-east-1'],
    ['an extra token', `us-east-1 ${ID} x`],
    ['a trailing space', `us-east-1 ${ID} `],
    ['two spaces', `us-east-1  ${ID}`],
    ['a bad region', `mars ${ID}`],
    ['an upper-case region', `US-EAST-1 ${ID}`],
    ['a short ID', 'us-east-1 abc'],
    ['an ID with symbols', 'us-east-1 <!channel>'],
    ['swapped parts', `${ID} us-east-1`],
    ['JSON', JSON.stringify({ region: 'us-east-1', id: ID })],
  ])('rejects %s', (_label, value) => {
    expect(decodeFindingRef(value, REGIONS)).toBeUndefined();
    expect(decodeFindingRef(value)).toBeUndefined();
  });
});

describe('page values (Next button)', () => {
  const filter: FindingsFilter = {
    band: 'high',
    region: 'eu-west-1',
    accountId: '123456789012',
    typeFilter: 'Recon:EC2',
    types: RECON_EC2,
    archived: true,
  };

  it('round-trips a full filter and recomputes the types', () => {
    expect(decodePage(encodePage(filter, 3), REGIONS)).toEqual({ filter, page: 3 });
  });

  it('round-trips the default filter', () => {
    const plain: FindingsFilter = { band: 'medium', archived: false };
    const decoded = decodePage(encodePage(plain, 0), REGIONS);
    expect(decoded?.page).toBe(0);
    expect(decoded?.filter).toEqual({
      band: 'medium',
      region: undefined,
      accountId: undefined,
      typeFilter: undefined,
      types: undefined,
      archived: false,
    });
  });

  it('round-trips every filter parseCommand produces from the help examples', () => {
    for (const text of [
      'findings high',
      'findings critical region:us-west-2',
      'findings medium account:123456789012 type:Recon:EC2',
      'findings low archived',
    ]) {
      const parsed = filterOf(text);
      expect(decodePage(encodePage(parsed, 1), REGIONS)).toEqual({ filter: { ...parsed }, page: 1 });
    }
  });

  it('stays well under the 2000-character button value limit', () => {
    expect(encodePage({ ...filter, typeFilter: 'x'.repeat(200) }, 100).length).toBeLessThan(2000);
  });

  const valid = JSON.parse(encodePage(filter, 1)) as Record<string, unknown>;
  const forged = (patch: Record<string, unknown>) => JSON.stringify({ ...valid, ...patch });

  it.each([
    ['undefined', undefined],
    ['empty', ''],
    ['JSON garbage', '{"b":"high",'],
    ['not JSON', 'next page please'],
    ['null', 'null'],
    ['an array', '["high",1]'],
    ['a number', '3'],
    ['an unknown band', forged({ b: 'severe' })],
    ['a missing band', forged({ b: undefined })],
    ['a bad region', forged({ r: 'mars-1' })],
    ['a region with a ping', forged({ r: '<!channel>' })],
    ['a bad account', forged({ a: '1234' })],
    ['an unknown type prefix', forged({ t: 'Nope' })],
    ['an overlong type', forged({ t: `Recon:EC2/${'A'.repeat(200)}` })],
    ['archived as a string', forged({ x: 'true' })],
    ['a negative page', forged({ p: -1 })],
    ['a page over 100', forged({ p: 101 })],
    ['a fractional page', forged({ p: 1.5 })],
    ['a page as a string', forged({ p: '2' })],
  ])('rejects %s', (_label, value) => {
    expect(decodePage(value, REGIONS)).toBeUndefined();
  });

  it('given the configured regions, a page of any other region is invalid; a page of every region is not', () => {
    const configured = ['us-east-1', 'eu-west-1'];
    expect(decodePage(forged({ r: 'eu-west-1' }), configured)?.filter.region).toBe('eu-west-1');
    for (const r of ['eu-west-3', 'us-west-2', 'xx-forged-1']) expect(decodePage(forged({ r }), configured)).toBeUndefined();
    expect(decodePage(forged({ r: 'eu-west-1' }), ['us-east-1'])).toBeUndefined();
    expect(decodePage(forged({ r: undefined }), configured)?.filter.region).toBeUndefined();
  });

  it('accepts the page bounds 0 and 100', () => {
    expect(decodePage(forged({ p: 0 }), REGIONS)?.page).toBe(0);
    expect(decodePage(forged({ p: 100 }), REGIONS)?.page).toBe(100);
  });
});

describe('parseCommand: suppressions', () => {
  it('takes no argument', () => {
    expect(parseCommand('suppressions', REGIONS)).toEqual({ kind: 'suppressions' });
    expect(parseCommand(' Suppressions ', REGIONS)).toEqual({ kind: 'suppressions' });
  });

  it('says what it lists when given more', () => {
    expect(() => parseCommand('suppressions all', REGIONS)).toThrow(
      /I don't understand "all" after suppressions: \/guardduty suppressions lists/,
    );
  });
});
