import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetFindingsStatisticsCommand, type Finding as SdkFinding } from '@aws-sdk/client-guardduty';
import { LogLevel, WebClient } from '@slack/web-api';
import pino from 'pino';
import { GuardDutySource } from '../../src/aws/guardduty-source';
import { composeBot } from '../../src/compose';
import { parseCron } from '../../src/domain/cron';
import type { CardRecord } from '../../src/domain/ports';
import { formatDuration } from '../../src/domain/stats';
import { ChannelQueue } from '../../src/feed/channel-queue';
import type { WeeklySummary } from '../../src/feed/weekly-summary';
import { SUMMARY_EVENT_TYPE, SlackSummaryPoster } from '../../src/slack/summary-poster';
import { undiciFetch } from '../../src/slack/undici-fetch';
import { DynamoStateStore } from '../../src/store/dynamo-state-store';
import { FakeGuardDuty } from '../../support/fakes/guardduty/sdk-mock';
import { guardDutyClients, testConfig } from '../../support/helpers/bot-harness';
import { startTestDynamo, type TestDynamo } from '../../support/helpers/dynalite';
import { variant } from '../../support/helpers/fixtures';
import { SlackStandIn } from '../../support/helpers/slack-stand-in';

/*
 * The periodic summary (SUMMARY_CRON, here the default Monday 09:00 UTC) with two replicas on one dynalite table and
 * the Slack stand-in: one post per channel with cards and slot, none for a channel without cards, none again after
 * a restart or when a holder stopped after posting.
 */

const MAIN = 'C0FINDINGS1';
const TEAM = 'C0TEAMROUTE';
const QUIET = 'C0QUIETROUT';
const A = '111111111111';
const B = '222222222222';
const H = 3_600_000;
const D = 24 * H;
/** A Monday 09:00 UTC at least a day ago: Slack stand-in timestamps (real time) are after every fake clock reading. */
const SLOT = parseCron('0 9 * * 1').previous(Date.now() - D) as number;

interface SeedCard {
  id: string;
  channel: string;
  postedMs: number;
  takenAfterMs?: number;
}
const CARDS: SeedCard[] = [
  { id: 'wk00000000000000000000000000001', channel: MAIN, postedMs: SLOT - 6 * D, takenAfterMs: 30 * 60_000 },
  { id: 'wk00000000000000000000000000002', channel: MAIN, postedMs: SLOT - 2 * D, takenAfterMs: 4 * H },
  { id: 'wk00000000000000000000000000003', channel: MAIN, postedMs: SLOT - 3 * H },
  { id: 'wk00000000000000000000000000004', channel: MAIN, postedMs: SLOT - 9 * D, takenAfterMs: 60_000 },
  { id: 'wk00000000000000000000000000005', channel: MAIN, postedMs: SLOT + 20 * 60_000 },
  { id: 'wk00000000000000000000000000006', channel: TEAM, postedMs: SLOT - 1 * D, takenAfterMs: 15 * 60_000 },
];

let n = 0;
const FINDINGS: SdkFinding[] = [
  variant('unauthorizedaccess-ec2-sshbruteforce', {
    id: `wkgd${++n}`.padEnd(32, '0'),
    severity: 8,
    accountId: A,
    updatedAt: new Date(SLOT - D).toISOString(),
  }),
  variant('recon-ec2-portprobe-ssh', {
    id: `wkgd${++n}`.padEnd(32, '0'),
    severity: 5,
    accountId: B,
    updatedAt: new Date(SLOT - 3 * D).toISOString(),
  }),
  // After the slot and before it by more than 7 days: not in that week's numbers.
  variant('recon-ec2-portprobe-ssh', {
    id: `wkgd${++n}`.padEnd(32, '0'),
    severity: 5,
    accountId: B,
    updatedAt: new Date(SLOT + H).toISOString(),
  }),
  variant('recon-ec2-portprobe-ssh', {
    id: `wkgd${++n}`.padEnd(32, '0'),
    severity: 2,
    accountId: B,
    updatedAt: new Date(SLOT - 8 * D).toISOString(),
  }),
];

