import { EC2Client } from '@aws-sdk/client-ec2';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { Ec2Remediator } from '../../src/aws/ec2-remediator';
import type { Proposal } from '../../src/domain/proposal';
import { UnsafePlanError } from '../../src/domain/remediation/plan-safety';
import { planDigest } from '../../src/domain/remediation/seal';
import type { IngressRule, RemediationPlan } from '../../src/domain/remediation/types';
import { remediationContext, resumeStalledProposals } from '../../src/slack/remediation-context';
import { TEST_CREDENTIALS } from '../../support/helpers/bot-harness';
import { SEED_GROUP, seedRules } from '../../support/fakes/ec2/seed';
import { variant } from '../../support/helpers/fixtures';
import { RH, eventually, proposeSubmission, startRemediationRig, type RemediationRig } from '../../support/helpers/remediation-harness';
import { testSealer } from '../../support/helpers/sealer';
import { click, interaction } from '../../support/helpers/signed-request';
import type { ApiCall } from '../../support/helpers/slack-stand-in';
import { ingressPlan, ingressResult } from '../../support/helpers/plans';

/**
 * Someone who can write the state table (a local process with the embedded store, anyone with dynamodb:PutItem
 * on the production table) edits or injects proposals. Whatever they write, the bot changes nothing in AWS that a
 * second person did not approve, and says so.
 */
const { channel: CHANNEL, alice: ALICE, bob: BOB, carol: CAROL } = RH;
const ORIGINAL_STATE = ['tcp 22-22 0.0.0.0/0 (ssh from anywhere)', 'tcp 22-22 10.0.0.0/8', 'tcp 22-22 ::/0', 'tcp 443-443 0.0.0.0/0'];
const ALL_TRAFFIC_FROM_WORLD: IngressRule = { groupId: SEED_GROUP, protocol: '-1', fromPort: 0, toPort: 65535, cidrIpv4: '0.0.0.0/0' };

type Block = { type: string; elements?: { action_id?: string; value?: string }[] };

let rig: RemediationRig;
let seq = 0;

function allText(call: ApiCall): string {
  return `${String(call.body.text)}\n${JSON.stringify(call.body.blocks ?? [])}`;
}

function buttonValue(call: ApiCall, actionId: string): string {
  const value = ((call.body.blocks ?? []) as Block[]).flatMap((b) => b.elements ?? []).find((e) => e.action_id === actionId)?.value;
  if (!value) throw new Error(`no ${actionId} button`);
  return value;
}

const threadPosts = () => rig.slack.callsTo('chat.postMessage').filter((c) => c.body.thread_ts !== undefined);

/** A signed button click; `name` names its response_url. */
async function send(actionId: string, value: string, userId: string, name: string): Promise<void> {
  await click(rig.bot.events, {
    actionId,
    value,
    userId,
    channelId: CHANNEL,
    responseUrl: rig.slack.responseUrl(name),
    message: { ts: '1.1', thread_ts: '1.0' },
  });
}

/** A click answered ephemerally: the answer's text. */
async function press(actionId: string, value: string, userId: string, name: string): Promise<string> {
  await send(actionId, value, userId, name);
  const answer = await rig.slack.waitFor(() => rig.slack.responses.find((r) => r.path === `/respond/${name}`), 5000, `response ${name}`);
  return String(answer.body.text);
}

/** A new finding with a world-open port 22, proposed by Alice through the modal; the posted proposal message. */
async function proposeFix(): Promise<{ findingId: string; proposal: Proposal; message: ApiCall }> {
  seq++;
  const findingId = `tamper${String(seq).padStart(26, '0')}`;
  rig.gd.put(variant('recon-ec2-portprobe-ssh', { id: findingId }));
  rig.ec2.seed(seedRules(), { 'i-012345678aabbccdd': [SEED_GROUP] });
  const before = threadPosts().length;
  await interaction(rig.bot.events, proposeSubmission(ALICE, '203.0.113.0/24', `V0TAMPER${seq}`, `us-east-1 ${findingId} ${CHANNEL}`));
  const message = await rig.slack.waitFor(
    () =>
      threadPosts()
        .slice(before)
        .find((c) => allText(c).includes('*Fix proposed*')),
    5000,
    'proposal message',
  );
  const [proposal] = await rig.store.listProposals(findingId);
  if (!proposal) throw new Error('no proposal stored');
  await eventually(async () => (await rig.store.getProposal(findingId, proposal.id))?.messageTs, 'messageTs');
  rig.ec2.resetCalls();
  return { findingId, proposal, message };
}

