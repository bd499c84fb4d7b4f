import type { IncomingMessage, ServerResponse } from 'node:http';
import { Finding$, type Finding as SdkFinding } from '@aws-sdk/client-guardduty';
import { LoopbackServer, readBody } from './loopback-server';

/*
 * A local HTTP server speaking GuardDuty's REST-JSON wire protocol, for the real AWS SDK v3 GuardDutyClient
 * (and so for a real bot process pointed at it with AWS_ENDPOINT_URL_GUARDDUTY=<endpoint>).
 *
 * Routes and member names are the SDK's own (node_modules/@aws-sdk/client-guardduty/dist-cjs/index.js, the
 * operation and structure schemas `ListFindings$`, `ListFindingsRequest$`, `Condition$`, `Finding$`, …):
 *   ListDetectors           GET  /detector                              → { detectorIds, nextToken }
 *   ListFindings            POST /detector/{DetectorId}/findings         { findingCriteria: { criterion }, sortCriteria: { attributeName, orderBy }, maxResults, nextToken } → { findingIds, nextToken }
 *   GetFindings             POST /detector/{DetectorId}/findings/get     { findingIds, sortCriteria } → { findings }
 *   ArchiveFindings         POST /detector/{DetectorId}/findings/archive { findingIds } → {}
 *   UpdateFindingsFeedback  POST /detector/{DetectorId}/findings/feedback { findingIds, feedback, comments } → {}
 * Errors are answered the way GuardDuty answers them: 400, `x-amzn-errortype`, `{ message, __type }`.
 * The region of a call is read from the SigV4 credential scope, so one stand-in serves every region.
 */

export const OPERATIONS = ['ListDetectors', 'ListFindings', 'GetFindings', 'ArchiveFindings', 'UpdateFindingsFeedback'] as const;
export type Operation = (typeof OPERATIONS)[number];

export interface WireRequest {
  operation: Operation;
  region: string;
  detectorId?: string;
  /** The JSON body as sent (wire member names). */
  body: Record<string, unknown>;
  at: number;
}

export interface Fault {
  /** The error code, e.g. BadRequestException, InternalServerErrorException, ThrottlingException. */
  name: string;
  message?: string;
  status?: number;
  /** Answer this many calls with the fault, then behave again; unset: until cleared. */
  times?: number;
}

class WireError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const badRequest = (message: string) => new WireError('BadRequestException', message);

// ---------------------------------------------------------------------------------------------------------
// PascalCase SDK shapes → wire JSON, driven by the SDK's own static schemas (the same `jsonName` traits its
// deserializer reads). A plain lower-camel transform is almost right, but GuardDuty has exceptions
// (ProductCodes[].Code → productCodeId, KubernetesApiCallAction.SourceIps → sourceIPs, members without a
// jsonName that keep their PascalCase name, maps whose keys are data), and the schema knows all of them.
// ---------------------------------------------------------------------------------------------------------

function deref(ref: unknown): unknown {
  return typeof ref === 'function' ? (ref as () => unknown)() : ref;
}

/** A structure member is either a schema reference or `[reference, traits]`; static schemas are longer tuples. */
function memberOf(ref: unknown): { schema: unknown; jsonName?: string } {
  if (Array.isArray(ref) && ref.length === 2) {
    const traits: unknown = ref[1];
    const jsonName = typeof traits === 'object' && traits !== null ? (traits as { jsonName?: unknown }).jsonName : undefined;
    return { schema: deref(ref[0]), jsonName: typeof jsonName === 'string' ? jsonName : undefined };
  }
  return { schema: deref(ref) };
}

const TIMESTAMP_IDS = new Set([4, 5, 6, 7]);

/**
 * Simple schema ids (Smithy static schemas): 4 timestamp (REST-JSON default: epoch seconds), 5 date-time,
 * 6 http-date, 7 epoch-seconds, 21 blob. A timestamp may be a Date (as the SDK returns it) or an ISO string (as
 * a JSON fixture has to hold it); either way the wire gets what GuardDuty sends.
 */
function simpleToWire(value: unknown, id: number): unknown {
  if (TIMESTAMP_IDS.has(id) && (value instanceof Date || typeof value === 'string')) {
    const date = value instanceof Date ? value : new Date(value);
    if (Number.isNaN(date.getTime())) throw new Error(`not a timestamp: ${String(value)}`);
    if (id === 5) return date.toISOString();
    if (id === 6) return date.toUTCString();
    return date.getTime() / 1000;
  }
  if (value instanceof Uint8Array && id === 21) return Buffer.from(value).toString('base64');
  return value;
}

