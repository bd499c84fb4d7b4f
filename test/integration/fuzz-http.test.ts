/**
 * Random slash commands and forged button values through the real Bolt HTTP receiver (signed requests),
 * with GuardDuty answered locally, a real state store (dynalite) and Slack stood in for.
 * Promise under test: every request is acked with 200 and answered exactly once (never silence, never
 * a 500), nothing unescaped reaches Slack, and forged values never reach a GuardDuty write.
 */
import fc from 'fast-check';
import { parseCommand } from '../../src/domain/command';
import { ACTION } from '../../src/slack/ids';
import { decodePage, encodePage } from '../../src/slack/values';
import { DynamoStateStore } from '../../src/store/dynamo-state-store';
import { assertNoUnescaped, assertValidMessage, collectTexts, findUnescaped } from '../../support/helpers/block-kit';
import { startBot, type Bot } from '../../support/helpers/bot-harness';
import { UserRateLimit } from '../../src/slack/user-rate-limit';
import { startTestDynamo, type TestDynamo } from '../../support/helpers/dynalite';
import { FakeGuardDuty } from '../../support/fakes/guardduty/sdk-mock';
import { variant } from '../../support/helpers/fixtures';
import { click, slashCommand, type SignedResponse } from '../../support/helpers/signed-request';
import { SlackStandIn, type ResponseUrlPost } from '../../support/helpers/slack-stand-in';
import { noGuardDutyCalls } from '../../support/fakes/guardduty/model';

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const COMMANDS = 300;
const VALUES_PER_ACTION = 200;
const PARALLEL = 10;
const CHANNEL = 'C0FIND0001';
const APPROVER = 'U0ALICE001';
/** GUARDDUTY_REGIONS of the bot under test (the harness's default): only these regions are valid in commands and values. */
const CONFIGURED_REGIONS = ['us-east-1', 'us-west-2'];

const SSH_ID = '0cbd1f0e8a9b3c2d4e5f60718293a4b5';
const PROBE_ID = 'aaaa000000000000000000000000000a';
const WEST_ID = 'bbbb000000000000000000000000000b';
/** A finding whose title and description carry mentions, links and markup. */
const HOSTILE_ID = 'dddd00000000000000000000000000dd';
const KNOWN_IDS = [SSH_ID, PROBE_ID, WEST_ID, HOSTILE_ID];
const HOSTILE_TEXT =
  '<!channel> <!here> <@U0MALLORY1> <#C0GENERAL1> <https://evil.example|click> &lt; *bold* `x` ~y~ > quote \u202Egnp.exe\u200B';

const RLO = '\u202E';
const ZWSP = '\u200B';
const NUL = '\u0000';

// ---------------------------------------------------------------- random inputs

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const unicodeUnit = fc.oneof(
  { weight: 8, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.constantFrom(' ', '\n', '\t', RLO, ZWSP, NUL, '<', '>', '&', '*', '`') },
  { weight: 1, arbitrary: loneSurrogate },
);
const junk = fc.string({ unit: unicodeUnit, minLength: 1, maxLength: 16 });
const regionArb = fc.oneof(fc.constantFrom('us-east-1', 'us-west-2', 'eu-west-1'), fc.stringMatching(/^[a-z]{2}-[a-z]{1,8}-\d$/));
const idArb = fc.oneof(fc.constantFrom(...KNOWN_IDS), fc.stringMatching(/^[0-9a-f]{32}$/), fc.stringMatching(/^[A-Za-z0-9]{8,128}$/));

const WORDS = [
  'findings',
  'finding',
  'list',
  'show',
  'help',
  'low',
  'medium',
  'high',
  'critical',
  'HIGH',
  'archived',
  'extreme',
  'region:us-east-1',
  'region:us-west-2',
  'region:mars',
  'account:123456789012',
  'account:12',
  'type:Recon',
  'type:Recon:EC2',
  'type:UnauthorizedAccess:EC2/SSHBruteForce',
  'type:Nonsense',
  'type:A:B/<!channel>',
  '<!channel>',
  '<!here>',
  '<@U0MALLORY1>',
  '<https://evil.example|click>',
  '&',
  '*',
  '`',
  '~',
  '>',
  RLO,
  ZWSP,
  NUL,
  ...KNOWN_IDS,
];
const tokenArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...WORDS) },
  { weight: 2, arbitrary: junk },
  { weight: 1, arbitrary: regionArb.map((r) => `region:${r}`) },
  { weight: 1, arbitrary: idArb },
  { weight: 1, arbitrary: fc.constantFrom('a', '<!channel>', RLO).map((c) => c.repeat(10_000)) },
);
const commandTextArb = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .tuple(fc.constantFrom('findings', 'finding', 'list', 'show', 'help', ''), fc.array(tokenArb, { maxLength: 6 }))
      .map(([v, t]) => [v, ...t].join(' ')),
  },
  { weight: 2, arbitrary: fc.string({ unit: unicodeUnit, maxLength: 60 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'findings high',
      'findings low',
      'findings low archived',
      `finding ${SSH_ID}`,
      `finding ${HOSTILE_ID}`,
      `finding ${WEST_ID} region:us-west-2`,
      'findings low type:Recon:EC2',
      'help',
      '',
    ),
  },
  { weight: 1, arbitrary: idArb.map((id) => `finding ${id}`) },
);

