import pino from 'pino';
import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';

/** Paths pino replaces with [Redacted]: tokens, secrets, response URLs, trigger IDs, credentials. */
export const REDACT_PATHS = [
  'token',
  '*.token',
  '*.*.token',
  'botToken',
  '*.botToken',
  '*.*.botToken',
  'appToken',
  '*.appToken',
  '*.*.appToken',
  'signingSecret',
  '*.signingSecret',
  '*.*.signingSecret',
  'response_url',
  '*.response_url',
  '*.*.response_url',
  'responseUrl',
  '*.responseUrl',
  'trigger_id',
  '*.trigger_id',
  '*.*.trigger_id',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'headers["x-slack-signature"]',
  '*.headers["x-slack-signature"]',
  'credentials',
  '*.credentials',
  'accessKeyId',
  '*.accessKeyId',
  'secretAccessKey',
  '*.secretAccessKey',
  'sessionToken',
  '*.sessionToken',
];

const SECRET_PATTERNS: [RegExp, string][] = [
  [/xox[abeposr]-[A-Za-z0-9-]+/g, 'xox*-[Redacted]'],
  [/xapp-[A-Za-z0-9-]+/g, 'xapp-[Redacted]'],
  [/https:\/\/hooks\.slack\.com\/[^\s"']+/g, 'https://hooks.slack.com/[Redacted]'],
];

/** Removes token-looking strings from free text (Bolt's own log lines are plain strings). */
export function scrubSecrets(text: string): string {
  return SECRET_PATTERNS.reduce((acc, [re, replacement]) => acc.replace(re, replacement), text);
}

export function createLogger(level: string, destination?: pino.DestinationStream): pino.Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[Redacted]' },
      base: { app: 'guardduty-chatops' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

const BOLT_LEVELS: Record<string, LogLevel> = {
  trace: LogLevel.DEBUG,
  debug: LogLevel.DEBUG,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
  error: LogLevel.ERROR,
  fatal: LogLevel.ERROR,
  silent: LogLevel.ERROR,
};

function joinArgs(args: unknown[]): string {
  return scrubSecrets(
    args
      .map((a) => (typeof a === 'string' ? a : a instanceof Error ? `${a.name}: ${a.message}` : safeJson(a)))
      .join(' '),
  );
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** Bolt's Logger interface, writing through the same pino (and its redaction). */
export function boltLogger(root: pino.Logger): BoltLogger {
  let log = root.child({ component: 'bolt' });
  return {
    debug: (...args: unknown[]) => log.debug(joinArgs(args)),
    info: (...args: unknown[]) => log.info(joinArgs(args)),
    warn: (...args: unknown[]) => log.warn(joinArgs(args)),
    error: (...args: unknown[]) => log.error(joinArgs(args)),
    setLevel: (level: LogLevel) => {
      log.level = level;
    },
    getLevel: () => BOLT_LEVELS[log.level] ?? LogLevel.INFO,
    setName: (name: string) => {
      const level = log.level;
      log = root.child({ component: name });
      log.level = level;
    },
  };
}
