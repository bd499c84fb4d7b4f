import type {
  AuthorizeSecurityGroupIngressCommandInput,
  AuthorizeSecurityGroupIngressCommandOutput,
  CreateSecurityGroupCommandInput,
  CreateSecurityGroupCommandOutput,
  CreateSnapshotCommandInput,
  CreateSnapshotCommandOutput,
  CreateTagsCommandInput,
  CreateTagsCommandOutput,
  DescribeInstancesCommandInput,
  DescribeInstancesCommandOutput,
  DescribeNetworkInterfacesCommandInput,
  DescribeNetworkInterfacesCommandOutput,
  DescribeSecurityGroupRulesCommandInput,
  DescribeSecurityGroupRulesCommandOutput,
  DescribeSecurityGroupsCommandInput,
  DescribeSecurityGroupsCommandOutput,
  DescribeSnapshotsCommandInput,
  DescribeSnapshotsCommandOutput,
  DescribeVolumesCommandInput,
  DescribeVolumesCommandOutput,
  Instance,
  IpPermission,
  ModifyNetworkInterfaceAttributeCommandInput,
  ModifyNetworkInterfaceAttributeCommandOutput,
  NetworkInterface,
  RevokeSecurityGroupEgressCommandInput,
  RevokeSecurityGroupEgressCommandOutput,
  RevokeSecurityGroupIngressCommandInput,
  RevokeSecurityGroupIngressCommandOutput,
  RevokedSecurityGroupRule,
  SecurityGroup,
  Snapshot,
  Tag,
  Volume,
} from '@aws-sdk/client-ec2';
import { Ec2Error } from './errors';
import {
  applyFilters,
  defaultEgress,
  ec2EgressRuleId,
  ec2GroupId,
  ec2SnapshotId,
  tagsFor,
  toTags,
  type Ec2Fixture,
  type Ec2Group,
  type Ec2InstanceRecord,
  type Ec2NetworkInterface,
  type Ec2Snapshot,
  type Ec2Volume,
} from './resources';
import { peer, rulesOf, sameRule, sourceOf, toIpPermissions, toSdkRule, type Ec2Rule } from './rules';
import { SEED_ACCOUNT, SEED_GROUP } from './seed';
import { takeFault } from '../faults';

export const EC2_OPERATIONS = [
  'DescribeInstances',
  'DescribeSecurityGroupRules',
  'AuthorizeSecurityGroupIngress',
  'RevokeSecurityGroupIngress',
  'DescribeNetworkInterfaces',
  'ModifyNetworkInterfaceAttribute',
  'CreateSecurityGroup',
  'DescribeSecurityGroups',
  'RevokeSecurityGroupEgress',
  'CreateSnapshot',
  'DescribeSnapshots',
  'DescribeVolumes',
  'CreateTags',
] as const;
export type Ec2Op = (typeof EC2_OPERATIONS)[number];

interface Ec2Io {
  DescribeInstances: [DescribeInstancesCommandInput, Omit<DescribeInstancesCommandOutput, '$metadata'>];
  DescribeSecurityGroupRules: [DescribeSecurityGroupRulesCommandInput, Omit<DescribeSecurityGroupRulesCommandOutput, '$metadata'>];
  AuthorizeSecurityGroupIngress: [AuthorizeSecurityGroupIngressCommandInput, Omit<AuthorizeSecurityGroupIngressCommandOutput, '$metadata'>];
  RevokeSecurityGroupIngress: [RevokeSecurityGroupIngressCommandInput, Omit<RevokeSecurityGroupIngressCommandOutput, '$metadata'>];
  DescribeNetworkInterfaces: [DescribeNetworkInterfacesCommandInput, Omit<DescribeNetworkInterfacesCommandOutput, '$metadata'>];
  ModifyNetworkInterfaceAttribute: [
    ModifyNetworkInterfaceAttributeCommandInput,
    Omit<ModifyNetworkInterfaceAttributeCommandOutput, '$metadata'>,
  ];
  CreateSecurityGroup: [CreateSecurityGroupCommandInput, Omit<CreateSecurityGroupCommandOutput, '$metadata'>];
  DescribeSecurityGroups: [DescribeSecurityGroupsCommandInput, Omit<DescribeSecurityGroupsCommandOutput, '$metadata'>];
  RevokeSecurityGroupEgress: [RevokeSecurityGroupEgressCommandInput, Omit<RevokeSecurityGroupEgressCommandOutput, '$metadata'>];
  CreateSnapshot: [CreateSnapshotCommandInput, Omit<CreateSnapshotCommandOutput, '$metadata'>];
  DescribeSnapshots: [DescribeSnapshotsCommandInput, Omit<DescribeSnapshotsCommandOutput, '$metadata'>];
  DescribeVolumes: [DescribeVolumesCommandInput, Omit<DescribeVolumesCommandOutput, '$metadata'>];
  CreateTags: [CreateTagsCommandInput, Omit<CreateTagsCommandOutput, '$metadata'>];
}