const refArb = fc.oneof(
  { weight: 2, arbitrary: fc.tuple(regionArb, idArb).map(([r, id]) => `${r} ${id}`) },
  {
    weight: 5,
    arbitrary: fc.oneof(
      fc.tuple(regionArb, idArb, fc.constantFrom('  ', '\t', ' x ', '\n', '')).map(([r, id, sep]) => `${r}${sep}${id}`),
      fc.tuple(fc.constantFrom('US-EAST-1', 'mars', '<!channel>', 'us-east-1\n', ''), idArb).map(([r, id]) => `${r} ${id}`),
      fc
        .tuple(regionArb, fc.constantFrom('<!channel>', 'abc', 'a'.repeat(129), `${SSH_ID}${RLO}`, `${SSH_ID} ${SSH_ID}`))
        .map(([r, id]) => `${r} ${id}`),
      fc.string({ unit: unicodeUnit, maxLength: 60 }),
      fc.json(),
      fc.constantFrom('', ' ', `us-east-1 ${SSH_ID} `, `us-east-1  ${SSH_ID}`, 'x'.repeat(2000)),
    ),
  },
);
const pageArb = fc.oneof(
  {
    weight: 2,
    arbitrary: fc
      .record({
        band: fc.constantFrom('low' as const, 'medium' as const, 'high' as const, 'critical' as const),
        region: fc.option(fc.constantFrom('us-east-1', 'us-west-2'), { nil: undefined }),
        typeFilter: fc.option(fc.constantFrom('Recon', 'UnauthorizedAccess:EC2/SSHBruteForce'), { nil: undefined }),
        archived: fc.boolean(),
        page: fc.integer({ min: 0, max: 3 }),
      })
      .map(({ page, ...filter }) => encodePage(filter, page)),
  },
  {
    weight: 5,
    arbitrary: fc.oneof(
      fc
        .record(
          {
            b: fc.oneof(fc.constantFrom('high', 'extreme'), junk),
            r: fc.constantFrom('us-east-1', 'mars', '<!channel>'),
            a: fc.constantFrom('123', '123456789012'),
            t: fc.constantFrom('Recon', 'x'.repeat(201), '<!here>'),
            x: fc.constantFrom(false, 'true'),
            p: fc.constantFrom(0, -1, 101, 1.5, '1'),
          },
          { requiredKeys: [] },
        )
        .map((o) => JSON.stringify(o)),
      fc.json(),
      fc.string({ unit: unicodeUnit, maxLength: 60 }),
    ),
  },
);
const digestArb = fc.oneof(
  fc.uuid(),
  fc.stringMatching(/^[0-9a-f-]{36}$/),
  fc.string({ unit: unicodeUnit, maxLength: 40 }),
  fc.constantFrom('<!channel>', '', '../../etc/passwd'),
);
const proposalRefArb = fc.oneof(
  fc.tuple(idArb, fc.stringMatching(/^[0-9a-f]{16}$/)).map(([f, p]) => `${f} ${p}`),
  fc.string({ unit: unicodeUnit, maxLength: 60 }),
);

/** The value shapes the listeners accept, written out here rather than taken from src/slack/values.ts. */
const REF_SHAPE = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d [A-Za-z0-9]{8,128}$/;
const DIGEST_SHAPE = /^[0-9a-f-]{36}$/;

