import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  AuthorizeSecurityGroupIngress$,
  DescribeInstances$,
  DescribeSecurityGroupRules$,
  RevokeSecurityGroupIngress$,
  type AuthorizeSecurityGroupIngressCommandInput,
  type AuthorizeSecurityGroupIngressCommandOutput,
  type DescribeInstancesCommandInput,
  type DescribeInstancesCommandOutput,
  type DescribeSecurityGroupRulesCommandInput,
  type DescribeSecurityGroupRulesCommandOutput,
  type IpPermission,
  type RevokeSecurityGroupIngressCommandInput,
  type RevokeSecurityGroupIngressCommandOutput,
  type RevokedSecurityGroupRule,
} from '@aws-sdk/client-ec2';
import { SEED_GROUP, SEED_INSTANCE, toSdkRule, type FakeRule } from './fake-ec2';
import { LoopbackServer, readBody } from './loopback-server';

/*
 * A local HTTP server speaking EC2's `ec2Query` wire protocol, for the real AWS SDK v3 EC2Client pointed at it
 * with `endpoint: <endpoint>`. Nothing in the client is mocked: its serializer, signer, retry middleware and
 * XML deserializer all run, so SDK retries (throttling, 5xx) really happen and can be counted here.
 *
 * The wire format is the SDK's own (node_modules/@aws-sdk/core/dist-cjs/submodules/protocols/index.js,
 * `AwsEc2QueryProtocol`; the operation and structure schemas in @aws-sdk/client-ec2, `DescribeInstances$`, …):
 *   request   POST /  application/x-www-form-urlencoded
 *             Action=DescribeInstances&Version=2016-11-15&InstanceId.1=i-…   (keys are the members' ec2QueryName,
 *             lists are flattened: `IpPermissions.1.IpRanges.1.CidrIp=…`)
 *   answer    200 <DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>…</requestId>
 *             <reservationSet><item>…</item></reservationSet></DescribeInstancesResponse>   (members' xmlName,
 *             lists wrapped, one <item> per element)
 *   error     4xx/5xx <Response><Errors><Error><Code>…</Code><Message>…</Message></Error></Errors><RequestID>…</RequestID></Response>
 * Status codes are EC2's: RequestLimitExceeded 503, InternalError 500, Unavailable 503, UnauthorizedOperation 403,
 * AuthFailure 401, DryRunOperation 412, every other client error (InvalidPermission.Duplicate, …) 400.
 *
 * Request bodies are read back into SDK-shaped input (PascalCase members) through the same schemas, and answers
 * are written from SDK-shaped output, so the model below reads like test/helpers/fake-ec2.ts. The region of a
 * call is read from the SigV4 credential scope; one stand-in serves every region with one model.
 */

export const VERSION = '2016-11-15';
export const XMLNS = `http://ec2.amazonaws.com/doc/${VERSION}/`;

export const ACTIONS = ['DescribeInstances', 'DescribeSecurityGroupRules', 'AuthorizeSecurityGroupIngress', 'RevokeSecurityGroupIngress'] as const;
export type Ec2Action = (typeof ACTIONS)[number];

const SCHEMAS: Record<Ec2Action, unknown> = {
  DescribeInstances: DescribeInstances$,
  DescribeSecurityGroupRules: DescribeSecurityGroupRules$,
  AuthorizeSecurityGroupIngress: AuthorizeSecurityGroupIngress$,
  RevokeSecurityGroupIngress: RevokeSecurityGroupIngress$,
};

/** HTTP status EC2 answers an error code with (when a fault does not say). */
export const ERROR_STATUS: Record<string, number> = {
  RequestLimitExceeded: 503,
  Unavailable: 503,
  ServiceUnavailable: 503,
  InternalError: 500,
  InternalFailure: 500,
  UnauthorizedOperation: 403,
  AuthFailure: 401,
  DryRunOperation: 412,
};

const ERROR_MESSAGE: Record<string, string> = {
  RequestLimitExceeded: 'Request limit exceeded.',
  InternalError: 'An internal error has occurred',
  Unavailable: 'The server is overloaded and cannot handle the request.',
  UnauthorizedOperation: 'You are not authorized to perform this operation.',
  DryRunOperation: 'Request would have succeeded, but DryRun flag is set.',
};

