import type { Finding as SdkFinding } from '@aws-sdk/client-guardduty';
import { findingAttribute, matchesCondition, sortRows, type WireCondition } from './criteria';
import { GuardDutyError, badRequest } from './errors';

export const GUARDDUTY_OPERATIONS = [
  'ListDetectors',
  'ListFindings',
  'GetFindings',
  'ArchiveFindings',
  'UpdateFindingsFeedback',
  'GetFindingsStatistics',
] as const;
export type GuardDutyOp = (typeof GUARDDUTY_OPERATIONS)[number];

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
}

function idList(ids: unknown, max: number): string[] {
  if (!Array.isArray(ids) || ids.some((x) => typeof x !== 'string')) throw badRequest('findingIds is required: a list of finding IDs');
  if (ids.length > max) throw badRequest(`1 validation error detected: findingIds must have at most ${max} items`);
  return ids as string[];
}

/**
 * GuardDuty's findings in memory, per region, in SDK shape (PascalCase), with one detector per region. Filters,
 * sorts and pages ListFindings; archives and records feedback; counts calls and answers queued faults.
 * Findings can be added or changed at any time while a client polls. Transports (aws-sdk-client-mock, HTTP)
 * call {@link call} with an operation's answer and turn a GuardDutyError into their own errors.
 */
export class GuardDutyModel {
  /** Calls answered (successfully or with an error), per operation. */
  readonly calls: Record<GuardDutyOp, number> = {
    ListDetectors: 0,
    ListFindings: 0,
    GetFindings: 0,
    ArchiveFindings: 0,
    UpdateFindingsFeedback: 0,
    GetFindingsStatistics: 0,
  };
  /** Findings per region, by ID. */
  readonly regions = new Map<string, Map<string, SdkFinding>>();
  readonly archived: { region: string; ids: string[] }[] = [];
  readonly feedback: { region: string; ids: string[]; feedback: string; comments?: string }[] = [];
  /** The detector every region answers with (unless listed in `regionsWithoutDetector`). */
  detectorId = '12abc34d567e8fa901bc2d34eexample';
  readonly regionsWithoutDetector = new Set<string>();
  readonly faults: Partial<Record<GuardDutyOp, GuardDutyFault>> = {};
  /** Milliseconds each call waits before answering. */
  latencyMs = 0;

  /** Adds findings or replaces them (by region and ID). Stored as copies. */
  put(...findings: SdkFinding[]): this {
    for (const f of findings) {
      const region = f.Region ?? 'us-east-1';
      let map = this.regions.get(region);
      if (!map) this.regions.set(region, (map = new Map()));
      map.set(f.Id ?? '', structuredClone(f));
    }
    return this;
  }

  /** The stored finding (a live reference: changes are seen by the next call). */
  get(region: string, id: string): SdkFinding | undefined {
    return this.regions.get(region)?.get(id);
  }

  /** Changes a stored finding in place, e.g. a recurrence: `f.Service.Count++`, a newer `UpdatedAt`. */
  update(region: string, id: string, change: (f: SdkFinding) => void): SdkFinding {
    const f = this.get(region, id);
    if (!f) throw new Error(`no finding ${id} in ${region}`);
    change(f);
    return f;
  }

