/**
 * Ack latency under load: the real bot process (dist/main.js, HTTP receiver, embedded store holding 10,000
 * finding records, GuardDuty answered over HTTP by a local stand-in) against a bare Bolt app that only acks.
 * 50 concurrent clients send signed `/guardduty findings high` and View clicks for 20 s to each, in alternating
 * rounds so that a noisy machine (CPU steal) weighs on both alike; after each round the app's post-ack work is
 * let finish and the CPU it used is charged to that round.
 *
 *   npm run bench:ack      (BENCH_SECONDS, BENCH_ROUNDS, BENCH_CLIENTS, BENCH_FINDINGS to change the load)
 */
import { execSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startDynalite } from '../src/store/embedded';
import { EMBEDDED_TABLE } from '../src/store/open-store';
import { ensureTable } from '../src/store/table';
import { localClientConfig } from '../support/helpers/dynalite';
import { Pool } from 'undici';
import { blockAction, commandForm, signedForm, SIGNING_SECRET } from '../support/helpers/signed-request';
import { freePort } from '../support/helpers/free-port';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 50);
const FINDINGS = Number(process.env.BENCH_FINDINGS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const REGIONS = ['us-east-1', 'us-west-2'];
const ROOT = join(__dirname, '..');

async function waitHealthy(base: string, child: ChildProcess, path = '/healthz'): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`process exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${base}${path}`);
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('process did not become ready');
}

async function seedStore(dataDir: string, ids: { id: string; region: string }[]): Promise<void> {
  const db = await startDynalite({ path: join(dataDir, 'dynamodb') });
  const client = new DynamoDBClient(localClientConfig(db.endpoint));
  await ensureTable(client, EMBEDDED_TABLE);
  const doc = DynamoDBDocumentClient.from(client);
  for (let i = 0; i < ids.length; i += 25) {
    const items = ids.slice(i, i + 25).map(({ id, region }, k) => ({
      PutRequest: {
        Item: {
          pk: `finding#${id}`,
          sk: 'card',
          findingId: id,
          region,
          accountId: '123456789012',
          state: 'posted',
          channel: 'C0FINDINGS1',
          ts: `1700000000.${String(i + k).padStart(6, '0')}`,
          severity: 5,
          updatedAtMs: 0,
          count: 1,
          archived: false,
        },
      },
    }));
    let pending: typeof items = items;
    while (pending.length > 0) {
      const out = await doc.send(new BatchWriteCommand({ RequestItems: { [EMBEDDED_TABLE]: pending } }));
      pending = (out.UnprocessedItems?.[EMBEDDED_TABLE] ?? []) as typeof items;
    }
  }
  client.destroy();
  await db.close();
}

interface Result {
  latencies: number[];
  errors: number;
  /** Commands answered "busy, try again" in the ack itself. */
  busyInAck: number;
  seconds: number;
}

interface Counts {
  responses: number;
  busy: number;
  guarddutyCalls: Record<string, number>;
}

interface StandIns {
  slackApiUrl: string;
  responseBase: string;
  guardduty: string;
  child: ChildProcess;
  /** What the stand-ins have seen so far. */
  counts(): Promise<Counts>;
  /** Resolves with the counts line the child prints on SIGTERM. */
  stop(): Promise<Counts>;
}

async function startStandIns(): Promise<StandIns> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'bench-stand-ins.ts')], {
    cwd: ROOT,
    env: { ...process.env, BENCH_FINDINGS: String(FINDINGS), BENCH_REGIONS: REGIONS.join(',') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  let partial = '';
  const waiters: (() => void)[] = [];
  child.stdout?.on('data', (chunk: Buffer) => {
    partial += chunk.toString();
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts.filter(Boolean));
    for (const w of waiters.splice(0)) w();
  });
  const nextLine = async (): Promise<string> => {
    while (lines.length === 0) await new Promise<void>((r) => waiters.push(r));
    return lines.shift() ?? '';
  };
  const urls = JSON.parse(await nextLine()) as { slackApiUrl: string; responseBase: string; guardduty: string };
  return {
    ...urls,
    child,
    counts: async () => {
      child.kill('SIGUSR2');
      return JSON.parse(await nextLine()) as Counts;
    },
    stop: async () => {
      child.kill('SIGTERM');
      return JSON.parse(await nextLine()) as Counts;
    },
  };
}

/**
 * Closed-loop load: CLIENTS workers, each sending its next request when the last is answered, over an undici
 * Pool of as many keep-alive connections (much cheaper per request than fetch, so the generator takes less of
 * the machine from the app it measures).
 */
