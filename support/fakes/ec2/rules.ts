import type { IpPermission, SecurityGroupRule } from '@aws-sdk/client-ec2';
import { Ec2Error } from './errors';

/** One ingress rule as EC2 keeps them: one source per rule. */
export interface Ec2Rule {
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

export type RuleContent = Omit<Ec2Rule, 'id'>;

/**
 * The one test of "the same rule", as EC2 applies it for Duplicate and for revoking by content: group, protocol,
 * ports and source; IPv6 ranges compare case-insensitively, prefix lists are sources like any other, the
 * description does not count.
 */
export function sameRule(a: RuleContent, b: RuleContent): boolean {
  return (
    a.groupId === b.groupId &&
    a.protocol === b.protocol &&
    a.from === b.from &&
    a.to === b.to &&
    a.v4 === b.v4 &&
    a.v6?.toLowerCase() === b.v6?.toLowerCase() &&
    a.group === b.group &&
    a.prefixList === b.prefixList
  );
}

const PROTOCOLS: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'icmpv6', all: '-1' };

/** Splits IpPermissions into single-source rules, as EC2 stores them; refuses an unknown protocol or a bad port range. */
export function rulesOf(groupId: string, permissions: readonly IpPermission[]): RuleContent[] {
  const out: RuleContent[] = [];
  for (const p of permissions) {
    const raw = (p.IpProtocol ?? '').toLowerCase();
    const protocol = PROTOCOLS[raw] ?? raw;
    if (!['tcp', 'udp', 'icmp', 'icmpv6', '-1'].includes(protocol))
      throw new Ec2Error('InvalidParameterValue', `Invalid value '${raw}' for IP protocol. Unknown protocol.`);
    const all = protocol === '-1';
    const base = { groupId, protocol, from: all ? -1 : (p.FromPort ?? -1), to: all ? -1 : (p.ToPort ?? -1) };
    if (!all && protocol !== 'icmp' && protocol !== 'icmpv6' && (base.from < 0 || base.to > 65535 || base.from > base.to)) {
      throw new Ec2Error('InvalidParameterValue', `Invalid port range ${base.from}-${base.to}`);
    }
    const desc = (d: string | undefined) => (d ? { description: d } : {});
    for (const r of p.IpRanges ?? []) out.push({ ...base, v4: r.CidrIp, ...desc(r.Description) });
    for (const r of p.Ipv6Ranges ?? []) out.push({ ...base, v6: r.CidrIpv6, ...desc(r.Description) });
    for (const r of p.UserIdGroupPairs ?? []) out.push({ ...base, group: r.GroupId, ...desc(r.Description) });
    for (const r of p.PrefixListIds ?? []) out.push({ ...base, prefixList: r.PrefixListId, ...desc(r.Description) });
  }
  return out;
}

/** A rule as DescribeSecurityGroupRules returns it (with the owning account when given); `egress` for an egress rule. */
export function toSdkRule(r: Ec2Rule, ownerId?: string, egress = false): SecurityGroupRule {
  return {
    SecurityGroupRuleId: r.id,
    GroupId: r.groupId,
    ...(ownerId ? { GroupOwnerId: ownerId } : {}),
    IsEgress: egress,
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

export function sourceOf(r: RuleContent): string {
  return r.v4 ?? r.v6 ?? r.group ?? r.prefixList ?? '?';
}

/** How EC2 names a rule in a Duplicate message. */
export function peer(r: RuleContent): string {
  return `peer: ${sourceOf(r)}, ${r.protocol.toUpperCase()}, from port: ${r.from}, to port: ${r.to}, ALLOW`;
}

/**
 * Rules as DescribeSecurityGroups gives them: one IpPermission per protocol and port range, its sources in
 * IpRanges, Ipv6Ranges, UserIdGroupPairs and PrefixListIds; all-traffic (-1) permissions carry no ports.
 */
export function toIpPermissions(rules: readonly Ec2Rule[], ownerId?: string): IpPermission[] {
  const out = new Map<string, IpPermission>();
  for (const r of rules) {
    const key = `${r.protocol} ${r.from} ${r.to}`;
    let p = out.get(key);
    if (!p) {
      p = { IpProtocol: r.protocol, ...(r.protocol === '-1' ? {} : { FromPort: r.from, ToPort: r.to }) };
      out.set(key, p);
    }
    const desc = r.description ? { Description: r.description } : {};
    if (r.v4) (p.IpRanges ??= []).push({ CidrIp: r.v4, ...desc });
    if (r.v6) (p.Ipv6Ranges ??= []).push({ CidrIpv6: r.v6, ...desc });
    if (r.group) (p.UserIdGroupPairs ??= []).push({ GroupId: r.group, ...(ownerId ? { UserId: ownerId } : {}), ...desc });
    if (r.prefixList) (p.PrefixListIds ??= []).push({ PrefixListId: r.prefixList, ...desc });
  }
  return [...out.values()];
}
