import {
  CreateSecurityGroupCommand,
  CreateSnapshotCommand,
  CreateTagsCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
  ModifyNetworkInterfaceAttributeCommand,
  RevokeSecurityGroupEgressCommand,
  type Instance,
} from '@aws-sdk/client-ec2';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { Ec2HttpStandIn, type Ec2WireCall } from '../../support/fakes/ec2/http';
import { FakeEc2 } from '../../support/fakes/ec2/sdk-mock';
import {
  ASG_TAG,
  ISOLATION_APP_GROUP,
  ISOLATION_ASG,
  ISOLATION_DATA_VOLUME,
  ISOLATION_ENI_PRIMARY,
  ISOLATION_ENI_SECONDARY,
  ISOLATION_INSTANCE,
  ISOLATION_ROOT_VOLUME,
  ISOLATION_SSH_GROUP,
  ISOLATION_VPC,
  ISOLATION_WEB_GROUP,
  OTHER_VPC,
  OTHER_VPC_GROUP,
  SEED_GROUP,
  SEED_INSTANCE,
  seedIsolationInstance,
} from '../../support/fakes/ec2/seed';

/*
 * The EC2 stand-in's operations for an "isolate the instance" playbook, driven through the real EC2Client over
 * HTTP (ec2Query serializer, XML deserializer, retry middleware): what a playbook reads (instance, ENIs, volumes,
 * groups, snapshots) and what it changes (a new group, its egress, the ENIs' groups, snapshots, tags).
 */

const REGION = 'us-east-1';
const MAX_ATTEMPTS = 3;
const BACKOFF_MS = 10;

let stand: Ec2HttpStandIn;
const clients: EC2Client[] = [];

function client(): EC2Client {
  const c = new EC2Client({
    region: REGION,
    endpoint: stand.endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: MAX_ATTEMPTS,
    retryStrategy: new ConfiguredRetryStrategy(MAX_ATTEMPTS, (attempt) => BACKOFF_MS * attempt),
  });
  clients.push(c);
  return c;
}

/** What the SDK threw: its error name (EC2's code), HTTP status and attempts. */
async function failure(p: Promise<unknown>): Promise<{ name: string; status?: number; attempts?: number }> {
  const err: unknown = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof Error)) throw new Error('the call succeeded');
  const meta = (err as { $metadata?: { httpStatusCode?: number; attempts?: number } }).$metadata;
  return { name: err.name, status: meta?.httpStatusCode, attempts: meta?.attempts };
}

function summary(calls: Ec2WireCall[]): string[] {
  return calls.map((c) => `${c.action}${c.dryRun ? ' (DryRun)' : ''} → ${c.status}${c.errorCode ? ` ${c.errorCode}` : ''}`);
}

async function instance(ec2: EC2Client, id = ISOLATION_INSTANCE): Promise<Instance> {
  const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  const found = out.Reservations?.[0]?.Instances?.[0];
  if (!found) throw new Error(`no instance ${id}`);
  return found;
}

async function eniGroups(ec2: EC2Client): Promise<Record<string, string[]>> {
  const out = await ec2.send(
    new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: [ISOLATION_INSTANCE] }] }),
  );
  return Object.fromEntries((out.NetworkInterfaces ?? []).map((n) => [n.NetworkInterfaceId, (n.Groups ?? []).map((g) => g.GroupId)]));
}

async function createIsolationGroup(ec2: EC2Client, name = 'isolation-i-0f1e2d3c4b5a69788'): Promise<string> {
  const out = await ec2.send(
    new CreateSecurityGroupCommand({
      GroupName: name,
      Description: 'guardduty-chatops isolation',
      VpcId: ISOLATION_VPC,
      TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: 'guardduty-chatops:isolates', Value: ISOLATION_INSTANCE }] }],
    }),
  );
  if (!out.GroupId) throw new Error('no GroupId');
  return out.GroupId;
}

beforeAll(async () => {
  stand = await new Ec2HttpStandIn().start();
});

afterAll(async () => {
  await stand.close();
});

beforeEach(() => {
  stand.seed().add(seedIsolationInstance());
});

afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
});

