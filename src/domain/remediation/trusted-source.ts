import ipaddr from 'ipaddr.js';
import type { TrustedSource } from './types';

export interface SourceLimits {
  /** Shortest IPv4 prefix accepted (a /8 is broader than a /16). */
  minPrefixV4: number;
  minPrefixV6: number;
}

export const DEFAULT_SOURCE_LIMITS: Readonly<SourceLimits> = Object.freeze({ minPrefixV4: 16, minPrefixV6: 48 });

export const MAX_TRUSTED_SOURCES = 10;

export type ParseTrustedSourcesResult = { ok: true; sources: TrustedSource[] } | { ok: false; error: string };

const EXAMPLE = 'e.g. 203.0.113.0/24, 2001:db8:1234::/48 or sg-0123456789abcdef0';
const SG_ID = /^sg-(?:[0-9a-f]{8}|[0-9a-f]{17})$/i;
const PREFIX = /^(?:0|[1-9]\d{0,2})$/;

type Entry = { ok: true; source: TrustedSource } | { ok: false; error: string };

/** The CIDR or the security group ID, as parsed (canonical form). */
export function sourceText(source: TrustedSource): string {
  return source.kind === 'cidr' ? source.cidr : source.groupId;
}

/** Parses what a person typed as the networks allowed to keep reaching the port. */
export function parseTrustedSources(input: string, limits: SourceLimits = DEFAULT_SOURCE_LIMITS): ParseTrustedSourcesResult {
  const tokens = input
    .split(/[\s,;]+/)
    .map(stripQuotes)
    .filter((t) => t !== '');
  if (tokens.length === 0) return { ok: false, error: `Give at least one trusted network, ${EXAMPLE}.` };

  const sources: TrustedSource[] = [];
  const seen = new Set<string>();
  for (const token of tokens) {
    const entry = parseEntry(token, limits);
    if (!entry.ok) return entry;
    const key = sourceText(entry.source);
    if (seen.has(key)) continue;
    seen.add(key);
    sources.push(entry.source);
  }

  if (sources.length > MAX_TRUSTED_SOURCES) {
    return {
      ok: false,
      error: `Give at most ${MAX_TRUSTED_SOURCES} trusted networks (got ${sources.length}); use a wider prefix or a security group.`,
    };
  }
  if (sources.filter((s) => s.kind === 'securityGroup').length > 1) {
    return { ok: false, error: 'Give at most one security group ID; list the others as CIDRs.' };
  }
  return { ok: true, sources };
}

/** Slack users often wrap values in backticks or quotes. */
function stripQuotes(token: string): string {
  return token.replace(/^[`'"]+|[`'"]+$/g, '');
}

function show(token: string): string {
  return token.length > 45 ? `${token.slice(0, 42)}...` : token;
}

function parseEntry(token: string, limits: SourceLimits): Entry {
  if (/^sg-/i.test(token)) {
    if (!SG_ID.test(token)) return { ok: false, error: `${show(token)} is not a security group ID; it looks like sg-0123456789abcdef0.` };
    return { ok: true, source: { kind: 'securityGroup', groupId: token.toLowerCase() } };
  }

  const slash = token.indexOf('/');
  const addrText = slash === -1 ? token : token.slice(0, slash);
  const prefixText = slash === -1 ? undefined : token.slice(slash + 1);
  if (prefixText !== undefined && !PREFIX.test(prefixText)) {
    return { ok: false, error: `${show(token)} has an invalid prefix length; write a CIDR such as 203.0.113.0/24.` };
  }

  if (ipaddr.IPv4.isValidFourPartDecimal(addrText)) return parseV4(token, addrText, prefixText, limits);
  if (!addrText.includes('.') && !addrText.includes('%') && ipaddr.IPv6.isValid(addrText)) {
    return parseV6(token, addrText, prefixText, limits);
  }
  if (addrText.includes(':') && addrText.includes('.')) {
    return { ok: false, error: `${show(token)} mixes IPv4 into an IPv6 address; type the IPv4 form (e.g. 203.0.113.7/32).` };
  }
  return { ok: false, error: `${show(token)} is not an IP address, CIDR or security group ID; ${EXAMPLE}.` };
}

function parseV4(token: string, addrText: string, prefixText: string | undefined, limits: SourceLimits): Entry {
  const prefix = prefixText === undefined ? 32 : Number(prefixText);
  if (prefix > 32) return { ok: false, error: `${show(token)}: an IPv4 prefix is at most /32.` };
  const broad = checkBreadth(token, prefix, limits.minPrefixV4, 'IPv4');
  if (broad) return broad;
  const network = ipaddr.IPv4.networkAddressFromCIDR(`${addrText}/${prefix}`).toString();
  if (network !== addrText) return hostBits(token, `${network}/${prefix}`);
  if (ipaddr.IPv4.parse(network).octets[0] === 0) {
    return { ok: false, error: `${show(token)} is in 0.0.0.0/8, which is not a real source; give your office or VPN range.` };
  }
  return { ok: true, source: { kind: 'cidr', cidr: `${network}/${prefix}`, version: 4 } };
}

function parseV6(token: string, addrText: string, prefixText: string | undefined, limits: SourceLimits): Entry {
  const prefix = prefixText === undefined ? 128 : Number(prefixText);
  if (prefix > 128) return { ok: false, error: `${show(token)}: an IPv6 prefix is at most /128.` };
  const broad = checkBreadth(token, prefix, limits.minPrefixV6, 'IPv6');
  if (broad) return broad;
  const addr = ipaddr.IPv6.parse(addrText);
  if (addr.isIPv4MappedAddress()) {
    return { ok: false, error: `${show(token)} is an IPv4-mapped address; type the IPv4 form (${addr.toIPv4Address().toString()}).` };
  }
  const network = ipaddr.IPv6.networkAddressFromCIDR(`${addrText}/${prefix}`);
  // ::/8 holds the unspecified, loopback, IPv4-mapped and IPv4-compatible addresses: never a real client network.
  if ((network.parts[0] ?? 0) < 0x100) {
    return { ok: false, error: `${show(token)} is in reserved IPv6 space (::/8); give your office or VPN range.` };
  }
  const cidr = `${network.toRFC5952String()}/${prefix}`;
  if (network.toRFC5952String() !== addr.toRFC5952String()) return hostBits(token, cidr);
  return { ok: true, source: { kind: 'cidr', cidr, version: 6 } };
}

function checkBreadth(token: string, prefix: number, min: number, family: 'IPv4' | 'IPv6'): Entry | undefined {
  if (prefix === 0) {
    return { ok: false, error: `${show(token)} is the whole internet; give the network that needs access, ${EXAMPLE}.` };
  }
  if (prefix < min) {
    const max = family === 'IPv4' ? 32 : 128;
    return { ok: false, error: `${show(token)} is too broad: the limit for ${family} is /${min}; use a prefix from /${min} to /${max}.` };
  }
  return undefined;
}

function hostBits(token: string, suggestion: string): Entry {
  return { ok: false, error: `${show(token)} has host bits set; did you mean ${suggestion}?` };
}
