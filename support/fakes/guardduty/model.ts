import type { Finding as SdkFinding } from '@aws-sdk/client-guardduty';
import { checkCriterion, matchesCriteria, sortRows, type WireCondition } from './criteria';
import { GuardDutyError, badRequest } from './errors';
import {
  MAX_FILTERS_PER_DETECTOR,
  checkFilterRequest,
  filterNameTaken,
  filterNotFound,
  type FilterRequest,
  type StoredFilter,
} from './filters';

export const GUARDDUTY_OPERATIONS = [
  'ListDetectors',
  'ListFindings',
  'GetFindings',
  'ArchiveFindings',
  'UpdateFindingsFeedback',
  'GetFindingsStatistics',
  'CreateFilter',
  'GetFilter',
  'DeleteFilter',
  'ListFilters',
  'UnarchiveFindings',
] as const;
export type GuardDutyOp = (typeof GUARDDUTY_OPERATIONS)[number];

/** Every operation at 0: what `calls` holds before any call (e.g. `expect(gd.calls).toEqual(noGuardDutyCalls())`). */
export function noGuardDutyCalls(): Record<GuardDutyOp, number> {
  return Object.fromEntries(GUARDDUTY_OPERATIONS.map((op) => [op, 0])) as Record<GuardDutyOp, number>;
}

export interface GuardDutyFault {
  /** The error code, e.g. BadRequestException, InternalServerErrorException, ThrottlingException. */
  name: string;
  message?: string;
  /** Default 400. */
  status?: number;
  /** Answer this many calls with the fault, then behave again; unset: until cleared. */
  times?: number;
}

/** A ListFindings request in GuardDuty's JSON form; values are checked as GuardDuty checks them. */
export interface FindingsQuery {
  criterion?: Record<string, WireCondition>;
  sortCriteria?: unknown;
  maxResults?: unknown;
  nextToken?: unknown;
}

/** A GetFindingsStatistics request in GuardDuty's JSON form. */
export interface StatisticsQuery {
  criterion?: Record<string, WireCondition>;
  findingStatisticTypes?: unknown;
  groupBy?: unknown;
  orderBy?: unknown;
  maxResults?: unknown;
}

/** What GetFindingsStatistics answers, in neutral form (each transport writes it in its own shape). */
export interface FindingStatisticsAnswer {
  countBySeverity?: Record<string, number>;
  groupedByAccount?: { accountId: string; lastGeneratedAtMs: number; totalFindings: number }[];
  groupedBySeverity?: { severity: number; lastGeneratedAtMs: number; totalFindings: number }[];
  /** `dateMs`: midnight UTC of the day; `severity`: the highest severity among that day's findings. */
  groupedByDate?: { dateMs: number; lastGeneratedAtMs: number; severity: number; totalFindings: number }[];
  groupedByFindingType?: { findingType: string; lastGeneratedAtMs: number; totalFindings: number }[];
}

/** A ListFilters request in GuardDuty's JSON form. */
export interface FiltersQuery {
  maxResults?: unknown;
  nextToken?: unknown;
}

const DAY_MS = 86_400_000;

function idList(ids: unknown, max: number): string[] {
  if (!Array.isArray(ids) || ids.some((x) => typeof x !== 'string')) throw badRequest('findingIds is required: a list of finding IDs');
  if (ids.length > max) throw badRequest(`1 validation error detected: findingIds must have at most ${max} items`);
  return ids as string[];
}

/** Where a page starts: our tokens are `page-<offset>`; none or empty is the first page. */
function pageStart(nextToken: unknown): number {
  if (nextToken === undefined || nextToken === null || nextToken === '') return 0;
  const m = typeof nextToken === 'string' ? /^page-(\d+)$/.exec(nextToken) : null;
  if (!m) throw badRequest('The request is rejected because the nextToken is invalid.');
  return Number(m[1]);
}

function pageSize(maxResults: unknown, fallback: number, max: number): number {
  const n = maxResults ?? fallback;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > max)
    throw badRequest(`1 validation error detected: maxResults must be between 1 and ${max}`);
  return n;
}

/**
 * GuardDuty's findings in memory, per region, in SDK shape (PascalCase), with one detector per region. Filters,
 * sorts and pages ListFindings; archives, unarchives and records feedback; keeps filters (suppression rules);
 * counts calls and answers queued faults. Findings can be added or changed at any time while a client polls.
 * Transports (aws-sdk-client-mock, HTTP) call {@link call} with an operation's answer and turn a GuardDutyError
 * into their own errors.
 */