describe('DescribeInstances', () => {
  it('gives the isolation instance its VPC, ENIs with their groups, volumes, tags and the union of its groups', async () => {
    const found = await instance(client());

    expect(found.VpcId).toBe(ISOLATION_VPC);
    expect(found.NetworkInterfaces?.map((n) => [n.NetworkInterfaceId, n.Attachment?.DeviceIndex, n.Groups])).toEqual([
      [
        ISOLATION_ENI_PRIMARY,
        0,
        [
          { GroupId: ISOLATION_WEB_GROUP, GroupName: 'web' },
          { GroupId: ISOLATION_SSH_GROUP, GroupName: 'ssh' },
        ],
      ],
      [ISOLATION_ENI_SECONDARY, 1, [{ GroupId: ISOLATION_APP_GROUP, GroupName: 'app' }]],
    ]);
    expect(found.SecurityGroups?.map((g) => g.GroupId)).toEqual([ISOLATION_WEB_GROUP, ISOLATION_SSH_GROUP, ISOLATION_APP_GROUP]);
    expect(found.BlockDeviceMappings?.map((b) => [b.DeviceName, b.Ebs?.VolumeId])).toEqual([
      ['/dev/xvda', ISOLATION_ROOT_VOLUME],
      ['/dev/sdf', ISOLATION_DATA_VOLUME],
    ]);
    expect(found.Tags).toEqual([{ Key: 'Name', Value: 'web-1' }]);
    expect(found.State?.Name).toBe('running');
  });

  it('tags an instance in an Auto Scaling group with aws:autoscaling:groupName when the seed asks for it', async () => {
    stand.seed().add(seedIsolationInstance({ autoScalingGroup: true }));

    const found = await instance(client());

    expect(found.Tags).toContainEqual({ Key: ASG_TAG, Value: ISOLATION_ASG });
  });

  it('filters instances by the Auto Scaling tag, VPC and state, and refuses an unknown filter', async () => {
    stand.seed().add(seedIsolationInstance({ autoScalingGroup: true }));
    const ec2 = client();
    const ids = async (filters: { Name: string; Values: string[] }[]) =>
      ((await ec2.send(new DescribeInstancesCommand({ Filters: filters }))).Reservations ?? []).flatMap((r) =>
        (r.Instances ?? []).map((i) => i.InstanceId),
      );

    expect(await ids([{ Name: `tag:${ASG_TAG}`, Values: [ISOLATION_ASG] }])).toEqual([ISOLATION_INSTANCE]);
    expect(await ids([{ Name: 'tag-key', Values: [ASG_TAG] }])).toEqual([ISOLATION_INSTANCE]);
    expect(await ids([{ Name: 'vpc-id', Values: [OTHER_VPC] }])).toEqual([]);
    expect(await ids([{ Name: 'instance-state-name', Values: ['running'] }])).toEqual([SEED_INSTANCE, ISOLATION_INSTANCE]);
    expect(await failure(ids([{ Name: 'no-such-filter', Values: ['x'] }]))).toMatchObject({ name: 'InvalidParameterValue' });
  });

  it('still answers the legacy seed instance as before: its one implied ENI and its group', async () => {
    const found = await instance(client(), SEED_INSTANCE);

    const pair = { GroupId: SEED_GROUP, GroupName: `name-${SEED_GROUP}` };
    expect(found).toEqual({
      InstanceId: SEED_INSTANCE,
      SecurityGroups: [pair],
      NetworkInterfaces: [{ NetworkInterfaceId: `eni-${SEED_INSTANCE.slice(2)}`, Groups: [pair] }],
    });
  });
});

