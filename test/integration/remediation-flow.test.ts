import type { DynamoStateStore } from '../../src/store/dynamo-state-store';
import { assertNoUnescaped, assertValidMessage } from '../../support/helpers/block-kit';
import { startBot, type Bot } from '../../support/helpers/bot-harness';
import { SEED_GROUP } from '../../support/fakes/ec2/seed';
import type { FakeEc2 } from '../../support/fakes/ec2/sdk-mock';
import { variant } from '../../support/helpers/fixtures';
import { RH, eventually, proposeSubmission, startRemediationRig, type RemediationRig } from '../../support/helpers/remediation-harness';
import { click, interaction, type SignedResponse } from '../../support/helpers/signed-request';
import { SlackStandIn, type ApiCall } from '../../support/helpers/slack-stand-in';

const FINDING_ID = 'bbbbccccddddeeee1234567890123456';
const { channel: CHANNEL, alice: ALICE, bob: BOB, carol: CAROL, mallory: MALLORY } = RH;
const TRUSTED = 'guardduty-chatops: replaces world-open 22';
const ORIGINAL_STATE = ['tcp 22-22 0.0.0.0/0 (ssh from anywhere)', 'tcp 22-22 10.0.0.0/8', 'tcp 22-22 ::/0', 'tcp 443-443 0.0.0.0/0'];
const FIXED_STATE = ['tcp 22-22 10.0.0.0/8', `tcp 22-22 203.0.113.0/24 (${TRUSTED})`, 'tcp 443-443 0.0.0.0/0'];

type Block = {
  type: string;
  block_id?: string;
  text?: { text: string };
  elements?: { action_id?: string; value?: string; confirm?: unknown; text?: unknown }[];
  element?: Record<string, unknown>;
};

function submission(user: string, value: string, viewId: string, meta = `us-east-1 ${FINDING_ID} ${CHANNEL}`): Record<string, unknown> {
  return proposeSubmission(user, value, viewId, meta);
}

function buttons(call: ApiCall): { action_id?: string; value?: string; confirm?: unknown }[] {
  return ((call.body.blocks ?? []) as Block[]).filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []);
}

function allText(call: ApiCall): string {
  return `${String(call.body.text)}\n${JSON.stringify(call.body.blocks ?? [])}`;
}

