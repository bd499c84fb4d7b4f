/**
 * Property-based fuzzing of everything a person (or a forged request) can type at the bot:
 * the /guardduty grammar, the trusted-networks modal input and the button value decoders.
 */
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import {
  STATS_PERIODS,
  ACCOUNT_PATTERN,
  FINDING_ID_PATTERN,
  REGION_PATTERN,
  parseCommand,
  type Command,
  type FindingsFilter,
} from '../../src/domain/command';
import { CommandSyntaxError } from '../../src/domain/errors';
import { KNOWN_FINDING_TYPES, MAX_TYPE_VALUES } from '../../src/domain/finding-types';
import { MAX_TRUSTED_SOURCES, parseTrustedSources, type ParseTrustedSourcesResult } from '../../src/domain/remediation/trusted-source';
import type { TrustedSource } from '../../src/domain/remediation/types';
import { SEVERITY_BANDS, type SeverityBand } from '../../src/domain/severity';
import { helpBlocks } from '../../src/slack/blocks/help';
import { decodeFindingRef, decodePage, encodeFindingRef, encodePage } from '../../src/slack/values';
import { assertNoUnescaped, assertValidMessage, collectTexts } from '../../support/helpers/block-kit';

const RUNS = 2000;
const SEED_OPTS = { numRuns: RUNS } as const;

const RLO = '\u202E';
const ZWSP = '\u200B';
const NUL = '\u0000';
const KELVIN = '\u212A'; // lower-cases to an ASCII "k"
const DOTTED_I = '\u0130'; // lower-cases to two code units
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const HIDDEN = /[\u202E\u200B\u0000]/;
const FULL_TYPE = /^[A-Za-z]+:[A-Za-z0-9]+\/\S+$/;
const KNOWN = new Set(KNOWN_FINDING_TYPES);
const SG_ID = /^sg-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

/** A cheap assertion for the hot path (jest's expect costs ~0.1 ms a call; these run ~10^5 times). */
function must(condition: boolean, what: string, subject?: unknown): void {
  if (!condition) throw new Error(subject === undefined ? what : `${what}: ${JSON.stringify(subject)}`);
}

// ---------------------------------------------------------------- shared arbitraries

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const unicodeUnit = fc.oneof(
  { weight: 10, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
  { weight: 3, arbitrary: fc.constantFrom(' ', '\t', '\n', '\r', '\u00a0', '\u3000', '\u2028', RLO, ZWSP, NUL, '\uFEFF') },
  { weight: 1, arbitrary: loneSurrogate },
);
/** Any UTF-16 string: every code point, lone surrogates, controls, unicode whitespace. */
const anyText = fc.string({ unit: unicodeUnit, maxLength: 80 });
const junk = fc.string({ unit: unicodeUnit, minLength: 1, maxLength: 12 });

const VALID_REGIONS = [
  'us-east-1',
  'us-west-2',
  'eu-central-1',
  'ap-southeast-2',
  'us-gov-west-1',
  'us-isob-east-1',
  'cn-north-1',
  'il-central-1',
];
/** The configured regions (GUARDDUTY_REGIONS) given to the grammar and the decoders: the valid regions above. */
const CONFIGURED: readonly string[] = VALID_REGIONS;
const configuredRegionArb = fc.constantFrom(...CONFIGURED);
/** Well-formed regions, configured or not (random ones almost never are). */
const regionArb = fc.oneof(configuredRegionArb, fc.stringMatching(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]{1,12}-\d$/));
const isConfigured = (region: string) => CONFIGURED.includes(region);
const findingIdArb = fc.stringMatching(/^[A-Za-z0-9]{8,128}$/);
const hex = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: min, maxLength: max });
const typePrefixArb = fc.oneof(
  fc.constantFrom(...KNOWN_FINDING_TYPES),
  fc.constantFrom(...KNOWN_FINDING_TYPES).chain((t) => fc.integer({ min: 1, max: t.length }).map((n) => t.slice(0, n))),
  fc.stringMatching(/^[A-Za-z]{1,10}:[A-Za-z0-9]{1,8}\/[!-~]{1,20}$/),
);

