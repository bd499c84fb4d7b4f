import { GetFindingsStatisticsCommand, ListFindingsCommand } from '@aws-sdk/client-guardduty';
import { GuardDutySource } from '../../src/aws/guardduty-source';
import { GuardDutyHttpStandIn } from '../../support/fakes/guardduty/http';
import type { CardRecord, PostedCard } from '../../src/domain/ports';
import { BAND_FLOOR, SEVERITY_BANDS, bandOf } from '../../src/domain/severity';
import { formatDuration } from '../../src/domain/stats';
import { DynamoStateStore } from '../../src/store/dynamo-state-store';
import type { Finding as SdkFinding } from '@aws-sdk/client-guardduty';
import { FakeGuardDuty } from '../../support/fakes/guardduty/sdk-mock';
import { guardDutyClients, startBot, type Bot } from '../../support/helpers/bot-harness';
import { startTestDynamo, type TestDynamo } from '../../support/helpers/dynalite';
import { variant } from '../../support/helpers/fixtures';
import { slashCommand } from '../../support/helpers/signed-request';
import { SlackStandIn } from '../../support/helpers/slack-stand-in';

/*
 * `/guardduty stats` through signed slash commands to the real Bolt receiver: GuardDuty's numbers from the stand-in
 * (GetFindingsStatistics), the cards' times from records written through the real repositories on dynalite.
 * Every expected number is worked out here from the seeded data.
 */

const CHANNEL = 'C0FINDINGS1';
const A = '111111111111';
const B = '222222222222';
const H = 3_600_000;
const D = 24 * H;
const NOW = Date.now();
const iso = (agoMs: number) => new Date(NOW - agoMs).toISOString();
let n = 0;
const gid = () => `57a7${String(++n).padStart(28, '0')}`;

function finding(fixture: string, severity: number, accountId: string, agoMs: number, extra: { region?: string; archived?: boolean } = {}) {
  return variant(fixture, { id: gid(), severity, accountId, updatedAt: iso(agoMs), ...extra });
}

const SSH = 'unauthorizedaccess-ec2-sshbruteforce';
const PROBE = 'recon-ec2-portprobe-ssh';
const S3 = 'policy-s3-bucketblockpublicaccessdisabled';

const hostile = finding(PROBE, 5.5, B, 4 * D);
hostile.Type = 'Recon:EC2/<!here>&<@U0EVIL001>';

/** GuardDuty's findings: updated at known times, two regions, every band, one archived, two older than 7 days. */
const FINDINGS: SdkFinding[] = [
  finding(SSH, 9.5, A, 2 * H),
  finding(SSH, 8, A, 30 * H),
  finding(PROBE, 7.5, B, 3 * D),
  finding(PROBE, 5, B, 5 * D),
  finding(S3, 2, A, 6 * D),
  finding(SSH, 8.5, A, 6 * D, { archived: true }),
  hostile,
  finding(SSH, 8, A, 10 * D),
  finding(PROBE, 3, B, 20 * D),
  finding('attacksequence-iam-compromisedcredentials', 9.2, B, 26 * H, { region: 'us-west-2' }),
  finding(PROBE, 5, A, 40 * H, { region: 'us-west-2' }),
];

interface SeedCard {
  id: string;
  severity: number;
  postedAgoMs: number;
  /** After the post. */
  takenAfterMs?: number;
  resolvedAfterMs?: number;
}

/** Cards the bot posted, taken and resolved at known times (two are GuardDuty findings above, so they count as owned). */
const CARDS: SeedCard[] = [
  { id: FINDINGS[2]?.Id ?? '', severity: 7.5, postedAgoMs: 6 * D, takenAfterMs: 10 * 60_000, resolvedAfterMs: 3 * H },
  { id: 'card000000000000000000000000002', severity: 5, postedAgoMs: 5 * D, takenAfterMs: 45 * 60_000 },
  { id: 'card000000000000000000000000003', severity: 8, postedAgoMs: 3 * D, takenAfterMs: 2 * H, resolvedAfterMs: D },
  { id: 'card000000000000000000000000004', severity: 8, postedAgoMs: 20 * H },
  { id: FINDINGS[0]?.Id ?? '', severity: 9.5, postedAgoMs: 2 * H, takenAfterMs: 5 * 60_000 },
  { id: 'card000000000000000000000000006', severity: 9, postedAgoMs: 8 * D, takenAfterMs: 60_000 },
  { id: 'card000000000000000000000000007', severity: 9, postedAgoMs: 12 * H, takenAfterMs: 20 * 60_000, resolvedAfterMs: 20 * 60_000 },
];

