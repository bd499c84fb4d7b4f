import type { Proposal } from '../../src/domain/proposal';
import { REVOKE_POLICY_NAME, revokePolicyDocument } from '../../src/domain/remediation/containment/role-sessions';
import {
  ISOLATION_APP_GROUP,
  ISOLATION_DATA_VOLUME,
  ISOLATION_ENI_PRIMARY,
  ISOLATION_ENI_SECONDARY,
  ISOLATION_INSTANCE,
  ISOLATION_ROOT_VOLUME,
  ISOLATION_SSH_GROUP,
  ISOLATION_VPC,
  ISOLATION_WEB_GROUP,
} from '../../support/fakes/ec2/seed';
import { assertNoUnescaped, assertValidMessage } from '../../support/helpers/block-kit';
import {
  READ_BUCKET_POLICY,
  REGION,
  SCENARIO_KEY,
  SCENARIO_OTHER_KEY,
  SCENARIO_ROLE,
  accessKeyScenario,
  isolateScenario,
  releaseEc2Mock,
  roleScenario,
  scenarioFindingId,
  startPlaybookStandIns,
  type PlaybookScenario,
  type PlaybookStandIns,
} from '../../support/helpers/playbook-scenarios';
import { stepPlan, stepResult } from '../../support/helpers/plans';
import { RH, eventually, proposeSubmission, startRemediationRig, type RemediationRig } from '../../support/helpers/remediation-harness';
import { click, interaction } from '../../support/helpers/signed-request';
import type { ApiCall } from '../../support/helpers/slack-stand-in';
import { toFinding } from '../../src/aws/finding-mapper';
import { findingCard } from '../../src/slack/blocks/finding-card';

/*
 * deactivate-access-key, revoke-role-sessions and isolate-instance end to end in Slack: the real Bolt app over
 * signed HTTP, the bot's real step executors (SDK clients) against the IAM and EC2 wire stand-ins, dynalite.
 */

const { channel: CHANNEL, alice: ALICE, bob: BOB, carol: CAROL } = RH;
const ORIGINAL_ENIS = {
  [ISOLATION_ENI_PRIMARY]: [ISOLATION_WEB_GROUP, ISOLATION_SSH_GROUP],
  [ISOLATION_ENI_SECONDARY]: [ISOLATION_APP_GROUP],
};

type Block = { type: string; elements?: { action_id?: string; value?: string }[] };

let stands: PlaybookStandIns;
let rig: RemediationRig;
let seq = 0;

beforeAll(async () => {
  stands = await startPlaybookStandIns();
});
afterAll(async () => {
  await stands.close();
});
beforeEach(async () => {
  stands.iam.reset();
  stands.ec2.seed([], {});
  rig = await startRemediationRig({}, { steps: stands.steps });
  releaseEc2Mock(rig);
});
afterEach(async () => {
  await rig.stop();
  stands.iam.clearFaults();
  stands.ec2.clearFaults();
});

/** A fresh finding ID per test, so no test sees another's proposals. */
function nextId(label: string): string {
  seq += 1;
  return scenarioFindingId(label, seq);
}

function text(call: ApiCall): string {
  return `${String(call.body.text)}\n${JSON.stringify(call.body.blocks ?? [])}`;
}

function buttons(call: ApiCall): { action_id?: string; value?: string }[] {
  return ((call.body.blocks ?? []) as Block[]).filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []);
}

const press = (actionId: string, value: string, userId: string, name: string) =>
  click(rig.bot.events, { actionId, value, userId, channelId: CHANNEL, responseUrl: rig.slack.responseUrl(name) });

const threadPosts = () => rig.slack.callsTo('chat.postMessage').filter((c) => c.body.thread_ts !== undefined);

function submission(s: PlaybookScenario, user: string, viewId: string): Record<string, unknown> {
  const payload = proposeSubmission(user, '', viewId, `${REGION} ${s.findingId} ${s.playbook} ${CHANNEL}`);
  const view = payload.view as Record<string, unknown>;
  return { ...payload, view: { ...view, callback_id: 'remediation_containment_view', state: { values: {} } } };
}

