import {
  ArchiveFindingsCommand,
  GetFindingsCommand,
  GetFindingsStatisticsCommand,
  GuardDutyClient,
  ListDetectorsCommand,
  ListFindingsCommand,
  UpdateFindingsFeedbackCommand,
  paginateListFindings,
  type Condition,
  type FindingCriteria,
  type GetFindingsStatisticsCommandOutput,
  type GroupByType,
} from '@aws-sdk/client-guardduty';
import { AwsCallError, NotFoundError } from '../domain/errors';
import type { Finding } from '../domain/finding';
import { MAX_TYPE_VALUES } from '../domain/finding-types';
import type { AccountCounts, DayBandCount, FindingPage, FindingQuery, FindingsSource, GroupCounts, StatisticsQuery } from '../domain/ports';
import { RegionNotConfiguredError, assertConfiguredRegion, isConfiguredRegion } from '../domain/regions';
import { BAND_FLOOR, SEVERITY_BANDS, type SeverityBand } from '../domain/severity';
import { toFinding } from './finding-mapper';
import { callAws } from './aws-errors';

/** GetFindings takes at most 50 IDs. */
const GET_FINDINGS_BATCH = 50;
export const LIST_FINDINGS_MAX = 50;
/** GetFindingsStatistics returns at most 100 groups. */
export const STATISTICS_GROUPS_MAX = 100;