const PERIODS = { '24h': D, '7d': 7 * D, '30d': 30 * D } as const;

function rank(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(p * sorted.length) - 1] as number;
}

function expected(period: keyof typeof PERIODS) {
  const since = NOW - PERIODS[period];
  const inPeriod = FINDINGS.filter((f) => Date.parse(f.UpdatedAt ?? '') >= since);
  const bands = Object.fromEntries(SEVERITY_BANDS.map((b) => [b, inPeriod.filter((f) => bandOf(f.Severity ?? 0) === b).length]));
  const tally = (key: (f: SdkFinding) => string) => {
    const m = new Map<string, number>();
    for (const f of inPeriod) m.set(key(f), (m.get(key(f)) ?? 0) + 1);
    return m;
  };
  const cards = CARDS.filter((c) => c.postedAgoMs <= PERIODS[period]);
  const own = cards.flatMap((c) => (c.takenAfterMs === undefined ? [] : [c.takenAfterMs / 1000]));
  const resolve = cards.flatMap((c) => (c.resolvedAfterMs === undefined ? [] : [c.resolvedAfterMs / 1000]));
  const owned = new Set(CARDS.filter((c) => c.takenAfterMs !== undefined).map((c) => c.id));
  const openUnowned = FINDINGS.filter((f) => (f.Severity ?? 0) >= BAND_FLOOR.high && !f.Service?.Archived && !owned.has(f.Id ?? '')).length;
  return {
    total: inPeriod.length,
    bands,
    accounts: tally((f) => f.AccountId ?? ''),
    types: tally((f) => f.Type ?? ''),
    posted: cards.length,
    own,
    resolve,
    openUnowned,
  };
}

