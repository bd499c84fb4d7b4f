import { StoreUnavailableError } from '../../src/domain/errors';
import { SEED_GROUP } from '../../support/fakes/ec2/seed';
import { variant } from '../../support/helpers/fixtures';
import { RH, eventually, proposeSubmission, startRemediationRig, type RemediationRig } from '../../support/helpers/remediation-harness';
import { feedInstance } from '../../support/helpers/feed-harness';
import { click, interaction, slashCommand } from '../../support/helpers/signed-request';

const FINDING_ID = 'bbbbccccddddeeee1234567890123456';

describe('DynamoDB unavailable: commands answer, nothing runs, nothing is half-written', () => {
  let rig: RemediationRig;
  let proposalValue = '';
  let before: string[] = [];

  beforeAll(async () => {
    rig = await startRemediationRig();
    rig.gd.put(variant('recon-ec2-portprobe-ssh', {}));
    // A proposal made while the store is up.
    const res = await interaction(
      rig.bot.events,
      proposeSubmission(RH.alice, '203.0.113.0/24', 'V0OUTAGE01', `us-east-1 ${FINDING_ID} ${RH.channel}`),
    );
    expect(res.status).toBe(200);
    const posted = await rig.slack.waitFor(
      () =>
        rig.slack
          .callsTo('chat.postMessage')
          .find((c) => c.body.thread_ts !== undefined && JSON.stringify(c.body.blocks ?? []).includes('remediation_approve')),
      5000,
      'proposal message',
    );
    const approve =
      JSON.stringify(posted.body.blocks).match(/"action_id":"remediation_approve"[^}]*?"value":"([^"]+)"/) ??
      JSON.stringify(posted.body.blocks).match(/"value":"([^"]+)","action_id":"remediation_approve"/);
    proposalValue = approve?.[1] ?? '';
    expect(proposalValue).toMatch(new RegExp(`^${FINDING_ID} `));
    before = rig.ec2.state(SEED_GROUP);
    // The flow's last write (the proposal message's ts) must land before the store goes away.
    const proposalId = proposalValue.split(' ')[1] ?? '';
    await eventually(async () => (await rig.store.getProposal(FINDING_ID, proposalId))?.messageTs, 'proposal message ts stored');
    await rig.dynamo.stop();
  });
  afterAll(async () => {
    // The table is already stopped: stop the rest one by one.
    await rig.bot.stop();
    rig.ec2.restore();
    rig.gd.restore();
    await rig.slack.close();
  });

  it('`/guardduty findings high` still answers', async () => {
    rig.gd.put(variant('unauthorizedaccess-ec2-sshbruteforce', { id: 'outage00000000000000000000000001', severity: 8 }));
    await slashCommand(rig.bot.events, {
      text: 'findings high',
      userId: RH.carol,
      channelId: RH.channel,
      responseUrl: rig.slack.responseUrl('list'),
    });
    const reply = await rig.slack.waitFor(() => rig.slack.responses.find((r) => r.path === '/respond/list'), 10_000, 'listing');
    expect(JSON.stringify(reply.body.blocks)).toContain('outage00000000000000000000000001');
  });

  it('`/guardduty finding <id>` answers with the card and says what is unavailable', async () => {
    await slashCommand(rig.bot.events, {
      text: `finding ${FINDING_ID}`,
      userId: RH.carol,
      channelId: RH.channel,
      responseUrl: rig.slack.responseUrl('one'),
    });
    const reply = await rig.slack.waitFor(() => rig.slack.responses.find((r) => r.path === '/respond/one'), 10_000, 'card');
    const json = JSON.stringify(reply.body.blocks);
    expect(json).toContain(FINDING_ID);
    expect(json).toContain('state store did not answer');
  });

  it('an approval cannot run: the approver is told, EC2 is not touched', async () => {
    const res = await click(rig.bot.events, {
      actionId: 'remediation_approve',
      value: proposalValue,
      userId: RH.bob,
      channelId: RH.channel,
      responseUrl: rig.slack.responseUrl('approve'),
    });
    expect(res.status).toBe(200);
    const reply = await rig.slack.waitFor(() => rig.slack.responses.find((r) => r.path === '/respond/approve'), 10_000, 'refusal');
    expect(String(reply.body.text)).toMatch(/store|DynamoDB/i);
    expect(rig.ec2.writes()).toHaveLength(0);
    expect(rig.ec2.state(SEED_GROUP)).toEqual(before);
  });

  it('the feed pauses without moving its cursor, then resumes where it was and posts each card once', async () => {
    const { startTestDynamo } = await import('../../support/helpers/dynalite');
    const { DynamoStateStore } = await import('../../src/store/dynamo-state-store');
    const { mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const path = join(mkdtempSync(join(tmpdir(), 'outage-')), 'db');
    let db = await startTestDynamo({ path });
    let store = new DynamoStateStore(db.doc, db.tableName);
    rig.gd.put(
      variant('unauthorizedaccess-ec2-sshbruteforce', {
        id: 'outage00000000000000000000000002',
        severity: 8,
        updatedAt: new Date(Date.now() - 60_000).toISOString(),
      }),
    );
    const first = feedInstance(store, rig.slack, { regions: ['us-east-1'] });
    await first.poll('us-east-1');
    const cursor = await store.getCursor('us-east-1');
    const cards = () => rig.slack.channelMessages('C0FINDINGS1').length;
    const posted = cards();
    await db.stop();

    rig.gd.put(
      variant('unauthorizedaccess-ec2-sshbruteforce', {
        id: 'outage00000000000000000000000003',
        severity: 8.5,
        updatedAt: new Date().toISOString(),
      }),
    );
    await expect(first.poll('us-east-1')).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(cards()).toBe(posted);

    db = await startTestDynamo({ path });
    store = new DynamoStateStore(db.doc, db.tableName);
    expect(await store.getCursor('us-east-1')).toBe(cursor);
    // The same process, its store back: it still holds its outbox lease.
    const resumed = feedInstance(store, rig.slack, { regions: ['us-east-1'], owner: first.owner });
    const stats = await resumed.poll('us-east-1');
    expect(stats.outcomes.queued).toBe(1);
    expect(cards()).toBe(posted + 1);
    expect(await eventually(async () => (await store.getCard('outage00000000000000000000000003'))?.ts, 'card ts')).toBeTruthy();
    await db.stop();
  });
});
