import { toFinding } from '../../src/aws/finding-mapper';
import type { Finding } from '../../src/domain/finding';
import {
  ENI_GROUPS_STEP,
  EVIDENCE_SNAPSHOT_STEP,
  ISOLATE_INSTANCE,
  QUARANTINE_GROUP_STEP,
  TAG_INSTANCE_STEP,
  isolateInstance,
  type InstanceSurvey,
} from '../../src/domain/remediation/containment/isolate-instance';
import { isPlanRefusal, type PlanRefusal } from '../../src/domain/remediation/containment/playbook';
import { applicablePlaybooks, stepPlaybookFor } from '../../src/domain/remediation/registry';
import type { StepPlan } from '../../src/domain/remediation/steps';
import { loadFixture } from '../../support/helpers/fixtures';

const INSTANCE = 'i-0f1e2d3c4b5a69788';
const VPC = 'vpc-0a1b2c3d4e5f60001';
const ENI_A = 'eni-0a1b2c3d4e5f60011';
const ENI_B = 'eni-0a1b2c3d4e5f60012';
const WEB = 'sg-0a1b2c3d4e5f60021';
const SSH = 'sg-0a1b2c3d4e5f60022';
const APP = 'sg-0a1b2c3d4e5f60023';
const QUARANTINE = 'sg-0000000000000f001';
const ROOT = 'vol-0a1b2c3d4e5f60031';
const DATA = 'vol-0a1b2c3d4e5f60032';
const FINDING_ID = 'f0a1b2c3d4e5f60718293a4b5c6d7e8f';

function finding(type: string, resource: Partial<Extract<Finding['resource'], { kind: 'instance' }>> = {}): Finding {
  return {
    id: FINDING_ID,
    type,
    title: type,
    description: '',
    severity: 8,
    band: 'high',
    accountId: '123456789012',
    region: 'us-east-1',
    partition: 'aws',
    resource: {
      kind: 'instance',
      instanceId: INSTANCE,
      name: 'web-1',
      securityGroups: [],
      publicIps: [],
      privateIps: [],
      networkInterfaceIds: [],
      tags: [],
      ...resource,
    },
    count: 1,
    updatedAt: '2026-11-30T00:00:00Z',
    archived: false,
    consoleUrl: 'https://console.aws.amazon.com/guardduty',
  };
}

function survey(patch: Partial<InstanceSurvey> = {}): InstanceSurvey {
  return {
    instanceId: INSTANCE,
    state: 'running',
    name: 'web-1',
    vpcId: VPC,
    networkInterfaces: [
      { id: ENI_A, groups: [WEB, SSH] },
      { id: ENI_B, groups: [APP] },
    ],
    volumes: [
      { id: ROOT, device: '/dev/xvda' },
      { id: DATA, device: '/dev/sdf' },
    ],
    quarantineGroup: null,
    evidenceSnapshots: [],
    ...patch,
  };
}

const BACKDOOR = finding('Backdoor:EC2/C&CActivity.B!DNS');

function planOf(s: unknown, f: Finding = BACKDOOR): StepPlan {
  const target = isolateInstance.appliesTo(f);
  if (!target) throw new Error('does not apply');
  const out = isolateInstance.plan(f, target, s);
  if (isPlanRefusal(out)) throw new Error(`refused: ${out.code} ${out.message}`);
  return out;
}

function refusalOf(s: unknown, f: Finding = BACKDOOR): PlanRefusal {
  const target = isolateInstance.appliesTo(f);
  if (!target) throw new Error('does not apply');
  const out = isolateInstance.plan(f, target, s);
  if (!isPlanRefusal(out)) throw new Error('planned');
  return out;
}