describe('/guardduty stats over signed HTTP, GuardDuty stand-in and dynalite', () => {
  let slack: SlackStandIn;
  let gd: FakeGuardDuty;
  let dynamo: TestDynamo;
  let store: DynamoStateStore;
  let bot: Bot;

  beforeAll(async () => {
    slack = await new SlackStandIn().start();
    dynamo = await startTestDynamo();
    store = new DynamoStateStore(dynamo.client, dynamo.tableName);
    for (const c of CARDS) {
      const postedS = Math.floor((NOW - c.postedAgoMs) / 1000);
      const record: Omit<CardRecord, 'claimOwner' | 'claimExpiresAt' | 'claimedAt'> = {
        findingId: c.id,
        region: 'us-east-1',
        accountId: A,
        state: 'claimed',
        severity: c.severity,
        updatedAtMs: NOW - c.postedAgoMs,
        count: 1,
        archived: false,
      };
      const seen = { severity: c.severity, updatedAtMs: NOW - c.postedAgoMs, count: 1, archived: false };
      expect(await store.claimCard(record, 'seed', 60, postedS)).toBe(true);
      expect(await store.markPosted(c.id, 'seed', CHANNEL, `${postedS}.000100`, seen)).toBe(true);
      if (c.takenAfterMs !== undefined) {
        const taken = await store.takeFinding(c.id, 'U0ALICE001', postedS + c.takenAfterMs / 1000);
        expect(taken.ok).toBe(true);
        // A reassign later does not move the time to own.
        expect((await store.reassignFinding(c.id, 'U0ALICE001', 'U0BOB00001', postedS + c.takenAfterMs / 1000 + 60)).ok).toBe(true);
        if (c.resolvedAfterMs !== undefined) {
          const version = (await store.getCard(c.id))?.triageVersion ?? 0;
          const resolved = await store.resolveFinding(
            c.id,
            'U0BOB00001',
            'fixed',
            undefined,
            version,
            false,
            postedS + c.resolvedAfterMs / 1000,
          );
          expect(resolved.ok).toBe(true);
        }
      }
    }
  });
  afterAll(async () => {
    await slack.close();
    await dynamo.stop();
  });
  beforeEach(async () => {
    slack.responses.length = 0;
    gd = new FakeGuardDuty();
    gd.put(...FINDINGS);
    bot = await startBot(slack, { FINDINGS_CHANNEL: CHANNEL, SUMMARY_CRON: 'off' }, { store });
  });
  afterEach(async () => {
    await bot.stop();
    gd.restore();
  });

  async function stats(text: string): Promise<{ ack: string; reply: string; blocks: { type: string }[] }> {
    const res = await slashCommand(bot.events, { text, responseUrl: slack.responseUrl(text.replace(/\W+/g, '-')) });
    expect(res.status).toBe(200);
    const reply = await slack.waitFor(() => slack.responses[0], 10_000, 'stats reply');
    expect(reply.body.response_type).toBe('ephemeral');
    const blocks = reply.body.blocks as { type: string }[];
    return { ack: res.body, reply: JSON.stringify(blocks), blocks };
  }

  it.each(['7d', '24h', '30d'] as const)('`stats %s` equals the seeded data', async (period) => {
    const { reply, blocks, ack } = await stats(`stats ${period}`);
    expect(ack).toBe('');
    const want = expected(period);
    expect(blocks.length).toBeLessThanOrEqual(50);
    expect(reply).toContain(`*${want.total} finding${want.total === 1 ? '' : 's'}* updated`);
    for (const band of SEVERITY_BANDS) expect(reply).toContain(`${band[0]?.toUpperCase()}${band.slice(1)} *${want.bands[band]}*`);
    for (const [account, count] of want.accounts) expect(reply).toContain(`\`${account}\` ${count}`);
    for (const [type, count] of [...want.types].filter(([t]) => !t.includes('<'))) expect(reply).toContain(`\`${type}\` ${count}`);
    expect(reply).toContain(`*Cards posted*: *${want.posted}* · taken ${want.own.length} · resolved ${want.resolve.length}`);
    if (want.own.length > 0)
      expect(reply).toContain(
        `median *${formatDuration(rank(want.own, 0.5))}*, p90 *${formatDuration(rank(want.own, 0.9))}* (${want.own.length} card`,
      );
    if (want.resolve.length > 0)
      expect(reply).toContain(
        `Time to resolve (card → Resolve): median *${formatDuration(rank(want.resolve, 0.5))}*, p90 *${formatDuration(rank(want.resolve, 0.9))}*`,
      );
    expect(reply).toContain(`*Open high/critical findings nobody owns*: *${want.openUnowned}*`);
    // Counted by GuardDuty (4 bands by day, by account, by type, in each of the 2 regions), never every finding listed.
    expect(gd.mock.commandCalls(GetFindingsStatisticsCommand)).toHaveLength(2 * 6);
    expect(gd.mock.commandCalls(ListFindingsCommand).every((c) => c.args[0].input.FindingCriteria?.Criterion?.severity)).toBe(true);
  });

  it('the 7 days differ from the 30 days where the seeded data does (a test of the numbers, not of the layout)', () => {
    expect(expected('7d').total).not.toBe(expected('30d').total);
    expect(expected('7d').posted).not.toBe(expected('24h').posted);
  });

  it('a finding type cannot mention anyone: it is escaped', async () => {
    const { reply } = await stats('stats');
    expect(reply).toContain('Recon:EC2/&lt;!here&gt;&amp;&lt;@U0EVIL001&gt;');
    expect(reply).not.toContain('<!here>');
    expect(reply).not.toContain('<@U0EVIL001>');
  });

  it.each(['stats 2w', 'stats 7d extra'])('`%s` gets a clear message in the ack, and no GuardDuty call', async (text) => {
    const res = await slashCommand(bot.events, { text, responseUrl: slack.responseUrl('bad') });
    expect(res.status).toBe(200);
    expect(res.json?.response_type).toBe('ephemeral');
    expect(String(res.json?.text)).toContain('Give 24h, 7d or 30d');
    expect(gd.mock.commandCalls(GetFindingsStatisticsCommand)).toHaveLength(0);
  });

  it('the posting index lists the cards posted in the period, in the channel asked for; a reassign does not move the first owned time', async () => {
    const fromS = Math.floor((NOW - 7 * D) / 1000);
    const { cards } = await store.postedCards(fromS, Math.floor(NOW / 1000) + 1);
    const posted: PostedCard | undefined = cards.find((c) => c.findingId === CARDS[2]?.id);
    expect(posted?.firstOwnedS).toBe(Math.floor((NOW - 3 * D) / 1000) + 2 * 3600);
    expect(cards.map((c) => c.findingId).sort()).toEqual(
      CARDS.filter((c) => c.postedAgoMs <= 7 * D)
        .map((c) => c.id)
        .sort(),
    );
    expect((await store.postedCards(fromS, Math.floor(NOW / 1000) + 1, { channel: 'C0ELSEWHERE' })).cards).toEqual([]);
  });
});

