import type { Finding } from '../../finding';
import { sameState, type Json, type PlanStep, type StepPlan } from '../steps';
import { refusePlan, type PlanRefusal, type PlaybookTarget, type StepPlaybook } from './playbook';

export const ISOLATE_INSTANCE = 'isolate-instance';

/** The quarantine group of a VPC: `{ quarantine: 'absent' | 'open-egress' | 'ready' }` (ready: no inbound, no outbound rule). */
export const QUARANTINE_GROUP_STEP = 'ec2:quarantine-group';
/** A network interface's security groups: `{ groups: [sorted group IDs] }`, or `{ groups: ['@quarantine'] }`. */
export const ENI_GROUPS_STEP = 'ec2:eni-groups';
/** An evidence snapshot of a volume for the finding: `{ snapshot: boolean }`. */
export const EVIDENCE_SNAPSHOT_STEP = 'ec2:evidence-snapshot';
/** The instance's `guardduty-chatops:isolated-for` tag naming the finding: `{ tagged: boolean }`. */
export const TAG_INSTANCE_STEP = 'ec2:tag-instance';

/** Stands for the bot's quarantine group of the ENI's VPC, whatever its ID (it may not exist when the plan is made). */
export const QUARANTINE_REF = '@quarantine';
/** On the quarantine group; its value is the VPC ID once the group is ready, {@link QUARANTINE_PREPARING} before. */
export const QUARANTINE_TAG = 'guardduty-chatops:quarantine';
export const QUARANTINE_PREPARING = 'preparing';
/** On evidence snapshots: the finding ID. */
export const FINDING_TAG = 'guardduty-chatops:finding';
/** On evidence snapshots: the instance the volume was attached to. */
export const INSTANCE_TAG = 'guardduty-chatops:instance';
/** On the isolated instance: the finding ID. */
export const ISOLATED_FOR_TAG = 'guardduty-chatops:isolated-for';
/** EC2 Auto Scaling tags its instances with this (documented, reserved `aws:` tag). */
export const AUTO_SCALING_TAG = 'aws:autoscaling:groupName';

export const MAX_ISOLATED_ENIS = 16;
export const MAX_EVIDENCE_VOLUMES = 32;

export function quarantineGroupName(vpcId: string): string {
  return `guardduty-chatops-quarantine-${vpcId}`;
}

export type QuarantineState = 'absent' | 'open-egress' | 'ready' | 'open-ingress';

/** What the adapter reads before a plan (read-only: DescribeInstances, DescribeSecurityGroups, DescribeSnapshots). */
export interface InstanceSurvey {
  instanceId: string;
  /** `running`, `stopped`, …; null when DescribeInstances does not know the instance. */
  state: string | null;
  name?: string;
  vpcId?: string;
  /** The `aws:autoscaling:groupName` tag's value. */
  autoScalingGroup?: string;
  /** The `guardduty-chatops:isolated-for` tag's value. */
  isolatedFor?: string;
  /** In device-index order, each with its security group IDs as EC2 lists them (and its VPC when EC2 gives it). */
  networkInterfaces: { id: string; groups: string[]; vpcId?: string }[];
  /** Attached EBS volumes (BlockDeviceMappings). */
  volumes: { id: string; device?: string }[];
  /** The VPC's group tagged `guardduty-chatops:quarantine` = VPC ID, with how many rules it has; null when none. */
  quarantineGroup: { id: string; ingressRules: number; egressRules: number } | null;
  /** Snapshots of these volumes tagged `guardduty-chatops:finding`, with that tag's value. */
  evidenceSnapshots: { id: string; volumeId: string; findingId: string }[];
}

const ID = {
  instance: /^i-[0-9a-f]{8,17}$/,
  eni: /^eni-[0-9a-f]{8,17}$/,
  volume: /^vol-[0-9a-f]{8,17}$/,
  vpc: /^vpc-[0-9a-f]{8,17}$/,
  group: /^sg-[0-9a-f]{8,17}$/,
};