/** Token soup: the grammar's own words mixed with markup, controls and oversized tokens. */
const GRAMMAR_WORDS = [
  'stats',
  '24h',
  '7d',
  '30d',
  '2w',
  'suppressions',
  'SUPPRESSIONS',
  'findings',
  'finding',
  'list',
  'show',
  'help',
  'FINDINGS',
  'Finding',
  'LiSt',
  ...SEVERITY_BANDS,
  'LOW',
  'Critical',
  'HIGH',
  'extreme',
  'info',
  'archived',
  'ARCHIVED',
  'archive',
  'region:',
  'account:',
  'type:',
  'REGION:US-WEST-2',
  'region:us-east-1',
  'region:mars',
  'region:us-east-1\n',
  'region:us-east-12',
  'account:123456789012',
  'account:12345678901',
  'account:1234567890123',
  'account:\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0660\u0661\u0662',
  'type:Recon',
  'type:Recon:EC2',
  'type:recon:ec2/portscan',
  'type:UnauthorizedAccess:EC2/SSHBruteForce',
  'type:A:B/c',
  'type:Backdoor:EC2/C&CActivity.B',
  'type:*',
  'type:Recon:EC2/<!channel>',
  'type:U',
  '<!channel>',
  '<!here>',
  '<!everyone>',
  '<@U0123ABCD>',
  '<#C0123>',
  '<https://evil.example|click>',
  '&',
  '&amp;',
  '&lt;',
  '*',
  '*bold*',
  '`',
  '```',
  '~',
  '>',
  '_',
  '|',
  RLO,
  ZWSP,
  NUL,
  KELVIN,
  DOTTED_I,
  `region${KELVIN}:us-east-1`,
  `${DOTTED_I}help`,
  `findings${RLO}`,
  `hi${ZWSP}gh`,
  '0cbd1f0e8a9b3c2d4e5f60718293a4b5',
  'abcdefgh',
  'abcdefg',
  'a'.repeat(128),
  'a'.repeat(129),
  '0cbd-1f0e',
];
const tokenArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(...GRAMMAR_WORDS) },
  { weight: 3, arbitrary: junk },
  { weight: 2, arbitrary: regionArb.map((r) => `region:${r}`) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('region:', 'account:', 'type:', 'REGION:', 'Type:'), junk).map(([k, v]) => k + v) },
  { weight: 2, arbitrary: fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 14 }).map((d) => `account:${d}`) },
  { weight: 2, arbitrary: typePrefixArb.map((t) => `type:${t}`) },
  {
    weight: 1,
    arbitrary: fc.string({ unit: fc.constantFrom(...'abcdefABCDEF0123456789'), minLength: 200, maxLength: 210 }).map((t) => `type:${t}`),
  },
  { weight: 2, arbitrary: hex(0, 140) },
  { weight: 1, arbitrary: fc.constantFrom('a', '<!channel>', RLO, NUL, '9').map((c) => c.repeat(10_000)) },
);
const separatorArb = fc.constantFrom(' ', ' ', ' ', '  ', '\t', '\n', '\r\n', '\u00a0', '\u2003', '\u3000', '', ZWSP, NUL);
const soupArb = fc
  .tuple(
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom('findings', 'finding', 'list', 'show', 'help', 'FINDINGS', '', '  ') },
      { weight: 1, arbitrary: tokenArb },
    ),
    fc.array(fc.tuple(separatorArb, tokenArb), { maxLength: 10 }),
    fc.constantFrom('', ' ', '\n', '\t '),
  )
  .map(([verb, rest, tail]) => `${verb}${rest.map(([sep, tok]) => ` ${sep}${tok}`).join('')}${tail}`);

// ---------------------------------------------------------------- parseCommand

type Outcome = { ok: true; command: Command } | { ok: false; message: string };

function outcomeOf(text: string): Outcome {
  return outcomeIn(text, CONFIGURED);
}

function outcomeIn(text: string, regions: readonly string[]): Outcome {
  try {
    return { ok: true, command: parseCommand(text, regions) };
  } catch (err) {
    if (!(err instanceof CommandSyntaxError)) {
      throw new Error(`parseCommand(${JSON.stringify(text.slice(0, 200))}) threw ${String(err)}, not a CommandSyntaxError`);
    }
    return { ok: false, message: err.message };
  }
}

