/**
 * AWS requests per containment playbook through the whole Slack path: the real Bolt app with signed requests,
 * the bot's real executors and SDK clients against the IAM, EC2 and S3 wire stand-ins, dynalite, the Slack stand-in.
 * For each playbook and run: the Propose fix click (the modal's live preview), the modal's submission (the plan
 * computed again and stored), a second person's Approve (apply), Revert, and the revert's Approve. Requests are
 * counted by the stand-in (retries and DryRun included).
 * Run: npm run bench:remediation (after the restrict-ingress figures)
 */
import { UserRateLimit } from '../src/slack/user-rate-limit';
import type { Proposal } from '../src/domain/proposal';
import {
  accessKeyScenario,
  bucketScenario,
  isolateScenario,
  releaseEc2Mock,
  roleScenario,
  scenarioFindingId,
  startPlaybookStandIns,
  type PlaybookScenario,
  type PlaybookStandIns,
} from '../support/helpers/playbook-scenarios';
import { RH, eventually, proposeSubmission, startRemediationRig, type RemediationRig } from '../support/helpers/remediation-harness';
import { click, interaction } from '../support/helpers/signed-request';

const RUNS = 8;
const WARMUP = 2;

interface Phase {
  calls: number;
  writes: number;
}

interface Figures {
  preview: Phase;
  propose: Phase;
  apply: Phase;
  revertPropose: Phase;
  revertApply: Phase;
  clickToOutcomeMs: number;
}

const PLAYBOOKS: { name: string; make: (s: PlaybookStandIns, id: string) => PlaybookScenario; floors: string }[] = [
  {
    name: 'deactivate-access-key',
    make: accessKeyScenario,
    floors: 'preview 1 + 1 per key (ListAccessKeys, GetAccessKeyLastUsed each); apply 3 (read, UpdateAccessKey, read back); revert 3',
  },
  {
    name: 'revoke-role-sessions',
    make: roleScenario,
    floors:
      'preview 2 (GetRole, ListRolePolicies; GetRolePolicy when the policy exists); apply 3 (GetRolePolicy, PutRolePolicy, read back); revert 3',
  },
  {
    name: 'isolate-instance',
    make: isolateScenario,
    floors:
      'preview 3 reads + 4 DryRun; apply 8 writes (group create, egress revoke, tag; 1 per ENI; 1 snapshot per volume; instance tag) and 19 reads ' +
      '(7 before, 4 inside the writes: the group looked up before and after creating it, each volume before its snapshot; 8 read back); ' +
      'reading the steps in one DescribeInstances/DescribeSnapshots would bring the reads near 4; revert 1 write per ENI',
  },
  {
    name: 'block-bucket-public-access',
    make: bucketScenario,
    floors: 'preview 3 (block, website, policy status); apply 3 (read, PutPublicAccessBlock, read back); revert 3',
  },
];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function settled(rig: RemediationRig, findingId: string, id: string): Promise<Proposal> {
  return eventually(
    async () => {
      const p = await rig.store.getProposal(findingId, id);
      return p && p.state !== 'proposed' && p.state !== 'executing' ? p : undefined;
    },
    `proposal ${id} settled`,
    20_000,
  );
}

