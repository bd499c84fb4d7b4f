import {
  CreateSecurityGroupCommand,
  CreateSnapshotCommand,
  CreateTagsCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  ModifyNetworkInterfaceAttributeCommand,
  RevokeSecurityGroupEgressCommand,
  type EC2Client,
  type Instance,
  type IpPermission,
  type SecurityGroup,
  type Tag,
} from '@aws-sdk/client-ec2';
import { ChatOpsError } from '../../domain/errors';
import type { StepExecutor } from '../../domain/ports';
import {
  AUTO_SCALING_TAG,
  ENI_GROUPS_STEP,
  EVIDENCE_SNAPSHOT_STEP,
  FINDING_TAG,
  INSTANCE_TAG,
  INSTANCE_TAGGED,
  ISOLATED_FOR_TAG,
  QUARANTINE_GROUP_STEP,
  QUARANTINE_PREPARING,
  QUARANTINE_READY,
  QUARANTINE_REF,
  QUARANTINE_TAG,
  QUARANTINED,
  SNAPSHOT_TAKEN,
  TAG_INSTANCE_STEP,
  eniState,
  isolateInstance,
  quarantineGroupName,
  type InstanceSurvey,
  type QuarantineState,
} from '../../domain/remediation/containment/isolate-instance';
import type { PlaybookTarget } from '../../domain/remediation/containment/playbook';
import { isRevertPlaybook, sameState, type Json, type PlanStep, type StepPlan } from '../../domain/remediation/steps';
import type { DryRunOutcome } from '../../domain/remediation/types';
import { awsErrorCode } from '../aws-errors';
import { AwsCalls } from './aws-calls';

const INSTANCE_NOT_FOUND = new Set(['InvalidInstanceID.NotFound', 'InvalidInstanceID.Malformed']);
const ENI_NOT_FOUND = new Set(['InvalidNetworkInterfaceID.NotFound']);
const DUPLICATE = new Set(['InvalidGroup.Duplicate']);
const ABSENT: Json = { absent: true };

function tagMap(tags: Tag[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key) out[t.Key] = t.Value ?? '';
  return out;
}

/** How many rules a list of permissions holds (one per source, at least one per permission). */
function ruleCount(permissions: IpPermission[] | undefined): number {
  return (permissions ?? []).reduce(
    (n, p) =>
      n +
      Math.max(
        1,
        (p.IpRanges?.length ?? 0) + (p.Ipv6Ranges?.length ?? 0) + (p.PrefixListIds?.length ?? 0) + (p.UserIdGroupPairs?.length ?? 0),
      ),
    0,
  );
}

function quarantineState(group: SecurityGroup | undefined): QuarantineState {
  if (!group) return 'absent';
  if (ruleCount(group.IpPermissions) > 0) return 'open-ingress';
  if (ruleCount(group.IpPermissionsEgress) > 0) return 'open-egress';
  return 'ready';
}

function groupsOf(state: Json): string[] | undefined {
  const groups = (state as { groups?: unknown } | null)?.groups;
  return Array.isArray(groups) && groups.every((g) => typeof g === 'string') ? groups : undefined;
}

function unsupported(step: PlanStep, target: Json): ChatOpsError {
  return new ChatOpsError('UNSUPPORTED_STEP', `The bot does not set ${step.label} to ${JSON.stringify(target)}.`);
}

/**
 * EC2 side of isolate-instance. Reads the instance, its ENIs, volumes, the VPC's quarantine group (by its tag) and
 * the finding's evidence snapshots; makes the quarantine group ready, sets an ENI's groups, snapshots a volume, tags
 * the instance. The quarantine group only gets its `guardduty-chatops:quarantine` = VPC tag once it has no rule
 * left, so a run stopped half-way through making it leaves no half-made group behind the tag: the next run adopts
 * the group it named (tagged `preparing`) and finishes it.
 */
export class IsolateInstanceAdapter implements StepExecutor {
  private readonly calls: AwsCalls;
  /** ENI → VPC, learnt when reading (an ENI never changes VPC). */
  private readonly eniVpc = new Map<string, string>();
  /** VPC → the quarantine group this run made ready or found ready (its ID never changes). */
  private readonly ready = new Map<string, string>();