/** A concrete example of what to type, in the message itself. */
const INLINE_GUIDANCE = [
  /low, medium, high,? (or|critical)/,
  /region:us-east-1/,
  /region:<region>/,
  /Configured regions: [a-z0-9-]+(, [a-z0-9-]+)*; write one like region:[a-z0-9-]+\./,
  /account:123456789012/,
  /type:Recon:EC2/,
  /\/guardduty finding <id>/,
  /letters and digits/,
  /Give 24h, 7d or 30d/,
  /\/guardduty suppressions lists/,
];
/** Messages that name the problem only; the ack shows them above the full grammar (helpBlocks). */
const GRAMMAR_BACKED = [/^Unknown command "/, /^That command is too long \(\d+ characters\)/];

function checkSyntaxMessage(message: string): void {
  must(message.length > 0 && message.length < 600, 'syntax error message must be 1–599 characters', message);
  const inline = INLINE_GUIDANCE.some((re) => re.test(message));
  const general = GRAMMAR_BACKED.some((re) => re.test(message));
  if (!inline && !general) throw new Error(`syntax error message does not tell what to type: ${JSON.stringify(message)}`);
  // What the user actually gets in the ack: the message above the grammar, valid and escaped.
  const blocks = helpBlocks(message);
  assertValidMessage(blocks);
  assertNoUnescaped(blocks);
  const texts = collectTexts(blocks).map((t) => t.text);
  must(
    texts.some((t) => t.includes('/guardduty findings [low|medium|high|critical]')),
    'the reply shows the grammar',
    texts,
  );
  for (const t of texts) must(!HIDDEN.test(t), 'no RLO, ZWSP or NUL in the reply', t);
}

function checkFilter(f: FindingsFilter): void {
  must((SEVERITY_BANDS as readonly string[]).includes(f.band), 'band is a severity band', f);
  must(typeof f.archived === 'boolean', 'archived is a boolean', f);
  must(f.region === undefined || (REGION_PATTERN.test(f.region) && isConfigured(f.region)), 'region is a configured region', f);
  must(f.accountId === undefined || ACCOUNT_PATTERN.test(f.accountId), 'account is 12 digits', f);
  if (f.typeFilter === undefined) {
    must(f.types === undefined, 'no types without a type filter', f);
    return;
  }
  must(f.typeFilter.length > 0 && f.typeFilter.length <= 200, 'type filter is 1–200 characters', f);
  const types = f.types ?? [];
  must(types.length >= 1 && types.length <= MAX_TYPE_VALUES, `1–${MAX_TYPE_VALUES} types`, f);
  for (const t of types) must(KNOWN.has(t) || FULL_TYPE.test(t), 'each type is known or a full type', t);
}

function checkCommand(c: Command): void {
  switch (c.kind) {
    case 'help':
      must(Object.keys(c).length === 1, 'help carries nothing else', c);
      return;
    case 'finding':
      must(FINDING_ID_PATTERN.test(c.id), 'finding ID is 8–128 alphanumerics', c);
      must(c.region === undefined || (REGION_PATTERN.test(c.region) && isConfigured(c.region)), 'finding region is a configured region', c);
      return;
    case 'findings':
      checkFilter(c.filter);
      return;
    case 'stats':
      must(Object.keys(STATS_PERIODS).includes(c.period), 'stats period is 24h, 7d or 30d', c);
      return;
    case 'suppressions':
      must(Object.keys(c).length === 1, 'suppressions carries nothing else', c);
      return;
  }
}

function checkParse(text: string, tally?: { ok: number; errors: number }): void {
  const out = outcomeOf(text);
  if (out.ok) checkCommand(out.command);
  else checkSyntaxMessage(out.message);
  if (tally) tally[out.ok ? 'ok' : 'errors']++;
}

describe('fuzz: parseCommand', () => {
  it('arbitrary unicode: only CommandSyntaxError, short and helpful; anything accepted is well-formed', () => {
    fc.assert(
      fc.property(anyText, (text) => checkParse(text)),
      SEED_OPTS,
    );
  });

  it('arbitrary unicode after each verb', () => {
    fc.assert(
      fc.property(fc.constantFrom('findings ', 'finding ', 'list ', 'show ', 'help '), anyText, (verb, text) => checkParse(verb + text)),
      SEED_OPTS,
    );
  });

  it('token soup of grammar words, markup, RTL overrides, NUL and 10k tokens', () => {
    const tally = { ok: 0, errors: 0 };
    fc.assert(
      fc.property(soupArb, (text) => checkParse(text, tally)),
      SEED_OPTS,
    );
    // Not vacuous: the soup reaches both the accepting and the refusing paths often.
    expect(tally.ok).toBeGreaterThan(RUNS * 0.05);
    expect(tally.errors).toBeGreaterThan(RUNS * 0.2);
  });

  it('every valid command, in any order, case and spacing, is accepted with exactly what was typed', () => {
    const option = fc.record(
      {
        band: fc.constantFrom<SeverityBand>(...SEVERITY_BANDS),
        region: configuredRegionArb,
        account: fc.stringMatching(/^\d{12}$/),
        type: fc.constantFrom('Recon', 'Recon:EC2', 'UnauthorizedAccess:EC2/SSHBruteForce', 'Backdoor', 'PenTest:S3', 'Made:Up/Type.B!DNS'),
        archived: fc.constant(true),
      },
      { requiredKeys: [] },
    );
    const caseOf = (s: string, upper: boolean) => (upper ? s.toUpperCase() : s);
    fc.assert(
      fc.property(
        option,
        fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
        fc.array(
          separatorArb.filter((s) => /^\s+$/.test(s)),
          { minLength: 8, maxLength: 8 },
        ),
        fc.array(fc.double({ noNaN: true }), { minLength: 5, maxLength: 5 }),
        (o, upper, seps, order) => {
          const words: string[] = [];
          if (o.band) words.push(caseOf(o.band, upper[0] ?? false));
          if (o.region) words.push(`${caseOf('region:', upper[1] ?? false)}${caseOf(o.region, upper[2] ?? false)}`);
          if (o.account) words.push(`${caseOf('account:', upper[3] ?? false)}${o.account}`);
          if (o.type) words.push(`${caseOf('type:', upper[4] ?? false)}${o.type}`);
          if (o.archived) words.push(caseOf('archived', upper[5] ?? false));
          const shuffled = words
            .map((w, i) => [order[i] ?? 0, w] as const)
            .sort((a, b) => a[0] - b[0])
            .map(([, w]) => w);
          const text = `${caseOf(upper[6] ? 'list' : 'findings', upper[7] ?? false)}${shuffled.map((w, i) => `${seps[i] ?? ' '}${w}`).join('')}`;
          const out = outcomeOf(text);
          if (!out.ok) throw new Error(`valid command ${JSON.stringify(text)} refused: ${out.message}`);
          if (out.command.kind !== 'findings') throw new Error(`${JSON.stringify(text)} parsed as ${out.command.kind}`);
          const f = out.command.filter;
          checkFilter(f);
          const want = {
            band: o.band ?? 'medium',
            region: o.region,
            accountId: o.account,
            typeFilter: o.type,
            archived: o.archived === true,
          };
          const got = { band: f.band, region: f.region, accountId: f.accountId, typeFilter: f.typeFilter, archived: f.archived };
          must(JSON.stringify(got) === JSON.stringify(want), `${JSON.stringify(text)} parsed as ${JSON.stringify(got)}, typed`, want);
        },
      ),
      SEED_OPTS,
    );
  });

  it('`finding <id> [region:<r>]` accepts exactly the well-formed IDs', () => {
    const idish = fc.oneof(
      findingIdArb,
      hex(0, 140),
      fc.tuple(findingIdArb, junk).map(([a, b]) => a + b),
      junk,
    );
    fc.assert(
      fc.property(idish, fc.option(regionArb, { nil: undefined }), (id, region) => {
        const text = `finding ${id}${region ? ` region:${region}` : ''}`;
        const out = outcomeOf(text);
        const tokens = text.trim().split(/\s+/);
        const wellFormed = tokens.length === (region ? 3 : 2) && /^[A-Za-z0-9]{8,128}$/.test(id);
        if (wellFormed && region !== undefined && !isConfigured(region)) {
          must(
            !out.ok &&
              out.message ===
                `The bot is not configured for region ${region}. Configured regions: ${CONFIGURED.join(', ')}; write one like region:us-east-1.`,
            `${JSON.stringify(text)} gave`,
            out,
          );
        } else if (wellFormed) {
          const got = out.ok ? out.command : out.message;
          must(
            out.ok && out.command.kind === 'finding' && out.command.id === id && out.command.region === region,
            `${JSON.stringify(text)} gave`,
            got,
          );
        } else if (out.ok) {
          checkCommand(out.command);
        } else {
          checkSyntaxMessage(out.message);
        }
      }),
      SEED_OPTS,
    );
  });
});

describe('fuzz: region: accepts only the configured regions', () => {
  const unconfiguredArb = fc.stringMatching(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]{1,12}-\d$/).filter((r) => !isConfigured(r));
  const anyCase = (s: string, mask: boolean[]) => [...s].map((c, i) => (mask[i % mask.length] ? c.toUpperCase() : c)).join('');

  it('a well-formed region that is not configured is refused, in any case, naming the configured regions', () => {
    fc.assert(
      fc.property(
        unconfiguredArb,
        fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
        fc.constantFrom('findings', 'list high', 'findings low archived'),
        (region, mask, head) => {
          const out = outcomeOf(`${head} ${anyCase('region:', mask)}${anyCase(region, mask)}`);
          must(!out.ok && out.message.startsWith(`The bot is not configured for region ${region}.`), `region:${region} gave`, out);
          must(!out.ok && out.message.includes(`Configured regions: ${CONFIGURED.join(', ')};`), 'the configured regions are listed', out);
          if (!out.ok) checkSyntaxMessage(out.message);
        },
      ),
      SEED_OPTS,
    );
  });

  it('a configured region is accepted in any case and comes back in lower case', () => {
    fc.assert(
      fc.property(configuredRegionArb, fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), (region, mask) => {
        const out = outcomeOf(`findings ${anyCase('region:', mask)}${anyCase(region, mask)}`);
        must(out.ok && out.command.kind === 'findings' && out.command.filter.region === region, `region:${region} gave`, out);
      }),
      SEED_OPTS,
    );
  });

  it('with one configured region, exactly that region (in any case) is accepted', () => {
    const tally = { ok: 0, errors: 0 };
    fc.assert(
      fc.property(
        fc.oneof(regionArb, fc.constantFrom('eu-west-1', 'EU-WEST-1', 'Eu-West-1', 'eu-west-2', 'eu-west-11')),
        fc.constantFrom('findings high', 'list', `finding 0cbd1f0e8a9b3c2d4e5f60718293a4b5`),
        (region, head) => {
          const out = outcomeIn(`${head} region:${region}`, ['eu-west-1']);
          const accepted = out.ok
            ? out.command.kind === 'findings'
              ? out.command.filter.region
              : out.command.kind === 'finding'
                ? out.command.region
                : undefined
            : undefined;
          const want = region.toLowerCase() === 'eu-west-1' ? 'eu-west-1' : undefined;
          must(accepted === want, `region:${region} gave`, out);
          if (!out.ok && REGION_PATTERN.test(region.toLowerCase()))
            must(out.message.includes('Configured regions: eu-west-1;'), 'names the configured region', out);
          if (!out.ok) checkSyntaxMessage(out.message);
          tally[out.ok ? 'ok' : 'errors']++;
        },
      ),
      SEED_OPTS,
    );
    expect(tally.ok).toBeGreaterThan(RUNS * 0.05);
    expect(tally.errors).toBeGreaterThan(RUNS * 0.5);
  });
});