type Kind = 'ref' | 'page' | 'digest' | 'notConfigured' | 'ackOnly';
/** Every action ID with a listener; the card and list buttons get the full count, the rest a smaller one (runtime). */
const ACTIONS: { id: string; kind: Kind; values: fc.Arbitrary<string>; runs: number }[] = [
  { id: ACTION.viewFinding, kind: 'ref', values: refArb, runs: VALUES_PER_ACTION },
  { id: ACTION.nextPage, kind: 'page', values: pageArb, runs: VALUES_PER_ACTION },
  { id: ACTION.archive, kind: 'ref', values: refArb, runs: VALUES_PER_ACTION },
  { id: ACTION.feedbackUseful, kind: 'ref', values: refArb, runs: VALUES_PER_ACTION },
  { id: ACTION.feedbackNotUseful, kind: 'ref', values: refArb, runs: VALUES_PER_ACTION },
  { id: ACTION.postToChannel, kind: 'ref', values: refArb, runs: VALUES_PER_ACTION },
  { id: ACTION.digestList, kind: 'digest', values: digestArb, runs: VALUES_PER_ACTION },
  { id: ACTION.openConsole, kind: 'ackOnly', values: refArb, runs: 30 },
  // Without remediation deps these only explain what is missing, whatever the value.
  { id: ACTION.proposeFix, kind: 'notConfigured', values: refArb, runs: 30 },
  { id: ACTION.approve, kind: 'notConfigured', values: proposalRefArb, runs: 30 },
  { id: ACTION.reject, kind: 'notConfigured', values: proposalRefArb, runs: 30 },
  { id: ACTION.cancel, kind: 'notConfigured', values: proposalRefArb, runs: 30 },
  { id: ACTION.revert, kind: 'notConfigured', values: proposalRefArb, runs: 30 },
];

function isValid(kind: Kind, value: string): boolean {
  if (kind === 'ref') return REF_SHAPE.test(value) && CONFIGURED_REGIONS.includes(value.split(' ')[0] ?? '');
  if (kind === 'page') return decodePage(value, CONFIGURED_REGIONS) !== undefined;
  if (kind === 'digest') return DIGEST_SHAPE.test(value);
  return false;
}

/** What Slack delivers: form encoding turns lone surrogates into U+FFFD. */
function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

function answeredInAck(text: string): boolean {
  try {
    return parseCommand(wellFormed(text), CONFIGURED_REGIONS).kind === 'help';
  } catch {
    return true;
  }
}

// ---------------------------------------------------------------- checks on what reaches Slack

/** Mentions and links from the input, which Slack would act on in mrkdwn (plain_text shows them literally). */
const PINGS = ['<!channel>', '<!here>', '<!everyone>', '<@U0MALLORY1>', '<#C0GENERAL1>', '<https://evil.example'];

function checkAnswer(where: string, body: Record<string, unknown>): void {
  const mrkdwnTexts = [
    ...(typeof body.text === 'string' ? [body.text] : []),
    ...(Array.isArray(body.blocks)
      ? collectTexts(body.blocks)
          .filter((t) => t.type === 'mrkdwn')
          .map((t) => t.text)
      : []),
  ];
  for (const text of mrkdwnTexts) {
    const ping = PINGS.find((p) => text.includes(p));
    if (ping) throw new Error(`${where}: ${ping} reached Slack unescaped in ${JSON.stringify(text.slice(0, 200))}`);
  }
  if (body.response_type !== 'ephemeral')
    throw new Error(`${where}: response_type ${JSON.stringify(body.response_type)}, expected ephemeral`);
  if (typeof body.text === 'string' && findUnescaped(body.text) !== undefined) {
    throw new Error(`${where}: unescaped ${JSON.stringify(findUnescaped(body.text))} in text ${JSON.stringify(body.text.slice(0, 200))}`);
  }
  if (Array.isArray(body.blocks)) {
    assertValidMessage(body.blocks);
    assertNoUnescaped(body.blocks);
  }
}

