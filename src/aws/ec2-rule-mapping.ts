import type { IpPermission, SecurityGroupRule } from '@aws-sdk/client-ec2';
import type { IngressRule } from '../domain/remediation/types';

const PROTOCOL_NAMES: Record<string, string> = { '1': 'icmp', '6': 'tcp', '17': 'udp', '58': 'icmpv6' };

/** An ingress rule as DescribeSecurityGroupRules reports it; undefined for egress and incomplete entries. */
export function toIngressRule(r: SecurityGroupRule): IngressRule | undefined {
  if (r.IsEgress || !r.GroupId || !r.IpProtocol) return undefined;
  const protocol = PROTOCOL_NAMES[r.IpProtocol] ?? r.IpProtocol.toLowerCase();
  const all = protocol === '-1';
  const rule: IngressRule = {
    groupId: r.GroupId,
    protocol,
    fromPort: all ? 0 : (r.FromPort ?? 0),
    toPort: all ? 65535 : (r.ToPort ?? 65535),
  };
  if (r.SecurityGroupRuleId) rule.ruleId = r.SecurityGroupRuleId;
  if (r.CidrIpv4) rule.cidrIpv4 = r.CidrIpv4;
  if (r.CidrIpv6) rule.cidrIpv6 = r.CidrIpv6;
  if (r.ReferencedGroupInfo?.GroupId) rule.referencedGroupId = r.ReferencedGroupInfo.GroupId;
  if (r.PrefixListId) rule.prefixListId = r.PrefixListId;
  if (r.Description) rule.description = r.Description;
  return rule;
}

/** The permission that authorizes or revokes (by content) exactly this rule. */
export function toIpPermission(rule: IngressRule, withDescription: boolean): IpPermission {
  const desc = withDescription && rule.description ? { Description: rule.description } : {};
  const perm: IpPermission =
    rule.protocol === '-1' ? { IpProtocol: '-1' } : { IpProtocol: rule.protocol, FromPort: rule.fromPort, ToPort: rule.toPort };
  if (rule.cidrIpv4) perm.IpRanges = [{ CidrIp: rule.cidrIpv4, ...desc }];
  else if (rule.cidrIpv6) perm.Ipv6Ranges = [{ CidrIpv6: rule.cidrIpv6, ...desc }];
  else if (rule.referencedGroupId) perm.UserIdGroupPairs = [{ GroupId: rule.referencedGroupId, ...desc }];
  else if (rule.prefixListId) perm.PrefixListIds = [{ PrefixListId: rule.prefixListId, ...desc }];
  return perm;
}