const TYPE_PREFIXES = ['Backdoor:EC2/', 'CryptoCurrency:EC2/', 'Trojan:EC2/', 'Impact:EC2/'];
const TYPES = new Set([
  'UnauthorizedAccess:EC2/TorClient',
  'UnauthorizedAccess:EC2/MaliciousIPCaller.Custom',
  'Execution:EC2/MaliciousFile',
]);
/** Runtime Monitoring findings: `Execution:Runtime/ReverseShell`, `CryptoCurrency:Runtime/BitcoinTool.B`, … */
const RUNTIME_TYPE = /^[A-Za-z]+:Runtime\/./;

/** Finding types of a compromised instance. */
export function isCompromiseType(type: string): boolean {
  return TYPES.has(type) || TYPE_PREFIXES.some((p) => type.startsWith(p)) || RUNTIME_TYPE.test(type);
}

/** An ENI step's state. */
export function eniState(groups: readonly string[]): Json {
  return { groups: [...groups].sort() };
}

export const QUARANTINED: Json = Object.freeze({ groups: [QUARANTINE_REF] });
export const QUARANTINE_READY: Json = Object.freeze({ quarantine: 'ready' });
export const SNAPSHOT_TAKEN: Json = Object.freeze({ snapshot: true });
export const INSTANCE_TAGGED: Json = Object.freeze({ tagged: true });

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function isSurvey(value: unknown): value is InstanceSurvey {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  const optional = (k: string) => v[k] === undefined || typeof v[k] === 'string';
  const q = v.quarantineGroup as Record<string, unknown> | null | undefined;
  return (
    typeof v.instanceId === 'string' &&
    (v.state === null || typeof v.state === 'string') &&
    ['name', 'vpcId', 'autoScalingGroup', 'isolatedFor'].every(optional) &&
    Array.isArray(v.networkInterfaces) &&
    v.networkInterfaces.every((n: unknown) => {
      const e = n as Record<string, unknown> | null;
      return !!e && typeof e.id === 'string' && isStringArray(e.groups) && (e.vpcId === undefined || typeof e.vpcId === 'string');
    }) &&
    Array.isArray(v.volumes) &&
    v.volumes.every((n: unknown) => {
      const e = n as Record<string, unknown> | null;
      return !!e && typeof e.id === 'string' && (e.device === undefined || typeof e.device === 'string');
    }) &&
    (q === null ||
      (!!q &&
        typeof q === 'object' &&
        typeof q.id === 'string' &&
        typeof q.ingressRules === 'number' &&
        typeof q.egressRules === 'number')) &&
    Array.isArray(v.evidenceSnapshots) &&
    v.evidenceSnapshots.every((n: unknown) => {
      const e = n as Record<string, unknown> | null;
      return !!e && typeof e.id === 'string' && typeof e.volumeId === 'string' && typeof e.findingId === 'string';
    })
  );
}

function groupsText(groups: readonly string[]): string {
  if (groups.length === 0) return 'no security group';
  return `security group${groups.length > 1 ? 's' : ''} ${groups.join(', ')}`;
}

