import pino from 'pino';
import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';

const CENSOR = '[Redacted]';

/**
 * Keys whose string values (or lists of strings) are secret wherever they appear: Slack's verification
 * `token`, `trigger_id` and `response_url` (`responseUrl`…), any *token* / *secret* / *signature* /
 * *authorization* / *password* / *credential* key (botToken, x-slack-signature, aws_secret_access_key,
 * SecretAccessKey, SessionToken…) and AWS key IDs. Matched without regard to case.
 * `private_metadata` is not among them: this app keeps only a finding reference and a channel there.
 */
const KEY = String.raw`[A-Za-z0-9_-]*(?:token|secret|signature|authorization|password|passphrase|credential)[A-Za-z0-9_-]*|trigger_?id|response_?url|[A-Za-z0-9_-]*access_?key_?id`;
const JSON_STRING = String.raw`"(?:[^"\\]|\\.)*"`;
/** `"key": "value"` (or `"key": ["v1", "v2"]`) in JSON text: a log line, or a payload Bolt logs as text. */
const JSON_KEY = new RegExp(String.raw`"(${KEY})"\s*:\s*(?:${JSON_STRING}|\[\s*(?:${JSON_STRING}\s*(?:,\s*${JSON_STRING}\s*)*)?\])`, 'gi');
/** The same inside a JSON string (a payload logged as a string field of a JSON line): `\"key\":\"value\"`. */
const ESCAPED_JSON_KEY = new RegExp(String.raw`\\"(${KEY})\\"\s*:\s*\\"(?:[^"\\]|\\\\\\\\|\\\\\\"|\\\\[^"\\])*\\"`, 'gi');
/** A key of `key=value` in form bodies, query strings and config dumps (and the `ticket` of a Socket Mode URL). */
const FORM_KEY = new RegExp(String.raw`^(?:${KEY}|ticket)$`, 'i');
/**
 * Keys whose whole object is secret: credentials (`{accessKeyId, secretAccessKey, sessionToken}`), and a
 * view's or message's input state (`"state":{"values":{…}}`: whatever people typed into the modal).
 */
