import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { LogLevel, WebClient } from '@slack/web-api';
import pino from 'pino';
import { GuardDutySource } from '../../src/aws/guardduty-source';
import { composeBot } from '../../src/compose';
import type { SweepStats } from '../../src/feed/reminder-sweeper';
import { SlackMessenger } from '../../src/slack/messenger';
import { undiciFetch } from '../../src/slack/undici-fetch';
import type { DynamoStateStore } from '../../src/store/dynamo-state-store';
import { guardDutyClients, testConfig } from '../../support/helpers/bot-harness';
import { CHANNEL, isoMinutesAgo, useFeedWorld } from '../../support/helpers/feed-harness';
import { variant } from '../../support/helpers/fixtures';
import type { SlackStandIn } from '../../support/helpers/slack-stand-in';

const MIN = 60_000;
const HOUR = 60 * MIN;
const ONCALL = 'S0ONCALL01';
const id = (n: number) => `remind${String(n).padStart(26, '0')}`;

/** The clock every replica of a test reads: real time moved forward by `offsetMs`. */
class Clock {
  offsetMs = 0;
  readonly now = (): number => Date.now() + this.offsetMs;
  nowS(): number {
    return Math.floor(this.now() / 1000);
  }
  /** Moves to `ms` after the clock's start (real time at the test's start). */
  at(ms: number): void {
    this.offsetMs = ms;
  }
}

/** One bot process as composeBot builds it (the feed and the reminder sweeper), on the shared store and stand-ins. */
function replica(store: DynamoStateStore, slack: SlackStandIn, clock: Clock, owner: string, env: Record<string, string> = {}) {
  const config = testConfig(slack, {
    FINDINGS_CHANNEL: CHANNEL,
    POST_MIN_SEVERITY: 'medium',
    GUARDDUTY_REGIONS: 'us-east-1',
    LOG_LEVEL: 'silent',
    ONCALL_USERGROUP_ID: ONCALL,
    ...env,
  });
  const web = new WebClient('xoxb-test-token', {
    slackApiUrl: slack.apiUrl,
    fetch: undiciFetch(),
    retryConfig: { retries: 0 },
    logLevel: LogLevel.ERROR,
  });
  const bot = composeBot({
    config,
    logger: pino({ level: 'silent' }),
    owner,
    web,
    messenger: new SlackMessenger(web),
    findings: new GuardDutySource(guardDutyClients(), ['us-east-1']),
    store,
    postIntervalMs: 0,
    claimSeconds: 60,
    reminderOptions: { now: clock.now, sweepIntervalMs: 20 },
  });
  const { poller, outbox, reminders } = bot;
  if (!poller || !outbox || !reminders) throw new Error('the feed and its reminders were not built');
  return {
    bot,
    reminders,
    async poll(): Promise<void> {
      await poller.pollOnce('us-east-1');
      await outbox.drain(CHANNEL);
    },
  };
}

