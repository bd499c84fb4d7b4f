/**
 * The Slack Web API / response_url stand-in and the GuardDuty HTTP stand-in in a process of their own, so that a
 * load generator measuring ack latency is not slowed down by serving them. Prints one JSON line with their URLs,
 * and one with counts so far on SIGUSR2 and on SIGTERM (then exits).
 */
import { variant } from '../support/helpers/fixtures';
import { GuardDutyHttpStandIn } from '../support/fakes/guardduty/http';
import { SlackStandIn } from '../support/helpers/slack-stand-in';

const FINDINGS = Number(process.env.BENCH_FINDINGS ?? 10_000);
const REGIONS = (process.env.BENCH_REGIONS ?? 'us-east-1,us-west-2').split(',');

async function main(): Promise<void> {
  const slack = await new SlackStandIn().start();
  const gd = await new GuardDutyHttpStandIn().start();
  const old = new Date(Date.now() - 3 * 86_400_000).toISOString();
  for (let i = 0; i < FINDINGS; i++) {
    const id = `a${String(i).padStart(31, '0')}`;
    gd.put(
      variant('unauthorizedaccess-ec2-sshbruteforce', {
        id,
        region: REGIONS[i % REGIONS.length],
        severity: 1 + ((i * 37) % 90) / 10,
        updatedAt: old,
      }),
    );
  }
  // Request bodies are not needed here; keeping them would grow without bound under load.
  setInterval(() => {
    gd.requests.length = 0;
    for (const r of slack.responses) r.body = { text: String(r.body.text).slice(0, 200) };
  }, 1000).unref();
  process.stdout.write(`${JSON.stringify({ slackApiUrl: slack.apiUrl, responseBase: slack.responseUrl(''), guardduty: gd.endpoint })}\n`);
  const counts = () => {
    const busy = slack.responses.filter((r) => String(r.body.text).includes('busy')).length;
    process.stdout.write(`${JSON.stringify({ responses: slack.responses.length, busy, guarddutyCalls: gd.calls })}\n`);
  };
  process.on('SIGUSR2', counts);
  process.once('SIGTERM', () => {
    counts();
    void Promise.all([slack.close(), gd.close()]).then(() => process.exit(0));
  });
}

void main();