const STATE = /"state"\s*:\s*(?=\{\s*"values"\s*:)/g;
const CREDENTIALS = /"[A-Za-z0-9_-]*[Cc]redentials?"\s*:\s*(?=[{[])/g;
/** A JSON string literal, and the same keys escaped inside one (a payload stringified inside another). */
const STRING_LITERAL = new RegExp(JSON_STRING, 'g');
const ESCAPED_WHOLE_VALUE = /\\"(?:[A-Za-z0-9_-]*[Cc]redentials?|state)\\"\s*:\s*[{[]/;

/** Secrets recognisable by shape wherever they appear, whatever the key (or none, in free text). */
const SECRET_PATTERNS: [RegExp, string][] = [
  [/xox[a-z](?:\.xox[a-z])?-[A-Za-z0-9-]+/g, 'xox*-[Redacted]'],
  [/xapp-[A-Za-z0-9-]+/g, 'xapp-[Redacted]'],
  // Response URLs and webhooks, also as Slack writes them in raw JSON (https:\/\/hooks.slack.com\/…) and escaped again.
  [/https?:(?:\\*\/){2}hooks\.slack(?:-gov)?\.com(?:\\*\/)(?:[^\s"'<>\\]|\\+\/)*/g, 'https://hooks.slack.com/[Redacted]'],
  [/\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, CENSOR],
  // A request signature (x-slack-signature: v0=<hex>).
  [/\bv0=[0-9a-f]{64}\b/g, `v0=${CENSOR}`],
];

/**
 * Cheap test for "might hold a secret", run on every line; lines without any of these are returned as they
 * are. Case variants are spelled out: a case-insensitive regex costs twice as much here.
 */
const TRIGGER =
  /xox|xapp-|hooks\.slack|AKIA|ASIA|v0=|[Tt]oken|TOKEN|[Ss]ecret|SECRET|[Ss]ignature|SIGNATURE|[Aa]uthoriz|AUTHORIZ|[Pp]ass(?:word|phrase)|PASS(?:WORD|PHRASE)|[Cc]redential|CREDENTIAL|[Tt]rigger_?(?:[Ii]d|ID)|TRIGGER_ID|[Rr]esponse_?(?:[Uu]rl|URL)|RESPONSE_URL|[Aa]ccess_?[Kk]ey_?(?:[Ii]d|ID)|ACCESS_KEY_ID|ticket|"state"/;

/** Exact values to scrub (the configured tokens and signing secret), whatever shape or key they turn up in. */
const knownSecrets: string[] = [];

/** Adds values (at least 8 characters) that must never appear in a log line. */
export function redactValues(...values: (string | undefined)[]): void {
  for (const v of values) if (v && v.length >= 8 && !knownSecrets.includes(v)) knownSecrets.push(v);
}

/** Index just past the bracket that closes the one at `open` (strings and escapes respected), or the end. */
function closingBracket(text: string, open: number): number {
  let depth = 0;
  let inString = false;
  for (let i = open; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) depth++;
    else if ((c === 125 || c === 93) && --depth === 0) return i + 1;
  }
  return text.length;
}

/** Replaces the object (or array) after each match of `key` with "[Redacted]" (to the end of the text if cut off). */
function redactWholeValues(text: string, key: RegExp): string {
  let out = '';
  let from = 0;
  key.lastIndex = 0;
  for (let m = key.exec(text); m; m = key.exec(text)) {
    const open = m.index + m[0].length;
    const close = closingBracket(text, open);
    out += `${text.slice(from, open)}"${CENSOR}"`;
    from = close;
    key.lastIndex = close;
  }
  return from === 0 ? text : out + text.slice(from);
}

const isKeyChar = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45;
/** Where a `key=value` value ends: & , ; ) < > quotes, backslash (an escape in JSON text) or whitespace. */
const isValueEnd = (c: number) =>
  c === 38 || c === 44 || c === 59 || c === 41 || c === 60 || c === 62 || c === 34 || c === 39 || c === 92 || c <= 32;

/** Redacts the values of secret keys in `key=value` pairs: found from each `=`, so text without one costs a scan. */
function redactFormValues(text: string): string {
  let out = '';
  let from = 0;
  for (let eq = text.indexOf('='); eq >= 0; eq = text.indexOf('=', eq + 1)) {
    let keyEnd = eq;
    while (keyEnd > 0 && text.charCodeAt(keyEnd - 1) === 32) keyEnd--;
    let keyStart = keyEnd;
    while (keyStart > 0 && isKeyChar(text.charCodeAt(keyStart - 1))) keyStart--;
    let valueStart = eq + 1;
    while (valueStart < text.length && text.charCodeAt(valueStart) === 32) valueStart++;
    let valueEnd = valueStart;
    while (valueEnd < text.length && !isValueEnd(text.charCodeAt(valueEnd))) valueEnd++;
    if (keyStart === keyEnd || valueEnd === valueStart || keyStart < from || !FORM_KEY.test(text.slice(keyStart, keyEnd))) continue;
    if (text.startsWith(CENSOR, valueStart)) continue;
    out += `${text.slice(from, valueStart)}${CENSOR}`;
    from = valueEnd;
    eq = valueEnd - 1;
  }
  return from === 0 ? text : out + text.slice(from);
}

function scrubStringLiteral(literal: string): string {
  if (!ESCAPED_WHOLE_VALUE.test(literal)) return literal;
  try {
    return JSON.stringify(scrubSecrets(JSON.parse(literal) as string));
  } catch {
    return literal;
  }
}

/**
 * Removes secrets from text: JSON (whole log lines, or payloads Bolt and Socket Mode log as text) by key,
 * credentials and view state whole, form and query strings by key, tokens, response URLs and AWS key IDs by
 * shape, and the configured secrets by value, at any depth. Replacements keep JSON valid. Text with nothing
 * suspicious is returned as it is.
 */
export function scrubSecrets(text: string): string {
  let known = false;
  for (const s of knownSecrets) if (text.includes(s)) known = true;
  if (!known && !TRIGGER.test(text)) return text;
  let out = text.includes('"state"') ? redactWholeValues(text, STATE) : text;
  if (out.includes('redential')) out = redactWholeValues(out, CREDENTIALS);
  // The same inside a payload stringified into this text: scrubbed unescaped, then escaped again.
  if (ESCAPED_WHOLE_VALUE.test(out)) out = out.replace(STRING_LITERAL, scrubStringLiteral);
  out = out.replace(JSON_KEY, `"$1":"${CENSOR}"`).replace(ESCAPED_JSON_KEY, `\\"$1\\":\\"${CENSOR}\\"`);
  out = redactFormValues(out);
  for (const [re, replacement] of SECRET_PATTERNS) out = out.replace(re, replacement);
  if (known) for (const s of knownSecrets) out = out.split(s).join(CENSOR);
  return out;
}

/**
 * A pino logger whose every finished line (every level, every child, Bolt's and Socket Mode's included) goes
 * through `scrubSecrets`. That replaces pino's path redaction, which covered fewer keys, only at the depths
 * listed, and with its 40 wildcard paths cost about seven times the rest of writing a line.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): pino.Logger {
  return pino(
    {
      level,
      base: { app: 'guardduty-chatops' },
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: { streamWrite: scrubSecrets },
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

/** `JSON.stringify` that survives cycles (an object seen before is marked [Circular]) and BigInts, for what Bolt hands the logger. */
function safeJson(value: unknown): string {
  const seen = new WeakSet<object>();
  try {
    return (
      JSON.stringify(value, (_key, v: unknown) => {
        if (typeof v === 'bigint') return v.toString();
        if (typeof v === 'object' && v !== null) {
          if (seen.has(v)) return '[Circular]';
          seen.add(v);
        }
        return v;
      }) ?? String(value)
    );
  } catch {
    return String(value);
  }
}

/**
 * Bolt and Socket Mode log whole envelopes and request bodies as text (`JSON.stringify(body)`, `Received a
 * message on the WebSocket: {…}`): scrubbed here, as plain JSON, before pino escapes it into the line.
 */
function joinArgs(args: unknown[]): string {
  return scrubSecrets(
    args.map((a) => (typeof a === 'string' ? a : a instanceof Error ? `${a.name}: ${a.message}` : safeJson(a))).join(' '),
  );
}

/** Bolt's Logger interface, writing through the same pino (and its redaction). Disabled levels cost nothing. */
export function boltLogger(root: pino.Logger): BoltLogger {
  let log = root.child({ component: 'bolt' });
  const at =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (...args: unknown[]) => {
      if (log.isLevelEnabled(level)) log[level](joinArgs(args));
    };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
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
