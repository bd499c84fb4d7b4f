import { EC2Client } from '@aws-sdk/client-ec2';
import { AssumeRoleCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { WebClient } from '@slack/web-api';
import { mockClient } from 'aws-sdk-client-mock';
import { Ec2Remediator } from '../../src/aws/ec2-remediator';
import { AssumeRoleExecutorFactory } from '../../src/aws/remediation-executor-factory';
import { toFinding } from '../../src/aws/finding-mapper';
import type { Finding } from '../../src/domain/finding';
import type { RemediationExecutorFactory } from '../../src/domain/ports';
import type { Proposal } from '../../src/domain/proposal';
import { createLogger } from '../../src/logger';
import { ApproverLookupError, SlackApproverPolicy } from '../../src/slack/approver-policy';
import { EXECUTION_WINDOW_SECONDS, type Decision } from '../../src/domain/remediation/proposal-rules';
import { RemediationService } from '../../src/remediation/remediation-service';
import { DynamoStateStore } from '../../src/store/dynamo-state-store';
import { LeaseLostError } from '../../src/domain/errors';
import { TEST_CREDENTIALS } from '../../support/helpers/bot-harness';
import { startTestDynamo, type TestDynamo } from '../../support/helpers/dynalite';
import { FakeEc2 } from '../../support/fakes/ec2/sdk-mock';
import { SEED_GROUP, SEED_INSTANCE, seedRules } from '../../support/fakes/ec2/seed';
import { variant } from '../../support/helpers/fixtures';
import { testSealer } from '../../support/helpers/sealer';
import { SlackStandIn } from '../../support/helpers/slack-stand-in';
import { ingressPlan } from '../../support/helpers/plans';

const ACCOUNT = '123456789012';
const REQ = 'U0ALICE001';
const APP1 = 'U0BOB00001';
const APP2 = 'U0CAROL001';
const OUTSIDER = 'U0MALLORY1';
const APPROVERS = new Set([REQ, APP1, APP2]);
const TTL_S = 3600;
const TRUSTED = 'guardduty-chatops: replaces world-open 22';

const ORIGINAL_STATE = ['tcp 22-22 0.0.0.0/0 (ssh from anywhere)', 'tcp 22-22 10.0.0.0/8', 'tcp 22-22 ::/0', 'tcp 443-443 0.0.0.0/0'];
const FIXED_STATE = ['tcp 22-22 10.0.0.0/8', `tcp 22-22 203.0.113.0/24 (${TRUSTED})`, 'tcp 443-443 0.0.0.0/0'];

let dynamo: TestDynamo;
let store: DynamoStateStore;
let ec2: FakeEc2;
let nowMs = Date.parse('2026-11-27T12:00:00Z');
let seq = 0;

const logger = createLogger('silent');
const ownExecutors: RemediationExecutorFactory = {
  forTarget: async (_account, region) => new Ec2Remediator(new EC2Client({ region, credentials: TEST_CREDENTIALS, maxAttempts: 1 })),
};

function service(owner = 'bot-a', executors: RemediationExecutorFactory = ownExecutors): RemediationService {
  return new RemediationService({
    store,
    executors,
    approvers: { isApprover: async (u) => APPROVERS.has(u) },
    sealer: testSealer(),
    owner,
    ttlSeconds: TTL_S,
    logger,
    now: () => nowMs,
  });
}

function finding(patch: { accountId?: string } = {}): Finding {
  seq++;
  return toFinding(variant('recon-ec2-portprobe-ssh', { id: `race${String(seq).padStart(12, '0')}`, ...patch }));
}

/** A fresh seed group and a stored proposal for 203.0.113.0/24 by REQ. */
async function proposed(svc = service(), f = finding()): Promise<Proposal> {
  ec2.seed(seedRules(), { [SEED_INSTANCE]: [SEED_GROUP] });
  const planned = await svc.propose({ finding: f, requester: REQ, sourcesText: '203.0.113.0/24' });
  if (!planned.ok) throw new Error(planned.message);
  const p = await svc.createProposal({ plan: planned.plan, requester: REQ, channel: 'C0FIND0001', threadTs: '1700000000.000001' });
  ec2.resetCalls();
  return p;
}

function refusalOf(d: Decision) {
  return d.ok ? undefined : d.refusal;
}

beforeAll(async () => {
  dynamo = await startTestDynamo();
  store = new DynamoStateStore(dynamo.doc, dynamo.tableName);
  ec2 = new FakeEc2();
});
afterAll(async () => {
  ec2.restore();
  await dynamo.stop();
});
beforeEach(() => {
  nowMs = Date.parse('2026-11-27T12:00:00Z');
});

describe('propose', () => {
  test('plans from the live groups of the instance and dry-runs, without changing anything', async () => {
    const svc = service();
    ec2.seed(seedRules(), { [SEED_INSTANCE]: [SEED_GROUP] });
    const planned = await svc.propose({ finding: finding(), requester: REQ, sourcesText: '203.0.113.0/24' });
    expect(planned.ok).toBe(true);
    if (!planned.ok) return;
    expect(planned.plan.revoke).toEqual([
      {
        groupId: SEED_GROUP,
        ruleId: 'sgr-0000000000000a001',
        protocol: 'tcp',
        fromPort: 22,
        toPort: 22,
        cidrIpv4: '0.0.0.0/0',
        description: 'ssh from anywhere',
      },
      { groupId: SEED_GROUP, ruleId: 'sgr-0000000000000a002', protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv6: '::/0' },
    ]);
    expect(planned.plan.authorize).toEqual([
      { groupId: SEED_GROUP, protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '203.0.113.0/24', description: TRUSTED },
    ]);
    expect(planned.plan.untouched).toEqual([]);
    expect(planned.plan.dryRun).toEqual({ ok: true, message: 'DryRunOperation: request would have succeeded' });
    expect(ec2.calls.map((c) => `${c.op}${c.dryRun ? ' (dry run)' : ''}`)).toEqual([
      'DescribeInstances',
      'DescribeSecurityGroupRules',
      'AuthorizeSecurityGroupIngress (dry run)',
      'RevokeSecurityGroupIngress (dry run)',
    ]);
    expect(ec2.writes()).toEqual([]);
    expect(ec2.state(SEED_GROUP)).toEqual(ORIGINAL_STATE);
  });

  test("uses the instance's current groups, shows broader rules untouched, falls back to the finding's groups", async () => {
    const svc = service();
    const other = 'sg-0c1d2e3f4a5b6071a';
    ec2.seed([...seedRules(other), { id: 'sgr-0000000000000b001', groupId: other, protocol: 'tcp', from: 0, to: 65535, v4: '0.0.0.0/0' }], {
      [SEED_INSTANCE]: [other],
    });
    const planned = await svc.propose({ finding: finding(), requester: REQ, sourcesText: '203.0.113.0/24' });
    if (!planned.ok) throw new Error(planned.message);
    expect(new Set(planned.plan.revoke.map((r) => r.groupId))).toEqual(new Set([other]));
    expect(planned.plan.untouched).toEqual([
      {
        rule: expect.objectContaining({ groupId: other, fromPort: 0, toPort: 65535 }),
        reason: 'tcp 0-65535 from 0.0.0.0/0 also exposes port 22; not changed',
      },
    ]);

    ec2.seed(seedRules(), {});
    const fallback = await svc.propose({ finding: finding(), requester: REQ, sourcesText: '203.0.113.0/24' });
    if (!fallback.ok) throw new Error(fallback.message);
    expect(fallback.plan.revoke.map((r) => r.groupId)).toEqual([SEED_GROUP, SEED_GROUP]);
  });

  test('invalid sources and a group with nothing world-open propose nothing', async () => {
    const svc = service();
    ec2.seed(seedRules(), { [SEED_INSTANCE]: [SEED_GROUP] });
    const bad = await svc.propose({ finding: finding(), requester: REQ, sourcesText: '0.0.0.0/0' });
    expect(bad).toMatchObject({ ok: false, code: 'INVALID_SOURCES' });
    expect(ec2.calls).toEqual([]);

    ec2.seed(
      seedRules()
        .filter((r) => r.v4 !== '0.0.0.0/0' || r.from !== 22)
        .filter((r) => r.v6 !== '::/0'),
      { [SEED_INSTANCE]: [SEED_GROUP] },
    );
    const empty = await svc.propose({ finding: finding(), requester: REQ, sourcesText: '203.0.113.0/24' });
    expect(empty).toMatchObject({ ok: false, code: 'NOTHING_TO_CHANGE', message: 'No rule opens port 22 to 0.0.0.0/0 or ::/0 any more.' });
    expect(ec2.calls.filter((c) => c.dryRun)).toEqual([]);
  });
});

describe('approval rules (enforced by the conditional write)', () => {
  test('the requester cannot approve their own proposal', async () => {
    const p = await proposed();
    const d = await service().approve(p.findingId, p.id, REQ, p.planDigest);
    expect(refusalOf(d)).toEqual({ reason: 'own-proposal' });
    expect(ec2.calls).toEqual([]);
    expect((await store.getProposal(p.findingId, p.id))?.state).toBe('proposed');
  });

  test('a non-approver is refused before any write', async () => {
    const p = await proposed();
    const d = await service().approve(p.findingId, p.id, OUTSIDER, p.planDigest);
    expect(refusalOf(d)).toEqual({ reason: 'not-approver' });
    expect(ec2.calls).toEqual([]);
    expect(await store.getProposal(p.findingId, p.id)).toEqual(p);
  });

  test('an expired proposal cannot be approved', async () => {
    const p = await proposed();
    nowMs += TTL_S * 1000;
    const d = await service().approve(p.findingId, p.id, APP1, p.planDigest);
    expect(refusalOf(d)).toEqual({ reason: 'expired' });
    expect(ec2.calls).toEqual([]);
    expect((await store.getProposal(p.findingId, p.id))?.state).toBe('proposed');
  });

  test('an unknown proposal is refused as not found', async () => {
    expect(refusalOf(await service().approve('race000000000999', '0123456789abcdef', APP1, undefined))).toEqual({ reason: 'not-found' });
  });

  test('20 concurrent approvals by two approvers in two processes: exactly one execution', async () => {
    const a = service('bot-a');
    const b = service('bot-b');
    const p = await proposed(a);
    const clicks = Array.from({ length: 20 }, (_, i) =>
      (i % 2 === 0 ? a : b).approve(p.findingId, p.id, i % 2 === 0 ? APP1 : APP2, p.planDigest),
    );
    const decisions = await Promise.all(clicks);
    const wins = decisions.filter((d) => d.ok);
    expect(wins).toHaveLength(1);
    const winner = (wins[0] as { proposal: Proposal }).proposal;
    expect(winner.state).toBe('executed');
    for (const d of decisions.filter((x) => !x.ok)) {
      expect(refusalOf(d)).toMatchObject({ reason: 'already-decided', by: winner.approver });
    }
    expect(ec2.writes().map((c) => c.op)).toEqual([
      'AuthorizeSecurityGroupIngress',
      'RevokeSecurityGroupIngress',
      'RevokeSecurityGroupIngress',
    ]);
    expect(ec2.state(SEED_GROUP)).toEqual(FIXED_STATE);
    const stored = await store.getProposal(p.findingId, p.id);
    expect(stored?.history.map((h) => h.action)).toEqual(['proposed', 'approved', 'executed']);
  });

  test('reject against approve: one wins, EC2 runs only when approve won', async () => {
    for (let round = 0; round < 6; round++) {
      const p = await proposed();
      const [approved, rejected] = await Promise.all([
        service('bot-a').approve(p.findingId, p.id, APP1, p.planDigest),
        service('bot-b').reject(p.findingId, p.id, APP2),
      ]);
      expect([approved.ok, rejected.ok].filter(Boolean)).toHaveLength(1);
      const stored = await store.getProposal(p.findingId, p.id);
      if (approved.ok) {
        expect(stored?.state).toBe('executed');
        expect(refusalOf(rejected)).toMatchObject({ reason: 'already-decided', by: APP1 });
        expect(ec2.writes()).toHaveLength(3);
      } else {
        expect(stored?.state).toBe('rejected');
        expect(refusalOf(approved)).toEqual({ reason: 'already-decided', state: 'rejected', by: APP2 });
        expect(ec2.writes()).toEqual([]);
      }
    }
  });

  test('cancel: only the requester, only while proposed; a cancelled proposal cannot be approved', async () => {
    const p = await proposed();
    const svc = service();
    expect(refusalOf(await svc.cancel(p.findingId, p.id, APP1))).toEqual({ reason: 'not-requester', requester: REQ });
    expect((await svc.cancel(p.findingId, p.id, REQ)).ok).toBe(true);
    expect(refusalOf(await svc.approve(p.findingId, p.id, APP1, p.planDigest))).toEqual({
      reason: 'already-decided',
      state: 'cancelled',
      by: REQ,
    });
    expect(ec2.calls).toEqual([]);
  });

  test('cancel against approve: one wins', async () => {
    for (let round = 0; round < 4; round++) {
      const p = await proposed();
      const [approved, cancelled] = await Promise.all([
        service().approve(p.findingId, p.id, APP1, p.planDigest),
        service().cancel(p.findingId, p.id, REQ),
      ]);
      expect([approved.ok, cancelled.ok].filter(Boolean)).toHaveLength(1);
      expect(ec2.writes()).toHaveLength(approved.ok ? 3 : 0);
    }
  });

  test('reject: not by the requester, not by a non-approver', async () => {
    const p = await proposed();
    const svc = service();
    expect(refusalOf(await svc.reject(p.findingId, p.id, REQ))).toEqual({ reason: 'own-proposal' });
    expect(refusalOf(await svc.reject(p.findingId, p.id, OUTSIDER))).toEqual({ reason: 'not-approver' });
    const ok = await svc.reject(p.findingId, p.id, APP2);
    expect(ok.ok && ok.proposal.state).toBe('rejected');
  });
});

describe('execution', () => {
  test('an approval is run only within an hour of it: a finished one put back into executing later (a replay) changes nothing', async () => {
    const p = await proposed();
    const done = await service().approve(p.findingId, p.id, APP1, p.planDigest);
    expect(done.ok && done.proposal.state).toBe('executed');
    ec2.resetCalls();
    // A table writer resets the finished record, seals and all, to a stalled execution.
    await dynamo.doc.send(
      new UpdateCommand({
        TableName: dynamo.tableName,
        Key: { pk: `finding#${p.findingId}`, sk: `proposal#${p.id}` },
        UpdateExpression: 'SET #state = :executing, #lease = :past REMOVE #result, #resultSeal',
        ExpressionAttributeNames: { '#state': 'state', '#lease': 'execLeaseExpiresAt', '#result': 'result', '#resultSeal': 'resultSeal' },
        ExpressionAttributeValues: { ':executing': 'executing', ':past': 1 },
      }),
    );
    nowMs += (EXECUTION_WINDOW_SECONDS + 1) * 1000;
    const [resumed] = await service('bot-new').resumeStalled();
    expect(resumed?.state).toBe('failed');
    expect(resumed?.result?.error?.code).toBe('APPROVAL_TOO_OLD');
    expect(ec2.calls).toEqual([]);
  });

  test('a stalled execution is taken over after its lease and finished; the steps are idempotent', async () => {
    const p = await proposed();
    const leaseS = 60;
    // A process claimed it, recorded the rules in place (the world-open ones), added the trusted rule, then died before revoking.
    const nowS = Math.floor(nowMs / 1000);
    // What the dead process wrote, seals included (it held the same key).
    const sealer = testSealer();
    const planDigest = p.planDigest as string;
    const approvalSeal = sealer.seal('approval', {
      proposalId: p.id,
      findingId: p.findingId,
      kind: p.kind,
      planDigest,
      requester: p.requester,
      approver: APP1,
      approvedAt: nowS,
    });
    const binding = { planDigest, proposalSeal: p.proposalSeal as string, approvalSeal };
    expect((await store.approve(p.findingId, p.id, APP1, 'bot-dead', leaseS, nowS, binding)).ok).toBe(true);
    const rulesSeal = sealer.seal('rules-before', { proposalId: p.id, findingId: p.findingId, planDigest, rules: ingressPlan(p).revoke });
    await store.recordRulesBefore(p.findingId, p.id, 'bot-dead', ingressPlan(p).revoke, rulesSeal);
    // The same record again (an SDK retry of a write that landed) is accepted; another record or owner is not.
    await expect(store.recordRulesBefore(p.findingId, p.id, 'bot-dead', ingressPlan(p).revoke, rulesSeal)).resolves.toBeUndefined();
    await expect(store.recordRulesBefore(p.findingId, p.id, 'bot-dead', [])).rejects.toBeInstanceOf(LeaseLostError);
    await expect(store.recordRulesBefore(p.findingId, p.id, 'bot-other', ingressPlan(p).revoke)).rejects.toBeInstanceOf(LeaseLostError);
    ec2.rules.push({
      id: 'sgr-fromdeadbot000001',
      groupId: SEED_GROUP,
      protocol: 'tcp',
      from: 22,
      to: 22,
      v4: '203.0.113.0/24',
      description: TRUSTED,
    });

    const rescuer = service('bot-new');
    nowMs += (leaseS - 1) * 1000;
    expect(await rescuer.resumeStalled()).toEqual([]);
    expect(ec2.calls).toEqual([]);

    nowMs += 1000;
    const resumed = await rescuer.resumeStalled();
    expect(resumed.map((r) => [r.id, r.state])).toEqual([[p.id, 'executed']]);
    expect(ec2.writes().map((c) => c.op)).toEqual([
      'AuthorizeSecurityGroupIngress',
      'RevokeSecurityGroupIngress',
      'RevokeSecurityGroupIngress',
    ]);
    expect(ec2.state(SEED_GROUP)).toEqual(FIXED_STATE);
    const stored = await store.getProposal(p.findingId, p.id);
    expect(stored?.history.map((h) => `${h.actor}:${h.action}`)).toEqual([
      `${REQ}:proposed`,
      `${APP1}:approved`,
      'bot:resumed',
      'bot:executed',
    ]);
    // The trusted rule was absent before the first write, so the dead run added it: Revert will remove it.
    expect(stored?.result).toMatchObject({
      ok: true,
      authorized: [expect.objectContaining({ cidrIpv4: '203.0.113.0/24' })],
      revoked: [expect.objectContaining({ cidrIpv4: '0.0.0.0/0' }), expect.objectContaining({ cidrIpv6: '::/0' })],
    });
    expect(stored?.rulesBefore).toEqual(ingressPlan(p).revoke);
    expect(await rescuer.resumeStalled()).toEqual([]);
  });

  test('an EC2 error mid-run ends in failed with the error; the partial change can be reverted', async () => {
    const p = await proposed();
    ec2.fail('RevokeSecurityGroupIngress', { code: 'UnauthorizedOperation', message: 'You are not authorized to perform this operation.' });
    const d = await service().approve(p.findingId, p.id, APP1, p.planDigest);
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(d.proposal.state).toBe('failed');
    expect(d.proposal.result).toMatchObject({
      ok: false,
      error: { code: 'UnauthorizedOperation' },
      revoked: [],
      authorized: [expect.objectContaining({ cidrIpv4: '203.0.113.0/24' })],
    });
    expect(d.proposal.history.at(-1)).toMatchObject({ actor: 'bot', action: 'failed' });
    ec2.faults.clear();

    const revert = await service().proposeRevert(p.findingId, p.id, APP2);
    if (!revert.ok) throw new Error(JSON.stringify(revert.refusal));
    expect(ingressPlan(revert.proposal).authorize).toEqual([]);
    expect(ingressPlan(revert.proposal).revoke).toEqual([expect.objectContaining({ cidrIpv4: '203.0.113.0/24' })]);
    ec2.resetCalls();
    const undone = await service().approve(p.findingId, revert.proposal.id, APP1, revert.proposal.planDigest);
    expect(undone.ok && undone.proposal.state).toBe('executed');
    expect(ec2.state(SEED_GROUP)).toEqual(ORIGINAL_STATE);
  });

  test('a missing role in another account fails with a clear message and no EC2 call', async () => {
    const p = await proposed(service(), finding({ accountId: '210987654321' }));
    const sts = mockClient(STSClient);
    sts.on(AssumeRoleCommand).rejects(
      new STSServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        $metadata: {},
        message: 'not authorized to perform sts:AssumeRole',
      }),
    );
    const factory = new AssumeRoleExecutorFactory({
      ownAccountId: async () => ACCOUNT,
      roleName: 'GuardDutyChatOpsRemediation',
      sts: new STSClient({ region: 'us-east-1', credentials: TEST_CREDENTIALS }),
      makeEc2: (region, credentials) => new EC2Client({ region, credentials: credentials ?? TEST_CREDENTIALS }),
    });
    try {
      const d = await service('bot-a', factory).approve(p.findingId, p.id, APP1, p.planDigest);
      expect(d.ok && d.proposal.state).toBe('failed');
      if (!d.ok) return;
      expect(d.proposal.result?.error?.code).toBe('REMEDIATION_TARGET');
      expect(d.proposal.result?.error?.message).toContain(
        'Cannot assume arn:aws:iam::210987654321:role/GuardDutyChatOpsRemediation (AccessDenied)',
      );
      expect(ec2.calls).toEqual([]);
    } finally {
      sts.restore();
    }
  });

  test('revert: a second person approves it and it restores exactly the removed rules', async () => {
    const p = await proposed();
    const done = await service().approve(p.findingId, p.id, APP1, p.planDigest);
    expect(done.ok && done.proposal.state).toBe('executed');
    expect(ec2.state(SEED_GROUP)).toEqual(FIXED_STATE);

    const revert = await service().proposeRevert(p.findingId, p.id, APP2);
    if (!revert.ok) throw new Error(JSON.stringify(revert.refusal));
    expect(revert.proposal).toMatchObject({ kind: 'revert', revertOf: p.id, state: 'proposed', requester: APP2, id: `${p.id}-r1` });
    expect(refusalOf(await service().proposeRevert(p.findingId, p.id, APP1))).toMatchObject({ reason: 'revert-exists' });
    expect(refusalOf(await service().proposeRevert(p.findingId, revert.proposal.id, APP1))).toMatchObject({ reason: 'not-revertible' });

    ec2.resetCalls();
    expect(refusalOf(await service().approve(p.findingId, revert.proposal.id, APP2, revert.proposal.planDigest))).toEqual({
      reason: 'own-proposal',
    });
    const undone = await service().approve(p.findingId, revert.proposal.id, REQ, revert.proposal.planDigest);
    expect(undone.ok && undone.proposal.state).toBe('executed');
    expect(ec2.writes().map((c) => [c.op, c.input.IpPermissions ?? c.input.SecurityGroupRuleIds])).toEqual([
      [
        'AuthorizeSecurityGroupIngress',
        [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'ssh from anywhere' }] }],
      ],
      ['AuthorizeSecurityGroupIngress', [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, Ipv6Ranges: [{ CidrIpv6: '::/0' }] }]],
      ['RevokeSecurityGroupIngress', [expect.stringMatching(/^sgr-fake/)]],
    ]);
    expect(ec2.state(SEED_GROUP)).toEqual(ORIGINAL_STATE);
  });
});