// ---------------------------------------------------------------- parseTrustedSources

function v4Int(addr: string): number {
  return addr.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

function v6Big(addr: string): bigint {
  return ipaddr.IPv6.parse(addr).parts.reduce((acc, p) => (acc << 16n) | BigInt(p), 0n);
}

function checkSources(sources: TrustedSource[]): void {
  must(sources.length >= 1 && sources.length <= MAX_TRUSTED_SOURCES, `1–${MAX_TRUSTED_SOURCES} sources`, sources);
  must(sources.filter((s) => s.kind === 'securityGroup').length <= 1, 'at most one security group', sources);
  const keys = sources.map((s) => (s.kind === 'cidr' ? s.cidr : s.groupId));
  must(new Set(keys).size === keys.length, 'no duplicates', keys);
  for (const s of sources) {
    if (s.kind === 'securityGroup') {
      must(SG_ID.test(s.groupId), 'a well-formed, lower-case sg ID', s);
      continue;
    }
    const [addr = '', prefixText = '', ...more] = s.cidr.split('/');
    must(more.length === 0 && /^\d{1,3}$/.test(prefixText), 'address/prefix', s);
    const prefix = Number(prefixText);
    must(prefix !== 0, 'never /0', s);
    if (s.version === 4) {
      must(ipaddr.IPv4.isValidFourPartDecimal(addr), 'a dotted-quad IPv4 address', s);
      must(prefix >= 16 && prefix <= 32, 'IPv4 prefix /16–/32', s);
      const n = v4Int(addr);
      must(n % 2 ** (32 - prefix) === 0, 'no IPv4 host bits', s);
      must(Math.floor(n / 2 ** 24) !== 0, 'not in 0.0.0.0/8', s);
    } else {
      must(s.version === 6 && ipaddr.IPv6.isValid(addr), 'an IPv6 address', s);
      must(addr === ipaddr.IPv6.parse(addr).toRFC5952String(), 'canonical (RFC 5952) IPv6', s);
      must(prefix >= 48 && prefix <= 128, 'IPv6 prefix /48–/128', s);
      const n = v6Big(addr);
      must((n & ((1n << (128n - BigInt(prefix))) - 1n)) === 0n, 'no IPv6 host bits', s);
      must(n >> 120n !== 0n, 'not in ::/8', s);
    }
  }
}

function checkTrusted(input: string, tally?: { ok: number; errors: number }): ParseTrustedSourcesResult {
  let out: ParseTrustedSourcesResult;
  try {
    out = parseTrustedSources(input);
  } catch (err) {
    throw new Error(`parseTrustedSources(${JSON.stringify(input.slice(0, 200))}) threw ${String(err)}`);
  }
  if (out.ok) {
    must(Object.keys(out).sort().join() === 'ok,sources', 'ok results carry only sources', out);
    checkSources(out.sources);
  } else {
    must(typeof out.error === 'string' && out.error.length > 0 && out.error.length < 300, 'errors are 1–299 characters', out);
  }
  if (tally) tally[out.ok ? 'ok' : 'errors']++;
  return out;
}

const octetArb = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: 0, max: 255 }).map(String) },
  { weight: 1, arbitrary: fc.integer({ min: 256, max: 999 }).map(String) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 99 }).map((n) => `0${n}`) },
  { weight: 1, arbitrary: fc.constantFrom('', '-1', '0x1', '1e2', '\uFF11', '\u0661') },
);
const prefixTextArb = fc.oneof(
  { weight: 10, arbitrary: fc.integer({ min: 0, max: 128 }).map(String) },
  { weight: 3, arbitrary: fc.integer({ min: 16, max: 32 }).map(String) },
  { weight: 3, arbitrary: fc.integer({ min: 48, max: 128 }).map(String) },
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constantFrom('', '033', '-1', '+24', '1e1', '24.0', '129', '999', '1000', '\u0662\u0664', '24/24', ' 24') },
);

