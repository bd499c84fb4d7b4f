import { ChatOpsError } from './errors';

/** A 5-field cron expression read in UTC: when a periodic job is due. */
export interface CronSchedule {
  readonly expression: string;
  /** The latest instant (epoch ms, on a whole minute) at or before `atMs` that the expression names; undefined if none within a year. */
  previous(atMs: number): number | undefined;
}

export class CronSyntaxError extends ChatOpsError {
  constructor(message: string) {
    super('CRON_SYNTAX', message);
  }
}

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 7 },
] as const;

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
/** Days looked back for a fire time (a leap day named alone is 4 years apart: such a schedule has no use here). */
const LOOK_BACK_DAYS = 366;

function value(token: string, field: (typeof FIELDS)[number], index: number): number {
  const lower = token.toLowerCase();
  const names = index === 3 ? MONTHS : index === 4 ? DAYS : [];
  const named = names.indexOf(lower);
  if (named >= 0) return index === 3 ? named + 1 : named;
  if (!/^\d{1,2}$/.test(token)) throw new CronSyntaxError(`"${token}" is not a ${field.name} (${field.min}–${field.max})`);
  const n = Number(token);
  if (n < field.min || n > field.max) throw new CronSyntaxError(`${field.name} ${n} is out of range (${field.min}–${field.max})`);
  return n;
}

/** The values one field allows, and whether it was `*` (day-of-month and day-of-week combine differently then). */
function parseField(text: string, index: number): { allowed: Set<number>; star: boolean } {
  const field = FIELDS[index] as (typeof FIELDS)[number];
  const allowed = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^([^/]+)(?:\/(\d{1,2}))?$/.exec(part);
    if (!m) throw new CronSyntaxError(`"${part}" is not a valid ${field.name}`);
    const [, range, stepText] = m as unknown as [string, string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1) throw new CronSyntaxError(`the step in "${part}" must be at least 1`);
    let lo: number;
    let hi: number;
    if (range === '*') {
      lo = field.min;
      hi = index === 4 ? 6 : field.max;
    } else {
      const bounds = range.split('-');
      if (bounds.length > 2) throw new CronSyntaxError(`"${part}" is not a valid ${field.name}`);
      lo = value(bounds[0] as string, field, index);
      hi = bounds.length === 2 ? value(bounds[1] as string, field, index) : stepText === undefined ? lo : index === 4 ? 6 : field.max;
      if (hi < lo) throw new CronSyntaxError(`the range "${range}" runs backwards`);
    }
    for (let v = lo; v <= hi; v += step) allowed.add(index === 4 && v === 7 ? 0 : v);
  }
  return { allowed, star: text === '*' || text.startsWith('*/') };
}

/**
 * Reads `minute hour day-of-month month day-of-week` (numbers, names such as mon or jan, `*`, ranges, lists and
 * steps), every field in UTC. As in cron, when both day fields are restricted a day matching either one is due.
 */
export function parseCron(expression: string): CronSchedule {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5 || fields[0] === '')
    throw new CronSyntaxError(
      `"${expression}" has ${fields[0] === '' ? 0 : fields.length} fields; give 5: minute hour day-of-month month day-of-week`,
    );
  const [minute, hour, dom, month, dow] = fields.map((f, i) => parseField(f, i)) as [
    ReturnType<typeof parseField>,
    ReturnType<typeof parseField>,
    ReturnType<typeof parseField>,
    ReturnType<typeof parseField>,
    ReturnType<typeof parseField>,
  ];
  const minutes = [...minute.allowed].sort((a, b) => b - a);
  const hours = [...hour.allowed].sort((a, b) => b - a);
  const dayMatches = (d: Date): boolean => {
    if (!month.allowed.has(d.getUTCMonth() + 1)) return false;
    const byDom = dom.allowed.has(d.getUTCDate());
    const byDow = dow.allowed.has(d.getUTCDay());
    if (dom.star && dow.star) return true;
    if (dom.star) return byDow;
    if (dow.star) return byDom;
    return byDom || byDow;
  };
  return {
    expression: fields.join(' '),
    previous(atMs: number): number | undefined {
      const at = Math.floor(atMs / MINUTE_MS) * MINUTE_MS;
      const dayStart = Math.floor(at / DAY_MS) * DAY_MS;
      for (let back = 0; back <= LOOK_BACK_DAYS; back++) {
        const day = dayStart - back * DAY_MS;
        if (!dayMatches(new Date(day))) continue;
        for (const h of hours) {
          for (const m of minutes) {
            const t = day + h * 3_600_000 + m * MINUTE_MS;
            if (t <= at) return t;
          }
        }
      }
      return undefined;
    },
  };
}
