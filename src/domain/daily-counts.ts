import { SEVERITY_BANDS, type SeverityBand } from './severity';

/** Findings of one band on one UTC day, as GuardDuty counts them (one region). */
export interface DayBandCount {
  /** YYYY-MM-DD, UTC. */
  date: string;
  band: SeverityBand;
  count: number;
}

export interface DayBandCounts {
  /** YYYY-MM-DD, UTC. */
  date: string;
  counts: Record<SeverityBand, number>;
}

const DAY_MS = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function zeroCounts(): Record<SeverityBand, number> {
  return { low: 0, medium: 0, high: 0, critical: 0 };
}

/** The UTC date (YYYY-MM-DD) of an instant. */
export function utcDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * The last `days` UTC dates ending today, oldest first, with zero counts filled in for days GuardDuty had none.
 * Counts of the same date and band (from several regions) are added up; dates outside the window and counts that
 * are not whole non-negative numbers are left out.
 */
export function lastDays(nowMs: number, days: number, found: DayBandCount[]): DayBandCounts[] {
  const today = Math.floor(nowMs / DAY_MS) * DAY_MS;
  const out: DayBandCounts[] = [];
  const byDate = new Map<string, DayBandCounts>();
  for (let i = Math.max(0, Math.floor(days)) - 1; i >= 0; i--) {
    const day: DayBandCounts = { date: utcDate(today - i * DAY_MS), counts: zeroCounts() };
    out.push(day);
    byDate.set(day.date, day);
  }
  for (const f of found) {
    if (!DATE.test(f.date) || !(SEVERITY_BANDS as readonly string[]).includes(f.band)) continue;
    if (!Number.isSafeInteger(f.count) || f.count < 0) continue;
    const day = byDate.get(f.date);
    if (day) day.counts[f.band] += f.count;
  }
  return out;
}

/** Findings per band over all the days. */
export function totalsByBand(days: readonly DayBandCounts[]): Record<SeverityBand, number> {
  const totals = zeroCounts();
  for (const d of days) for (const band of SEVERITY_BANDS) totals[band] += d.counts[band];
  return totals;
}

export function dayTotal(day: DayBandCounts): number {
  return SEVERITY_BANDS.reduce((n, band) => n + day.counts[band], 0);
}