function maskV4(octets: number[], prefix: number): number[] {
  const n = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - Math.min(32, prefix));
  const net = n - (n % size);
  return [net >>> 24, (net >>> 16) & 255, (net >>> 8) & 255, net & 255];
}

/** An IPv4 CIDR-ish token, often a clean network address, with what a correct parser must answer. */
const v4Arb = fc
  .tuple(
    fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }),
    prefixTextArb,
    fc.boolean(),
    fc.array(octetArb, { minLength: 4, maxLength: 4 }),
    fc.integer({ min: 0, max: 9 }),
  )
  .map(([octets, prefixText, align, rawOctets, mode]) => {
    const prefixNum = prefixText === undefined ? 32 : /^(0|[1-9]\d{0,2})$/.test(prefixText) ? Number(prefixText) : undefined;
    // 1 in 10: arbitrary octet spellings ("010", "256", ""), numeric only when canonical.
    const raw = rawOctets.every((o) => /^(0|[1-9]\d{0,2})$/.test(o) && Number(o) <= 255) ? rawOctets.map(Number) : undefined;
    const shown = mode > 0 ? (align && prefixNum !== undefined ? maskV4(octets, prefixNum) : octets) : raw;
    const addr = mode > 0 ? (shown ?? []).join('.') : rawOctets.join('.');
    const token = prefixText === undefined ? addr : `${addr}/${prefixText}`;
    let expected: string | undefined;
    if (shown && prefixNum !== undefined && prefixNum >= 16 && prefixNum <= 32) {
      const masked = maskV4(shown, prefixNum);
      if (masked.every((o, i) => o === shown[i]) && shown[0] !== 0) expected = `${addr}/${prefixNum}`;
    }
    return { token, expected };
  });

