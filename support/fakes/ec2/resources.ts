import type { Filter, Tag, TagSpecification } from '@aws-sdk/client-ec2';
import { Ec2Error } from './errors';
import type { Ec2Rule } from './rules';

/*
 * The EC2 resources an "isolate the instance" playbook touches, as the model keeps them: groups with a VPC, name and
 * egress rules, instances in a VPC with network interfaces (ENIs) and EBS volumes, snapshots, and the tags of all of
 * them. Tags live in one map keyed by resource ID (as EC2's CreateTags treats them); the records here hold the rest.
 */

/** A security group's own attributes (its ingress rules are the model's `rules`, its egress rules `egress`). */
export interface Ec2Group {
  id: string;
  name: string;
  description: string;
  /** Unset for the groups the legacy `seed(rules, instances)` implies (they live in no VPC). */
  vpcId?: string;
}

export interface Ec2NetworkInterface {
  id: string;
  vpcId?: string;
  subnetId?: string;
  /** Security group IDs, in the order they were set. */
  groups: string[];
  instanceId?: string;
  deviceIndex?: number;
  attachmentId?: string;
}

export interface Ec2Volume {
  id: string;
  sizeGiB: number;
  availabilityZone: string;
  instanceId?: string;
  /** e.g. /dev/xvda */
  device?: string;
  deleteOnTermination?: boolean;
}

export interface Ec2InstanceRecord {
  id: string;
  vpcId: string;
  subnetId?: string;
  /** `running`, `stopped`, … (default running). */
  state?: string;
}

export interface Ec2Snapshot {
  id: string;
  volumeId: string;
  description?: string;
  /** `pending` when created; {@link Ec2Model.completeSnapshots} makes it `completed`. */
  state: 'pending' | 'completed' | 'error';
  startTime: Date;
  ownerId: string;
  volumeSizeGiB: number;
}

/** A group to add with {@link Ec2Model.add}. */
export interface Ec2GroupSpec {
  id: string;
  name: string;
  vpcId: string;
  description?: string;
  tags?: Record<string, string>;
  /** Ingress rules of the group (IDs given); appended to the model's `rules`. */
  ingress?: Omit<Ec2Rule, 'groupId'>[];
  /** Egress rules (IDs given); default: EC2's default egress rule (all traffic to 0.0.0.0/0) with a generated ID. */
  egress?: Omit<Ec2Rule, 'groupId'>[];
}

/** An instance to add with {@link Ec2Model.add}: its ENIs and volumes are created with it, attached to it. */
export interface Ec2InstanceSpec {
  id: string;
  vpcId: string;
  subnetId?: string;
  state?: string;
  tags?: Record<string, string>;
  /** Device index defaults to the position in this list. */
  networkInterfaces: { id: string; groups: string[]; deviceIndex?: number; subnetId?: string }[];
  volumes?: { id: string; device: string; sizeGiB?: number; deleteOnTermination?: boolean }[];
}

/** Resources to add to a model on top of what it holds ({@link Ec2Model.add}). */
export interface Ec2Fixture {
  groups?: Ec2GroupSpec[];
  instances?: Ec2InstanceSpec[];
  /** VPCs that exist even with nothing in them (every VPC of a group or instance exists too). */
  vpcs?: string[];
}

/** `sg-` and 17 hex digits, from c001 up (a group CreateSecurityGroup made). */
export function ec2GroupId(n: number): string {
  return `sg-${(0xc000 + n).toString(16).padStart(17, '0')}`;
}

/** `sgr-` and 17 hex digits, from e001 up: egress rule IDs never meet ingress ones (a…, b…). */
export function ec2EgressRuleId(n: number): string {
  return `sgr-${(0xe000 + n).toString(16).padStart(17, '0')}`;
}

/** `snap-` and 17 hex digits, from d001 up. */
export function ec2SnapshotId(n: number): string {
  return `snap-${(0xd000 + n).toString(16).padStart(17, '0')}`;
}

/** EC2's default egress rule of a new VPC security group: all traffic to 0.0.0.0/0. */
export function defaultEgress(id: string, groupId: string): Ec2Rule {
  return { id, groupId, protocol: '-1', from: -1, to: -1, v4: '0.0.0.0/0' };
}

export function toTags(tags: Record<string, string> | undefined): Tag[] {
  return Object.entries(tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
}

/**
 * The tags of TagSpecifications for one resource type; a specification for another type is refused as EC2 does
 * (InvalidParameterValue), one without a type too.
 */
export function tagsFor(resourceType: string, specs: readonly TagSpecification[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const spec of specs ?? []) {
    if (spec.ResourceType !== resourceType)
      throw new Ec2Error('InvalidParameterValue', `'${spec.ResourceType ?? ''}' is not a valid taggable resource type for this operation.`);
    for (const t of spec.Tags ?? []) {
      if (!t.Key) throw new Ec2Error('InvalidParameterValue', 'Tag keys must not be empty');
      out[t.Key] = t.Value ?? '';
    }
  }
  return out;
}

/** EC2 filter values may hold `*` (any run) and `?` (any one character). */
function matches(pattern: string, value: string): boolean {
  if (!/[*?]/.test(pattern)) return pattern === value;
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 's').test(value);
}

/**
 * Applies EC2 describe filters: `known` maps a filter name to the values a resource has for it; `tag:Key` and
 * `tag-key` read the resource's tags; any other name is refused (InvalidParameterValue), as EC2 refuses an
 * unknown filter. A resource passes when, for every filter, one of its values is among the filter's values.
 */
export function applyFilters<T>(
  rows: T[],
  filters: readonly Filter[] | undefined,
  known: Record<string, (row: T) => (string | undefined)[]>,
  tagsOf: (row: T) => Record<string, string>,
): T[] {
  let out = rows;
  for (const f of filters ?? []) {
    const name = f.Name ?? '';
    const values = f.Values ?? [];
    let read: (row: T) => (string | undefined)[];
    if (name.startsWith('tag:')) {
      const key = name.slice(4);
      read = (row) => {
        const tags = tagsOf(row);
        return key in tags ? [tags[key]] : [];
      };
    } else if (name === 'tag-key') read = (row) => Object.keys(tagsOf(row));
    else if (known[name]) read = known[name];
    else throw new Ec2Error('InvalidParameterValue', `The filter '${name}' is invalid`);
    out = out.filter((row) => read(row).some((v) => v !== undefined && values.some((pattern) => matches(pattern, v))));
  }
  return out;
}