export function findingCriteria(query: FindingQuery): FindingCriteria {
  const criterion: NonNullable<FindingCriteria['Criterion']> = {};
  if (query.minBand) criterion.severity = { GreaterThanOrEqual: BAND_FLOOR[query.minBand] };
  if (query.archived !== undefined) criterion['service.archived'] = { Equals: [String(query.archived)] };
  if (query.accountId) criterion.accountId = { Equals: [query.accountId] };
  if (query.types && query.types.length > 0) criterion.type = { Equals: query.types.slice(0, MAX_TYPE_VALUES) };
  if (query.updatedSinceMs !== undefined) criterion.updatedAt = { GreaterThanOrEqual: query.updatedSinceMs };
  return { Criterion: criterion };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * GuardDuty across the configured regions; one SDK client per region, detector IDs cached. Every call
 * naming a region outside `regions` is refused with a RegionNotConfiguredError before a client or a
 * detector entry exists for it, so both stay bounded by the configuration whatever a request names.
 */
export class GuardDutySource implements FindingsSource {
  private readonly detectors = new Map<string, Promise<string>>();

  constructor(
    private readonly clientFor: (region: string) => GuardDutyClient,
    readonly regions: readonly string[],
  ) {}

  /** The only way to a client: refuses an unconfigured region first. */
  private client(region: string): GuardDutyClient {
    assertConfiguredRegion(this.regions, region);
    return this.clientFor(region);
  }

  detectorId(region: string): Promise<string> {
    if (!isConfiguredRegion(this.regions, region)) return Promise.reject(new RegionNotConfiguredError(region, this.regions));
    let id = this.detectors.get(region);
    if (!id) {
      id = callAws('GuardDuty', region, async () => {
        const out = await this.client(region).send(new ListDetectorsCommand({}));
        const first = out.DetectorIds?.[0];
        if (!first) {
          throw new NotFoundError(
            `GuardDuty is not enabled in ${region} (no detector). Enable it or remove ${region} from GUARDDUTY_REGIONS.`,
          );
        }
        return first;
      });
      this.detectors.set(region, id);
      id.catch(() => this.detectors.delete(region));
    }
    return id;
  }

  async list(region: string, query: FindingQuery, pageSize: number, nextToken?: string): Promise<FindingPage> {
    const detectorId = await this.detectorId(region);
    const out = await callAws('GuardDuty', region, () =>
      this.client(region).send(
        new ListFindingsCommand({
          DetectorId: detectorId,
          FindingCriteria: findingCriteria(query),
          SortCriteria: { AttributeName: query.sortBy, OrderBy: query.order },
          MaxResults: Math.min(Math.max(pageSize, 1), LIST_FINDINGS_MAX),
          NextToken: nextToken,
        }),
      ),
    );
    const findings = await this.get(region, out.FindingIds ?? []);
    return { findings, nextToken: out.NextToken || undefined };
  }

  async listIds(region: string, query: FindingQuery): Promise<string[]> {
    const detectorId = await this.detectorId(region);
    const input = {
      DetectorId: detectorId,
      FindingCriteria: findingCriteria(query),
      SortCriteria: { AttributeName: query.sortBy, OrderBy: query.order },
    };
    return callAws('GuardDuty', region, async () => {
      const ids: string[] = [];
      for await (const page of paginateListFindings({ client: this.client(region), pageSize: LIST_FINDINGS_MAX }, input)) {
        ids.push(...(page.FindingIds ?? []));
      }
      return ids;
    });
  }

  async get(region: string, ids: readonly string[]): Promise<Finding[]> {
    assertConfiguredRegion(this.regions, region);
    if (ids.length === 0) return [];
    const detectorId = await this.detectorId(region);
    const found: Finding[] = [];
    for (const batch of chunks(ids, GET_FINDINGS_BATCH)) {
      const out = await callAws('GuardDuty', region, () =>
        this.client(region).send(new GetFindingsCommand({ DetectorId: detectorId, FindingIds: batch })),
      );
      const byId = new Map((out.Findings ?? []).map((f) => [f.Id, toFinding(f)]));
      for (const id of batch) {
        const f = byId.get(id);
        if (f) found.push(f);
      }
    }
    return found;
  }

  /** A `preferRegion` outside the configured regions is refused (it comes from forgeable values), not skipped. */
  async findById(id: string, preferRegion?: string): Promise<Finding | undefined> {
    if (preferRegion !== undefined) assertConfiguredRegion(this.regions, preferRegion);
    const order = preferRegion ? [preferRegion, ...this.regions.filter((r) => r !== preferRegion)] : [...this.regions];
    const failures: AwsCallError[] = [];
    for (const region of order) {
      try {
        const [finding] = await this.get(region, [id]);
        if (finding) return finding;
      } catch (err) {
        if (!(err instanceof AwsCallError)) throw err;
        // An unknown or malformed ID is a 400 from GuardDuty: it just is not in this region.
        if (err.awsCode !== 'BadRequestException') failures.push(err);
      }
    }
    if (failures.length === order.length && failures[0]) throw failures[0];
    return undefined;
  }

  async archive(region: string, ids: readonly string[]): Promise<void> {
    const detectorId = await this.detectorId(region);
    await callAws('GuardDuty', region, () =>
      this.client(region).send(new ArchiveFindingsCommand({ DetectorId: detectorId, FindingIds: [...ids] })),
    );
  }

  async feedback(region: string, ids: readonly string[], useful: boolean, comment?: string): Promise<void> {
    const detectorId = await this.detectorId(region);
    await callAws('GuardDuty', region, () =>
      this.client(region).send(
        new UpdateFindingsFeedbackCommand({
          DetectorId: detectorId,
          FindingIds: [...ids],
          Feedback: useful ? 'USEFUL' : 'NOT_USEFUL',
          Comments: comment,
        }),
      ),
    );
  }

  /** One GetFindingsStatistics call on the region's detector, largest groups first. */
  private async findingStatistics(
    region: string,
    criterion: Record<string, Condition>,
    groupBy: GroupByType,
    max: number,
  ): Promise<GetFindingsStatisticsCommandOutput> {
    const detectorId = await this.detectorId(region);
    return callAws('GuardDuty', region, () =>
      this.client(region).send(
        new GetFindingsStatisticsCommand({
          DetectorId: detectorId,
          FindingCriteria: { Criterion: criterion },
          GroupBy: groupBy,
          OrderBy: 'DESC',
          MaxResults: max,
        }),
      ),
    );
  }

  /** GetFindingsStatistics grouped by account, over open findings whose severity is in `band` (its floor up to the next band's). */
  async countOpenByAccount(region: string, band: SeverityBand, maxAccounts: number): Promise<AccountCounts> {
    const max = Math.min(Math.max(maxAccounts, 1), STATISTICS_GROUPS_MAX);
    const out = await this.findingStatistics(
      region,
      { severity: bandSeverity(band), 'service.archived': { Equals: ['false'] } },
      'ACCOUNT',
      max,
    );
    const counts = (out.FindingStatistics?.GroupedByAccount ?? [])
      .filter((g) => g.AccountId && (g.TotalFindings ?? 0) > 0)
      .map((g) => ({ accountId: g.AccountId as string, count: g.TotalFindings ?? 0 }));
    return { counts, truncated: Boolean(out.NextToken) || counts.length >= max };
  }

  /** GetFindingsStatistics grouped by DATE over findings updated since `sinceMs`, one call per band (severity floor to the next floor). */
  async countsByDay(region: string, sinceMs: number, untilMs?: number): Promise<DayBandCount[]> {
    const perBand = await Promise.all(
      SEVERITY_BANDS.map(async (band) => {
        const out = await this.findingStatistics(
          region,
          { severity: bandSeverity(band), updatedAt: updatedBetween(sinceMs, untilMs) },
          'DATE',
          STATISTICS_GROUPS_MAX,
        );
        const days = new Map<string, number>();
        for (const g of out.FindingStatistics?.GroupedByDate ?? []) {
          const date = utcDate(g.Date);
          const count = g.TotalFindings ?? 0;
          if (date && count > 0) days.set(date, (days.get(date) ?? 0) + count);
        }
        return [...days].map(([date, count]) => ({ date, band, count }));
      }),
    );
    return perBand.flat().sort((a, b) => a.date.localeCompare(b.date) || SEVERITY_BANDS.indexOf(a.band) - SEVERITY_BANDS.indexOf(b.band));
  }

  /** GetFindingsStatistics grouped by account, finding type or severity over findings updated since `sinceMs`, largest first. */
  async statistics(region: string, query: StatisticsQuery): Promise<GroupCounts> {
    const max = Math.min(Math.max(Math.floor(query.max), 1), STATISTICS_GROUPS_MAX);
    const out = await this.findingStatistics(region, { updatedAt: updatedBetween(query.sinceMs, query.untilMs) }, query.groupBy, max);
    const stats = out.FindingStatistics;
    const rows: { key: string | undefined; count: number | undefined }[] =
      query.groupBy === 'ACCOUNT'
        ? (stats?.GroupedByAccount ?? []).map((g) => ({ key: g.AccountId, count: g.TotalFindings }))
        : query.groupBy === 'FINDING_TYPE'
          ? (stats?.GroupedByFindingType ?? []).map((g) => ({ key: g.FindingType, count: g.TotalFindings }))
          : (stats?.GroupedBySeverity ?? []).map((g) => ({
              key: g.Severity === undefined ? undefined : String(g.Severity),
              count: g.TotalFindings,
            }));
    const groups = rows
      .filter((g): g is { key: string; count: number } => typeof g.key === 'string' && g.key !== '' && (g.count ?? 0) > 0)
      .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
    return { groups, truncated: Boolean(out.NextToken) || groups.length >= max };
  }
}

function updatedBetween(sinceMs: number, untilMs: number | undefined): { GreaterThanOrEqual: number; LessThan?: number } {
  return { GreaterThanOrEqual: sinceMs, ...(untilMs !== undefined ? { LessThan: untilMs } : {}) };
}

/** `YYYY-MM-DD` of a DATE group (the SDK gives a Date; a string is accepted as GuardDuty's JSON writes it). */
function utcDate(value: Date | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString().slice(0, 10);
}

/** Severity within a band: from its floor up to the next band's. */
function bandSeverity(band: SeverityBand): Condition {
  const next = SEVERITY_BANDS[SEVERITY_BANDS.indexOf(band) + 1];
  return { GreaterThanOrEqual: BAND_FLOOR[band], ...(next ? { LessThan: BAND_FLOOR[next] } : {}) };
}
