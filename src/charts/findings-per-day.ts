import { dayTotal, totalsByBand, type DayBandCounts } from '../domain/daily-counts';
import type { SeverityBand } from '../domain/severity';

/** The chart's size in SVG units (the PNG is rendered at a multiple of it). */
export const CHART_WIDTH = 800;
export const CHART_HEIGHT = 400;
export const CHART_FONT_FAMILY = 'DejaVu Sans';

/** The colours of the cards' band emoji (:red_circle:, :large_orange_circle:, :large_yellow_circle:, :large_blue_circle:). */
export const BAND_COLOUR: Record<SeverityBand, string> = {
  critical: '#DD2E44',
  high: '#F4900C',
  medium: '#FDCB58',
  low: '#55ACEE',
};

const BAND_LABEL: Record<SeverityBand, string> = { critical: 'Critical', high: 'High', medium: 'Medium', low: 'Low' };
/** Bottom to top: the most severe findings sit on the axis, where they are easiest to compare. */
export const STACK_ORDER: readonly SeverityBand[] = ['critical', 'high', 'medium', 'low'];

const PLOT = { left: 72, right: CHART_WIDTH - 20, top: 84, bottom: CHART_HEIGHT - 56 };
const MAX_INTERVALS = 5;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

export interface ChartBar {
  date: string;
  band: SeverityBand;
  count: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ChartDay {
  date: string;
  /** Centre of the day's slot. */
  x: number;
  /** "Nov 17" */
  label: string;
  /** "Mon" */
  weekday: string;
  total: number;
}

export interface ChartTick {
  value: number;
  y: number;
  label: string;
}

export interface ChartGeometry {
  width: number;
  height: number;
  plot: { left: number; right: number; top: number; bottom: number };
  /** The top of the y scale: a multiple of the tick step, at least the largest day's total. */
  yMax: number;
  ticks: ChartTick[];
  days: ChartDay[];
  /** One rectangle per day and band with findings, stacked in STACK_ORDER. */
  bars: ChartBar[];
}

/** A short count: 9,999 · 10k · 12.5k · 1.2M. */
export function shortCount(n: number): string {
  if (n >= 1_000_000) return `${trim(n / 1_000_000)}M`;
  if (n >= 10_000) return `${trim(n / 1000)}k`;
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function trim(n: number): string {
  return String(Math.round(n * 10) / 10);
}

/** Every tick in the same unit: 0, 2k, 4k … 10k rather than 8,000 beside 10k. */
function tickLabel(v: number, yMax: number): string {
  if (v === 0) return '0';
  if (yMax >= 1_000_000) return `${trim(v / 1_000_000)}M`;
  if (yMax >= 10_000) return `${trim(v / 1000)}k`;
  return shortCount(v);
}

/** A round step (1, 2 or 5 times a power of ten, at least 1) giving at most MAX_INTERVALS intervals up to `max`. */
export function tickStep(max: number): number {
  if (max <= MAX_INTERVALS) return 1;
  const raw = max / MAX_INTERVALS;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * magnitude >= raw) return m * magnitude;
  return 10 * magnitude;
}

function dayLabels(date: string): { label: string; weekday: string } {
  const d = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return { label: date, weekday: '' };
  return { label: `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`, weekday: WEEKDAYS[d.getUTCDay()] ?? '' };
}

/** Where everything goes: pure, so the bars can be checked against the data without reading pixels. */
export function findingsPerDayGeometry(days: readonly DayBandCounts[]): ChartGeometry {
  const totals = days.map(dayTotal);
  const max = Math.max(0, ...totals);
  const step = tickStep(max);
  // At least five steps of one, so that a quiet fortnight does not draw one finding as a full-height bar.
  const yMax = step === 1 ? Math.max(MAX_INTERVALS, max) : Math.ceil(max / step) * step;
  const plotHeight = PLOT.bottom - PLOT.top;
  const scale = (n: number) => (n / yMax) * plotHeight;
  const ticks: ChartTick[] = [];
  for (let v = 0; v <= yMax; v += step) ticks.push({ value: v, y: PLOT.bottom - scale(v), label: tickLabel(v, yMax) });
  const slot = (PLOT.right - PLOT.left) / Math.max(1, days.length);
  const barWidth = Math.min(48, slot * 0.64);
  const bars: ChartBar[] = [];
  const chartDays: ChartDay[] = days.map((day, i) => {
    const x = PLOT.left + slot * i + slot / 2;
    let below = 0;
    for (const band of STACK_ORDER) {
      const count = day.counts[band];
      if (count <= 0) continue;
      const height = scale(count);
      bars.push({ date: day.date, band, count, x: x - barWidth / 2, y: PLOT.bottom - below - height, width: barWidth, height });
      below += height;
    }
    return { date: day.date, x, ...dayLabels(day.date), total: totals[i] ?? 0 };
  });
  return { width: CHART_WIDTH, height: CHART_HEIGHT, plot: { ...PLOT }, yMax, ticks, days: chartDays, bars };
}

/** Text for XML content and attribute values. */
export function xml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}