export class GuardDutyModel {
  /** Calls answered (successfully or with an error), per operation. */
  readonly calls = noGuardDutyCalls();
  /** Findings per region, by ID. */
  readonly regions = new Map<string, Map<string, SdkFinding>>();
  readonly archived: { region: string; ids: string[] }[] = [];
  readonly unarchived: { region: string; ids: string[] }[] = [];
  readonly feedback: { region: string; ids: string[]; feedback: string; comments?: string }[] = [];
  /** Findings an ARCHIVE filter archived as they were added or updated, in order. */
  readonly suppressed: { region: string; id: string; filter: string }[] = [];
  /** Filters per region, by name, in creation order. */
  private readonly filterMaps = new Map<string, Map<string, StoredFilter>>();
  /** The detector every region answers with (unless listed in `regionsWithoutDetector`). */
  detectorId = '12abc34d567e8fa901bc2d34eexample';
  readonly regionsWithoutDetector = new Set<string>();
  readonly faults: Partial<Record<GuardDutyOp, GuardDutyFault>> = {};
  /** Milliseconds each call waits before answering. */
  latencyMs = 0;

  /**
   * Adds findings or replaces them (by region and ID). Stored as copies. A finding matching an ARCHIVE filter of
   * its region is stored archived (GuardDuty's suppression rules act on new findings and their updates).
   */
  put(...findings: SdkFinding[]): this {
    for (const f of findings) {
      const region = f.Region ?? 'us-east-1';
      let map = this.regions.get(region);
      if (!map) this.regions.set(region, (map = new Map()));
      const stored = structuredClone(f);
      map.set(f.Id ?? '', stored);
      this.suppress(region, stored);
    }
    return this;
  }

  /** The stored finding (a live reference: changes are seen by the next call, but no filter acts on them). */
  get(region: string, id: string): SdkFinding | undefined {
    return this.regions.get(region)?.get(id);
  }

  /**
   * Changes a stored finding in place, e.g. a recurrence: `f.Service.Count++`, a newer `UpdatedAt`. ARCHIVE filters
   * of the region then act on it as on a new one.
   */
  update(region: string, id: string, change: (f: SdkFinding) => void): SdkFinding {
    const f = this.get(region, id);
    if (!f) throw new Error(`no finding ${id} in ${region}`);
    change(f);
    this.suppress(region, f);
    return f;
  }

  remove(region: string, id: string): boolean {
    return this.regions.get(region)?.delete(id) ?? false;
  }

  /** The region's filters in creation order (copies). */
  filtersIn(region: string): StoredFilter[] {
    return [...(this.filterMaps.get(region)?.values() ?? [])].map((f) => structuredClone(f));
  }

  resetCalls(): void {
    for (const op of GUARDDUTY_OPERATIONS) this.calls[op] = 0;
  }

  /** Counts the call, waits `latencyMs`, answers a queued fault, else runs `answer`. Throws GuardDutyError. */
  async call<T>(op: GuardDutyOp, answer: () => T): Promise<T> {
    this.calls[op]++;
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    const fault = this.faults[op];
    if (fault) {
      if (fault.times !== undefined && --fault.times <= 0) delete this.faults[op];
      throw new GuardDutyError(fault.name, fault.message ?? fault.name, fault.status ?? 400);
    }
    return answer();
  }

  listDetectors(region: string): string[] {
    return this.regionsWithoutDetector.has(region) ? [] : [this.detectorId];
  }

  listFindings(region: string, detectorId: string | undefined, query: FindingsQuery): { findingIds: string[]; nextToken?: string } {
    const known = this.findingsOf(region, detectorId);
    const criterion = checkCriterion(query.criterion);
    const rows = sortRows(
      [...known.values()].filter((f) => matchesCriteria(f, criterion)),
      query.sortCriteria,
    );
    const max = pageSize(query.maxResults, 50, 50);
    const start = pageStart(query.nextToken);
    const page = rows.slice(start, start + max);
    return { findingIds: page.map((f) => f.Id ?? ''), ...(start + max < rows.length ? { nextToken: `page-${start + max}` } : {}) };
  }