function plan(finding: Finding, target: PlaybookTarget, survey: unknown): StepPlan | PlanRefusal {
  if (!isSurvey(survey) || survey.instanceId !== target.id)
    return refusePlan('SURVEY_MISMATCH', `The survey of instance ${target.id} is not usable.`);
  const id = survey.instanceId;
  if (survey.state === null)
    return refusePlan('INSTANCE_NOT_FOUND', `Instance ${id} was not found in ${finding.region}: nothing to isolate.`);
  if (survey.state === 'terminated' || survey.state === 'shutting-down')
    return refusePlan('INSTANCE_TERMINATED', `Instance ${id} is ${survey.state}: nothing to isolate.`);
  const vpcId = survey.vpcId;
  if (!vpcId || !ID.vpc.test(vpcId))
    return refusePlan('NO_VPC', `Instance ${id} is in no VPC the bot can read: it cannot be isolated by security group.`);
  if (survey.networkInterfaces.length === 0)
    return refusePlan('NO_NETWORK_INTERFACE', `Instance ${id} has no network interface: there is nothing to put in a quarantine group.`);
  if (survey.networkInterfaces.length > MAX_ISOLATED_ENIS)
    return refusePlan('TOO_MANY_INTERFACES', `Instance ${id} has more than ${MAX_ISOLATED_ENIS} network interfaces: isolate it by hand.`);
  if (survey.volumes.length > MAX_EVIDENCE_VOLUMES)
    return refusePlan('TOO_MANY_VOLUMES', `Instance ${id} has more than ${MAX_EVIDENCE_VOLUMES} volumes: isolate it by hand.`);
  const bad = [
    ...survey.networkInterfaces.filter((n) => !ID.eni.test(n.id) || !n.groups.every((g) => ID.group.test(g))).map((n) => n.id),
    ...survey.volumes.filter((v) => !ID.volume.test(v.id)).map((v) => v.id),
  ];
  if (bad.length > 0)
    return refusePlan('SURVEY_MISMATCH', `The survey of instance ${id} names resources the bot does not recognise: ${bad.join(', ')}.`);
  const group = survey.quarantineGroup;
  if (group && group.ingressRules > 0) {
    return refusePlan(
      'QUARANTINE_GROUP_OPEN',
      `The quarantine group ${group.id} of ${vpcId} has inbound rules someone added: the bot will not put an instance in it. Remove its rules (or the group) and try again.`,
    );
  }

  const steps: PlanStep[] = [];
  const untouched: StepPlan['untouched'] = [];
  if (!group || group.egressRules > 0) {
    steps.push({
      action: QUARANTINE_GROUP_STEP,
      resource: vpcId,
      before: { quarantine: group ? 'open-egress' : 'absent' },
      after: QUARANTINE_READY,
      label: `quarantine security group of ${vpcId}`,
      beforeText: group
        ? `${group.id} still allows outbound traffic (${group.egressRules} rule${group.egressRules > 1 ? 's' : ''})`
        : `none yet: ${quarantineGroupName(vpcId)} is created`,
      afterText: 'no inbound and no outbound rule (kept after a revert)',
      revertible: false,
    });
  }
  const isQuarantined = (groups: string[]) => !!group && groups.length === 1 && groups[0] === group.id;
  for (const eni of survey.networkInterfaces) {
    if (isQuarantined(eni.groups)) {
      untouched.push({ label: `network interface ${eni.id}`, reason: `already only in the quarantine group ${group?.id ?? ''}` });
      continue;
    }
    const sorted = [...eni.groups].sort();
    steps.push({
      action: ENI_GROUPS_STEP,
      resource: eni.id,
      before: eniState(sorted),
      after: QUARANTINED,
      label: `network interface ${eni.id}`,
      beforeText: groupsText(sorted),
      afterText: group && group.egressRules === 0 ? `the quarantine group ${group.id} only` : 'the quarantine group only',
      revertible: true,
    });
  }
  for (const volume of survey.volumes) {
    const existing = survey.evidenceSnapshots.find((s) => s.volumeId === volume.id && s.findingId === finding.id);
    const name = `volume ${volume.id}${volume.device ? ` (${volume.device})` : ''}`;
    if (existing) {
      untouched.push({ label: name, reason: `already snapshotted for this finding: ${existing.id}` });
      continue;
    }
    steps.push({
      action: EVIDENCE_SNAPSHOT_STEP,
      resource: volume.id,
      before: { snapshot: false },
      after: SNAPSHOT_TAKEN,
      label: `evidence snapshot of ${name}`,
      beforeText: 'no snapshot for this finding',
      afterText: `a snapshot tagged ${FINDING_TAG}=${finding.id} (kept as evidence)`,
      revertible: false,
    });
  }
  if (survey.isolatedFor !== finding.id) {
    steps.push({
      action: TAG_INSTANCE_STEP,
      resource: id,
      before: { tagged: false },
      after: INSTANCE_TAGGED,
      label: `tag of instance ${id}`,
      beforeText: survey.isolatedFor ? `${ISOLATED_FOR_TAG}=${survey.isolatedFor}` : `no ${ISOLATED_FOR_TAG} tag`,
      afterText: `${ISOLATED_FOR_TAG}=${finding.id} (kept)`,
      revertible: false,
    });
  }
  if (steps.length === 0) {
    return refusePlan(
      'NOTHING_TO_CHANGE',
      `Instance ${id} is already isolated for this finding: every network interface is only in the quarantine group, every volume has an evidence snapshot and the instance is tagged.`,
    );
  }

  const originalGroups = [...new Set(survey.networkInterfaces.flatMap((n) => n.groups))];
  untouched.push(
    { label: `instance ${id}`, reason: 'not stopped or rebooted: it keeps running, so its memory and processes stay for forensics' },
    { label: `its EBS volumes (${survey.volumes.map((v) => v.id).join(', ') || 'none'})`, reason: 'not detached or changed' },
    {
      label: `its original security groups (${originalGroups.join(', ') || 'none'})`,
      reason: "not changed or deleted; each network interface's list is recorded for the revert",
    },
  );
  const warnings = [
    'Security-group changes do not cut connections already tracked: existing sessions (a reverse shell, an open SSH session) may continue until they close (AWS "security group connection tracking").',
    `Instance ${id} loses all network access, inbound and outbound, including the SSM agent and other agents reaching AWS endpoints: Session Manager and the CloudWatch agent stop working for it.`,
  ];
  if (survey.autoScalingGroup) {
    warnings.push(
      `Instance ${id} is in Auto Scaling group ${survey.autoScalingGroup}: it may be marked unhealthy and replaced; the replacement is not isolated; consider suspending its health checks / detaching it first.`,
    );
  }
  const elsewhere = survey.networkInterfaces.filter((n) => n.vpcId && n.vpcId !== vpcId);
  for (const n of elsewhere) {
    warnings.push(
      `Network interface ${n.id} is in another VPC (${n.vpcId ?? ''}, a multi-VPC attachment): it goes into that VPC's quarantine group, made (no inbound, no outbound rule) when it is changed if there is none.`,
    );
  }
  if (survey.isolatedFor && survey.isolatedFor !== finding.id)
    warnings.push(`Instance ${id} was already isolated for finding ${survey.isolatedFor}: its tag will name this finding instead.`);
  return {
    engine: 'steps',
    playbook: ISOLATE_INSTANCE,
    findingId: finding.id,
    accountId: finding.accountId,
    region: finding.region,
    target: { kind: target.kind, id: target.id, label: target.label },
    steps,
    untouched,
    warnings,
  };
}

