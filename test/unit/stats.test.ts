import fc from 'fast-check';
import { CronSyntaxError, parseCron } from '../../src/domain/cron';
import type { PostedCard } from '../../src/domain/ports';
import { cardNumbers, formatDuration, nearestRank, summarize, topGroups, type StatsReport } from '../../src/domain/stats';
import { statsMessage } from '../../src/slack/blocks/stats';

describe('nearestRank', () => {
  it('is the smallest value with at least p of the values at or below it', () => {
    expect(nearestRank([], 0.5)).toBeUndefined();
    expect(nearestRank([7], 0.9)).toBe(7);
    // 10 values: p90 is the 9th, the median the 5th.
    const ten = [10, 1, 9, 2, 8, 3, 7, 4, 6, 5];
    expect(nearestRank(ten, 0.9)).toBe(9);
    expect(nearestRank(ten, 0.5)).toBe(5);
    // 4 values: the median is the lower middle, p90 the largest.
    expect(nearestRank([40, 10, 30, 20], 0.5)).toBe(20);
    expect(nearestRank([40, 10, 30, 20], 0.9)).toBe(40);
  });

  it('is one of the values, with at least p of them at or below it and fewer than p strictly below', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1e6 }), { minLength: 1, maxLength: 200 }),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        (values, p) => {
          const v = nearestRank(values, p) as number;
          expect(values).toContain(v);
          expect(values.filter((x) => x <= v).length).toBeGreaterThanOrEqual(Math.ceil(p * values.length));
          expect(values.filter((x) => x < v).length).toBeLessThan(Math.ceil(p * values.length));
        },
      ),
    );
  });

  it('summarize gives the count, median and p90', () => {
    expect(summarize([])).toEqual({ count: 0 });
    expect(summarize([300, 60, 7200])).toEqual({ count: 3, medianS: 300, p90S: 7200 });
  });
});

describe('cardNumbers', () => {
  const card = (over: Partial<PostedCard>): PostedCard => ({
    findingId: 'f',
    channel: 'C0CHAN0001',
    postedS: 1000,
    severity: 8,
    accountId: '111111111111',
    archived: false,
    ...over,
  });

  it('times to own and to resolve from the post, and the open unowned high/critical cards', () => {
    const numbers = cardNumbers([
      card({ owner: 'U0A', firstOwnedS: 1600, resolvedS: 5000 }),
      card({ owner: 'U0A', firstOwnedS: 1060 }),
      card({}),
      card({ severity: 5 }),
      card({ archived: true }),
      card({ owner: 'U0B', firstOwnedS: 900, resolvedS: 950 }),
    ]);
    expect(numbers).toEqual({
      posted: 6,
      owned: 3,
      resolved: 2,
      timeToOwn: { count: 3, medianS: 60, p90S: 600 },
      timeToResolve: { count: 2, medianS: 0, p90S: 4000 },
      openUnownedHigh: 1,
      truncated: false,
    });
  });
});

describe('topGroups', () => {
  it('adds the regions up, largest first, ties by key, the first n', () => {
    expect(
      topGroups(
        [
          { key: 'b', count: 2 },
          { key: 'a', count: 1 },
          { key: 'c', count: 5 },
          { key: 'a', count: 1 },
          { key: 'd', count: 1 },
        ],
        3,
      ),
    ).toEqual([
      { key: 'c', count: 5 },
      { key: 'a', count: 2 },
      { key: 'b', count: 2 },
    ]);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [59, '59s'],
    [60, '1m'],
    [3599, '59m'],
    [3600, '1h 00m'],
    [3 * 3600 + 5 * 60, '3h 05m'],
    [86_400, '1d 0h'],
    [2 * 86_400 + 4 * 3600 + 59, '2d 4h'],
  ])('%p s is %p', (s, want) => {
    expect(formatDuration(s)).toBe(want);
  });
});

