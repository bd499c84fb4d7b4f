import { randomBytes } from 'node:crypto';
import { openSync, readFileSync, statSync, writeSync, closeSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../domain/errors';
import { ApprovalSealer } from '../domain/remediation/seal';

export const SIGNING_KEY_FILE = 'approval-signing.key';

/**
 * APPROVAL_SIGNING_KEY (and the previous key, for rotation) when set; with the embedded store and no key, one
 * generated once into `<dataDir>/approval-signing.key` (mode 0600) and read back at every start.
 */
export function approvalSealer(options: { key?: string; previousKey?: string; dataDir: string }): ApprovalSealer {
  const current = options.key ?? embeddedKey(options.dataDir);
  return new ApprovalSealer(
    Buffer.from(current, 'utf8'),
    options.previousKey === undefined ? undefined : Buffer.from(options.previousKey, 'utf8'),
  );
}

function embeddedKey(dataDir: string): string {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, SIGNING_KEY_FILE);
  try {
    // `wx`: created by exactly one process, never overwritten.
    const fd = openSync(path, 'wx', 0o600);
    try {
      writeSync(fd, randomBytes(48).toString('base64'));
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw keyError(path, err);
  }
  const mode = statSync(path).mode & 0o777;
  if (mode & 0o077) {
    throw new ConfigError(`${path} is readable by others (mode ${mode.toString(8)}); run chmod 600 on it, or set APPROVAL_SIGNING_KEY.`);
  }
  const key = readFileSync(path, 'utf8').trim();
  if (key.length < 32) throw new ConfigError(`${path} holds no usable key (under 32 characters); delete it to have a new one made.`);
  return key;
}

function keyError(path: string, err: unknown): ConfigError {
  return new ConfigError(
    `The approval signing key could not be created at ${path} (${err instanceof Error ? err.message : String(err)}). Set DATA_DIR to a writable directory or set APPROVAL_SIGNING_KEY.`,
  );
}