/** The attacker's write: a raw UpdateItem on the proposal's item, as any client of the table could send. */
async function tamper(findingId: string, proposalId: string, set: Record<string, unknown>): Promise<void> {
  const names = Object.fromEntries(Object.keys(set).map((k, i) => [`#a${i}`, k]));
  const values = Object.fromEntries(Object.values(set).map((v, i) => [`:v${i}`, v]));
  await rig.dynamo.doc.send(
    new UpdateCommand({
      TableName: rig.dynamo.tableName,
      Key: { pk: `finding#${findingId}`, sk: `proposal#${proposalId}` },
      UpdateExpression: `SET ${Object.keys(set)
        .map((_, i) => `#a${i} = :v${i}`)
        .join(', ')}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    }),
  );
}

async function rawItem(findingId: string, proposalId: string): Promise<Record<string, unknown>> {
  const out = await rig.dynamo.doc.send(
    new GetCommand({ TableName: rig.dynamo.tableName, Key: { pk: `finding#${findingId}`, sk: `proposal#${proposalId}` } }),
  );
  return out.Item ?? {};
}

beforeAll(async () => {
  rig = await startRemediationRig({ LOG_LEVEL: 'info' });
});
afterAll(async () => {
  await rig.stop();
});

describe('tamper: a plan edited in the table after the message was shown', () => {
  test('the plan swapped for all traffic from 0.0.0.0/0: Approve is refused as changed, nothing runs, a warning is logged', async () => {
    const { findingId, proposal, message } = await proposeFix();
    const approve = buttonValue(message, 'remediation_approve');
    expect(approve).toBe(`${findingId} ${proposal.id} ${proposal.planDigest}`);
    const evil: RemediationPlan = { ...ingressPlan(proposal), authorize: [ALL_TRAFFIC_FROM_WORLD] };
    await tamper(findingId, proposal.id, { plan: evil });

    const answer = await press('remediation_approve', approve, BOB, 'bob-edited-plan');
    expect(answer).toContain('The plan changed since it was shown');
    expect(rig.ec2.calls).toEqual([]);
    expect(rig.ec2.state(SEED_GROUP)).toEqual(ORIGINAL_STATE);
    expect((await rig.store.getProposal(findingId, proposal.id))?.state).toBe('proposed');
    expect(
      rig.bot.logs.lines.some(
        (l) => l.includes('"level":40') && l.includes('the plan changed since it was shown') && l.includes(proposal.id),
      ),
    ).toBe(true);
  });

  test('the plan and its stored digest both rewritten: refused, because the bot never sealed that plan', async () => {
    const { findingId, proposal } = await proposeFix();
    const evil: RemediationPlan = { ...ingressPlan(proposal), authorize: [ALL_TRAFFIC_FROM_WORLD] };
    const evilDigest = planDigest(evil);
    await tamper(findingId, proposal.id, { plan: evil, planDigest: evilDigest });

    // Even a button carrying the new digest (as if the message had been redrawn from the table) approves nothing.
    const answer = await press('remediation_approve', `${findingId} ${proposal.id} ${evilDigest}`, BOB, 'bob-redigested');
    expect(answer).toContain('altered outside the bot');
    expect(rig.ec2.calls).toEqual([]);
    expect((await rig.store.getProposal(findingId, proposal.id))?.state).toBe('proposed');
    expect(rig.bot.logs.lines.some((l) => l.includes('"level":50') && l.includes('fails its seal') && l.includes(proposal.id))).toBe(true);
  });

  test('the requester rewritten so the proposer can approve their own fix: refused as altered', async () => {
    const { findingId, proposal, message } = await proposeFix();
    await tamper(findingId, proposal.id, { requester: CAROL });
    const answer = await press('remediation_approve', buttonValue(message, 'remediation_approve'), ALICE, 'alice-self');
    expect(answer).toContain('altered outside the bot');
    expect(rig.ec2.calls).toEqual([]);
  });

  test("a click whose digest is not the stored plan's (an old or forged message) is refused as changed", async () => {
    const { findingId, proposal } = await proposeFix();
    const answer = await press('remediation_approve', `${findingId} ${proposal.id} ${'0'.repeat(64)}`, BOB, 'bob-other-digest');
    expect(answer).toContain('The plan changed since it was shown');
    const noDigest = await press('remediation_approve', `${findingId} ${proposal.id}`, BOB, 'bob-no-digest');
    expect(noDigest).toContain('The plan changed since it was shown');
    expect(rig.ec2.calls).toEqual([]);
  });

  test("the plan swapped between the approval's read and its write: the run is refused as TAMPERED before any AWS call", async () => {
    const { findingId, proposal, message } = await proposeFix();
    const ctx = remediationContext(rig.bot.deps);
    if (!ctx) throw new Error('remediation not wired');
    // The attacker's write lands right after the service read the proposal and before its conditional write.
    const store = rig.store;
    const read = store.getProposal.bind(store);
    const spy = jest.spyOn(store, 'getProposal').mockImplementationOnce(async (f, p) => {
      const current = await read(f, p);
      await tamper(findingId, proposal.id, { plan: { ...proposal.plan, authorize: [ALL_TRAFFIC_FROM_WORLD] } });
      return current;
    });
    try {
      const shown = buttonValue(message, 'remediation_approve').split(' ')[2];
      const decision = await ctx.service.approve(findingId, proposal.id, BOB, shown);
      expect(decision.ok && decision.proposal.state).toBe('failed');
      expect(decision.ok && decision.proposal.result?.error?.code).toBe('TAMPERED');
    } finally {
      spy.mockRestore();
    }
    expect(rig.ec2.calls).toEqual([]);
    expect(rig.ec2.state(SEED_GROUP)).toEqual(ORIGINAL_STATE);
  });
});