async function inBatches<T, R>(items: readonly T[], size: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) {
    out.push(...(await Promise.all(items.slice(i, i + size).map((item, j) => fn(item, i + j)))));
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe(`fuzz over signed HTTP to the real Bolt receiver (FUZZ_SEED=${SEED})`, () => {
  let slack: SlackStandIn;
  let gd: FakeGuardDuty;
  let dynamo: TestDynamo;
  let bot: Bot;

  /** The response_url posts per path (indexed: thousands of posts are looked up while polling). */
  let indexed = 0;
  const byPath = new Map<string, ResponseUrlPost[]>();
  function postsTo(path: string): ResponseUrlPost[] {
    for (; indexed < slack.responses.length; indexed++) {
      const r = slack.responses[indexed] as ResponseUrlPost;
      byPath.set(r.path, [...(byPath.get(r.path) ?? []), r]);
    }
    return byPath.get(`/respond/${path}`) ?? [];
  }
  function resetResponses(): void {
    slack.responses.length = 0;
    indexed = 0;
    byPath.clear();
  }

  /** Waits until nothing new reaches the stand-in for `quietMs`. */
  async function settle(quietMs = 300, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let seen = -1;
    while (Date.now() < deadline) {
      const now = slack.responses.length + slack.calls.length;
      if (now === seen) return;
      seen = now;
      await sleep(quietMs);
    }
    throw new Error('the bot kept talking to Slack');
  }

  beforeAll(async () => {
    slack = await new SlackStandIn().start();
    gd = new FakeGuardDuty();
    gd.put(
      variant('unauthorizedaccess-ec2-sshbruteforce', { id: SSH_ID, severity: 8, updatedAt: '2026-11-27T10:00:00.000Z' }),
      variant('recon-ec2-portprobe-ssh', { id: PROBE_ID, severity: 5, updatedAt: '2026-11-27T11:00:00.000Z' }),
      variant('attacksequence-iam-compromisedcredentials', { id: WEST_ID, severity: 9.2, region: 'us-west-2' }),
      {
        ...variant('policy-s3-bucketblockpublicaccessdisabled', { id: HOSTILE_ID, severity: 3, title: HOSTILE_TEXT }),
        Description: HOSTILE_TEXT,
        Type: `Made:Up/${HOSTILE_TEXT}`,
      },
    );
    dynamo = await startTestDynamo();
    const store = new DynamoStateStore(dynamo.doc, dynamo.tableName);
    // The clicker is an approver, so archive clicks get past access control to the listener.
    // Values, not pace, are fuzzed here: one clicker sends thousands of clicks, so the per-person limit (tested in
    // feedback-once.test.ts) is lifted.
    bot = await startBot(
      slack,
      { FINDINGS_CHANNEL: CHANNEL, POST_MIN_SEVERITY: 'low', APPROVER_USER_IDS: APPROVER, LOG_LEVEL: 'warn' },
      { store, postIntervalMs: 0, claimSeconds: 30, actionLimit: new UserRateLimit({ capacity: 1_000_000 }) },
    );
    expect(bot.config.aws.regions).toEqual(CONFIGURED_REGIONS);
  });

  afterAll(async () => {
    await bot?.stop();
    gd?.restore();
    await dynamo?.stop();
    await slack?.close();
  });

  it(`${COMMANDS} random /guardduty texts: each acked 200 and answered exactly once, in the ack or by one response_url post`, async () => {
    const texts = fc.sample(commandTextArb, { numRuns: COMMANDS, seed: SEED });
    resetResponses();
    const acks: SignedResponse[] = await inBatches(texts, PARALLEL, (text, i) =>
      slashCommand(bot.events, { text, userId: APPROVER, channelId: CHANNEL, responseUrl: slack.responseUrl(`cmd-${i}`) }),
    );

    const later = texts.flatMap((t, i) => (answeredInAck(t) ? [] : [i]));
    await slack.waitFor(
      () => later.every((i) => postsTo(`cmd-${i}`).length > 0),
      20_000,
      'a response_url post for every command answered later',
    );
    await settle();

    const inAck = texts.length - later.length;
    expect(inAck).toBeGreaterThan(COMMANDS * 0.1);
    expect(later.length).toBeGreaterThan(COMMANDS * 0.1);
    texts.forEach((text, i) => {
      const where = `command #${i} ${JSON.stringify(text.slice(0, 80))}`;
      const ack = acks[i];
      if (ack?.status !== 200) throw new Error(`${where}: HTTP ${ack?.status} ${ack?.body.slice(0, 200)}`);
      const posts = postsTo(`cmd-${i}`);
      if (answeredInAck(text)) {
        if (!ack.json) throw new Error(`${where}: expected the answer in the ack, got ${JSON.stringify(ack.body.slice(0, 200))}`);
        if (posts.length !== 0) throw new Error(`${where}: answered in the ack and again by ${posts.length} response_url post(s)`);
        expect(typeof ack.json.text).toBe('string');
        checkAnswer(`${where} (ack)`, ack.json);
      } else {
        if (ack.body !== '') throw new Error(`${where}: expected an empty ack, got ${ack.body.slice(0, 200)}`);
        if (posts.length !== 1) throw new Error(`${where}: ${posts.length} response_url posts, expected exactly 1`);
        checkAnswer(`${where} (response_url)`, (posts[0] as ResponseUrlPost).body);
      }
    });
    expect(bot.logs.text).not.toContain('unhandled error in a Slack listener');
  });

  it(`${VALUES_PER_ACTION} random values for each card and list button (30 for the others): acked 200, answered, forged values never reach GuardDuty writes`, async () => {
    const clicks = ACTIONS.flatMap(({ id, kind, values, runs }, a) =>
      fc
        .sample(values, { numRuns: runs, seed: SEED + a })
        .map((value, i) => ({ id, kind, value, valid: isValid(kind, value), path: `btn-${id}-${i}` })),
    );
    const forged = clicks.filter((c) => !c.valid);
    const wellFormedClicks = clicks.filter((c) => c.valid);
    resetResponses();
    gd.resetCalls();

    const send = (c: (typeof clicks)[number]) =>
      click(bot.events, {
        actionId: c.id,
        value: c.value,
        userId: APPROVER,
        channelId: CHANNEL,
        responseUrl: slack.responseUrl(c.path),
        message: { ts: '1700000000.000100' },
      });

    // Phase 1: only forged values. None may reach GuardDuty at all, let alone a write.
    const forgedAcks = await inBatches(forged, PARALLEL, send);
    const answered = forged.filter((c) => c.kind !== 'ackOnly');
    await slack.waitFor(() => answered.every((c) => postsTo(c.path).length > 0), 20_000, 'an answer to every forged click');
    await settle();
    expect(gd.calls).toEqual(noGuardDutyCalls());
    forged.forEach((c, i) => {
      const where = `${c.id} with forged value ${JSON.stringify(c.value.slice(0, 80))}`;
      if (forgedAcks[i]?.status !== 200) throw new Error(`${where}: HTTP ${forgedAcks[i]?.status}`);
      const posts = postsTo(c.path);
      if (posts.length !== (c.kind === 'ackOnly' ? 0 : 1)) throw new Error(`${where}: ${posts.length} response_url posts`);
      if (c.kind === 'ackOnly') return;
      const body = (posts[0] as ResponseUrlPost).body;
      checkAnswer(where, body);
      const expected =
        c.kind === 'digest'
          ? 'That digest is not available'
          : c.kind === 'notConfigured'
            ? 'Remediation is not set up'
            : 'That button is not valid any more';
      if (!String(body.text).includes(expected))
        throw new Error(`${where}: answered ${JSON.stringify(body.text)}, expected "${expected}…"`);
    });

    // Phase 2: the well-formed values (known and unknown findings, pages, digests). Each write is one GuardDuty call.
    const okAcks = await inBatches(wellFormedClicks, PARALLEL, send);
    await settle(400);
    wellFormedClicks.forEach((c, i) => {
      const where = `${c.id} with value ${JSON.stringify(c.value)}`;
      if (okAcks[i]?.status !== 200) throw new Error(`${where}: HTTP ${okAcks[i]?.status}`);
      const posts = postsTo(c.path);
      // At most one answer: an archive or feedback on a finding with a card is shown on the card instead.
      if (posts.length > 1) throw new Error(`${where}: ${posts.length} response_url posts`);
      if (posts[0]) checkAnswer(where, posts[0].body);
    });
    const count = (id: string) => wellFormedClicks.filter((c) => c.id === id).length;
    expect(count(ACTION.archive)).toBeGreaterThan(10);
    expect(count(ACTION.nextPage)).toBeGreaterThan(10);
    expect(count(ACTION.digestList)).toBeGreaterThan(10);
    // One person, one effect: one feedback per known finding (a conditional write decides), and an archive only
    // while the finding is not archived yet (clicks racing in the same batch may each archive it once).
    const knownIn = (...ids: string[]) =>
      new Set(
        wellFormedClicks
          .filter((c) => ids.includes(c.id))
          .map((c) => c.value.split(' ')[1] ?? '')
          .filter((f) => KNOWN_IDS.includes(f)),
      );
    expect(gd.calls.UpdateFindingsFeedback).toBe(knownIn(ACTION.feedbackUseful, ACTION.feedbackNotUseful).size);
    const archivable = knownIn(ACTION.archive);
    expect(new Set(gd.archived.flatMap((a) => a.ids))).toEqual(archivable);
    expect(gd.calls.ArchiveFindings).toBeLessThanOrEqual(archivable.size * PARALLEL);
    // Cards posted to the channel by "Post to channel" (the hostile finding among them) are escaped too.
    const cards = slack.callsTo('chat.postMessage').concat(slack.callsTo('chat.update'));
    expect(cards.length).toBeGreaterThan(0);
    for (const posted of cards) checkAnswer(`${posted.method} to the channel`, { ...posted.body, response_type: 'ephemeral' });

    // Still alive and answering after all of it.
    const help = await slashCommand(bot.events, {
      text: 'help',
      userId: APPROVER,
      channelId: CHANNEL,
      responseUrl: slack.responseUrl('final-help'),
    });
    expect(help.status).toBe(200);
    expect(help.json?.response_type).toBe('ephemeral');
    expect(JSON.stringify(help.json?.blocks)).toContain('How to use /guardduty');
    expect(bot.logs.text).not.toContain('unhandled error in a Slack listener');
  });
});
