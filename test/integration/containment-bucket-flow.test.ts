import { BLOCK_BUCKET_PUBLIC_ACCESS } from '../../src/domain/remediation/containment/bucket-public-access';
import { S3HttpStandIn } from '../../support/fakes/s3/http';
import { assertNoUnescaped, assertValidMessage } from '../../support/helpers/block-kit';
import { standInStepExecutors } from '../../support/helpers/containment-executors';
import { variant } from '../../support/helpers/fixtures';
import { stepPlan, stepResult } from '../../support/helpers/plans';
import { RH, eventually, proposeSubmission, startRemediationRig, type RemediationRig } from '../../support/helpers/remediation-harness';
import { click, interaction } from '../../support/helpers/signed-request';
import type { ApiCall } from '../../support/helpers/slack-stand-in';

const FINDING_ID = '2222333344445555666677778888cccc';
const BUCKET = 'example-logs-bucket';
const { channel: CHANNEL, alice: ALICE, bob: BOB, carol: CAROL } = RH;
const ALL_ON = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };
const OWN = { BlockPublicAcls: true, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: false };

type Block = { type: string; elements?: { action_id?: string; value?: string }[] };

function containmentSubmission(user: string, viewId: string, meta: string): Record<string, unknown> {
  const payload = proposeSubmission(user, '', viewId, meta);
  const view = payload.view as Record<string, unknown>;
  return { ...payload, view: { ...view, callback_id: 'remediation_containment_view', state: { values: {} } } };
}

function text(call: ApiCall): string {
  return `${String(call.body.text)}\n${JSON.stringify(call.body.blocks ?? [])}`;
}

function buttons(call: ApiCall): { action_id?: string; value?: string }[] {
  return ((call.body.blocks ?? []) as Block[]).filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []);
}

