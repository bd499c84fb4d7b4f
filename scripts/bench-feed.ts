/**
 * Feed benchmark: N findings across 3 regions arrive in one poll, then R recurrences.
 * Real GuardDuty adapter (SDK answered in memory), real dynalite on disk, real WebClient against a local
 * Slack stand-in that enforces 1 chat.postMessage per second per channel (HTTP 429 + Retry-After).
 *
 *   npm run bench:feed                      # 5,000 findings, 500 recurrences
 *   BENCH_FINDINGS=1000 npm run bench:feed  # smaller
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { POST_INTERVAL_MS } from '../src/feed/channel-queue';
import { DynamoStateStore } from '../src/store/dynamo-state-store';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ensureTable } from '../src/store/table';
import { localClientConfig } from '../test/helpers/dynalite';
import { FakeGuardDuty } from '../test/helpers/fake-guardduty';
import { CHANNEL, feedInstance } from '../test/helpers/feed-harness';
import { variant } from '../test/helpers/fixtures';
import { SlackStandIn } from '../test/helpers/slack-stand-in';

const N = Number(process.env.BENCH_FINDINGS ?? 5000);
const R = Number(process.env.BENCH_RECURRENCES ?? 500);
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1'];
/** Share of findings per band; low ones go to the digest. */
const MIX = { critical: 0.01, high: 0.02, medium: 0.03 };
const FIXTURES = ['recon-ec2-portprobe-ssh', 'unauthorizedaccess-ec2-sshbruteforce', 'backdoor-ec2-ccactivity-dns', 'unauthorizedaccess-iamuser-credential-exfiltration', 'policy-s3-bucketblockpublicaccessdisabled'];

function severityFor(i: number): number {
  const r = (i * 7919) % 10_000 / 10_000;
  if (r < MIX.critical) return 9.5;
  if (r < MIX.critical + MIX.high) return 8;
  if (r < MIX.critical + MIX.high + MIX.medium) return 5;
  return 2;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** dynalite in its own process, so the RSS printed below is the bot's (plus the in-memory stand-ins), not the database's. */
async function dynaliteProcess(dir: string) {
  const port = await freePort();
  const child = spawn(process.execPath, [require.resolve('dynalite/cli.js'), '--host', '127.0.0.1', '--port', String(port), '--path', dir, '--createTableMs', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`dynalite exited with ${code}`)));
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('listening')) resolve();
    });
  });
  const client = new DynamoDBClient(localClientConfig(`http://127.0.0.1:${port}`));
  await ensureTable(client, 'bench');
  return {
    doc: DynamoDBDocumentClient.from(client),
    tableName: 'bench',
    stop: async () => {
      client.destroy();
      child.kill();
      await new Promise((r) => child.once('exit', r));
    },
  };
}