/** Converts an SDK-shaped value (PascalCase members) to GuardDuty's wire JSON for `schema` (default: a Finding). */
export function toWire(value: unknown, schema: unknown = Finding$): unknown {
  if (value === null || value === undefined) return value;
  const s = deref(schema);
  if (typeof s === 'number') {
    const element = s & 63;
    if (s & 64) return Array.isArray(value) ? value.map((v) => simpleToWire(v, element)) : value;
    if (s & 128) return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, simpleToWire(v, element)]));
    return simpleToWire(value, s);
  }
  if (!Array.isArray(s)) return value;
  switch (s[0]) {
    case 0: // [0, namespace, name, traits, simple schema]
      return toWire(value, s[4]);
    case 1: // [1, namespace, name, traits, member]
      return Array.isArray(value) ? value.map((v) => toWire(v, memberOf(s[4]).schema)) : value;
    case 2: // [2, namespace, name, traits, key, value]: keys are data
      return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, toWire(v, memberOf(s[5]).schema)]));
    case 3: // [3, namespace, name, traits, member names, members]
    case 4: {
      const names = s[4] as string[];
      const members = s[5] as unknown[];
      const out: Record<string, unknown> = {};
      for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
        const at = names.indexOf(key);
        if (at === -1) throw new Error(`${String(s[2])} has no member ${key}`);
        const m = memberOf(members[at]);
        out[m.jsonName ?? key] = toWire(v, m.schema);
      }
      return out;
    }
    default:
      return value;
  }
}

// ---------------------------------------------------------------------------------------------------------
// FindingCriteria on the wire: `criterion` is a map from a GuardDuty field name to a Condition whose members
// are lower-camel (`eq`, `equals`, `gte`, `greaterThanOrEqual`, …). Strings compare by equality, numbers and
// timestamps (epoch ms) by order.
// ---------------------------------------------------------------------------------------------------------

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
      throw badRequest(`The request is rejected because an invalid or out-of-range value is specified as an input parameter: criterion field ${name} (not supported by the stand-in)`);
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

const CONDITION_KEYS = new Set(['eq', 'equals', 'neq', 'notEquals', 'gt', 'greaterThan', 'gte', 'greaterThanOrEqual', 'lt', 'lessThan', 'lte', 'lessThanOrEqual']);

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