  remove(region: string, id: string): boolean {
    return this.regions.get(region)?.delete(id) ?? false;
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
    const criterion = query.criterion ?? {};
    let rows = [...this.findingsOf(region, detectorId).values()].filter((f) =>
      Object.entries(criterion).every(([name, c]) => matchesCondition(findingAttribute(f, name), c)),
    );
    rows = sortRows(rows, query.sortCriteria);
    const max = query.maxResults ?? 50;
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 50) {
      throw badRequest('1 validation error detected: maxResults must be between 1 and 50');
    }
    let start = 0;
    if (query.nextToken !== undefined && query.nextToken !== '') {
      const m = typeof query.nextToken === 'string' ? /^page-(\d+)$/.exec(query.nextToken) : null;
      if (!m) throw badRequest('The request is rejected because the nextToken is invalid.');
      start = Number(m[1]);
    }
    const page = rows.slice(start, start + max);
    return { findingIds: page.map((f) => f.Id ?? ''), ...(start + max < rows.length ? { nextToken: `page-${start + max}` } : {}) };
  }

  /**
   * GetFindingsStatistics over the findings matching the criteria: `groupBy` ACCOUNT or SEVERITY (largest count
   * first with orderBy DESC, at most `maxResults`, 1 to 100), or the legacy COUNT_BY_SEVERITY. Other groupings are
   * refused as not supported by the stand-in.
   */
  findingsStatistics(region: string, detectorId: string | undefined, query: StatisticsQuery): FindingStatisticsAnswer {
    const criterion = query.criterion ?? {};
    const rows = [...this.findingsOf(region, detectorId).values()].filter((f) =>
      Object.entries(criterion).every(([name, c]) => matchesCondition(findingAttribute(f, name), c)),
    );
    const types = query.findingStatisticTypes;
    if (query.groupBy === undefined) {
      if (!Array.isArray(types) || !types.includes('COUNT_BY_SEVERITY'))
        throw badRequest('1 validation error detected: either groupBy or findingStatisticTypes must be given');
      const counts: Record<string, number> = {};
      for (const f of rows) counts[String(f.Severity)] = (counts[String(f.Severity)] ?? 0) + 1;
      return { countBySeverity: counts };
    }
    const max = query.maxResults ?? 25;
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 100)
      throw badRequest('1 validation error detected: maxResults must be between 1 and 100');
    if (query.orderBy !== undefined && query.orderBy !== 'ASC' && query.orderBy !== 'DESC')
      throw badRequest('1 validation error detected: orderBy must be ASC or DESC');
    const groups = new Map<string, { key: string; last: number; total: number }>();
    const keyOf = (f: SdkFinding): string => {
      if (query.groupBy === 'ACCOUNT') return f.AccountId ?? '';
      if (query.groupBy === 'SEVERITY') return String(f.Severity);
      throw badRequest(`groupBy ${String(query.groupBy)} is not supported by the stand-in (ACCOUNT, SEVERITY)`);
    };
    for (const f of rows) {
      const key = keyOf(f);
      const g = groups.get(key) ?? { key, last: 0, total: 0 };
      g.total++;
      g.last = Math.max(g.last, Date.parse(f.UpdatedAt ?? '') || 0);
      groups.set(key, g);
    }
    const dir = query.orderBy === 'ASC' ? 1 : -1;
    const sorted = [...groups.values()].sort((a, b) => (a.total - b.total) * dir || a.key.localeCompare(b.key)).slice(0, max);
    if (query.groupBy === 'ACCOUNT')
      return { groupedByAccount: sorted.map((g) => ({ accountId: g.key, lastGeneratedAtMs: g.last, totalFindings: g.total })) };
    return {
      groupedBySeverity: sorted.map((g) => ({ severity: Number(g.key), lastGeneratedAtMs: g.last, totalFindings: g.total })),
    };
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

  recordFeedback(region: string, detectorId: string | undefined, ids: unknown, feedback: unknown, comments: unknown): void {
    this.findingsOf(region, detectorId);
    const list = idList(ids, 50);
    if (feedback !== 'USEFUL' && feedback !== 'NOT_USEFUL') throw badRequest('feedback must be USEFUL or NOT_USEFUL');
    this.feedback.push({ region, ids: list, feedback, comments: typeof comments === 'string' ? comments : undefined });
  }

  private findingsOf(region: string, detectorId: string | undefined): Map<string, SdkFinding> {
    if (detectorId !== this.detectorId || this.regionsWithoutDetector.has(region)) {
      throw badRequest('The request is rejected because the input detectorId is not owned by the current account.');
    }
    return this.regions.get(region) ?? new Map<string, SdkFinding>();
  }
}
