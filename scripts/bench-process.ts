/**
 * The real bot process: `node --max-old-space-size=192 --max-semi-space-size=4 dist/main.js` (as `npm start` runs it) with the embedded
 * store in a temp DATA_DIR, HTTP mode and FINDINGS_CHANNEL set, against GuardDuty and Slack Web API stand-ins in a
 * second process (this file run with `--stand-ins`), so the RSS read from /proc/<pid>/status is the bot's alone.
 *
 *   1. Known findings: BENCH_KNOWN (default 10,000) low-severity findings (no cards) are polled by a first start,
 *      which is then stopped; the measured start reuses its DATA_DIR, so they are in the store.
 *   2. Measured start: time from spawn to /healthz answering 200; idle RSS after the first (empty) poll;
 *      then BENCH_FINDINGS (default 5,000) new findings (1% critical, 2% high, 3% medium) appear and RSS is
 *      sampled every 50 ms until the bot has fetched them all, then for BENCH_AFTER_MS (default 5,000) more.
 *      Cards queue at Slack's 1 message/s per channel; the run does not wait for them to be posted.
 *   3. SIGTERM, and the time until the process exits.
 *
 *   npm run bench:process
 *   BENCH_KNOWN=0 BENCH_FINDINGS=0 npm run bench:process     # start-up only
 *   BENCH_MAIN=/other/dist/main.js BENCH_SKIP_BUILD=1 …      # another build of the bot
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { GuardDutyHttpStandIn } from '../support/fakes/guardduty/http';
import { freePort } from '../support/helpers/free-port';
import { variant } from '../support/helpers/fixtures';
import { SlackStandIn } from '../support/helpers/slack-stand-in';
import { FEED_BENCH, benchFinding } from './bench-feed-data';

const ROOT = join(__dirname, '..');
const KNOWN = Number(process.env.BENCH_KNOWN ?? 10_000);
const NEW = FEED_BENCH.findings;
const AFTER_MS = Number(process.env.BENCH_AFTER_MS ?? 5_000);
const MAIN = process.env.BENCH_MAIN ?? join(ROOT, 'dist', 'main.js');
const CHANNEL = 'C0BENCH001';
const REGIONS = FEED_BENCH.regions;

interface Stats {
  listCalls: number;
  fetched: number;
  cards: number;
}

/** The stand-ins' side: JSON lines in ({"cmd":"put",from,count,low} | {"cmd":"stats"}), JSON lines out. */
async function standIns(): Promise<void> {
  const base = Number(process.env.BENCH_BASE);
  const slack = await new SlackStandIn().start();
  const gd = await new GuardDutyHttpStandIn().start();
  const say = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
  say({ slackApiUrl: slack.apiUrl, guardduty: gd.endpoint });
  for await (const line of createInterface({ input: process.stdin })) {
    const msg = JSON.parse(line) as { cmd: string; from?: number; count?: number; low?: boolean };
    if (msg.cmd === 'put') {
      for (let i = msg.from ?? 0; i < (msg.from ?? 0) + (msg.count ?? 0); i++) {
        const f = benchFinding(i, base);
        const severity = msg.low ? 2 : f.severity;
        gd.put(variant(f.fixture, { id: f.id, severity, region: f.region, updatedAt: f.updatedAt, count: 1 }));
      }
      gd.resetCalls();
      slack.calls.length = 0;
      say({ ok: true });
    } else if (msg.cmd === 'stats') {
      const fetched = gd.requestsTo('GetFindings').reduce((n, r) => n + ((r.body.findingIds as unknown[] | undefined)?.length ?? 0), 0);
      say({ listCalls: gd.calls.ListFindings, fetched, cards: slack.callsTo('chat.postMessage').length } satisfies Stats);
    }
  }
  await Promise.all([slack.close(), gd.close()]);
}