/** Propose fix click: the loading modal, then its update with the preview (checked valid and escaped). */
async function openPreview(s: PlaybookScenario): Promise<{ preview: string; submit?: { text: string } }> {
  await press('remediation_propose', `${REGION} ${s.findingId} ${s.playbook}`, ALICE, `propose-${s.findingId}`);
  const opened = await rig.slack.waitFor(() => rig.slack.callsTo('views.open')[0], 5000, 'views.open');
  expect(opened.body.view).toMatchObject({
    callback_id: 'remediation_containment_view',
    private_metadata: `${REGION} ${s.findingId} ${s.playbook} ${CHANNEL}`,
  });
  expect(JSON.stringify(opened.body.view)).not.toContain('"submit"');
  const updated = await rig.slack.waitFor(() => rig.slack.callsTo('views.update')[0], 5000, 'views.update');
  const view = updated.body.view as { blocks: unknown[]; submit?: { text: string } };
  assertValidMessage(view.blocks, { modal: true });
  assertNoUnescaped(view.blocks);
  return { preview: JSON.stringify(view.blocks), ...(view.submit ? { submit: view.submit } : {}) };
}

/** The modal submission → the proposal stored and posted in the finding's thread. */
async function submit(s: PlaybookScenario, viewId: string): Promise<{ proposal: Proposal; posted: ApiCall }> {
  await interaction(rig.bot.events, submission(s, ALICE, viewId));
  const proposal = await eventually(
    async () => (await rig.store.listProposals(s.findingId)).find((p) => p.kind !== 'revert' && p.messageTs),
    'proposal stored and posted',
  );
  const posted = await rig.slack.waitFor(
    () => threadPosts().find((c) => c.body.thread_ts === proposal.threadTs && String(c.body.text).includes('proposed by')),
    5000,
    'proposal message',
  );
  assertValidMessage(posted.body.blocks as unknown[]);
  assertNoUnescaped(posted.body.blocks);
  return { proposal, posted };
}

const approveValue = (p: Proposal) => `${p.findingId} ${p.id} ${p.planDigest ?? ''}`;

async function settled(p: Proposal): Promise<Proposal> {
  return eventually(async () => {
    const now = await rig.store.getProposal(p.findingId, p.id);
    return now?.state === 'executed' || now?.state === 'failed' ? now : undefined;
  }, `proposal ${p.id} settled`);
}

async function outcomeReply(p: Proposal, words: string): Promise<string> {
  const reply = await rig.slack.waitFor(
    () => threadPosts().find((c) => c.body.thread_ts === p.threadTs && String(c.body.text).includes(words)),
    5000,
    `outcome "${words}"`,
  );
  return String(reply.body.text);
}

/**
 * The requester's own Approve is refused with nothing written; then Bob and Carol click Approve at the same time:
 * one execution. Returns the executed proposal and the outcome reply.
 */
async function approveTwice(s: PlaybookScenario, p: Proposal): Promise<{ done: Proposal; reply: string }> {
  const writesBefore = s.writes();
  await press('remediation_approve', approveValue(p), ALICE, `self-${p.id}`);
  const self = await rig.slack.waitFor(() => rig.slack.responses.find((r) => r.path === `/respond/self-${p.id}`), 5000, 'self');
  expect(self.body.text).toContain('You proposed this');
  expect((await rig.store.getProposal(p.findingId, p.id))?.state).toBe('proposed');
  expect(s.writes()).toBe(writesBefore);

  await Promise.all([
    press('remediation_approve', approveValue(p), BOB, `bob-${p.id}`),
    press('remediation_approve', approveValue(p), CAROL, `carol-${p.id}`),
  ]);
  const done = await settled(p);
  expect(done.state).toBe('executed');
  const reply = await outcomeReply(p, 'executed by the bot');
  expect(reply).toContain('Verified by reading back');
  return { done, reply };
}

/** Revert (Carol) → the revert proposal in the thread → approved by Bob → executed. */
async function revertAndApprove(p: Proposal): Promise<{ revert: Proposal; done: Proposal }> {
  await press('remediation_revert', `${p.findingId} ${p.id}`, CAROL, `revert-${p.id}`);
  const revert = await eventually(
    async () => (await rig.store.listProposals(p.findingId)).find((r) => r.kind === 'revert' && r.messageTs),
    'revert proposal posted',
  );
  await press('remediation_approve', approveValue(revert), BOB, `approve-revert-${p.id}`);
  const done = await settled(revert);
  await rig.slack.waitFor(
    () => threadPosts().find((c) => String(c.body.text).includes(revert.id) && String(c.body.text).includes('executed by the bot')),
    5000,
    'revert outcome reply',
  );
  return { revert, done };
}