function isEniBefore(state: Json): boolean {
  if (!state || typeof state !== 'object' || Array.isArray(state)) return false;
  const keys = Object.keys(state);
  const groups = (state as { groups?: unknown }).groups;
  return keys.length === 1 && isStringArray(groups) && groups.length <= MAX_ISOLATED_ENIS && groups.every((g) => ID.group.test(g));
}

function problems(p: StepPlan): string[] {
  const out: string[] = [];
  if (p.target?.kind !== 'ec2-instance' || !ID.instance.test(p.target.id)) out.push('the plan does not target an EC2 instance');
  const count = (action: string) => p.steps.filter((s) => s.action === action).length;
  if (count(ENI_GROUPS_STEP) > MAX_ISOLATED_ENIS) out.push(`it would change more than ${MAX_ISOLATED_ENIS} network interfaces`);
  if (count(EVIDENCE_SNAPSHOT_STEP) > MAX_EVIDENCE_VOLUMES) out.push(`it would snapshot more than ${MAX_EVIDENCE_VOLUMES} volumes`);
  if (count(QUARANTINE_GROUP_STEP) > 1) out.push('it would prepare more than one quarantine group');
  if (count(TAG_INSTANCE_STEP) > 1) out.push('it would tag the instance more than once');
  if (count(QUARANTINE_GROUP_STEP) === 1 && p.steps[0]?.action !== QUARANTINE_GROUP_STEP)
    out.push('the quarantine group must be made ready before any network interface is put in it');
  for (const step of p.steps) {
    const what = JSON.stringify(step.resource);
    switch (step.action) {
      case QUARANTINE_GROUP_STEP:
        if (!ID.vpc.test(step.resource)) out.push(`${what} is not a VPC ID`);
        if (!sameState(step.after, QUARANTINE_READY)) out.push('it would leave the quarantine group with rules');
        if (step.revertible) out.push('the quarantine group is kept: it cannot be reverted');
        break;
      case ENI_GROUPS_STEP:
        if (!ID.eni.test(step.resource)) out.push(`${what} is not a network interface ID`);
        if (!sameState(step.after, QUARANTINED)) out.push(`it would set ${step.resource} to groups other than the quarantine group alone`);
        if (!isEniBefore(step.before)) out.push(`the recorded groups of ${step.resource} are not a list of security group IDs`);
        if (!step.revertible) out.push(`the change of ${step.resource} must be revertible`);
        break;
      case EVIDENCE_SNAPSHOT_STEP:
        if (!ID.volume.test(step.resource)) out.push(`${what} is not a volume ID`);
        if (!sameState(step.after, SNAPSHOT_TAKEN)) out.push(`it would do something other than snapshot ${step.resource}`);
        if (step.revertible) out.push('an evidence snapshot is kept: it cannot be reverted');
        break;
      case TAG_INSTANCE_STEP:
        if (step.resource !== p.target?.id) out.push(`it would tag ${what}, not the finding's instance ${p.target?.id ?? ''}`);
        if (!sameState(step.after, INSTANCE_TAGGED)) out.push('it would do something other than tag the instance');
        if (step.revertible) out.push('the instance tag is kept: it cannot be reverted');
        break;
      default:
        out.push(`it would run ${JSON.stringify(step.action)}, not a step of instance isolation`);
    }
  }
  return out;
}

