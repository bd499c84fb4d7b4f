/**
 * What the embedded store's guard (no Origin, SigV4 checked against the process key) costs per request:
 * N PutItem through the SDK client to a dynalite in this process, guarded and bare, one at a time and 16 at a time.
 * Client and server share the process, so the CPU time is both sides'; it is steadier than the wall time on a busy
 * machine.
 *
 *   npm run bench:embedded-auth
 *   BENCH_N=10000 BENCH_ROUNDS=5 npm run bench:embedded-auth
 */
import type { AddressInfo } from 'node:net';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { startDynalite, type EmbeddedCredentials } from '../src/store/embedded';
import { ensureTable } from '../src/store/table';

const N = Number(process.env.BENCH_N ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = [1, 16];

interface Target {
  endpoint: string;
  credentials: EmbeddedCredentials;
  close(): Promise<void>;
}

interface Sample {
  wallMs: number;
  cpuMs: number;
}

/** dynalite as it comes: any credentials do. */
async function bare(): Promise<Target> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    credentials: { accessKeyId: 'embedded', secretAccessKey: 'embedded' },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function run(target: Target, concurrency: number, round: number): Promise<Sample> {
  const client = new DynamoDBClient({ endpoint: target.endpoint, region: 'us-east-1', credentials: target.credentials });
  await ensureTable(client, 'bench');
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < N) {
      const i = next++;
      await client.send(
        new PutItemCommand({
          TableName: 'bench',
          Item: { pk: { S: `r${round}c${concurrency}#${i}` }, sk: { S: 'card' }, body: { S: 'x'.repeat(400) } },
        }),
      );
    }
  };
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  const used = process.cpuUsage(cpu);
  client.destroy();
  return { wallMs, cpuMs: (used.user + used.system) / 1000 };
}

const perRequest = (ms: number): string => `${((ms * 1000) / N).toFixed(0).padStart(5)} µs`;

async function main(): Promise<void> {
  const targets: Record<string, () => Promise<Target>> = { bare, guarded: () => startDynalite() };
  const samples: Record<string, Sample[]> = {};
  // The two alternate so that JIT warm-up and GC fall on both alike; round 0 is a warm-up.
  for (let round = 0; round <= ROUNDS; round++) {
    for (const concurrency of CONCURRENCY) {
      for (const [name, start] of Object.entries(targets)) {
        const target = await start();
        const sample = await run(target, concurrency, round);
        await target.close();
        if (round > 0) (samples[`${name} ${concurrency}`] ??= []).push(sample);
      }
    }
  }
  console.log(`${N} PutItem per run, best of ${ROUNDS} runs after a warm-up (node ${process.version}); per request:`);
  console.log(`${''.padEnd(28)}${'wall'.padStart(8)}${'CPU'.padStart(9)}`);
  for (const concurrency of CONCURRENCY) {
    const best = (name: string, key: keyof Sample): number => Math.min(...(samples[`${name} ${concurrency}`] ?? []).map((s) => s[key]));
    const label = concurrency === 1 ? 'one at a time' : `${concurrency} in flight`;
    for (const name of ['bare', 'guarded']) {
      console.log(
        `${`${label}, ${name}`.padEnd(28)}${perRequest(best(name, 'wallMs')).padStart(8)}${perRequest(best(name, 'cpuMs')).padStart(9)}`,
      );
    }
    const extra = (key: keyof Sample): number => best('guarded', key) - best('bare', key);
    console.log(`${`${label}, guard costs`.padEnd(28)}${perRequest(extra('wallMs')).padStart(8)}${perRequest(extra('cpuMs')).padStart(9)}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
