import type { Finding } from '../../src/domain/finding';
import { PLAYBOOKS, playbookById, playbookFor, restrictIngress } from '../../src/domain/remediation/playbooks';
import { revertPlan } from '../../src/domain/remediation/revert';
import type { ExecutionResult, IngressRule, TrustedSource } from '../../src/domain/remediation/types';

const SG = 'sg-0a1b2c3d4e5f60718';
const SG2 = 'sg-0c1d2e3f4a5b6071a';

function instanceFinding(overrides: Partial<Finding> & { ports?: number[]; direction?: string } = {}): Finding {
  const { ports = [22], direction, ...rest } = overrides;
  return {
    id: 'ddddeeeeffff00001234567890123456',
    type: 'UnauthorizedAccess:EC2/SSHBruteForce',
    title: 'SSH brute force',
    description: '',
    severity: 5,
    band: 'medium',
    accountId: '123456789012',
    region: 'us-east-1',
    partition: 'aws',
    resource: {
      kind: 'instance',
      instanceId: 'i-012345678aabbccdd',
      securityGroups: [{ id: SG, name: 'cc-staging-env-sg' }],
      publicIps: ['54.210.10.20'],
      privateIps: ['10.0.1.25'],
      networkInterfaceIds: ['eni-0a1b2c3d4e5f60718'],
      tags: [],
    },
    action: {
      actionType: 'NETWORK_CONNECTION',
      remoteIps: [{ ip: '198.51.100.23' }],
      localPorts: ports.map((port) => ({ port })),
      protocol: 'TCP',
      ...(direction ? { connectionDirection: direction } : {}),
    },
    count: 1,
    updatedAt: '2017-12-12T19:18:55.329Z',
    archived: false,
    consoleUrl: 'https://console.aws.amazon.com/guardduty',
    ...rest,
  };
}

const world22v4: IngressRule = {
  groupId: SG,
  ruleId: 'sgr-0000000000000a001',
  protocol: 'tcp',
  fromPort: 22,
  toPort: 22,
  cidrIpv4: '0.0.0.0/0',
};
const world22v6: IngressRule = {
  groupId: SG,
  ruleId: 'sgr-0000000000000a002',
  protocol: 'tcp',
  fromPort: 22,
  toPort: 22,
  cidrIpv6: '::/0',
};
const world443: IngressRule = {
  groupId: SG,
  ruleId: 'sgr-0000000000000a003',
  protocol: 'tcp',
  fromPort: 443,
  toPort: 443,
  cidrIpv4: '0.0.0.0/0',
};
const office22: IngressRule = {
  groupId: SG,
  ruleId: 'sgr-0000000000000a004',
  protocol: 'tcp',
  fromPort: 22,
  toPort: 22,
  cidrIpv4: '10.0.0.0/8',
};
const allTcp: IngressRule = {
  groupId: SG,
  ruleId: 'sgr-0000000000000a005',
  protocol: 'tcp',
  fromPort: 0,
  toPort: 65535,
  cidrIpv4: '0.0.0.0/0',
};
const allTraffic: IngressRule = {
  groupId: SG,
  ruleId: 'sgr-0000000000000a006',
  protocol: '-1',
  fromPort: 0,
  toPort: 65535,
  cidrIpv6: '::/0',
};
const seedRules = [allTraffic, world443, office22, world22v6, allTcp, world22v4];

const office: TrustedSource = { kind: 'cidr', cidr: '203.0.113.0/24', version: 4 };

describe('playbook registry', () => {
  it('has restrict-ingress first, found by id', () => {
    expect(PLAYBOOKS.map((p) => p.id)).toEqual(['restrict-ingress']);
    expect(playbookById('restrict-ingress')).toBe(restrictIngress);
    expect(playbookById('nope')).toBeUndefined();
  });
});

