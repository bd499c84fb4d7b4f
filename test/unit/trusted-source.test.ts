import fc from 'fast-check';
import { DEFAULT_SOURCE_LIMITS, parseTrustedSources } from '../../src/domain/remediation/trusted-source';

function sources(input: string) {
  const out = parseTrustedSources(input);
  if (!out.ok) throw new Error(`expected ok, got: ${out.error}`);
  return out.sources;
}

function error(input: string, limits = DEFAULT_SOURCE_LIMITS): string {
  const out = parseTrustedSources(input, limits);
  if (out.ok) throw new Error(`expected an error for ${JSON.stringify(input)}, got ${JSON.stringify(out.sources)}`);
  return out.error;
}

describe('parseTrustedSources', () => {
  it('has the documented default limits', () => {
    expect(DEFAULT_SOURCE_LIMITS).toEqual({ minPrefixV4: 16, minPrefixV6: 48 });
  });

  it('parses IPv4 and IPv6 CIDRs separated by commas, spaces and newlines', () => {
    expect(sources('203.0.113.0/24, 198.51.100.0/24\n2001:db8:1234::/48  10.20.0.0/16')).toEqual([
      { kind: 'cidr', cidr: '203.0.113.0/24', version: 4 },
      { kind: 'cidr', cidr: '198.51.100.0/24', version: 4 },
      { kind: 'cidr', cidr: '2001:db8:1234::/48', version: 6 },
      { kind: 'cidr', cidr: '10.20.0.0/16', version: 4 },
    ]);
  });

  it('turns bare addresses into /32 and /128', () => {
    expect(sources('203.0.113.7 2001:db8::7')).toEqual([
      { kind: 'cidr', cidr: '203.0.113.7/32', version: 4 },
      { kind: 'cidr', cidr: '2001:db8::7/128', version: 6 },
    ]);
  });

  it('normalizes IPv6 text to the RFC 5952 form', () => {
    expect(sources('2001:DB8:0:0:0:0:0:7/128')).toEqual([{ kind: 'cidr', cidr: '2001:db8::7/128', version: 6 }]);
  });

  it('accepts one security group ID of 8 or 17 hex digits', () => {
    expect(sources('sg-0123abcd')).toEqual([{ kind: 'securityGroup', groupId: 'sg-0123abcd' }]);
    expect(sources('SG-0123456789ABCDEF0')).toEqual([{ kind: 'securityGroup', groupId: 'sg-0123456789abcdef0' }]);
    expect(sources('sg-0123456789abcdef0, 203.0.113.0/24')).toHaveLength(2);
  });

  it('rejects malformed security group IDs and more than one group', () => {
    expect(error('sg-123')).toMatch(/not a security group ID.*sg-0123456789abcdef0/);
    expect(error('sg-0123456789abcdefg')).toMatch(/not a security group ID/);
    expect(error('sg-0123abcd sg-0123abce')).toMatch(/at most one security group/);
  });

  it('strips backticks and quotes that Slack users add', () => {
    expect(sources('`203.0.113.0/24` "10.1.0.0/16"')).toEqual([
      { kind: 'cidr', cidr: '203.0.113.0/24', version: 4 },
      { kind: 'cidr', cidr: '10.1.0.0/16', version: 4 },
    ]);
  });

  it('dedupes silently, including different spellings of the same network', () => {
    expect(sources('203.0.113.7, 203.0.113.7/32 2001:db8::1 2001:DB8:0::1/128')).toEqual([
      { kind: 'cidr', cidr: '203.0.113.7/32', version: 4 },
      { kind: 'cidr', cidr: '2001:db8::1/128', version: 6 },
    ]);
  });

  it('rejects empty input', () => {
    expect(error('')).toMatch(/at least one trusted network/);
    expect(error(' , \n ')).toMatch(/at least one trusted network/);
  });

  it('rejects the whole internet', () => {
    expect(error('0.0.0.0/0')).toMatch(/0\.0\.0\.0\/0 is the whole internet/);
    expect(error('::/0')).toMatch(/::\/0 is the whole internet/);
    expect(error('203.0.113.0/24 0.0.0.0/0')).toMatch(/whole internet/);
  });

  it('rejects prefixes broader than the limits and names the limit', () => {
    expect(error('10.0.0.0/8')).toBe('10.0.0.0/8 is too broad: the limit for IPv4 is /16; use a prefix from /16 to /32.');
    expect(error('2001:db8::/32')).toBe('2001:db8::/32 is too broad: the limit for IPv6 is /48; use a prefix from /48 to /128.');
    expect(error('203.0.113.0/24', { minPrefixV4: 28, minPrefixV6: 64 })).toMatch(/limit for IPv4 is \/28/);
    expect(sources('10.1.0.0/16')).toHaveLength(1);
  });

  it('rejects host bits and suggests the network', () => {
    expect(error('10.1.2.3/16')).toBe('10.1.2.3/16 has host bits set; did you mean 10.1.0.0/16?');
    expect(error('2001:db8:1234::1/48')).toBe('2001:db8:1234::1/48 has host bits set; did you mean 2001:db8:1234::/48?');
  });

  it('rejects IPv4-mapped and other IPv6 forms that hide an IPv4 address', () => {
    expect(error('::ffff:203.0.113.7')).toMatch(/IPv4/);
    expect(error('::ffff:cb00:7107')).toBe('::ffff:cb00:7107 is an IPv4-mapped address; type the IPv4 form (203.0.113.7).');
    expect(error('::ffff:0:0/96')).toMatch(/IPv4-mapped/);
    expect(error('::1')).toMatch(/reserved IPv6 space/);
    expect(error('fe80::1%eth0')).toMatch(/not an IP address/);
  });

  it('rejects invalid text and says what to type', () => {
    for (const bad of [
      'hello',
      '10.1',
      '256.1.1.1',
      '010.0.0.1',
      '0x0a.0.0.1',
      '10.0.0.0/33',
      '10.0.0.0/',
      '10.0.0.0/a',
      '2001:db8::/129',
      '1.2.3.4/016',
    ]) {
      expect(error(bad)).toMatch(/203\.0\.113\.0\/24|prefix/);
    }
    expect(error('hello')).toBe(
      'hello is not an IP address, CIDR or security group ID; e.g. 203.0.113.0/24, 2001:db8:1234::/48 or sg-0123456789abcdef0.',
    );
  });

  it('rejects 0.0.0.0/8 networks', () => {
    expect(error('0.0.0.0/16')).toMatch(/0\.0\.0\.0\/8/);
    expect(error('0.0.0.0')).toMatch(/0\.0\.0\.0\/8/);
  });

  it('truncates very long garbage in messages', () => {
    const msg = error('x'.repeat(500));
    expect(msg.length).toBeLessThan(200);
  });

  it('allows 10 entries and rejects 11', () => {
    const ten = Array.from({ length: 10 }, (_, i) => `203.0.113.${i}`).join(',');
    expect(sources(ten)).toHaveLength(10);
    expect(sources(`${ten},203.0.113.0`)).toHaveLength(10);
    expect(error(`${ten},203.0.113.10`)).toMatch(/at most 10/);
  });

  it('never accepts a source broader than the limits (property)', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 0, max: 32 }), (addr, prefix) => {
        const out = parseTrustedSources(`${addr}/${prefix}`);
        if (!out.ok) return;
        const [source] = out.sources;
        expect(source?.kind).toBe('cidr');
        const bits = Number((source as { cidr: string }).cidr.split('/')[1]);
        expect(bits).toBeGreaterThanOrEqual(16);
      }),
    );
    fc.assert(
      fc.property(fc.ipV6(), fc.integer({ min: 0, max: 128 }), (addr, prefix) => {
        const out = parseTrustedSources(`${addr}/${prefix}`);
        if (!out.ok) return;
        const bits = Number((out.sources[0] as { cidr: string }).cidr.split('/')[1]);
        expect(bits).toBeGreaterThanOrEqual(48);
      }),
    );
  });
});