async function oneRun(rig: RemediationRig, s: PlaybookScenario, run: number): Promise<Figures> {
  const press = (actionId: string, value: string, userId: string, name: string) =>
    click(rig.bot.events, { actionId, value, userId, channelId: RH.channel, responseUrl: rig.slack.responseUrl(name) });
  const phase = (): Phase => ({ calls: s.calls(), writes: s.writes() });

  rig.gd.put(s.finding);
  s.resetCalls();
  const updates = rig.slack.callsTo('views.update').length;
  await press('remediation_propose', `us-east-1 ${s.findingId} ${s.playbook}`, RH.alice, `p${run}${s.findingId}`);
  await rig.slack.waitFor(() => rig.slack.callsTo('views.update').length > updates, 20_000, 'preview');
  const preview = phase();

  s.resetCalls();
  const meta = `us-east-1 ${s.findingId} ${s.playbook} ${RH.channel}`;
  const payload = proposeSubmission(RH.alice, '', `V0PB${run}${s.findingId.slice(-6)}`, meta);
  const view = payload.view as Record<string, unknown>;
  await interaction(rig.bot.events, { ...payload, view: { ...view, callback_id: 'remediation_containment_view', state: { values: {} } } });
  const proposal = await eventually(
    async () => (await rig.store.listProposals(s.findingId)).find((p) => p.kind === 'remediate' && p.messageTs),
    'proposal posted',
    20_000,
  );
  const propose = phase();

  s.resetCalls();
  const sentAt = Date.now();
  await press('remediation_approve', `${s.findingId} ${proposal.id} ${proposal.planDigest ?? ''}`, RH.bob, `a${run}${s.findingId}`);
  const done = await settled(rig, s.findingId, proposal.id);
  if (done.state !== 'executed') throw new Error(`${s.playbook} run ${run} ended ${done.state}: ${done.result?.error?.message ?? ''}`);
  const reply = await rig.slack.waitFor(
    () =>
      rig.slack
        .callsTo('chat.postMessage')
        .find((c) => c.body.thread_ts === proposal.threadTs && String(c.body.text).includes(`${proposal.id}\` executed by the bot`)),
    20_000,
    'outcome reply',
  );
  const apply = phase();

  s.resetCalls();
  await press('remediation_revert', `${s.findingId} ${proposal.id}`, RH.carol, `r${run}${s.findingId}`);
  const revert = await eventually(
    async () => (await rig.store.listProposals(s.findingId)).find((p) => p.kind === 'revert' && p.messageTs),
    'revert posted',
    20_000,
  );
  const revertPropose = phase();
  s.resetCalls();
  await press('remediation_approve', `${s.findingId} ${revert.id} ${revert.planDigest ?? ''}`, RH.bob, `ra${run}${s.findingId}`);
  const undone = await settled(rig, s.findingId, revert.id);
  if (undone.state !== 'executed') throw new Error(`${s.playbook} revert ${run} ended ${undone.state}`);
  return { preview, propose, apply, revertPropose, revertApply: phase(), clickToOutcomeMs: reply.at - sentAt };
}

function same(xs: number[]): string {
  return new Set(xs).size === 1 ? String(xs[0]) : `${Math.min(...xs)}–${Math.max(...xs)}`;
}

function phaseText(runs: Figures[], key: keyof Omit<Figures, 'clickToOutcomeMs'>): string {
  return `${same(runs.map((r) => r[key].calls))} (${same(runs.map((r) => r[key].writes))} writes)`;
}

async function main(): Promise<void> {
  const stands = await startPlaybookStandIns();
  const rig = await startRemediationRig(
    { LOG_LEVEL: 'silent' },
    { steps: stands.steps, actionLimit: new UserRateLimit({ capacity: 1_000_000 }) },
  );
  releaseEc2Mock(rig);
  try {
    console.log(
      `containment playbooks through Slack, ${RUNS} runs each after ${WARMUP} warm-up (AWS requests by the stand-ins, retries and DryRun included):`,
    );
    for (const [index, pb] of PLAYBOOKS.entries()) {
      const runs: Figures[] = [];
      for (let i = 0; i < RUNS + WARMUP; i++) {
        const s = pb.make(stands, scenarioFindingId(`pb${index}`, i));
        const figures = await oneRun(rig, s, i);
        if (i >= WARMUP) runs.push(figures);
      }
      const ms = runs.map((r) => r.clickToOutcomeMs).sort((a, b) => a - b);
      console.log(`  ${pb.name}`);
      console.log(`    preview (Propose fix click)   ${phaseText(runs, 'preview')}`);
      console.log(`    propose (modal submitted)     ${phaseText(runs, 'propose')}`);
      console.log(`    apply (second person's click) ${phaseText(runs, 'apply')}`);
      console.log(`    revert proposed               ${phaseText(runs, 'revertPropose')}`);
      console.log(`    revert applied                ${phaseText(runs, 'revertApply')}`);
      console.log(`    approve click → outcome reply median ${percentile(ms, 50)} ms, max ${ms.at(-1)} ms`);
      console.log(`    floor: ${pb.floors}`);
    }
  } finally {
    await rig.stop();
    await stands.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
