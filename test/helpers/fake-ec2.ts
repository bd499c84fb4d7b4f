import {
  AuthorizeSecurityGroupIngressCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupRulesCommand,
  EC2Client,
  EC2ServiceException,
  RevokeSecurityGroupIngressCommand,
  type AuthorizeSecurityGroupIngressCommandInput,
  type DescribeInstancesCommandInput,
  type DescribeSecurityGroupRulesCommandInput,
  type IpPermission,
  type RevokeSecurityGroupIngressCommandInput,
  type SecurityGroupRule,
} from '@aws-sdk/client-ec2';
import { mockClient, type AwsClientStub } from 'aws-sdk-client-mock';

/** One ingress rule of the fake, one source per rule, as EC2 keeps them. */
export interface FakeRule {
  id: string;
  groupId: string;
  protocol: string;
  from: number;
  to: number;
  v4?: string;
  v6?: string;
  group?: string;
  prefixList?: string;
  description?: string;
}

export type Ec2Op = 'AuthorizeSecurityGroupIngress' | 'RevokeSecurityGroupIngress' | 'DescribeSecurityGroupRules' | 'DescribeInstances';

export interface Ec2Call {
  op: Ec2Op;
  input: Record<string, unknown>;
  dryRun: boolean;
  /** Epoch ms when the call reached the fake. */
  at: number;
}

type Fault = { name: string; message?: string; times?: number };

export function ec2Error(name: string, message = name): EC2ServiceException {
  return new EC2ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: 400 }, message });
}

/**
 * EC2 security groups in memory behind aws-sdk-client-mock: the real EC2Client and Ec2Remediator run and
 * Authorize/Revoke/DescribeSecurityGroupRules/DescribeInstances really change and read the rule list.
 * Duplicate and NotFound behave like a non-default VPC; DryRun answers DryRunOperation.
 */
export class FakeEc2 {
  readonly mock: AwsClientStub<EC2Client>;
  rules: FakeRule[] = [];
  /** Instance ID → attached security group IDs. */
  readonly instances = new Map<string, string[]>();
  readonly calls: Ec2Call[] = [];
  readonly faults = new Map<Ec2Op, Fault>();
  latencyMs = 0;
  private next = 1;