describe('appliesTo', () => {
  it.each([
    'Backdoor:EC2/C&CActivity.B!DNS',
    'Backdoor:EC2/DenialOfService.Tcp',
    'CryptoCurrency:EC2/BitcoinTool.B',
    'Trojan:EC2/DNSDataExfiltration',
    'Impact:EC2/WinRMBruteForce',
    'UnauthorizedAccess:EC2/TorClient',
    'UnauthorizedAccess:EC2/MaliciousIPCaller.Custom',
    'Execution:EC2/MaliciousFile',
    'Execution:Runtime/ReverseShell',
    'CryptoCurrency:Runtime/BitcoinTool.B',
    'PrivilegeEscalation:Runtime/ContainerMountsHostDirectory',
    'Backdoor:Runtime/C&CActivity.B',
  ])('applies to %s on an EC2 instance', (type) => {
    expect(isolateInstance.appliesTo(finding(type))).toEqual({
      kind: 'ec2-instance',
      id: INSTANCE,
      label: `instance ${INSTANCE} (web-1)`,
      data: { instanceId: INSTANCE },
    });
  });

  it.each([
    'UnauthorizedAccess:EC2/SSHBruteForce',
    'Recon:EC2/PortProbeUnprotectedPort',
    'UnauthorizedAccess:EC2/TorRelay',
    'UnauthorizedAccess:EC2/MaliciousIPCaller',
    'Execution:EC2/MaliciousFile!Snapshot',
    'Policy:S3/BucketBlockPublicAccessDisabled',
    'Backdoor:Lambda/C&CActivity.B',
    'Execution:Kubernetes/ExecInKubeSystemPod',
  ])('does not apply to %s', (type) => {
    expect(isolateInstance.appliesTo(finding(type))).toBeUndefined();
  });

  it('needs an instance resource with an instance ID; labels without a name when there is none', () => {
    const noId = finding('Backdoor:EC2/Spambot');
    if (noId.resource.kind === 'instance') delete noId.resource.instanceId;
    expect(isolateInstance.appliesTo(noId)).toBeUndefined();
    expect(isolateInstance.appliesTo(finding('Backdoor:EC2/Spambot', { instanceId: 'i-../../etc' }))).toBeUndefined();
    expect(isolateInstance.appliesTo({ ...BACKDOOR, resource: { kind: 'other', resourceType: 'ECSCluster' } })).toBeUndefined();
    expect(
      isolateInstance.appliesTo({ ...finding('Execution:Runtime/ReverseShell'), resource: { kind: 'other', resourceType: 'ECSCluster' } }),
    ).toBeUndefined();
    expect(isolateInstance.appliesTo(finding('Backdoor:EC2/Spambot', { name: undefined }))?.label).toBe(`instance ${INSTANCE}`);
  });

  it('does not apply to a Runtime Monitoring finding about an EKS or ECS workload (its node would be isolated with every workload)', () => {
    const runtime = finding('Execution:Runtime/ReverseShell');
    expect(isolateInstance.appliesTo({ ...runtime, details: { kubernetes: { cluster: { name: 'prod' } } } })).toBeUndefined();
    expect(isolateInstance.appliesTo({ ...runtime, details: { ecs: { clusterName: 'prod' } } })).toBeUndefined();
    expect(isolateInstance.appliesTo({ ...runtime, details: { runtime: {} as never } })?.id).toBe(INSTANCE);
    expect(isolateInstance.appliesTo({ ...finding('Backdoor:EC2/C&CActivity.B'), details: { kubernetes: {} } })?.id).toBe(INSTANCE);
  });

  it('applies to the EC2 fixtures of compromise, not to the EKS-node Runtime fixture', () => {
    const ids = (name: string) => applicablePlaybooks(toFinding(loadFixture(name))).map((p) => p.id);
    expect(ids('backdoor-ec2-ccactivity-dns')).toContain(ISOLATE_INSTANCE);
    expect(ids('cryptocurrency-ec2-bitcointool')).toContain(ISOLATE_INSTANCE);
    expect(ids('execution-ec2-maliciousfile')).toContain(ISOLATE_INSTANCE);
    expect(ids('execution-runtime-newbinaryexecuted-eks')).not.toContain(ISOLATE_INSTANCE);
    expect(ids('execution-runtime-reverseshell')).not.toContain(ISOLATE_INSTANCE);
    expect(ids('unauthorizedaccess-ec2-sshbruteforce')).not.toContain(ISOLATE_INSTANCE);
  });

  it('is in the registry and offered among the applicable playbooks', () => {
    expect(stepPlaybookFor(ISOLATE_INSTANCE)).toBe(isolateInstance);
    expect(stepPlaybookFor(`${ISOLATE_INSTANCE}:revert`)).toBe(isolateInstance);
    expect(applicablePlaybooks(BACKDOOR).map((p) => p.id)).toContain(ISOLATE_INSTANCE);
    expect(applicablePlaybooks(finding('Recon:EC2/PortProbeUnprotectedPort')).map((p) => p.id)).not.toContain(ISOLATE_INSTANCE);
  });
});