function renderV6(groups: number[], style: number): string {
  const hexes = groups.map((g) => g.toString(16));
  if (style === 1) return hexes.map((h) => h.padStart(4, '0')).join(':');
  if (style === 2) return hexes.join(':').toUpperCase();
  // Compress the longest run of zero groups (any length, even 1).
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  if (best === -1) return hexes.join(':');
  return `${hexes.slice(0, best).join(':')}::${hexes.slice(best + bestLen).join(':')}`;
}

const groupArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant(0) },
  { weight: 5, arbitrary: fc.integer({ min: 0, max: 0xffff }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xff }) },
);

/** An IPv6 CIDR-ish token with what a correct parser must answer. */
const v6Arb = fc
  .tuple(fc.array(groupArb, { minLength: 8, maxLength: 8 }), prefixTextArb, fc.boolean(), fc.integer({ min: 0, max: 11 }))
  .map(([groups, prefixText, align, style]) => {
    const prefixNum = prefixText === undefined ? 128 : /^(0|[1-9]\d{0,2})$/.test(prefixText) ? Number(prefixText) : undefined;
    let n = groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
    if (align && prefixNum !== undefined && prefixNum <= 128) n &= ~((1n << BigInt(128 - prefixNum)) - 1n);
    const shown = Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(16 * (7 - i))) & 0xffffn));
    let addr = renderV6(shown, style % 4);
    let broken = false;
    if (style === 9) [addr, broken] = [`${addr}%eth0`, true];
    if (style === 10)
      [addr, broken] = [
        `${renderV6(shown.slice(0, 6).concat([0, 0]), 0).replace(/:?:?0?:0$|::$/, '')}:${(shown[7] ?? 0) & 255}.1.2.3`,
        true,
      ];
    if (style === 11) [addr, broken] = [`${addr}:${addr}`, true];
    const token = prefixText === undefined ? addr : `${addr}/${prefixText}`;
    let expected: bigint | undefined;
    if (!broken && prefixNum !== undefined && prefixNum >= 48 && prefixNum <= 128) {
      const hostMask = (1n << BigInt(128 - prefixNum)) - 1n;
      if ((n & hostMask) === 0n && (shown[0] ?? 0) >= 0x100) expected = n;
    }
    return { token, expected, prefix: prefixNum };
  });

const sgArb = fc.oneof(
  hex(8, 8).map((h) => `sg-${h}`),
  hex(17, 17).map((h) => `sg-${h}`),
  hex(17, 17).map((h) => `SG-${h.toUpperCase()}`),
  hex(0, 20).map((h) => `sg-${h}`),
  junk.map((j) => `sg-${j}`),
);
/** Quotes people (and Slack) wrap values in; the parser strips ASCII ones. */
const asciiQuoteArb = fc.constantFrom('', '', '', '`', '"', "'", '``');
const quoteArb = fc.oneof({ weight: 7, arbitrary: asciiQuoteArb }, { weight: 1, arbitrary: fc.constantFrom('“', '‘') });
const entryArb = fc.oneof(
  { weight: 4, arbitrary: v4Arb.map((e) => e.token) },
  { weight: 4, arbitrary: v6Arb.map((e) => e.token) },
  { weight: 2, arbitrary: sgArb },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '0.0.0.0/0',
      '::/0',
      '::',
      '::1',
      '0.0.0.0',
      '10.0.0.0/8',
      '<!channel>',
      '&',
      'localhost',
      '1.2.3',
      '1.2.3.4.5',
      '1.2.3.4/32/1',
      '/24',
      '1.2.3.4/',
      'fe80::1%eth0',
      '::ffff:1.2.3.4',
    ),
  },
  { weight: 1, arbitrary: junk },
);
const listSeparatorArb = fc.constantFrom(',', ', ', ' ', ';', '\n', '\t', ' ,; ', ',,', '\r\n', '\u00a0', '\u3000', ZWSP);
/** Entries a correct parser accepts (so that lists are often accepted as a whole). */
const cleanEntryArb = fc.oneof(
  fc
    .tuple(
      fc.integer({ min: 1, max: 255 }),
      fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 3, maxLength: 3 }),
      fc.integer({ min: 16, max: 32 }),
    )
    .map(([first, rest, prefix]) => `${maskV4([first, ...rest], prefix).join('.')}/${prefix}`),
  fc
    .tuple(
      fc.integer({ min: 0x100, max: 0xffff }),
      fc.array(groupArb, { minLength: 7, maxLength: 7 }),
      fc.integer({ min: 48, max: 128 }),
      fc.nat(3),
    )
    .map(([first, rest, prefix, style]) => {
      const n = [first, ...rest].reduce((acc, g) => (acc << 16n) | BigInt(g), 0n) & ~((1n << BigInt(128 - prefix)) - 1n);
      const groups = Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(16 * (7 - i))) & 0xffffn));
      return `${renderV6(groups, style)}/${prefix}`;
    }),
  hex(17, 17).map((h) => `sg-${h}`),
  hex(8, 8).map((h) => `sg-${h}`),
);
const cidrListArb = fc
  .tuple(
    fc.array(fc.tuple(quoteArb, fc.oneof({ weight: 1, arbitrary: entryArb }, { weight: 4, arbitrary: cleanEntryArb }), listSeparatorArb), {
      minLength: 1,
      maxLength: 14,
    }),
    fc.boolean(),
  )
  .map(([items, allClean]) => (allClean ? items.slice(0, 4) : items).map(([q, e, sep]) => `${q}${e}${q}${sep}`).join(''));