describe('restrict-ingress appliesTo', () => {
  it('applies to an inbound SSH brute force on port 22', () => {
    expect(playbookFor(instanceFinding({ direction: 'INBOUND' }))).toEqual({ playbook: restrictIngress, ports: [22] });
  });

  it('applies to an RDP brute force on 3389 with unknown direction', () => {
    const finding = instanceFinding({ type: 'UnauthorizedAccess:EC2/RDPBruteForce', ports: [3389] });
    expect(playbookFor(finding)?.ports).toEqual([3389]);
    expect(
      playbookFor(instanceFinding({ type: 'UnauthorizedAccess:EC2/RDPBruteForce', ports: [3389], direction: 'UNKNOWN' }))?.ports,
    ).toEqual([3389]);
  });

  it('does not apply to an outbound brute force (the instance is the attacker)', () => {
    expect(playbookFor(instanceFinding({ direction: 'OUTBOUND' }))).toBeUndefined();
    expect(
      playbookFor(instanceFinding({ type: 'UnauthorizedAccess:EC2/RDPBruteForce', ports: [3389], direction: 'OUTBOUND' })),
    ).toBeUndefined();
  });

  it('applies to a port probe with every probed port, sorted and deduped', () => {
    const finding = instanceFinding({ type: 'Recon:EC2/PortProbeUnprotectedPort', ports: [3389, 22, 3389] });
    expect(playbookFor(finding)?.ports).toEqual([22, 3389]);
  });

  it('does not apply without an instance ID, without ports, or to other resources and types', () => {
    const noId = instanceFinding();
    if (noId.resource.kind === 'instance') delete noId.resource.instanceId;
    expect(playbookFor(noId)).toBeUndefined();
    expect(playbookFor(instanceFinding({ ports: [] }))).toBeUndefined();
    expect(playbookFor(instanceFinding({ action: undefined }))).toBeUndefined();
    expect(playbookFor(instanceFinding({ type: 'Backdoor:EC2/C&CActivity.B!DNS' }))).toBeUndefined();
    expect(playbookFor(instanceFinding({ resource: { kind: 'accessKey', accessKeyId: 'AKIAEXAMPLE' } }))).toBeUndefined();
    expect(playbookFor(instanceFinding({ resource: { kind: 's3Bucket', buckets: ['b'], publicBuckets: [] } }))).toBeUndefined();
    expect(playbookFor(instanceFinding({ resource: { kind: 'other', resourceType: 'EKSCluster' } }))).toBeUndefined();
  });
});

