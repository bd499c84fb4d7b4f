/**
 * The feed under a backlog, at Slack's real pace (1 message a second per channel, the stand-in answering 429 to
 * anything faster): a 1,000-card medium backlog in one channel and a critical finding that appears 30 s into its
 * drain, then two routed channels draining side by side. The bot's feed (poller, outbox drainer, publisher,
 * queue) runs as in production on dynalite, the Slack Web API stand-in and GuardDuty in memory.
 *
 *   npm run bench:backlog      # about 90 seconds
 */
import { POST_INTERVAL_MS } from '../src/feed/channel-queue';
import { DynamoStateStore } from '../src/store/dynamo-state-store';
import { FakeGuardDuty } from '../support/fakes/guardduty/sdk-mock';
import { startTestDynamo } from '../support/helpers/dynalite';
import { CHANNEL, feedInstance } from '../support/helpers/feed-harness';
import { variant } from '../support/helpers/fixtures';
import { SlackStandIn } from '../support/helpers/slack-stand-in';

const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 1000);
const POLL_INTERVAL_S = 10;
const CRITICAL_AFTER_S = 30;
const PER_CHANNEL = 20;
const PAYMENTS = 'C0PAYMENTS1';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const id = (prefix: string, n: number) => `${prefix}${String(n).padStart(32 - prefix.length, '0')}`;

/** The cards posted in a channel, with when their (last, successful) chat.postMessage arrived. */
function cardsIn(slack: SlackStandIn, channel: string): { id: string; at: number }[] {
  const idOf = (metadata: unknown) => (metadata as { event_payload?: { finding_id?: string } } | undefined)?.event_payload?.finding_id;
  const lastAt = new Map<string, number>();
  for (const call of slack.callsTo('chat.postMessage')) {
    const fid = idOf(call.body.metadata);
    if (call.body.channel === channel && fid) lastAt.set(fid, call.at);
  }
  return slack
    .channelMessages(channel)
    .flatMap((m) => {
      const fid = idOf(m.metadata);
      return fid ? [{ id: fid, at: lastAt.get(fid) ?? 0 }] : [];
    })
    .sort((a, b) => a.at - b.at);
}

async function lateCritical(): Promise<void> {
  const db = await startTestDynamo();
  const slack = await new SlackStandIn().start();
  slack.postIntervalMs = 1000;
  const gd = new FakeGuardDuty();
  try {
    const store = new DynamoStateStore(db.doc, db.tableName);
    const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
    for (let i = 0; i < BACKLOG; i++)
      gd.put(variant('recon-ec2-portprobe-ssh', { id: id('medium', i), severity: 5, updatedAt: minutesAgo(120 - i / 100) }));
    const feed = feedInstance(store, slack, { regions: ['us-east-1'], postIntervalMs: POST_INTERVAL_MS, slackRetries: 5 });
    const t0 = Date.now();
    const first = await feed.poller.pollOnce('us-east-1');
    const recordedMs = Date.now() - t0;
    feed.outbox.start();
    const drainStart = Date.now();
    let polling = true;
    let polls = 0;
    const poller = (async () => {
      while (polling) {
        await sleep(POLL_INTERVAL_S * 1000);
        if (!polling) break;
        await feed.poller.pollOnce('us-east-1');
        polls++;
      }
    })();
    await sleep(CRITICAL_AFTER_S * 1000);
    const criticalId = id('critical', 1);
    gd.put(variant('unauthorizedaccess-ec2-sshbruteforce', { id: criticalId, severity: 9.5, updatedAt: new Date().toISOString() }));
    const appearedAt = Date.now();
    const posted = await slack.waitFor(() => cardsIn(slack, CHANNEL).find((c) => c.id === criticalId), 60_000, 'the critical card');
    polling = false;
    await feed.outbox.stop();
    await poller;
    const before = cardsIn(slack, CHANNEL).filter((c) => c.at < posted.at).length;
    console.log(`backlog: ${BACKLOG} medium findings into one channel at 1 message/s, a poll every ${POLL_INTERVAL_S} s`);
    console.log(
      `  first poll recorded ${first.outcomes.queued} cards in the outbox in ${(recordedMs / 1000).toFixed(1)} s (cursor moved past all of them)`,
    );
    console.log(
      `  critical finding appeared ${CRITICAL_AFTER_S} s into the drain; its card posted ${((posted.at - appearedAt) / 1000).toFixed(1)} s later ` +
        `(target: within one poll interval + 3 s = ${POLL_INTERVAL_S + 3} s), after ${before} of the backlog's cards, ${polls} polls`,
    );
    console.log(
      `  backlog cards posted by then: ${before} in ${((posted.at - drainStart) / 1000).toFixed(0)} s; the rest stay in the outbox for the next holder`,
    );
  } finally {
    gd.restore();
    await slack.close();
    await db.stop();
  }
}

async function twoChannels(): Promise<void> {
  const db = await startTestDynamo();
  const slack = await new SlackStandIn().start();
  slack.postIntervalMs = 1000;
  const gd = new FakeGuardDuty();
  try {
    const store = new DynamoStateStore(db.doc, db.tableName);
    const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
    for (let i = 0; i < PER_CHANNEL; i++) {
      gd.put(
        variant('recon-ec2-portprobe-ssh', {
          id: id('pay', i),
          severity: 5,
          accountId: '222222222222',
          updatedAt: minutesAgo(60 - i / 10),
        }),
        variant('recon-ec2-portprobe-ssh', { id: id('main', i), severity: 5, updatedAt: minutesAgo(60 - i / 10) }),
      );
    }
    const routes = { rules: [{ accounts: ['222222222222'], channel: PAYMENTS }] };
    const feed = feedInstance(store, slack, { regions: ['us-east-1'], routes, postIntervalMs: POST_INTERVAL_MS, slackRetries: 5 });
    const t0 = Date.now();
    await feed.poll('us-east-1');
    const ms = Date.now() - t0;
    const sequential = (2 * PER_CHANNEL - 1) * POST_INTERVAL_MS;
    console.log(`two routed channels, ${PER_CHANNEL} cards each, drained side by side:`);
    console.log(
      `  all ${cardsIn(slack, CHANNEL).length + cardsIn(slack, PAYMENTS).length} cards posted in ${(ms / 1000).toFixed(1)} s ` +
        `(one channel after the other would take at least ${(sequential / 1000).toFixed(1)} s); HTTP 429 answers: ${slack.rateLimited}`,
    );
  } finally {
    gd.restore();
    await slack.close();
    await db.stop();
  }
}

async function main(): Promise<void> {
  await lateCritical();
  await twoChannels();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