  constructor() {
    this.mock = mockClient(EC2Client);
    this.mock.on(AuthorizeSecurityGroupIngressCommand).callsFake((input: AuthorizeSecurityGroupIngressCommandInput) =>
      this.run('AuthorizeSecurityGroupIngress', input, () => this.authorize(input)),
    );
    this.mock.on(RevokeSecurityGroupIngressCommand).callsFake((input: RevokeSecurityGroupIngressCommandInput) =>
      this.run('RevokeSecurityGroupIngress', input, () => this.revoke(input)),
    );
    this.mock.on(DescribeSecurityGroupRulesCommand).callsFake((input: DescribeSecurityGroupRulesCommandInput) =>
      this.run('DescribeSecurityGroupRules', input, () => {
        const groups = input.Filters?.find((f) => f.Name === 'group-id')?.Values ?? [];
        return { SecurityGroupRules: this.rules.filter((r) => groups.includes(r.groupId)).map((r) => toSdkRule(r)) };
      }),
    );
    this.mock.on(DescribeInstancesCommand).callsFake((input: DescribeInstancesCommandInput) =>
      this.run('DescribeInstances', input, () => {
        const id = input.InstanceIds?.[0] ?? '';
        const groups = this.instances.get(id);
        if (!groups) throw ec2Error('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
        const pairs = groups.map((g) => ({ GroupId: g, GroupName: `name-${g}` }));
        return { Reservations: [{ Instances: [{ InstanceId: id, SecurityGroups: pairs, NetworkInterfaces: [{ Groups: pairs }] }] }] };
      }),
    );
  }

  seed(rules: FakeRule[], instances: Record<string, string[]> = {}): this {
    this.rules = rules.map((r) => ({ ...r }));
    this.instances.clear();
    for (const [id, groups] of Object.entries(instances)) this.instances.set(id, groups);
    this.calls.length = 0;
    this.faults.clear();
    return this;
  }

  /** Makes the next `times` (default every) calls of `op` fail with the error `name`. */
  fail(op: Ec2Op, name: string, message?: string, times?: number): void {
    this.faults.set(op, { name, ...(message ? { message } : {}), ...(times ? { times } : {}) });
  }

  /** Real (not DryRun) Authorize and Revoke calls. */
  writes(): Ec2Call[] {
    return this.calls.filter((c) => !c.dryRun && (c.op === 'AuthorizeSecurityGroupIngress' || c.op === 'RevokeSecurityGroupIngress'));
  }

  count(op: Ec2Op, opts: { dryRun?: boolean } = {}): number {
    return this.calls.filter((c) => c.op === op && (opts.dryRun === undefined || c.dryRun === opts.dryRun)).length;
  }

  /** The group's rules as "tcp 22 0.0.0.0/0 (description)" lines, sorted: compare before/after without IDs. */
  state(groupId: string): string[] {
    return this.rules
      .filter((r) => r.groupId === groupId)
      .map((r) => `${r.protocol} ${r.from}-${r.to} ${r.v4 ?? r.v6 ?? r.group ?? '?'}${r.description ? ` (${r.description})` : ''}`)
      .sort();
  }

  reset(): void {
    this.calls.length = 0;
  }

  restore(): void {
    this.mock.restore();
  }

  private async run<T>(op: Ec2Op, input: object, answer: () => T): Promise<T> {
    const dryRun = (input as { DryRun?: boolean }).DryRun === true;
    this.calls.push({ op, input: structuredClone(input) as Record<string, unknown>, dryRun, at: Date.now() });
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    const fault = this.faults.get(op);
    if (fault) {
      if (fault.times !== undefined && --fault.times <= 0) this.faults.delete(op);
      throw ec2Error(fault.name, fault.message);
    }
    if (dryRun) throw ec2Error('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.');
    return answer();
  }

  private fromPermission(groupId: string, p: IpPermission): Omit<FakeRule, 'id'> {
    const all = p.IpProtocol === '-1';
    return {
      groupId,
      protocol: p.IpProtocol ?? '',
      from: all ? -1 : (p.FromPort ?? -1),
      to: all ? -1 : (p.ToPort ?? -1),
      ...(p.IpRanges?.[0] ? { v4: p.IpRanges[0].CidrIp, description: p.IpRanges[0].Description } : {}),
      ...(p.Ipv6Ranges?.[0] ? { v6: p.Ipv6Ranges[0].CidrIpv6, description: p.Ipv6Ranges[0].Description } : {}),
      ...(p.UserIdGroupPairs?.[0] ? { group: p.UserIdGroupPairs[0].GroupId, description: p.UserIdGroupPairs[0].Description } : {}),
    };
  }

  private find(r: Omit<FakeRule, 'id'>): FakeRule | undefined {
    return this.rules.find(
      (x) => x.groupId === r.groupId && x.protocol === r.protocol && x.from === r.from && x.to === r.to && x.v4 === r.v4 && x.v6 === r.v6 && x.group === r.group,
    );
  }

  private authorize(input: AuthorizeSecurityGroupIngressCommandInput) {
    const added: SecurityGroupRule[] = [];
    for (const p of input.IpPermissions ?? []) {
      const wanted = this.fromPermission(input.GroupId ?? '', p);
      if (this.find(wanted)) throw ec2Error('InvalidPermission.Duplicate', 'the specified rule already exists');
      const rule: FakeRule = { ...wanted, id: `sgr-fake${String(this.next++).padStart(13, '0')}` };
      if (rule.description === undefined) delete rule.description;
      this.rules.push(rule);
      added.push(toSdkRule(rule));
    }
    return { Return: true, SecurityGroupRules: added };
  }

  private revoke(input: RevokeSecurityGroupIngressCommandInput) {
    for (const id of input.SecurityGroupRuleIds ?? []) {
      if (!this.rules.some((r) => r.id === id && r.groupId === input.GroupId)) throw ec2Error('InvalidSecurityGroupRuleId.NotFound', `${id} not found`);
      this.rules = this.rules.filter((r) => r.id !== id);
    }
    for (const p of input.IpPermissions ?? []) {
      const found = this.find(this.fromPermission(input.GroupId ?? '', p));
      if (!found) throw ec2Error('InvalidPermission.NotFound', 'The specified rule does not exist in this security group.');
      this.rules = this.rules.filter((r) => r !== found);
    }
    return { Return: true };
  }
}

/** A rule as DescribeSecurityGroupRules returns it (with the owning account when given). */
export function toSdkRule(r: FakeRule, ownerId?: string): SecurityGroupRule {
  return {
    SecurityGroupRuleId: r.id,
    GroupId: r.groupId,
    ...(ownerId ? { GroupOwnerId: ownerId } : {}),
    IsEgress: false,
    IpProtocol: r.protocol,
    FromPort: r.from,
    ToPort: r.to,
    ...(r.v4 ? { CidrIpv4: r.v4 } : {}),
    ...(r.v6 ? { CidrIpv6: r.v6 } : {}),
    ...(r.group ? { ReferencedGroupInfo: { GroupId: r.group, ...(ownerId ? { UserId: ownerId } : {}) } } : {}),
    ...(r.prefixList ? { PrefixListId: r.prefixList } : {}),
    ...(r.description ? { Description: r.description } : {}),
  };
}

// ---------------------------------------------------------------- the seed scenario

export const SEED_GROUP = 'sg-0a1b2c3d4e5f60718';
export const SEED_INSTANCE = 'i-012345678aabbccdd';

/** 22 open to 0.0.0.0/0 and ::/0, 443 open to the world, 22 from 10.0.0.0/8. */
export function seedRules(groupId = SEED_GROUP): FakeRule[] {
  return [
    { id: 'sgr-0000000000000a001', groupId, protocol: 'tcp', from: 22, to: 22, v4: '0.0.0.0/0', description: 'ssh from anywhere' },
    { id: 'sgr-0000000000000a002', groupId, protocol: 'tcp', from: 22, to: 22, v6: '::/0' },
    { id: 'sgr-0000000000000a003', groupId, protocol: 'tcp', from: 443, to: 443, v4: '0.0.0.0/0' },
    { id: 'sgr-0000000000000a004', groupId, protocol: 'tcp', from: 22, to: 22, v4: '10.0.0.0/8' },
  ];
}
