import type { Finding as SdkFinding } from '@aws-sdk/client-guardduty';
import { badRequest } from './errors';

/*
 * FindingCriteria as GuardDuty's JSON API has them: `criterion` is a map from a GuardDuty field name to a
 * Condition whose members are lower-camel (`eq`, `equals`, `gte`, `greaterThanOrEqual`, …). Strings compare by
 * equality, numbers and timestamps (epoch ms) by order. The SDK transport lowers its PascalCase Conditions to this.
 */

/** The value GuardDuty filters and sorts a finding by for a criterion field name. */
export function findingAttribute(f: SdkFinding, name: string): string | number | undefined {
  switch (name) {
    case 'severity':
      return f.Severity;
    case 'updatedAt':
      return Date.parse(f.UpdatedAt ?? '');
    case 'createdAt':
      return Date.parse(f.CreatedAt ?? '');
    case 'service.archived':
      return String(f.Service?.Archived === true);
    case 'accountId':
      return f.AccountId;
    case 'type':
      return f.Type;
    case 'region':
      return f.Region;
    case 'id':
      return f.Id;
    case 'confidence':
      return f.Confidence;
    case 'service.count':
      return f.Service?.Count;
    case 'resource.resourceType':
      return f.Resource?.ResourceType;
    case 'resource.instanceDetails.instanceId':
      return f.Resource?.InstanceDetails?.InstanceId;
    default:
      throw badRequest(
        `The request is rejected because an invalid or out-of-range value is specified as an input parameter: criterion field ${name} (not supported by the stand-in)`,
      );
  }
}

export type WireCondition = Record<string, unknown>;

function stringList(c: WireCondition, ...keys: string[]): string[] | undefined {
  for (const k of keys) {
    const v = c[k];
    if (v !== undefined) {
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw badRequest(`${k} must be a list of strings`);
      return v as string[];
    }
  }
  return undefined;
}

function number(c: WireCondition, ...keys: string[]): number | undefined {
  for (const k of keys) {
    const v = c[k];
    if (v !== undefined) {
      if (typeof v !== 'number') throw badRequest(`${k} must be a number`);
      return v;
    }
  }
  return undefined;
}

const CONDITION_KEYS = new Set([
  'eq',
  'equals',
  'neq',
  'notEquals',
  'gt',
  'greaterThan',
  'gte',
  'greaterThanOrEqual',
  'lt',
  'lessThan',
  'lte',
  'lessThanOrEqual',
]);

/** Whether a value meets a wire-format Condition (`eq`/`equals`, `gte`/`greaterThanOrEqual`, …). */
export function matchesCondition(value: string | number | undefined, c: WireCondition): boolean {
  for (const k of Object.keys(c)) if (!CONDITION_KEYS.has(k)) throw badRequest(`unsupported condition ${k}`);
  const eq = stringList(c, 'equals', 'eq');
  const neq = stringList(c, 'notEquals', 'neq');
  const num = typeof value === 'number' ? value : Number.NaN;
  const gte = number(c, 'greaterThanOrEqual', 'gte');
  const gt = number(c, 'greaterThan', 'gt');
  const lte = number(c, 'lessThanOrEqual', 'lte');
  const lt = number(c, 'lessThan', 'lt');
  if (eq && !eq.includes(String(value))) return false;
  if (neq?.includes(String(value))) return false;
  if (gte !== undefined && !(num >= gte)) return false;
  if (gt !== undefined && !(num > gt)) return false;
  if (lte !== undefined && !(num <= lte)) return false;
  if (lt !== undefined && !(num < lt)) return false;
  return true;
}

/** Sorts by `sortCriteria` (`{ attributeName, orderBy }`), ties by finding ID; none: as given. */
export function sortRows(rows: SdkFinding[], sort: unknown): SdkFinding[] {
  if (sort === undefined || sort === null) return rows;
  const { attributeName, orderBy } = sort as { attributeName?: unknown; orderBy?: unknown };
  if (attributeName === undefined) return rows;
  if (typeof attributeName !== 'string') throw badRequest('sortCriteria.attributeName must be a string');
  if (orderBy !== undefined && orderBy !== 'ASC' && orderBy !== 'DESC') throw badRequest('sortCriteria.orderBy must be ASC or DESC');
  const dir = orderBy === 'DESC' ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = findingAttribute(a, attributeName) ?? '';
    const y = findingAttribute(b, attributeName) ?? '';
    return (x < y ? -1 : x > y ? 1 : (a.Id ?? '').localeCompare(b.Id ?? '')) * dir;
  });
}