describe('parseCron (UTC)', () => {
  const at = (iso: string) => Date.parse(iso);
  const prev = (expr: string, iso: string) => new Date(parseCron(expr).previous(at(iso)) as number).toISOString();

  it('the default, Monday 09:00: the latest one at or before the instant', () => {
    // 2026-11-30 is a Monday.
    expect(prev('0 9 * * 1', '2026-11-30T09:00:00.000Z')).toBe('2026-11-30T09:00:00.000Z');
    expect(prev('0 9 * * 1', '2026-11-30T08:59:59.999Z')).toBe('2026-11-23T09:00:00.000Z');
    expect(prev('0 9 * * 1', '2026-12-03T12:00:00.000Z')).toBe('2026-11-30T09:00:00.000Z');
    expect(prev('0 9 * * mon', '2026-12-03T12:00:00.000Z')).toBe('2026-11-30T09:00:00.000Z');
  });

  it('ranges, lists, steps, names, 7 for Sunday; both day fields restricted means either', () => {
    expect(prev('*/15 * * * *', '2026-11-30T10:44:00.000Z')).toBe('2026-11-30T10:30:00.000Z');
    expect(prev('30 8 * * mon-fri', '2026-11-29T12:00:00.000Z')).toBe('2026-11-27T08:30:00.000Z');
    expect(prev('0 0 * * 7', '2026-12-01T00:00:00.000Z')).toBe('2026-11-29T00:00:00.000Z');
    expect(prev('0 12 1,15 * *', '2026-11-30T00:00:00.000Z')).toBe('2026-11-15T12:00:00.000Z');
    expect(prev('0 0 1 jan *', '2026-11-30T00:00:00.000Z')).toBe('2026-01-01T00:00:00.000Z');
    // The 13th or any Friday: Friday 2026-11-27 comes before the 13th going back.
    expect(prev('0 0 13 * 5', '2026-11-30T00:00:00.000Z')).toBe('2026-11-27T00:00:00.000Z');
  });

  it('never later than the instant, and on the minute, for any instant', () => {
    const schedule = parseCron('17 3,15 * * 2');
    fc.assert(
      fc.property(fc.integer({ min: 1.6e12, max: 2.0e12 }), (ms) => {
        const t = schedule.previous(ms) as number;
        expect(t).toBeLessThanOrEqual(ms);
        expect(t % 60_000).toBe(0);
        const d = new Date(t);
        expect([d.getUTCMinutes(), [3, 15].includes(d.getUTCHours()), d.getUTCDay()]).toEqual([17, true, 2]);
        expect(ms - t).toBeLessThan(7 * 86_400_000);
      }),
    );
  });

  it.each([
    '',
    '* * * *',
    '* * * * * *',
    '60 * * * *',
    '* 24 * * *',
    '* * 0 * *',
    '* * * 13 *',
    '* * * * 8',
    '*/0 * * * *',
    'a b c d e',
    '5-1 * * * *',
    '1-2-3 * * * *',
  ])('%p is refused', (expr) => {
    expect(() => parseCron(expr)).toThrow(CronSyntaxError);
  });
});

describe('statsMessage', () => {
  const report = (over: Partial<StatsReport> = {}): StatsReport => ({
    fromMs: Date.parse('2026-11-23T09:00:00Z'),
    toMs: Date.parse('2026-11-30T09:00:00Z'),
    bands: { low: 1, medium: 2, high: 3, critical: 4 },
    total: 10,
    days: [],
    accounts: [{ key: '111111111111', count: 10 }],
    types: [{ key: 'Recon:EC2/`<!channel>`', count: 10 }],
    groupsTruncated: false,
    failures: [],
    noStatistics: false,
    ...over,
  });

  it('escapes every finding-derived string, and stays within Block Kit limits', () => {
    const many = Array.from({ length: 5 }, (_, i) => ({ key: `${'<@U0EVIL001>'.repeat(40)}${i}`, count: i }));
    const msg = statsMessage(report({ types: many, accounts: many, failures: [{ region: 'us-east-1', message: '<!everyone> denied' }] }), {
      title: 'T'.repeat(500),
    });
    const json = JSON.stringify(msg.blocks);
    expect(json).not.toMatch(/<[@!]/);
    expect(msg.blocks.length).toBeLessThanOrEqual(50);
    for (const b of msg.blocks as { type: string; text?: { text: string } }[]) {
      if (b.type === 'header') expect(b.text?.text.length).toBeLessThanOrEqual(150);
      if (b.type === 'section') expect(b.text?.text.length).toBeLessThanOrEqual(3000);
    }
    expect(msg.text.length).toBeLessThanOrEqual(3000);
  });

  it('says when GuardDuty cannot count, and names the channel whose cards a summary covers', () => {
    expect(JSON.stringify(statsMessage(report({ noStatistics: true }), { title: 'x' }).blocks)).toContain('not available');
    const cards = {
      posted: 2,
      owned: 1,
      resolved: 0,
      timeToOwn: { count: 1, medianS: 60, p90S: 60 },
      timeToResolve: { count: 0 },
      openUnownedHigh: 1,
      truncated: false,
    };
    const json = JSON.stringify(statsMessage(report({ cards }), { title: 'x', channelId: 'C0CHAN0001' }).blocks);
    expect(json).toContain('*Cards posted in <#C0CHAN0001>*: *2*');
    expect(json).toContain('Open high/critical cards nobody owns: *1*');
    expect(json).toContain('Time to resolve (card → Resolve): —');
  });
});
