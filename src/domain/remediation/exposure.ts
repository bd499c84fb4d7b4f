import ipaddr from 'ipaddr.js';
import { compareRules } from './rules';
import { DEFAULT_SOURCE_LIMITS } from './trusted-source';
import type { IngressRule } from './types';

const WORLD = new Set(['0.0.0.0/0', '::/0']);
/** Not routable from the internet: a rule wholly inside one of these exposes nothing to it, however broad. */
const INTERNAL = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  'fc00::/7',
  'fe80::/10',
].map((c) => ipaddr.parseCIDR(c));

/** Why a rule's source reaches a port from (most of) the internet, or undefined when it does not. */
export type Exposure = 'world' | 'broad-ipv4' | 'broad-ipv6' | 'prefix-list';

export function isWorldOpen(rule: IngressRule): boolean {
  return (rule.cidrIpv4 !== undefined && WORLD.has(rule.cidrIpv4)) || (rule.cidrIpv6 !== undefined && WORLD.has(rule.cidrIpv6));
}

/**
 * A source counts as exposing when the bot would refuse it as a trusted source: the world, IPv4 broader than
 * /16, IPv6 broader than /48 (0.0.0.0/1 + 128.0.0.0/1 is the world too), or a prefix list, whose entries the
 * bot does not read. A range wholly inside private or link-local space (10.0.0.0/8, fc00::/7, …) is not
 * reachable from the internet and does not count.
 */
export function exposureOf(rule: IngressRule): Exposure | undefined {
  if (isWorldOpen(rule)) return 'world';
  if (rule.prefixListId !== undefined) return 'prefix-list';
  if (rule.cidrIpv4 !== undefined && isBroad(rule.cidrIpv4, DEFAULT_SOURCE_LIMITS.minPrefixV4)) return 'broad-ipv4';
  if (rule.cidrIpv6 !== undefined && isBroad(rule.cidrIpv6, DEFAULT_SOURCE_LIMITS.minPrefixV6)) return 'broad-ipv6';
  return undefined;
}

/** Broader than the limit and not wholly internal; anything that does not parse counts as broad, to be shown. */
function isBroad(cidr: string, minPrefix: number): boolean {
  let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    parsed = cidr.includes('/') ? ipaddr.parseCIDR(cidr) : [ipaddr.parse(cidr), cidr.includes(':') ? 128 : 32];
  } catch {
    return true;
  }
  const [addr, prefix] = parsed;
  if (prefix >= minPrefix) return false;
  return !INTERNAL.some(([net, bits]) => net.kind() === addr.kind() && prefix >= bits && addr.match(net, bits));
}

export function exposureText(exposure: Exposure): string {
  switch (exposure) {
    case 'world':
      return 'open to the whole internet';
    case 'broad-ipv4':
      return `an IPv4 range broader than /${DEFAULT_SOURCE_LIMITS.minPrefixV4}`;
    case 'broad-ipv6':
      return `an IPv6 range broader than /${DEFAULT_SOURCE_LIMITS.minPrefixV6}`;
    case 'prefix-list':
      return 'a prefix list, whose entries the bot does not check';
  }
}

/** tcp traffic to the port is allowed by the rule's protocol and port range. */
export function coversTcpPort(rule: IngressRule, port: number): boolean {
  if (rule.protocol === '-1') return true;
  return rule.protocol === 'tcp' && rule.fromPort <= port && port <= rule.toPort;
}

/** tcp with exactly this one port. */
export function isExactTcp(rule: IngressRule, port: number): boolean {
  return rule.protocol === 'tcp' && rule.fromPort === port && rule.toPort === port;
}

/** World-open tcp for exactly the port: what restrict-ingress replaces (anything broader is only shown). */
export function isReplaceable(rule: IngressRule, port: number): boolean {
  return isWorldOpen(rule) && isExactTcp(rule, port);
}

/** Rules through which any of the ports is reachable from (most of) the internet. */
export function exposingRules(rules: readonly IngressRule[], ports: readonly number[]): IngressRule[] {
  return rules.filter((r) => exposureOf(r) !== undefined && ports.some((p) => coversTcpPort(r, p)));
}

/** What is open now, for the modal before anyone typed a trusted source. */
export interface PlanPreview {
  ports: number[];
  groupIds: string[];
  /** World-open tcp rules for exactly the ports: these get replaced. */
  replaced: IngressRule[];
  /** Other rules that expose a port (world-open ranges or all traffic, broad ranges, prefix lists): shown, never changed. */
  broader: IngressRule[];
}

export function planPreview(groupIds: string[], ports: number[], rules: readonly IngressRule[]): PlanPreview {
  const open = exposingRules(rules, ports).sort(compareRules);
  const replaced = (r: IngressRule) => ports.some((p) => isReplaceable(r, p));
  return { ports, groupIds, replaced: open.filter(replaced), broader: open.filter((r) => !replaced(r)) };
}
