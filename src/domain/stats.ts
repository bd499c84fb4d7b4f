import type { CardStatsStore, DayBandCount, FindingsSource, PostedCard } from './ports';
import { describeError } from './errors';
import { listUnowned } from './list-unowned';
import { BAND_FLOOR, SEVERITY_BANDS, type SeverityBand } from './severity';

/** Accounts and finding types shown, largest first. */
export const STATS_TOP = 5;

/**
 * The value at nearest rank `p` (0 < p <= 1) of the values: the smallest one with at least p of all the values at
 * or below it (`sorted[ceil(p·n) − 1]`); undefined for none. The median is rank 0.5 (the lower middle of an even count).
 */
export function nearestRank(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)));
  return sorted[rank - 1];
}

export interface DurationSummary {
  /** How many durations there were. */
  count: number;
  medianS?: number;
  p90S?: number;
}

export function summarize(durationsS: readonly number[]): DurationSummary {
  if (durationsS.length === 0) return { count: 0 };
  return { count: durationsS.length, medianS: nearestRank(durationsS, 0.5), p90S: nearestRank(durationsS, 0.9) };
}

/** What the bot's own records say about the cards posted in a period. */
export interface CardNumbers {
  posted: number;
  /** Posted cards someone has taken (time to own counts to the first Take). */
  owned: number;
  resolved: number;
  timeToOwn: DurationSummary;
  timeToResolve: DurationSummary;
  /** Posted cards of high or critical severity that nobody owns, not resolved, not archived. */
  openUnownedHigh: number;
  /** More cards were posted than were read: the numbers cover the earliest ones. */
  truncated: boolean;
}

/** Card posted → first Take, and card posted → resolved, over the cards given (negative spans, from clock skew, count as 0). */
export function cardNumbers(cards: readonly PostedCard[], truncated = false): CardNumbers {
  const toOwn: number[] = [];
  const toResolve: number[] = [];
  let openUnownedHigh = 0;
  for (const card of cards) {
    if (card.firstOwnedS !== undefined) toOwn.push(Math.max(0, card.firstOwnedS - card.postedS));
    if (card.resolvedS !== undefined) toResolve.push(Math.max(0, card.resolvedS - card.postedS));
    if (!card.owner && card.resolvedS === undefined && !card.archived && card.severity >= BAND_FLOOR.high) openUnownedHigh++;
  }
  return {
    posted: cards.length,
    owned: toOwn.length,
    resolved: toResolve.length,
    timeToOwn: summarize(toOwn),
    timeToResolve: summarize(toResolve),
    openUnownedHigh,
    truncated,
  };
}

export interface Ranked {
  key: string;
  count: number;
}

/** Counts of the same key (from several regions) added up, largest first, then by key; the first `top`. */
export function topGroups(groups: readonly Ranked[], top: number): Ranked[] {
  const sums = new Map<string, number>();
  for (const g of groups) sums.set(g.key, (sums.get(g.key) ?? 0) + g.count);
  return [...sums]
    .map(([key, count]) => ({ key, count }))
    .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key))
    .slice(0, top);
}

export function bandTotals(days: readonly DayBandCount[]): Record<SeverityBand, number> {
  const totals: Record<SeverityBand, number> = { low: 0, medium: 0, high: 0, critical: 0 };
  for (const d of days) if ((SEVERITY_BANDS as readonly string[]).includes(d.band)) totals[d.band] += d.count;
  return totals;
}

export interface StatsReport {
  fromMs: number;
  toMs: number;
  /** GuardDuty's counts of findings updated in the period (archived included), per band, over every region that answered. */
  bands: Record<SeverityBand, number>;
  total: number;
  /** Per UTC day and band, as GuardDuty grouped them (days with none absent). */
  days: DayBandCount[];
  accounts: Ranked[];
  /** Noisiest finding types. */
  types: Ranked[];
  /** Groups beyond those GuardDuty returned may exist (more than 100 accounts or types in a region). */
  groupsTruncated: boolean;
  /** From the bot's records; undefined without a store that keeps them. */
  cards?: CardNumbers;
  /** Open high or critical findings nobody owns, all of GuardDuty (not only this period); `more` past a page. */
  openUnowned?: { count: number; more: boolean };
  /** Regions (or parts) that did not answer: the numbers leave them out. */
  failures: { region: string; message: string }[];
  /** The source cannot count by itself (no GetFindingsStatistics): GuardDuty's numbers are missing. */
  noStatistics: boolean;
}