describe('deactivate-access-key in Slack', () => {
  test('preview (keys read, nothing written) → proposal → self-approval refused → two approvers, one write → revert makes the key Active', async () => {
    const s = accessKeyScenario(stands, nextId('key'));
    rig.gd.put(s.finding);

    const { preview, submit: button } = await openPreview(s);
    expect(preview).toContain(
      `Access key ${SCENARIO_KEY} of IAM user alice: Active, last used 2026-11-20 10:15 UTC in eu-west-1 (s3) → *Inactive (not deleted)*`,
    );
    expect(preview).toContain(`Whatever uses ${SCENARIO_KEY}`);
    expect(preview).toContain(`alice has another active key (${SCENARIO_OTHER_KEY})`);
    expect(preview).toContain('IAM has no dry run');
    expect(button?.text).toBe('Propose');
    expect(s.ops()).toEqual(['ListAccessKeys', 'GetAccessKeyLastUsed', 'GetAccessKeyLastUsed']);
    expect(s.writes()).toBe(0);

    const { proposal, posted } = await submit(s, 'V0VIEWKEY001');
    expect(text(posted)).toContain(`Access key ${SCENARIO_KEY} of IAM user alice`);
    expect(buttons(posted).map((b) => b.value)).toContain(approveValue(proposal));
    expect(stepPlan(proposal).steps.map((st) => [st.resource, st.before, st.after])).toEqual([
      [SCENARIO_KEY, { userName: 'alice', status: 'Active' }, { userName: 'alice', status: 'Inactive' }],
    ]);
    stands.iam.resetCalls();

    const { done } = await approveTwice(s, proposal);
    expect(stands.iam.writes().map((c) => c.params)).toEqual([{ UserName: 'alice', AccessKeyId: SCENARIO_KEY, Status: 'Inactive' }]);
    expect(stands.iam.state.users.alice?.keys).toEqual({ [SCENARIO_KEY]: 'Inactive', [SCENARIO_OTHER_KEY]: 'Active' });
    expect(stepResult(done)).toMatchObject({ ok: true, steps: [{ outcome: 'changed' }] });

    const { done: undone } = await revertAndApprove(done);
    expect(undone.state).toBe('executed');
    expect(stands.iam.state.users.alice?.keys).toEqual({ [SCENARIO_KEY]: 'Active', [SCENARIO_OTHER_KEY]: 'Active' });
    expect(stands.iam.writes().map((c) => c.params.Status)).toEqual(['Inactive', 'Active']);
    expect(stands.iam.calls.filter((c) => /Delete/.test(c.action))).toEqual([]);
  });

  test('a key that is not the user’s: the modal says why and offers no Propose; nothing written', async () => {
    const s = accessKeyScenario(stands, nextId('ghostkey'), { accessKeyId: 'AKIAMALLORY000000009' });
    rig.gd.put(s.finding);

    const { preview, submit: button } = await openPreview(s);

    expect(preview).toContain('Access key AKIAMALLORY000000009 is not among the access keys of IAM user alice');
    expect(preview).toContain(`alice has only ${SCENARIO_KEY}, ${SCENARIO_OTHER_KEY}`);
    expect(button).toBeUndefined();
    expect(s.writes()).toBe(0);
  });

  test('a root key: the card says why it is not offered; a (forged) click is told the same, no modal, IAM not called', async () => {
    const s = accessKeyScenario(stands, nextId('rootkey'), { userType: 'Root', userName: 'root' });
    rig.gd.put(s.finding);
    stands.iam.resetCalls();

    await press('remediation_propose', `${REGION} ${s.findingId} ${s.playbook}`, ALICE, 'root');

    const said = await rig.slack.waitFor(() => rig.slack.responses.find((r) => r.path === '/respond/root'), 5000, 'ephemeral');
    expect(said.body.text).toContain('Root keys cannot be deactivated by the bot: sign in as the root user');
    const card = JSON.stringify(findingCard(toFinding(s.finding), { actions: ['propose'] }));
    expect(card).toContain(':no_entry: Deactivate the exposed access key: Root keys cannot be deactivated by the bot');
    expect(card).not.toContain('remediation_propose');
    expect(rig.slack.callsTo('views.open')).toEqual([]);
    expect(s.calls()).toBe(0);
  });
});

