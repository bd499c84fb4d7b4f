/**
 * bench:feed's Slack and GuardDuty stand-ins, in a process of their own so that the benchmark's RSS is the
 * bot's. Speaks JSON lines: prints its URLs, then answers commands read from stdin:
 *   {"cmd":"stats"}            → cards posted (finding IDs, in order), updates, 429s, GuardDuty calls
 *   {"cmd":"recur","ids":[…]}  → those findings recur (count 5, UpdatedAt now)
 *   {"cmd":"reset"}            → GuardDuty call counters back to 0
 */
import { createInterface } from 'node:readline';
import { variant } from '../support/helpers/fixtures';
import { GuardDutyHttpStandIn } from '../support/fakes/guardduty/http';
import { SlackStandIn } from '../support/helpers/slack-stand-in';
import { FEED_BENCH, benchFinding } from './bench-feed-data';

async function main(): Promise<void> {
  const slack = await new SlackStandIn().start();
  slack.postIntervalMs = 1000;
  const gd = await new GuardDutyHttpStandIn().start();
  for (let i = 0; i < FEED_BENCH.findings; i++) {
    const f = benchFinding(i);
    gd.put(variant(f.fixture, { id: f.id, severity: f.severity, region: f.region, updatedAt: f.updatedAt, count: 1 }));
  }
  setInterval(() => (gd.requests.length = 0), 1000).unref();
  const say = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
  say({ slackApiUrl: slack.apiUrl, guardduty: gd.endpoint });
  for await (const line of createInterface({ input: process.stdin })) {
    const msg = JSON.parse(line) as { cmd: string; ids?: string[] };
    if (msg.cmd === 'stats') {
      const cards = [...slack.messages.values()].flat().flatMap((m) => {
        const id = (m.metadata as { event_payload?: { finding_id?: string } } | undefined)?.event_payload?.finding_id;
        return id && !m.thread_ts ? [id] : [];
      });
      say({
        cards,
        updates: slack.callsTo('chat.update').length,
        replies: [...slack.messages.values()].flat().filter((m) => m.thread_ts).length,
        rateLimited: slack.rateLimited,
        calls: gd.calls,
      });
      for (const c of slack.calls) c.body = {};
    } else if (msg.cmd === 'recur') {
      const now = Date.now();
      (msg.ids ?? []).forEach((id, i) => {
        const f = benchFinding(Number(id.slice(1)));
        gd.update(f.region, id, (x) => {
          x.UpdatedAt = new Date(now + i).toISOString();
          x.Service = { ...x.Service, Count: 5, EventLastSeen: x.UpdatedAt };
        });
      });
      say({ ok: true });
    } else if (msg.cmd === 'reset') {
      gd.resetCalls();
      say({ ok: true });
    }
  }
  await Promise.all([slack.close(), gd.close()]);
}

void main();