const n2 = (n: number) => String(Math.round(n * 100) / 100);

export function defaultChartTitle(days: readonly DayBandCounts[]): string {
  return `GuardDuty findings per day by severity, last ${days.length} days (UTC)`;
}

/** Stacked bars of findings per UTC day by severity band, with a y scale of round ticks, day labels, a legend and a title. */
export function findingsPerDaySvg(days: DayBandCounts[], title?: string): string {
  const g = findingsPerDayGeometry(days);
  const totals = totalsByBand(days);
  const { left, right, top, bottom } = g.plot;
  const text = (x: number, y: number, s: string, attrs = '') =>
    `<text x="${n2(x)}" y="${n2(y)}"${attrs ? ` ${attrs}` : ''}>${xml(s)}</text>`;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${g.width}" height="${g.height}" viewBox="0 0 ${g.width} ${g.height}" font-family="${CHART_FONT_FAMILY}">`,
    `<rect x="0" y="0" width="${g.width}" height="${g.height}" fill="#FFFFFF"/>`,
    text(20, 32, title ?? defaultChartTitle(days), 'font-size="18" font-weight="bold" fill="#1D1C1D"'),
  ];
  // Legend: one swatch per band with its total over the days shown.
  let lx = 20;
  for (const band of STACK_ORDER) {
    const label = `${BAND_LABEL[band]} ${shortCount(totals[band])}`;
    out.push(`<rect x="${lx}" y="48" width="12" height="12" fill="${BAND_COLOUR[band]}" data-legend="${band}"/>`);
    out.push(text(lx + 18, 59, label, 'font-size="13" fill="#1D1C1D"'));
    lx += 18 + label.length * 8 + 22;
  }
  for (const t of g.ticks) {
    out.push(
      `<line x1="${left}" y1="${n2(t.y)}" x2="${right}" y2="${n2(t.y)}" stroke="${t.value === 0 ? '#616061' : '#E0E0E0'}" stroke-width="1"/>`,
    );
    out.push(text(left - 8, t.y + 4, t.label, 'font-size="12" fill="#616061" text-anchor="end"'));
  }
  for (const b of g.bars) {
    out.push(
      `<rect x="${n2(b.x)}" y="${n2(b.y)}" width="${n2(b.width)}" height="${n2(b.height)}" fill="${BAND_COLOUR[b.band]}" data-date="${xml(b.date)}" data-band="${b.band}" data-count="${b.count}"/>`,
    );
  }
  const barTop = (date: string) => Math.min(bottom, ...g.bars.filter((b) => b.date === date).map((b) => b.y));
  for (const d of g.days) {
    if (d.total > 0) out.push(text(d.x, barTop(d.date) - 4, shortCount(d.total), 'font-size="11" fill="#1D1C1D" text-anchor="middle"'));
    out.push(text(d.x, bottom + 18, d.label, 'font-size="11" fill="#1D1C1D" text-anchor="middle"'));
    out.push(text(d.x, bottom + 33, d.weekday, 'font-size="10" fill="#616061" text-anchor="middle"'));
  }
  if (g.bars.length === 0) {
    out.push(
      text(
        (left + right) / 2,
        (top + bottom) / 2,
        `No findings in these ${days.length} days`,
        'font-size="14" fill="#616061" text-anchor="middle"',
      ),
    );
  }
  out.push('</svg>');
  return out.join('\n');
}

/** What the chart shows, in words, for screen readers (an image block's alt_text). */
export function findingsPerDayAltText(days: readonly DayBandCounts[]): string {
  const first = days[0]?.date;
  const last = days[days.length - 1]?.date;
  const span = first && last ? ` (${first} to ${last}, UTC)` : '';
  const head = `Findings per day, last ${days.length} days${span}`;
  const totals = totalsByBand(days);
  const all = STACK_ORDER.reduce((n, b) => n + totals[b], 0);
  if (all === 0) return `${head}: no findings.`;
  let peak = days[0];
  for (const d of days) if (peak && dayTotal(d) > dayTotal(peak)) peak = d;
  const bands = STACK_ORDER.map((b) => `${totals[b]} ${b}`).join(', ');
  return `${head}: ${bands}; ${all} in all, most on ${peak?.date} (${peak ? dayTotal(peak) : 0}).`;
}