describe('security groups', () => {
  it('creates a group with no ingress, the default egress rule and its tags; finds it by tag, VPC and name', async () => {
    const ec2 = client();
    const groupId = await createIsolationGroup(ec2);

    expect(groupId).toMatch(/^sg-[0-9a-f]{17}$/);
    const byId = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }));
    expect(byId.SecurityGroups).toEqual([
      expect.objectContaining({
        GroupId: groupId,
        GroupName: 'isolation-i-0f1e2d3c4b5a69788',
        VpcId: ISOLATION_VPC,
        Tags: [{ Key: 'guardduty-chatops:isolates', Value: ISOLATION_INSTANCE }],
        IpPermissions: [],
        IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      }),
    ]);
    const byTag = await ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [
          { Name: 'vpc-id', Values: [ISOLATION_VPC] },
          { Name: 'tag:guardduty-chatops:isolates', Values: [ISOLATION_INSTANCE] },
        ],
      }),
    );
    expect(byTag.SecurityGroups?.map((g) => g.GroupId)).toEqual([groupId]);
    const byName = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['web'] }] }));
    expect(byName.SecurityGroups?.map((g) => [g.GroupId, g.VpcId])).toEqual([
      [ISOLATION_WEB_GROUP, ISOLATION_VPC],
      [OTHER_VPC_GROUP, OTHER_VPC],
    ]);
    const byTagKey = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'tag-key', Values: ['guardduty-chatops:*'] }] }));
    expect(byTagKey.SecurityGroups?.map((g) => g.GroupId)).toEqual([groupId]);
  });

  it('describes a seeded group with its ingress as IpPermissions', async () => {
    const out = await client().send(new DescribeSecurityGroupsCommand({ GroupIds: [ISOLATION_APP_GROUP] }));

    expect(out.SecurityGroups?.[0]?.IpPermissions).toEqual([
      {
        IpProtocol: 'tcp',
        FromPort: 8080,
        ToPort: 8080,
        UserIdGroupPairs: [{ GroupId: ISOLATION_WEB_GROUP, UserId: '123456789012' }],
      },
    ]);
  });

  it('refuses a second group of the same name in one VPC, allows it in another, and creates nothing on DryRun', async () => {
    const ec2 = client();
    await createIsolationGroup(ec2, 'quarantine');

    expect(await failure(createIsolationGroup(ec2, 'quarantine'))).toMatchObject({ name: 'InvalidGroup.Duplicate', status: 400 });
    await expect(
      ec2.send(new CreateSecurityGroupCommand({ GroupName: 'quarantine', Description: 'q', VpcId: OTHER_VPC })),
    ).resolves.toMatchObject({ GroupId: expect.stringMatching(/^sg-/) });
    expect(
      await failure(ec2.send(new CreateSecurityGroupCommand({ GroupName: 'dry', Description: 'd', VpcId: ISOLATION_VPC, DryRun: true }))),
    ).toEqual({ name: 'DryRunOperation', status: 412, attempts: 1 });
    const dry = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['dry'] }] }));
    expect(dry.SecurityGroups).toEqual([]);
    expect(
      await failure(ec2.send(new CreateSecurityGroupCommand({ GroupName: 'x', Description: 'x', VpcId: 'vpc-00000000000000000' }))),
    ).toMatchObject({ name: 'InvalidVpcID.NotFound' });
  });

  it('revokes the default egress rule by content, then says NotFound; DryRun leaves it', async () => {
    const ec2 = client();
    const groupId = await createIsolationGroup(ec2);
    const all = { IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] };

    expect(
      await failure(ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId: groupId, IpPermissions: [all], DryRun: true }))),
    ).toMatchObject({ name: 'DryRunOperation', status: 412 });
    expect(stand.egressState(groupId)).toEqual(['-1 -1--1 0.0.0.0/0']);

    const out = await ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId: groupId, IpPermissions: [all] }));

    expect(out.Return).toBe(true);
    expect(out.RevokedSecurityGroupRules?.map((r) => [r.IsEgress, r.CidrIpv4])).toEqual([[true, '0.0.0.0/0']]);
    expect(stand.egressState(groupId)).toEqual([]);
    const described = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }));
    expect(described.SecurityGroups?.[0]?.IpPermissionsEgress).toEqual([]);
    expect(await failure(ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId: groupId, IpPermissions: [all] })))).toMatchObject({
      name: 'InvalidPermission.NotFound',
      status: 400,
    });
  });

  it('revokes egress by the rule ID DescribeSecurityGroupRules gives (IsEgress true), leaving ingress alone', async () => {
    const ec2 = client();
    const rules = await ec2.send(new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: 'group-id', Values: [ISOLATION_SSH_GROUP] }] }));
    const egress = rules.SecurityGroupRules?.filter((r) => r.IsEgress) ?? [];
    expect(egress.map((r) => [r.IpProtocol, r.CidrIpv4])).toEqual([['-1', '0.0.0.0/0']]);
    const ids = egress.map((r) => r.SecurityGroupRuleId ?? '');

    await ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId: ISOLATION_SSH_GROUP, SecurityGroupRuleIds: ids }));

    expect(stand.egressState(ISOLATION_SSH_GROUP)).toEqual([]);
    expect(stand.state(ISOLATION_SSH_GROUP)).toEqual(['tcp 22-22 203.0.113.0/24']);
    expect(
      await failure(ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId: ISOLATION_SSH_GROUP, SecurityGroupRuleIds: ids }))),
    ).toMatchObject({ name: 'InvalidSecurityGroupRuleId.NotFound' });
  });
});

