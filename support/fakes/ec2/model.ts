import type {
  AuthorizeSecurityGroupIngressCommandInput,
  AuthorizeSecurityGroupIngressCommandOutput,
  DescribeInstancesCommandInput,
  DescribeInstancesCommandOutput,
  DescribeSecurityGroupRulesCommandInput,
  DescribeSecurityGroupRulesCommandOutput,
  RevokeSecurityGroupIngressCommandInput,
  RevokeSecurityGroupIngressCommandOutput,
  RevokedSecurityGroupRule,
} from '@aws-sdk/client-ec2';
import { Ec2Error } from './errors';
import { peer, rulesOf, sameRule, sourceOf, toSdkRule, type Ec2Rule } from './rules';
import { SEED_ACCOUNT, SEED_GROUP } from './seed';

export const EC2_OPERATIONS = [
  'DescribeInstances',
  'DescribeSecurityGroupRules',
  'AuthorizeSecurityGroupIngress',
  'RevokeSecurityGroupIngress',
] as const;
export type Ec2Op = (typeof EC2_OPERATIONS)[number];

interface Ec2Io {
  DescribeInstances: [DescribeInstancesCommandInput, Omit<DescribeInstancesCommandOutput, '$metadata'>];
  DescribeSecurityGroupRules: [DescribeSecurityGroupRulesCommandInput, Omit<DescribeSecurityGroupRulesCommandOutput, '$metadata'>];
  AuthorizeSecurityGroupIngress: [AuthorizeSecurityGroupIngressCommandInput, Omit<AuthorizeSecurityGroupIngressCommandOutput, '$metadata'>];
  RevokeSecurityGroupIngress: [RevokeSecurityGroupIngressCommandInput, Omit<RevokeSecurityGroupIngressCommandOutput, '$metadata'>];
}
export type Ec2Input<O extends Ec2Op> = Ec2Io[O][0];
export type Ec2Output<O extends Ec2Op> = Ec2Io[O][1];

/** One operation as it reached the model (faulted and DryRun ones included). */
export interface Ec2Call {
  op: Ec2Op;
  /** SDK shape: `{ GroupId, IpPermissions: [...] }`. */
  input: Record<string, unknown>;
  dryRun: boolean;
  /** Epoch ms when the call reached the model. */
  at: number;
}

export interface Ec2Fault {
  /** EC2 error code, e.g. RequestLimitExceeded, InternalError, UnauthorizedOperation. */
  code: string;
  message?: string;
  /** Default: EC2's status for the code, else 400. */
  status?: number;
  /** Answer this many matching calls with the fault, then behave again; unset: until cleared. */
  times?: number;
  /** Only calls for which this holds get the fault (e.g. only DryRun calls); others pass through. */
  when?: (call: Ec2Call) => boolean;
  /** Make the change first and then answer with the error, as when EC2 applied a write but the answer was lost. */
  afterApply?: boolean;
}

export interface Ec2ModelOptions {
  /** The ID of the n-th rule added since the last seed (default {@link ec2RuleId}: `sgr-0000000000000b001`, …). */
  ruleId?: (n: number) => string;
  /** The account that owns the groups, as DescribeSecurityGroupRules and DescribeInstances give it. */
  accountId?: string;
}

/** EC2-shaped rule IDs, `sgr-` and 17 hex digits, from b001 up so they never meet the seed's a001…. */
export function ec2RuleId(n: number): string {
  return `sgr-${(0xb000 + n).toString(16).padStart(17, '0')}`;
}

/**
 * EC2 security groups and instances in memory: Authorize, Revoke and DescribeSecurityGroupRules really change
 * and read the rule list; Duplicate and NotFound behave like a non-default VPC (one rule per source, matched by
 * {@link sameRule}); DryRun answers DryRunOperation once the call got past any queued fault. Transports (the
 * aws-sdk-client-mock one, the HTTP one) turn requests into {@link call} and its Ec2Error into their own errors.
 */
export class Ec2Model {
  rules: Ec2Rule[] = [];
  /** Instance ID → attached security group IDs. */
  readonly instances = new Map<string, string[]>();
  /** Groups that exist even without rules (every group of `rules` and `instances` exists too). */
  readonly groups = new Set<string>();
  readonly calls: Ec2Call[] = [];
  /** Per operation, used in the order queued. */
  readonly faults = new Map<Ec2Op, Ec2Fault[]>();
  latencyMs = 0;
  private next = 1;
  private readonly ruleId: (n: number) => string;
  private readonly accountId: string;