async function main(): Promise<void> {
  const baselineRss = process.memoryUsage().rss;
  const dir = mkdtempSync(join(tmpdir(), 'bench-feed-'));
  const db = await dynaliteProcess(dir);
  const dynamoRequests: Record<string, number> = {};
  db.doc.middlewareStack.add(
    (next, context) => (args) => {
      const name = String(context.commandName ?? 'unknown');
      dynamoRequests[name] = (dynamoRequests[name] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  const store = new DynamoStateStore(db.doc, db.tableName);
  const slack = await new SlackStandIn().start();
  slack.postIntervalMs = 1000;
  const gd = new FakeGuardDuty();

  const severity = new Map<string, number>();
  const base = Date.now() - 3 * 3_600_000;
  for (let i = 0; i < N; i++) {
    const id = `b${String(i).padStart(31, '0')}`;
    const sev = severityFor(i);
    severity.set(id, sev);
    gd.put(variant(FIXTURES[i % FIXTURES.length] ?? 'recon-ec2-portprobe-ssh', { id, severity: sev, region: REGIONS[i % REGIONS.length], updatedAt: new Date(base + i * 1000).toISOString(), count: 1 }));
  }
  const urgent = [...severity].filter(([, s]) => s >= 7).map(([id]) => id);
  const cardsExpected = [...severity.values()].filter((s) => s >= 4).length;

  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  const feed = feedInstance(store, slack, { postIntervalMs: POST_INTERVAL_MS, slackRetries: 5, regions: REGIONS });

  const cardIds = () =>
    slack
      .channelMessages(CHANNEL)
      .map((m) => (m.metadata as { event_payload?: { finding_id?: string } } | undefined)?.event_payload?.finding_id)
      .filter((x): x is string => Boolean(x));

  console.log(`feed benchmark: ${N} findings in ${REGIONS.length} regions (${urgent.length} high/critical, ${cardsExpected} at or above medium), then ${R} recurrences`);
  const started = Date.now();
  let urgentDoneMs = Number.NaN;
  const watcher = setInterval(() => {
    if (Number.isNaN(urgentDoneMs)) {
      const posted = new Set(cardIds());
      if (urgent.every((id) => posted.has(id))) urgentDoneMs = Date.now() - started;
    }
  }, 100);
  await Promise.all(REGIONS.map((r) => feed.poller.pollOnce(r)));
  const firstPollMs = Date.now() - started;
  const afterFirst = { ...gd.calls };
  const dynamoAfterFirst = Object.values(dynamoRequests).reduce((a, b) => a + b, 0);
  const writes = () => (dynamoRequests.PutItemCommand ?? 0) + (dynamoRequests.UpdateItemCommand ?? 0) + (dynamoRequests.BatchWriteItemCommand ?? 0);
  const dynamoWritesFirst = writes();
  const cardsAfterFirst = cardIds();

  // Recurrences: the same IDs with a higher count and a newer UpdatedAt.
  gd.resetCalls();
  const recurring = [...severity.keys()].filter((_, i) => i % Math.max(1, Math.floor(N / R)) === 0).slice(0, R);
  const now = Date.now();
  recurring.forEach((id, i) => {
    const f = gd.get(REGIONS[Number(id.slice(1)) % REGIONS.length] ?? '', id);
    if (!f) return;
    f.UpdatedAt = new Date(now + i).toISOString();
    f.Service = { ...f.Service, Count: 5, EventLastSeen: f.UpdatedAt };
  });
  const before2 = Object.values(dynamoRequests).reduce((a, b) => a + b, 0);
  const t2 = Date.now();
  await Promise.all(REGIONS.map((r) => feed.poller.pollOnce(r)));
  await feed.queue.idle();
  const secondPollMs = Date.now() - t2;
  clearInterval(watcher);
  clearInterval(sampler);
  const dynamoSecond = Object.values(dynamoRequests).reduce((a, b) => a + b, 0) - before2;
  const cards = cardIds();

  const floor = (n: number) => Math.ceil(n / 50);
  const perRegionFloor = REGIONS.reduce((sum, _, i) => sum + floor(Math.ceil((N - i) / REGIONS.length)), 0);
  console.log('\nfirst poll (new findings)');
  console.log(`  ListFindings calls            ${afterFirst.ListFindings}   (floor ${perRegionFloor}: ceil(n/50) per region)`);
  console.log(`  GetFindings calls             ${afterFirst.GetFindings}   (floor ${perRegionFloor})`);
  console.log(`  DynamoDB requests             ${dynamoAfterFirst}  = ${(dynamoAfterFirst / N).toFixed(2)} per finding`);
  console.log(`  DynamoDB writes               ${dynamoWritesFirst}  = ${(dynamoWritesFirst / N).toFixed(2)} per new finding`);
  console.log(`  cards posted                  ${cardsAfterFirst.length} for ${cardsExpected} findings at or above medium; ${new Set(cardsAfterFirst).size} unique`);
  console.log(`  time to every high/critical   ${(urgentDoneMs / 1000).toFixed(1)} s for ${urgent.length} cards at 1 msg/s`);
  console.log(`  first poll done               ${(firstPollMs / 1000).toFixed(1)} s`);
  console.log(`  HTTP 429 answers              ${slack.rateLimited}`);
  console.log('\nsecond poll (recurrences)');
  console.log(`  recurring findings            ${recurring.length}`);
  console.log(`  ListFindings / GetFindings    ${gd.calls.ListFindings} / ${gd.calls.GetFindings}   (floor ${REGIONS.reduce((s, _, i) => s + floor(recurring.filter((id) => Number(id.slice(1)) % REGIONS.length === i).length), 0)} each)`);
  console.log(`  DynamoDB requests             ${dynamoSecond} = ${(dynamoSecond / Math.max(1, recurring.length)).toFixed(2)} per recurring finding`);
  console.log(`  new cards                     ${cards.length - cardsAfterFirst.length}`);
  console.log(`  chat.update calls             ${slack.callsTo('chat.update').length}`);
  console.log(`  second poll done              ${(secondPollMs / 1000).toFixed(1)} s`);
  console.log('\ntotals');
  console.log(`  Slack messages per unique finding with a card   ${(cards.length / new Set(cards).size).toFixed(2)}`);
  console.log(`  digest items pending          ${(await store.listDigestItems(CHANNEL)).length}`);
  console.log(`  peak RSS                      ${(peakRss / 1024 / 1024).toFixed(0)} MB (bot with the GuardDuty and Slack stand-ins in one process, dynalite in its own; ${(baselineRss / 1024 / 1024).toFixed(0)} MB after loading the modules)`);
  console.log(`  DynamoDB requests by command  ${JSON.stringify(dynamoRequests)}`);

  gd.restore();
  await slack.close();
  await db.stop();
  rmSync(dir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