describe('network interfaces', () => {
  it('replaces an ENI’s groups; the instance’s groups follow; the form carries SecurityGroupId.n', async () => {
    const ec2 = client();
    const isolation = await createIsolationGroup(ec2);
    expect(await eniGroups(ec2)).toEqual({
      [ISOLATION_ENI_PRIMARY]: [ISOLATION_WEB_GROUP, ISOLATION_SSH_GROUP],
      [ISOLATION_ENI_SECONDARY]: [ISOLATION_APP_GROUP],
    });

    await ec2.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: ISOLATION_ENI_PRIMARY, Groups: [isolation] }));

    expect(stand.callsTo('ModifyNetworkInterfaceAttribute')[0]?.params).toEqual({
      NetworkInterfaceId: ISOLATION_ENI_PRIMARY,
      'SecurityGroupId.1': isolation,
    });
    expect(await eniGroups(ec2)).toEqual({ [ISOLATION_ENI_PRIMARY]: [isolation], [ISOLATION_ENI_SECONDARY]: [ISOLATION_APP_GROUP] });
    expect((await instance(ec2)).SecurityGroups?.map((g) => g.GroupId)).toEqual([isolation, ISOLATION_APP_GROUP]);
    const byId = await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [ISOLATION_ENI_SECONDARY] }));
    expect(byId.NetworkInterfaces).toEqual([
      expect.objectContaining({
        NetworkInterfaceId: ISOLATION_ENI_SECONDARY,
        VpcId: ISOLATION_VPC,
        Attachment: expect.objectContaining({ InstanceId: ISOLATION_INSTANCE, DeviceIndex: 1 }),
      }),
    ]);
  });

  it('refuses a group of another VPC or one that does not exist, and changes nothing on DryRun', async () => {
    const ec2 = client();
    const before = await eniGroups(ec2);
    const modify = (groups: string[], dryRun = false) =>
      ec2.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: ISOLATION_ENI_PRIMARY, Groups: groups, DryRun: dryRun }));

    expect(await failure(modify([OTHER_VPC_GROUP]))).toMatchObject({ name: 'InvalidGroup.NotFound', status: 400 });
    expect(await failure(modify(['sg-00000000000000000']))).toMatchObject({ name: 'InvalidGroup.NotFound' });
    expect(await failure(modify([ISOLATION_APP_GROUP], true))).toMatchObject({ name: 'DryRunOperation', status: 412 });
    expect(
      await failure(
        ec2.send(
          new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: 'eni-00000000000000000', Groups: [ISOLATION_APP_GROUP] }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidNetworkInterfaceID.NotFound' });
    expect(await eniGroups(ec2)).toEqual(before);
  });
});