function startStandIns(base: number) {
  const child = spawn(process.execPath, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), __filename, '--stand-ins'], {
    cwd: ROOT,
    env: { ...process.env, BENCH_BASE: String(base) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async <T>(): Promise<T> => JSON.parse(String((await lines.next()).value)) as T;
  let chain: Promise<unknown> = Promise.resolve();
  const ask = <T>(msg: object): Promise<T> => {
    const p = chain.then(() => {
      child.stdin.write(`${JSON.stringify(msg)}\n`);
      return next<T>();
    });
    chain = p.catch(() => undefined);
    return p;
  };
  return { child, urls: next<{ slackApiUrl: string; guardduty: string }>(), ask };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const row = (label: string, value: string) => console.log(`  ${label.padEnd(32)} ${value}`);
const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;

/** VmRSS and VmHWM (peak) of `pid`, in kB. */
function memory(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/** The V8 flags `npm start` and the Docker image use; BENCH_NODE_FLAGS tries others. */
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '--max-old-space-size=192 --max-semi-space-size=4').split(' ').filter(Boolean);

interface Bot {
  child: ChildProcess;
  pid: number;
  readyMs: number;
  exited: Promise<number | null>;
}

async function startBot(env: NodeJS.ProcessEnv, port: number): Promise<Bot> {
  const started = performance.now();
  const child = spawn(process.execPath, [...NODE_FLAGS, MAIN], {
    cwd: env.DATA_DIR,
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  for (;;) {
    if (gone) throw new Error('the bot exited before /healthz answered');
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await sleep(10);
  }
  return { child, pid: child.pid ?? 0, readyMs: performance.now() - started, exited };
}

async function stopBot(bot: Bot): Promise<{ ms: number; code: number | null }> {
  const t = performance.now();
  bot.child.kill('SIGTERM');
  const killer = setTimeout(() => bot.child.kill('SIGKILL'), 30_000);
  const code = await bot.exited;
  clearTimeout(killer);
  return { ms: performance.now() - t, code };
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function main(): Promise<void> {
  if (!process.env.BENCH_SKIP_BUILD) execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  // Every finding lies between the backfill horizon (24 h) and the listing lag (5 min) before now.
  const base = Date.now() - 6 * 3_600_000;
  const stand = startStandIns(base);
  const urls = await stand.urls;
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-process-'));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    NODE_NO_WARNINGS: '1', // Node 20: the AWS SDK's version notice
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    SLACK_BOT_TOKEN: 'xoxb-bench',
    SLACK_SIGNING_SECRET: 'bench-signing-secret',
    SLACK_API_URL: urls.slackApiUrl,
    PORT: String(port),
    AWS_REGION: 'us-east-1',
    GUARDDUTY_REGIONS: REGIONS.join(','),
    AWS_ACCESS_KEY_ID: 'AKIDBENCH',
    AWS_SECRET_ACCESS_KEY: 'bench-secret',
    AWS_ENDPOINT_URL_GUARDDUTY: urls.guardduty,
    FINDINGS_CHANNEL: CHANNEL,
    POLL_INTERVAL_SECONDS: process.env.BENCH_POLL_INTERVAL_SECONDS ?? '2',
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  };
  const stats = () => stand.ask<Stats>({ cmd: 'stats' });
  const pollTimeoutMs = Number(process.env.BENCH_POLL_TIMEOUT_MS ?? 600_000);
  console.log(`real process: ${MAIN}, embedded store in ${dataDir}, ${KNOWN} known findings, ${NEW} new in one poll`);

  try {
    if (KNOWN > 0) {
      await stand.ask({ cmd: 'put', from: 0, count: KNOWN, low: true });
      const t = performance.now();
      const first = await startBot(env, port);
      await until('the known findings to be polled', async () => (await stats()).fetched >= KNOWN, pollTimeoutMs);
      await sleep(3000); // the last batch's writes and the cursor
      const stop = await stopBot(first);
      console.log(
        `\nknown findings: ${KNOWN} polled and recorded by a first start in ${((performance.now() - t) / 1000).toFixed(1)} s (ready ${first.readyMs.toFixed(0)} ms, stopped in ${stop.ms.toFixed(0)} ms)`,
      );
    }

    await stand.ask({ cmd: 'put', from: KNOWN, count: 0 });
    const bot = await startBot(env, port);
    const ready = memory(bot.pid);
    await until('the first (empty) poll of every region', async () => (await stats()).listCalls >= REGIONS.length, 60_000);
    await sleep(1000);
    const idle = memory(bot.pid);
    console.log(`\nmeasured start (${KNOWN} findings known)`);
    row(`spawn → /healthz 200`, `${bot.readyMs.toFixed(0)} ms   (target < 2,000 ms)`);
    row(`RSS at ready`, `${mb(ready.rss)}`);
    row(`idle RSS after first poll`, `${mb(idle.rss)}   (VmHWM so far ${mb(idle.hwm)})`);

    if (NEW > 0) {
      let peak = idle.rss;
      const sampler = setInterval(() => (peak = Math.max(peak, memory(bot.pid).rss)), 50);
      const t = performance.now();
      await stand.ask({ cmd: 'put', from: KNOWN, count: NEW });
      await until('the new findings to be fetched', async () => (await stats()).fetched >= NEW, pollTimeoutMs);
      const fetchedMs = performance.now() - t;
      const peakDuring = peak;
      await sleep(AFTER_MS);
      clearInterval(sampler);
      const after = memory(bot.pid);
      const s = await stats();
      console.log(`\nfirst poll with ${NEW} new findings (cards queue at 1 message/s)`);
      row(`all fetched after`, `${(fetchedMs / 1000).toFixed(1)} s`);
      row(`peak RSS while fetching`, `${mb(peakDuring)}   (sampled every 50 ms; target < 150 MB)`);
      row(`peak RSS incl. ${AFTER_MS} ms after`, `${mb(peak)}   (VmHWM ${mb(after.hwm)})`);
      row(`RSS ${AFTER_MS} ms after fetch`, `${mb(after.rss)}`);
      row(`cards posted by then`, `${s.cards}`);
    }

    const stop = await stopBot(bot);
    console.log('');
    row('SIGTERM → exit', `${stop.ms.toFixed(0)} ms (exit code ${String(stop.code)}; 1 after 9.5 s: did not stop in time)`);
  } finally {
    stand.child.stdin.end();
    stand.child.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--stand-ins')) void standIns();
else
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