describe('tamper: an item injected in state executing', () => {
  test('is not run at start: no AWS call, marked failed TAMPERED, logged as an error, the thread told', async () => {
    const { findingId, proposal } = await proposeFix();
    const injectedId = 'abcdefabcdef0001';
    const plan: RemediationPlan = { ...ingressPlan(proposal), authorize: [ALL_TRAFFIC_FROM_WORLD], revoke: [] };
    const nowS = Math.floor(Date.now() / 1000);
    const item = {
      pk: `finding#${findingId}`,
      sk: `proposal#${injectedId}`,
      id: injectedId,
      findingId,
      kind: 'remediate',
      state: 'executing',
      requester: ALICE,
      approver: BOB,
      approvedAt: nowS - 600,
      plan,
      planDigest: planDigest(plan),
      // A seal made with a key that is not the bot's, as a forger would.
      approvalSeal: testSealer('an-attacker-key-that-is-not-the-bots-0000').seal('approval', {
        proposalId: injectedId,
        findingId,
        kind: 'remediate',
        planDigest: planDigest(plan),
        requester: ALICE,
        approver: BOB,
        approvedAt: nowS - 600,
      }),
      createdAt: nowS - 700,
      approveBy: nowS + 3000,
      expiresAt: nowS + 86_400,
      channel: CHANNEL,
      threadTs: proposal.threadTs,
      execOwner: 'bot-gone',
      execLeaseExpiresAt: nowS - 60,
      history: [],
    };
    await rig.dynamo.doc.send(new PutCommand({ TableName: rig.dynamo.tableName, Item: item }));
    const ctx = remediationContext(rig.bot.deps);
    if (!ctx) throw new Error('remediation not wired');
    const before = threadPosts().length;

    expect(await resumeStalledProposals(ctx)).toBe(1);

    expect(rig.ec2.calls).toEqual([]);
    expect(rig.ec2.state(SEED_GROUP)).toEqual(ORIGINAL_STATE);
    const stored = await rig.store.getProposal(findingId, injectedId);
    expect(stored?.state).toBe('failed');
    expect(stored?.result?.error?.code).toBe('TAMPERED');
    expect(rig.bot.logs.lines.some((l) => l.includes('"level":50') && l.includes('execution refused') && l.includes(injectedId))).toBe(
      true,
    );
    const told = await rig.slack.waitFor(
      () =>
        threadPosts()
          .slice(before)
          .find((c) => String(c.body.text).includes('TAMPERED')),
      5000,
      'thread told',
    );
    expect(told.body).toMatchObject({ channel: CHANNEL, thread_ts: proposal.threadTs });
    expect(String(told.body.text)).toContain('Nothing was changed in AWS');
  });

  test('a real approval whose plan is edited while it is executing is not resumed either', async () => {
    const { findingId, proposal, message } = await proposeFix();
    const ctx = remediationContext(rig.bot.deps);
    if (!ctx) throw new Error('remediation not wired');
    // The bot approved it (seals written) and crashed before running it; the lease has lapsed.
    const claimed = await ctx.service.claim(findingId, proposal.id, BOB, buttonValue(message, 'remediation_approve').split(' ')[2]);
    expect(claimed.ok).toBe(true);
    await tamper(findingId, proposal.id, { plan: { ...proposal.plan, authorize: [ALL_TRAFFIC_FROM_WORLD] }, execLeaseExpiresAt: 1 });
    expect(await resumeStalledProposals(ctx)).toBe(1);
    expect(rig.ec2.calls).toEqual([]);
    expect((await rig.store.getProposal(findingId, proposal.id))?.result?.error?.code).toBe('TAMPERED');
  });
});