describe('SlackApproverPolicy', () => {
  let slack: SlackStandIn;
  beforeAll(async () => {
    slack = await new SlackStandIn().start();
  });
  afterAll(async () => {
    await slack.close();
  });

  test('listed users and user group members (cached a minute); nobody when nothing is configured', async () => {
    let members = ['U0GROUP001'];
    slack.handlers.set('usergroups.users.list', (body) =>
      body.usergroup === 'S0APPROVE1' ? { ok: true, users: members } : { ok: false, error: 'no_such_subteam' },
    );
    const client = new WebClient('xoxb-test', { slackApiUrl: slack.apiUrl });
    let t = 0;
    const policy = new SlackApproverPolicy({ userIds: [APP1], usergroupId: 'S0APPROVE1', client, now: () => t });
    expect(await policy.isApprover(APP1)).toBe(true);
    expect(slack.callsTo('usergroups.users.list')).toHaveLength(0);
    expect(await Promise.all([policy.isApprover('U0GROUP001'), policy.isApprover(OUTSIDER)])).toEqual([true, false]);
    expect(slack.callsTo('usergroups.users.list')).toHaveLength(1);
    members = [];
    t = 59_000;
    expect(await policy.isApprover('U0GROUP001')).toBe(true);
    t = 60_000;
    expect(await policy.isApprover('U0GROUP001')).toBe(false);
    expect(slack.callsTo('usergroups.users.list')).toHaveLength(2);

    const nobody = new SlackApproverPolicy({ userIds: [], client });
    expect(nobody.configured).toBe(false);
    expect(await nobody.isApprover(APP1)).toBe(false);

    const broken = new SlackApproverPolicy({
      userIds: [],
      usergroupId: 'S0MISSING1',
      client: new WebClient('xoxb-test', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } }),
    });
    await expect(broken.isApprover(APP1)).rejects.toBeInstanceOf(ApproverLookupError);
  });
});