class Clock {
  ms = SLOT + H;
  readonly now = (): number => this.ms;
}

describe('the weekly summary, two replicas, dynalite and the Slack stand-in', () => {
  let slack: SlackStandIn;
  let gd: FakeGuardDuty;
  let dynamo: TestDynamo;
  let store: DynamoStateStore;
  let routesFile: string;
  const bots: { stop(): Promise<void> }[] = [];

  beforeAll(async () => {
    slack = await new SlackStandIn().start();
    const dir = mkdtempSync(join(tmpdir(), 'summary-routes-'));
    routesFile = join(dir, 'routes.json');
    writeFileSync(
      routesFile,
      JSON.stringify({
        rules: [
          { accounts: [B], channel: TEAM },
          { typePrefix: 'Backdoor:', channel: QUIET },
        ],
      }),
    );
  });
  afterAll(async () => {
    await slack.close();
  });
  beforeEach(async () => {
    slack.messages.clear();
    slack.uploads.clear();
    slack.calls.length = 0;
    dynamo = await startTestDynamo();
    store = new DynamoStateStore(dynamo.client, dynamo.tableName);
    gd = new FakeGuardDuty();
    gd.put(...FINDINGS);
    for (const c of CARDS) await seedCard(c);
  });
  afterEach(async () => {
    for (const bot of bots.splice(0)) await bot.stop();
    gd.restore();
    await dynamo.stop();
  });

  function web(): WebClient {
    return new WebClient('xoxb-test-token', {
      slackApiUrl: slack.apiUrl,
      fetch: undiciFetch(),
      retryConfig: { retries: 0 },
      logLevel: LogLevel.ERROR,
    });
  }

  function replica(owner: string, clock: Clock, env: Record<string, string> = {}): WeeklySummary | undefined {
    const config = testConfig(slack, {
      FINDINGS_CHANNEL: MAIN,
      ROUTES_FILE: routesFile,
      GUARDDUTY_REGIONS: 'us-east-1',
      LOG_LEVEL: 'silent',
      ...env,
    });
    const bot = composeBot({
      config,
      logger: pino({ level: 'silent' }),
      owner,
      web: web(),
      findings: new GuardDutySource(guardDutyClients(), ['us-east-1']),
      store,
      postIntervalMs: 0,
      summaryOptions: { now: clock.now, leaseSeconds: 60, postClaimSeconds: 120 },
    });
    bots.push(bot);
    return bot.summary;
  }

  /** The summaries in a channel (top-level messages marked as such), with their slot. */
  function summaries(channel: string): { slot: unknown; text: string }[] {
    return slack
      .channelMessages(channel)
      .filter((m) => (m.metadata as { event_type?: string } | undefined)?.event_type === SUMMARY_EVENT_TYPE)
      .map((m) => ({ slot: (m.metadata as { event_payload: { slot: unknown } }).event_payload.slot, text: JSON.stringify(m.blocks) }));
  }

  /** A card posted (and maybe taken) at its time, through the real repositories. */
  async function seedCard(c: SeedCard): Promise<void> {
    const postedS = Math.floor(c.postedMs / 1000);
    const record: Omit<CardRecord, 'claimOwner' | 'claimExpiresAt' | 'claimedAt'> = {
      findingId: c.id,
      region: 'us-east-1',
      accountId: A,
      state: 'claimed',
      severity: 8,
      updatedAtMs: c.postedMs,
      count: 1,
      archived: false,
    };
    const seen = { severity: 8, updatedAtMs: c.postedMs, count: 1, archived: false };
    expect(await store.claimCard(record, 'seed', 60, postedS)).toBe(true);
    expect(await store.markPosted(c.id, 'seed', c.channel, `${postedS}.000200`, seen)).toBe(true);
    if (c.takenAfterMs !== undefined) expect((await store.takeFinding(c.id, 'U0ALICE001', postedS + c.takenAfterMs / 1000)).ok).toBe(true);
  }

  it('two replicas at once: one post per channel with cards, none where there were none; again and after a restart: nothing more', async () => {
    const clock = new Clock();
    const one = replica('replica-1', clock);
    const two = replica('replica-2', clock);
    if (!one || !two) throw new Error('the summary was not built');
    const [first, second] = await Promise.all([one.tick(), two.tick()]);
    // One of them held the lease; the other did nothing.
    expect([first, second].filter((t) => t !== undefined)).toHaveLength(1);
    const done = first ?? second;
    expect(done?.slotMs).toBe(SLOT);
    expect(done?.posted.sort()).toEqual([MAIN, TEAM].sort());
    expect(done?.empty).toEqual([QUIET]);
    expect(summaries(MAIN)).toHaveLength(1);
    expect(summaries(TEAM)).toHaveLength(1);
    expect(summaries(QUIET)).toHaveLength(0);
    expect(summaries(MAIN)[0]?.slot).toBe(Math.floor(SLOT / 1000));
    // GuardDuty's counts are read once for the slot (4 bands by day, by account, by type), not once per channel.
    expect(gd.mock.commandCalls(GetFindingsStatisticsCommand)).toHaveLength(6);

    // Later in the same slot, the lease having lapsed, each replica ticks again.
    clock.ms += 5 * 60_000;
    await one.tick();
    await two.tick();
    // A restart: a new process with a new identity.
    await bots[0]?.stop();
    const three = replica('replica-3', clock);
    clock.ms += 5 * 60_000;
    const again = await three?.tick();
    expect(again?.posted).toEqual([]);
    expect(summaries(MAIN)).toHaveLength(1);
    expect(summaries(TEAM)).toHaveLength(1);
    expect(summaries(QUIET)).toHaveLength(0);
  });

  it("a channel's summary has its own cards' numbers from the seeded records (the week before the slot only)", async () => {
    const clock = new Clock();
    await replica('replica-1', clock)?.tick();
    const inWeek = (c: SeedCard) => c.postedMs >= SLOT - 7 * D && c.postedMs < SLOT;
    for (const channel of [MAIN, TEAM]) {
      const cards = CARDS.filter((c) => c.channel === channel && inWeek(c));
      const own = cards.flatMap((c) => (c.takenAfterMs === undefined ? [] : [c.takenAfterMs / 1000])).sort((a, b) => a - b);
      const text = summaries(channel)[0]?.text ?? '';
      expect(text).toContain(`*Cards posted in <#${channel}>*: *${cards.length}*`);
      expect(text).toContain(`taken ${own.length}`);
      expect(text).toContain(`median *${formatDuration(own[Math.ceil(0.5 * own.length) - 1] as number)}*`);
      expect(text).toContain(`Open high/critical cards nobody owns: *${cards.filter((c) => c.takenAfterMs === undefined).length}*`);
    }
    // GuardDuty's counts of that week, every channel: the findings updated in [slot - 7 days, slot).
    const week = FINDINGS.filter((f) => {
      const at = Date.parse(f.UpdatedAt ?? '');
      return at >= SLOT - 7 * D && at < SLOT;
    });
    expect(summaries(MAIN)[0]?.text).toContain(`*${week.length} findings* updated`);
    // The week's chart, uploaded into each channel in its summary's thread: a PNG whose alt text counts that week's findings.
    for (const channel of [MAIN, TEAM]) {
      const ts = slack
        .channelMessages(channel)
        .find((m) => (m.metadata as { event_type?: string } | undefined)?.event_type === SUMMARY_EVENT_TYPE)?.ts;
      const charts = [...slack.uploads.values()].filter((u) => u.channelId === channel && u.completed);
      expect(charts).toHaveLength(1);
      expect(charts[0]?.threadTs).toBe(ts);
      expect(charts[0]?.bytes?.subarray(1, 4).toString()).toBe('PNG');
      expect(charts[0]?.altText).toContain(`${week.length} in all`);
    }
  });

  it('a holder that stopped after posting is taken over without a second post; one that stopped before posting is posted once', async () => {
    const clock = new Clock();
    const slotS = Math.floor(SLOT / 1000);
    const nowS = Math.floor(clock.ms / 1000);
    // The stopped holder: claimed both channels, posted MAIN's summary, recorded neither.
    expect(await store.claimSummary(MAIN, slotS, 'stopped', nowS + 120, nowS)).toEqual({ claimedS: nowS, takenOver: false });
    expect(await store.claimSummary(TEAM, slotS, 'stopped', nowS + 120, nowS)).toBeDefined();
    await new SlackSummaryPoster(web(), new ChannelQueue(0)).postSummary(MAIN, slotS, { text: 'posted before the stop' });
    const next = replica('replica-2', clock);
    // While the stopped holder's time runs, nobody else posts.
    const early = await next?.tick();
    expect(early?.posted).toEqual([]);
    expect(summaries(TEAM)).toHaveLength(0);
    clock.ms += 121_000;
    const late = await next?.tick();
    expect(late?.recovered).toEqual([MAIN]);
    expect(late?.posted).toEqual([TEAM]);
    expect(summaries(MAIN)).toHaveLength(1);
    expect(summaries(TEAM)).toHaveLength(1);
    clock.ms += 60_000;
    await next?.tick();
    expect(summaries(MAIN)).toHaveLength(1);
    expect(summaries(TEAM)).toHaveLength(1);
  });

  it('no summary when no card was posted in the week; none at all with SUMMARY_CRON=off; none once the slot is long past', async () => {
    const clock = new Clock();
    clock.ms = SLOT + 14 * D + H; // two slots on: nothing was posted in the week before it
    const next = await replica('replica-1', clock)?.tick();
    expect(next?.posted).toEqual([]);
    expect(next?.empty.sort()).toEqual([MAIN, QUIET, TEAM].sort());
    expect(replica('replica-2', clock, { SUMMARY_CRON: 'off' })).toBeUndefined();
    const late = new Clock();
    late.ms = SLOT + 7 * H; // past the 6-hour grace: a bot down at 09:00 does not post Monday's summary at 16:00
    expect(await replica('replica-3', late)?.tick()).toBeUndefined();
    expect([...slack.messages.values()].flat()).toHaveLength(0);
  });

  it('posts the week’s chart in the summary’s thread; a failed upload leaves the summary standing; a slot 5 hours late is still posted', async () => {
    const clock = new Clock();
    await replica('replica-1', clock)?.tick();
    const [summary] = slack
      .channelMessages(MAIN)
      .filter((m) => (m.metadata as { event_type?: string } | undefined)?.event_type === SUMMARY_EVENT_TYPE);
    const completed = slack.callsTo('files.completeUploadExternal');
    // One chart per channel with a summary, shared into its thread.
    expect(completed).toHaveLength(2);
    expect(completed.map((c) => c.body.thread_ts)).toContain(summary?.ts);

    // The next week, 5 hours after its slot (within the 6-hour grace), with the app missing files:write.
    slack.handlers.set('files.getUploadURLExternal', () => ({ ok: false, error: 'missing_scope', needed: 'files:write' }));
    for (const c of CARDS) await seedCard({ ...c, id: `nx${c.id.slice(2)}`, postedMs: c.postedMs + 7 * D });
    gd.put(
      ...FINDINGS.map((f) => ({
        ...f,
        Id: `nx${(f.Id ?? '').slice(2)}`,
        UpdatedAt: new Date(Date.parse(f.UpdatedAt ?? '') + 7 * D).toISOString(),
      })),
    );
    const attempts = slack.callsTo('files.getUploadURLExternal').length;
    const late = new Clock();
    late.ms = SLOT + 7 * D + 5 * H;
    const tick = await replica('replica-2', late)?.tick();
    expect(tick?.posted.sort()).toEqual([MAIN, TEAM].sort());
    expect(summaries(MAIN)).toHaveLength(2);
    // Each channel's chart was tried and refused; no upload was completed and the summaries stand.
    expect(slack.callsTo('files.getUploadURLExternal').length - attempts).toBe(2);
    expect(slack.callsTo('files.completeUploadExternal')).toHaveLength(2);
    slack.handlers.delete('files.getUploadURLExternal');
  });
});
