import type { Finding as SdkFinding } from '@aws-sdk/client-guardduty';
import { badRequest } from './errors';

/*
 * FindingCriteria as GuardDuty's JSON API has them: `criterion` is a map from a GuardDuty field name to a
 * Condition whose members are lower-camel (`eq`, `equals`, `gte`, `greaterThanOrEqual`, …). Strings compare by
 * equality, numbers and timestamps (epoch ms) by order. The SDK transport lowers its PascalCase Conditions to this.
 *
 * A field may hold several values in one finding (every bucket of an S3 finding, every probe of a port probe):
 * the finding matches when one of them does. A finding without the field holds no value and matches no
 * `equals` nor comparison, only `notEquals`.
 */

export type AttributeValue = string | number;
type Extract = (f: SdkFinding) => AttributeValue | undefined | readonly (AttributeValue | undefined)[];

const timestamp = (iso: string | undefined): number | undefined => {
  const ms = Date.parse(iso ?? '');
  return Number.isNaN(ms) ? undefined : ms;
};

/** The criterion fields the stand-in knows, and where each is in a finding. */
const FIELDS: Record<string, Extract> = {
  severity: (f) => f.Severity,
  updatedAt: (f) => timestamp(f.UpdatedAt),
  createdAt: (f) => timestamp(f.CreatedAt),
  'service.archived': (f) => String(f.Service?.Archived === true),
  accountId: (f) => f.AccountId,
  type: (f) => f.Type,
  region: (f) => f.Region,
  id: (f) => f.Id,
  confidence: (f) => f.Confidence,
  'service.count': (f) => f.Service?.Count,
  'resource.resourceType': (f) => f.Resource?.ResourceType,
  'resource.instanceDetails.instanceId': (f) => f.Resource?.InstanceDetails?.InstanceId,
  'resource.accessKeyDetails.accessKeyId': (f) => f.Resource?.AccessKeyDetails?.AccessKeyId,
  'resource.accessKeyDetails.userName': (f) => f.Resource?.AccessKeyDetails?.UserName,
  'resource.s3BucketDetails.name': (f) => (f.Resource?.S3BucketDetails ?? []).map((b) => b.Name),
  'resource.eksClusterDetails.name': (f) => f.Resource?.EksClusterDetails?.Name,
  'service.action.networkConnectionAction.remoteIpDetails.ipAddressV4': (f) =>
    f.Service?.Action?.NetworkConnectionAction?.RemoteIpDetails?.IpAddressV4,
  'service.action.awsApiCallAction.remoteIpDetails.ipAddressV4': (f) => f.Service?.Action?.AwsApiCallAction?.RemoteIpDetails?.IpAddressV4,
  'service.action.portProbeAction.portProbeDetails.remoteIpDetails.ipAddressV4': (f) =>
    (f.Service?.Action?.PortProbeAction?.PortProbeDetails ?? []).map((d) => d.RemoteIpDetails?.IpAddressV4),
  'service.action.kubernetesApiCallAction.remoteIpDetails.ipAddressV4': (f) =>
    f.Service?.Action?.KubernetesApiCallAction?.RemoteIpDetails?.IpAddressV4,
  'service.action.dnsRequestAction.domain': (f) => f.Service?.Action?.DnsRequestAction?.Domain,
};

/** The criterion field names the stand-in can filter and sort by. */
export const CRITERION_FIELDS: readonly string[] = Object.keys(FIELDS);

function unknownField(name: string) {
  return badRequest(
    `The request is rejected because an invalid or out-of-range value is specified as an input parameter: criterion field ${name} (not supported by the stand-in)`,
  );
}

/** Every value a finding holds for a criterion field (none when it lacks the field). */
export function findingValues(f: SdkFinding, name: string): AttributeValue[] {
  const extract = Object.prototype.hasOwnProperty.call(FIELDS, name) ? FIELDS[name] : undefined;
  if (!extract) throw unknownField(name);
  const raw = extract(f);
  const list = Array.isArray(raw) ? (raw as readonly (AttributeValue | undefined)[]) : [raw as AttributeValue | undefined];
  return list.filter((v): v is AttributeValue => v !== undefined && v !== null);
}

/** The value GuardDuty sorts a finding by for a field: its first one. */
export function findingAttribute(f: SdkFinding, name: string): AttributeValue | undefined {
  return findingValues(f, name)[0];
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

interface ParsedCondition {
  eq?: string[];
  neq?: string[];
  gte?: number;
  gt?: number;
  lte?: number;
  lt?: number;
}

function parseCondition(c: unknown): ParsedCondition {
  if (typeof c !== 'object' || c === null || Array.isArray(c)) throw badRequest('a criterion condition must be an object');
  const w = c as WireCondition;
  for (const k of Object.keys(w)) if (!CONDITION_KEYS.has(k)) throw badRequest(`unsupported condition ${k}`);
  return {
    eq: stringList(w, 'equals', 'eq'),
    neq: stringList(w, 'notEquals', 'neq'),
    gte: number(w, 'greaterThanOrEqual', 'gte'),
    gt: number(w, 'greaterThan', 'gt'),
    lte: number(w, 'lessThanOrEqual', 'lte'),
    lt: number(w, 'lessThan', 'lt'),
  };
}

/**
 * Whether a field's values meet a wire-format Condition (`eq`/`equals`, `gte`/`greaterThanOrEqual`, …): one value
 * among `equals`, none among `notEquals`, and one value within every bound.
 */
export function matchesCondition(values: readonly AttributeValue[], c: WireCondition): boolean {
  const { eq, neq, gte, gt, lte, lt } = parseCondition(c);
  if (eq && !values.some((v) => eq.includes(String(v)))) return false;
  if (neq && values.some((v) => neq.includes(String(v)))) return false;
  const bounded = gte !== undefined || gt !== undefined || lte !== undefined || lt !== undefined;
  if (!bounded) return true;
  return values.some(
    (v) =>
      typeof v === 'number' &&
      (gte === undefined || v >= gte) &&
      (gt === undefined || v > gt) &&
      (lte === undefined || v <= lte) &&
      (lt === undefined || v < lt),
  );
}

/** Whether a finding meets every condition of a criterion map. */
export function matchesCriteria(f: SdkFinding, criterion: Record<string, WireCondition>): boolean {
  return Object.entries(criterion).every(([name, c]) => matchesCondition(findingValues(f, name), c));
}

/**
 * A criterion map as a request sends it, checked before any finding is looked at: an object of known fields with
 * well-formed conditions; `nonEmpty` (CreateFilter) also refuses an empty one.
 */
export function checkCriterion(criterion: unknown, nonEmpty = false): Record<string, WireCondition> {
  if (criterion === undefined || criterion === null) {
    if (nonEmpty) throw badRequest('The request is rejected because findingCriteria.criterion is required and must not be empty.');
    return {};
  }
  if (typeof criterion !== 'object' || Array.isArray(criterion)) throw badRequest('findingCriteria.criterion must be an object');
  const entries = Object.entries(criterion as Record<string, unknown>);
  if (nonEmpty && entries.length === 0)
    throw badRequest('The request is rejected because findingCriteria.criterion is required and must not be empty.');
  for (const [name, c] of entries) {
    if (!Object.prototype.hasOwnProperty.call(FIELDS, name)) throw unknownField(name);
    parseCondition(c);
  }
  return criterion as Record<string, WireCondition>;
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