export interface Ec2WireCall {
  /** The `Action` of the form body (any string: unknown actions are recorded too). */
  action: string;
  region: string;
  /** The form body as sent, e.g. `{ 'InstanceId.1': 'i-…', DryRun: 'true' }` (Action and Version left out). */
  params: Record<string, string>;
  /** The same body read back through the operation's input schema: SDK shape (`{ InstanceIds: ['i-…'] }`). */
  input: Record<string, unknown>;
  dryRun: boolean;
  /** From the SDK's `amz-sdk-request: attempt=2; max=3` header: which attempt of one invocation this is. */
  attempt?: number;
  maxAttempts?: number;
  /** From `amz-sdk-invocation-id`: the same for every retry of one `send`. */
  invocationId?: string;
  /** Epoch ms when the request arrived. */
  at: number;
  /** What the stand-in answered. */
  status: number;
  errorCode?: string;
}

export interface Ec2Fault {
  /** EC2 error code, e.g. RequestLimitExceeded, InternalError, UnauthorizedOperation. */
  code: string;
  message?: string;
  /** Default: EC2's status for the code ({@link ERROR_STATUS}), else 400. */
  status?: number;
  /** Answer this many matching calls with the fault, then behave again; unset: until cleared. */
  times?: number;
  /** Only calls for which this holds get the fault (e.g. only DryRun calls); others pass through. */
  when?: (call: Ec2WireCall) => boolean;
  /** Make the change first and then answer with the error, as when EC2 applied a write but the answer was lost. */
  afterApply?: boolean;
}

/** One single-source ingress rule, as EC2 keeps them (fake-ec2's). */
export type Ec2Rule = FakeRule;

// ---------------------------------------------------------------- the seed scenario

/** The same instance and group as test/helpers/fake-ec2.ts and the EC2 finding fixtures. */
export { SEED_GROUP, SEED_INSTANCE };
export const SEED_ACCOUNT = '123456789012';

/** One group holding a world-open tcp/22 rule. */
export function seedRules(groupId = SEED_GROUP): Ec2Rule[] {
  return [{ id: 'sgr-0000000000000a001', groupId, protocol: 'tcp', from: 22, to: 22, v4: '0.0.0.0/0', description: 'ssh from anywhere' }];
}

class WireError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = ERROR_STATUS[code] ?? 400,
  ) {
    super(message);
  }
}

// ---------------------------------------------------------------- schema-driven ec2Query (de)serialization

function deref(ref: unknown): unknown {
  return typeof ref === 'function' ? (ref as () => unknown)() : ref;
}

interface MemberTraits {
  xmlName?: string;
  ec2QueryName?: string;
}

/** A member is either a schema reference or `[reference, traits]`; traits may be an object or a bit field. */
function memberOf(ref: unknown): { schema: unknown; traits: MemberTraits } {
  if (Array.isArray(ref) && ref.length === 2) {
    const traits: unknown = ref[1];
    return { schema: deref(ref[0]), traits: typeof traits === 'object' && traits !== null ? (traits) : {} };
  }
  return { schema: deref(ref), traits: {} };
}

/** Static structure schema: `[3, namespace, name, traits, memberNames, members]`; list: `[1, namespace, name, traits, member]`. */
function kindOf(schema: unknown): 'struct' | 'list' | 'simple' {
  if (Array.isArray(schema) && (schema[0] === 3 || schema[0] === 4)) return 'struct';
  if (Array.isArray(schema) && schema[0] === 1) return 'list';
  if (Array.isArray(schema) && schema[0] === 0) return kindOf(deref(schema[4]));
  return 'simple';
}

function simpleId(schema: unknown): number {
  if (typeof schema === 'number') return schema & 63;
  if (Array.isArray(schema) && schema[0] === 0) return simpleId(deref(schema[4]));
  return 0;
}

function structMembers(schema: unknown): { name: string; schema: unknown; traits: MemberTraits }[] {
  const s = schema as unknown[];
  const names = s[4] as string[];
  const members = s[5] as unknown[];
  return names.map((name, i) => ({ name, ...memberOf(members[i]) }));
}

/** The form key of a struct member, as the SDK's QueryShapeSerializer writes it with the ec2 settings. */
function queryKey(name: string, traits: MemberTraits): string {
  if (traits.ec2QueryName) return traits.ec2QueryName;
  const key = traits.xmlName ?? name;
  return key.charAt(0).toUpperCase() + key.slice(1);
}