describe('two-person remediation through signed Slack requests', () => {
  let rig: RemediationRig;
  let slack: SlackStandIn;
  let ec2: FakeEc2;
  let store: DynamoStateStore;
  let bot: Bot;
  let cardTs = '';
  let proposalTs = '';
  let proposalValue = '';
  /** Approve carries the plan digest the message showed. */
  let approveValue = '';

  const threadPosts = () => slack.callsTo('chat.postMessage').filter((c) => c.body.thread_ts !== undefined);
  const respondedTo = async (name: string) =>
    (await slack.waitFor(() => slack.responses.find((r) => r.path === `/respond/${name}`), 5000, `response ${name}`)).body;
  const press = (actionId: string, value: string, userId: string, name: string, retryNum?: number): Promise<SignedResponse> =>
    click(
      bot.events,
      { actionId, value, userId, channelId: CHANNEL, responseUrl: slack.responseUrl(name), message: { ts: proposalTs, thread_ts: cardTs } },
      retryNum === undefined ? {} : { retryNum },
    );

  beforeAll(async () => {
    rig = await startRemediationRig();
    ({ slack, ec2, store, bot } = rig);
    rig.gd.put(variant('recon-ec2-portprobe-ssh', {}));
  });
  afterAll(async () => {
    await rig.stop();
  });

  test('Propose fix opens the modal, then shows what is world-open now', async () => {
    const res = await click(bot.events, {
      actionId: 'remediation_propose',
      value: `us-east-1 ${FINDING_ID}`,
      userId: ALICE,
      channelId: CHANNEL,
      responseUrl: slack.responseUrl('propose'),
    });
    expect(res.status).toBe(200);
    const opened = await slack.waitFor(() => slack.callsTo('views.open')[0], 5000, 'views.open');
    expect(opened.body.trigger_id).toBe('1234.5678.abcdef');
    const view = opened.body.view as { callback_id: string; private_metadata: string; title: { text: string }; blocks: Block[] };
    expect(view).toMatchObject({
      type: 'modal',
      callback_id: 'remediation_propose_view',
      private_metadata: `us-east-1 ${FINDING_ID} ${CHANNEL}`,
      title: { text: 'Propose fix' },
    });
    const input = view.blocks.find((b) => b.type === 'input');
    expect(input).toMatchObject({
      block_id: 'trusted_sources',
      element: { type: 'plain_text_input', action_id: 'trusted_sources_input', initial_value: '203.0.113.0/24' },
    });
    assertValidMessage(view.blocks, { modal: true });

    const updated = await slack.waitFor(() => slack.callsTo('views.update')[0], 5000, 'views.update');
    expect(updated.body.view_id).toBe('V0VIEW0001');
    const blocks = (updated.body.view as { blocks: Block[] }).blocks;
    assertValidMessage(blocks, { modal: true });
    assertNoUnescaped(blocks);
    const preview = JSON.stringify(blocks);
    expect(preview).toContain('*World-open now* (replaced by this fix) in `sg-0a1b2c3d4e5f60718`');
    expect(preview).toContain('tcp 22 from 0.0.0.0/0');
    expect(preview).toContain('tcp 22 from ::/0');
    expect(preview).not.toContain('443');
    expect(ec2.writes()).toEqual([]);
    expect(slack.responses.filter((r) => r.path === '/respond/propose')).toEqual([]);
  });

  test('bad trusted sources are refused on the field, in the ack, and nothing is stored', async () => {
    ec2.resetCalls();
    const cases: [string, string][] = [
      ['0.0.0.0/0', '0.0.0.0/0 is the whole internet; give the network that needs access'],
      ['10.0.0.1/8', '10.0.0.1/8 is too broad: the limit for IPv4 is /16'],
      ['garbage', 'garbage is not an IP address, CIDR or security group ID'],
      ['64.0.0.0/4', '64.0.0.0/4 is too broad: the limit for IPv4 is /16'],
    ];
    for (const [value, message] of cases) {
      const res = await interaction(bot.events, submission(ALICE, value, 'V0VIEW0001'));
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ response_action: 'errors', errors: { trusted_sources: expect.stringContaining(message) } });
    }
    const forged = await interaction(bot.events, submission(ALICE, '203.0.113.0/24', 'V0VIEW0001', 'us-east-1 <!channel>'));
    expect(forged.json).toMatchObject({ response_action: 'errors', errors: { trusted_sources: expect.stringContaining('out of date') } });
    await new Promise((r) => setTimeout(r, 100));
    expect(await store.listProposals(FINDING_ID)).toEqual([]);
    expect(slack.callsTo('chat.postMessage')).toEqual([]);
    expect(ec2.calls).toEqual([]);
  });

  test('a good source: the card is posted first, the proposal goes in its thread with Approve/Reject/Cancel', async () => {
    ec2.resetCalls();
    const res = await interaction(bot.events, submission(ALICE, '203.0.113.0/24', 'V0VIEW0001'));
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
    const posted = await slack.waitFor(() => threadPosts()[0], 5000, 'proposal message');
    const card = slack.callsTo('chat.postMessage').find((c) => c.body.thread_ts === undefined);
    expect(card?.body).toMatchObject({
      channel: CHANNEL,
      metadata: { event_type: 'guardduty_finding', event_payload: { finding_id: FINDING_ID } },
    });
    expect(slack.calls.indexOf(card as ApiCall)).toBeLessThan(slack.calls.indexOf(posted));
    cardTs = String((await store.getCard(FINDING_ID))?.ts);
    expect(posted.body).toMatchObject({ channel: CHANNEL, thread_ts: cardTs });

    const [proposal] = await store.listProposals(FINDING_ID);
    expect(proposal).toMatchObject({ state: 'proposed', requester: ALICE, channel: CHANNEL, threadTs: cardTs, kind: 'remediate' });
    proposalTs = await eventually(async () => (await store.getProposal(FINDING_ID, proposal?.id ?? ''))?.messageTs, 'messageTs');
    expect(proposalTs).toMatch(/^\d{10}\.\d{6}$/);
    proposalValue = `${FINDING_ID} ${proposal?.id ?? ''}`;
    expect(proposal?.planDigest).toMatch(/^[0-9a-f]{64}$/);
    approveValue = `${proposalValue} ${proposal?.planDigest ?? ''}`;
    expect(allText(posted)).toContain(`plan \`${(proposal?.planDigest ?? '').slice(0, 12)}\``);

    const blocks = posted.body.blocks as Block[];
    assertValidMessage(blocks);
    assertNoUnescaped(blocks);
    const text = allText(posted);
    expect(text).toContain('*Fix proposed* by <@U0ALICE001>: restrict port 22 on instance `i-012345678aabbccdd`');
    expect(text).toContain('`sg-0a1b2c3d4e5f60718` tcp 22 from `0.0.0.0/0`, `::/0` → `203.0.113.0/24`');
    expect(text).toContain('EC2 dry run: DryRunOperation: request would have succeeded');
    expect(buttons(posted).map((b) => [b.action_id, b.value])).toEqual([
      ['remediation_approve', approveValue],
      ['remediation_reject', proposalValue],
      ['remediation_cancel', proposalValue],
    ]);
    expect(buttons(posted)[0]?.confirm).toMatchObject({ title: { text: 'Apply this fix now?' }, confirm: { text: 'Approve and apply' } });
    expect(ec2.calls.map((c) => `${c.op}${c.dryRun ? ' (dry run)' : ''}`)).toEqual([
      'DescribeInstances',
      'DescribeSecurityGroupRules',
      'AuthorizeSecurityGroupIngress (dry run)',
      'RevokeSecurityGroupIngress (dry run)',
    ]);
    expect(ec2.state(SEED_GROUP)).toEqual(ORIGINAL_STATE);
  });

  test('the requester and a non-approver are refused, ephemerally, with no EC2 write', async () => {
    ec2.resetCalls();
    await press('remediation_approve', approveValue, ALICE, 'self');
    expect(await respondedTo('self')).toMatchObject({
      response_type: 'ephemeral',
      replace_original: false,
      text: expect.stringContaining('You proposed this'),
    });
    await press('remediation_approve', approveValue, MALLORY, 'mallory');
    // The refusal may come from the access-control middleware or from the service: either names the approvers.
    expect(await respondedTo('mallory')).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringMatching(/approvers? .*APPROVER_USER_IDS/),
    });
    await press('remediation_cancel', proposalValue, BOB, 'bob-cancel');
    expect((await respondedTo('bob-cancel')).text).toContain('Only <@U0ALICE001>, who proposed it, can cancel it');
    await press('remediation_approve', `${FINDING_ID} not-an-id`, BOB, 'forged');
    expect((await respondedTo('forged')).text).toBe('That button is not valid.');
    expect(ec2.calls).toEqual([]);
    expect((await store.getProposal(FINDING_ID, proposalValue.split(' ')[1] ?? ''))?.state).toBe('proposed');
  });

  test('an approver approves: authorize first, then revoke IPv4 and IPv6, then verify; the outcome replaces the buttons', async () => {
    ec2.resetCalls();
    const updatesBefore = slack.callsTo('chat.update').length;
    const res = await press('remediation_approve', approveValue, BOB, 'bob');
    expect(res.status).toBe(200);
    const reply = await slack.waitFor(
      () => threadPosts().find((c) => String(c.body.text).includes('executed by the bot')),
      5000,
      'outcome reply',
    );
    expect(reply.body).toMatchObject({ channel: CHANNEL, thread_ts: cardTs });
    expect(String(reply.body.text)).toContain('executed by the bot: approved by <@U0BOB00001>, proposed by <@U0ALICE001>.');

    expect(ec2.calls.map((c) => [c.op, c.input])).toEqual([
      ['DescribeSecurityGroupRules', { Filters: [{ Name: 'group-id', Values: [SEED_GROUP] }], MaxResults: 1000 }],
      [
        'AuthorizeSecurityGroupIngress',
        {
          GroupId: SEED_GROUP,
          IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '203.0.113.0/24', Description: TRUSTED }] }],
        },
      ],
      ['RevokeSecurityGroupIngress', { GroupId: SEED_GROUP, SecurityGroupRuleIds: ['sgr-0000000000000a001'] }],
      ['RevokeSecurityGroupIngress', { GroupId: SEED_GROUP, SecurityGroupRuleIds: ['sgr-0000000000000a002'] }],
      ['DescribeSecurityGroupRules', { Filters: [{ Name: 'group-id', Values: [SEED_GROUP] }], MaxResults: 1000 }],
    ]);
    expect(ec2.state(SEED_GROUP)).toEqual(FIXED_STATE);

    const updates = () =>
      slack
        .callsTo('chat.update')
        .slice(updatesBefore)
        .filter((c) => c.body.ts === proposalTs);
    const outcome = await slack.waitFor(() => updates().find((c) => allText(c).includes('*Executed*')), 5000, 'outcome update');
    expect(updates().at(-1)).toBe(outcome);
    assertValidMessage(outcome.body.blocks as unknown[]);
    assertNoUnescaped(outcome.body.blocks);
    expect(buttons(outcome).map((b) => b.action_id)).toEqual(['remediation_revert']);
    expect(allText(outcome)).toContain('approved by <@U0BOB00001>');
    const stored = await store.getProposal(FINDING_ID, proposalValue.split(' ')[1] ?? '');
    expect(stored).toMatchObject({ state: 'executed', approver: BOB, result: { ok: true, ec2Calls: 5 } });

    const cardUpdate = await slack.waitFor(() => slack.callsTo('chat.update').find((c) => c.body.ts === cardTs), 5000, 'card note');
    expect(allText(cardUpdate)).toContain('Fix for port 22 executed · approved by <@U0BOB00001>, proposed by <@U0ALICE001>');
    expect((await store.getCard(FINDING_ID))?.notes).toHaveLength(1);
  });

  test('the same Approve again, and a Slack retry of it, run nothing', async () => {
    ec2.resetCalls();
    await press('remediation_approve', approveValue, BOB, 'again');
    await press('remediation_approve', approveValue, BOB, 'retry', 1);
    await press('remediation_approve', approveValue, CAROL, 'carol');
    expect((await respondedTo('again')).text).toBe(':white_check_mark: Already approved by <@U0BOB00001> and executed.');
    expect((await respondedTo('retry')).text).toBe(':white_check_mark: Already approved by <@U0BOB00001> and executed.');
    expect((await respondedTo('carol')).text).toBe(':white_check_mark: Already approved by <@U0BOB00001> and executed.');
    expect(ec2.calls).toEqual([]);
  });

  test('proposing again when nothing is world-open tells the requester and stores nothing', async () => {
    ec2.resetCalls();
    const ephemeralsBefore = slack.callsTo('chat.postEphemeral').length;
    await interaction(bot.events, submission(CAROL, '198.51.100.0/24', 'V0VIEW0003'));
    const told = await slack.waitFor(() => slack.callsTo('chat.postEphemeral')[ephemeralsBefore], 5000, 'ephemeral');
    expect(told.body).toMatchObject({
      channel: CHANNEL,
      user: CAROL,
      text: expect.stringContaining('No rule opens port 22 to 0.0.0.0/0 or ::/0 any more. Nothing was proposed.'),
    });
    expect(await store.listProposals(FINDING_ID)).toHaveLength(1);
    expect(ec2.writes()).toEqual([]);
  });

  test('Revert is a new proposal that needs a second person, and restores exactly the removed rules', async () => {
    ec2.resetCalls();
    const threadBefore = threadPosts().length;
    await press('remediation_revert', proposalValue, CAROL, 'revert');
    const revertMsg = await slack.waitFor(
      () =>
        threadPosts()
          .slice(threadBefore)
          .find((c) => allText(c).includes('*Revert proposed*')),
      5000,
      'revert proposal',
    );
    expect(revertMsg.body.thread_ts).toBe(cardTs);
    assertValidMessage(revertMsg.body.blocks as unknown[]);
    expect(allText(revertMsg)).toContain('`sg-0a1b2c3d4e5f60718` tcp 22 from `203.0.113.0/24` → `0.0.0.0/0`, `::/0`');
    const revertValue = buttons(revertMsg)[0]?.value ?? '';
    expect(revertValue).toMatch(new RegExp(`^${proposalValue}-r1 [0-9a-f]{64}$`));
    expect(ec2.writes()).toEqual([]);

    await press('remediation_approve', revertValue, CAROL, 'carol-own');
    expect((await respondedTo('carol-own')).text).toContain('You proposed this');
    expect(ec2.writes()).toEqual([]);

    await press('remediation_approve', revertValue, ALICE, 'alice-revert');
    await slack.waitFor(() => threadPosts().find((c) => String(c.body.text).includes('Revert `')), 5000, 'revert outcome');
    expect(ec2.writes().map((c) => [c.op, c.input])).toEqual([
      [
        'AuthorizeSecurityGroupIngress',
        {
          GroupId: SEED_GROUP,
          IpPermissions: [
            { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'ssh from anywhere' }] },
          ],
        },
      ],
      [
        'AuthorizeSecurityGroupIngress',
        { GroupId: SEED_GROUP, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, Ipv6Ranges: [{ CidrIpv6: '::/0' }] }] },
      ],
      ['RevokeSecurityGroupIngress', { GroupId: SEED_GROUP, SecurityGroupRuleIds: [expect.stringMatching(/^sgr-fake/)] }],
    ]);
    expect(ec2.state(SEED_GROUP)).toEqual(ORIGINAL_STATE);
    const proposals = await store.listProposals(FINDING_ID);
    expect(proposals.map((p) => [p.kind, p.state, p.requester, p.approver])).toEqual([
      ['remediate', 'executed', ALICE, BOB],
      ['revert', 'executed', CAROL, ALICE],
    ]);
  });

  test('cancel by the requester removes the buttons; nothing runs', async () => {
    ec2.resetCalls();
    const before = threadPosts().length;
    await interaction(bot.events, submission(BOB, '198.51.100.0/24', 'V0VIEW0004'));
    const msg = await slack.waitFor(
      () =>
        threadPosts()
          .slice(before)
          .find((c) => allText(c).includes('*Fix proposed* by <@U0BOB00001>')),
      5000,
      'second proposal',
    );
    const value = buttons(msg)[0]?.value ?? '';
    const ts = await eventually(async () => (await store.getProposal(FINDING_ID, value.split(' ')[1] ?? ''))?.messageTs, 'messageTs');
    await press('remediation_cancel', value, BOB, 'bob-cancels');
    const update = await slack.waitFor(
      () => slack.callsTo('chat.update').find((c) => c.body.ts === ts && allText(c).includes('*Cancelled* by <@U0BOB00001>')),
      5000,
      'cancelled',
    );
    expect(buttons(update)).toEqual([]);
    await press('remediation_approve', value, ALICE, 'late');
    expect((await respondedTo('late')).text).toBe(':wastebasket: Already cancelled by <@U0BOB00001>.');
    expect(ec2.writes()).toEqual([]);
  });
});

describe('without a store and FINDINGS_CHANNEL', () => {
  test('Propose fix explains what remediation needs', async () => {
    const slack = await new SlackStandIn().start();
    const bot = await startBot(slack, { LOG_LEVEL: 'warn' });
    try {
      await click(bot.events, { actionId: 'remediation_propose', value: `us-east-1 ${FINDING_ID}`, responseUrl: slack.responseUrl('nc') });
      const reply = await slack.waitFor(() => slack.responses[0], 5000, 'reply');
      expect(reply.body).toMatchObject({
        response_type: 'ephemeral',
        replace_original: false,
        text: expect.stringContaining('needs FINDINGS_CHANNEL'),
      });
      expect(slack.callsTo('views.open')).toEqual([]);
    } finally {
      await bot.stop();
      await slack.close();
    }
  });
});
