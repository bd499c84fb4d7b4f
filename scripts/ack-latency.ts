/**
 * Ack latency of `/guardduty findings high`: 50 signed requests, one after another, to the real
 * HTTP receiver; GuardDuty answered in memory, Slack's Web API by a local stand-in.
 * Run: npm run bench:ack-latency
 */
import { FakeGuardDuty } from '../support/fakes/guardduty/sdk-mock';
import { variant } from '../support/helpers/fixtures';
import { slashCommand } from '../support/helpers/signed-request';
import { SlackStandIn } from '../support/helpers/slack-stand-in';
import { startBot } from '../support/helpers/bot-harness';

const N = 50;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function main(): Promise<void> {
  const slack = await new SlackStandIn().start();
  const gd = new FakeGuardDuty();
  for (let i = 0; i < 200; i++) {
    gd.put(variant('unauthorizedaccess-ec2-sshbruteforce', { id: `a${String(i).padStart(31, '0')}`, severity: 1 + (i % 90) / 10 }));
  }
  const bot = await startBot(slack, { LOG_LEVEL: 'warn' });
  const latencies: number[] = [];
  for (let i = 0; i < N + 5; i++) {
    const res = await slashCommand(bot.events, { text: 'findings high', responseUrl: slack.responseUrl(`r${i}`) });
    if (res.status !== 200) throw new Error(`unexpected status ${res.status}`);
    if (i >= 5) latencies.push(res.latencyMs);
  }
  await slack.waitFor(() => slack.responses.length >= N + 5 && true, 10_000, 'all responses');
  const sorted = [...latencies].sort((a, b) => a - b);
  console.log(`slash command ack latency over ${N} requests (after 5 warm-up):`);
  console.log(`  median ${percentile(sorted, 50).toFixed(2)} ms`);
  console.log(`  p90    ${percentile(sorted, 90).toFixed(2)} ms`);
  console.log(`  worst  ${(sorted[sorted.length - 1] ?? Number.NaN).toFixed(2)} ms`);
  console.log(`  responses delivered via response_url: ${slack.responses.length}`);
  await bot.stop();
  gd.restore();
  await slack.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
