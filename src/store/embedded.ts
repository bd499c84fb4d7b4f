import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import dynalite from 'dynalite';
import { Level } from 'level';
import { StoreUnavailableError } from '../domain/errors';
import { guard } from './embedded-guard';

/** Static credentials for the SDK client of the embedded store. */
export interface EmbeddedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface EmbeddedDynamo {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  /** The only credentials the server accepts: sign every request with them. */
  credentials: EmbeddedCredentials;
  close(): Promise<void>;
}

/**
 * Drawn once per process and never written anywhere: a client outside this process (another program on the
 * machine, a web page that found the port) cannot sign a request the embedded store accepts.
 */
const PROCESS_CREDENTIALS: Readonly<EmbeddedCredentials> = Object.freeze({
  accessKeyId: `EMBEDDED${randomBytes(10).toString('hex').toUpperCase()}`,
  secretAccessKey: randomBytes(32).toString('base64url'),
});

/** The credentials every embedded store started by this process accepts, and the only ones. */
export function embeddedCredentials(): EmbeddedCredentials {
  return { ...PROCESS_CREDENTIALS };
}

/** dynalite in-process, storing its data under `<dataDir>/dynamodb`, on an ephemeral loopback port. */
export async function startEmbeddedDynamo(dataDir: string): Promise<EmbeddedDynamo> {
  const path = join(dataDir, 'dynamodb');
  assertWritable(path);
  await assertOpenable(path);
  return startDynalite({ path });
}

/**
 * Starts dynalite on 127.0.0.1 with tables ACTIVE at once; in memory unless `path` is given.
 * It answers only requests signed (SigV4) with this process's credentials and carrying no `Origin` header:
 * dynalite itself checks no signature and answers any browser with `Access-Control-Allow-Origin: *`.
 */
export async function startDynalite(options: { path?: string } = {}): Promise<EmbeddedDynamo> {
  const server = dynalite({ ...options, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  guard(server, PROCESS_CREDENTIALS);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    credentials: embeddedCredentials(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
      }),
  };
}

function assertWritable(dir: string): void {
  const probeFile = join(dir, `.write-test-${process.pid}`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(probeFile, '');
    rmSync(probeFile);
  } catch (err) {
    throw new StoreUnavailableError(
      `The embedded DynamoDB cannot write to ${dir} (${err instanceof Error ? err.message : String(err)}). ` +
        'Set DATA_DIR to a writable directory, or point the bot at a DynamoDB table.',
      { cause: err },
    );
  }
}

/**
 * dynalite opens LevelDB lazily and crashes the process (an unhandled stream error) when the database is locked,
 * so open it once here to report a lock or corruption clearly.
 */
async function assertOpenable(path: string): Promise<void> {
  const db = new Level(path);
  try {
    await db.open();
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause ?? err;
    throw new StoreUnavailableError(
      `The embedded DynamoDB cannot open its data in ${path} (${cause instanceof Error ? cause.message : String(cause)}). ` +
        'Another bot process may be using the same DATA_DIR: stop it, or set DATA_DIR to another directory.',
      { cause: err },
    );
  }
  await db.close();
}
