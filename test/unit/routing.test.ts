import type { Finding } from '../../src/domain/finding';
import { bandOf } from '../../src/domain/severity';
import { routeFinding, type RouteRule } from '../../src/domain/routing';

const FALLBACK = 'C0FALLBACK1';

function finding(
  patch: Partial<Pick<Finding, 'accountId' | 'region' | 'severity' | 'type'>> & { tags?: { key: string; value: string }[] } = {},
): Finding {
  const severity = patch.severity ?? 5;
  return {
    id: 'f1',
    type: patch.type ?? 'Recon:EC2/PortProbeUnprotectedPort',
    title: 't',
    description: 'd',
    severity,
    band: bandOf(severity),
    accountId: patch.accountId ?? '111111111111',
    region: patch.region ?? 'us-east-1',
    partition: 'aws',
    resource: patch.tags
      ? { kind: 'instance', securityGroups: [], publicIps: [], privateIps: [], networkInterfaceIds: [], tags: patch.tags }
      : { kind: 'other', resourceType: 'S3Bucket' },
    count: 1,
    updatedAt: '2026-01-01T00:00:00Z',
    archived: false,
    consoleUrl: 'https://console.aws.amazon.com/guardduty',
  };
}

const channelOf = (rules: RouteRule[], f: Finding) => routeFinding(rules, FALLBACK, f).channel;

describe('routeFinding', () => {
  it('matches account IDs', () => {
    const rules: RouteRule[] = [{ accounts: ['222222222222', '333333333333'], channel: 'C0PAY' }];
    expect(channelOf(rules, finding({ accountId: '333333333333' }))).toBe('C0PAY');
    expect(channelOf(rules, finding({ accountId: '111111111111' }))).toBe(FALLBACK);
  });

  it('matches regions', () => {
    const rules: RouteRule[] = [{ regions: ['eu-west-1'], channel: 'C0EU' }];
    expect(channelOf(rules, finding({ region: 'eu-west-1' }))).toBe('C0EU');
    expect(channelOf(rules, finding({ region: 'us-east-1' }))).toBe(FALLBACK);
  });

  it('matches a minimum band (its floor included)', () => {
    const rules: RouteRule[] = [{ minBand: 'high', channel: 'C0HIGH' }];
    expect(channelOf(rules, finding({ severity: 7 }))).toBe('C0HIGH');
    expect(channelOf(rules, finding({ severity: 9.5 }))).toBe('C0HIGH');
    expect(channelOf(rules, finding({ severity: 6.9 }))).toBe(FALLBACK);
  });

  it('matches a type prefix, case-sensitively', () => {
    const rules: RouteRule[] = [{ typePrefix: 'UnauthorizedAccess:IAMUser/', channel: 'C0IAM' }];
    expect(channelOf(rules, finding({ type: 'UnauthorizedAccess:IAMUser/ConsoleLoginSuccess.B' }))).toBe('C0IAM');
    expect(channelOf(rules, finding({ type: 'UnauthorizedAccess:EC2/SSHBruteForce' }))).toBe(FALLBACK);
    expect(channelOf(rules, finding({ type: 'unauthorizedaccess:iamuser/x' }))).toBe(FALLBACK);
  });

  it("matches a resource tag key=value (an instance's tags)", () => {
    const rules: RouteRule[] = [{ tag: { key: 'team', value: 'payments' }, channel: 'C0PAY' }];
    expect(
      channelOf(
        rules,
        finding({
          tags: [
            { key: 'Name', value: 'web' },
            { key: 'team', value: 'payments' },
          ],
        }),
      ),
    ).toBe('C0PAY');
    expect(channelOf(rules, finding({ tags: [{ key: 'team', value: 'search' }] }))).toBe(FALLBACK);
    expect(channelOf(rules, finding({ tags: [{ key: 'owner', value: 'payments' }] }))).toBe(FALLBACK);
    expect(channelOf(rules, finding())).toBe(FALLBACK);
  });

  it('needs every matcher of a rule to match', () => {
    const rules: RouteRule[] = [{ accounts: ['222222222222'], regions: ['eu-west-1'], channel: 'C0BOTH' }];
    expect(channelOf(rules, finding({ accountId: '222222222222', region: 'eu-west-1' }))).toBe('C0BOTH');
    expect(channelOf(rules, finding({ accountId: '222222222222', region: 'us-east-1' }))).toBe(FALLBACK);
  });

  it('takes the first rule that matches, and says which', () => {
    const rules: RouteRule[] = [
      { minBand: 'critical', channel: 'C0CRIT' },
      { accounts: ['222222222222'], channel: 'C0PAY' },
      { channel: 'C0ALL' },
    ];
    expect(routeFinding(rules, FALLBACK, finding({ accountId: '222222222222', severity: 9 }))).toEqual({ channel: 'C0CRIT', ruleIndex: 0 });
    expect(routeFinding(rules, FALLBACK, finding({ accountId: '222222222222' }))).toEqual({ channel: 'C0PAY', ruleIndex: 1 });
    expect(routeFinding(rules, FALLBACK, finding())).toEqual({ channel: 'C0ALL', ruleIndex: 2 });
    expect(routeFinding([], FALLBACK, finding())).toEqual({ channel: FALLBACK });
  });

  it("gives the rule's user group for a mention only at or above its band", () => {
    const rules: RouteRule[] = [{ channel: 'C0PAY', mention: { usergroupId: 'S0ONCALL', minBand: 'high' } }];
    expect(routeFinding(rules, FALLBACK, finding({ severity: 8 })).mentionUsergroupId).toBe('S0ONCALL');
    expect(routeFinding(rules, FALLBACK, finding({ severity: 5 })).mentionUsergroupId).toBeUndefined();
  });
});