describe('revoke-role-sessions in Slack', () => {
  test('preview → proposal → self-approval refused → two approvers, one PutRolePolicy → revert deletes only the bot policy', async () => {
    const s = roleScenario(stands, nextId('role'));
    rig.gd.put(s.finding);

    const { preview, submit: button } = await openPreview(s);
    expect(preview).toContain(
      `Sessions of IAM role ${SCENARIO_ROLE}: no ${REVOKE_POLICY_NAME} policy: every current session works → *inline policy ${REVOKE_POLICY_NAME} denies everything to sessions issued before the approval time*`,
    );
    expect(preview).toContain(`Every current session of role ${SCENARIO_ROLE} loses all access`);
    expect(preview).toContain('Credentials issued after the approval are not affected');
    expect(button?.text).toBe('Propose');
    expect(s.ops()).toEqual(['GetRole', 'ListRolePolicies']);
    expect(s.writes()).toBe(0);

    const { proposal, posted } = await submit(s, 'V0VIEWROLE01');
    expect(text(posted)).toContain(`Sessions of IAM role ${SCENARIO_ROLE}`);
    stands.iam.resetCalls();

    const { done } = await approveTwice(s, proposal);
    expect(stands.iam.writes().map((c) => [c.action, c.params.RoleName, c.params.PolicyName])).toEqual([
      ['PutRolePolicy', SCENARIO_ROLE, REVOKE_POLICY_NAME],
    ]);
    const cutOff = (stepResult(done)?.steps[0]?.after as { issuedBefore?: string }).issuedBefore ?? '';
    expect(cutOff).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(Math.abs(Date.parse(cutOff) - Date.now())).toBeLessThan(60_000);
    expect(stands.iam.state.roles[SCENARIO_ROLE]?.policies).toEqual({
      'read-bucket': READ_BUCKET_POLICY,
      [REVOKE_POLICY_NAME]: revokePolicyDocument(cutOff),
    });

    const { done: undone } = await revertAndApprove(done);
    expect(undone.state).toBe('executed');
    expect(stands.iam.state.roles[SCENARIO_ROLE]?.policies).toEqual({ 'read-bucket': READ_BUCKET_POLICY });
    expect(stands.iam.writes().map((c) => c.action)).toEqual(['PutRolePolicy', 'DeleteRolePolicy']);
  });

  test('someone else’s policy under the bot’s policy name: the modal says so, no Propose, nothing written', async () => {
    const theirs = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 's3:*', Resource: '*' }] };
    const s = roleScenario(stands, nextId('roletaken'), { [REVOKE_POLICY_NAME]: theirs });
    rig.gd.put(s.finding);

    const { preview, submit: button } = await openPreview(s);

    expect(preview).toContain(`has an inline policy named ${REVOKE_POLICY_NAME} that is not the bot's revoke-sessions policy`);
    expect(button).toBeUndefined();
    expect(s.ops()).toEqual(['GetRole', 'ListRolePolicies', 'GetRolePolicy']);
    expect(s.writes()).toBe(0);
    expect(stands.iam.state.roles[SCENARIO_ROLE]?.policies[REVOKE_POLICY_NAME]).toEqual(theirs);
  });
});