describe('reminders about high and critical cards, against dynalite and the Slack stand-in', () => {
  const world = useFeedWorld();
  let clock: Clock;
  beforeEach(() => {
    clock = new Clock();
  });

  async function threadOf(findingId: string): Promise<string[]> {
    const card = await world.store.getCard(findingId);
    if (!card?.ts) throw new Error(`no card for ${findingId}`);
    return world.slack.threadReplies(CHANNEL, card.ts).map((m) => String(m.text));
  }

  async function postFindings(...findings: { n: number; severity: number }[]) {
    world.gd.put(
      ...findings.map(({ n, severity }) =>
        variant('unauthorizedaccess-ec2-sshbruteforce', { id: id(n), severity, updatedAt: isoMinutesAgo(5) }),
      ),
    );
    const a = replica(world.store, world.slack, clock, 'replica-a');
    await a.poll();
    return a;
  }

  it('a high card without an owner gets one reminder after REMINDER_MINUTES, mentioning the on-call group; medium cards none', async () => {
    const a = await postFindings({ n: 1, severity: 8 }, { n: 2, severity: 5 }, { n: 3, severity: 9.5 });
    // The index lists the high and critical cards only, due 30 minutes after their post.
    const indexed = await world.store.dueReminders(clock.nowS() + 31 * 60, 10);
    expect(indexed.map((e) => e.findingId).sort()).toEqual([id(1), id(3)]);
    expect(indexed.every((e) => Math.abs(e.dueS - (clock.nowS() + 30 * 60)) <= 2)).toBe(true);

    clock.at(29 * MIN);
    expect(await a.reminders.tick()).toMatchObject({ sent: 0 });
    expect(await threadOf(id(1))).toEqual([]);

    clock.at(30 * MIN + 5000);
    expect(await a.reminders.tick()).toMatchObject({ sent: 2 });
    const [reply, ...more] = await threadOf(id(1));
    expect(more).toEqual([]);
    expect(reply?.startsWith(`<!subteam^${ONCALL}> `)).toBe(true);
    expect(reply).toContain('This high finding has had no owner for 30 min');
    expect(await threadOf(id(3))).toEqual([expect.stringContaining('This critical finding has had no owner')]);
    expect(await threadOf(id(2))).toEqual([]);

    clock.at(31 * MIN);
    expect(await a.reminders.tick()).toMatchObject({ sent: 0 });
    expect(await threadOf(id(1))).toHaveLength(1);
    expect(await world.store.getReminderCard(id(1))).toMatchObject({ remindersSent: 1 });
    expect((await world.store.getReminderCard(id(1)))?.pendingReminder).toBeUndefined();
  });

  it('without ONCALL_USERGROUP_ID the reminder is still posted, mentioning nobody', async () => {
    world.gd.put(variant('unauthorizedaccess-ec2-sshbruteforce', { id: id(1), severity: 8, updatedAt: isoMinutesAgo(5) }));
    const a = replica(world.store, world.slack, clock, 'replica-a', { ONCALL_USERGROUP_ID: '' });
    await a.poll();
    clock.at(31 * MIN);
    await a.reminders.tick();
    const replies = await threadOf(id(1));
    expect(replies).toHaveLength(1);
    expect(replies[0]).not.toContain('subteam');
    expect(replies[0]).toContain('no owner for 30 min');
  });

  it('escalates every ESCALATION_MINUTES, at most ESCALATION_MAX times', async () => {
    const a = await postFindings({ n: 1, severity: 8 });
    const sentAt: number[] = [];
    for (let minute = 0; minute <= 8 * 60; minute += 10) {
      clock.at(minute * MIN + 5000);
      const stats = await a.reminders.tick();
      if (stats && stats.sent > 0) sentAt.push(minute);
    }
    expect(sentAt).toEqual([30, 90, 150, 210]);
    const replies = await threadOf(id(1));
    expect(replies).toHaveLength(4);
    expect(replies.slice(1).map((r) => /Escalation (\d) of 3/.exec(r)?.[1])).toEqual(['1', '2', '3']);
    expect(replies.every((r) => r.startsWith(`<!subteam^${ONCALL}>`))).toBe(true);
    expect(await world.store.getReminderCard(id(1))).toMatchObject({ remindersSent: 4 });
  });

  it('ESCALATION_MAX and ESCALATION_MINUTES change the count and the interval', async () => {
    world.gd.put(variant('unauthorizedaccess-ec2-sshbruteforce', { id: id(1), severity: 8, updatedAt: isoMinutesAgo(5) }));
    const a = replica(world.store, world.slack, clock, 'replica-a', {
      ESCALATION_MAX: '1',
      ESCALATION_MINUTES: '15',
      REMINDER_MINUTES: '10',
    });
    await a.poll();
    for (let minute = 0; minute <= 120; minute += 5) {
      clock.at(minute * MIN + 5000);
      await a.reminders.tick();
    }
    const replies = await threadOf(id(1));
    expect(replies).toHaveLength(2);
    expect(replies[0]).toContain('no owner for 10 min');
    expect(replies[1]).toContain('Escalation 1 of 1: this high finding still has no owner after 25 min');
  });

  it('two replicas sweeping at once send each reminder once', async () => {
    const ids = [1, 2, 3, 4, 5, 6];
    const a = await postFindings(...ids.map((n) => ({ n, severity: 8 })));
    const b = replica(world.store, world.slack, clock, 'replica-b');
    const total = (stats: (SweepStats | undefined)[]) => stats.reduce((sum, s) => sum + (s?.sent ?? 0), 0);

    clock.at(30 * MIN + 5000);
    const first = await Promise.all([a.reminders.tick(), b.reminders.tick()]);
    // One replica holds the `reminders` lease: the other did not sweep.
    expect(first.filter((s) => s === undefined)).toHaveLength(1);
    expect(total(first)).toBe(6);

    // Without the lease (as when it is taken over mid-sweep), the conditional write alone keeps each reminder once.
    clock.at(90 * MIN + 5000);
    const second = await Promise.all([a.reminders.sweep(), b.reminders.sweep(), a.reminders.sweep(), b.reminders.sweep()]);
    expect(total(second)).toBe(6);
    clock.at(95 * MIN);
    expect(total(await Promise.all([a.reminders.sweep(), b.reminders.sweep()]))).toBe(0);

    for (const n of ids) {
      const replies = await threadOf(id(n));
      expect(replies).toHaveLength(2);
      expect(replies[1]).toContain('Escalation 1 of 3');
    }
  });

  it('a crash between the reminder write and its post: the reminder is posted once after the restart', async () => {
    const a = await postFindings({ n: 1, severity: 8 });
    let failures = 0;
    world.slack.handlers.set('chat.postMessage', (body) => {
      if (body.thread_ts && failures === 0) {
        failures++;
        return { ok: false, error: 'internal_error' };
      }
      return (world.slack as unknown as { defaultAnswer(m: string, b: Record<string, unknown>): Record<string, unknown> }).defaultAnswer(
        'chat.postMessage',
        body,
      );
    });

    clock.at(30 * MIN + 5000);
    expect(await a.reminders.tick()).toMatchObject({ sent: 0, failed: 1 });
    expect(await threadOf(id(1))).toEqual([]);
    // Recorded before the post: counted, and pending on the card, held by the process that failed.
    const recorded = await world.store.getReminderCard(id(1));
    expect(recorded).toMatchObject({ remindersSent: 1, pendingReminder: { id: 'unowned#1', postingBy: 'replica-a' } });

    // replica-a "crashes" (never stops, keeps its lease); replica-b starts.
    const b = replica(world.store, world.slack, clock, 'replica-b');
    clock.at(31 * MIN);
    expect(await b.reminders.tick()).toBeUndefined(); // replica-a's lease has not run out yet
    clock.at(33 * MIN);
    expect(await b.reminders.tick()).toMatchObject({ sent: 0, retried: 1 });
    const replies = await threadOf(id(1));
    expect(replies).toHaveLength(1);
    expect(replies[0]).toContain(`<!subteam^${ONCALL}>`);
    expect((await world.store.getReminderCard(id(1)))?.pendingReminder).toBeUndefined();

    // Nothing sent twice afterwards, and the escalation comes on time.
    clock.at(34 * MIN);
    await b.reminders.tick();
    clock.at(90 * MIN + 5000);
    expect(await b.reminders.tick()).toMatchObject({ sent: 1 });
    expect(await threadOf(id(1))).toHaveLength(2);
    expect(failures).toBe(1);
  });

  it('taking ownership stops the unowned reminders; the owner gets one reminder after a day', async () => {
    const a = await postFindings({ n: 1, severity: 8 });
    clock.at(30 * MIN + 5000);
    await a.reminders.tick();
    expect(await threadOf(id(1))).toHaveLength(1);

    clock.at(40 * MIN);
    const takenAt = clock.nowS();
    expect((await world.store.takeFinding(id(1), 'U0ALICE001', takenAt)).ok).toBe(true);
    for (let minute = 60; minute <= 24 * 60; minute += 30) {
      clock.at(minute * MIN);
      await a.reminders.tick();
    }
    expect(await threadOf(id(1))).toHaveLength(1);

    clock.at(40 * MIN + 24 * HOUR + 5000);
    expect(await a.reminders.tick()).toMatchObject({ sent: 1 });
    for (let hour = 25; hour <= 72; hour += 6) {
      clock.at(hour * HOUR);
      await a.reminders.tick();
    }
    const replies = await threadOf(id(1));
    expect(replies).toHaveLength(2);
    expect(replies[1]).toMatch(/^<@U0ALICE001> .*owned this high finding for 24 h and it is not resolved/);
    expect(replies[1]).not.toContain('subteam');
    expect(await world.store.getReminderCard(id(1))).toMatchObject({ ownedReminderFor: takenAt, remindersSent: 1 });
  });

  it('a finding taken before the first reminder gets none until the owner reminder; a resolved one none at all', async () => {
    const a = await postFindings({ n: 1, severity: 8 }, { n: 2, severity: 9 });
    clock.at(10 * MIN);
    expect((await world.store.takeFinding(id(1), 'U0BOB00001', clock.nowS())).ok).toBe(true);
    const resolved = await world.store.resolveFinding(id(2), 'U0BOB00001', 'false_positive', undefined, 0, true, clock.nowS());
    expect(resolved.ok).toBe(true);

    for (let hour = 0; hour <= 30; hour += 1) {
      clock.at(hour * HOUR + 5000);
      await a.reminders.tick();
    }
    expect(await threadOf(id(1))).toEqual([expect.stringMatching(/^<@U0BOB00001> /)]);
    expect(await threadOf(id(2))).toEqual([]);
    // The resolved finding left the index; the owned one is only watched.
    const index = await world.store.dueReminders(clock.nowS() + 100 * 3600, 10);
    expect(index.map((e) => e.findingId)).toEqual([id(1)]);
  });

  it('a reopened finding is reminded again: its owner a day after the reopening, once', async () => {
    const a = await postFindings({ n: 1, severity: 8 });
    clock.at(10 * MIN);
    expect((await world.store.takeFinding(id(1), 'U0BOB00001', clock.nowS())).ok).toBe(true);
    for (let hour = 0; hour <= 26; hour += 1) {
      clock.at(hour * HOUR + 5000);
      await a.reminders.tick();
    }
    expect(await threadOf(id(1))).toHaveLength(1);
    const before = await world.store.getCard(id(1));
    expect(
      (await world.store.resolveFinding(id(1), 'U0BOB00001', 'fixed', undefined, before?.triageVersion ?? 0, false, clock.nowS())).ok,
    ).toBe(true);
    clock.at(30 * HOUR);
    const resolved = await world.store.getCard(id(1));
    expect((await world.store.reopenFinding(id(1), 'U0CAROL001', resolved?.triageVersion ?? 0, clock.nowS())).ok).toBe(true);
    const sentAt: number[] = [];
    for (let hour = 30; hour <= 60; hour += 1) {
      clock.at(hour * HOUR + 5000);
      const stats = await a.reminders.tick();
      if (stats && stats.sent > 0) sentAt.push(hour);
    }
    // The owner's reminder a day after the reopening (30 h), once.
    expect(sentAt).toEqual([54]);
    const replies = await threadOf(id(1));
    expect(replies).toHaveLength(2);
    expect(replies[1]).toMatch(/^<@U0BOB00001> /);
  });

  it('a medium card that becomes high gets reminders counted from then', async () => {
    const a = await postFindings({ n: 1, severity: 5 });
    clock.at(60 * MIN);
    await a.reminders.tick();
    expect(await world.store.dueReminders(clock.nowS() + 100 * 3600, 10)).toEqual([]);

    world.gd.put(variant('unauthorizedaccess-ec2-sshbruteforce', { id: id(1), severity: 8, count: 5, updatedAt: isoMinutesAgo(1) }));
    await a.poll();
    expect(await world.store.getCard(id(1))).toMatchObject({ severity: 8 });
    clock.at(29 * MIN);
    expect(await a.reminders.tick()).toMatchObject({ sent: 0 });
    clock.at(30 * MIN + 5000);
    expect(await a.reminders.tick()).toMatchObject({ sent: 1 });
    expect(await threadOf(id(1))).toEqual(
      expect.arrayContaining([expect.stringContaining('This high finding has had no owner for 30 min')]),
    );
  });

  it('a recorded reminder whose card was taken before it could be posted is cleared, not posted', async () => {
    const a = await postFindings({ n: 1, severity: 8 });
    world.slack.handlers.set('chat.postMessage', (body) =>
      body.thread_ts
        ? { ok: false, error: 'internal_error' }
        : (world.slack as unknown as { defaultAnswer(m: string, b: Record<string, unknown>): Record<string, unknown> }).defaultAnswer(
            'chat.postMessage',
            body,
          ),
    );
    clock.at(30 * MIN + 5000);
    expect(await a.reminders.tick()).toMatchObject({ failed: 1 });
    world.slack.handlers.delete('chat.postMessage');
    expect((await world.store.takeFinding(id(1), 'U0ALICE001', clock.nowS())).ok).toBe(true);

    clock.at(40 * MIN);
    expect(await a.reminders.tick()).toMatchObject({ dropped: 1, sent: 0, retried: 0 });
    expect(await threadOf(id(1))).toEqual([]);
    const card = await world.store.getReminderCard(id(1));
    expect(card?.pendingReminder).toBeUndefined();
    expect(card?.remindersSent).toBe(1);
  });

  it('an index item that is not well-formed is removed and does not stop the others', async () => {
    const a = await postFindings({ n: 1, severity: 8 });
    await world.db.doc.send(new PutCommand({ TableName: world.db.tableName, Item: { pk: 'reminders#due', sk: '000000000001#junk' } }));
    clock.at(31 * MIN);
    expect(await a.reminders.tick()).toMatchObject({ sent: 1 });
    expect(await threadOf(id(1))).toHaveLength(1);
    const left = await world.db.doc.send(
      new GetCommand({ TableName: world.db.tableName, Key: { pk: 'reminders#due', sk: '000000000001#junk' } }),
    );
    expect(left.Item).toBeUndefined();
  });

  it('the sweeper runs on its own once started and stops with the bot', async () => {
    const a = await postFindings({ n: 1, severity: 8 });
    clock.at(31 * MIN);
    a.reminders.start();
    await world.slack.waitFor(() => world.slack.callsTo('chat.postMessage').some((c) => c.body.thread_ts), 5000, 'the reminder');
    await a.bot.stop();
    expect(await threadOf(id(1))).toHaveLength(1);
    // The lease was given up: another replica sweeps at once.
    const b = replica(world.store, world.slack, clock, 'replica-b');
    expect(await b.reminders.tick()).toBeDefined();
  });
});
