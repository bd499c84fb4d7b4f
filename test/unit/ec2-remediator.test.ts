import {
  AuthorizeSecurityGroupIngressCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupRulesCommand,
  EC2Client,
  EC2ServiceException,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { Ec2Remediator } from '../../src/aws/ec2-remediator';
import { AwsCallError, NotFoundError } from '../../src/domain/errors';
import type { IngressRule, RemediationPlan } from '../../src/domain/remediation/types';
import type { Ec2Rule } from '../../support/fakes/ec2/rules';
import { FakeEc2 } from '../../support/fakes/ec2/sdk-mock';

const SG = 'sg-0a1b2c3d4e5f60718';
const SG2 = 'sg-0c1d2e3f4a5b6071a';

const ec2Mock = mockClient(EC2Client);
const client = new EC2Client({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } });

function awsError(name: string, message = name): EC2ServiceException {
  return new EC2ServiceException({ name, $fault: 'client', $metadata: {}, message });
}

// ---------------------------------------------------------------- the EC2 model, answering through ec2Mock

/** The model with the seed's rules, new rules numbered `sgr-new000000000001`, …; ec2Mock keeps its history. */
function fakeEc2(seed: Ec2Rule[]): FakeEc2 {
  return new FakeEc2({ mock: ec2Mock, ruleId: (n) => `sgr-new${String(n).padStart(12, '0')}` }).seed(seed);
}

// ---------------------------------------------------------------- fixtures

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
const trusted22: IngressRule = {
  groupId: SG,
  protocol: 'tcp',
  fromPort: 22,
  toPort: 22,
  cidrIpv4: '203.0.113.0/24',
  description: 'guardduty-chatops: replaces world-open 22',
};
const trusted22v6: IngressRule = { ...trusted22, cidrIpv4: undefined, cidrIpv6: '2001:db8:1234::/48' };
delete trusted22v6.cidrIpv4;

const seed: Ec2Rule[] = [
  { id: 'sgr-0000000000000a001', groupId: SG, protocol: 'tcp', from: 22, to: 22, v4: '0.0.0.0/0' },
  { id: 'sgr-0000000000000a002', groupId: SG, protocol: 'tcp', from: 22, to: 22, v6: '::/0' },
  { id: 'sgr-0000000000000a003', groupId: SG, protocol: 'tcp', from: 443, to: 443, v4: '0.0.0.0/0' },
  { id: 'sgr-0000000000000a004', groupId: SG, protocol: 'tcp', from: 22, to: 22, v4: '10.0.0.0/8' },
];

function plan(overrides: Partial<RemediationPlan> = {}): RemediationPlan {
  return {
    playbook: 'restrict-ingress',
    findingId: 'f-1',
    accountId: '123456789012',
    region: 'us-east-1',
    instanceId: 'i-012345678aabbccdd',
    ports: [22],
    trustedSources: [{ kind: 'cidr', cidr: '203.0.113.0/24', version: 4 }],
    revoke: [world22v4, world22v6],
    authorize: [trusted22],
    untouched: [],
    ...overrides,
  };
}

function callNames(): string[] {
  return ec2Mock.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, ''));
}

beforeEach(() => {
  ec2Mock.reset();
});

// ---------------------------------------------------------------- apply