describe('volumes and snapshots', () => {
  it('describes the instance’s volumes with their attachments', async () => {
    const out = await client().send(
      new DescribeVolumesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: [ISOLATION_INSTANCE] }] }),
    );

    expect(out.Volumes?.map((v) => [v.VolumeId, v.Size, v.State, v.Attachments?.map((a) => [a.InstanceId, a.Device, a.State])])).toEqual([
      [ISOLATION_ROOT_VOLUME, 8, 'in-use', [[ISOLATION_INSTANCE, '/dev/xvda', 'attached']]],
      [ISOLATION_DATA_VOLUME, 100, 'in-use', [[ISOLATION_INSTANCE, '/dev/sdf', 'attached']]],
    ]);
    const none = await client().send(
      new DescribeVolumesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: [SEED_INSTANCE] }] }),
    );
    expect(none.Volumes).toEqual([]);
  });

  it('snapshots a volume with tags (pending), finds it by tag and by volume, and DryRun makes none', async () => {
    const ec2 = client();
    const tags = [{ Key: 'guardduty-chatops:finding', Value: 'f-1' }];

    expect(
      await failure(
        ec2.send(
          new CreateSnapshotCommand({
            VolumeId: ISOLATION_ROOT_VOLUME,
            DryRun: true,
            TagSpecifications: [{ ResourceType: 'snapshot', Tags: tags }],
          }),
        ),
      ),
    ).toMatchObject({ name: 'DryRunOperation', status: 412 });
    const created = await ec2.send(
      new CreateSnapshotCommand({
        VolumeId: ISOLATION_ROOT_VOLUME,
        Description: 'forensics of i-0f1e2d3c4b5a69788',
        TagSpecifications: [{ ResourceType: 'snapshot', Tags: tags }],
      }),
    );

    expect(created.SnapshotId).toMatch(/^snap-[0-9a-f]{17}$/);
    expect(created).toMatchObject({ VolumeId: ISOLATION_ROOT_VOLUME, State: 'pending', Tags: tags, VolumeSize: 8 });
    expect(created.StartTime).toBeInstanceOf(Date);
    const byTag = await ec2.send(
      new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: [{ Name: 'tag:guardduty-chatops:finding', Values: ['f-1'] }] }),
    );
    expect(byTag.Snapshots?.map((s) => [s.SnapshotId, s.VolumeId, s.State, s.Description, s.Tags])).toEqual([
      [created.SnapshotId, ISOLATION_ROOT_VOLUME, 'pending', 'forensics of i-0f1e2d3c4b5a69788', tags],
    ]);
    const otherVolume = await ec2.send(new DescribeSnapshotsCommand({ Filters: [{ Name: 'volume-id', Values: [ISOLATION_DATA_VOLUME] }] }));
    expect(otherVolume.Snapshots).toEqual([]);
    const otherOwner = await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['999999999999'] }));
    expect(otherOwner.Snapshots).toEqual([]);

    stand.model.completeSnapshots();
    const done = await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [created.SnapshotId ?? ''] }));
    expect(done.Snapshots?.[0]?.State).toBe('completed');
    expect(await failure(ec2.send(new CreateSnapshotCommand({ VolumeId: 'vol-00000000000000000' })))).toMatchObject({
      name: 'InvalidVolume.NotFound',
    });
    expect(
      await failure(
        ec2.send(
          new CreateSnapshotCommand({ VolumeId: ISOLATION_DATA_VOLUME, TagSpecifications: [{ ResourceType: 'volume', Tags: tags }] }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidParameterValue' });
    expect(stand.model.snapshots.size).toBe(1);
  });
});

describe('CreateTags', () => {
  it('tags an instance, a group and a snapshot at once; DryRun and a missing resource tag nothing', async () => {
    const ec2 = client();
    const snap = await ec2.send(new CreateSnapshotCommand({ VolumeId: ISOLATION_DATA_VOLUME }));
    const resources = [ISOLATION_INSTANCE, ISOLATION_WEB_GROUP, snap.SnapshotId ?? ''];
    const tag = { Key: 'guardduty-chatops:isolated', Value: 'true' };

    expect(await failure(ec2.send(new CreateTagsCommand({ Resources: resources, Tags: [tag], DryRun: true })))).toMatchObject({
      name: 'DryRunOperation',
    });
    expect(
      await failure(ec2.send(new CreateTagsCommand({ Resources: [ISOLATION_INSTANCE, 'i-00000000000000000'], Tags: [tag] }))),
    ).toMatchObject({ name: 'InvalidInstanceID.NotFound' });
    expect(stand.model.tagsOf(ISOLATION_INSTANCE)).toEqual({ Name: 'web-1' });

    await ec2.send(new CreateTagsCommand({ Resources: resources, Tags: [tag] }));

    expect((await instance(ec2)).Tags).toEqual([{ Key: 'Name', Value: 'web-1' }, tag]);
    const group = await ec2.send(
      new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'tag:guardduty-chatops:isolated', Values: ['true'] }] }),
    );
    expect(group.SecurityGroups?.map((g) => g.GroupId)).toEqual([ISOLATION_WEB_GROUP]);
    const snaps = await ec2.send(new DescribeSnapshotsCommand({ Filters: [{ Name: 'tag-key', Values: [tag.Key] }] }));
    expect(snaps.Snapshots?.map((s) => s.SnapshotId)).toEqual([snap.SnapshotId]);
  });
});

