import type { Ec2Rule } from '../../support/fakes/ec2/rules';
import { SEED_GROUP, SEED_INSTANCE, seedRules } from '../../support/fakes/ec2/seed';
import { variant } from '../../support/helpers/fixtures';
import { RH, eventually, proposeSubmission, startRemediationRig, type RemediationRig } from '../../support/helpers/remediation-harness';
import { click, interaction } from '../../support/helpers/signed-request';
import type { ApiCall } from '../../support/helpers/slack-stand-in';
import { ingressResult } from '../../support/helpers/plans';

/** A port reachable from the internet through near-world ranges or a prefix list is never reported as verified closed. */
const FINDING_ID = 'e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0';
const NEAR_WORLD: Ec2Rule[] = [
  { id: 'sgr-0000000000000b001', groupId: SEED_GROUP, protocol: 'tcp', from: 22, to: 22, v4: '0.0.0.0/1' },
  { id: 'sgr-0000000000000b002', groupId: SEED_GROUP, protocol: 'tcp', from: 22, to: 22, v4: '128.0.0.0/1' },
  { id: 'sgr-0000000000000b003', groupId: SEED_GROUP, protocol: 'tcp', from: 22, to: 22, prefixList: 'pl-0123456789abcdef0' },
  { id: 'sgr-0000000000000b004', groupId: SEED_GROUP, protocol: 'tcp', from: 22, to: 22, v6: '2001:db8::/32' },
];

let rig: RemediationRig;
const threadPosts = () => rig.slack.callsTo('chat.postMessage').filter((c) => c.body.thread_ts !== undefined);
const allText = (c: ApiCall) => `${String(c.body.text)}\n${JSON.stringify(c.body.blocks ?? [])}`;

beforeAll(async () => {
  rig = await startRemediationRig();
  rig.gd.put(variant('recon-ec2-portprobe-ssh', { id: FINDING_ID }));
});
afterAll(async () => {
  await rig.stop();
});

test('near-world ranges and a prefix list are listed as exposing, and the outcome says restricted but still reachable', async () => {
  rig.ec2.seed([...seedRules(), ...NEAR_WORLD], { [SEED_INSTANCE]: [SEED_GROUP] });
  await interaction(rig.bot.events, proposeSubmission(RH.alice, '203.0.113.0/24', 'V0EXPOSE01', `us-east-1 ${FINDING_ID} ${RH.channel}`));
  const message = await rig.slack.waitFor(() => threadPosts().find((c) => allText(c).includes('*Fix proposed*')), 5000, 'proposal');
  const shown = allText(message);
  for (const source of ['0.0.0.0/1', '128.0.0.0/1', 'pl-0123456789abcdef0', '2001:db8::/32'])
    expect(shown).toContain(`tcp 22 from ${source} also exposes port 22`);
  expect(shown).not.toContain('10.0.0.0/8 also exposes');

  const [proposal] = await rig.store.listProposals(FINDING_ID);
  await eventually(async () => (await rig.store.getProposal(FINDING_ID, proposal?.id ?? ''))?.messageTs, 'messageTs');
  const approve = `${FINDING_ID} ${proposal?.id} ${proposal?.planDigest}`;
  await click(rig.bot.events, {
    actionId: 'remediation_approve',
    value: approve,
    userId: RH.bob,
    channelId: RH.channel,
    responseUrl: rig.slack.responseUrl('bob'),
    message: { ts: '1.1', thread_ts: '1.0' },
  });
  const outcome = await rig.slack.waitFor(
    () => threadPosts().find((c) => String(c.body.text).includes('executed by the bot')),
    5000,
    'outcome',
  );
  const text = String(outcome.body.text);
  expect(text).toContain('Restricted, but port 22 still reachable');
  for (const source of ['0.0.0.0/1', '128.0.0.0/1', 'pl-0123456789abcdef0', '2001:db8::/32']) expect(text).toContain(source);
  expect(text).not.toContain('Verified by reading the groups back');
  const stored = await rig.store.getProposal(FINDING_ID, proposal?.id ?? '');
  expect(ingressResult(stored)?.stillExposed?.map((r) => r.cidrIpv4 ?? r.cidrIpv6 ?? r.prefixListId)).toEqual([
    '0.0.0.0/1',
    '128.0.0.0/1',
    'pl-0123456789abcdef0',
    '2001:db8::/32',
  ]);
  // The world-open exact rules were replaced all the same.
  expect(rig.ec2.state(SEED_GROUP)).not.toContain('tcp 22-22 0.0.0.0/0 (ssh from anywhere)');
});

test('proposing when only near-world rules are left names them instead of saying nothing is open', async () => {
  rig.ec2.seed([...seedRules().filter((r) => !(r.from === 22 && (r.v4 === '0.0.0.0/0' || r.v6 === '::/0'))), ...NEAR_WORLD], {
    [SEED_INSTANCE]: [SEED_GROUP],
  });
  const before = rig.slack.callsTo('chat.postEphemeral').length;
  await interaction(rig.bot.events, proposeSubmission(RH.carol, '203.0.113.0/24', 'V0EXPOSE02', `us-east-1 ${FINDING_ID} ${RH.channel}`));
  const told = await rig.slack.waitFor(() => rig.slack.callsTo('chat.postEphemeral')[before], 5000, 'ephemeral');
  expect(String(told.body.text)).toContain('Port 22 is still reachable through tcp 22 from 0.0.0.0/1; tcp 22 from 128.0.0.0/1');
});
