import { EC2Client } from '@aws-sdk/client-ec2';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { Ec2Remediator } from '../../src/aws/ec2-remediator';
import { toFinding } from '../../src/aws/finding-mapper';
import { AwsCallError, LeaseLostError } from '../../src/domain/errors';
import { playbookFor } from '../../src/domain/remediation/playbooks';
import { revertPlan } from '../../src/domain/remediation/revert';
import type { IngressRule, RemediationPlan } from '../../src/domain/remediation/types';
import { Ec2HttpStandIn, type Ec2WireCall } from '../../support/fakes/ec2/http';
import type { Ec2Op } from '../../support/fakes/ec2/model';
import { SEED_GROUP, SEED_INSTANCE } from '../../support/fakes/ec2/seed';
import { loadFixture } from '../../support/helpers/fixtures';

/*
 * EC2 throttling and 5xx through the real EC2Client and its own retry middleware (not aws-sdk-client-mock, which
 * replaces `send` and so never retries): the client talks ec2Query over HTTP to a local stand-in that counts
 * every attempt. The retry strategy is the SDK's standard one (ConfiguredRetryStrategy extends
 * StandardRetryStrategy: same error classification, attempt limit and retry quota) with a short backoff, so the
 * file runs in well under a second instead of waiting the default 1 s-based throttling backoff.
 */

const REGION = 'us-east-1';
const MAX_ATTEMPTS = 3;
const OFFICE = '203.0.113.0/24';
/** Backoff before retry n (1-based): 20 ms, 40 ms. */
const BACKOFF_MS = 20;

let stand: Ec2HttpStandIn;
const clients: EC2Client[] = [];

/** A fresh client per test: the SDK's retry quota lives in the strategy instance. */
function remediator(): { remediator: Ec2Remediator; backoff: jest.Mock<number, [number]> } {
  const backoff = jest.fn((attempt: number) => BACKOFF_MS * attempt);
  const client = new EC2Client({
    region: REGION,
    endpoint: stand.endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: MAX_ATTEMPTS,
    retryStrategy: new ConfiguredRetryStrategy(MAX_ATTEMPTS, backoff),
  });
  clients.push(client);
  return { remediator: new Ec2Remediator(client), backoff };
}

/** The plan the bot would propose for the SSH brute-force fixture (its instance and group are the stand-in's seed). */
async function sshPlan(r: Ec2Remediator): Promise<RemediationPlan> {
  const finding = toFinding(loadFixture('unauthorizedaccess-ec2-sshbruteforce'));
  const match = playbookFor(finding);
  if (!match) throw new Error('the SSH brute-force fixture has no playbook');
  const groupIds = await r.instanceGroupIds(SEED_INSTANCE);
  const rules = await r.ingressRules(groupIds);
  return match.playbook.plan({ finding, ports: match.ports, rules, sources: [{ kind: 'cidr', cidr: OFFICE, version: 4 }] });
}

function summary(calls: Ec2WireCall[]): string[] {
  return calls.map((c) => `${c.action}${c.dryRun ? ' (DryRun)' : ''} → ${c.status}${c.errorCode ? ` ${c.errorCode}` : ''}`);
}

/** Attempts of one SDK invocation: attempt numbers as the SDK sent them and one invocation ID for all. */
function expectOneInvocation(calls: Ec2WireCall[], attempts: number): void {
  expect(calls.map((c) => c.attempt)).toEqual(Array.from({ length: attempts }, (_, i) => i + 1));
  expect(calls.every((c) => c.maxAttempts === MAX_ATTEMPTS)).toBe(true);
  expect(new Set(calls.map((c) => c.invocationId)).size).toBe(1);
  expect(calls[0]?.invocationId).toEqual(expect.any(String));
  // The SDK waited its backoff before each retry.
  for (let i = 1; i < calls.length; i++) {
    const gap = (calls[i]?.at ?? 0) - (calls[i - 1]?.at ?? 0);
    expect(gap).toBeGreaterThanOrEqual(BACKOFF_MS * i - 2);
  }
}

beforeAll(async () => {
  stand = await new Ec2HttpStandIn().start();
});

afterAll(async () => {
  await stand.close();
});

beforeEach(() => {
  stand.seed();
});

afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
});

describe('EC2 retries through the real EC2Client', () => {
  it('retries RequestLimitExceeded (503) with backoff and succeeds on the third attempt', async () => {
    const { remediator: r, backoff } = remediator();
    stand.fail('DescribeInstances', { code: 'RequestLimitExceeded', status: 503, times: 2 });

    await expect(r.instanceGroupIds(SEED_INSTANCE)).resolves.toEqual([SEED_GROUP]);

    const calls = stand.callsTo('DescribeInstances');
    expect(summary(stand.calls)).toEqual([
      'DescribeInstances → 503 RequestLimitExceeded',
      'DescribeInstances → 503 RequestLimitExceeded',
      'DescribeInstances → 200',
    ]);
    expect(calls.map((c) => c.input)).toEqual(Array.from({ length: 3 }, () => ({ InstanceIds: [SEED_INSTANCE] })));
    expectOneInvocation(calls, 3);
    expect(backoff.mock.calls).toEqual([[1], [2]]);
  });

  it.each([
    ['InternalError', 500, 'An internal error has occurred'],
    ['RequestLimitExceeded', 503, 'Request limit exceeded.'],
  ])(
    'gives up after exactly maxAttempts when every attempt gets %s (%i) and names EC2, the region and the code',
    async (code, status, message) => {
      const { remediator: r, backoff } = remediator();
      stand.fail('DescribeSecurityGroupRules', { code, status });

      const err: unknown = await r.ingressRules([SEED_GROUP]).then(
        () => undefined,
        (e: unknown) => e,
      );

      expect(err).toBeInstanceOf(AwsCallError);
      const e = err as AwsCallError;
      expect(e.message).toBe(`EC2 in ${REGION} did not answer: ${code} (${message})`);
      expect(e).toMatchObject({ code: 'AWS_CALL_FAILED', service: 'EC2', region: REGION, awsCode: code });
      expect((e.cause as { $metadata?: { attempts?: number; httpStatusCode?: number } }).$metadata).toMatchObject({
        attempts: MAX_ATTEMPTS,
        httpStatusCode: status,
      });

      const calls = stand.callsTo('DescribeSecurityGroupRules');
      expect(calls).toHaveLength(MAX_ATTEMPTS);
      expect(calls.map((c) => c.status)).toEqual([status, status, status]);
      expectOneInvocation(calls, MAX_ATTEMPTS);
      expect(backoff).toHaveBeenCalledTimes(MAX_ATTEMPTS - 1);
    },
  );

  it('does not retry UnauthorizedOperation (403) on the DryRun authorize, and dryRun names the missing permission', async () => {
    const { remediator: r, backoff } = remediator();
    const plan = await sshPlan(r);
    expect(plan.authorize.map((a) => a.cidrIpv4)).toEqual([OFFICE]);
    expect(plan.revoke.map((a) => a.ruleId)).toEqual(['sgr-0000000000000a001']);
    stand.resetCalls();
    stand.fail('AuthorizeSecurityGroupIngress', { code: 'UnauthorizedOperation', status: 403, when: (c) => c.dryRun });
    const before = stand.state();

    const outcome = await r.dryRun(plan);

    expect(outcome).toEqual({
      ok: false,
      message: `the bot is not allowed ec2:AuthorizeSecurityGroupIngress on ${SEED_GROUP} (UnauthorizedOperation)`,
    });
    expect(summary(stand.calls)).toEqual([
      'AuthorizeSecurityGroupIngress (DryRun) → 403 UnauthorizedOperation',
      'RevokeSecurityGroupIngress (DryRun) → 412 DryRunOperation',
    ]);
    expect(stand.callsTo('AuthorizeSecurityGroupIngress').map((c) => c.attempt)).toEqual([1]);
    expect(backoff).not.toHaveBeenCalled();
    expect(stand.state()).toEqual(before);
  });

  it('retries a throttled RevokeSecurityGroupIngress in the middle of apply; the run completes as planned', async () => {
    const { remediator: r, backoff } = remediator();
    const plan = await sshPlan(r);
    stand.resetCalls();
    stand.fail('RevokeSecurityGroupIngress', { code: 'RequestLimitExceeded', status: 503, times: 2 });

    const result = await r.apply(plan);

    expect(result.error).toBeUndefined();
    expect(result).toEqual({
      ok: true,
      authorized: [{ ...plan.authorize[0], ruleId: 'sgr-0000000000000b001' }],
      revoked: plan.revoke,
      remainingOpen: [],
      ec2Calls: 4,
    });
    expect(summary(stand.calls)).toEqual([
      'DescribeSecurityGroupRules → 200',
      'AuthorizeSecurityGroupIngress → 200',
      'RevokeSecurityGroupIngress → 503 RequestLimitExceeded',
      'RevokeSecurityGroupIngress → 503 RequestLimitExceeded',
      'RevokeSecurityGroupIngress → 200',
      'DescribeSecurityGroupRules → 200',
    ]);
    const writes = (action: Ec2Op) => stand.writes().filter((c) => c.action === action);
    expect(writes('AuthorizeSecurityGroupIngress')).toHaveLength(1);
    expect(writes('RevokeSecurityGroupIngress')).toHaveLength(3);
    expectOneInvocation(writes('RevokeSecurityGroupIngress'), 3);
    expect(writes('RevokeSecurityGroupIngress').map((c) => c.input)).toEqual(
      Array.from({ length: 3 }, () => ({ GroupId: SEED_GROUP, SecurityGroupRuleIds: ['sgr-0000000000000a001'] })),
    );
    expect(backoff.mock.calls).toEqual([[1], [2]]);
    expect(stand.state()).toEqual([`tcp 22-22 ${OFFICE} (guardduty-chatops: replaces world-open 22)`]);
  });

  it('reports a RevokeSecurityGroupIngress that stays throttled after maxAttempts, keeping what it already added', async () => {
    const { remediator: r } = remediator();
    const plan = await sshPlan(r);
    stand.resetCalls();
    stand.fail('RevokeSecurityGroupIngress', { code: 'RequestLimitExceeded', status: 503 });

    const result = await r.apply(plan);

    expect(result.ok).toBe(false);
    expect(result.error).toEqual({
      code: 'RequestLimitExceeded',
      message: `ec2:RevokeSecurityGroupIngress of tcp 22 from 0.0.0.0/0 on ${SEED_GROUP} failed: Request limit exceeded. Revert to undo the changes made so far.`,
    });
    expect(result.authorized).toEqual([{ ...plan.authorize[0], ruleId: 'sgr-0000000000000b001' }]);
    expect(result.revoked).toEqual([]);
    expect(result.remainingOpen).toEqual(plan.revoke);
    expect(stand.writes().map((c) => c.action)).toEqual([
      'AuthorizeSecurityGroupIngress',
      'RevokeSecurityGroupIngress',
      'RevokeSecurityGroupIngress',
      'RevokeSecurityGroupIngress',
    ]);
    expectOneInvocation(stand.callsTo('RevokeSecurityGroupIngress'), MAX_ATTEMPTS);
    expect(stand.state()).toEqual(
      [`tcp 22-22 ${OFFICE} (guardduty-chatops: replaces world-open 22)`, 'tcp 22-22 0.0.0.0/0 (ssh from anywhere)'].sort(),
    );
  });

  it('a write EC2 carried out but whose answer was lost (500, then the SDK retry meets Duplicate / NotFound) is still recorded, so Revert undoes it', async () => {
    const { remediator: r } = remediator();
    const plan = await sshPlan(r);
    stand.resetCalls();
    stand.fail('AuthorizeSecurityGroupIngress', { code: 'InternalError', status: 500, times: 1, afterApply: true });
    stand.fail('RevokeSecurityGroupIngress', { code: 'InternalError', status: 500, times: 1, afterApply: true });

    const result = await r.apply(plan);

    expect(summary(stand.calls)).toEqual([
      'DescribeSecurityGroupRules → 200',
      'AuthorizeSecurityGroupIngress → 500 InternalError',
      'AuthorizeSecurityGroupIngress → 400 InvalidPermission.Duplicate',
      'RevokeSecurityGroupIngress → 500 InternalError',
      'RevokeSecurityGroupIngress → 400 InvalidSecurityGroupRuleId.NotFound',
      'DescribeSecurityGroupRules → 200',
    ]);
    expect(result.ok).toBe(true);
    // Added and removed by this run, though EC2's answers to those attempts were lost.
    expect(result.authorized).toEqual(plan.authorize.map(({ ruleId: _, ...rule }) => rule));
    expect(result.revoked).toEqual(plan.revoke);
    const undo = revertPlan(plan, result);
    expect(undo.authorize).toEqual(plan.revoke);
    expect(undo.revoke).toEqual(result.authorized);
  });

  it("a Duplicate on the first attempt (someone added the same rule meanwhile) is not claimed as this run's", async () => {
    const { remediator: r } = remediator();
    const plan = await sshPlan(r);
    stand.resetCalls();
    stand.fail('AuthorizeSecurityGroupIngress', { code: 'InvalidPermission.Duplicate', status: 400, times: 1 });

    const result = await r.apply(plan);

    expect(result.authorized).toEqual([]);
    expect(result.revoked).toEqual(plan.revoke);
  });

  it("records the plan's rules in place before the first write, and stops unwritten when it cannot", async () => {
    const { remediator: r } = remediator();
    const plan = await sshPlan(r);
    const recorded: IngressRule[][] = [];
    const result = await r.apply(plan, { recordRulesBefore: async (rules) => void recorded.push(rules) });
    expect(result.ok).toBe(true);
    expect(recorded).toEqual([plan.revoke]);

    stand.seed();
    stand.resetCalls();
    const refused = await r.apply(plan, { recordRulesBefore: () => Promise.reject(new LeaseLostError('taken over by bot-2')) });
    expect(refused).toMatchObject({
      ok: false,
      authorized: [],
      revoked: [],
      error: { code: 'LEASE_LOST', message: 'Nothing was changed: taken over by bot-2' },
    });
    expect(stand.writes()).toEqual([]);

    // Nor does a run write when it cannot read the rules first (it could not record them).
    stand.resetCalls();
    stand.fail('DescribeSecurityGroupRules', { code: 'InternalError', status: 500 });
    const unread = await r.apply(plan, { recordRulesBefore: () => Promise.reject(new Error('not called')) });
    expect(unread).toMatchObject({ ok: false, authorized: [], revoked: [], error: { code: 'InternalError' } });
    expect(unread.error?.message).toMatch(/^Nothing was changed: the security groups could not be read before changing them/);
    expect(stand.writes()).toEqual([]);
  });

  it('a run resumed after a crash claims the rule its predecessor added (absent in the recorded rules), not one that was there before', async () => {
    const { remediator: r } = remediator();
    const plan = await sshPlan(r);
    const trusted = plan.authorize[0];
    if (!trusted) throw new Error('the plan adds no rule');
    // The crashed run recorded the world-open rule as the only one in place, then added the trusted rule.
    await r.apply({ ...plan, revoke: [] });
    stand.resetCalls();

    const resumed = await r.apply(plan, {
      rulesBefore: plan.revoke,
      recordRulesBefore: () => Promise.reject(new Error('a resumed run records nothing')),
    });
    expect(summary(stand.calls)).toContain('AuthorizeSecurityGroupIngress → 400 InvalidPermission.Duplicate');
    expect(resumed.ok).toBe(true);
    expect(resumed.authorized).toEqual([withoutId(trusted)]);
    expect(resumed.revoked).toEqual(plan.revoke);

    // A world-open rule found gone is not claimed by a resumed run: someone may have removed it since the crash,
    // and claiming it would make Revert open it again.
    stand.seed();
    await r.apply({ ...plan, revoke: [] });
    await r.apply({ ...plan, authorize: [] });
    const gone = await r.apply(plan, { rulesBefore: plan.revoke, recordRulesBefore: async () => undefined });
    expect(gone.authorized).toEqual([withoutId(trusted)]);
    expect(gone.revoked).toEqual([]);

    // Had the trusted rule been in place before the first write, it is not this execution's to remove.
    stand.seed();
    await r.apply({ ...plan, revoke: [] });
    const other = await r.apply(plan, { rulesBefore: [...plan.revoke, trusted], recordRulesBefore: async () => undefined });
    expect(other.authorized).toEqual([]);
  });
});

function withoutId({ ruleId: _, ...rest }: IngressRule): IngressRule {
  return rest;
}