export const isolateInstance: StepPlaybook = {
  id: ISOLATE_INSTANCE,
  title: 'Isolate the instance in a quarantine security group',
  short: 'Isolate instance',
  appliesTo(finding) {
    if (finding.resource.kind !== 'instance' || !isCompromiseType(finding.type)) return undefined;
    // A Runtime Monitoring finding about an EKS or ECS workload names its node: isolating the node cuts every workload on it.
    if (RUNTIME_TYPE.test(finding.type) && (finding.details?.kubernetes || finding.details?.ecs)) return undefined;
    const { instanceId, name } = finding.resource;
    if (!instanceId || !ID.instance.test(instanceId)) return undefined;
    return { kind: 'ec2-instance', id: instanceId, label: `instance ${instanceId}${name ? ` (${name})` : ''}`, data: { instanceId } };
  },
  plan,
  problems,
  permissionCheck:
    'EC2 DryRun: ModifyNetworkInterfaceAttribute on the first network interface (with its own groups), CreateSecurityGroup when the group is created (RevokeSecurityGroupEgress when a reused one has outbound rules), CreateSnapshot on the first volume, CreateTags on the instance.',
  revertWarnings: [
    'Each network interface gets back its recorded security groups: the instance is reachable again and reaches out again as before.',
    'The evidence snapshots, the quarantine group and the instance tag are kept.',
  ],
};
