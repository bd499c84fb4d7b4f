import type { Condition, FindingStatistics, GetFilterResponse } from '@aws-sdk/client-guardduty';
import type { WireCondition } from './criteria';
import type { StoredFilter } from './filters';
import type { FindingStatisticsAnswer } from './model';

/*
 * The model's neutral answers in the SDK's PascalCase shapes: what the aws-sdk-client-mock transport returns, and
 * what the HTTP transport writes to the wire through `toWire` and the SDK's schema.
 */

/** An SDK Condition (`Equals`, `GreaterThanOrEqual`, …) in the JSON form the model matches (`equals`, …). */
export function wireCondition(c: Condition): WireCondition {
  return Object.fromEntries(
    Object.entries(c)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k.charAt(0).toLowerCase() + k.slice(1), v]),
  );
}

/** A wire-form criterion map (`equals`, `gte`, …) as the SDK's (`Equals`, `Gte`, …). */
export function sdkCriterion(criterion: Record<string, WireCondition>): Record<string, Condition> {
  return Object.fromEntries(
    Object.entries(criterion).map(([name, c]) => [
      name,
      Object.fromEntries(Object.entries(c).map(([k, v]) => [k.charAt(0).toUpperCase() + k.slice(1), v])) as Condition,
    ]),
  );
}

/** Without its undefined members, as a response the SDK deserialized would be. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export function sdkFilter(f: StoredFilter): GetFilterResponse {
  return defined({
    Name: f.name,
    Description: f.description,
    Action: f.action,
    Rank: f.rank,
    FindingCriteria: { Criterion: sdkCriterion(f.criterion) },
    Tags: f.tags,
    CreatedAt: new Date(f.createdAtMs),
  });
}

export function sdkStatistics(s: FindingStatisticsAnswer): FindingStatistics {
  return defined({
    CountBySeverity: s.countBySeverity,
    GroupedByAccount: s.groupedByAccount?.map((g) => ({
      AccountId: g.accountId,
      LastGeneratedAt: new Date(g.lastGeneratedAtMs),
      TotalFindings: g.totalFindings,
    })),
    GroupedBySeverity: s.groupedBySeverity?.map((g) => ({
      Severity: g.severity,
      LastGeneratedAt: new Date(g.lastGeneratedAtMs),
      TotalFindings: g.totalFindings,
    })),
    GroupedByDate: s.groupedByDate?.map((g) => ({
      Date: new Date(g.dateMs),
      LastGeneratedAt: new Date(g.lastGeneratedAtMs),
      Severity: g.severity,
      TotalFindings: g.totalFindings,
    })),
    GroupedByFindingType: s.groupedByFindingType?.map((g) => ({
      FindingType: g.findingType,
      LastGeneratedAt: new Date(g.lastGeneratedAtMs),
      TotalFindings: g.totalFindings,
    })),
  });
}