describe('tamper: a forged result or seal behind a revert', () => {
  /** Carol clicks Revert on the fix; the revert proposal's message (the calls its dry run made are forgotten). */
  async function proposeRevert(findingId: string, proposalId: string, name: string): Promise<ApiCall> {
    const before = threadPosts().length;
    await send('remediation_revert', `${findingId} ${proposalId}`, CAROL, `${name}-${proposalId}`);
    const revertMsg = await rig.slack.waitFor(
      () =>
        threadPosts()
          .slice(before)
          .find((c) => allText(c).includes('*Revert proposed*')),
      5000,
      'revert proposal',
    );
    rig.ec2.resetCalls();
    return revertMsg;
  }

  async function executedFix(): Promise<{ findingId: string; proposal: Proposal }> {
    const { findingId, proposal, message } = await proposeFix();
    const before = threadPosts().length;
    await send('remediation_approve', buttonValue(message, 'remediation_approve'), BOB, 'exec');
    await rig.slack.waitFor(
      () =>
        threadPosts()
          .slice(before)
          .find((c) => String(c.body.text).includes('executed by the bot')),
      5000,
      'executed',
    );
    const executed = await rig.store.getProposal(findingId, proposal.id);
    expect(executed?.state).toBe('executed');
    expect(executed?.resultSeal).toMatch(/^[0-9a-f]{64}$/);
    rig.ec2.resetCalls();
    return { findingId, proposal: executed as Proposal };
  }

  test('a result edited to claim the run removed more: Revert is refused and nothing is proposed', async () => {
    const { findingId, proposal } = await executedFix();
    const result = proposal.result;
    if (!result) throw new Error('no result');
    // Revert would "restore" all traffic from the world.
    await tamper(findingId, proposal.id, {
      result: { ...result, revoked: [...(ingressResult({ result })?.revoked ?? []), ALL_TRAFFIC_FROM_WORLD] },
    });
    const answer = await press('remediation_revert', `${findingId} ${proposal.id}`, CAROL, `carol-revert-${proposal.id}`);
    expect(answer).toContain("fails the bot's seal");
    expect((await rig.store.listProposals(findingId)).map((p) => p.kind)).toEqual(['remediate']);
    expect(rig.ec2.calls).toEqual([]);
  });

  test('a result seal copied from another fix, or made with another key: Revert is refused', async () => {
    const a = await executedFix();
    const b = await executedFix();
    await tamper(a.findingId, a.proposal.id, { resultSeal: b.proposal.resultSeal });
    expect(await press('remediation_revert', `${a.findingId} ${a.proposal.id}`, CAROL, 'carol-copied-seal')).toContain(
      "fails the bot's seal",
    );
    const forged = testSealer('an-attacker-key-that-is-not-the-bots-0000').seal('result', {
      proposalId: b.proposal.id,
      findingId: b.findingId,
      planDigest: planDigest(b.proposal.plan),
      result: b.proposal.result as NonNullable<Proposal['result']>,
    });
    await tamper(b.findingId, b.proposal.id, { resultSeal: forged });
    expect(await press('remediation_revert', `${b.findingId} ${b.proposal.id}`, CAROL, 'carol-forged-seal')).toContain(
      "fails the bot's seal",
    );
    expect(rig.ec2.calls).toEqual([]);
  });

  test('a revert proposal whose plan is edited after it was made cannot be approved; one edited after approval does not run', async () => {
    const { findingId, proposal } = await executedFix();
    const revertMsg = await proposeRevert(findingId, proposal.id, 'carol-revert-ok');
    const revertId = `${proposal.id}-r1`;
    const approve = buttonValue(revertMsg, 'remediation_approve');
    const revert = await rig.store.getProposal(findingId, revertId);
    if (!revert) throw new Error('no revert stored');
    const widened = { ...ingressPlan(revert), authorize: [...ingressPlan(revert).authorize, ALL_TRAFFIC_FROM_WORLD] };

    await tamper(findingId, revertId, { plan: widened });
    expect(await press('remediation_approve', approve, BOB, 'bob-edited-revert')).toContain('The plan changed since it was shown');
    await tamper(findingId, revertId, { plan: revert.plan });

    // After approval and before the run (a crash in between): the revert now also "restores" all traffic.
    const ctx = remediationContext(rig.bot.deps);
    if (!ctx) throw new Error('remediation not wired');
    const claimed = await ctx.service.claim(findingId, revertId, BOB, approve.split(' ')[2]);
    expect(claimed.ok).toBe(true);
    await tamper(findingId, revertId, { plan: widened, execLeaseExpiresAt: 1 });
    expect(await resumeStalledProposals(ctx)).toBe(1);
    expect((await rig.store.getProposal(findingId, revertId))?.result?.error?.code).toBe('TAMPERED');
    expect(rig.ec2.calls).toEqual([]);
    expect((await rawItem(findingId, revertId)).state).toBe('failed');
  });

  test("a revert whose original fix's result is edited after the revert was approved does not run", async () => {
    const { findingId, proposal } = await executedFix();
    const revertMsg = await proposeRevert(findingId, proposal.id, 'carol-revert-2');
    const ctx = remediationContext(rig.bot.deps);
    if (!ctx) throw new Error('remediation not wired');
    const revertId = `${proposal.id}-r1`;
    expect((await ctx.service.claim(findingId, revertId, BOB, buttonValue(revertMsg, 'remediation_approve').split(' ')[2])).ok).toBe(true);
    await tamper(findingId, proposal.id, { result: { ...(proposal.result as object), authorized: [] } });
    await tamper(findingId, revertId, { execLeaseExpiresAt: 1 });
    expect(await resumeStalledProposals(ctx)).toBe(1);
    expect((await rig.store.getProposal(findingId, revertId))?.result?.error?.code).toBe('TAMPERED');
    expect(rig.ec2.calls).toEqual([]);
  });
});