describe('plan', () => {
  it('makes the group, isolates both ENIs with their sorted groups recorded, snapshots both volumes and tags the instance, in that order', () => {
    const plan = planOf(survey());

    expect(plan).toMatchObject({
      engine: 'steps',
      playbook: ISOLATE_INSTANCE,
      findingId: FINDING_ID,
      accountId: '123456789012',
      region: 'us-east-1',
      target: { kind: 'ec2-instance', id: INSTANCE, label: `instance ${INSTANCE} (web-1)` },
    });
    expect(plan.steps.map((s) => [s.action, s.resource, s.before, s.after, s.revertible])).toEqual([
      [QUARANTINE_GROUP_STEP, VPC, { quarantine: 'absent' }, { quarantine: 'ready' }, false],
      [ENI_GROUPS_STEP, ENI_A, { groups: [WEB, SSH].sort() }, { groups: ['@quarantine'] }, true],
      [ENI_GROUPS_STEP, ENI_B, { groups: [APP] }, { groups: ['@quarantine'] }, true],
      [EVIDENCE_SNAPSHOT_STEP, ROOT, { snapshot: false }, { snapshot: true }, false],
      [EVIDENCE_SNAPSHOT_STEP, DATA, { snapshot: false }, { snapshot: true }, false],
      [TAG_INSTANCE_STEP, INSTANCE, { tagged: false }, { tagged: true }, false],
    ]);
    expect(plan.steps[1]?.beforeText).toBe(`security groups ${[WEB, SSH].sort().join(', ')}`);
    expect(plan.warnings.some((w) => /connection tracking/.test(w) && /existing sessions/.test(w))).toBe(true);
    expect(plan.warnings.some((w) => /SSM/.test(w))).toBe(true);
    expect(plan.warnings.some((w) => /Auto Scaling/.test(w))).toBe(false);
    expect(plan.untouched.map((u) => u.reason).join(' ')).toMatch(/not stopped/);
    expect(plan.untouched.map((u) => u.reason).join(' ')).toMatch(/not detached/);
    expect(plan.untouched.find((u) => u.label.includes(WEB))?.reason).toMatch(/recorded for the revert/);
    expect(isolateInstance.problems(plan)).toEqual([]);
  });

  it('reuses a ready quarantine group found by tag (no group step) and fixes one that has egress again', () => {
    const ready = planOf(survey({ quarantineGroup: { id: QUARANTINE, ingressRules: 0, egressRules: 0 } }));
    expect(ready.steps.map((s) => s.action)).not.toContain(QUARANTINE_GROUP_STEP);
    expect(ready.steps[0]).toMatchObject({ action: ENI_GROUPS_STEP, afterText: `the quarantine group ${QUARANTINE} only` });
    expect(isolateInstance.problems(ready)).toEqual([]);

    const open = planOf(survey({ quarantineGroup: { id: QUARANTINE, ingressRules: 0, egressRules: 2 } }));
    expect(open.steps[0]).toMatchObject({
      action: QUARANTINE_GROUP_STEP,
      before: { quarantine: 'open-egress' },
      after: { quarantine: 'ready' },
    });
    expect(open.steps[0]?.beforeText).toContain(QUARANTINE);
  });

  it('refuses a quarantine group someone opened to inbound traffic', () => {
    expect(refusalOf(survey({ quarantineGroup: { id: QUARANTINE, ingressRules: 1, egressRules: 0 } })).code).toBe('QUARANTINE_GROUP_OPEN');
  });

  it('warns that an instance of an Auto Scaling group may be replaced by one that is not isolated', () => {
    const plan = planOf(survey({ autoScalingGroup: 'web-asg' }));
    expect(plan.warnings).toContain(
      `Instance ${INSTANCE} is in Auto Scaling group web-asg: it may be marked unhealthy and replaced; the replacement is not isolated; consider suspending its health checks / detaching it first.`,
    );
  });

  it('leaves out what is already done: an ENI only in the quarantine group, a volume snapshotted for this finding, the tag', () => {
    const plan = planOf(
      survey({
        quarantineGroup: { id: QUARANTINE, ingressRules: 0, egressRules: 0 },
        networkInterfaces: [
          { id: ENI_A, groups: [QUARANTINE] },
          { id: ENI_B, groups: [APP] },
        ],
        evidenceSnapshots: [
          { id: 'snap-0000000000000a001', volumeId: ROOT, findingId: FINDING_ID },
          { id: 'snap-0000000000000a002', volumeId: DATA, findingId: 'another-finding' },
        ],
        isolatedFor: FINDING_ID,
      }),
    );
    expect(plan.steps.map((s) => `${s.action} ${s.resource}`)).toEqual([
      `${ENI_GROUPS_STEP} ${ENI_B}`,
      `${EVIDENCE_SNAPSHOT_STEP} ${DATA}`,
    ]);
    expect(plan.untouched.map((u) => u.label)).toEqual(
      expect.arrayContaining([`network interface ${ENI_A}`, `volume ${ROOT} (/dev/xvda)`]),
    );
  });

  it('says so when the instance is already isolated for this finding', () => {
    const done = survey({
      quarantineGroup: { id: QUARANTINE, ingressRules: 0, egressRules: 0 },
      networkInterfaces: [{ id: ENI_A, groups: [QUARANTINE] }],
      volumes: [],
      isolatedFor: FINDING_ID,
    });
    expect(refusalOf(done).code).toBe('NOTHING_TO_CHANGE');
    expect(planOf({ ...done, isolatedFor: 'another-finding' }).warnings.join(' ')).toMatch(/already isolated for finding another-finding/);
  });

  it.each([
    ['INSTANCE_NOT_FOUND', survey({ state: null, networkInterfaces: [], volumes: [] })],
    ['INSTANCE_TERMINATED', survey({ state: 'terminated' })],
    ['INSTANCE_TERMINATED', survey({ state: 'shutting-down' })],
    ['NO_NETWORK_INTERFACE', survey({ networkInterfaces: [] })],
    ['NO_VPC', survey({ vpcId: undefined })],
    [
      'TOO_MANY_INTERFACES',
      survey({ networkInterfaces: Array.from({ length: 17 }, (_, i) => ({ id: `eni-${String(i).padStart(17, '0')}`, groups: [APP] })) }),
    ],
    ['TOO_MANY_VOLUMES', survey({ volumes: Array.from({ length: 33 }, (_, i) => ({ id: `vol-${String(i).padStart(17, '0')}` })) })],
    ['SURVEY_MISMATCH', survey({ instanceId: 'i-00000000000000000' })],
    ['SURVEY_MISMATCH', survey({ networkInterfaces: [{ id: 'eni-1; rm -rf', groups: [APP] }] })],
    ['SURVEY_MISMATCH', { bucket: 'not an instance survey' }],
  ])('refuses with %s', (code, s) => {
    expect(refusalOf(s).code).toBe(code);
  });

  it('warns about a network interface in another VPC (multi-VPC attachment); none for the instance VPC', () => {
    const plan = planOf(
      survey({
        networkInterfaces: [
          { id: ENI_A, groups: [WEB], vpcId: VPC },
          { id: ENI_B, groups: ['sg-0a1b2c3d4e5f60098'], vpcId: 'vpc-0a1b2c3d4e5f60099' },
        ],
      }),
    );
    expect(plan.warnings.filter((w) => /another VPC/.test(w))).toEqual([
      `Network interface ${ENI_B} is in another VPC (vpc-0a1b2c3d4e5f60099, a multi-VPC attachment): it goes into that VPC's quarantine group, made (no inbound, no outbound rule) when it is changed if there is none.`,
    ]);
    expect(plan.steps.filter((s) => s.action === ENI_GROUPS_STEP)).toHaveLength(2);
  });

  it('plans a stopped instance too', () => {
    expect(planOf(survey({ state: 'stopped' })).steps).toHaveLength(6);
  });
});