describe('faults on the new operations', () => {
  it('the SDK retries a throttled ModifyNetworkInterfaceAttribute (503) and the change lands once', async () => {
    const ec2 = client();
    stand.resetCalls();
    stand.fail('ModifyNetworkInterfaceAttribute', { code: 'RequestLimitExceeded', times: 2 });

    await ec2.send(
      new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: ISOLATION_ENI_SECONDARY, Groups: [ISOLATION_SSH_GROUP] }),
    );

    expect(summary(stand.calls)).toEqual([
      'ModifyNetworkInterfaceAttribute → 503 RequestLimitExceeded',
      'ModifyNetworkInterfaceAttribute → 503 RequestLimitExceeded',
      'ModifyNetworkInterfaceAttribute → 200',
    ]);
    expect(stand.calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(new Set(stand.calls.map((c) => c.invocationId)).size).toBe(1);
    expect(stand.changes()).toHaveLength(3);
    expect(stand.model.changes()).toHaveLength(3);
    expect((await eniGroups(ec2))[ISOLATION_ENI_SECONDARY]).toEqual([ISOLATION_SSH_GROUP]);
  });

  it('does not retry UnauthorizedOperation (403) on CreateSnapshot, and makes no snapshot', async () => {
    const ec2 = client();
    stand.fail('CreateSnapshot', { code: 'UnauthorizedOperation' });

    expect(await failure(ec2.send(new CreateSnapshotCommand({ VolumeId: ISOLATION_ROOT_VOLUME })))).toEqual({
      name: 'UnauthorizedOperation',
      status: 403,
      attempts: 1,
    });
    expect(stand.model.snapshots.size).toBe(0);
  });

  it('afterApply: CreateSecurityGroup makes the group and then answers 500; the SDK retry meets Duplicate', async () => {
    const ec2 = client();
    stand.fail('CreateSecurityGroup', { code: 'InternalError', times: 1, afterApply: true });

    expect(await failure(createIsolationGroup(ec2, 'lost-answer'))).toMatchObject({ name: 'InvalidGroup.Duplicate', attempts: 2 });
    expect(summary(stand.callsTo('CreateSecurityGroup'))).toEqual([
      'CreateSecurityGroup → 500 InternalError',
      'CreateSecurityGroup → 400 InvalidGroup.Duplicate',
    ]);
    const found = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['lost-answer'] }] }));
    expect(found.SecurityGroups).toHaveLength(1);
  });
});

describe('the aws-sdk-client-mock transport', () => {
  it('answers the new operations from the same model', async () => {
    const fake = new FakeEc2().seed([]).add(seedIsolationInstance({ autoScalingGroup: 'asg-2' }));
    try {
      const ec2 = new EC2Client({ region: REGION });
      const out = await ec2.send(new DescribeVolumesCommand({ VolumeIds: [ISOLATION_DATA_VOLUME] }));
      expect(out.Volumes?.[0]?.Attachments?.[0]?.InstanceId).toBe(ISOLATION_INSTANCE);
      expect(fake.tagsOf(ISOLATION_INSTANCE)[ASG_TAG]).toBe('asg-2');
      const err = await failure(
        ec2.send(
          new RevokeSecurityGroupEgressCommand({
            GroupId: ISOLATION_WEB_GROUP,
            IpPermissions: [{ IpProtocol: 'tcp', FromPort: 1, ToPort: 1, IpRanges: [{ CidrIp: '10.0.0.0/8' }] }],
          }),
        ),
      );
      expect(err.name).toBe('InvalidPermission.NotFound');
      ec2.destroy();
    } finally {
      fake.restore();
    }
  });
});