  /**
   * GetFindingsStatistics over the findings matching the criteria: `groupBy` ACCOUNT, SEVERITY, DATE or
   * FINDING_TYPE (largest count first with orderBy DESC, the default; at most `maxResults`, 1 to 100), or the
   * legacy COUNT_BY_SEVERITY. RESOURCE is refused as not supported by the stand-in.
   *
   * DATE groups by the UTC day of each finding's `UpdatedAt`: GuardDuty does not document which timestamp it
   * counts a finding on, so that is the stand-in's choice, as is giving each day the highest severity among its
   * findings.
   */
  findingsStatistics(region: string, detectorId: string | undefined, query: StatisticsQuery): FindingStatisticsAnswer {
    const known = this.findingsOf(region, detectorId);
    const criterion = checkCriterion(query.criterion);
    const rows = [...known.values()].filter((f) => matchesCriteria(f, criterion));
    const types = query.findingStatisticTypes;
    if (query.groupBy === undefined) {
      if (!Array.isArray(types) || !types.includes('COUNT_BY_SEVERITY'))
        throw badRequest('1 validation error detected: either groupBy or findingStatisticTypes must be given');
      const counts: Record<string, number> = {};
      for (const f of rows) counts[String(f.Severity)] = (counts[String(f.Severity)] ?? 0) + 1;
      return { countBySeverity: counts };
    }
    const max = pageSize(query.maxResults, 25, 100);
    if (query.orderBy !== undefined && query.orderBy !== 'ASC' && query.orderBy !== 'DESC')
      throw badRequest('1 validation error detected: orderBy must be ASC or DESC');
    const keyOf = (f: SdkFinding): string => {
      switch (query.groupBy) {
        case 'ACCOUNT':
          return f.AccountId ?? '';
        case 'SEVERITY':
          return String(f.Severity);
        case 'FINDING_TYPE':
          return f.Type ?? '';
        case 'DATE':
          return new Date(Math.floor((Date.parse(f.UpdatedAt ?? '') || 0) / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
        default:
          throw badRequest(`groupBy ${String(query.groupBy)} is not supported by the stand-in (ACCOUNT, SEVERITY, DATE, FINDING_TYPE)`);
      }
    };
    const groups = new Map<string, { key: string; last: number; total: number; severity: number }>();
    for (const f of rows) {
      const key = keyOf(f);
      const g = groups.get(key) ?? { key, last: 0, total: 0, severity: 0 };
      g.total++;
      g.last = Math.max(g.last, Date.parse(f.UpdatedAt ?? '') || 0);
      g.severity = Math.max(g.severity, f.Severity ?? 0);
      groups.set(key, g);
    }
    const dir = query.orderBy === 'ASC' ? 1 : -1;
    const sorted = [...groups.values()].sort((a, b) => (a.total - b.total) * dir || a.key.localeCompare(b.key)).slice(0, max);
    switch (query.groupBy) {
      case 'ACCOUNT':
        return { groupedByAccount: sorted.map((g) => ({ accountId: g.key, lastGeneratedAtMs: g.last, totalFindings: g.total })) };
      case 'SEVERITY':
        return {
          groupedBySeverity: sorted.map((g) => ({ severity: Number(g.key), lastGeneratedAtMs: g.last, totalFindings: g.total })),
        };
      case 'FINDING_TYPE':
        return {
          groupedByFindingType: sorted.map((g) => ({ findingType: g.key, lastGeneratedAtMs: g.last, totalFindings: g.total })),
        };
      default:
        return {
          groupedByDate: sorted.map((g) => ({
            dateMs: Date.parse(`${g.key}T00:00:00Z`),
            lastGeneratedAtMs: g.last,
            severity: g.severity,
            totalFindings: g.total,
          })),
        };
    }
  }

  /** The stored findings among `ids` (live references: a transport copies or serializes them). */
  getFindings(region: string, detectorId: string | undefined, ids: unknown, sortCriteria?: unknown): SdkFinding[] {
    const known = this.findingsOf(region, detectorId);
    return sortRows(
      idList(ids, 50).flatMap((id) => (known.has(id) ? [known.get(id) as SdkFinding] : [])),
      sortCriteria,
    );
  }

  archive(region: string, detectorId: string | undefined, ids: unknown): void {
    const known = this.findingsOf(region, detectorId);
    const list = idList(ids, 50);
    for (const id of list) {
      const f = known.get(id);
      if (f) f.Service = { ...f.Service, Archived: true };
    }
    this.archived.push({ region, ids: list });
  }

  /** UnarchiveFindings: the known findings among `ids` are open again (no filter acts on this). */
  unarchive(region: string, detectorId: string | undefined, ids: unknown): void {
    const known = this.findingsOf(region, detectorId);
    const list = idList(ids, 50);
    for (const id of list) {
      const f = known.get(id);
      if (f) f.Service = { ...f.Service, Archived: false };
    }
    this.unarchived.push({ region, ids: list });
  }

  recordFeedback(region: string, detectorId: string | undefined, ids: unknown, feedback: unknown, comments: unknown): void {
    this.findingsOf(region, detectorId);
    const list = idList(ids, 50);
    if (feedback !== 'USEFUL' && feedback !== 'NOT_USEFUL') throw badRequest('feedback must be USEFUL or NOT_USEFUL');
    this.feedback.push({ region, ids: list, feedback, comments: typeof comments === 'string' ? comments : undefined });
  }

  /**
   * CreateFilter, checked as GuardDuty checks it (see filters.ts). A repeat of a creation with the same
   * `clientToken` (an SDK retry) answers the same name instead of refusing the name as taken.
   */
  createFilter(region: string, detectorId: string | undefined, request: FilterRequest): { name: string } {
    const filters = this.filtersOf(region, detectorId);
    const filter = checkFilterRequest(request);
    const existing = filters.get(filter.name);
    if (existing) {
      if (filter.clientToken !== undefined && existing.clientToken === filter.clientToken) return { name: existing.name };
      throw filterNameTaken();
    }
    if (filters.size >= MAX_FILTERS_PER_DETECTOR)
      throw badRequest(
        `The request is rejected because the number of filters for this detector would exceed the limit of ${MAX_FILTERS_PER_DETECTOR}.`,
      );
    filters.set(filter.name, { ...filter, createdAtMs: Date.now() });
    return { name: filter.name };
  }

  /** GetFilter: a copy of the filter. */
  getFilter(region: string, detectorId: string | undefined, name: unknown): StoredFilter {
    const filter = this.filtersOf(region, detectorId).get(typeof name === 'string' ? name : '');
    if (!filter) throw filterNotFound();
    return structuredClone(filter);
  }

  deleteFilter(region: string, detectorId: string | undefined, name: unknown): void {
    if (!this.filtersOf(region, detectorId).delete(typeof name === 'string' ? name : '')) throw filterNotFound();
  }

  /** ListFilters: names in creation order, `maxResults` (1 to 50, default 50) a page. */
  listFilters(region: string, detectorId: string | undefined, query: FiltersQuery): { filterNames: string[]; nextToken?: string } {
    const names = [...this.filtersOf(region, detectorId).keys()];
    const max = pageSize(query.maxResults, 50, 50);
    const start = pageStart(query.nextToken);
    return {
      filterNames: names.slice(start, start + max),
      ...(start + max < names.length ? { nextToken: `page-${start + max}` } : {}),
    };
  }

  /** Archives `f` if an ARCHIVE filter of the region matches it (the first such filter by rank, then age, is recorded). */
  private suppress(region: string, f: SdkFinding): void {
    const archiving = [...(this.filterMaps.get(region)?.values() ?? [])]
      .filter((filter) => filter.action === 'ARCHIVE')
      .sort((a, b) => (a.rank ?? 101) - (b.rank ?? 101));
    const match = archiving.find((filter) => matchesCriteria(f, filter.criterion));
    if (!match) return;
    f.Service = { ...f.Service, Archived: true };
    this.suppressed.push({ region, id: f.Id ?? '', filter: match.name });
  }

  private findingsOf(region: string, detectorId: string | undefined): Map<string, SdkFinding> {
    this.checkDetector(region, detectorId);
    return this.regions.get(region) ?? new Map<string, SdkFinding>();
  }

  private filtersOf(region: string, detectorId: string | undefined): Map<string, StoredFilter> {
    this.checkDetector(region, detectorId);
    let map = this.filterMaps.get(region);
    if (!map) this.filterMaps.set(region, (map = new Map()));
    return map;
  }

  private checkDetector(region: string, detectorId: string | undefined): void {
    if (detectorId !== this.detectorId || this.regionsWithoutDetector.has(region)) {
      throw badRequest('The request is rejected because the input detectorId is not owned by the current account.');
    }
  }
}