describe('problems (forged plans)', () => {
  const good = (): StepPlan => planOf(survey());
  const forge = (change: (p: StepPlan) => void): string[] => {
    const p = good();
    change(p);
    return isolateInstance.problems(p);
  };
  const eni = (p: StepPlan) => {
    const s = p.steps.find((x) => x.action === ENI_GROUPS_STEP);
    if (!s) throw new Error('no ENI step');
    return s;
  };

  it('refuses an ENI set to a named group instead of the quarantine group', () => {
    expect(forge((p) => (eni(p).after = { groups: [WEB] }))).toEqual([
      `it would set ${ENI_A} to groups other than the quarantine group alone`,
    ]);
    expect(forge((p) => (eni(p).after = { groups: ['@quarantine', WEB] }))).toHaveLength(1);
    expect(forge((p) => (eni(p).after = { groups: ['@quarantine'], extra: true }))).toHaveLength(1);
  });

  it('refuses an unknown action, a step on another resource kind, and an ENI change that cannot be reverted', () => {
    expect(forge((p) => p.steps.push({ ...eni(p), action: 'ec2:terminate-instances', resource: INSTANCE }))).toEqual([
      'it would run "ec2:terminate-instances", not a step of instance isolation',
    ]);
    expect(forge((p) => (eni(p).resource = 'vol-0a1b2c3d4e5f60031'))).toContain('"vol-0a1b2c3d4e5f60031" is not a network interface ID');
    expect(forge((p) => (eni(p).revertible = false))).toEqual([`the change of ${ENI_A} must be revertible`]);
    expect(forge((p) => (eni(p).before = { groups: ['default'] }))).toHaveLength(1);
  });

  it('refuses a tag on another instance, a snapshot that is revertible (a revert would delete it), a group left open', () => {
    const step = (p: StepPlan, action: string) => {
      const s = p.steps.find((x) => x.action === action);
      if (!s) throw new Error(action);
      return s;
    };
    expect(forge((p) => (step(p, TAG_INSTANCE_STEP).resource = 'i-00000000000000001'))).toEqual([
      `it would tag "i-00000000000000001", not the finding's instance ${INSTANCE}`,
    ]);
    expect(forge((p) => (step(p, EVIDENCE_SNAPSHOT_STEP).revertible = true))).toEqual([
      'an evidence snapshot is kept: it cannot be reverted',
    ]);
    expect(forge((p) => (step(p, EVIDENCE_SNAPSHOT_STEP).after = { snapshot: false }))).toHaveLength(1);
    expect(forge((p) => (step(p, QUARANTINE_GROUP_STEP).after = { quarantine: 'open-egress' }))).toEqual([
      'it would leave the quarantine group with rules',
    ]);
    expect(forge((p) => (step(p, QUARANTINE_GROUP_STEP).resource = 'sg-0a1b2c3d4e5f60021'))).toEqual([
      '"sg-0a1b2c3d4e5f60021" is not a VPC ID',
    ]);
    expect(forge((p) => p.steps.push(p.steps.shift() as StepPlan['steps'][number]))).toEqual([
      'the quarantine group must be made ready before any network interface is put in it',
    ]);
    expect(forge((p) => (p.target = { ...p.target, kind: 's3-bucket' }))).toEqual(['the plan does not target an EC2 instance']);
  });

  it('refuses more than 16 ENIs or 32 volumes', () => {
    expect(
      forge((p) => {
        for (let i = 0; i < 16; i++) p.steps.push({ ...eni(p), resource: `eni-${String(i).padStart(17, '0')}` });
      }),
    ).toEqual(['it would change more than 16 network interfaces']);
    expect(
      forge((p) => {
        const snap = p.steps.find((x) => x.action === EVIDENCE_SNAPSHOT_STEP);
        if (!snap) throw new Error('no snapshot step');
        for (let i = 0; i < 31; i++) p.steps.push({ ...snap, resource: `vol-${String(i).padStart(17, '0')}` });
      }),
    ).toEqual(['it would snapshot more than 32 volumes']);
  });
});