describe('Ec2Remediator.apply', () => {
  it('authorizes first, checks, revokes the world rules by ID, then reads back', async () => {
    const fake = fakeEc2(seed);

    const result = await new Ec2Remediator(client).apply(plan());

    expect(callNames()).toEqual([
      'DescribeSecurityGroupRules',
      'AuthorizeSecurityGroupIngress',
      'RevokeSecurityGroupIngress',
      'RevokeSecurityGroupIngress',
      'DescribeSecurityGroupRules',
    ]);
    expect(ec2Mock.commandCalls(AuthorizeSecurityGroupIngressCommand).map((c) => c.args[0].input)).toEqual([
      {
        GroupId: SG,
        IpPermissions: [
          {
            IpProtocol: 'tcp',
            FromPort: 22,
            ToPort: 22,
            IpRanges: [{ CidrIp: '203.0.113.0/24', Description: 'guardduty-chatops: replaces world-open 22' }],
          },
        ],
      },
    ]);
    expect(ec2Mock.commandCalls(RevokeSecurityGroupIngressCommand).map((c) => c.args[0].input)).toEqual([
      { GroupId: SG, SecurityGroupRuleIds: ['sgr-0000000000000a001'] },
      { GroupId: SG, SecurityGroupRuleIds: ['sgr-0000000000000a002'] },
    ]);
    expect(ec2Mock.commandCalls(DescribeSecurityGroupRulesCommand).at(-1)?.args[0].input).toEqual({
      Filters: [{ Name: 'group-id', Values: [SG] }],
      MaxResults: 1000,
      NextToken: undefined,
    });
    expect(result).toEqual({
      ok: true,
      authorized: [{ ...trusted22, ruleId: 'sgr-new000000000001' }],
      revoked: [world22v4, world22v6],
      remainingOpen: [],
      ec2Calls: 5,
    });
    expect(fake.rules.map((r) => r.id).sort()).toEqual(['sgr-0000000000000a003', 'sgr-0000000000000a004', 'sgr-new000000000001']);
  });

  it('issues one authorize call per rule so a Duplicate is unambiguous', async () => {
    fakeEc2([...seed, { id: 'sgr-0000000000000b001', groupId: SG, protocol: 'tcp', from: 22, to: 22, v4: '203.0.113.0/24' }]);

    const result = await new Ec2Remediator(client).apply(plan({ authorize: [trusted22, trusted22v6] }));

    expect(ec2Mock.commandCalls(AuthorizeSecurityGroupIngressCommand)).toHaveLength(2);
    expect(result.ok).toBe(true);
    expect(result.authorized).toEqual([{ ...trusted22v6, ruleId: 'sgr-new000000000001' }]);
    expect(result.revoked).toEqual([world22v4, world22v6]);
  });

  it('treats InvalidPermission.Duplicate as already there: not added by this run, not an error', async () => {
    fakeEc2([...seed, { id: 'sgr-0000000000000b001', groupId: SG, protocol: 'tcp', from: 22, to: 22, v4: '203.0.113.0/24' }]);

    const result = await new Ec2Remediator(client).apply(plan());

    expect(result).toMatchObject({ ok: true, authorized: [], revoked: [world22v4, world22v6], remainingOpen: [] });
    expect(result.error).toBeUndefined();
    expect(ec2Mock.commandCalls(RevokeSecurityGroupIngressCommand)).toHaveLength(2);
  });

  it('treats InvalidPermission.NotFound as already gone (revoking by content when the rule ID is unknown)', async () => {
    fakeEc2(seed.filter((r) => r.id !== 'sgr-0000000000000a002'));
    const v6NoId = { ...world22v6 };
    delete v6NoId.ruleId;

    const result = await new Ec2Remediator(client).apply(plan({ revoke: [world22v4, v6NoId] }));

    expect(ec2Mock.commandCalls(RevokeSecurityGroupIngressCommand).map((c) => c.args[0].input)).toEqual([
      { GroupId: SG, SecurityGroupRuleIds: ['sgr-0000000000000a001'] },
      { GroupId: SG, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, Ipv6Ranges: [{ CidrIpv6: '::/0' }] }] },
    ]);
    expect(result).toMatchObject({ ok: true, revoked: [world22v4], remainingOpen: [] });
  });

  it('treats UnknownIpPermissions in a revoke response as "was not there"', async () => {
    fakeEc2(seed.filter((r) => r.id !== 'sgr-0000000000000a001'));
    const v4NoId = { ...world22v4 };
    delete v4NoId.ruleId;
    ec2Mock
      .on(RevokeSecurityGroupIngressCommand, {
        GroupId: SG,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      })
      .resolves({
        Return: true,
        UnknownIpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      });

    const result = await new Ec2Remediator(client).apply(plan({ revoke: [v4NoId, world22v6] }));

    expect(ec2Mock.commandCalls(RevokeSecurityGroupIngressCommand)).toHaveLength(2);
    expect(result).toMatchObject({ ok: true, revoked: [world22v6], remainingOpen: [] });
  });

  it('stops before any revoke when authorize is refused, leaving the world rules in place', async () => {
    fakeEc2(seed);
    ec2Mock
      .on(AuthorizeSecurityGroupIngressCommand)
      .rejects(awsError('UnauthorizedOperation', 'You are not authorized to perform this operation.'));

    const result = await new Ec2Remediator(client).apply(plan());

    expect(ec2Mock.commandCalls(RevokeSecurityGroupIngressCommand)).toHaveLength(0);
    expect(callNames()).toEqual(['DescribeSecurityGroupRules', 'AuthorizeSecurityGroupIngress', 'DescribeSecurityGroupRules']);
    expect(result.ok).toBe(false);
    expect(result.authorized).toEqual([]);
    expect(result.revoked).toEqual([]);
    expect(result.remainingOpen).toEqual([world22v4, world22v6]);
    expect(result.error?.code).toBe('UnauthorizedOperation');
    expect(result.error?.message).toMatch(/ec2:AuthorizeSecurityGroupIngress.*sg-0a1b2c3d4e5f60718.*Nothing was revoked/);
    expect(result.ec2Calls).toBe(3);
  });

  it('reports what the first authorize added when the second fails, and revokes nothing', async () => {
    fakeEc2(seed);
    ec2Mock
      .on(AuthorizeSecurityGroupIngressCommand, {
        IpPermissions: [
          {
            IpProtocol: 'tcp',
            FromPort: 22,
            ToPort: 22,
            Ipv6Ranges: [{ CidrIpv6: '2001:db8:1234::/48', Description: trusted22.description }],
          },
        ],
      })
      .rejects(awsError('RulesPerSecurityGroupLimitExceeded', 'The maximum number of rules per security group has been reached.'));

    const result = await new Ec2Remediator(client).apply(plan({ authorize: [trusted22, trusted22v6] }));

    expect(ec2Mock.commandCalls(RevokeSecurityGroupIngressCommand)).toHaveLength(0);
    expect(result).toMatchObject({ ok: false, authorized: [{ ...trusted22, ruleId: 'sgr-new000000000001' }], revoked: [] });
    expect(result.error?.code).toBe('RulesPerSecurityGroupLimitExceeded');
  });

  it('reports a partial failure on the second revoke with what was done so far', async () => {
    fakeEc2(seed);
    ec2Mock
      .on(RevokeSecurityGroupIngressCommand, { SecurityGroupRuleIds: ['sgr-0000000000000a002'] })
      .rejects(awsError('RequestLimitExceeded', 'Request limit exceeded.'));

    const result = await new Ec2Remediator(client).apply(plan());

    expect(callNames()).toEqual([
      'DescribeSecurityGroupRules',
      'AuthorizeSecurityGroupIngress',
      'RevokeSecurityGroupIngress',
      'RevokeSecurityGroupIngress',
      'DescribeSecurityGroupRules',
    ]);
    expect(result).toEqual({
      ok: false,
      authorized: [{ ...trusted22, ruleId: 'sgr-new000000000001' }],
      revoked: [world22v4],
      remainingOpen: [world22v6],
      ec2Calls: 5,
      error: {
        code: 'RequestLimitExceeded',
        message: expect.stringMatching(/ec2:RevokeSecurityGroupIngress of tcp 22 from ::\/0 on sg-0a1b2c3d4e5f60718 failed/),
      },
    });
  });

  it('stops revoking after the first failure', async () => {
    fakeEc2(seed);
    ec2Mock
      .on(RevokeSecurityGroupIngressCommand, { SecurityGroupRuleIds: ['sgr-0000000000000a001'] })
      .rejects(awsError('InternalError', 'boom'));

    const result = await new Ec2Remediator(client).apply(plan());

    expect(ec2Mock.commandCalls(RevokeSecurityGroupIngressCommand)).toHaveLength(1);
    expect(result).toMatchObject({ ok: false, revoked: [], remainingOpen: [world22v4, world22v6], error: { code: 'InternalError' } });
  });

  it('treats Return=false on a revoke as a failure', async () => {
    fakeEc2(seed);
    ec2Mock.on(RevokeSecurityGroupIngressCommand).resolves({ Return: false });

    const result = await new Ec2Remediator(client).apply(plan());

    expect(ec2Mock.commandCalls(RevokeSecurityGroupIngressCommand)).toHaveLength(1);
    expect(result).toMatchObject({ ok: false, revoked: [], error: { code: 'RevokeReturnedFalse' } });
  });

  it('does not revoke by an ID that now names a modified rule; revokes by content instead', async () => {
    const modified: Ec2Rule[] = [
      { id: 'sgr-0000000000000a001', groupId: SG, protocol: 'tcp', from: 22, to: 22, v4: '198.51.100.0/24' },
      { id: 'sgr-0000000000000a009', groupId: SG, protocol: 'tcp', from: 22, to: 22, v4: '0.0.0.0/0' },
      { id: 'sgr-0000000000000a002', groupId: SG, protocol: 'tcp', from: 22, to: 22, v6: '::/0' },
    ];
    const fake = fakeEc2(modified);

    const result = await new Ec2Remediator(client).apply(plan());

    expect(ec2Mock.commandCalls(RevokeSecurityGroupIngressCommand).map((c) => c.args[0].input)).toEqual([
      { GroupId: SG, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] },
      { GroupId: SG, SecurityGroupRuleIds: ['sgr-0000000000000a002'] },
    ]);
    expect(fake.rules.map((r) => r.id)).toContain('sgr-0000000000000a001');
    expect(result.ok).toBe(true);
  });

  it('is not ok when the read-back still shows a world rule', async () => {
    fakeEc2(seed);
    ec2Mock.on(RevokeSecurityGroupIngressCommand).resolves({ Return: true });

    const result = await new Ec2Remediator(client).apply(plan());

    expect(result.ok).toBe(false);
    expect(result.remainingOpen).toEqual([world22v4, world22v6]);
    expect(result.error).toEqual({
      code: 'VerificationFailed',
      message: expect.stringContaining('tcp 22 from 0.0.0.0/0 is still on sg-0a1b2c3d4e5f60718'),
    });
  });

  it('is not ok when the read-back cannot be done', async () => {
    fakeEc2(seed);
    ec2Mock.on(DescribeSecurityGroupRulesCommand).rejects(awsError('UnauthorizedOperation'));

    const result = await new Ec2Remediator(client).apply(plan());

    expect(result).toMatchObject({ ok: false, revoked: [world22v4, world22v6], error: { code: 'UnauthorizedOperation' } });
    expect(result.ec2Calls).toBe(ec2Mock.calls().length);
  });

  it('is idempotent: a second run changes nothing and is ok', async () => {
    fakeEc2(seed);
    const remediator = new Ec2Remediator(client);
    await remediator.apply(plan());
    ec2Mock.resetHistory();

    const again = await remediator.apply(plan());

    expect(again).toEqual({ ok: true, authorized: [], revoked: [], remainingOpen: [], ec2Calls: 5 });
  });

  it('works across two groups', async () => {
    fakeEc2([...seed, { id: 'sgr-0000000000000c001', groupId: SG2, protocol: 'tcp', from: 22, to: 22, v4: '0.0.0.0/0' }]);
    const other: IngressRule = {
      groupId: SG2,
      ruleId: 'sgr-0000000000000c001',
      protocol: 'tcp',
      fromPort: 22,
      toPort: 22,
      cidrIpv4: '0.0.0.0/0',
    };

    const result = await new Ec2Remediator(client).apply(
      plan({ revoke: [world22v4, world22v6, other], authorize: [trusted22, { ...trusted22, groupId: SG2 }] }),
    );

    expect(result.ok).toBe(true);
    expect(result.revoked).toHaveLength(3);
    expect(ec2Mock.commandCalls(DescribeSecurityGroupRulesCommand).at(-1)?.args[0].input.Filters).toEqual([
      { Name: 'group-id', Values: [SG, SG2] },
    ]);
  });

  it('throws before any call for a malformed plan', async () => {
    fakeEc2(seed);
    const noSource = { groupId: SG, protocol: 'tcp', fromPort: 22, toPort: 22 };

    await expect(new Ec2Remediator(client).apply(plan({ revoke: [noSource] }))).rejects.toThrow(/exactly one source/);
    expect(ec2Mock.calls()).toHaveLength(0);
  });
});