async function load(events: string, responseBase: string, refs: string[], seconds = SECONDS): Promise<Result> {
  const url = new URL(events);
  const pool = new Pool(url.origin, { connections: CLIENTS });
  const latencies: number[] = [];
  let errors = 0;
  let busyInAck = 0;
  const stopAt = Date.now() + seconds * 1000;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, worker) => {
      const userId = `U0LOAD${String(worker).padStart(4, '0')}`;
      for (let n = 0; Date.now() < stopAt; n++) {
        const responseUrl = `${responseBase}w${worker}-${n}`;
        const form =
          n % 2 === 0
            ? commandForm({ text: 'findings high', userId, responseUrl })
            : {
                payload: JSON.stringify(
                  blockAction({ actionId: 'finding_view', value: refs[(worker * 7919 + n) % refs.length] ?? '', userId, responseUrl }),
                ),
              };
        const { body, headers } = signedForm(form);
        try {
          const sent = performance.now();
          const res = await pool.request({ path: url.pathname, method: 'POST', headers, body });
          const answer = await res.body.text();
          const latency = performance.now() - sent;
          if (res.statusCode !== 200) errors++;
          else {
            latencies.push(latency);
            if (answer.includes('busy')) busyInAck++;
          }
        } catch {
          errors++;
        }
      }
    }),
  );
  await pool.close();
  return { latencies, errors, busyInAck, seconds: (Date.now() - started) / 1000 };
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

function summary(r: Result) {
  const s = [...r.latencies].sort((a, b) => a - b);
  return {
    median: pct(s, 50),
    p99: pct(s, 99),
    max: s[s.length - 1] ?? Number.NaN,
    throughput: r.latencies.length / r.seconds,
    requests: r.latencies.length,
    errors: r.errors,
  };
}
type Summary = ReturnType<typeof summary> & { cpuMs: number };

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}

/** CPU seconds (user + system) a process and its children have used so far, from /proc; undefined without /proc. */
function cpuSeconds(pid: number | undefined): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    const own = (Number(fields[11]) + Number(fields[12])) / 100;
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
    return children.reduce((sum, child) => sum + (cpuSeconds(child) ?? 0), own);
  } catch {
    return undefined;
  }
}

/** Waits until a process has been idle (under 5 % of a core) for 300 ms: its post-ack work is done. */
async function settled(pid: number | undefined): Promise<void> {
  const deadline = Date.now() + 30_000;
  let last = cpuSeconds(pid);
  if (last === undefined) return void (await new Promise((r) => setTimeout(r, 3000)));
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 300));
    const now = cpuSeconds(pid) ?? 0;
    if (now - last < 0.015) return;
    last = now;
  }
}

interface Side {
  name: string;
  events: string;
  child: ChildProcess;
  latencies: number[];
  errors: number;
  busyInAck: number;
  seconds: number;
  cpu: number;
}

/** One round on one side: load for `seconds`, then wait for its work to finish and charge the CPU it used. */
async function round(side: Side, responseBase: string, refs: string[], seconds: number, standIns?: ChildProcess): Promise<void> {
  const before = cpuSeconds(side.child.pid);
  const standBefore = cpuSeconds(standIns?.pid) ?? 0;
  const genBefore = process.cpuUsage();
  const r = await load(side.events, responseBase, refs, seconds);
  const gen = process.cpuUsage(genBefore);
  const standDuring = (cpuSeconds(standIns?.pid) ?? 0) - standBefore;
  const appDuring = (cpuSeconds(side.child.pid) ?? 0) - (before ?? 0);
  await settled(side.child.pid);
  const after = cpuSeconds(side.child.pid);
  const s = summary(r);
  const share = (cpu: number) => `${((100 * cpu) / r.seconds).toFixed(0)} %`;
  console.log(
    `  ${side.name.padEnd(10)} round: median ${s.median.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms, max ${s.max.toFixed(1)} ms, ${s.throughput.toFixed(0)} req/s; ` +
      `CPU: app ${share(appDuring)}, load generator ${share((gen.user + gen.system) / 1e6)}, stand-ins ${share(standDuring)}`,
  );
  side.latencies.push(...r.latencies);
  side.errors += r.errors;
  side.busyInAck += r.busyInAck;
  side.seconds += r.seconds;
  if (before !== undefined && after !== undefined) side.cpu += after - before;
}