/** The operations that change the model (their real, not DryRun, calls are what {@link Ec2Model.changes} lists). */
export const EC2_WRITE_OPERATIONS: readonly Ec2Op[] = [
  'AuthorizeSecurityGroupIngress',
  'RevokeSecurityGroupIngress',
  'ModifyNetworkInterfaceAttribute',
  'CreateSecurityGroup',
  'RevokeSecurityGroupEgress',
  'CreateSnapshot',
  'CreateTags',
];
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
  /** Egress rules, apart from the ingress `rules` (a group from {@link add} or CreateSecurityGroup gets EC2's default one). */
  egress: Ec2Rule[] = [];
  /** Names, descriptions and VPCs of groups; a group without an entry is named `name-<id>` and lives in no VPC. */
  readonly groupInfo = new Map<string, Ec2Group>();
  /** Instances added with {@link add} (their groups are also mirrored in `instances`, as the union of their ENIs' groups). */
  readonly instanceRecords = new Map<string, Ec2InstanceRecord>();
  readonly networkInterfaces = new Map<string, Ec2NetworkInterface>();
  readonly volumes = new Map<string, Ec2Volume>();
  readonly snapshots = new Map<string, Ec2Snapshot>();
  /** Resource ID → tag key → value (instances, groups, snapshots, volumes, ENIs). */
  readonly tags = new Map<string, Map<string, string>>();
  /** VPCs that exist even with nothing in them. */
  readonly vpcs = new Set<string>();
  private next = 1;
  private nextEgress = 1;
  private nextGroup = 1;
  private nextSnapshot = 1;
  private readonly ruleId: (n: number) => string;
  private readonly accountId: string;

  constructor(options: Ec2ModelOptions = {}) {
    this.ruleId = options.ruleId ?? ec2RuleId;
    this.accountId = options.accountId ?? SEED_ACCOUNT;
  }

  /**
   * Replaces rules and instances (and forgets every group, ENI, volume, snapshot and tag {@link add} or the
   * operations made), forgets calls and faults, and numbers new rules, groups and snapshots from 1 again. An
   * instance given here has one ENI, `eni-<id without i->`, holding `groups`, and no VPC, volumes or tags.
   */
  seed(rules: Ec2Rule[], instances: Record<string, string[]> = {}): this {
    this.rules = rules.map((r) => ({ ...r }));
    this.instances.clear();
    for (const [id, groups] of Object.entries(instances)) this.instances.set(id, [...groups]);
    this.groups.clear();
    this.egress = [];
    this.groupInfo.clear();
    this.instanceRecords.clear();
    this.networkInterfaces.clear();
    this.volumes.clear();
    this.snapshots.clear();
    this.tags.clear();
    this.vpcs.clear();
    this.calls.length = 0;
    this.faults.clear();
    this.next = 1;
    this.nextEgress = 1;
    this.nextGroup = 1;
    this.nextSnapshot = 1;
    return this;
  }

  /**
   * Adds groups (with their ingress and egress rules and tags) and instances (with their ENIs, volumes and tags) to
   * what the model holds; an ID already present is refused (Error). Calls, faults and counters are left alone.
   */
  add(fixture: Ec2Fixture): this {
    for (const vpc of fixture.vpcs ?? []) this.vpcs.add(vpc);
    for (const g of fixture.groups ?? []) {
      if (this.groupExists(g.id)) throw new Error(`group ${g.id} exists already`);
      this.groupInfo.set(g.id, { id: g.id, name: g.name, description: g.description ?? g.name, vpcId: g.vpcId });
      this.vpcs.add(g.vpcId);
      this.groups.add(g.id);
      this.setTags(g.id, g.tags ?? {});
      this.rules.push(...(g.ingress ?? []).map((r) => ({ ...r, groupId: g.id })));
      this.egress.push(
        ...(g.egress ? g.egress.map((r) => ({ ...r, groupId: g.id })) : [defaultEgress(ec2EgressRuleId(this.nextEgress++), g.id)]),
      );
    }
    for (const i of fixture.instances ?? []) {
      if (this.instances.has(i.id)) throw new Error(`instance ${i.id} exists already`);
      this.instanceRecords.set(i.id, {
        id: i.id,
        vpcId: i.vpcId,
        ...(i.subnetId ? { subnetId: i.subnetId } : {}),
        ...(i.state ? { state: i.state } : {}),
      });
      this.vpcs.add(i.vpcId);
      this.setTags(i.id, i.tags ?? {});
      for (const [index, n] of i.networkInterfaces.entries()) {
        if (this.networkInterfaces.has(n.id)) throw new Error(`network interface ${n.id} exists already`);
        const subnetId = n.subnetId ?? i.subnetId;
        this.networkInterfaces.set(n.id, {
          id: n.id,
          vpcId: i.vpcId,
          ...(subnetId ? { subnetId } : {}),
          groups: [...n.groups],
          instanceId: i.id,
          deviceIndex: n.deviceIndex ?? index,
          attachmentId: `eni-attach-${n.id.replace(/^eni-/, '')}`,
        });
      }
      for (const v of i.volumes ?? []) {
        if (this.volumes.has(v.id)) throw new Error(`volume ${v.id} exists already`);
        this.volumes.set(v.id, {
          id: v.id,
          sizeGiB: v.sizeGiB ?? 8,
          availabilityZone: 'us-east-1a',
          instanceId: i.id,
          device: v.device,
          deleteOnTermination: v.deleteOnTermination ?? true,
        });
      }
      this.instances.set(i.id, this.eniGroupsOf(i.id));
    }
    return this;
  }

  /** Makes pending snapshots (all, or those named) `completed`. */
  completeSnapshots(...ids: string[]): void {
    for (const snap of this.snapshots.values()) if (ids.length === 0 || ids.includes(snap.id)) snap.state = 'completed';
  }

  /** A resource's tags as a plain object ({} when it has none). */
  tagsOf(resourceId: string): Record<string, string> {
    return Object.fromEntries(this.tags.get(resourceId) ?? []);
  }

  /** The ENIs attached to an instance (an instance from `seed` has its one implied ENI), by device index. */
  networkInterfacesOf(instanceId: string): Ec2NetworkInterface[] {
    return this.allNetworkInterfaces()
      .filter((n) => n.instanceId === instanceId)
      .sort((a, b) => (a.deviceIndex ?? 0) - (b.deviceIndex ?? 0));
  }

  /** The group's egress rules as "-1 -1--1 0.0.0.0/0" lines, sorted (the egress counterpart of {@link state}). */
  egressState(groupId: string): string[] {
    return this.egress
      .filter((r) => r.groupId === groupId)
      .map((r) => `${r.protocol} ${r.from}-${r.to} ${sourceOf(r)}${r.description ? ` (${r.description})` : ''}`)
      .sort();
  }

  /** Real (not DryRun) calls of every operation that changes the model ({@link EC2_WRITE_OPERATIONS}). */
  changes(): Ec2Call[] {
    return this.calls.filter((c) => !c.dryRun && EC2_WRITE_OPERATIONS.includes(c.op));
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
    return takeFault(this.faults as Map<string, Ec2Fault[]>, call);
  }

  private answer<O extends Ec2Op>(op: O, input: Ec2Input<O>): Ec2Output<O> {
    const answers: { [K in Ec2Op]: (input: Ec2Input<K>) => Ec2Output<K> } = {
      DescribeInstances: (i) => this.describeInstances(i),
      DescribeSecurityGroupRules: (i) => this.describeRules(i),
      AuthorizeSecurityGroupIngress: (i) => this.authorize(i),
      RevokeSecurityGroupIngress: (i) => this.revoke(i),
      DescribeNetworkInterfaces: (i) => this.describeNetworkInterfaces(i),
      ModifyNetworkInterfaceAttribute: (i) => this.modifyNetworkInterface(i),
      CreateSecurityGroup: (i) => this.createGroup(i),
      DescribeSecurityGroups: (i) => this.describeGroups(i),
      RevokeSecurityGroupEgress: (i) => this.revokeEgress(i),
      CreateSnapshot: (i) => this.createSnapshot(i),
      DescribeSnapshots: (i) => this.describeSnapshots(i),
      DescribeVolumes: (i) => this.describeVolumes(i),
      CreateTags: (i) => this.createTags(i),
    };
    return answers[op](input);
  }

  private groupExists(groupId: string): boolean {
    return (
      this.groups.has(groupId) ||
      this.groupInfo.has(groupId) ||
      this.rules.some((r) => r.groupId === groupId) ||
      [...this.instances.values()].some((g) => g.includes(groupId)) ||
      [...this.networkInterfaces.values()].some((n) => n.groups.includes(groupId))
    );
  }

  /** Every group that exists, in a stable order: described ones first, then the ones only rules or instances imply. */
  private allGroupIds(): string[] {
    const ids = new Set<string>([...this.groupInfo.keys(), ...this.groups]);
    for (const r of this.rules) ids.add(r.groupId);
    for (const groups of this.instances.values()) for (const g of groups) ids.add(g);
    for (const n of this.networkInterfaces.values()) for (const g of n.groups) ids.add(g);
    return [...ids];
  }

  private groupOf(groupId: string): Ec2Group {
    return this.groupInfo.get(groupId) ?? { id: groupId, name: `name-${groupId}`, description: `name-${groupId}` };
  }

  private pair(groupId: string): { GroupId: string; GroupName: string } {
    return { GroupId: groupId, GroupName: this.groupOf(groupId).name };
  }

  /** Real ENIs plus the one an instance from `seed` implies (`eni-<id without i->`, its groups those of `instances`). */
  private allNetworkInterfaces(): Ec2NetworkInterface[] {
    const implied = [...this.instances.entries()]
      .filter(([id]) => !this.instanceRecords.has(id))
      .map(([id, groups]): Ec2NetworkInterface => ({ id: impliedEni(id), groups, instanceId: id, deviceIndex: 0 }));
    return [...this.networkInterfaces.values(), ...implied];
  }

  private eniGroupsOf(instanceId: string): string[] {
    const ids = new Set<string>();
    for (const n of this.networkInterfacesOf(instanceId)) for (const g of n.groups) ids.add(g);
    return [...ids];
  }

  private setTags(resourceId: string, tags: Record<string, string>): void {
    const map = this.tags.get(resourceId) ?? new Map<string, string>();
    for (const [k, v] of Object.entries(tags)) map.set(k, v);
    if (map.size > 0) this.tags.set(resourceId, map);
  }

  private sdkTags(resourceId: string): { Tags?: Tag[] } {
    const tags = toTags(this.tagsOf(resourceId));
    return tags.length > 0 ? { Tags: tags } : {};
  }

  private vpcExists(vpcId: string): boolean {
    return (
      this.vpcs.has(vpcId) ||
      [...this.groupInfo.values()].some((g) => g.vpcId === vpcId) ||
      [...this.instanceRecords.values()].some((i) => i.vpcId === vpcId)
    );
  }

  private requireGroup(groupId: string | undefined): string {
    if (!groupId) throw new Ec2Error('MissingParameter', 'The request must contain the parameter groupId');
    if (!this.groupExists(groupId)) throw new Ec2Error('InvalidGroup.NotFound', `The security group '${groupId}' does not exist`);
    return groupId;
  }

  private describeInstances(input: DescribeInstancesCommandInput): Ec2Output<'DescribeInstances'> {
    let ids = input.InstanceIds ?? [...this.instances.keys()];
    for (const id of ids)
      if (!this.instances.has(id)) throw new Ec2Error('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
    ids = applyFilters(
      ids,
      input.Filters,
      {
        'instance-id': (id) => [id],
        'vpc-id': (id) => [this.instanceRecords.get(id)?.vpcId],
        'instance-state-name': (id) => [this.instanceRecords.get(id)?.state ?? 'running'],
        'network-interface.network-interface-id': (id) => this.networkInterfacesOf(id).map((n) => n.id),
        'instance.group-id': (id) => this.instances.get(id) ?? [],
      },
      (id) => this.tagsOf(id),
    );
    return {
      Reservations: ids.map((id, i) => ({
        ReservationId: `r-${String(i + 1).padStart(17, '0')}`,
        OwnerId: this.accountId,
        Instances: [this.describeInstance(id)],
      })),
    };
  }

  private describeInstance(id: string): Instance {
    const record = this.instanceRecords.get(id);
    if (!record) {
      // An instance from `seed`: what DescribeInstances has always answered for it.
      const pairs = (this.instances.get(id) ?? []).map((g) => this.pair(g));
      return { InstanceId: id, SecurityGroups: pairs, NetworkInterfaces: [{ NetworkInterfaceId: impliedEni(id), Groups: pairs }] };
    }
    const enis = this.networkInterfacesOf(id);
    const volumes = [...this.volumes.values()].filter((v) => v.instanceId === id);
    const state = record.state ?? 'running';
    return {
      InstanceId: id,
      State: { Name: state as 'running', Code: STATE_CODES[state] ?? 16 },
      VpcId: record.vpcId,
      ...(record.subnetId ? { SubnetId: record.subnetId } : {}),
      SecurityGroups: this.eniGroupsOf(id).map((g) => this.pair(g)),
      NetworkInterfaces: enis.map((n) => ({
        NetworkInterfaceId: n.id,
        ...(n.vpcId ? { VpcId: n.vpcId } : {}),
        ...(n.subnetId ? { SubnetId: n.subnetId } : {}),
        OwnerId: this.accountId,
        Status: 'in-use',
        Groups: n.groups.map((g) => this.pair(g)),
        Attachment: {
          ...(n.attachmentId ? { AttachmentId: n.attachmentId } : {}),
          DeviceIndex: n.deviceIndex ?? 0,
          Status: 'attached',
          DeleteOnTermination: n.deviceIndex === 0,
        },
      })),
      ...(volumes.length > 0
        ? {
            RootDeviceName: volumes[0]?.device,
            BlockDeviceMappings: volumes.map((v) => ({
              DeviceName: v.device,
              Ebs: { VolumeId: v.id, Status: 'attached', DeleteOnTermination: v.deleteOnTermination ?? true },
            })),
          }
        : {}),
      ...this.sdkTags(id),
    };
  }

  private describeRules(input: DescribeSecurityGroupRulesCommandInput): Ec2Output<'DescribeSecurityGroupRules'> {
    // Ingress rules, then egress rules (IsEgress true), as EC2 lists both.
    let rows = [...this.rules, ...this.egress];
    for (const f of input.Filters ?? []) {
      const values = f.Values ?? [];
      if (f.Name === 'group-id') rows = rows.filter((r) => values.includes(r.groupId));
      else if (f.Name === 'security-group-rule-id') rows = rows.filter((r) => values.includes(r.id));
      else throw new Ec2Error('InvalidParameterValue', `The filter '${f.Name ?? ''}' is invalid`);
    }
    if (input.SecurityGroupRuleIds) {
      const ids = input.SecurityGroupRuleIds;
      for (const id of ids)
        if (![...this.rules, ...this.egress].some((r) => r.id === id))
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
      SecurityGroupRules: page.map((r) => toSdkRule(r, this.accountId, this.egress.includes(r))),
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

  private describeNetworkInterfaces(input: DescribeNetworkInterfacesCommandInput): Ec2Output<'DescribeNetworkInterfaces'> {
    const all = this.allNetworkInterfaces();
    let rows = all;
    if (input.NetworkInterfaceIds) {
      const ids = input.NetworkInterfaceIds;
      for (const id of ids)
        if (!all.some((n) => n.id === id))
          throw new Ec2Error('InvalidNetworkInterfaceID.NotFound', `The networkInterface ID '${id}' does not exist`);
      rows = rows.filter((n) => ids.includes(n.id));
    }
    rows = applyFilters(
      rows,
      input.Filters,
      {
        'attachment.instance-id': (n) => [n.instanceId],
        'network-interface-id': (n) => [n.id],
        'vpc-id': (n) => [n.vpcId],
        'group-id': (n) => n.groups,
        'subnet-id': (n) => [n.subnetId],
      },
      (n) => this.tagsOf(n.id),
    );
    return { NetworkInterfaces: rows.map((n) => this.sdkNetworkInterface(n)) };
  }

  private sdkNetworkInterface(n: Ec2NetworkInterface): NetworkInterface {
    return {
      NetworkInterfaceId: n.id,
      ...(n.vpcId ? { VpcId: n.vpcId } : {}),
      ...(n.subnetId ? { SubnetId: n.subnetId } : {}),
      OwnerId: this.accountId,
      Status: n.instanceId ? 'in-use' : 'available',
      InterfaceType: 'interface',
      Groups: n.groups.map((g) => this.pair(g)),
      ...(n.instanceId
        ? {
            Attachment: {
              ...(n.attachmentId ? { AttachmentId: n.attachmentId } : {}),
              InstanceId: n.instanceId,
              InstanceOwnerId: this.accountId,
              DeviceIndex: n.deviceIndex ?? 0,
              Status: 'attached',
              DeleteOnTermination: n.deviceIndex === 0,
            },
          }
        : {}),
      ...this.sdkTags(n.id),
    };
  }

  private modifyNetworkInterface(input: ModifyNetworkInterfaceAttributeCommandInput): Ec2Output<'ModifyNetworkInterfaceAttribute'> {
    const id = input.NetworkInterfaceId;
    if (!id) throw new Ec2Error('MissingParameter', 'The request must contain the parameter networkInterfaceId');
    const eni = this.allNetworkInterfaces().find((n) => n.id === id);
    if (!eni) throw new Ec2Error('InvalidNetworkInterfaceID.NotFound', `The networkInterface ID '${id}' does not exist`);
    const groups = input.Groups;
    if (!groups) {
      if (input.Description || input.SourceDestCheck || input.Attachment || input.EnaSrdSpecification) return {};
      throw new Ec2Error('MissingParameter', 'The request must contain one attribute to modify');
    }
    if (groups.length === 0) throw new Ec2Error('MissingParameter', 'The request must contain the parameter groupId');
    if (new Set(groups).size > 5)
      throw new Ec2Error(
        'SecurityGroupsPerInterfaceLimitExceeded',
        'You have exceeded the maximum number of security groups allowed per network interface.',
      );
    for (const g of groups) {
      if (!this.groupExists(g) || this.groupOf(g).vpcId !== eni.vpcId)
        throw new Ec2Error('InvalidGroup.NotFound', `The security group '${g}' does not exist in VPC '${eni.vpcId ?? ''}'`);
    }
    const unique = [...new Set(groups)];
    const real = this.networkInterfaces.get(id);
    if (real) {
      real.groups = unique;
      if (real.instanceId) this.instances.set(real.instanceId, this.eniGroupsOf(real.instanceId));
    } else if (eni.instanceId) {
      this.instances.set(eni.instanceId, unique);
    }
    return {};
  }

  private createGroup(input: CreateSecurityGroupCommandInput): Ec2Output<'CreateSecurityGroup'> {
    const name = input.GroupName;
    if (!name) throw new Ec2Error('MissingParameter', 'The request must contain the parameter groupName');
    if (!input.Description) throw new Ec2Error('MissingParameter', 'The request must contain the parameter groupDescription');
    if (/^sg-/i.test(name)) throw new Ec2Error('InvalidParameterValue', "Group names may not be in the format 'sg-*'.");
    if (name.length > 255) throw new Ec2Error('InvalidParameterValue', 'Group name is too long (maximum is 255 characters)');
    const vpcId = input.VpcId;
    if (!vpcId) throw new Ec2Error('VPCIdNotSpecified', 'No default VPC for this user');
    if (!this.vpcExists(vpcId)) throw new Ec2Error('InvalidVpcID.NotFound', `The vpc ID '${vpcId}' does not exist`);
    if ([...this.groupInfo.values()].some((g) => g.vpcId === vpcId && g.name === name))
      throw new Ec2Error('InvalidGroup.Duplicate', `The security group '${name}' already exists for VPC '${vpcId}'`);
    const tags = tagsFor('security-group', input.TagSpecifications);
    let id = ec2GroupId(this.nextGroup++);
    while (this.groupExists(id)) id = ec2GroupId(this.nextGroup++);
    this.groupInfo.set(id, { id, name, description: input.Description, vpcId });
    this.groups.add(id);
    this.setTags(id, tags);
    this.egress.push(defaultEgress(ec2EgressRuleId(this.nextEgress++), id));
    return {
      GroupId: id,
      SecurityGroupArn: `arn:aws:ec2:us-east-1:${this.accountId}:security-group/${id}`,
      ...this.sdkTags(id),
    };
  }

  private describeGroups(input: DescribeSecurityGroupsCommandInput): Ec2Output<'DescribeSecurityGroups'> {
    let ids = this.allGroupIds();
    if (input.GroupIds) {
      const wanted = input.GroupIds;
      for (const id of wanted)
        if (!ids.includes(id)) throw new Ec2Error('InvalidGroup.NotFound', `The security group '${id}' does not exist`);
      ids = ids.filter((id) => wanted.includes(id));
    }
    if (input.GroupNames) {
      // By name EC2 looks in the default VPC only; the model has none.
      const missing = input.GroupNames[0];
      if (missing !== undefined)
        throw new Ec2Error('InvalidGroup.NotFound', `The security group '${missing}' does not exist in default VPC 'vpc-none'`);
    }
    ids = applyFilters(
      ids,
      input.Filters,
      {
        'group-id': (id) => [id],
        'group-name': (id) => [this.groupOf(id).name],
        'vpc-id': (id) => [this.groupOf(id).vpcId],
        description: (id) => [this.groupOf(id).description],
        'owner-id': () => [this.accountId],
      },
      (id) => this.tagsOf(id),
    );
    return { SecurityGroups: ids.map((id) => this.sdkGroup(id)) };
  }

  private sdkGroup(id: string): SecurityGroup {
    const g = this.groupOf(id);
    return {
      GroupId: id,
      GroupName: g.name,
      Description: g.description,
      OwnerId: this.accountId,
      ...(g.vpcId ? { VpcId: g.vpcId } : {}),
      SecurityGroupArn: `arn:aws:ec2:us-east-1:${this.accountId}:security-group/${id}`,
      IpPermissions: toIpPermissions(
        this.rules.filter((r) => r.groupId === id),
        this.accountId,
      ),
      IpPermissionsEgress: toIpPermissions(
        this.egress.filter((r) => r.groupId === id),
        this.accountId,
      ),
      ...this.sdkTags(id),
    };
  }

  private revokeEgress(input: RevokeSecurityGroupEgressCommandInput): Ec2Output<'RevokeSecurityGroupEgress'> {
    const groupId = this.requireGroup(input.GroupId);
    const gone: Ec2Rule[] = [];
    for (const id of input.SecurityGroupRuleIds ?? []) {
      const found = this.egress.find((r) => r.id === id && r.groupId === groupId);
      if (!found)
        throw new Ec2Error('InvalidSecurityGroupRuleId.NotFound', `The specified rule ID(s) '${id}' does not exist in this security group`);
      gone.push(found);
    }
    const permissions: IpPermission[] = input.IpPermissions ?? [];
    for (const w of rulesOf(groupId, permissions)) {
      const found = this.egress.find((r) => sameRule(r, w));
      if (!found) throw new Ec2Error('InvalidPermission.NotFound', 'The specified rule does not exist in this security group.');
      gone.push(found);
    }
    if (gone.length === 0) throw new Ec2Error('MissingParameter', "Either 'ipPermissions' or 'securityGroupRuleIds' should be provided.");
    this.egress = this.egress.filter((r) => !gone.includes(r));
    const revoked: RevokedSecurityGroupRule[] = gone.map((r) => {
      const rule: RevokedSecurityGroupRule & { ReferencedGroupInfo?: unknown } = { ...toSdkRule(r, undefined, true) };
      delete rule.ReferencedGroupInfo;
      return { ...rule, ...(r.group ? { ReferencedGroupId: r.group } : {}) };
    });
    return { Return: true, RevokedSecurityGroupRules: revoked };
  }

  private createSnapshot(input: CreateSnapshotCommandInput): Ec2Output<'CreateSnapshot'> {
    const volumeId = input.VolumeId;
    if (!volumeId) throw new Ec2Error('MissingParameter', 'The request must contain the parameter volumeId');
    const volume = this.volumes.get(volumeId);
    if (!volume) throw new Ec2Error('InvalidVolume.NotFound', `The volume '${volumeId}' does not exist.`);
    const tags = tagsFor('snapshot', input.TagSpecifications);
    const id = ec2SnapshotId(this.nextSnapshot++);
    const snapshot: Ec2Snapshot = {
      id,
      volumeId,
      ...(input.Description !== undefined ? { description: input.Description } : {}),
      state: 'pending',
      startTime: new Date(),
      ownerId: this.accountId,
      volumeSizeGiB: volume.sizeGiB,
    };
    this.snapshots.set(id, snapshot);
    this.setTags(id, tags);
    return this.sdkSnapshot(snapshot);
  }

  private sdkSnapshot(s: Ec2Snapshot): Snapshot {
    return {
      SnapshotId: s.id,
      VolumeId: s.volumeId,
      State: s.state,
      StartTime: s.startTime,
      Progress: s.state === 'completed' ? '100%' : '0%',
      OwnerId: s.ownerId,
      VolumeSize: s.volumeSizeGiB,
      Encrypted: false,
      ...(s.description !== undefined ? { Description: s.description } : {}),
      ...this.sdkTags(s.id),
    };
  }

  private describeSnapshots(input: DescribeSnapshotsCommandInput): Ec2Output<'DescribeSnapshots'> {
    let rows = [...this.snapshots.values()];
    if (input.SnapshotIds) {
      const ids = input.SnapshotIds;
      for (const id of ids)
        if (!this.snapshots.has(id)) throw new Ec2Error('InvalidSnapshot.NotFound', `The snapshot '${id}' does not exist.`);
      rows = rows.filter((s) => ids.includes(s.id));
    }
    if (input.OwnerIds) {
      const owners = input.OwnerIds.map((o) => (o === 'self' ? this.accountId : o));
      rows = rows.filter((s) => owners.includes(s.ownerId));
    }
    rows = applyFilters(
      rows,
      input.Filters,
      {
        'snapshot-id': (s) => [s.id],
        'volume-id': (s) => [s.volumeId],
        status: (s) => [s.state],
        'owner-id': (s) => [s.ownerId],
        description: (s) => [s.description],
      },
      (s) => this.tagsOf(s.id),
    );
    return { Snapshots: rows.map((s) => this.sdkSnapshot(s)) };
  }

  private describeVolumes(input: DescribeVolumesCommandInput): Ec2Output<'DescribeVolumes'> {
    let rows = [...this.volumes.values()];
    if (input.VolumeIds) {
      const ids = input.VolumeIds;
      for (const id of ids) if (!this.volumes.has(id)) throw new Ec2Error('InvalidVolume.NotFound', `The volume '${id}' does not exist.`);
      rows = rows.filter((v) => ids.includes(v.id));
    }
    rows = applyFilters(
      rows,
      input.Filters,
      {
        'attachment.instance-id': (v) => [v.instanceId],
        'attachment.device': (v) => [v.device],
        'volume-id': (v) => [v.id],
        status: (v) => [v.instanceId ? 'in-use' : 'available'],
      },
      (v) => this.tagsOf(v.id),
    );
    return { Volumes: rows.map((v) => this.sdkVolume(v)) };
  }

  private sdkVolume(v: Ec2Volume): Volume {
    return {
      VolumeId: v.id,
      Size: v.sizeGiB,
      AvailabilityZone: v.availabilityZone,
      VolumeType: 'gp3',
      Encrypted: false,
      State: v.instanceId ? 'in-use' : 'available',
      Attachments: v.instanceId
        ? [
            {
              VolumeId: v.id,
              InstanceId: v.instanceId,
              ...(v.device ? { Device: v.device } : {}),
              State: 'attached',
              DeleteOnTermination: v.deleteOnTermination ?? true,
            },
          ]
        : [],
      ...this.sdkTags(v.id),
    };
  }

  private createTags(input: CreateTagsCommandInput): Ec2Output<'CreateTags'> {
    const resources = input.Resources ?? [];
    if (resources.length === 0) throw new Ec2Error('MissingParameter', 'The request must contain the parameter resourceIdSet');
    if (!input.Tags || input.Tags.length === 0) throw new Ec2Error('MissingParameter', 'The request must contain the parameter tagSet');
    const tags: Record<string, string> = {};
    for (const t of input.Tags) {
      if (!t.Key) throw new Ec2Error('InvalidParameterValue', 'Tag keys must not be empty');
      if (t.Key.toLowerCase().startsWith('aws:'))
        throw new Ec2Error('InvalidParameterValue', "Tag keys starting with 'aws:' are reserved for internal use");
      tags[t.Key] = t.Value ?? '';
    }
    for (const id of resources) this.requireResource(id);
    for (const id of resources) this.setTags(id, tags);
    return {};
  }

  /** Refuses an ID of a resource that does not exist, with the NotFound code EC2 gives for its kind. */
  private requireResource(id: string): void {
    const kinds: [string, string, (id: string) => boolean][] = [
      ['i-', 'InvalidInstanceID.NotFound', (x) => this.instances.has(x)],
      ['sg-', 'InvalidGroup.NotFound', (x) => this.groupExists(x)],
      ['snap-', 'InvalidSnapshot.NotFound', (x) => this.snapshots.has(x)],
      ['vol-', 'InvalidVolume.NotFound', (x) => this.volumes.has(x)],
      ['eni-', 'InvalidNetworkInterfaceID.NotFound', (x) => this.allNetworkInterfaces().some((n) => n.id === x)],
      ['vpc-', 'InvalidVpcID.NotFound', (x) => this.vpcExists(x)],
    ];
    const kind = kinds.find(([prefix]) => id.startsWith(prefix));
    if (!kind) throw new Ec2Error('InvalidID', `The ID '${id}' is not valid`);
    if (!kind[2](id)) throw new Ec2Error(kind[1], `The ID '${id}' does not exist`);
  }
}

/** The one ENI an instance from `seed` has: `eni-` and the instance ID without `i-`. */
function impliedEni(instanceId: string): string {
  return `eni-${instanceId.slice(2)}`;
}

const STATE_CODES: Record<string, number> = { pending: 0, running: 16, 'shutting-down': 32, terminated: 48, stopping: 64, stopped: 80 };