// ---------------------------------------------------------------- dryRun

describe('Ec2Remediator.dryRun', () => {
  it('sends DryRun authorize and revoke per group and is ok on DryRunOperation', async () => {
    fakeEc2(seed);

    const outcome = await new Ec2Remediator(client).dryRun(plan());

    expect(outcome).toEqual({ ok: true, message: 'DryRunOperation: request would have succeeded' });
    expect(ec2Mock.commandCalls(AuthorizeSecurityGroupIngressCommand).map((c) => c.args[0].input)).toEqual([
      {
        GroupId: SG,
        DryRun: true,
        IpPermissions: [
          {
            IpProtocol: 'tcp',
            FromPort: 22,
            ToPort: 22,
            IpRanges: [{ CidrIp: '203.0.113.0/24', Description: 'guardduty-chatops: replaces world-open 22' }],
          },
        ],
      },
    ]);
    expect(ec2Mock.commandCalls(RevokeSecurityGroupIngressCommand).map((c) => c.args[0].input)).toEqual([
      { GroupId: SG, DryRun: true, SecurityGroupRuleIds: ['sgr-0000000000000a001', 'sgr-0000000000000a002'] },
    ]);
  });

  it('names the missing permission and the group on UnauthorizedOperation', async () => {
    fakeEc2(seed);
    ec2Mock
      .on(RevokeSecurityGroupIngressCommand)
      .rejects(awsError('UnauthorizedOperation', 'You are not authorized to perform this operation.'));

    const outcome = await new Ec2Remediator(client).dryRun(plan());

    expect(outcome.ok).toBe(false);
    expect(outcome.message).toBe('the bot is not allowed ec2:RevokeSecurityGroupIngress on sg-0a1b2c3d4e5f60718 (UnauthorizedOperation)');
  });

  it('gives the code of any other error', async () => {
    fakeEc2(seed);
    ec2Mock.on(AuthorizeSecurityGroupIngressCommand).rejects(awsError('InvalidGroup.NotFound', 'The security group does not exist'));

    const outcome = await new Ec2Remediator(client).dryRun(plan());

    expect(outcome).toEqual({
      ok: false,
      message: 'ec2:AuthorizeSecurityGroupIngress on sg-0a1b2c3d4e5f60718 failed: InvalidGroup.NotFound',
    });
  });

  it('is not ok when the endpoint accepted the request as a real one', async () => {
    ec2Mock.on(AuthorizeSecurityGroupIngressCommand).resolves({ Return: true });
    ec2Mock.on(RevokeSecurityGroupIngressCommand).rejects(awsError('DryRunOperation'));

    const outcome = await new Ec2Remediator(client).dryRun(plan());

    expect(outcome.ok).toBe(false);
    expect(outcome.message).toMatch(/not a dry run/);
  });
});

