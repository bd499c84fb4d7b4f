import {
  CreateSecurityGroupCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  ModifyNetworkInterfaceAttributeCommand,
  RevokeSecurityGroupEgressCommand,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { IsolateInstanceAdapter } from '../../src/aws/containment/isolate-instance';
import type { Finding } from '../../src/domain/finding';
import type { StepExecutor } from '../../src/domain/ports';
import {
  ENI_GROUPS_STEP,
  FINDING_TAG,
  INSTANCE_TAG,
  ISOLATED_FOR_TAG,
  QUARANTINE_TAG,
  isolateInstance,
  quarantineGroupName,
  type InstanceSurvey,
} from '../../src/domain/remediation/containment/isolate-instance';
import { isPlanRefusal, type PlanRefusal } from '../../src/domain/remediation/containment/playbook';
import { UnsafePlanError } from '../../src/domain/remediation/plan-safety';
import { stepRevertPlan, type RunContext, type StepPlan, type StepRunResult, type StepState } from '../../src/domain/remediation/steps';
import { runSteps, type StepJournal } from '../../src/remediation/step-runner';
import { Ec2HttpStandIn, type Ec2WireCall } from '../../support/fakes/ec2/http';
import {
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
  seedIsolationInstance,
} from '../../support/fakes/ec2/seed';

/*
 * isolate-instance end to end below the chat: the real EC2Client over HTTP against the EC2 stand-in seeded with the
 * isolation instance (two ENIs, two volumes), the playbook's adapter, and the engine's runner with a journal in
 * memory. Every assertion on AWS state reads the stand-in's model or goes through the SDK again.
 */

const REGION = 'us-east-1';
const FINDING_ID = '0ab1c2d3e4f5a6b7c8d9e0f1a2b3c4d5';
const CTX: RunContext = { proposalId: 'proposal-1', findingId: FINDING_ID, approvedAt: 1_796_000_000 };
const MAX_ATTEMPTS = 3;

let stand: Ec2HttpStandIn;
const clients: EC2Client[] = [];

function client(): EC2Client {
  const c = new EC2Client({
    region: REGION,
    endpoint: stand.endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: MAX_ATTEMPTS,
    retryStrategy: new ConfiguredRetryStrategy(MAX_ATTEMPTS, (attempt) => 10 * attempt),
  });
  clients.push(c);
  return c;
}

function adapter(): IsolateInstanceAdapter {
  return new IsolateInstanceAdapter(client(), REGION);
}

class MemoryJournal implements StepJournal {
  statesBefore?: StepState[];
  writes = 0;

  record(states: StepState[]): Promise<void> {
    this.statesBefore = structuredClone(states);
    this.writes += 1;
    return Promise.resolve();
  }
}

const FINDING: Finding = {
  id: FINDING_ID,
  type: 'Backdoor:EC2/C&CActivity.B!DNS',
  title: 'C&C activity',
  description: '',
  severity: 8,
  band: 'high',
  accountId: '123456789012',
  region: REGION,
  partition: 'aws',
  resource: {
    kind: 'instance',
    instanceId: ISOLATION_INSTANCE,
    name: 'web-1',
    securityGroups: [],
    publicIps: [],
    privateIps: [],
    networkInterfaceIds: [],
    tags: [],
  },
  count: 1,
  updatedAt: '2026-11-30T00:00:00Z',
  archived: false,
  consoleUrl: 'https://console.aws.amazon.com/guardduty',
};

async function preview(executor: StepExecutor = adapter()): Promise<{ survey: InstanceSurvey; plan: StepPlan | PlanRefusal }> {
  const target = isolateInstance.appliesTo(FINDING);
  if (!target) throw new Error('the playbook does not apply');
  const survey = (await executor.survey(target)) as InstanceSurvey;
  return { survey, plan: isolateInstance.plan(FINDING, target, survey) };
}

async function planNow(): Promise<StepPlan> {
  const { plan } = await preview();
  if (isPlanRefusal(plan)) throw new Error(`refused: ${plan.message}`);
  return plan;
}

function actions(calls: Ec2WireCall[]): string[] {
  return calls.map((c) => `${c.action}${c.dryRun ? ' (DryRun)' : ''}${c.errorCode ? ` → ${c.errorCode}` : ''}`);
}

function eniGroups(): Record<string, string[]> {
  return Object.fromEntries(stand.model.networkInterfacesOf(ISOLATION_INSTANCE).map((n) => [n.id, [...n.groups]]));
}

async function quarantineGroups(): Promise<SecurityGroup[]> {
  const out = await client().send(
    new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: [quarantineGroupName(ISOLATION_VPC)] }] }),
  );
  return out.SecurityGroups ?? [];
}