describe('fuzz: parseTrustedSources (the propose-fix modal input)', () => {
  it('arbitrary unicode: never throws; ok only for narrow, clean networks; short errors', () => {
    fc.assert(
      fc.property(fc.oneof(anyText, fc.string({ unit: unicodeUnit, maxLength: 2000 })), (input) => void checkTrusted(input)),
      SEED_OPTS,
    );
  });

  it('CIDR-ish lists (IPv4/IPv6, prefixes 0–129+, host bits, quotes, separators, SG IDs)', () => {
    const tally = { ok: 0, errors: 0 };
    fc.assert(
      fc.property(cidrListArb, (input) => void checkTrusted(input, tally)),
      SEED_OPTS,
    );
    expect(tally.ok).toBeGreaterThan(RUNS * 0.05);
    expect(tally.errors).toBeGreaterThan(RUNS * 0.2);
  });

  it('one IPv4 entry: accepted exactly when it is a /16–/32 network address outside 0.0.0.0/8', () => {
    fc.assert(
      fc.property(v4Arb, asciiQuoteArb, ({ token, expected }, q) => {
        const out = checkTrusted(`${q}${token}${q}`);
        const want = expected === undefined ? 'refused' : JSON.stringify([{ kind: 'cidr', cidr: expected, version: 4 }]);
        const got = out.ok ? JSON.stringify(out.sources) : 'refused';
        must(got === want, `${JSON.stringify(q + token + q)} gave ${got} (${out.ok ? '' : out.error}), expected`, want);
      }),
      SEED_OPTS,
    );
  });

  it('one IPv6 entry: accepted exactly when it is a /48–/128 network address outside ::/8', () => {
    fc.assert(
      fc.property(v6Arb, ({ token, expected, prefix }) => {
        const out = checkTrusted(token);
        if (expected === undefined) {
          must(!out.ok, `${token} must be refused, got`, out);
          return;
        }
        if (!out.ok) throw new Error(`${token} refused: ${out.error}`);
        const [s] = out.sources;
        if (out.sources.length !== 1 || s?.kind !== 'cidr' || s.version !== 6)
          throw new Error(`expected one IPv6 CIDR for ${token}, got ${JSON.stringify(out.sources)}`);
        const [addr = '', p] = s.cidr.split('/');
        must(Number(p) === prefix && v6Big(addr) === expected, `${token} parsed as`, s);
      }),
      SEED_OPTS,
    );
  });

  it('more than ten distinct networks or two security groups are refused', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 250 }), { minLength: 11, maxLength: 16 }),
        fc.uniqueArray(hex(17, 17), { minLength: 2, maxLength: 3 }),
        (nets, sgs) => {
          const many = checkTrusted(nets.map((n) => `10.${n}.0.0/16`).join(', '));
          must(!many.ok && many.error.includes('at most 10'), `${nets.length} networks must be refused, got`, many);
          const groups = checkTrusted(sgs.map((h) => `sg-${h}`).join(' '));
          must(!groups.ok && groups.error.includes('at most one security group'), `${sgs.length} groups must be refused, got`, groups);
        },
      ),
      SEED_OPTS,
    );
  });
});

// ---------------------------------------------------------------- button value decoders

const nearRefArb = fc
  .tuple(
    fc.oneof(
      { weight: 4, arbitrary: regionArb },
      fc.constantFrom('US-EAST-1', 'us-east-1\n', ' us-east-1', 'us-east-', 'mars', '', '<!channel>'),
      junk,
    ),
    fc.oneof({ weight: 4, arbitrary: fc.constant(' ') }, fc.constantFrom('  ', '\t', '', ' x ', '\u00a0')),
    fc.oneof(
      { weight: 4, arbitrary: findingIdArb },
      hex(0, 140),
      fc.constantFrom('<!channel>', 'abc', 'a'.repeat(129), `0cbd1f0e8a9b3c2d${RLO}`, '0cbd1f0e8a9b3c2d '),
      junk,
    ),
  )
  .map(([r, sep, id]) => `${r}${sep}${id}`);