async function main(): Promise<void> {
  console.log('building dist/ …');
  execSync('npm run build --silent', { cwd: ROOT, stdio: 'inherit' });
  const standIns = await startStandIns();
  const refs = Array.from({ length: FINDINGS }, (_, i) => `${REGIONS[i % REGIONS.length] ?? 'us-east-1'} a${String(i).padStart(31, '0')}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-ack-'));
  await seedStore(
    dataDir,
    refs.map((r) => ({ region: r.split(' ')[0] ?? '', id: r.split(' ')[1] ?? '' })),
  );

  const botPort = await freePort();
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: dataDir,
    NODE_NO_WARNINGS: '1',
    SLACK_BOT_TOKEN: 'xoxb-bench-token',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: standIns.slackApiUrl,
    PORT: String(botPort),
    AWS_REGION: 'us-east-1',
    GUARDDUTY_REGIONS: REGIONS.join(','),
    AWS_ENDPOINT_URL_GUARDDUTY: standIns.guardduty,
    AWS_ACCESS_KEY_ID: 'AKIDBENCH',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_EC2_METADATA_DISABLED: 'true',
    FINDINGS_CHANNEL: 'C0FINDINGS1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
  };
  const bot = spawn(
    process.execPath,
    [...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE] : []), join(ROOT, 'dist', 'main.js')],
    { cwd: dataDir, env, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const barePort = await freePort();
  const bare = spawn(process.execPath, [join(ROOT, 'scripts', 'bare-bolt-app.js')], {
    cwd: ROOT,
    env: { ...env, PORT: String(barePort) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitHealthy(`http://127.0.0.1:${botPort}`, bot);
  await waitHealthy(`http://127.0.0.1:${barePort}`, bare, '/slack/events');
  const sides: Side[] = [
    {
      name: 'bot',
      events: `http://127.0.0.1:${botPort}/slack/events`,
      child: bot,
      latencies: [],
      errors: 0,
      busyInAck: 0,
      seconds: 0,
      cpu: 0,
    },
    {
      name: 'bare Bolt',
      events: `http://127.0.0.1:${barePort}/slack/events`,
      child: bare,
      latencies: [],
      errors: 0,
      busyInAck: 0,
      seconds: 0,
      cpu: 0,
    },
  ];
  // Warm-up (JIT, connections, caches), not counted.
  for (const side of sides) await load(side.events, standIns.responseBase, refs.slice(0, 50), 2);
  for (const side of sides) await settled(side.child.pid);
  const before = await standIns.counts();

  console.log(
    `load: ${CLIENTS} clients × ${SECONDS} s on each app, in ${ROUNDS} alternating rounds; half /guardduty findings high, half View clicks; ${FINDINGS} findings in GuardDuty and the store`,
  );
  for (let i = 0; i < ROUNDS; i++)
    for (const side of sides) await round(side, standIns.responseBase, refs, SECONDS / ROUNDS, standIns.child);
  await stopChild(bot);
  await stopChild(bare);

  const [botSide, bareSide] = sides.map((side) => ({
    ...summary(side),
    cpuMs: (1000 * side.cpu) / Math.max(1, side.latencies.length),
  })) as [Summary, Summary];
  const row = (name: string, f: (r: Summary) => string) =>
    console.log(`  ${name.padEnd(34)} ${f(botSide).padStart(12)} ${f(bareSide).padStart(12)}`);
  console.log(`\n  ${''.padEnd(34)} ${'bot'.padStart(12)} ${'bare Bolt'.padStart(12)}`);
  row('ack median (ms)', (r) => r.median.toFixed(1));
  row('ack p99 (ms)', (r) => r.p99.toFixed(1));
  row('ack max (ms)', (r) => r.max.toFixed(1));
  row('throughput (req/s)', (r) => r.throughput.toFixed(0));
  row('requests', (r) => String(r.requests));
  row('errors', (r) => String(r.errors));
  row('server CPU per request (ms)', (r) => (Number.isFinite(r.cpuMs) && r.cpuMs > 0 ? r.cpuMs.toFixed(2) : 'n/a'));
  console.log(`\n  p99 ratio bot / bare: ${(botSide.p99 / bareSide.p99).toFixed(2)}×   (target: p99 < 100 ms and ≤ 2×)`);
  console.log('  (server CPU per request includes the work after the ack: GuardDuty calls, store reads, the response_url post)');
  const after = await standIns.stop();
  const counts = {
    responses: after.responses - before.responses,
    busy: after.busy - before.busy,
    guarddutyCalls: Object.fromEntries(Object.entries(after.guarddutyCalls).map(([op, n]) => [op, n - (before.guarddutyCalls[op] ?? 0)])),
  };
  const botRequests = sides[0]?.latencies.length ?? 0;
  const busyInAck = sides[0]?.busyInAck ?? 0;
  const answered = counts.responses - counts.busy;
  const quiet = botRequests - answered - counts.busy - busyInAck;
  console.log(
    `  bot answers to ${botRequests} requests: ${answered} with content (${(answered / (sides[0]?.seconds ?? 1)).toFixed(0)}/s), ${counts.busy + busyInAck} "busy, try again" (${busyInAck} in the ack, ${counts.busy} by response_url)`,
  );
  console.log(
    `  and ${quiet} clicks left quiet: their clicker had been told "busy" less than 10 s before (each of the ${CLIENTS} clients clicks many times a second)`,
  );
  console.log(`  GuardDuty calls during the bot's rounds: ${JSON.stringify(counts.guarddutyCalls)}`);
  rmSync(dataDir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