async function evidence(): Promise<{ id?: string; volume?: string; tags: Record<string, string> }[]> {
  const out = await client().send(
    new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: [{ Name: `tag:${FINDING_TAG}`, Values: [FINDING_ID] }] }),
  );
  return (out.Snapshots ?? []).map((s) => ({
    id: s.SnapshotId,
    volume: s.VolumeId,
    tags: Object.fromEntries((s.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
  }));
}

function outcomes(result: StepRunResult): string[] {
  return result.steps.map((s) => `${s.action} ${s.resource}: ${s.outcome}`);
}

const ORIGINAL = {
  [ISOLATION_ENI_PRIMARY]: [ISOLATION_WEB_GROUP, ISOLATION_SSH_GROUP],
  [ISOLATION_ENI_SECONDARY]: [ISOLATION_APP_GROUP],
};

beforeAll(async () => {
  stand = await new Ec2HttpStandIn().start();
});

afterAll(async () => {
  await stand.close();
});

beforeEach(() => {
  stand.seed([], {}).add(seedIsolationInstance());
  stand.resetCalls();
});

afterEach(() => {
  stand.clearFaults();
  for (const c of clients.splice(0)) c.destroy();
});

describe('preview', () => {
  it('reads the instance, the quarantine group by tag and the evidence snapshots: three calls, nothing changed', async () => {
    const executor = adapter();
    const { survey, plan } = await preview(executor);

    expect(survey).toEqual({
      instanceId: ISOLATION_INSTANCE,
      state: 'running',
      name: 'web-1',
      vpcId: ISOLATION_VPC,
      networkInterfaces: [
        { id: ISOLATION_ENI_PRIMARY, groups: [ISOLATION_WEB_GROUP, ISOLATION_SSH_GROUP], vpcId: ISOLATION_VPC },
        { id: ISOLATION_ENI_SECONDARY, groups: [ISOLATION_APP_GROUP], vpcId: ISOLATION_VPC },
      ],
      volumes: [
        { id: ISOLATION_ROOT_VOLUME, device: '/dev/xvda' },
        { id: ISOLATION_DATA_VOLUME, device: '/dev/sdf' },
      ],
      quarantineGroup: null,
      evidenceSnapshots: [],
    });
    expect(actions(stand.calls)).toEqual(['DescribeInstances', 'DescribeSecurityGroups', 'DescribeSnapshots']);
    expect(executor.awsCalls()).toBe(3);
    expect(isPlanRefusal(plan)).toBe(false);
    expect(stand.changes()).toEqual([]);
  });

  it('warns about the Auto Scaling group named by the instance tag', async () => {
    stand.seed([], {}).add(seedIsolationInstance({ autoScalingGroup: true }));
    const plan = await planNow();
    expect(plan.warnings.join('\n')).toContain(`in Auto Scaling group ${ISOLATION_ASG}: it may be marked unhealthy and replaced`);
  });

  it('refuses an instance EC2 does not know, and a terminated one', async () => {
    stand.model.instanceRecords.delete(ISOLATION_INSTANCE);
    stand.model.instances.delete(ISOLATION_INSTANCE);
    const gone = await preview();
    expect(gone.plan).toMatchObject({ refused: true, code: 'INSTANCE_NOT_FOUND' });

    stand.seed([], {}).add(seedIsolationInstance());
    const record = stand.model.instanceRecords.get(ISOLATION_INSTANCE);
    if (!record) throw new Error('no seed');
    record.state = 'terminated';
    expect((await preview()).plan).toMatchObject({ refused: true, code: 'INSTANCE_TERMINATED' });
  });

  it('checks permissions with DryRun: ENI (its own groups), CreateSecurityGroup, CreateSnapshot, CreateTags; changes nothing', async () => {
    const plan = await planNow();
    stand.resetCalls();

    const outcome = await adapter().permissionCheck(plan);

    expect(outcome).toEqual({
      ok: true,
      message:
        'DryRunOperation: request would have succeeded (ModifyNetworkInterfaceAttribute, CreateSecurityGroup, CreateSnapshot, CreateTags)',
    });
    expect(actions(stand.calls)).toEqual([
      'ModifyNetworkInterfaceAttribute (DryRun) → DryRunOperation',
      'CreateSecurityGroup (DryRun) → DryRunOperation',
      'CreateSnapshot (DryRun) → DryRunOperation',
      'CreateTags (DryRun) → DryRunOperation',
    ]);
    expect(stand.callsTo('ModifyNetworkInterfaceAttribute')[0]?.input).toMatchObject({
      NetworkInterfaceId: ISOLATION_ENI_PRIMARY,
      Groups: [ISOLATION_WEB_GROUP, ISOLATION_SSH_GROUP].sort(),
    });
    expect(stand.changes()).toEqual([]);
    expect(eniGroups()).toEqual(ORIGINAL);
  });

  it('refuses to dry-run a forged plan, without a call', async () => {
    const plan = await planNow();
    const eni = plan.steps.find((s) => s.action === ENI_GROUPS_STEP);
    if (!eni) throw new Error('no ENI step');
    eni.after = { groups: [ISOLATION_WEB_GROUP] };
    stand.resetCalls();

    const outcome = await adapter().permissionCheck(plan);

    expect(outcome.ok).toBe(false);
    expect(outcome.message).toContain('groups other than the quarantine group alone');
    expect(stand.calls).toEqual([]);
  });

  it('names the action the bot may not call (UnauthorizedOperation)', async () => {
    const plan = await planNow();
    stand.fail('CreateSnapshot', { code: 'UnauthorizedOperation' });

    const outcome = await adapter().permissionCheck(plan);

    expect(outcome.ok).toBe(false);
    expect(outcome.message).toBe(`the bot is not allowed ec2:CreateSnapshot on ${ISOLATION_ROOT_VOLUME} (UnauthorizedOperation)`);
  });
});

describe('apply', () => {
  it('creates the group with no rule, puts both ENIs in it alone, snapshots both volumes, tags the instance, and verifies', async () => {
    const plan = await planNow();
    stand.resetCalls();
    const journal = new MemoryJournal();
    const executor = adapter();

    const result = await runSteps(plan, executor, journal, CTX);
    const wire = stand.calls.length;

    expect(result.error).toBeUndefined();
    expect(result.ok).toBe(true);
    const [group, ...others] = await quarantineGroups();
    expect(others).toEqual([]);
    expect(group).toMatchObject({
      VpcId: ISOLATION_VPC,
      IpPermissions: [],
      IpPermissionsEgress: [],
      Tags: [{ Key: QUARANTINE_TAG, Value: ISOLATION_VPC }],
    });
    const groupId = group?.GroupId ?? '';
    expect(eniGroups()).toEqual({ [ISOLATION_ENI_PRIMARY]: [groupId], [ISOLATION_ENI_SECONDARY]: [groupId] });
    const snaps = await evidence();
    expect(snaps.map((s) => s.volume).sort()).toEqual([ISOLATION_ROOT_VOLUME, ISOLATION_DATA_VOLUME].sort());
    for (const s of snaps) {
      expect(s.tags).toEqual({
        [FINDING_TAG]: FINDING_ID,
        [INSTANCE_TAG]: ISOLATION_INSTANCE,
        Name: `evidence ${ISOLATION_INSTANCE} ${s.volume ?? ''}`,
      });
    }
    expect(stand.model.tagsOf(ISOLATION_INSTANCE)).toEqual({ Name: 'web-1', [ISOLATED_FOR_TAG]: FINDING_ID });
    expect(result.kept).toEqual([
      { label: `quarantine security group of ${ISOLATION_VPC}`, id: groupId },
      { label: `snapshot of ${ISOLATION_ROOT_VOLUME}`, id: snaps.find((s) => s.volume === ISOLATION_ROOT_VOLUME)?.id },
      { label: `snapshot of ${ISOLATION_DATA_VOLUME}`, id: snaps.find((s) => s.volume === ISOLATION_DATA_VOLUME)?.id },
    ]);
    expect(result.steps.map((s) => [s.resource, s.outcome, s.before, s.after])).toEqual([
      [ISOLATION_VPC, 'changed', { quarantine: 'absent' }, { quarantine: 'ready' }],
      [ISOLATION_ENI_PRIMARY, 'changed', { groups: [ISOLATION_WEB_GROUP, ISOLATION_SSH_GROUP].sort() }, { groups: ['@quarantine'] }],
      [ISOLATION_ENI_SECONDARY, 'changed', { groups: [ISOLATION_APP_GROUP] }, { groups: ['@quarantine'] }],
      [ISOLATION_ROOT_VOLUME, 'changed', { snapshot: false }, { snapshot: true }],
      [ISOLATION_DATA_VOLUME, 'changed', { snapshot: false }, { snapshot: true }],
      [ISOLATION_INSTANCE, 'changed', { tagged: false }, { tagged: true }],
    ]);
    expect(journal.writes).toBe(1);
    expect(journal.statesBefore?.map((s) => s.state)).toEqual(result.steps.map((s) => s.before));
    expect(actions(stand.changes())).toEqual([
      'CreateSecurityGroup',
      'RevokeSecurityGroupEgress',
      'CreateTags',
      'ModifyNetworkInterfaceAttribute',
      'ModifyNetworkInterfaceAttribute',
      'CreateSnapshot',
      'CreateSnapshot',
      'CreateTags',
    ]);
    // 7 reads (group 1, ENIs 1 + 2: a one-group ENI also looks up the quarantine group, snapshots 2, tag 1), 12 writes (group:
    // DescribeSecurityGroups, Create, Describe, RevokeEgress, CreateTags; ENIs 2; snapshots 2 × DescribeVolumes + CreateSnapshot;
    // tag 1), 8 read-backs (both ENIs now have one group).
    expect(result.awsCalls).toBe(wire);
    expect(result.awsCalls).toBe(27);
  });

  it('runs exactly once: a second run, with a fresh journal or the same one, writes nothing', async () => {
    const plan = await planNow();
    const journal = new MemoryJournal();
    const first = await runSteps(plan, adapter(), journal, CTX);
    expect(first.ok).toBe(true);
    stand.resetCalls();

    const again = await runSteps(plan, adapter(), new MemoryJournal(), CTX);
    const resumed = await runSteps(plan, adapter(), journal, CTX);

    expect(stand.changes()).toEqual([]);
    expect(again.ok).toBe(true);
    expect(outcomes(again).every((o) => o.endsWith('unchanged'))).toBe(true);
    expect(resumed.ok).toBe(true);
    expect(resumed.steps.map((s) => s.outcome)).toEqual(first.steps.map((s) => s.outcome));
    expect(await quarantineGroups()).toHaveLength(1);
    expect(await evidence()).toHaveLength(2);
  });

  it('resumes after a crash with a landed journal: the rest is written, what landed is not written again, all reported changed', async () => {
    const plan = await planNow();
    const journal = new MemoryJournal();
    const real = adapter();
    let writes = 0;
    const dying: StepExecutor = {
      survey: (t) => real.survey(t),
      read: (s, c) => real.read(s, c),
      resolve: (s) => real.resolve(s),
      permissionCheck: (p) => real.permissionCheck(p),
      awsCalls: () => real.awsCalls(),
      write: (s, t, c) => {
        writes += 1;
        // The process dies before its third write (the second ENI): the group and the first ENI have landed.
        if (writes === 3) return Promise.reject(new Error('process killed'));
        return real.write(s, t, c);
      },
    };
    const crashed = await runSteps(plan, dying, journal, CTX);
    expect(crashed.ok).toBe(false);
    expect(journal.statesBefore).toBeDefined();
    const groupId = (await quarantineGroups())[0]?.GroupId ?? '';
    expect(eniGroups()).toEqual({ [ISOLATION_ENI_PRIMARY]: [groupId], [ISOLATION_ENI_SECONDARY]: [ISOLATION_APP_GROUP] });
    stand.resetCalls();

    const resumed = await runSteps(plan, adapter(), journal, CTX);

    expect(resumed.ok).toBe(true);
    expect(outcomes(resumed).every((o) => o.endsWith('changed') && !o.endsWith('unchanged'))).toBe(true);
    expect(resumed.steps[1]?.before).toEqual({ groups: [ISOLATION_WEB_GROUP, ISOLATION_SSH_GROUP].sort() });
    expect(actions(stand.changes())).toEqual(['ModifyNetworkInterfaceAttribute', 'CreateSnapshot', 'CreateSnapshot', 'CreateTags']);
    expect(stand.callsTo('ModifyNetworkInterfaceAttribute')[0]?.input).toMatchObject({ NetworkInterfaceId: ISOLATION_ENI_SECONDARY });
    expect(eniGroups()).toEqual({ [ISOLATION_ENI_PRIMARY]: [groupId], [ISOLATION_ENI_SECONDARY]: [groupId] });
    expect(journal.writes).toBe(1);
  });

  it('finishes a quarantine group a stopped run left half-made (created, egress still open) without a second group', async () => {
    const plan = await planNow();
    const journal = new MemoryJournal();
    stand.fail('RevokeSecurityGroupEgress', { code: 'UnauthorizedOperation', times: 1 });

    const stopped = await runSteps(plan, adapter(), journal, CTX);

    expect(stopped).toMatchObject({ ok: false, error: { code: 'AWS_CALL_FAILED' } });
    const [half] = await quarantineGroups();
    expect(half?.IpPermissionsEgress).toHaveLength(1);
    expect(half?.Tags).toEqual([{ Key: QUARANTINE_TAG, Value: 'preparing' }]);
    expect(eniGroups()).toEqual(ORIGINAL);
    expect(outcomes(stopped).some((o) => o.endsWith(': changed'))).toBe(false);

    const resumed = await runSteps(plan, adapter(), journal, CTX);

    expect(resumed.error).toBeUndefined();
    expect(resumed.ok).toBe(true);
    const groups = await quarantineGroups();
    expect(groups).toHaveLength(1);
    expect(groups[0]).toMatchObject({ GroupId: half?.GroupId, IpPermissions: [], IpPermissionsEgress: [] });
    expect(groups[0]?.Tags).toEqual([{ Key: QUARANTINE_TAG, Value: ISOLATION_VPC }]);
    expect(eniGroups()).toEqual({ [ISOLATION_ENI_PRIMARY]: [half?.GroupId], [ISOLATION_ENI_SECONDARY]: [half?.GroupId] });
    expect(resumed.kept[0]).toEqual({ label: `quarantine security group of ${ISOLATION_VPC}`, id: half?.GroupId });
  });

  it('refuses the whole run, writing nothing, when an ENI’s groups changed after the plan (CHANGED_SINCE_PLAN)', async () => {
    const plan = await planNow();
    await client().send(
      new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: ISOLATION_ENI_SECONDARY, Groups: [ISOLATION_WEB_GROUP] }),
    );
    stand.resetCalls();
    const journal = new MemoryJournal();

    const result = await runSteps(plan, adapter(), journal, CTX);

    expect(result.ok).toBe(false);
    expect(result.error?.code).toBe('CHANGED_SINCE_PLAN');
    expect(result.steps.find((s) => s.resource === ISOLATION_ENI_SECONDARY)).toMatchObject({
      outcome: 'refused',
      before: { groups: [ISOLATION_WEB_GROUP] },
    });
    expect(result.steps.filter((s) => s.outcome === 'refused')).toHaveLength(1);
    expect(stand.changes()).toEqual([]);
    expect(journal.writes).toBe(0);
    expect(await quarantineGroups()).toEqual([]);
    expect(eniGroups()[ISOLATION_ENI_PRIMARY]).toEqual(ORIGINAL[ISOLATION_ENI_PRIMARY]);
  });

  it('reuses an existing quarantine group found by its tag: no CreateSecurityGroup', async () => {
    const ec2 = client();
    const made = await ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: 'made-earlier',
        Description: 'quarantine',
        VpcId: ISOLATION_VPC,
        TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: QUARANTINE_TAG, Value: ISOLATION_VPC }] }],
      }),
    );
    const groupId = made.GroupId ?? '';
    await ec2.send(
      new RevokeSecurityGroupEgressCommand({
        GroupId: groupId,
        IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      }),
    );
    const plan = await planNow();
    expect(plan.steps.map((s) => s.action)).not.toContain('ec2:quarantine-group');
    stand.resetCalls();

    const result = await runSteps(plan, adapter(), new MemoryJournal(), CTX);

    expect(result.ok).toBe(true);
    expect(stand.callsTo('CreateSecurityGroup')).toEqual([]);
    expect(eniGroups()).toEqual({ [ISOLATION_ENI_PRIMARY]: [groupId], [ISOLATION_ENI_SECONDARY]: [groupId] });
    expect(result.kept.map((k) => k.label)).toEqual([`snapshot of ${ISOLATION_ROOT_VOLUME}`, `snapshot of ${ISOLATION_DATA_VOLUME}`]);
  });

  it('closes a reused quarantine group that has egress again before any ENI is put in it', async () => {
    const made = await client().send(
      new CreateSecurityGroupCommand({
        GroupName: 'made-earlier',
        Description: 'quarantine',
        VpcId: ISOLATION_VPC,
        TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: QUARANTINE_TAG, Value: ISOLATION_VPC }] }],
      }),
    );
    const plan = await planNow();
    expect(plan.steps[0]).toMatchObject({ action: 'ec2:quarantine-group', before: { quarantine: 'open-egress' } });
    stand.resetCalls();
    expect((await adapter().permissionCheck(plan)).message).toBe(
      'DryRunOperation: request would have succeeded (ModifyNetworkInterfaceAttribute, RevokeSecurityGroupEgress, CreateSnapshot, CreateTags)',
    );
    expect(stand.changes()).toEqual([]);
    expect(stand.egressState(made.GroupId ?? '')).toEqual(['-1 -1--1 0.0.0.0/0']);
    stand.resetCalls();

    const result = await runSteps(plan, adapter(), new MemoryJournal(), CTX);

    expect(result.ok).toBe(true);
    expect(actions(stand.changes()).slice(0, 2)).toEqual(['RevokeSecurityGroupEgress', 'ModifyNetworkInterfaceAttribute']);
    expect(stand.egressState(made.GroupId ?? '')).toEqual([]);
  });

  it('refuses a group of the bot’s name that someone else made (no tag): nothing is put in it', async () => {
    await client().send(
      new CreateSecurityGroupCommand({ GroupName: quarantineGroupName(ISOLATION_VPC), Description: 'not ours', VpcId: ISOLATION_VPC }),
    );
    const plan = await planNow();

    const result = await runSteps(plan, adapter(), new MemoryJournal(), CTX);

    expect(result.ok).toBe(false);
    expect(result.error?.code).toBe('QUARANTINE_NAME_TAKEN');
    expect(eniGroups()).toEqual(ORIGINAL);
  });

  it('records exactly what changed when ModifyNetworkInterfaceAttribute is refused (UnauthorizedOperation) mid-run', async () => {
    const plan = await planNow();
    stand.fail('ModifyNetworkInterfaceAttribute', {
      code: 'UnauthorizedOperation',
      when: (c) => c.input.NetworkInterfaceId === ISOLATION_ENI_SECONDARY,
    });

    const result = await runSteps(plan, adapter(), new MemoryJournal(), CTX);

    expect(result.ok).toBe(false);
    expect(result.error?.code).toBe('AWS_CALL_FAILED');
    expect(result.error?.message).toContain('UnauthorizedOperation');
    expect(outcomes(result)).toEqual([
      `ec2:quarantine-group ${ISOLATION_VPC}: changed`,
      `ec2:eni-groups ${ISOLATION_ENI_PRIMARY}: changed`,
      `ec2:eni-groups ${ISOLATION_ENI_SECONDARY}: unchanged`,
      `ec2:evidence-snapshot ${ISOLATION_ROOT_VOLUME}: unchanged`,
      `ec2:evidence-snapshot ${ISOLATION_DATA_VOLUME}: unchanged`,
      `ec2:tag-instance ${ISOLATION_INSTANCE}: unchanged`,
    ]);
    expect(result.steps[2]).toMatchObject({ detail: 'the write failed', after: { groups: [ISOLATION_APP_GROUP] } });
    const groupId = (await quarantineGroups())[0]?.GroupId;
    expect(result.kept).toEqual([{ label: `quarantine security group of ${ISOLATION_VPC}`, id: groupId }]);
    expect(eniGroups()).toEqual({ [ISOLATION_ENI_PRIMARY]: [groupId], [ISOLATION_ENI_SECONDARY]: [ISOLATION_APP_GROUP] });
    expect(stand.model.snapshots.size).toBe(0);
  });

  it('throws UnsafePlanError on a forged plan before any EC2 call', async () => {
    const plan = await planNow();
    stand.resetCalls();
    const forged = structuredClone(plan);
    const eni = forged.steps.find((s) => s.action === ENI_GROUPS_STEP);
    if (!eni) throw new Error('no ENI step');
    eni.after = { groups: [ISOLATION_WEB_GROUP] };
    const extra = structuredClone(plan);
    extra.steps.push({ ...extra.steps[1]!, action: 'ec2:delete-volume', resource: ISOLATION_DATA_VOLUME });

    await expect(runSteps(forged, adapter(), new MemoryJournal(), CTX)).rejects.toBeInstanceOf(UnsafePlanError);
    await expect(runSteps(extra, adapter(), new MemoryJournal(), CTX)).rejects.toThrow(/ec2:delete-volume/);
    expect(stand.calls).toEqual([]);
  });
});