describe('tamper: a dangerous plan handed straight to the executor', () => {
  const executor = () => new Ec2Remediator(new EC2Client({ region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1 }));
  const base: RemediationPlan = {
    playbook: 'restrict-ingress',
    findingId: 'tamper-direct',
    accountId: '123456789012',
    region: 'us-east-1',
    ports: [22],
    trustedSources: [{ kind: 'cidr', cidr: '203.0.113.0/24', version: 4 }],
    revoke: [{ groupId: SEED_GROUP, protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '0.0.0.0/0' }],
    authorize: [{ groupId: SEED_GROUP, protocol: 'tcp', fromPort: 22, toPort: 22, cidrIpv4: '203.0.113.0/24' }],
    untouched: [],
  };
  const trusted = (patch: Partial<IngressRule>): IngressRule[] => [
    { groupId: SEED_GROUP, protocol: 'tcp', fromPort: 22, toPort: 22, ...patch },
  ];

  test.each<[string, Partial<RemediationPlan>, RegExp]>([
    ['all traffic from the world', { authorize: [ALL_TRAFFIC_FROM_WORLD] }, /not a single port of the plan/],
    ['port 22 from 0.0.0.0/0', { authorize: trusted({ cidrIpv4: '0.0.0.0/0' }) }, /whole internet/],
    ['port 22 from a /8', { authorize: trusted({ cidrIpv4: '64.0.0.0/8' }) }, /too broad/],
    ['port 22 from an IPv6 /32', { authorize: trusted({ cidrIpv6: '2001:db8::/32' }) }, /too broad/],
    ['port 22 from a prefix list', { authorize: trusted({ prefixListId: 'pl-0123456789abcdef0' }) }, /prefix list/],
    [
      'two trusted security groups',
      { authorize: [...trusted({ referencedGroupId: 'sg-0aaaaaaaaaaaaaaa1' }), ...trusted({ referencedGroupId: 'sg-0aaaaaaaaaaaaaaa2' })] },
      /more than one security group/,
    ],
    [
      'a port outside the plan',
      { authorize: [{ groupId: SEED_GROUP, protocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '203.0.113.0/24' }] },
      /not a single port of the plan/,
    ],
    ['removing a rule that is not world-open', { revoke: trusted({ cidrIpv4: '10.0.0.0/8' }) }, /not open to the world/],
    ['an unknown playbook', { playbook: 'delete-everything' }, /unknown playbook/],
    [
      'a revert with no sealed result behind it',
      { playbook: 'restrict-ingress-revert', authorize: [ALL_TRAFFIC_FROM_WORLD] },
      /sealed result/,
    ],
  ])('%s: refused with no AWS call', async (_name, patch, reason) => {
    rig.ec2.resetCalls();
    const plan = { ...base, ...patch };
    await expect(executor().apply(plan)).rejects.toThrow(UnsafePlanError);
    await expect(executor().apply(plan)).rejects.toThrow(reason);
    await expect(executor().dryRun(plan)).rejects.toThrow(UnsafePlanError);
    expect(rig.ec2.calls).toEqual([]);
  });

  test('a revert may only restore what the sealed result says was removed and remove what it says was added', async () => {
    rig.ec2.resetCalls();
    const undo = { revoked: base.revoke, authorized: base.authorize };
    const revert: RemediationPlan = { ...base, playbook: 'restrict-ingress-revert', authorize: base.revoke, revoke: base.authorize };
    await expect(
      executor().apply({ ...revert, authorize: [...revert.authorize, ALL_TRAFFIC_FROM_WORLD] }, undefined, undo),
    ).rejects.toThrow(/which the run did not remove/);
    await expect(executor().apply({ ...revert, revoke: trusted({ cidrIpv4: '10.0.0.0/8' }) }, undefined, undo)).rejects.toThrow(
      /which the run did not add/,
    );
    expect(rig.ec2.calls).toEqual([]);
    // The matching revert does run.
    rig.ec2.seed(seedRules(), {});
    const result = await executor().apply(revert, undefined, undo);
    expect(rig.ec2.writes().length).toBeGreaterThan(0);
    expect(result.error?.code).not.toBe('UNSAFE_PLAN');
  });
});
