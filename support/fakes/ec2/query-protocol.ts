/*
 * EC2's `ec2Query` wire protocol, read and written through the SDK's own static schemas (the same traits its
 * serializer and deserializer use; node_modules/@aws-sdk/core/dist-cjs/submodules/protocols/index.js,
 * `AwsEc2QueryProtocol`; the operation and structure schemas in @aws-sdk/client-ec2, `DescribeInstances$`, …):
 *   request   POST /  application/x-www-form-urlencoded
 *             Action=DescribeInstances&Version=2016-11-15&InstanceId.1=i-…   (keys are the members' ec2QueryName,
 *             lists are flattened: `IpPermissions.1.IpRanges.1.CidrIp=…`)
 *   answer    200 <DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>…</requestId>
 *             <reservationSet><item>…</item></reservationSet></DescribeInstancesResponse>   (members' xmlName,
 *             lists wrapped, one <item> per element)
 *   error     4xx/5xx <Response><Errors><Error><Code>…</Code><Message>…</Message></Error></Errors><RequestID>…</RequestID></Response>
 */

import {
  AuthorizeSecurityGroupIngress$,
  CreateSecurityGroup$,
  CreateSnapshot$,
  CreateTags$,
  DescribeInstances$,
  DescribeNetworkInterfaces$,
  DescribeSecurityGroupRules$,
  DescribeSecurityGroups$,
  DescribeSnapshots$,
  DescribeVolumes$,
  ModifyNetworkInterfaceAttribute$,
  RevokeSecurityGroupEgress$,
  RevokeSecurityGroupIngress$,
} from '@aws-sdk/client-ec2';
import type { Ec2Op } from './model';

export const VERSION = '2016-11-15';
export const XMLNS = `http://ec2.amazonaws.com/doc/${VERSION}/`;

export function deref(ref: unknown): unknown {
  return typeof ref === 'function' ? (ref as () => unknown)() : ref;
}

const OPERATIONS: Record<Ec2Op, unknown> = {
  DescribeInstances: DescribeInstances$,
  DescribeSecurityGroupRules: DescribeSecurityGroupRules$,
  AuthorizeSecurityGroupIngress: AuthorizeSecurityGroupIngress$,
  RevokeSecurityGroupIngress: RevokeSecurityGroupIngress$,
  DescribeNetworkInterfaces: DescribeNetworkInterfaces$,
  ModifyNetworkInterfaceAttribute: ModifyNetworkInterfaceAttribute$,
  CreateSecurityGroup: CreateSecurityGroup$,
  DescribeSecurityGroups: DescribeSecurityGroups$,
  RevokeSecurityGroupEgress: RevokeSecurityGroupEgress$,
  CreateSnapshot: CreateSnapshot$,
  DescribeSnapshots: DescribeSnapshots$,
  DescribeVolumes: DescribeVolumes$,
  CreateTags: CreateTags$,
};

/** An operation's input and output structure schemas (an operation schema is `[9, namespace, name, traits, input, output]`). */
export function operationSchemas(op: Ec2Op): { input: unknown; output: unknown } {
  const s = deref(OPERATIONS[op]) as unknown[];
  return { input: s[4], output: s[5] };
}

interface MemberTraits {
  xmlName?: string;
  ec2QueryName?: string;
}

/** A member is either a schema reference or `[reference, traits]`; traits may be an object or a bit field. */
function memberOf(ref: unknown): { schema: unknown; traits: MemberTraits } {
  if (Array.isArray(ref) && ref.length === 2) {
    const traits: unknown = ref[1];
    return { schema: deref(ref[0]), traits: typeof traits === 'object' && traits !== null ? traits : {} };
  }
  return { schema: deref(ref), traits: {} };
}

/** A number with this bit is a list of the simple type in its low bits (`64 | 0`: a list of strings). */
const LIST_MODIFIER = 64;

/**
 * Static structure schema: `[3, namespace, name, traits, memberNames, members]`; list: `[1, namespace, name, traits,
 * member]` or a number `64 | simple`; `"unit"` is an operation without output.
 */
