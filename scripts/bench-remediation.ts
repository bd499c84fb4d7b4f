/**
 * Two-person remediation against the local stand-ins (Slack Web API, dynalite, EC2 and GuardDuty in memory):
 * for each run, a proposal is submitted through the modal, then a second person's signed Approve click is
 * sent; measured are the EC2 calls and the time from sending the click to the outcome reply in the thread.
 * Run: npm run bench:remediation
 */
import { UserRateLimit } from '../src/slack/user-rate-limit';
import { SEED_GROUP, SEED_INSTANCE, seedRules } from '../support/fakes/ec2/seed';
import { variant } from '../support/helpers/fixtures';
import { RH, eventually, proposeSubmission, startRemediationRig } from '../support/helpers/remediation-harness';
import { click, interaction } from '../support/helpers/signed-request';

const RUNS = 20;
const WARMUP = 3;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

function stats(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  return `median ${percentile(sorted, 50).toFixed(1)} ms · p90 ${percentile(sorted, 90).toFixed(1)} ms · max ${(sorted.at(-1) ?? Number.NaN).toFixed(1)} ms`;
}

async function main(): Promise<void> {
  // One approver clicks every run back to back: the per-person pace limit (10 a minute) is lifted for the bench.
  const rig = await startRemediationRig({ LOG_LEVEL: 'silent' }, { actionLimit: new UserRateLimit({ capacity: 1_000_000 }) });
  const { slack, ec2, store, bot } = rig;
  const toOutcome: number[] = [];
  const acks: number[] = [];
  const proposeCalls: number[] = [];
  const approveCalls: number[] = [];
  const approveWrites: number[] = [];
  try {
    for (let i = 0; i < RUNS + WARMUP; i++) {
      const findingId = `bench${String(i).padStart(27, '0')}`;
      rig.gd.put(variant('recon-ec2-portprobe-ssh', { id: findingId }));
      ec2.seed(seedRules(), { [SEED_INSTANCE]: [SEED_GROUP] });

      await interaction(bot.events, proposeSubmission(RH.alice, '203.0.113.0/24', `V0BENCH${i}`, `us-east-1 ${findingId} ${RH.channel}`));
      const proposal = await eventually(async () => (await store.listProposals(findingId)).find((p) => p.messageTs), `proposal ${i}`);
      const planCalls = ec2.calls.length;
      ec2.resetCalls();

      const sentAt = Date.now();
      const res = await click(bot.events, {
        actionId: 'remediation_approve',
        value: `${findingId} ${proposal.id} ${proposal.planDigest ?? ''}`,
        userId: RH.bob,
        channelId: RH.channel,
        responseUrl: slack.responseUrl(`bench${i}`),
        message: { ts: proposal.messageTs ?? '', thread_ts: proposal.threadTs },
      });
      if (res.status !== 200) throw new Error(`approve answered ${res.status}`);
      const reply = await slack.waitFor(
        () =>
          slack
            .callsTo('chat.postMessage')
            .find((c) => c.body.thread_ts === proposal.threadTs && String(c.body.text).includes('executed by the bot')),
        10_000,
        `outcome ${i}`,
      );
      const stored = await store.getProposal(findingId, proposal.id);
      if (stored?.state !== 'executed') throw new Error(`run ${i} ended ${stored?.state}: ${stored?.result?.error?.message ?? ''}`);
      if (i < WARMUP) continue;
      toOutcome.push(reply.at - sentAt);
      acks.push(res.latencyMs);
      proposeCalls.push(planCalls);
      approveCalls.push(ec2.calls.length);
      approveWrites.push(ec2.writes().length);
    }
  } finally {
    await rig.stop();
  }
  const same = (xs: number[]) => (new Set(xs).size === 1 ? String(xs[0]) : `${Math.min(...xs)}–${Math.max(...xs)}`);
  console.log(
    `two-person remediation, ${RUNS} runs after ${WARMUP} warm-up (seed: 22 open to 0.0.0.0/0 and ::/0, 443 open, 22 from 10.0.0.0/8):`,
  );
  console.log(`  EC2 calls at proposal (DescribeInstances, DescribeSecurityGroupRules, 2 DryRun): ${same(proposeCalls)}`);
  console.log(
    `  EC2 calls per remediation after approval: ${same(approveCalls)} (writes: ${same(approveWrites)} = 1 authorize + 2 revokes; reads: the rules before any write + verify)`,
  );
  console.log(`  approve click ack (HTTP response):          ${stats(acks)}`);
  console.log(`  approve click sent → outcome reply posted:  ${stats(toOutcome)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