/** Reads flattened form params (`IpPermissions.1.IpRanges.1.CidrIp`) back into an SDK-shaped value. */
export function fromQuery(params: Record<string, string>, schema: unknown, prefix = ''): unknown {
  const under = (key: string) => Object.keys(params).some((k) => k === key || k.startsWith(`${key}.`));
  const s = deref(schema);
  switch (kindOf(s)) {
    case 'struct': {
      const out: Record<string, unknown> = {};
      for (const m of structMembers(s)) {
        const key = `${prefix ? `${prefix}.` : ''}${queryKey(m.name, m.traits)}`;
        if (under(key)) out[m.name] = fromQuery(params, m.schema, key);
      }
      return out;
    }
    case 'list': {
      const item = memberOf((s as unknown[])[4]).schema;
      const out: unknown[] = [];
      for (let i = 1; under(`${prefix}.${i}`); i++) out.push(fromQuery(params, item, `${prefix}.${i}`));
      return out;
    }
    default: {
      const raw = params[prefix] ?? '';
      const id = simpleId(s);
      if (id === 1) return Number(raw);
      if (id === 2) return raw === 'true';
      return raw;
    }
  }
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}

/** Writes an SDK-shaped value as EC2 XML elements: members by xmlName, lists wrapped with one element per item. */
export function toXml(value: unknown, schema: unknown): string {
  if (value === undefined || value === null) return '';
  const s = deref(schema);
  switch (kindOf(s)) {
    case 'struct': {
      const v = value as Record<string, unknown>;
      let xml = '';
      for (const m of structMembers(s)) {
        if (v[m.name] === undefined) continue;
        const tag = m.traits.xmlName ?? m.name;
        xml += `<${tag}>${toXml(v[m.name], m.schema)}</${tag}>`;
      }
      for (const key of Object.keys(v)) {
        if (!structMembers(s).some((m) => m.name === key)) throw new Error(`${String((s as unknown[])[2])} has no member ${key}`);
      }
      return xml;
    }
    case 'list': {
      const item = memberOf((s as unknown[])[4]);
      const tag = item.traits.xmlName ?? 'member';
      return (value as unknown[]).map((x) => `<${tag}>${toXml(x, item.schema)}</${tag}>`).join('');
    }
    default: {
      if (value instanceof Date) return value.toISOString();
      if (typeof value === 'string') return escapeXml(value);
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      throw new Error(`cannot write ${typeof value} as XML`);
    }
  }
}

// ---------------------------------------------------------------- rules

const PROTOCOLS: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'icmpv6', all: '-1' };

function sameContent(a: Omit<Ec2Rule, 'id'>, b: Omit<Ec2Rule, 'id'>): boolean {
  return (
    a.groupId === b.groupId &&
    a.protocol === b.protocol &&
    a.from === b.from &&
    a.to === b.to &&
    a.v4 === b.v4 &&
    a.v6?.toLowerCase() === b.v6?.toLowerCase() &&
    a.group === b.group &&
    a.prefixList === b.prefixList
  );
}

/** Splits IpPermissions into single-source rules, as EC2 stores them. */
function rulesOf(groupId: string, permissions: IpPermission[]): Omit<Ec2Rule, 'id'>[] {
  const out: Omit<Ec2Rule, 'id'>[] = [];
  for (const p of permissions) {
    const raw = (p.IpProtocol ?? '').toLowerCase();
    const protocol = PROTOCOLS[raw] ?? raw;
    if (!['tcp', 'udp', 'icmp', 'icmpv6', '-1'].includes(protocol)) throw new WireError('InvalidParameterValue', `Invalid value '${raw}' for IP protocol. Unknown protocol.`);
    const all = protocol === '-1';
    const base = { groupId, protocol, from: all ? -1 : (p.FromPort ?? -1), to: all ? -1 : (p.ToPort ?? -1) };
    if (!all && protocol !== 'icmp' && protocol !== 'icmpv6' && (base.from < 0 || base.to > 65535 || base.from > base.to)) {
      throw new WireError('InvalidParameterValue', `Invalid port range ${base.from}-${base.to}`);
    }
    const desc = (d: string | undefined) => (d ? { description: d } : {});
    for (const r of p.IpRanges ?? []) out.push({ ...base, v4: r.CidrIp, ...desc(r.Description) });
    for (const r of p.Ipv6Ranges ?? []) out.push({ ...base, v6: r.CidrIpv6, ...desc(r.Description) });
    for (const r of p.UserIdGroupPairs ?? []) out.push({ ...base, group: r.GroupId, ...desc(r.Description) });
    for (const r of p.PrefixListIds ?? []) out.push({ ...base, prefixList: r.PrefixListId, ...desc(r.Description) });
  }
  return out;
}

