/**
 * Feed benchmark: N findings across 3 regions arrive in one poll, then R recurrences.
 * The bot's feed (real GuardDuty SDK client, DynamoDB repository, WebClient, queue, publisher, poller) runs in
 * this process; GuardDuty and Slack are HTTP stand-ins in a second process (Slack enforcing 1 chat.postMessage
 * per second per channel with 429 + Retry-After) and dynalite on disk in a third, so the RSS printed is the bot's.
 *
 *   npm run bench:feed                      # 5,000 findings, 500 recurrences (about 6 minutes: 1 message/s)
 *   BENCH_FINDINGS=1000 npm run bench:feed  # smaller
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import pino from 'pino';
import { GuardDutySource } from '../src/aws/guardduty-source';
import { POST_INTERVAL_MS } from '../src/feed/channel-queue';
import { FeedPoller } from '../src/feed/feed-poller';
import { DynamoStateStore } from '../src/store/dynamo-state-store';
import { ensureTable } from '../src/store/table';
import { guardDutyClients } from '../support/helpers/bot-harness';
import { localClientConfig } from '../support/helpers/dynalite';
import { CHANNEL, feedInstance } from '../support/helpers/feed-harness';
import { freePort } from '../support/helpers/free-port';
import { FEED_BENCH, benchFinding } from './bench-feed-data';

const ROOT = join(__dirname, '..');
const { findings: N, recurrences: R, regions: REGIONS } = FEED_BENCH;

interface Stats {
  cards: string[];
  updates: number;
  replies: number;
  rateLimited: number;
  calls: Record<string, number>;
}

async function dynaliteProcess(dir: string) {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [require.resolve('dynalite/cli.js'), '--host', '127.0.0.1', '--port', String(port), '--path', dir, '--createTableMs', '0'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`dynalite exited with ${code}`)));
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('listening')) resolve();
    });
  });
  const client = new DynamoDBClient(localClientConfig(`http://127.0.0.1:${port}`));
  await ensureTable(client, 'bench');
  return { client, doc: DynamoDBDocumentClient.from(client), tableName: 'bench', child };
}

function standIns(base: number) {
  const child: ChildProcess = spawn(
    process.execPath,
    [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(ROOT, 'scripts', 'bench-feed-stand-ins.ts')],
    {
      cwd: ROOT,
      env: { ...process.env, BENCH_BASE: String(base) },
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
  const next = async <T>(): Promise<T> => JSON.parse(String((await lines.next()).value)) as T;
  let chain: Promise<unknown> = Promise.resolve();
  const ask = <T>(msg: object): Promise<T> => {
    const p = chain.then(() => {
      child.stdin?.write(`${JSON.stringify(msg)}\n`);
      return next<T>();
    });
    chain = p.catch(() => undefined);
    return p;
  };
  return { child, first: () => next<{ slackApiUrl: string; guardduty: string }>(), ask };
}

async function main(): Promise<void> {
  const base = Date.now() - 3 * 3_600_000;
  process.env.BENCH_BASE = String(base);
  const stand = standIns(base);
  const urls = await stand.first();
  process.env.AWS_ENDPOINT_URL_GUARDDUTY = urls.guardduty;
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
  const total = () => Object.values(dynamoRequests).reduce((a, b) => a + b, 0);
  const writes = () =>
    (dynamoRequests.PutItemCommand ?? 0) + (dynamoRequests.UpdateItemCommand ?? 0) + (dynamoRequests.BatchWriteItemCommand ?? 0);
  const store = new DynamoStateStore(db.doc, db.tableName);

  const all = Array.from({ length: N }, (_, i) => benchFinding(i, base));
  const urgent = new Set(all.filter((f) => f.severity >= 7).map((f) => f.id));
  const cardsExpected = all.filter((f) => f.severity >= 4).length;

  global.gc?.();
  const baselineRss = process.memoryUsage().rss;
  let peakRss = baselineRss;
  let peakHeap = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 50);
  const feed = feedInstance(store, { apiUrl: urls.slackApiUrl }, { postIntervalMs: POST_INTERVAL_MS, slackRetries: 5, regions: REGIONS });

  console.log(
    `feed benchmark: ${N} findings in ${REGIONS.length} regions (${urgent.size} high/critical, ${cardsExpected} at or above medium), then ${R} recurrences`,
  );
  const started = Date.now();
  let urgentDoneMs = Number.NaN;
  let watching = true;
  const watcher = (async () => {
    while (watching && Number.isNaN(urgentDoneMs)) {
      const s = await stand.ask<Stats>({ cmd: 'stats' });
      const posted = new Set(s.cards);
      if ([...urgent].every((id) => posted.has(id))) urgentDoneMs = Date.now() - started;
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  await Promise.all(REGIONS.map((r) => feed.poller.pollOnce(r)));
  const recordedMs = Date.now() - started;
  await feed.outbox.drain(CHANNEL);
  const firstPollMs = Date.now() - started;
  watching = false;
  await watcher;
  const first = await stand.ask<Stats>({ cmd: 'stats' });
  const dynamoFirst = total();
  const writesFirst = writes();

  await stand.ask({ cmd: 'reset' });
  const step = Math.max(1, Math.floor(N / R));
  const recurring = all.filter((_, i) => i % step === 0).slice(0, R);
  await stand.ask({ cmd: 'recur', ids: recurring.map((f) => f.id) });
  const t2 = Date.now();
  await Promise.all(REGIONS.map((r) => feed.poller.pollOnce(r)));
  await feed.queue.idle();
  const secondPollMs = Date.now() - t2;
  clearInterval(sampler);
  const second = await stand.ask<Stats>({ cmd: 'stats' });
  const dynamoSecond = total() - dynamoFirst;

  // Idle polls: right after the recurrences (their millisecond is still within the listing lag, so it is read
  // again), and once the lag has passed (a poller with no lag stands for the same feed that much later).
  const idlePoll = async (poller: FeedPoller) => {
    await stand.ask({ cmd: 'reset' });
    await Promise.all(REGIONS.map((r) => poller.pollOnce(r)));
    const s = await stand.ask<Stats>({ cmd: 'stats' });
    return `${(s.calls.ListFindings ?? 0) / REGIONS.length} / ${(s.calls.GetFindings ?? 0) / REGIONS.length}`;
  };
  const idleOpen = await idlePoll(feed.poller);
  const settledPoller = new FeedPoller(
    new GuardDutySource(guardDutyClients(), REGIONS),
    store,
    feed.publisher,
    { regions: REGIONS, pollIntervalSeconds: 60, backfillHours: 24, owner: feed.owner, listingLagSeconds: 0 },
    pino({ level: 'silent' }),
  );
  const idleClosing = await idlePoll(settledPoller);
  const idleClosed = await idlePoll(settledPoller);

  const floor = (n: number) => Math.ceil(n / 50);
  const perRegion = (ids: { region: string }[]) => REGIONS.reduce((sum, r) => sum + floor(ids.filter((f) => f.region === r).length), 0);
  const recurringWithCards = recurring.filter((f) => f.severity >= 4).length;
  console.log('\nfirst poll (new findings)');
  console.log(`  ListFindings calls            ${first.calls.ListFindings}   (floor ${perRegion(all)}: ceil(n/50) per region)`);
  console.log(`  GetFindings calls             ${first.calls.GetFindings}   (floor ${perRegion(all)})`);
  console.log(`  DynamoDB requests             ${dynamoFirst}  = ${(dynamoFirst / N).toFixed(2)} per finding`);
  console.log(`  DynamoDB writes               ${writesFirst}  = ${(writesFirst / N).toFixed(2)} per new finding`);
  console.log(
    `  cards posted                  ${first.cards.length} for ${cardsExpected} findings at or above medium; ${new Set(first.cards).size} unique`,
  );
  console.log(`  time to every high/critical   ${(urgentDoneMs / 1000).toFixed(1)} s for ${urgent.size} cards at 1 msg/s per channel`);
  console.log(`  first poll recorded           ${(recordedMs / 1000).toFixed(1)} s (every card in the outbox, the cursor past them)`);
  console.log(`  outbox drained                ${(firstPollMs / 1000).toFixed(1)} s`);
  console.log(`  HTTP 429 answers              ${first.rateLimited}`);
  console.log('\nsecond poll (recurrences)');
  console.log(`  recurring findings            ${recurring.length} (${recurringWithCards} of them have a card)`);
  console.log(
    `  ListFindings / GetFindings    ${second.calls.ListFindings} / ${second.calls.GetFindings}   (floor ${perRegion(recurring)} each)`,
  );
  console.log(
    `  DynamoDB requests             ${dynamoSecond} = ${(dynamoSecond / Math.max(1, recurring.length)).toFixed(2)} per recurring finding`,
  );
  console.log(`  new cards                     ${second.cards.length - first.cards.length}`);
  console.log(`  chat.update calls             ${second.updates - first.updates}`);
  console.log(`  thread replies                ${second.replies - first.replies}`);
  console.log(`  second poll done              ${(secondPollMs / 1000).toFixed(1)} s`);
  console.log('\nGuardDuty calls per idle poll (ListFindings / GetFindings per region; floor 1 / 0)');
  console.log(`  within the listing lag        ${idleOpen}   (the newest millisecond is read again)`);
  console.log(`  first after the lag           ${idleClosing}   (reads it once more, then the cursor moves past it)`);
  console.log(`  after that                    ${idleClosed}`);
  console.log('\ntotals');
  console.log(`  Slack cards per unique finding  ${(second.cards.length / new Set(second.cards).size).toFixed(2)}`);
  console.log(`  digest items pending          ${(await store.listDigestItems(CHANNEL)).length}`);
  console.log(
    `  peak RSS                      ${(peakRss / 1024 / 1024).toFixed(0)} MB (this process: the bot's feed; ${(baselineRss / 1024 / 1024).toFixed(0)} MB before the poll; peak heap used ${(peakHeap / 1024 / 1024).toFixed(0)} MB)`,
  );
  console.log(`  DynamoDB requests by command  ${JSON.stringify(dynamoRequests)}`);

  stand.child.stdin?.end();
  stand.child.kill();
  db.client.destroy();
  db.child.kill();
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
