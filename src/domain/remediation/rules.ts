import type { IngressRule } from './types';

/** The rule's one source: a CIDR, a security group or a prefix list. */
export function ruleSource(rule: IngressRule): string {
  return rule.cidrIpv4 ?? rule.cidrIpv6 ?? rule.referencedGroupId ?? rule.prefixListId ?? '(no source)';
}

/** Same group, protocol, ports and source; rule ID and description are ignored. */
export function sameRule(a: IngressRule, b: IngressRule): boolean {
  return ruleKey(a) === ruleKey(b);
}

export function ruleKey(rule: IngressRule): string {
  const source = [rule.cidrIpv4 ?? '', rule.cidrIpv6?.toLowerCase() ?? '', rule.referencedGroupId ?? '', rule.prefixListId ?? ''];
  return [rule.groupId, rule.protocol.toLowerCase(), rule.fromPort, rule.toPort, ...source].join('|');
}

/** "22" or "0-65535". */
export function portRange(rule: Pick<IngressRule, 'fromPort' | 'toPort'>): string {
  return rule.fromPort === rule.toPort ? `${rule.fromPort}` : `${rule.fromPort}-${rule.toPort}`;
}

/** "port 22", "ports 22, 3389". */
export function portsText(ports: readonly number[]): string {
  return `${ports.length === 1 ? 'port' : 'ports'} ${ports.join(', ')}`;
}

/** "tcp 22 from 0.0.0.0/0", "tcp 0-65535 from ::/0", "all traffic from 0.0.0.0/0". */
export function describeRule(rule: IngressRule): string {
  const from = ruleSource(rule);
  if (rule.protocol === '-1') return `all traffic from ${from}`;
  return `${rule.protocol} ${portRange(rule)} from ${from}`;
}

function familyRank(rule: IngressRule): number {
  if (rule.cidrIpv4 !== undefined) return 0;
  if (rule.cidrIpv6 !== undefined) return 1;
  if (rule.referencedGroupId !== undefined) return 2;
  return 3;
}

/** By group, port, family, then source. */
export function compareRules(a: IngressRule, b: IngressRule): number {
  return (
    cmp(a.groupId, b.groupId) ||
    a.fromPort - b.fromPort ||
    a.toPort - b.toPort ||
    familyRank(a) - familyRank(b) ||
    cmp(ruleSource(a), ruleSource(b)) ||
    cmp(a.protocol, b.protocol)
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