describe.each([
  ['aws-sdk-client-mock', 'mock'],
  ['the REST-JSON wire stand-in', 'http'],
] as const)('GuardDutySource.countsByDay and statistics through %s', (_name, transport) => {
  let gd: FakeGuardDuty | GuardDutyHttpStandIn;
  let source: GuardDutySource;
  const REGIONS = ['us-east-1', 'us-west-2'];

  beforeAll(async () => {
    if (transport === 'mock') {
      gd = new FakeGuardDuty();
      source = new GuardDutySource(guardDutyClients(), REGIONS);
    } else {
      const http = await new GuardDutyHttpStandIn().start();
      gd = http;
      source = new GuardDutySource(guardDutyClients(http.endpoint), REGIONS);
    }
    gd.put(...FINDINGS);
  });
  afterAll(async () => {
    if (gd instanceof FakeGuardDuty) gd.restore();
    else await gd.close();
  });

  it('counts per UTC day and band, from the seeded findings updated in the period (and before its end when given)', async () => {
    const since = NOW - 7 * D;
    const until = NOW - D;
    const want = (region: string, end?: number) => {
      const m = new Map<string, number>();
      for (const f of FINDINGS) {
        const at = Date.parse(f.UpdatedAt ?? '');
        if ((f.Region ?? 'us-east-1') !== region || at < since || (end !== undefined && at >= end)) continue;
        const key = `${new Date(at).toISOString().slice(0, 10)} ${bandOf(f.Severity ?? 0)}`;
        m.set(key, (m.get(key) ?? 0) + 1);
      }
      return Object.fromEntries([...m].sort());
    };
    const got = async (region: string, end?: number) =>
      Object.fromEntries((await source.countsByDay(region, since, end)).map((d) => [`${d.date} ${d.band}`, d.count]).sort());
    for (const region of REGIONS) {
      expect(await got(region)).toEqual(want(region));
      expect(await got(region, until)).toEqual(want(region, until));
    }
    expect(Object.keys(want('us-east-1')).length).toBeGreaterThan(3);
  });

  it('counts per account, type and severity, largest first, at most `max` groups', async () => {
    const since = NOW - 30 * D;
    const inRegion = FINDINGS.filter((f) => (f.Region ?? 'us-east-1') === 'us-east-1' && Date.parse(f.UpdatedAt ?? '') >= since);
    const tally = (key: (f: SdkFinding) => string) => {
      const m = new Map<string, number>();
      for (const f of inRegion) m.set(key(f), (m.get(key(f)) ?? 0) + 1);
      return Object.fromEntries(m);
    };
    const asMap = (g: { groups: { key: string; count: number }[] }) => Object.fromEntries(g.groups.map((x) => [x.key, x.count]));
    const types = await source.statistics('us-east-1', { sinceMs: since, groupBy: 'FINDING_TYPE', max: 100 });
    expect(asMap(types)).toEqual(tally((f) => f.Type ?? ''));
    expect(types.groups.map((g) => g.count)).toEqual([...types.groups.map((g) => g.count)].sort((a, b) => b - a));
    expect(asMap(await source.statistics('us-east-1', { sinceMs: since, groupBy: 'ACCOUNT', max: 100 }))).toEqual(
      tally((f) => f.AccountId ?? ''),
    );
    expect(asMap(await source.statistics('us-east-1', { sinceMs: since, groupBy: 'SEVERITY', max: 100 }))).toEqual(
      tally((f) => String(f.Severity)),
    );
    const one = await source.statistics('us-east-1', { sinceMs: since, groupBy: 'FINDING_TYPE', max: 1 });
    expect(one.groups).toHaveLength(1);
    expect(one.truncated).toBe(true);
  });
});