function kindOf(schema: unknown): 'struct' | 'list' | 'simple' | 'unit' {
  if (schema === 'unit') return 'unit';
  if (typeof schema === 'number' && (schema & LIST_MODIFIER) !== 0 && schema < 128) return 'list';
  if (Array.isArray(schema) && (schema[0] === 3 || schema[0] === 4)) return 'struct';
  if (Array.isArray(schema) && schema[0] === 1) return 'list';
  if (Array.isArray(schema) && schema[0] === 0) return kindOf(deref(schema[4]));
  return 'simple';
}

function simpleId(schema: unknown): number {
  if (typeof schema === 'number') return schema & 63;
  if (Array.isArray(schema) && schema[0] === 0) return simpleId(deref(schema[4]));
  return 0;
}

/** The item schema of a list schema. */
function listItem(schema: unknown): { schema: unknown; traits: MemberTraits } {
  if (typeof schema === 'number') return { schema: schema & 63, traits: {} };
  return memberOf((schema as unknown[])[4]);
}

function structMembers(schema: unknown): { name: string; schema: unknown; traits: MemberTraits }[] {
  const s = schema as unknown[];
  const names = s[4] as string[];
  const members = s[5] as unknown[];
  return names.map((name, i) => ({ name, ...memberOf(members[i]) }));
}

/** The form key of a struct member, as the SDK's QueryShapeSerializer writes it with the ec2 settings. */
function queryKey(name: string, traits: MemberTraits): string {
  if (traits.ec2QueryName) return traits.ec2QueryName;
  const key = traits.xmlName ?? name;
  return key.charAt(0).toUpperCase() + key.slice(1);
}

/** Reads flattened form params (`IpPermissions.1.IpRanges.1.CidrIp`) back into an SDK-shaped value. */
export function fromQuery(params: Record<string, string>, schema: unknown, prefix = ''): unknown {
  const under = (key: string) => Object.keys(params).some((k) => k === key || k.startsWith(`${key}.`));
  const s = deref(schema);
  switch (kindOf(s)) {
    case 'struct': {
      const out: Record<string, unknown> = {};
      for (const m of structMembers(s)) {
        const key = `${prefix ? `${prefix}.` : ''}${queryKey(m.name, m.traits)}`;
        if (under(key)) out[m.name] = fromQuery(params, m.schema, key);
      }
      return out;
    }
    case 'unit':
      return {};
    case 'list': {
      const item = listItem(s).schema;
      const out: unknown[] = [];
      for (let i = 1; under(`${prefix}.${i}`); i++) out.push(fromQuery(params, item, `${prefix}.${i}`));
      return out;
    }
    default: {
      const raw = params[prefix] ?? '';
      const id = simpleId(s);
      if (id === 1) return Number(raw);
      if (id === 2) return raw === 'true';
      return raw;
    }
  }
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}

/** Writes an SDK-shaped value as EC2 XML elements: members by xmlName, lists wrapped with one element per item. */
export function toXml(value: unknown, schema: unknown): string {
  if (value === undefined || value === null) return '';
  const s = deref(schema);
  switch (kindOf(s)) {
    case 'struct': {
      const v = value as Record<string, unknown>;
      let xml = '';
      for (const m of structMembers(s)) {
        if (v[m.name] === undefined) continue;
        const tag = m.traits.xmlName ?? m.name;
        xml += `<${tag}>${toXml(v[m.name], m.schema)}</${tag}>`;
      }
      for (const key of Object.keys(v)) {
        if (!structMembers(s).some((m) => m.name === key)) throw new Error(`${String((s as unknown[])[2])} has no member ${key}`);
      }
      return xml;
    }
    case 'unit':
      return '';
    case 'list': {
      const item = listItem(s);
      const tag = item.traits.xmlName ?? 'member';
      return (value as unknown[]).map((x) => `<${tag}>${toXml(x, item.schema)}</${tag}>`).join('');
    }
    default: {
      if (value instanceof Date) return value.toISOString();
      if (typeof value === 'string') return escapeXml(value);
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      throw new Error(`cannot write ${typeof value} as XML`);
    }
  }
}