export interface StatsInputs {
  findings: FindingsSource;
  cards?: CardStatsStore;
  /** Which of these findings have an owner (for the open unowned count); left out, it is not counted. */
  ownedAmong?: (ids: readonly string[]) => Promise<ReadonlySet<string>>;
}

/**
 * The numbers of a period ending `toMs`: GuardDuty counts by day and band, by account and by type (GetFindingsStatistics,
 * never a listing of every finding), the posted cards' times from the bot's records (in `channel` when given), and the
 * open unowned high/critical findings (when `ownedAmong` is given).
 */
export async function collectStats(
  inputs: StatsInputs,
  period: { fromMs: number; toMs: number },
  options: {
    channel?: string;
    top?: number;
    /** The period ends in the past (a summary's slot): GuardDuty's counts stop there too. */ bounded?: boolean;
  } = {},
): Promise<StatsReport> {
  const { findings } = inputs;
  const top = options.top ?? STATS_TOP;
  // Whole minutes: the cache in front of GuardDuty sees the same ask within a minute.
  const sinceMs = Math.floor(period.fromMs / 60_000) * 60_000;
  const untilMs = options.bounded ? period.toMs : undefined;
  const failures: StatsReport['failures'] = [];
  const days: DayBandCount[] = [];
  const accounts: Ranked[] = [];
  const types: Ranked[] = [];
  let groupsTruncated = false;
  const countsByDay = findings.countsByDay?.bind(findings);
  const statistics = findings.statistics?.bind(findings);
  const noStatistics = !countsByDay || !statistics;
  const attempt = async (region: string, work: () => Promise<void>) => {
    try {
      await work();
    } catch (err) {
      failures.push({ region, message: describeError(err) });
    }
  };
  const guardDuty = noStatistics
    ? Promise.resolve()
    : Promise.all(
        findings.regions.map((region) =>
          attempt(region, async () => {
            const [byDay, byAccount, byType] = await Promise.all([
              countsByDay(region, sinceMs, untilMs),
              statistics(region, { sinceMs, untilMs, groupBy: 'ACCOUNT', max: 100 }),
              statistics(region, { sinceMs, untilMs, groupBy: 'FINDING_TYPE', max: 100 }),
            ]);
            days.push(...byDay);
            accounts.push(...byAccount.groups);
            types.push(...byType.groups);
            groupsTruncated ||= byAccount.truncated || byType.truncated;
          }),
        ),
      );
  const records = inputs.cards
    ? inputs.cards.postedCards(Math.floor(period.fromMs / 1000), Math.floor(period.toMs / 1000), {
        ...(options.channel ? { channel: options.channel } : {}),
      })
    : Promise.resolve(undefined);
  const ownedAmong = inputs.ownedAmong;
  const unowned = ownedAmong
    ? listUnowned(findings, { band: 'high', archived: false, unowned: true }, ownedAmong).then(
        (l) => {
          for (const f of l.failures) failures.push({ region: f.region, message: f.message });
          return { count: l.findings.length, more: l.more };
        },
        (err: unknown) => {
          failures.push({ region: 'all', message: describeError(err) });
          return undefined;
        },
      )
    : Promise.resolve(undefined);
  const [, posted, open] = await Promise.all([guardDuty, records, unowned]);
  const bands = bandTotals(days);
  const merged = new Map<string, DayBandCount>();
  for (const d of days) {
    const key = `${d.date}#${d.band}`;
    const seen = merged.get(key);
    merged.set(key, seen ? { ...seen, count: seen.count + d.count } : { ...d });
  }
  return {
    fromMs: period.fromMs,
    toMs: period.toMs,
    bands,
    total: SEVERITY_BANDS.reduce((n, b) => n + bands[b], 0),
    days: [...merged.values()].sort(
      (a, b) => a.date.localeCompare(b.date) || SEVERITY_BANDS.indexOf(a.band) - SEVERITY_BANDS.indexOf(b.band),
    ),
    accounts: topGroups(accounts, top),
    types: topGroups(types, top),
    groupsTruncated,
    ...(posted ? { cards: cardNumbers(posted.cards, posted.truncated) } : {}),
    ...(open ? { openUnowned: open } : {}),
    failures,
    noStatistics,
  };
}

/** "45s", "12m", "3h 05m", "2d 4h". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}