  constructor(
    private readonly ec2: EC2Client,
    region: string,
  ) {
    this.calls = new AwsCalls('EC2', region);
  }

  async survey(target: PlaybookTarget): Promise<InstanceSurvey> {
    const instanceId = target.id;
    const instance = await this.instance(instanceId);
    if (!instance) return { instanceId, state: null, networkInterfaces: [], volumes: [], quarantineGroup: null, evidenceSnapshots: [] };
    const tags = tagMap(instance.Tags);
    const networkInterfaces = [...(instance.NetworkInterfaces ?? [])]
      .sort((a, b) => (a.Attachment?.DeviceIndex ?? 0) - (b.Attachment?.DeviceIndex ?? 0))
      .flatMap((n) =>
        n.NetworkInterfaceId
          ? [
              {
                id: n.NetworkInterfaceId,
                groups: (n.Groups ?? []).flatMap((g) => (g.GroupId ? [g.GroupId] : [])),
                ...(n.VpcId ? { vpcId: n.VpcId } : {}),
              },
            ]
          : [],
      );
    const volumes = (instance.BlockDeviceMappings ?? []).flatMap((b) =>
      b.Ebs?.VolumeId ? [{ id: b.Ebs.VolumeId, ...(b.DeviceName ? { device: b.DeviceName } : {}) }] : [],
    );
    const vpcId = instance.VpcId;
    const [group, evidenceSnapshots] = await Promise.all([
      vpcId ? this.quarantineGroup(vpcId) : Promise.resolve(undefined),
      this.evidence(volumes.map((v) => v.id)),
    ]);
    return {
      instanceId,
      state: instance.State?.Name ?? 'unknown',
      ...(tags.Name ? { name: tags.Name } : {}),
      ...(vpcId ? { vpcId } : {}),
      ...(tags[AUTO_SCALING_TAG] ? { autoScalingGroup: tags[AUTO_SCALING_TAG] } : {}),
      ...(tags[ISOLATED_FOR_TAG] ? { isolatedFor: tags[ISOLATED_FOR_TAG] } : {}),
      networkInterfaces,
      volumes,
      quarantineGroup: group?.GroupId
        ? { id: group.GroupId, ingressRules: ruleCount(group.IpPermissions), egressRules: ruleCount(group.IpPermissionsEgress) }
        : null,
      evidenceSnapshots,
    };
  }

  async read(step: PlanStep, ctx: { findingId: string }): Promise<Json> {
    switch (step.action) {
      case QUARANTINE_GROUP_STEP:
        return { quarantine: quarantineState(await this.quarantineGroup(step.resource)) };
      case ENI_GROUPS_STEP:
        return this.readEni(step.resource);
      case EVIDENCE_SNAPSHOT_STEP: {
        const out = await this.calls.run(() =>
          this.ec2.send(
            new DescribeSnapshotsCommand({
              OwnerIds: ['self'],
              Filters: [
                { Name: 'volume-id', Values: [step.resource] },
                { Name: `tag:${FINDING_TAG}`, Values: [ctx.findingId] },
              ],
            }),
          ),
        );
        return { snapshot: (out.Snapshots ?? []).some((s) => s.State !== 'error') };
      }
      case TAG_INSTANCE_STEP: {
        const instance = await this.instance(step.resource);
        if (!instance) return ABSENT;
        return { tagged: tagMap(instance.Tags)[ISOLATED_FOR_TAG] === ctx.findingId };
      }
      default:
        throw new ChatOpsError('UNSUPPORTED_STEP', `The bot does not know the step ${JSON.stringify(step.action)}.`);
    }
  }

  resolve(step: PlanStep): Json {
    return step.after;
  }

  async write(step: PlanStep, target: Json, ctx: { findingId: string }): Promise<{ kept?: { label: string; id: string }[] }> {
    switch (step.action) {
      case QUARANTINE_GROUP_STEP: {
        if (!sameState(target, QUARANTINE_READY)) throw unsupported(step, target);
        const group = await this.ensureQuarantine(step.resource);
        return { kept: group.created ? [group.kept] : [] };
      }
      case ENI_GROUPS_STEP:
        return this.writeEni(step, target);
      case EVIDENCE_SNAPSHOT_STEP: {
        if (!sameState(target, SNAPSHOT_TAKEN)) throw unsupported(step, target);
        return { kept: [await this.snapshot(step.resource, ctx.findingId)] };
      }
      case TAG_INSTANCE_STEP: {
        if (!sameState(target, INSTANCE_TAGGED)) throw unsupported(step, target);
        await this.calls.run(() =>
          this.ec2.send(new CreateTagsCommand({ Resources: [step.resource], Tags: [{ Key: ISOLATED_FOR_TAG, Value: ctx.findingId }] })),
        );
        return {};
      }
      default:
        throw unsupported(step, target);
    }
  }