function peer(r: Omit<Ec2Rule, 'id'>): string {
  return `peer: ${r.v4 ?? r.v6 ?? r.group ?? r.prefixList ?? '?'}, ${r.protocol.toUpperCase()}, from port: ${r.from}, to port: ${r.to}, ALLOW`;
}

/** `Credential=AKID/20240101/us-east-1/ec2/aws4_request` → us-east-1. */
function regionOf(req: IncomingMessage): string {
  const auth = req.headers.authorization ?? '';
  return /Credential=[^/,\s]+\/\d{8}\/([^/]+)\/ec2\//.exec(auth)?.[1] ?? 'us-east-1';
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * EC2 over HTTP on 127.0.0.1, with security groups and instances in memory. Authorize, Revoke and
 * DescribeSecurityGroupRules really change and read the rule list; Duplicate and NotFound behave like a
 * non-default VPC; DryRun answers DryRunOperation (412) once the call got past any queued fault.
 */
export class Ec2HttpStandIn extends LoopbackServer {
  rules: Ec2Rule[] = [];
  /** Instance ID → attached security group IDs. */
  readonly instances = new Map<string, string[]>();
  /** Groups that exist even without rules (every group of `rules` and `instances` exists too). */
  readonly groups = new Set<string>();
  /** Every request, in arrival order, including faulted ones. */
  readonly calls: Ec2WireCall[] = [];
  readonly faults = new Map<string, Ec2Fault[]>();
  latencyMs = 0;
  private next = 1;

  /** Replaces the model (default: {@link seedRules} on {@link SEED_GROUP}, attached to {@link SEED_INSTANCE}) and forgets calls and faults. */
  seed(rules: Ec2Rule[] = seedRules(), instances: Record<string, string[]> = { [SEED_INSTANCE]: [SEED_GROUP] }): this {
    this.rules = rules.map((r) => ({ ...r }));
    this.instances.clear();
    for (const [id, groups] of Object.entries(instances)) this.instances.set(id, [...groups]);
    this.groups.clear();
    this.calls.length = 0;
    this.faults.clear();
    this.next = 1;
    return this;
  }

  /** Queues a fault for `action`: faults of one action are used in the order queued. */
  fail(action: Ec2Action, fault: Ec2Fault): this {
    const list = this.faults.get(action) ?? [];
    list.push({ ...fault });
    this.faults.set(action, list);
    return this;
  }

  clearFaults(): void {
    this.faults.clear();
  }

  callsTo(action: Ec2Action, opts: { dryRun?: boolean } = {}): Ec2WireCall[] {
    return this.calls.filter((c) => c.action === action && (opts.dryRun === undefined || c.dryRun === opts.dryRun));
  }

  /** Real (not DryRun) Authorize and Revoke requests, retries included. */
  writes(): Ec2WireCall[] {
    return this.calls.filter((c) => !c.dryRun && (c.action === 'AuthorizeSecurityGroupIngress' || c.action === 'RevokeSecurityGroupIngress'));
  }

  /** The group's rules as "tcp 22-22 0.0.0.0/0 (description)" lines, sorted: compare before/after without IDs. */
  state(groupId = SEED_GROUP): string[] {
    return this.rules
      .filter((r) => r.groupId === groupId)
      .map((r) => `${r.protocol} ${r.from}-${r.to} ${r.v4 ?? r.v6 ?? r.group ?? r.prefixList ?? '?'}${r.description ? ` (${r.description})` : ''}`)
      .sort();
  }

  resetCalls(): void {
    this.calls.length = 0;
  }

  // -------------------------------------------------------------- HTTP

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = `standin-${String(this.calls.length + 1).padStart(6, '0')}`;
    const reply = (status: number, xml: string) => {
      res.writeHead(status, { 'content-type': 'text/xml;charset=UTF-8' });
      res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}`);
    };
    const replyError = (e: WireError) => {
      reply(
        e.status,
        `<Response><Errors><Error><Code>${escapeXml(e.code)}</Code><Message>${escapeXml(e.message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`,
      );
    };
    let call: Ec2WireCall | undefined;
    try {
      const raw = await readBody(req);
      if (req.method !== 'POST' || (req.url ?? '/').split('?')[0] !== '/') {
        throw new WireError('InvalidAction', `The stand-in does not implement ${req.method ?? ''} ${req.url ?? ''}`);
      }
      const form = new URLSearchParams(raw);
      const action = form.get('Action') ?? '';
      const params: Record<string, string> = {};
      for (const [k, v] of form) if (k !== 'Action' && k !== 'Version') params[k] = v;
      const attemptHeader = /attempt=(\d+); max=(\d+)/.exec(header(req, 'amz-sdk-request') ?? '');
      const schema = (ACTIONS as readonly string[]).includes(action) ? (deref(SCHEMAS[action as Ec2Action]) as unknown[]) : undefined;
      const invocationId = header(req, 'amz-sdk-invocation-id');
      call = {
        action,
        region: regionOf(req),
        params,
        input: schema ? (fromQuery(params, schema[4]) as Record<string, unknown>) : {},
        dryRun: params.DryRun === 'true',
        ...(attemptHeader ? { attempt: Number(attemptHeader[1]), maxAttempts: Number(attemptHeader[2]) } : {}),
        ...(invocationId ? { invocationId } : {}),
        at: Date.now(),
        status: 0,
      };
      this.calls.push(call);
      if (!schema) throw new WireError('InvalidAction', `The action ${action} is not valid for this web service.`);
      if (form.get('Version') !== VERSION) throw new WireError('InvalidParameterValue', `Version ${form.get('Version') ?? ''} is not ${VERSION}`);
      if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));

      const fault = this.takeFault(call);
      if (fault && !fault.afterApply) throw new WireError(fault.code, fault.message ?? ERROR_MESSAGE[fault.code] ?? fault.code, fault.status);
      if (call.dryRun) throw new WireError('DryRunOperation', ERROR_MESSAGE.DryRunOperation ?? 'DryRunOperation');
      const output = this.answer(action as Ec2Action, call.input);
      if (fault) throw new WireError(fault.code, fault.message ?? ERROR_MESSAGE[fault.code] ?? fault.code, fault.status);

      call.status = 200;
      reply(200, `<${action}Response xmlns="${XMLNS}"><requestId>${requestId}</requestId>${toXml(output, schema[5])}</${action}Response>`);
    } catch (err) {
      const e = err instanceof WireError ? err : new WireError('InternalError', err instanceof Error ? err.message : String(err), 500);
      if (call) {
        call.status = e.status;
        call.errorCode = e.code;
      }
      replyError(e);
    }
  }

  private takeFault(call: Ec2WireCall): Ec2Fault | undefined {
    const list = this.faults.get(call.action);
    const at = list?.findIndex((f) => !f.when || f.when(call)) ?? -1;
    if (!list || at === -1) return undefined;
    const fault = list[at] as Ec2Fault;
    if (fault.times !== undefined && --fault.times <= 0) list.splice(at, 1);
    return fault;
  }

  // -------------------------------------------------------------- the model

  private groupExists(groupId: string): boolean {
    return this.groups.has(groupId) || this.rules.some((r) => r.groupId === groupId) || [...this.instances.values()].some((g) => g.includes(groupId));
  }

  private requireGroup(groupId: string | undefined): string {
    if (!groupId) throw new WireError('MissingParameter', 'The request must contain the parameter groupId');
    if (!this.groupExists(groupId)) throw new WireError('InvalidGroup.NotFound', `The security group '${groupId}' does not exist`);
    return groupId;
  }

  private answer(action: Ec2Action, input: Record<string, unknown>): unknown {
    switch (action) {
      case 'DescribeInstances':
        return this.describeInstances(input);
      case 'DescribeSecurityGroupRules':
        return this.describeRules(input);
      case 'AuthorizeSecurityGroupIngress':
        return this.authorize(input);
      case 'RevokeSecurityGroupIngress':
        return this.revoke(input);
    }
  }

  private describeInstances(input: DescribeInstancesCommandInput): Omit<DescribeInstancesCommandOutput, '$metadata'> {
    const ids = input.InstanceIds ?? [...this.instances.keys()];
    for (const id of ids) if (!this.instances.has(id)) throw new WireError('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
    return {
      Reservations: ids.map((id, i) => {
        const pairs = (this.instances.get(id) ?? []).map((g) => ({ GroupId: g, GroupName: `name-${g}` }));
        return {
          ReservationId: `r-${String(i + 1).padStart(17, '0')}`,
          OwnerId: SEED_ACCOUNT,
          Instances: [
            {
              InstanceId: id,
              SecurityGroups: pairs,
              NetworkInterfaces: [{ NetworkInterfaceId: `eni-${id.slice(2)}`, Groups: pairs }],
            },
          ],
        };
      }),
    };
  }

  private describeRules(input: DescribeSecurityGroupRulesCommandInput): Omit<DescribeSecurityGroupRulesCommandOutput, '$metadata'> {
    let rows = [...this.rules];
    for (const f of input.Filters ?? []) {
      const values = f.Values ?? [];
      if (f.Name === 'group-id') rows = rows.filter((r) => values.includes(r.groupId));
      else if (f.Name === 'security-group-rule-id') rows = rows.filter((r) => values.includes(r.id));
      else throw new WireError('InvalidParameterValue', `The filter '${f.Name ?? ''}' is invalid`);
    }
    if (input.SecurityGroupRuleIds) {
      const ids = input.SecurityGroupRuleIds;
      for (const id of ids) if (!this.rules.some((r) => r.id === id)) throw new WireError('InvalidSecurityGroupRuleId.NotFound', `The security group rule ID '${id}' does not exist`);
      rows = rows.filter((r) => ids.includes(r.id));
    }
    const max = input.MaxResults ?? 1000;
    if (!Number.isInteger(max) || max < 5 || max > 1000) throw new WireError('InvalidParameterValue', `Value (${max}) for parameter maxResults is invalid. Expecting a value between 5 and 1000.`);
    let start = 0;
    if (input.NextToken) {
      const m = /^page-(\d+)$/.exec(input.NextToken);
      if (!m) throw new WireError('InvalidParameterValue', 'The token is invalid');
      start = Number(m[1]);
    }
    const page = rows.slice(start, start + max);
    return { SecurityGroupRules: page.map((r) => toSdkRule(r, SEED_ACCOUNT)), ...(start + max < rows.length ? { NextToken: `page-${start + max}` } : {}) };
  }

  private authorize(input: AuthorizeSecurityGroupIngressCommandInput): Omit<AuthorizeSecurityGroupIngressCommandOutput, '$metadata'> {
    const groupId = this.requireGroup(input.GroupId);
    const wanted = rulesOf(groupId, input.IpPermissions ?? []);
    if (wanted.length === 0) throw new WireError('MissingParameter', 'No ip permissions given');
    for (const [i, w] of wanted.entries()) {
      if (this.rules.some((r) => sameContent(r, w)) || wanted.slice(0, i).some((x) => sameContent(x, w))) {
        throw new WireError('InvalidPermission.Duplicate', `the specified rule "${peer(w)}" already exists`);
      }
    }
    const added = wanted.map((w) => ({ ...w, id: `sgr-${(0xb000 + this.next++).toString(16).padStart(17, '0')}` }));
    this.rules.push(...added);
    return { Return: true, SecurityGroupRules: added.map((r) => toSdkRule(r, SEED_ACCOUNT)) };
  }

  private revoke(input: RevokeSecurityGroupIngressCommandInput): Omit<RevokeSecurityGroupIngressCommandOutput, '$metadata'> {
    const groupId = this.requireGroup(input.GroupId);
    const gone: Ec2Rule[] = [];
    for (const id of input.SecurityGroupRuleIds ?? []) {
      const found = this.rules.find((r) => r.id === id && r.groupId === groupId);
      if (!found) throw new WireError('InvalidSecurityGroupRuleId.NotFound', `The specified rule ID(s) '${id}' does not exist in this security group`);
      gone.push(found);
    }
    for (const w of rulesOf(groupId, input.IpPermissions ?? [])) {
      const found = this.rules.find((r) => sameContent(r, w));
      if (!found) throw new WireError('InvalidPermission.NotFound', 'The specified rule does not exist in this security group.');
      gone.push(found);
    }
    if (gone.length === 0) throw new WireError('MissingParameter', "Either 'ipPermissions' or 'securityGroupRuleIds' should be provided.");
    this.rules = this.rules.filter((r) => !gone.includes(r));
    const revoked: RevokedSecurityGroupRule[] = gone.map((r) => {
      const rule: RevokedSecurityGroupRule & { ReferencedGroupInfo?: unknown } = { ...toSdkRule(r) };
      delete rule.ReferencedGroupInfo;
      return { ...rule, ...(r.group ? { ReferencedGroupId: r.group } : {}) };
    });
    return { Return: true, RevokedSecurityGroupRules: revoked };
  }
}