describe('block public access on a bucket: propose, second-person approval, outcome, revert (S3 over the wire)', () => {
  let rig: RemediationRig;
  let s3: S3HttpStandIn;
  const meta = `us-east-1 ${FINDING_ID} ${BLOCK_BUCKET_PUBLIC_ACCESS} ${CHANNEL}`;
  const threadPosts = () => rig.slack.callsTo('chat.postMessage').filter((c) => c.body.thread_ts !== undefined);

  beforeEach(async () => {
    s3 = await new S3HttpStandIn().start();
    rig = await startRemediationRig({}, { steps: standInStepExecutors({ s3: s3.endpoint }) });
    rig.gd.put(variant('policy-s3-bucketblockpublicaccessdisabled', {}));
  });
  afterEach(async () => {
    await rig.stop();
    await s3.close();
  });

  const press = (actionId: string, value: string, userId: string, name: string) =>
    click(rig.bot.events, { actionId, value, userId, channelId: CHANNEL, responseUrl: rig.slack.responseUrl(name) });

  async function proposeAndApprove(): Promise<{ proposalId: string }> {
    await interaction(rig.bot.events, containmentSubmission(ALICE, 'V0VIEWS3001', meta));
    const [proposal] = await eventually(async () => {
      const list = await rig.store.listProposals(FINDING_ID);
      return list.length > 0 && list[0]?.messageTs ? list : undefined;
    }, 'proposal stored and posted');
    if (!proposal) throw new Error('no proposal');
    await press('remediation_approve', `${FINDING_ID} ${proposal.id} ${proposal.planDigest ?? ''}`, BOB, `approve-${proposal.id}`);
    await eventually(async () => {
      const p = await rig.store.getProposal(FINDING_ID, proposal.id);
      return p?.state === 'executed' || p?.state === 'failed' ? p : undefined;
    }, 'execution');
    return { proposalId: proposal.id };
  }

  test('Propose fix opens the modal with the live preview: current block, website and policy warnings; nothing written', async () => {
    s3.seedBucket(BUCKET, { publicAccessBlock: OWN, website: true, policyPublic: true });
    await press('remediation_propose', `us-east-1 ${FINDING_ID} ${BLOCK_BUCKET_PUBLIC_ACCESS}`, ALICE, 'propose');
    const opened = await rig.slack.waitFor(() => rig.slack.callsTo('views.open')[0], 5000, 'views.open');
    expect(opened.body.view).toMatchObject({ callback_id: 'remediation_containment_view', private_metadata: meta });
    expect(JSON.stringify(opened.body.view)).not.toContain('"submit"');
    const updated = await rig.slack.waitFor(() => rig.slack.callsTo('views.update')[0], 5000, 'views.update');
    const view = updated.body.view as { blocks: unknown[]; submit?: { text: string } };
    assertValidMessage(view.blocks, { modal: true });
    assertNoUnescaped(view.blocks);
    const preview = JSON.stringify(view.blocks);
    expect(preview).toContain(
      `Public Access Block of bucket ${BUCKET}: BlockPublicAcls on, IgnorePublicAcls off, BlockPublicPolicy off, RestrictPublicBuckets off → *all four settings on*`,
    );
    expect(preview).toContain('static website configuration: the website stops working');
    expect(preview).toContain('Its bucket policy is public now');
    expect(preview).toContain('S3 has no dry run');
    expect(view.submit?.text).toBe('Propose');
    expect(s3.writes()).toEqual([]);
    expect(s3.calls.map((c) => c.op).sort()).toEqual(['GetBucketPolicyStatus', 'GetBucketWebsite', 'GetPublicAccessBlock']);
  });

  test('a bucket that already blocks everything: the modal says so and offers no Propose', async () => {
    s3.seedBucket(BUCKET, { publicAccessBlock: ALL_ON });
    await press('remediation_propose', `us-east-1 ${FINDING_ID} ${BLOCK_BUCKET_PUBLIC_ACCESS}`, ALICE, 'propose');
    const updated = await rig.slack.waitFor(() => rig.slack.callsTo('views.update')[0], 5000, 'views.update');
    const view = updated.body.view as { submit?: unknown };
    expect(JSON.stringify(updated.body.view)).toContain('already blocks all public access');
    expect(view.submit).toBeUndefined();
  });

  test('propose → the requester cannot approve → a second approver applies it once; revert restores the exact previous block', async () => {
    s3.seedBucket(BUCKET, { publicAccessBlock: OWN });
    await interaction(rig.bot.events, containmentSubmission(ALICE, 'V0VIEWS3002', meta));
    const posted = await rig.slack.waitFor(() => threadPosts()[0], 5000, 'proposal message');
    assertValidMessage(posted.body.blocks as unknown[]);
    assertNoUnescaped(posted.body.blocks);
    expect(text(posted)).toContain('*Fix proposed* by <@U0ALICE001>: Block public access to the bucket: bucket example-logs-bucket');
    const [proposal] = await rig.store.listProposals(FINDING_ID);
    if (!proposal) throw new Error('no proposal');
    expect(stepPlan(proposal).steps).toHaveLength(1);
    const approve = `${FINDING_ID} ${proposal.id} ${proposal.planDigest ?? ''}`;
    expect(buttons(posted).map((b) => b.value)).toContain(approve);

    await press('remediation_approve', approve, ALICE, 'self');
    expect((await rig.slack.waitFor(() => rig.slack.responses.find((r) => r.path === '/respond/self'), 5000, 'self')).body.text).toContain(
      'You proposed this',
    );
    expect(s3.writes()).toEqual([]);

    await Promise.all([press('remediation_approve', approve, BOB, 'bob'), press('remediation_approve', approve, CAROL, 'carol')]);
    const done = await eventually(async () => {
      const p = await rig.store.getProposal(FINDING_ID, proposal.id);
      return p?.state === 'executed' ? p : undefined;
    }, 'executed');
    expect(s3.writes().map((c) => c.op)).toEqual(['PutPublicAccessBlock']);
    expect(s3.state(BUCKET)?.publicAccessBlock).toEqual(ALL_ON);
    expect(stepResult(done)).toMatchObject({ ok: true, steps: [{ outcome: 'changed' }] });
    expect(done.stepsBefore).toEqual([
      {
        action: 's3:public-access-block',
        resource: BUCKET,
        state: { block: { blockPublicAcls: true, ignorePublicAcls: false, blockPublicPolicy: false, restrictPublicBuckets: false } },
      },
    ]);
    const reply = await rig.slack.waitFor(
      () => threadPosts().find((c) => String(c.body.text).includes('executed by the bot')),
      5000,
      'outcome',
    );
    expect(String(reply.body.text)).toContain('Verified by reading back');

    await press('remediation_revert', `${FINDING_ID} ${proposal.id}`, CAROL, 'revert');
    const revert = await eventually(
      async () => (await rig.store.listProposals(FINDING_ID)).find((p) => p.kind === 'revert' && p.messageTs),
      'revert',
    );
    expect(stepPlan(revert).steps[0]).toMatchObject({
      before: { block: expect.objectContaining({ ignorePublicAcls: true }) },
      after: { block: expect.objectContaining({ ignorePublicAcls: false }) },
    });
    await press('remediation_approve', `${FINDING_ID} ${revert.id} ${revert.planDigest ?? ''}`, BOB, 'approve-revert');
    await eventually(
      async () => ((await rig.store.getProposal(FINDING_ID, revert.id))?.state === 'executed' ? true : undefined),
      'revert executed',
    );
    expect(s3.state(BUCKET)?.publicAccessBlock).toEqual(OWN);
    expect(s3.writes().map((c) => c.op)).toEqual(['PutPublicAccessBlock', 'PutPublicAccessBlock']);
  });

  test('a bucket without its own block: revert deletes the block the fix created', async () => {
    s3.seedBucket(BUCKET);
    const { proposalId } = await proposeAndApprove();
    expect(s3.state(BUCKET)?.publicAccessBlock).toEqual(ALL_ON);
    await press('remediation_revert', `${FINDING_ID} ${proposalId}`, CAROL, 'revert');
    const revert = await eventually(
      async () => (await rig.store.listProposals(FINDING_ID)).find((p) => p.kind === 'revert' && p.messageTs),
      'revert',
    );
    await press('remediation_approve', `${FINDING_ID} ${revert.id} ${revert.planDigest ?? ''}`, BOB, 'approve-revert');
    await eventually(
      async () => ((await rig.store.getProposal(FINDING_ID, revert.id))?.state === 'executed' ? true : undefined),
      'revert executed',
    );
    expect(s3.state(BUCKET)?.publicAccessBlock).toBeUndefined();
    expect(s3.writes().map((c) => c.op)).toEqual(['PutPublicAccessBlock', 'DeletePublicAccessBlock']);
  });

  test('someone changed the block after the proposal: the run writes nothing and says so', async () => {
    s3.seedBucket(BUCKET);
    await interaction(rig.bot.events, containmentSubmission(ALICE, 'V0VIEWS3003', meta));
    const [proposal] = await eventually(async () => {
      const list = await rig.store.listProposals(FINDING_ID);
      return list[0]?.messageTs ? list : undefined;
    }, 'proposal');
    if (!proposal) throw new Error('no proposal');
    s3.model.buckets.get(BUCKET)!.publicAccessBlock = { ...OWN };
    await press('remediation_approve', `${FINDING_ID} ${proposal.id} ${proposal.planDigest ?? ''}`, BOB, 'bob');
    const failed = await eventually(async () => {
      const p = await rig.store.getProposal(FINDING_ID, proposal.id);
      return p?.state === 'failed' ? p : undefined;
    }, 'failed');
    expect(stepResult(failed)?.error?.code).toBe('CHANGED_SINCE_PLAN');
    expect(s3.writes()).toEqual([]);
    expect(s3.state(BUCKET)?.publicAccessBlock).toEqual(OWN);
    expect(failed.stepsBefore).toBeUndefined();
  });

  test('S3 throttles the write: the SDK retries it and the fix lands once', async () => {
    s3.seedBucket(BUCKET);
    s3.fail('PutPublicAccessBlock', { code: 'SlowDown', times: 1 });
    const { proposalId } = await proposeAndApprove();
    const done = await rig.store.getProposal(FINDING_ID, proposalId);
    expect(done?.state).toBe('executed');
    expect(s3.writes().map((c) => c.status)).toEqual([503, 200]);
    expect(stepResult(done)?.awsCalls).toBe(4);
  });
});