  constructor(options: Ec2ModelOptions = {}) {
    this.ruleId = options.ruleId ?? ec2RuleId;
    this.accountId = options.accountId ?? SEED_ACCOUNT;
  }

  /** Replaces rules and instances, forgets calls and faults, and numbers new rules from 1 again. */
  seed(rules: Ec2Rule[], instances: Record<string, string[]> = {}): this {
    this.rules = rules.map((r) => ({ ...r }));
    this.instances.clear();
    for (const [id, groups] of Object.entries(instances)) this.instances.set(id, [...groups]);
    this.groups.clear();
    this.calls.length = 0;
    this.faults.clear();
    this.next = 1;
    return this;
  }

  /** Queues a fault for `op`. */
  fail(op: Ec2Op, fault: Ec2Fault): this {
    const list = this.faults.get(op) ?? [];
    list.push({ ...fault });
    this.faults.set(op, list);
    return this;
  }

  clearFaults(): void {
    this.faults.clear();
  }

  callsTo(op: Ec2Op, opts: { dryRun?: boolean } = {}): Ec2Call[] {
    return this.calls.filter((c) => c.op === op && (opts.dryRun === undefined || c.dryRun === opts.dryRun));
  }

  /** Real (not DryRun) Authorize and Revoke calls. */
  writes(): Ec2Call[] {
    return this.calls.filter((c) => !c.dryRun && (c.op === 'AuthorizeSecurityGroupIngress' || c.op === 'RevokeSecurityGroupIngress'));
  }

  resetCalls(): void {
    this.calls.length = 0;
  }

  /** The group's rules as "tcp 22-22 0.0.0.0/0 (description)" lines, sorted: compare before/after without IDs. */
  state(groupId = SEED_GROUP): string[] {
    return this.rules
      .filter((r) => r.groupId === groupId)
      .map((r) => `${r.protocol} ${r.from}-${r.to} ${sourceOf(r)}${r.description ? ` (${r.description})` : ''}`)
      .sort();
  }

  /** One EC2 operation: logged, delayed by `latencyMs`, faulted if a fault is queued, then answered. Throws Ec2Error. */
  async call<O extends Ec2Op>(op: O, input: Ec2Input<O>): Promise<Ec2Output<O>> {
    const call: Ec2Call = { op, input: structuredClone(input) as Record<string, unknown>, dryRun: input.DryRun === true, at: Date.now() };
    this.calls.push(call);
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    const fault = this.takeFault(call);
    if (fault && !fault.afterApply) throw new Ec2Error(fault.code, fault.message, fault.status);
    if (call.dryRun) throw new Ec2Error('DryRunOperation');
    const output = this.answer(op, input);
    if (fault) throw new Ec2Error(fault.code, fault.message, fault.status);
    return output;
  }

  private takeFault(call: Ec2Call): Ec2Fault | undefined {
    const list = this.faults.get(call.op);
    const at = list?.findIndex((f) => !f.when || f.when(call)) ?? -1;
    if (!list || at === -1) return undefined;
    const fault = list[at] as Ec2Fault;
    if (fault.times !== undefined && --fault.times <= 0) list.splice(at, 1);
    return fault;
  }

  private answer<O extends Ec2Op>(op: O, input: Ec2Input<O>): Ec2Output<O> {
    const answers: { [K in Ec2Op]: (input: Ec2Input<K>) => Ec2Output<K> } = {
      DescribeInstances: (i) => this.describeInstances(i),
      DescribeSecurityGroupRules: (i) => this.describeRules(i),
      AuthorizeSecurityGroupIngress: (i) => this.authorize(i),
      RevokeSecurityGroupIngress: (i) => this.revoke(i),
    };
    return answers[op](input);
  }

  private groupExists(groupId: string): boolean {
    return (
      this.groups.has(groupId) ||
      this.rules.some((r) => r.groupId === groupId) ||
      [...this.instances.values()].some((g) => g.includes(groupId))
    );
  }

  private requireGroup(groupId: string | undefined): string {
    if (!groupId) throw new Ec2Error('MissingParameter', 'The request must contain the parameter groupId');
    if (!this.groupExists(groupId)) throw new Ec2Error('InvalidGroup.NotFound', `The security group '${groupId}' does not exist`);
    return groupId;
  }