  async permissionCheck(plan: StepPlan): Promise<DryRunOutcome> {
    if (!isRevertPlaybook(plan.playbook)) {
      const problems = isolateInstance.problems(plan);
      if (problems.length > 0) return { ok: false, message: `The plan is refused: ${problems.join('; ')}.` };
    }
    const checks: { action: string; on: string; send: () => Promise<unknown> }[] = [];
    const eni = plan.steps.find((s) => s.action === ENI_GROUPS_STEP);
    // The groups a revert sets, or (for an isolation) the ENI's own groups: a no-op even if DryRun were ignored.
    const groups = eni
      ? [groupsOf(eni.after), groupsOf(eni.before)].find((g) => g && g.length > 0 && !g.includes(QUARANTINE_REF))
      : undefined;
    if (eni && groups) {
      checks.push({
        action: 'ModifyNetworkInterfaceAttribute',
        on: eni.resource,
        send: () =>
          this.ec2.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: eni.resource, Groups: groups, DryRun: true })),
      });
    }
    const group = plan.steps.find((s) => s.action === QUARANTINE_GROUP_STEP);
    if (group && sameState(group.before, { quarantine: 'absent' })) {
      checks.push({
        action: 'CreateSecurityGroup',
        on: group.resource,
        send: () =>
          this.ec2.send(
            new CreateSecurityGroupCommand({
              GroupName: quarantineGroupName(group.resource),
              Description: 'guardduty-chatops quarantine: no inbound, no outbound',
              VpcId: group.resource,
              DryRun: true,
            }),
          ),
      });
    }
    if (group && sameState(group.before, { quarantine: 'open-egress' })) {
      const found = await this.quarantineGroup(group.resource);
      const egress = found?.IpPermissionsEgress ?? [];
      if (found?.GroupId && egress.length > 0) {
        const groupId = found.GroupId;
        checks.push({
          action: 'RevokeSecurityGroupEgress',
          on: groupId,
          send: () => this.ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId: groupId, IpPermissions: egress, DryRun: true })),
        });
      }
    }
    const volume = plan.steps.find((s) => s.action === EVIDENCE_SNAPSHOT_STEP);
    if (volume) {
      checks.push({
        action: 'CreateSnapshot',
        on: volume.resource,
        send: () => this.ec2.send(new CreateSnapshotCommand({ VolumeId: volume.resource, DryRun: true })),
      });
    }
    const tag = plan.steps.find((s) => s.action === TAG_INSTANCE_STEP);
    if (tag) {
      checks.push({
        action: 'CreateTags',
        on: tag.resource,
        send: () =>
          this.ec2.send(
            new CreateTagsCommand({ Resources: [tag.resource], Tags: [{ Key: ISOLATED_FOR_TAG, Value: plan.findingId }], DryRun: true }),
          ),
      });
    }
    if (checks.length === 0) return { ok: true, checked: false, message: 'Nothing to dry-run.' };
    const failures: string[] = [];
    for (const check of checks) {
      try {
        await this.calls.send(check.send);
        failures.push(`${check.action} on ${check.on} was not a dry run (the endpoint ignored DryRun)`);
      } catch (err) {
        const code = awsErrorCode(err);
        if (code === 'DryRunOperation') continue;
        if (code === 'UnauthorizedOperation')
          failures.push(`the bot is not allowed ec2:${check.action} on ${check.on} (UnauthorizedOperation)`);
        else failures.push(`${check.action} on ${check.on} failed: ${code}`);
      }
    }
    if (failures.length > 0) return { ok: false, message: failures.join('; ') };
    return { ok: true, message: `DryRunOperation: request would have succeeded (${checks.map((c) => c.action).join(', ')})` };
  }

  awsCalls(): number {
    return this.calls.made;
  }

  /** The instance, or undefined when EC2 does not know it. */
  private async instance(instanceId: string): Promise<Instance | undefined> {
    const out = await this.calls.runOrNone(
      () => this.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] })),
      INSTANCE_NOT_FOUND,
    );
    return (out?.Reservations ?? []).flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === instanceId);
  }

  /** The VPC's group tagged `guardduty-chatops:quarantine` = VPC ID (the lowest ID if several). */
  private async quarantineGroup(vpcId: string): Promise<SecurityGroup | undefined> {
    const out = await this.calls.run(() =>
      this.ec2.send(
        new DescribeSecurityGroupsCommand({
          Filters: [
            { Name: 'vpc-id', Values: [vpcId] },
            { Name: `tag:${QUARANTINE_TAG}`, Values: [vpcId] },
          ],
        }),
      ),
    );
    return (out.SecurityGroups ?? [])
      .filter((g) => g.GroupId && g.VpcId === vpcId && tagMap(g.Tags)[QUARANTINE_TAG] === vpcId)
      .sort((a, b) => (a.GroupId ?? '').localeCompare(b.GroupId ?? ''))[0];
  }

  private async evidence(volumeIds: string[]): Promise<InstanceSurvey['evidenceSnapshots']> {
    if (volumeIds.length === 0) return [];
    const out = await this.calls.run(() =>
      this.ec2.send(
        new DescribeSnapshotsCommand({
          OwnerIds: ['self'],
          Filters: [
            { Name: 'volume-id', Values: volumeIds },
            { Name: 'tag-key', Values: [FINDING_TAG] },
          ],
        }),
      ),
    );
    return (out.Snapshots ?? []).flatMap((s) =>
      s.SnapshotId && s.VolumeId && s.State !== 'error'
        ? [{ id: s.SnapshotId, volumeId: s.VolumeId, findingId: tagMap(s.Tags)[FINDING_TAG] ?? '' }]
        : [],
    );
  }

  private async readEni(eniId: string): Promise<Json> {
    const out = await this.calls.runOrNone(
      () => this.ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eniId] })),
      ENI_NOT_FOUND,
    );
    const eni = out?.NetworkInterfaces?.find((n) => n.NetworkInterfaceId === eniId);
    if (!eni) return ABSENT;
    if (eni.VpcId) this.eniVpc.set(eniId, eni.VpcId);
    const groups = (eni.Groups ?? []).flatMap((g) => (g.GroupId ? [g.GroupId] : []));
    if (groups.length === 1 && eni.VpcId) {
      const quarantine = await this.quarantineGroup(eni.VpcId);
      if (quarantine?.GroupId === groups[0]) return QUARANTINED;
    }
    return eniState(groups);
  }

  private async writeEni(step: PlanStep, target: Json): Promise<{ kept?: { label: string; id: string }[] }> {
    const groups = groupsOf(target);
    if (!groups || groups.length === 0 || (groups.includes(QUARANTINE_REF) && groups.length !== 1)) throw unsupported(step, target);
    const kept: { label: string; id: string }[] = [];
    let ids = groups;
    if (groups[0] === QUARANTINE_REF) {
      const vpcId = this.eniVpc.get(step.resource) ?? (await this.vpcOfEni(step.resource));
      const group = await this.ensureQuarantine(vpcId);
      if (group.created) kept.push(group.kept);
      ids = [group.id];
    }
    await this.calls.run(() =>
      this.ec2.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: step.resource, Groups: ids })),
    );
    return { kept };
  }

  private async vpcOfEni(eniId: string): Promise<string> {
    const out = await this.calls.run(() => this.ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eniId] })));
    const vpcId = out.NetworkInterfaces?.[0]?.VpcId;
    if (!vpcId) throw new ChatOpsError('NOT_FOUND', `Network interface ${eniId} is in no VPC.`);
    this.eniVpc.set(eniId, vpcId);
    return vpcId;
  }

  /**
   * The VPC's quarantine group with no rule: the tagged one (its egress revoked if someone added some), or a new one:
   * created tagged `preparing` (or adopted, if a stopped run left it so), its default egress revoked, then tagged
   * with the VPC ID. A group of that name the bot did not make, or a quarantine group with inbound rules, is an error.
   */
  private async ensureQuarantine(vpcId: string): Promise<{ id: string; created: boolean; kept: { label: string; id: string } }> {
    const cached = this.ready.get(vpcId);
    const label = `quarantine security group of ${vpcId}`;
    if (cached) return { id: cached, created: false, kept: { label, id: cached } };
    let group = await this.quarantineGroup(vpcId);
    const created = !group;
    group ??= await this.preparingGroup(vpcId);
    const id = group.GroupId ?? '';
    if (ruleCount(group.IpPermissions) > 0) {
      throw new ChatOpsError(
        'QUARANTINE_GROUP_OPEN',
        `The quarantine group ${id} of ${vpcId} has inbound rules someone added: the bot does not put instances in it.`,
      );
    }
    const egress = group.IpPermissionsEgress ?? [];
    if (egress.length > 0) {
      await this.calls.run(() => this.ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId: id, IpPermissions: egress })));
    }
    if (created) {
      await this.calls.run(() => this.ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: QUARANTINE_TAG, Value: vpcId }] })));
    }
    this.ready.set(vpcId, id);
    return { id, created, kept: { label, id } };
  }

  /** A new group named for the VPC, tagged `preparing`; or the one a stopped run left (same name, same tag). */
  private async preparingGroup(vpcId: string): Promise<SecurityGroup> {
    const name = quarantineGroupName(vpcId);
    // Duplicate: already there, made by a run that stopped half-way or by someone else (then refused below).
    const created = await this.calls.runOrNone(
      () =>
        this.ec2.send(
          new CreateSecurityGroupCommand({
            GroupName: name,
            Description: 'guardduty-chatops quarantine: no inbound, no outbound',
            VpcId: vpcId,
            TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: QUARANTINE_TAG, Value: QUARANTINE_PREPARING }] }],
          }),
        ),
      DUPLICATE,
    );
    const groupId = created?.GroupId;
    const out = await this.calls.run(() =>
      this.ec2.send(
        new DescribeSecurityGroupsCommand(
          groupId
            ? { GroupIds: [groupId] }
            : {
                Filters: [
                  { Name: 'vpc-id', Values: [vpcId] },
                  { Name: 'group-name', Values: [name] },
                ],
              },
        ),
      ),
    );
    const group = (out.SecurityGroups ?? []).find((g) => g.VpcId === vpcId && g.GroupName === name);
    if (!group?.GroupId) throw new ChatOpsError('NOT_FOUND', `The quarantine group ${name} of ${vpcId} could not be read back.`);
    const tag = tagMap(group.Tags)[QUARANTINE_TAG];
    if (tag !== QUARANTINE_PREPARING && tag !== vpcId) {
      throw new ChatOpsError(
        'QUARANTINE_NAME_TAKEN',
        `A security group named ${name} (${group.GroupId}) exists in ${vpcId} without the bot's ${QUARANTINE_TAG} tag: the bot does not use it.`,
      );
    }
    return group;
  }

  private async snapshot(volumeId: string, findingId: string): Promise<{ label: string; id: string }> {
    const volumes = await this.calls.run(() => this.ec2.send(new DescribeVolumesCommand({ VolumeIds: [volumeId] })));
    const instanceId = volumes.Volumes?.[0]?.Attachments?.find((a) => a.InstanceId)?.InstanceId ?? 'none';
    const out = await this.calls.run(() =>
      this.ec2.send(
        new CreateSnapshotCommand({
          VolumeId: volumeId,
          Description: `guardduty-chatops evidence: ${volumeId} of ${instanceId}, finding ${findingId}`.slice(0, 255),
          TagSpecifications: [
            {
              ResourceType: 'snapshot',
              Tags: [
                { Key: FINDING_TAG, Value: findingId },
                { Key: INSTANCE_TAG, Value: instanceId },
                { Key: 'Name', Value: `evidence ${instanceId} ${volumeId}` },
              ],
            },
          ],
        }),
      ),
    );
    if (!out.SnapshotId) throw new ChatOpsError('NOT_FOUND', `CreateSnapshot of ${volumeId} gave no snapshot ID.`);
    return { label: `snapshot of ${volumeId}`, id: out.SnapshotId };
  }
}