describe('restrict-ingress plan', () => {
  const finding = instanceFinding({ direction: 'INBOUND' });

  it('revokes exactly the two world-open 22 rules, authorizes the trusted source, lists broad rules as untouched', () => {
    const plan = restrictIngress.plan({ finding, ports: [22], rules: seedRules, sources: [office] });
    expect(plan).toEqual({
      playbook: 'restrict-ingress',
      findingId: finding.id,
      accountId: '123456789012',
      region: 'us-east-1',
      instanceId: 'i-012345678aabbccdd',
      ports: [22],
      trustedSources: [office],
      revoke: [world22v4, world22v6],
      authorize: [
        {
          groupId: SG,
          protocol: 'tcp',
          fromPort: 22,
          toPort: 22,
          cidrIpv4: '203.0.113.0/24',
          description: 'guardduty-chatops: replaces world-open 22',
        },
      ],
      untouched: [
        { rule: allTcp, reason: 'tcp 0-65535 from 0.0.0.0/0 also exposes port 22; not changed' },
        { rule: allTraffic, reason: 'all traffic from ::/0 also exposes port 22; not changed' },
      ],
    });
    const mentioned = JSON.stringify(plan);
    expect(mentioned).not.toContain('443');
    expect(mentioned).not.toContain('10.0.0.0/8');
  });

  it('authorizes every trusted source (both families and a group) on every group that loses a world rule', () => {
    const other: IngressRule = {
      groupId: SG2,
      ruleId: 'sgr-0000000000000b001',
      protocol: 'tcp',
      fromPort: 22,
      toPort: 22,
      cidrIpv6: '::/0',
    };
    const sources: TrustedSource[] = [
      { kind: 'securityGroup', groupId: 'sg-0123456789abcdef0' },
      { kind: 'cidr', cidr: '2001:db8:1234::/48', version: 6 },
      office,
    ];
    const plan = restrictIngress.plan({ finding, ports: [22], rules: [other, world22v4], sources });
    expect(plan.revoke).toEqual([world22v4, other]);
    expect(plan.authorize.map((r) => [r.groupId, r.cidrIpv4 ?? r.cidrIpv6 ?? r.referencedGroupId])).toEqual([
      [SG, '203.0.113.0/24'],
      [SG, '2001:db8:1234::/48'],
      [SG, 'sg-0123456789abcdef0'],
      [SG2, '203.0.113.0/24'],
      [SG2, '2001:db8:1234::/48'],
      [SG2, 'sg-0123456789abcdef0'],
    ]);
    expect(plan.untouched).toEqual([]);
  });

  it('handles RDP 3389 alone', () => {
    const rdp: IngressRule = {
      groupId: SG,
      ruleId: 'sgr-0000000000000c001',
      protocol: 'tcp',
      fromPort: 3389,
      toPort: 3389,
      cidrIpv4: '0.0.0.0/0',
    };
    const rdpFinding = instanceFinding({ type: 'UnauthorizedAccess:EC2/RDPBruteForce', ports: [3389] });
    const plan = restrictIngress.plan({ finding: rdpFinding, ports: [3389], rules: [...seedRules, rdp], sources: [office] });
    expect(plan.revoke).toEqual([rdp]);
    expect(plan.authorize).toEqual([
      {
        groupId: SG,
        protocol: 'tcp',
        fromPort: 3389,
        toPort: 3389,
        cidrIpv4: '203.0.113.0/24',
        description: 'guardduty-chatops: replaces world-open 3389',
      },
    ]);
    expect(plan.untouched.map((u) => u.reason)).toEqual([
      'tcp 0-65535 from 0.0.0.0/0 also exposes port 3389; not changed',
      'all traffic from ::/0 also exposes port 3389; not changed',
    ]);
  });

  it('plans 22 and 3389 of a port probe, ordered by group then port, each broad rule once', () => {
    const rdp: IngressRule = { groupId: SG, protocol: 'tcp', fromPort: 3389, toPort: 3389, cidrIpv4: '0.0.0.0/0' };
    const rdpOther: IngressRule = { groupId: SG2, protocol: 'tcp', fromPort: 3389, toPort: 3389, cidrIpv4: '0.0.0.0/0' };
    const probe = instanceFinding({ type: 'Recon:EC2/PortProbeUnprotectedPort', ports: [22, 3389] });
    const plan = restrictIngress.plan({ finding: probe, ports: [3389, 22], rules: [rdpOther, ...seedRules, rdp], sources: [office] });
    expect(plan.ports).toEqual([22, 3389]);
    expect(plan.revoke).toEqual([world22v4, world22v6, rdp, rdpOther]);
    expect(plan.authorize.map((r) => `${r.groupId}:${r.fromPort}`)).toEqual([`${SG}:22`, `${SG}:3389`, `${SG2}:3389`]);
    expect(plan.untouched.map((u) => u.reason)).toEqual([
      'tcp 0-65535 from 0.0.0.0/0 also exposes ports 22, 3389; not changed',
      'all traffic from ::/0 also exposes ports 22, 3389; not changed',
    ]);
  });

  it('mentions a tcp range including the port and a prefix list on it; ignores udp, other ports and security-group sources', () => {
    const range: IngressRule = { groupId: SG, protocol: 'tcp', fromPort: 20, toPort: 30, cidrIpv6: '::/0' };
    const udp: IngressRule = { groupId: SG, protocol: 'udp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' };
    const prefixList: IngressRule = { groupId: SG, protocol: 'tcp', fromPort: 22, toPort: 22, prefixListId: 'pl-12345678' };
    const sgRef: IngressRule = { groupId: SG, protocol: 'tcp', fromPort: 22, toPort: 22, referencedGroupId: 'sg-0fff0fff' };
    const plan = restrictIngress.plan({ finding, ports: [22], rules: [range, udp, prefixList, sgRef], sources: [office] });
    expect(plan.revoke).toEqual([]);
    expect(plan.authorize).toEqual([]);
    expect(plan.untouched).toEqual([
      { rule: range, reason: 'tcp 20-30 from ::/0 also exposes port 22; not changed' },
      {
        rule: prefixList,
        reason: 'tcp 22 from pl-12345678 also exposes port 22 (a prefix list, whose entries the bot does not check); not changed',
      },
    ]);
  });

  it('counts near-world ranges as exposing: two /1 halves, IPv4 broader than /16, IPv6 broader than /48; not private space', () => {
    const half1: IngressRule = { groupId: SG, protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/1' };
    const half2: IngressRule = { groupId: SG, protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '128.0.0.0/1' };
    const v4wide: IngressRule = { groupId: SG, protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '198.0.0.0/15' };
    const v6wide: IngressRule = { groupId: SG, protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv6: '2001:db8::/47' };
    const v4ok: IngressRule = { groupId: SG, protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '198.51.0.0/16' };
    const v6ok: IngressRule = { groupId: SG, protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv6: '2001:db8:1::/48' };
    const privateV4: IngressRule = { groupId: SG, protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '10.0.0.0/8' };
    const ula: IngressRule = { groupId: SG, protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv6: 'fd00::/8' };
    const plan = restrictIngress.plan({
      finding,
      ports: [22],
      rules: [half1, half2, v4wide, v6wide, v4ok, v6ok, privateV4, ula],
      sources: [office],
    });
    expect(plan.revoke).toEqual([]);
    expect(plan.untouched.map((u) => u.reason)).toEqual([
      'tcp 22 from 0.0.0.0/1 also exposes port 22 (an IPv4 range broader than /16); not changed',
      'tcp 22 from 128.0.0.0/1 also exposes port 22 (an IPv4 range broader than /16); not changed',
      'tcp 22 from 198.0.0.0/15 also exposes port 22 (an IPv4 range broader than /16); not changed',
      'tcp 22 from 2001:db8::/47 also exposes port 22 (an IPv6 range broader than /48); not changed',
    ]);
  });

  it('does not plan a trusted rule that already exists, and never lists a duplicated input rule twice', () => {
    const existing: IngressRule = {
      groupId: SG,
      ruleId: 'sgr-0000000000000d001',
      protocol: 'tcp',
      fromPort: 22,
      toPort: 22,
      cidrIpv4: '203.0.113.0/24',
    };
    const plan = restrictIngress.plan({
      finding,
      ports: [22],
      rules: [world22v4, { ...world22v4 }, existing],
      sources: [office, { ...office }],
    });
    expect(plan.revoke).toEqual([world22v4]);
    expect(plan.authorize).toEqual([]);
  });

  it('refuses to plan without a trusted source (it would lock everyone out)', () => {
    expect(() => restrictIngress.plan({ finding, ports: [22], rules: seedRules, sources: [] })).toThrow(/trusted source/);
  });

  it('is deterministic whatever the input order', () => {
    const a = restrictIngress.plan({ finding, ports: [22], rules: seedRules, sources: [office] });
    const b = restrictIngress.plan({ finding, ports: [22], rules: [...seedRules].reverse(), sources: [office] });
    expect(b).toEqual(a);
  });
});

describe('revertPlan', () => {
  it('authorizes exactly what was revoked and revokes exactly what was added', () => {
    const finding = instanceFinding({ direction: 'INBOUND' });
    const plan = restrictIngress.plan({ finding, ports: [22], rules: seedRules, sources: [office] });
    const added: IngressRule = { ...plan.authorize[0]!, ruleId: 'sgr-0000000000000e001' };
    const result: ExecutionResult = { ok: true, authorized: [added], revoked: [world22v4], remainingOpen: [], ec2Calls: 5 };

    const revert = revertPlan(plan, result);

    expect(revert).toEqual({
      playbook: 'restrict-ingress-revert',
      findingId: plan.findingId,
      accountId: plan.accountId,
      region: plan.region,
      instanceId: plan.instanceId,
      ports: [22],
      trustedSources: [office],
      authorize: [world22v4],
      revoke: [added],
      untouched: [],
    });
    expect(revert.authorize).not.toContainEqual(world22v6);
    revert.authorize[0]!.cidrIpv4 = 'changed';
    expect(world22v4.cidrIpv4).toBe('0.0.0.0/0');
  });

  it('reverts nothing when the run changed nothing', () => {
    const finding = instanceFinding();
    const plan = restrictIngress.plan({ finding, ports: [22], rules: seedRules, sources: [office] });
    const revert = revertPlan(plan, { ok: true, authorized: [], revoked: [], remainingOpen: [], ec2Calls: 3 });
    expect(revert.authorize).toEqual([]);
    expect(revert.revoke).toEqual([]);
  });
});