// ---------------------------------------------------------------- reads

describe('Ec2Remediator reads', () => {
  it('ingressRules pages with NextToken, skips egress and maps every source kind', async () => {
    ec2Mock
      .on(DescribeSecurityGroupRulesCommand, { NextToken: undefined })
      .resolves({
        SecurityGroupRules: [
          {
            SecurityGroupRuleId: 'sgr-1',
            GroupId: SG,
            IsEgress: false,
            IpProtocol: 'tcp',
            FromPort: 22,
            ToPort: 22,
            CidrIpv4: '0.0.0.0/0',
            Description: 'ssh',
          },
          { SecurityGroupRuleId: 'sgr-2', GroupId: SG, IsEgress: true, IpProtocol: '-1', FromPort: -1, ToPort: -1, CidrIpv4: '0.0.0.0/0' },
        ],
        NextToken: 'page-2',
      })
      .on(DescribeSecurityGroupRulesCommand, { NextToken: 'page-2' })
      .resolves({
        SecurityGroupRules: [
          { SecurityGroupRuleId: 'sgr-3', GroupId: SG2, IsEgress: false, IpProtocol: '-1', FromPort: -1, ToPort: -1, CidrIpv6: '::/0' },
          {
            SecurityGroupRuleId: 'sgr-4',
            GroupId: SG2,
            IsEgress: false,
            IpProtocol: 'tcp',
            FromPort: 3389,
            ToPort: 3389,
            ReferencedGroupInfo: { GroupId: 'sg-0fff0fff', UserId: '123456789012' },
          },
          {
            SecurityGroupRuleId: 'sgr-5',
            GroupId: SG2,
            IsEgress: false,
            IpProtocol: '6',
            FromPort: 80,
            ToPort: 81,
            PrefixListId: 'pl-12345678',
          },
        ],
      });

    const rules = await new Ec2Remediator(client).ingressRules([SG, SG2, SG]);

    expect(ec2Mock.commandCalls(DescribeSecurityGroupRulesCommand).map((c) => c.args[0].input)).toEqual([
      { Filters: [{ Name: 'group-id', Values: [SG, SG2] }], MaxResults: 1000, NextToken: undefined },
      { Filters: [{ Name: 'group-id', Values: [SG, SG2] }], MaxResults: 1000, NextToken: 'page-2' },
    ]);
    expect(rules).toEqual([
      { groupId: SG, ruleId: 'sgr-1', protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0', description: 'ssh' },
      { groupId: SG2, ruleId: 'sgr-3', protocol: '-1', fromPort: 0, toPort: 65535, cidrIpv6: '::/0' },
      { groupId: SG2, ruleId: 'sgr-4', protocol: 'tcp', fromPort: 3389, toPort: 3389, referencedGroupId: 'sg-0fff0fff' },
      { groupId: SG2, ruleId: 'sgr-5', protocol: 'tcp', fromPort: 80, toPort: 81, prefixListId: 'pl-12345678' },
    ]);
  });

  it('ingressRules of no groups makes no call', async () => {
    expect(await new Ec2Remediator(client).ingressRules([])).toEqual([]);
    expect(ec2Mock.calls()).toHaveLength(0);
  });

  it('instanceGroupIds collects the groups of every network interface, deduped', async () => {
    ec2Mock.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: [
            {
              InstanceId: 'i-1',
              NetworkInterfaces: [
                { NetworkInterfaceId: 'eni-1', Groups: [{ GroupId: SG }, { GroupId: SG2 }] },
                { NetworkInterfaceId: 'eni-2', Groups: [{ GroupId: SG2 }, { GroupId: 'sg-0eee0eee' }] },
              ],
              SecurityGroups: [{ GroupId: SG }],
            },
          ],
        },
      ],
    });

    expect(await new Ec2Remediator(client).instanceGroupIds('i-1')).toEqual([SG, SG2, 'sg-0eee0eee']);
    expect(ec2Mock.commandCalls(DescribeInstancesCommand)[0]?.args[0].input).toEqual({ InstanceIds: ['i-1'] });
  });

  it('instanceGroupIds: unknown instance and AWS errors are ChatOps errors', async () => {
    ec2Mock.on(DescribeInstancesCommand, { InstanceIds: ['i-gone'] }).resolves({ Reservations: [] });
    ec2Mock.on(DescribeInstancesCommand, { InstanceIds: ['i-bad'] }).rejects(awsError('InvalidInstanceID.NotFound'));

    await expect(new Ec2Remediator(client).instanceGroupIds('i-gone')).rejects.toBeInstanceOf(NotFoundError);
    await expect(new Ec2Remediator(client).instanceGroupIds('i-bad')).rejects.toBeInstanceOf(AwsCallError);
  });
});