describe('revert', () => {
  async function applied(): Promise<{ plan: StepPlan; result: StepRunResult; groupId: string }> {
    const plan = await planNow();
    const result = await runSteps(plan, adapter(), new MemoryJournal(), CTX);
    if (!result.ok) throw new Error(`apply failed: ${result.error?.message ?? ''}`);
    return { plan, result, groupId: (await quarantineGroups())[0]?.GroupId ?? '' };
  }

  it('restores each ENI’s exact groups and keeps the snapshots, the group and the tag', async () => {
    const { plan, result, groupId } = await applied();
    const revert = stepRevertPlan(plan, result, isolateInstance.revertWarnings);
    expect(revert.steps.map((s) => [s.resource, s.before, s.after])).toEqual([
      [ISOLATION_ENI_PRIMARY, { groups: ['@quarantine'] }, { groups: [ISOLATION_WEB_GROUP, ISOLATION_SSH_GROUP].sort() }],
      [ISOLATION_ENI_SECONDARY, { groups: ['@quarantine'] }, { groups: [ISOLATION_APP_GROUP] }],
    ]);
    expect(revert.untouched.map((u) => u.label)).toEqual(result.kept.map((k) => `${k.label} ${k.id}`));
    stand.resetCalls();
    const check = await adapter().permissionCheck(revert);
    expect(check).toEqual({ ok: true, message: 'DryRunOperation: request would have succeeded (ModifyNetworkInterfaceAttribute)' });
    expect(stand.calls.map((c) => [c.action, c.dryRun, c.input.Groups])).toEqual([
      ['ModifyNetworkInterfaceAttribute', true, [ISOLATION_WEB_GROUP, ISOLATION_SSH_GROUP].sort()],
    ]);
    stand.resetCalls();
    const executor = adapter();

    const undone = await runSteps(revert, executor, new MemoryJournal(), CTX, result);
    const wire = stand.calls.length;

    expect(undone.ok).toBe(true);
    expect(outcomes(undone)).toEqual([
      `ec2:eni-groups ${ISOLATION_ENI_PRIMARY}: changed`,
      `ec2:eni-groups ${ISOLATION_ENI_SECONDARY}: changed`,
    ]);
    expect(eniGroups()).toEqual({
      [ISOLATION_ENI_PRIMARY]: [ISOLATION_WEB_GROUP, ISOLATION_SSH_GROUP].sort(),
      [ISOLATION_ENI_SECONDARY]: [ISOLATION_APP_GROUP],
    });
    const instance = await client().send(new DescribeInstancesCommand({ InstanceIds: [ISOLATION_INSTANCE] }));
    expect(instance.Reservations?.[0]?.Instances?.[0]?.SecurityGroups?.map((g) => g.GroupId).sort()).toEqual(
      [ISOLATION_WEB_GROUP, ISOLATION_SSH_GROUP, ISOLATION_APP_GROUP].sort(),
    );
    expect(await evidence()).toHaveLength(2);
    expect(await quarantineGroups()).toMatchObject([{ GroupId: groupId }]);
    expect(stand.model.tagsOf(ISOLATION_INSTANCE)[ISOLATED_FOR_TAG]).toBe(FINDING_ID);
    expect(actions(stand.changes())).toEqual(['ModifyNetworkInterfaceAttribute', 'ModifyNetworkInterfaceAttribute']);
    // 4 reads (each ENI: DescribeNetworkInterfaces + DescribeSecurityGroups, one group each), 2 writes, 3 read-backs (the
    // primary ENI has two groups again: 1 call; the secondary one group: 2).
    expect(undone.awsCalls).toBe(wire);
    expect(undone.awsCalls).toBe(9);

    // Exactly once: the same revert again writes nothing.
    stand.resetCalls();
    const again = await runSteps(revert, adapter(), new MemoryJournal(), CTX, result);
    expect(again.ok).toBe(true);
    expect(stand.changes()).toEqual([]);
  });

  it('is refused, writing nothing, when someone changed an ENI’s groups since the isolation', async () => {
    const { plan, result, groupId } = await applied();
    await client().send(
      new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: ISOLATION_ENI_PRIMARY, Groups: [groupId, ISOLATION_SSH_GROUP] }),
    );
    const revert = stepRevertPlan(plan, result);
    stand.resetCalls();

    const undone = await runSteps(revert, adapter(), new MemoryJournal(), CTX, result);

    expect(undone.ok).toBe(false);
    expect(undone.error?.code).toBe('CHANGED_SINCE_PLAN');
    expect(undone.steps.map((s) => s.outcome)).toEqual(['refused', 'unchanged']);
    expect(stand.changes()).toEqual([]);
    expect(eniGroups()).toEqual({ [ISOLATION_ENI_PRIMARY]: [groupId, ISOLATION_SSH_GROUP], [ISOLATION_ENI_SECONDARY]: [groupId] });
  });

  it('refuses a revert that would set groups the run did not record', async () => {
    const { plan, result } = await applied();
    const revert = stepRevertPlan(plan, result);
    const step = revert.steps[0];
    if (!step) throw new Error('no revert step');
    step.after = { groups: [ISOLATION_APP_GROUP] };
    stand.resetCalls();

    await expect(runSteps(revert, adapter(), new MemoryJournal(), CTX, result)).rejects.toBeInstanceOf(UnsafePlanError);
    expect(stand.calls).toEqual([]);
  });

  it('reads an ENI that disappeared as changed since the plan rather than failing', async () => {
    const { plan, result } = await applied();
    stand.model.networkInterfaces.delete(ISOLATION_ENI_SECONDARY);
    const described = await client()
      .send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [ISOLATION_ENI_SECONDARY] }))
      .catch((e: Error) => e.name);
    expect(described).toBe('InvalidNetworkInterfaceID.NotFound');
    stand.resetCalls();

    const undone = await runSteps(stepRevertPlan(plan, result), adapter(), new MemoryJournal(), CTX, result);

    expect(undone.error?.code).toBe('CHANGED_SINCE_PLAN');
    expect(stand.changes()).toEqual([]);
  });
});