function sortRows(rows: SdkFinding[], sort: unknown): SdkFinding[] {
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

function idList(body: Record<string, unknown>, max: number): string[] {
  const ids = body.findingIds;
  if (!Array.isArray(ids) || ids.some((x) => typeof x !== 'string')) throw badRequest('findingIds is required: a list of finding IDs');
  if (ids.length > max) throw badRequest(`1 validation error detected: findingIds must have at most ${max} items`);
  return ids as string[];
}

/** `Credential=AKID/20240101/us-east-1/guardduty/aws4_request` → us-east-1. */
function regionOf(req: IncomingMessage): string {
  const auth = req.headers.authorization ?? '';
  return /Credential=[^/,\s]+\/\d{8}\/([^/]+)\/guardduty\//.exec(auth)?.[1] ?? 'us-east-1';
}

/**
 * GuardDuty over HTTP on 127.0.0.1. Findings are kept per region in SDK shape (PascalCase) and put on the wire
 * through {@link toWire}. Findings can be added or changed at any time while a client polls.
 */
export class GuardDutyHttpStandIn extends LoopbackServer {
  /** Calls answered (successfully or with an error), per operation. */
  readonly calls: Record<Operation, number> = { ListDetectors: 0, ListFindings: 0, GetFindings: 0, ArchiveFindings: 0, UpdateFindingsFeedback: 0 };
  readonly requests: WireRequest[] = [];
  /** Findings per region, by ID. */
  readonly regions = new Map<string, Map<string, SdkFinding>>();
  readonly archived: { region: string; ids: string[] }[] = [];
  readonly feedback: { region: string; ids: string[]; feedback: string; comments?: string }[] = [];
  /** The detector every region answers with (unless listed in `regionsWithoutDetector`). */
  detectorId = '12abc34d567e8fa901bc2d34eexample';
  readonly regionsWithoutDetector = new Set<string>();
  readonly faults: Partial<Record<Operation, Fault>> = {};
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
    for (const op of OPERATIONS) this.calls[op] = 0;
    this.requests.length = 0;
  }

  requestsTo(operation: Operation): WireRequest[] {
    return this.requests.filter((r) => r.operation === operation);
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-requestid': `standin-${this.requests.length}`, ...headers });
      res.end(JSON.stringify(body));
    };
    try {
      const raw = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const route = this.route(req.method ?? 'GET', url.pathname);
      if (!route) {
        reply(404, { message: `The stand-in does not implement ${req.method ?? ''} ${url.pathname}` }, { 'x-amzn-errortype': 'UnknownOperationException' });
        return;
      }
      let body: Record<string, unknown> = {};
      if (raw) {
        try {
          body = JSON.parse(raw) as Record<string, unknown>;
        } catch {
          throw badRequest('The request body is not valid JSON');
        }
      }
      if (route.operation === 'ListDetectors') {
        for (const [k, v] of url.searchParams) body[k] = k === 'maxResults' ? Number(v) : v;
      }
      const region = regionOf(req);
      this.calls[route.operation]++;
      this.requests.push({ operation: route.operation, region, detectorId: route.detectorId, body, at: Date.now() });
      if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
      const fault = this.faults[route.operation];
      if (fault) {
        if (fault.times !== undefined && --fault.times <= 0) delete this.faults[route.operation];
        throw new WireError(fault.name, fault.message ?? fault.name, fault.status ?? 400);
      }
      reply(200, this.answer(route.operation, region, route.detectorId, body));
    } catch (err) {
      const e = err instanceof WireError ? err : new WireError('InternalServerErrorException', err instanceof Error ? err.message : String(err), 500);
      reply(e.status, { message: e.message, __type: e.code }, { 'x-amzn-errortype': e.code });
    }
  }

  private route(method: string, path: string): { operation: Operation; detectorId?: string } | undefined {
    if (method === 'GET' && path === '/detector') return { operation: 'ListDetectors' };
    const m = /^\/detector\/([^/]+)\/findings(?:\/(get|archive|feedback))?$/.exec(path);
    if (method !== 'POST' || !m) return undefined;
    const detectorId = decodeURIComponent(m[1] ?? '');
    const operation: Operation = m[2] === 'get' ? 'GetFindings' : m[2] === 'archive' ? 'ArchiveFindings' : m[2] === 'feedback' ? 'UpdateFindingsFeedback' : 'ListFindings';
    return { operation, detectorId };
  }

  private findingsOf(region: string, detectorId: string | undefined): Map<string, SdkFinding> {
    if (detectorId !== this.detectorId || this.regionsWithoutDetector.has(region)) {
      throw badRequest('The request is rejected because the input detectorId is not owned by the current account.');
    }
    return this.regions.get(region) ?? new Map<string, SdkFinding>();
  }

  private answer(operation: Operation, region: string, detectorId: string | undefined, body: Record<string, unknown>): Record<string, unknown> {
    switch (operation) {
      case 'ListDetectors':
        return { detectorIds: this.regionsWithoutDetector.has(region) ? [] : [this.detectorId] };
      case 'ListFindings': {
        const all = [...this.findingsOf(region, detectorId).values()];
        const criteria = body.findingCriteria as { criterion?: Record<string, WireCondition> } | undefined;
        const criterion = criteria?.criterion ?? {};
        let rows = all.filter((f) => Object.entries(criterion).every(([name, c]) => matchesCondition(findingAttribute(f, name), c)));
        rows = sortRows(rows, body.sortCriteria);
        const max = body.maxResults ?? 50;
        if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 50) {
          throw badRequest('1 validation error detected: maxResults must be between 1 and 50');
        }
        let start = 0;
        if (body.nextToken !== undefined && body.nextToken !== '') {
          const m = typeof body.nextToken === 'string' ? /^page-(\d+)$/.exec(body.nextToken) : null;
          if (!m) throw badRequest('The request is rejected because the nextToken is invalid.');
          start = Number(m[1]);
        }
        const page = rows.slice(start, start + max);
        return { findingIds: page.map((f) => f.Id ?? ''), ...(start + max < rows.length ? { nextToken: `page-${start + max}` } : {}) };
      }
      case 'GetFindings': {
        const known = this.findingsOf(region, detectorId);
        const ids = idList(body, 50);
        const found = sortRows(ids.flatMap((id) => (known.has(id) ? [known.get(id) as SdkFinding] : [])), body.sortCriteria);
        return { findings: found.map((f) => toWire(f)) };
      }
      case 'ArchiveFindings': {
        const known = this.findingsOf(region, detectorId);
        const ids = idList(body, 50);
        for (const id of ids) {
          const f = known.get(id);
          if (f) f.Service = { ...f.Service, Archived: true };
        }
        this.archived.push({ region, ids });
        return {};
      }
      case 'UpdateFindingsFeedback': {
        this.findingsOf(region, detectorId);
        const ids = idList(body, 50);
        if (body.feedback !== 'USEFUL' && body.feedback !== 'NOT_USEFUL') throw badRequest('feedback must be USEFUL or NOT_USEFUL');
        this.feedback.push({ region, ids, feedback: body.feedback, comments: typeof body.comments === 'string' ? body.comments : undefined });
        return {};
      }
    }
  }
}