describe('isolate-instance in Slack', () => {
  const eniGroups = () => Object.fromEntries(stands.ec2.model.networkInterfacesOf(ISOLATION_INSTANCE).map((n) => [n.id, [...n.groups]]));

  test('preview with DryRun → proposal → self-approval refused → two approvers, one isolation → revert restores the exact groups, snapshots kept', async () => {
    const s = isolateScenario(stands, nextId('isolate'));
    rig.gd.put(s.finding);

    const { preview, submit: button } = await openPreview(s);
    expect(preview).toContain(
      `network interface ${ISOLATION_ENI_PRIMARY}: security groups ${[ISOLATION_WEB_GROUP, ISOLATION_SSH_GROUP].sort().join(', ')} → *the quarantine group only*`,
    );
    expect(preview).toContain(
      `network interface ${ISOLATION_ENI_SECONDARY}: security group ${ISOLATION_APP_GROUP} → *the quarantine group only*`,
    );
    expect(preview).toContain(`quarantine security group of ${ISOLATION_VPC}: none yet`);
    expect(preview).toContain(`evidence snapshot of volume ${ISOLATION_ROOT_VOLUME} (/dev/xvda)`);
    expect(preview).toContain('_(kept on revert)_');
    expect(preview).toContain(`Instance ${ISOLATION_INSTANCE} loses all network access`);
    expect(preview).toContain('DryRunOperation: request would have succeeded');
    expect(button?.text).toBe('Propose');
    expect(s.ops()).toEqual([
      'DescribeInstances',
      'DescribeSecurityGroups',
      'DescribeSnapshots',
      'ModifyNetworkInterfaceAttribute (DryRun)',
      'CreateSecurityGroup (DryRun)',
      'CreateSnapshot (DryRun)',
      'CreateTags (DryRun)',
    ]);
    expect(s.writes()).toBe(0);

    const { proposal } = await submit(s, 'V0VIEWISO001');
    expect(stepPlan(proposal).steps.map((st) => st.action)).toEqual([
      'ec2:quarantine-group',
      'ec2:eni-groups',
      'ec2:eni-groups',
      'ec2:evidence-snapshot',
      'ec2:evidence-snapshot',
      'ec2:tag-instance',
    ]);
    expect(eniGroups()).toEqual(ORIGINAL_ENIS);
    stands.ec2.resetCalls();

    const { done, reply } = await approveTwice(s, proposal);
    expect(stands.ec2.changes().map((c) => c.action)).toEqual([
      'CreateSecurityGroup',
      'RevokeSecurityGroupEgress',
      'CreateTags',
      'ModifyNetworkInterfaceAttribute',
      'ModifyNetworkInterfaceAttribute',
      'CreateSnapshot',
      'CreateSnapshot',
      'CreateTags',
    ]);
    const groupId = stepResult(done)?.kept[0]?.id ?? '';
    expect(groupId).toMatch(/^sg-/);
    expect(eniGroups()).toEqual({ [ISOLATION_ENI_PRIMARY]: [groupId], [ISOLATION_ENI_SECONDARY]: [groupId] });
    expect(stands.ec2.model.snapshots.size).toBe(2);
    expect(reply).toContain('Kept:');

    const { revert, done: undone } = await revertAndApprove(done);
    expect(stepPlan(revert).steps.map((st) => [st.resource, st.after])).toEqual([
      [ISOLATION_ENI_PRIMARY, { groups: [ISOLATION_WEB_GROUP, ISOLATION_SSH_GROUP].sort() }],
      [ISOLATION_ENI_SECONDARY, { groups: [ISOLATION_APP_GROUP] }],
    ]);
    expect(undone.state).toBe('executed');
    expect(eniGroups()).toEqual({
      [ISOLATION_ENI_PRIMARY]: [ISOLATION_WEB_GROUP, ISOLATION_SSH_GROUP].sort(),
      [ISOLATION_ENI_SECONDARY]: [ISOLATION_APP_GROUP],
    });
    expect([...stands.ec2.model.snapshots.values()].map((snap) => snap.volumeId).sort()).toEqual(
      [ISOLATION_ROOT_VOLUME, ISOLATION_DATA_VOLUME].sort(),
    );
    expect(
      stands.ec2
        .changes()
        .slice(8)
        .map((c) => c.action),
    ).toEqual(['ModifyNetworkInterfaceAttribute', 'ModifyNetworkInterfaceAttribute']);
  });

  test('an ENI’s groups changed between proposal and approval: failed CHANGED_SINCE_PLAN, nothing written, the thread says so', async () => {
    const s = isolateScenario(stands, nextId('isochanged'));
    rig.gd.put(s.finding);
    const { proposal } = await submit(s, 'V0VIEWISO002');
    stands.ec2.model.networkInterfaces.get(ISOLATION_ENI_SECONDARY)!.groups = [ISOLATION_APP_GROUP, ISOLATION_WEB_GROUP];
    stands.ec2.resetCalls();

    await press('remediation_approve', approveValue(proposal), BOB, 'bob-changed');
    const failed = await settled(proposal);

    expect(failed.state).toBe('failed');
    expect(stepResult(failed)?.error?.code).toBe('CHANGED_SINCE_PLAN');
    expect(stands.ec2.changes()).toEqual([]);
    expect(stands.ec2.model.snapshots.size).toBe(0);
    expect(eniGroups()).toEqual({
      [ISOLATION_ENI_PRIMARY]: [ISOLATION_WEB_GROUP, ISOLATION_SSH_GROUP],
      [ISOLATION_ENI_SECONDARY]: [ISOLATION_APP_GROUP, ISOLATION_WEB_GROUP],
    });
    const reply = await outcomeReply(proposal, 'failed');
    expect(reply).toContain('CHANGED_SINCE_PLAN');
    expect(reply).toContain('Nothing was changed.');
  });
});