describe('fuzz: button value decoders (forgeable input)', () => {
  it('decodeFindingRef: never throws, accepts only `<region> <id>`, re-encodes to the same value', () => {
    const tally = { ok: 0, errors: 0 };
    fc.assert(
      fc.property(fc.oneof(anyText, nearRefArb), (value) => {
        const ref = decodeFindingRef(value, CONFIGURED);
        tally[ref ? 'ok' : 'errors']++;
        if (!ref) return;
        must(Object.keys(ref).sort().join() === 'id,region', 'a ref has region and id only', ref);
        must(REGION_PATTERN.test(ref.region) && FINDING_ID_PATTERN.test(ref.id), 'a well-formed ref', ref);
        must(isConfigured(ref.region), 'a ref to a configured region', ref);
        must(encodeFindingRef(ref) === value, `${JSON.stringify(value)} decoded to`, ref);
      }),
      SEED_OPTS,
    );
    expect(tally.ok).toBeGreaterThan(RUNS * 0.05);
    expect(decodeFindingRef(undefined)).toBeUndefined();
  });

  it('decodeFindingRef round-trips every well-formed reference to a configured region, and refuses the others', () => {
    fc.assert(
      fc.property(regionArb, findingIdArb, (region, id) => {
        const back = decodeFindingRef(encodeFindingRef({ region, id }), CONFIGURED);
        if (!isConfigured(region)) return must(back === undefined, `${region} is not configured, yet ${region} ${id} decoded as`, back);
        must(back?.region === region && back.id === id, `${region} ${id} came back as`, back);
        // Without regions (the block builders' shape check) it is well-formed either way.
        must(decodeFindingRef(encodeFindingRef({ region, id }))?.region === region, 'shape check', region);
      }),
      SEED_OPTS,
    );
  });

  const pageFieldArb = fc.record(
    {
      b: fc.oneof(fc.constantFrom<string>(...SEVERITY_BANDS), fc.constantFrom('HIGH', 'extreme', ''), junk),
      r: fc.oneof(regionArb, fc.constantFrom('mars', 'US-EAST-1', '<!channel>')),
      a: fc.oneof(fc.stringMatching(/^\d{12}$/), fc.constantFrom('12345678901', '1234567890123', '<!here>')),
      t: fc.oneof(typePrefixArb, fc.constantFrom('', 'Nonsense', 'x'.repeat(201), 'A:B/<!channel>', '*'), junk),
      x: fc.oneof(fc.boolean(), fc.constantFrom('true', 0, 1, null)),
      p: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.integer({ min: -1000, max: 1000 }), fc.double(), fc.constantFrom('1', null, 1e300)),
      extra: fc.string(),
    },
    { requiredKeys: [] },
  );
  const pageValueArb = fc.oneof(
    { weight: 4, arbitrary: pageFieldArb.map((o) => JSON.stringify(o)) },
    { weight: 2, arbitrary: fc.json() },
    { weight: 2, arbitrary: anyText },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'null',
        '[]',
        '{}',
        '{"__proto__":{"b":"high"}}',
        '{"b":"high","x":false,"p":0,"constructor":{}}',
        '"',
        'NaN',
      ),
    },
  );

  it('decodePage: never throws; anything accepted is a well-formed filter and page that re-encodes to itself', () => {
    const tally = { ok: 0, errors: 0 };
    fc.assert(
      fc.property(pageValueArb, (value) => {
        const decoded = decodePage(value, CONFIGURED);
        tally[decoded ? 'ok' : 'errors']++;
        if (!decoded) return;
        const { filter, page } = decoded;
        must(Number.isInteger(page) && page >= 0 && page <= 100, 'page is an integer 0–100', decoded);
        if (filter.typeFilter === '') {
          must(filter.types === undefined, 'an empty type filter means no types', decoded);
          checkFilter({ ...filter, typeFilter: undefined });
        } else {
          checkFilter(filter);
        }
        must(
          JSON.stringify(decodePage(encodePage(filter, page), CONFIGURED)) === JSON.stringify(decoded),
          `${value} does not re-encode to itself`,
          decoded,
        );
      }),
      SEED_OPTS,
    );
    expect(tally.ok).toBeGreaterThan(RUNS * 0.01);
    expect(decodePage(undefined, CONFIGURED)).toBeUndefined();
  });

  it('decodePage round-trips every filter the grammar accepts, for pages 0–100', () => {
    const tally = { ok: 0, errors: 0 };
    fc.assert(
      fc.property(soupArb, fc.integer({ min: 0, max: 100 }), (text, page) => {
        const out = outcomeOf(text);
        if (!out.ok || out.command.kind !== 'findings') return;
        tally.ok++;
        const encoded = encodePage(out.command.filter, page);
        must(encoded.length <= 2000, 'fits a button value', encoded);
        const back = decodePage(encoded, CONFIGURED);
        const f = out.command.filter;
        const want = {
          band: f.band,
          region: f.region,
          accountId: f.accountId,
          typeFilter: f.typeFilter,
          types: f.types,
          archived: f.archived,
        };
        must(JSON.stringify(back) === JSON.stringify({ filter: want, page }), `${JSON.stringify(text)} → ${encoded} came back as`, back);
      }),
      SEED_OPTS,
    );
    expect(tally.ok).toBeGreaterThan(50);
  });
});