  private describeInstances(input: DescribeInstancesCommandInput): Ec2Output<'DescribeInstances'> {
    const ids = input.InstanceIds ?? [...this.instances.keys()];
    for (const id of ids)
      if (!this.instances.has(id)) throw new Ec2Error('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
    return {
      Reservations: ids.map((id, i) => {
        const pairs = (this.instances.get(id) ?? []).map((g) => ({ GroupId: g, GroupName: `name-${g}` }));
        return {
          ReservationId: `r-${String(i + 1).padStart(17, '0')}`,
          OwnerId: this.accountId,
          Instances: [
            { InstanceId: id, SecurityGroups: pairs, NetworkInterfaces: [{ NetworkInterfaceId: `eni-${id.slice(2)}`, Groups: pairs }] },
          ],
        };
      }),
    };
  }

  private describeRules(input: DescribeSecurityGroupRulesCommandInput): Ec2Output<'DescribeSecurityGroupRules'> {
    let rows = [...this.rules];
    for (const f of input.Filters ?? []) {
      const values = f.Values ?? [];
      if (f.Name === 'group-id') rows = rows.filter((r) => values.includes(r.groupId));
      else if (f.Name === 'security-group-rule-id') rows = rows.filter((r) => values.includes(r.id));
      else throw new Ec2Error('InvalidParameterValue', `The filter '${f.Name ?? ''}' is invalid`);
    }
    if (input.SecurityGroupRuleIds) {
      const ids = input.SecurityGroupRuleIds;
      for (const id of ids)
        if (!this.rules.some((r) => r.id === id))
          throw new Ec2Error('InvalidSecurityGroupRuleId.NotFound', `The security group rule ID '${id}' does not exist`);
      rows = rows.filter((r) => ids.includes(r.id));
    }
    const max = input.MaxResults ?? 1000;
    if (!Number.isInteger(max) || max < 5 || max > 1000)
      throw new Ec2Error(
        'InvalidParameterValue',
        `Value (${max}) for parameter maxResults is invalid. Expecting a value between 5 and 1000.`,
      );
    let start = 0;
    if (input.NextToken) {
      const m = /^page-(\d+)$/.exec(input.NextToken);
      if (!m) throw new Ec2Error('InvalidParameterValue', 'The token is invalid');
      start = Number(m[1]);
    }
    const page = rows.slice(start, start + max);
    return {
      SecurityGroupRules: page.map((r) => toSdkRule(r, this.accountId)),
      ...(start + max < rows.length ? { NextToken: `page-${start + max}` } : {}),
    };
  }

  private authorize(input: AuthorizeSecurityGroupIngressCommandInput): Ec2Output<'AuthorizeSecurityGroupIngress'> {
    const groupId = this.requireGroup(input.GroupId);
    const wanted = rulesOf(groupId, input.IpPermissions ?? []);
    if (wanted.length === 0) throw new Ec2Error('MissingParameter', 'No ip permissions given');
    for (const [i, w] of wanted.entries()) {
      if (this.rules.some((r) => sameRule(r, w)) || wanted.slice(0, i).some((x) => sameRule(x, w))) {
        throw new Ec2Error('InvalidPermission.Duplicate', `the specified rule "${peer(w)}" already exists`);
      }
    }
    const added = wanted.map((w) => ({ ...w, id: this.ruleId(this.next++) }));
    this.rules.push(...added);
    return { Return: true, SecurityGroupRules: added.map((r) => toSdkRule(r, this.accountId)) };
  }

  private revoke(input: RevokeSecurityGroupIngressCommandInput): Ec2Output<'RevokeSecurityGroupIngress'> {
    const groupId = this.requireGroup(input.GroupId);
    const gone: Ec2Rule[] = [];
    for (const id of input.SecurityGroupRuleIds ?? []) {
      const found = this.rules.find((r) => r.id === id && r.groupId === groupId);
      if (!found)
        throw new Ec2Error('InvalidSecurityGroupRuleId.NotFound', `The specified rule ID(s) '${id}' does not exist in this security group`);
      gone.push(found);
    }
    for (const w of rulesOf(groupId, input.IpPermissions ?? [])) {
      const found = this.rules.find((r) => sameRule(r, w));
      if (!found) throw new Ec2Error('InvalidPermission.NotFound', 'The specified rule does not exist in this security group.');
      gone.push(found);
    }
    if (gone.length === 0) throw new Ec2Error('MissingParameter', "Either 'ipPermissions' or 'securityGroupRuleIds' should be provided.");
    this.rules = this.rules.filter((r) => !gone.includes(r));
    const revoked: RevokedSecurityGroupRule[] = gone.map((r) => {
      const rule: RevokedSecurityGroupRule & { ReferencedGroupInfo?: unknown } = { ...toSdkRule(r) };
      delete rule.ReferencedGroupInfo;
      return { ...rule, ...(r.group ? { ReferencedGroupId: r.group } : {}) };
    });
    return { Return: true, RevokedSecurityGroupRules: revoked };
  }
}
