import { z } from 'zod';
import { ConfigError } from './domain/errors';
import type { RouteRule } from './domain/routing';
import { readRoutesFile } from './routes-file';
import { SEVERITY_BANDS } from './domain/severity';
import { CronSyntaxError, parseCron } from './domain/cron';

const list = (pattern: RegExp, what: string) =>
  z
    .string()
    .optional()
    .transform((raw) =>
      (raw ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(pattern, `each entry must be ${what}`)));

const optionalString = z
  .string()
  .optional()
  .transform((s) => (s && s.trim() !== '' ? s.trim() : undefined));

const positiveInt = (fallback: number) =>
  z
    .string()
    .optional()
    .transform((s) => (s === undefined || s.trim() === '' ? String(fallback) : s.trim()))
    .pipe(z.string().regex(/^-?\d+$/, 'must be a whole number'))
    .transform(Number)
    .pipe(z.number({ error: 'must be a whole number' }).int('must be a whole number').positive('must be positive'));

/** The weekly summary's default schedule: Monday 09:00 UTC. */
export const DEFAULT_SUMMARY_CRON = '0 9 * * 1';

const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
const SLACK_USER = /^[UW][A-Z0-9]{2,}$/;
const SLACK_CHANNEL = /^[CGD][A-Z0-9]{2,}$/;

const schema = z
  .object({
    SLACK_BOT_TOKEN: z.string({ error: 'is required (the bot token, xoxb-…)' }).startsWith('xoxb-', 'must start with xoxb-'),
    SLACK_APP_TOKEN: optionalString.pipe(z.string().startsWith('xapp-', 'must start with xapp-').optional()),
    SLACK_SIGNING_SECRET: optionalString,
    SLACK_TEAM_ID: optionalString.pipe(
      z
        .string()
        .regex(/^[TE][A-Z0-9]{2,}$/, 'must be a Slack team ID (T…)')
        .optional(),
    ),
    PORT: positiveInt(3000).pipe(z.number().max(65535)),
    SLACK_API_URL: optionalString
      .pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional())
      .transform((u) => u ?? 'https://slack.com/api/'),
    AWS_REGION: optionalString.pipe(z.string().regex(REGION, 'must be a region such as us-east-1').optional()),
    GUARDDUTY_REGIONS: list(REGION, 'a region such as us-east-1'),
    FINDINGS_CHANNEL: optionalString.pipe(z.string().regex(SLACK_CHANNEL, 'must be a channel ID such as C0123ABCD').optional()),
    ROUTES_FILE: optionalString,
    POST_MIN_SEVERITY: optionalString.transform((s) => s?.toLowerCase() ?? 'medium').pipe(z.enum(SEVERITY_BANDS)),
    POLL_INTERVAL_SECONDS: positiveInt(60),
    FEED_BACKFILL_HOURS: positiveInt(24),
    FEED_LISTING_LAG_SECONDS: positiveInt(300),
    DIGEST_INTERVAL_MINUTES: positiveInt(60),
    REMINDER_MINUTES: positiveInt(30),
    ESCALATION_MINUTES: positiveInt(60),
    ESCALATION_MAX: optionalString
      .transform((s) => s ?? '3')
      .pipe(z.string().regex(/^\d+$/, 'must be a whole number (0 for no escalation)'))
      .transform(Number)
      .pipe(z.number().int().max(100, 'must be at most 100')),
    OWNED_REMINDER_HOURS: positiveInt(24),
    ONCALL_USERGROUP_ID: optionalString.pipe(
      z
        .string()
        .regex(/^S[A-Z0-9]{2,}$/, 'must be a user group ID (S…)')
        .optional(),
    ),
    SUMMARY_CRON: optionalString
      .transform((s) => s ?? DEFAULT_SUMMARY_CRON)
      .transform((s, ctx) => {
        if (s.toLowerCase() === 'off') return undefined;
        try {
          return parseCron(s).expression;
        } catch (err) {
          if (!(err instanceof CronSyntaxError)) throw err;
          ctx.addIssue({
            code: 'custom',
            message: `must be a 5-field cron expression in UTC such as "${DEFAULT_SUMMARY_CRON}" (Monday 09:00), or off: ${err.message}`,
          });
          return z.NEVER;
        }
      }),
    DYNAMODB_TABLE: optionalString,
    DATA_DIR: optionalString.transform((d) => d ?? './data'),
    APPROVER_USER_IDS: list(SLACK_USER, 'a Slack user ID such as U0123ABCD'),
    APPROVER_USERGROUP_ID: optionalString.pipe(
      z
        .string()
        .regex(/^S[A-Z0-9]{2,}$/, 'must be a user group ID (S…)')
        .optional(),
    ),
    PROPOSAL_TTL_MINUTES: positiveInt(60),
    TRUSTED_CIDRS: list(/^[0-9a-fA-F:./]+$/, 'a CIDR such as 203.0.113.0/24'),
    REMEDIATION_ROLE_NAME: optionalString,
    ALLOWED_CHANNEL_IDS: list(SLACK_CHANNEL, 'a channel ID such as C0123ABCD'),
    ALLOWED_USER_IDS: list(SLACK_USER, 'a Slack user ID such as U0123ABCD'),
    ALLOWED_USERGROUP_ID: optionalString.pipe(
      z
        .string()
        .regex(/^S[A-Z0-9]{2,}$/, 'must be a user group ID (S…)')
        .optional(),
    ),
    APPROVAL_SIGNING_KEY: optionalString.pipe(
      z.string().min(32, 'must be at least 32 characters (e.g. openssl rand -base64 48)').optional(),
    ),
    APPROVAL_SIGNING_KEY_PREVIOUS: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
    LOG_LEVEL: optionalString.transform((l) => l ?? 'info').pipe(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])),
  })
  .superRefine((env, ctx) => {
    if (!env.SLACK_APP_TOKEN && !env.SLACK_SIGNING_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['SLACK_SIGNING_SECRET'],
        message: 'is required in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)',
      });
    }
    if (env.DYNAMODB_TABLE && !env.APPROVAL_SIGNING_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['APPROVAL_SIGNING_KEY'],
        message: 'is required with DYNAMODB_TABLE (a secret of at least 32 characters, e.g. openssl rand -base64 48)',
      });
    }
  });

export type Config = ReturnType<typeof shape>;

function shape(env: z.output<typeof schema>, routes?: RouteRule[]) {
  const homeRegion = env.AWS_REGION;
  const regions = env.GUARDDUTY_REGIONS.length > 0 ? env.GUARDDUTY_REGIONS : homeRegion ? [homeRegion] : [];
  return {
    slack: {
      botToken: env.SLACK_BOT_TOKEN,
      appToken: env.SLACK_APP_TOKEN,
      signingSecret: env.SLACK_SIGNING_SECRET,
      teamId: env.SLACK_TEAM_ID,
      apiUrl: env.SLACK_API_URL.endsWith('/') ? env.SLACK_API_URL : `${env.SLACK_API_URL}/`,
      mode: env.SLACK_APP_TOKEN ? ('socket' as const) : ('http' as const),
    },
    port: env.PORT,
    aws: { homeRegion, regions, remediationRoleName: env.REMEDIATION_ROLE_NAME },
    feed: {
      channel: env.FINDINGS_CHANNEL,
      /** From ROUTES_FILE, in order; FINDINGS_CHANNEL takes what no rule matches. */
      ...(routes ? { routes } : {}),
      minBand: env.POST_MIN_SEVERITY,
      pollIntervalSeconds: env.POLL_INTERVAL_SECONDS,
      backfillHours: env.FEED_BACKFILL_HOURS,
      listingLagSeconds: env.FEED_LISTING_LAG_SECONDS,
      digestIntervalMinutes: env.DIGEST_INTERVAL_MINUTES,
    },
    /** Reminders about high and critical cards (domain/reminders.ts `ReminderRules`). */
    reminders: {
      firstAfterS: env.REMINDER_MINUTES * 60,
      escalateEveryS: env.ESCALATION_MINUTES * 60,
      escalationMax: env.ESCALATION_MAX,
      ownedAfterS: env.OWNED_REMINDER_HOURS * 3600,
      ...(env.ONCALL_USERGROUP_ID ? { oncallUsergroupId: env.ONCALL_USERGROUP_ID } : {}),
    },
    /** The summary posted in each routed channel (feed/weekly-summary.ts); `cron` undefined when SUMMARY_CRON is off. */
    summary: { cron: env.SUMMARY_CRON },
    store: { table: env.DYNAMODB_TABLE, dataDir: env.DATA_DIR },
    approval: {
      userIds: env.APPROVER_USER_IDS,
      usergroupId: env.APPROVER_USERGROUP_ID,
      ttlMinutes: env.PROPOSAL_TTL_MINUTES,
      trustedCidrs: env.TRUSTED_CIDRS,
      signingKey: env.APPROVAL_SIGNING_KEY,
      previousSigningKey: env.APPROVAL_SIGNING_KEY_PREVIOUS,
    },
    access: {
      channelIds: env.ALLOWED_CHANNEL_IDS,
      userIds: env.ALLOWED_USER_IDS,
      usergroupId: env.ALLOWED_USERGROUP_ID,
    },
    logLevel: env.LOG_LEVEL,
  };
}

/** The only reader of process.env. Throws a ConfigError listing every problem at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  const problems = parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'} ${issue.message}`);
  // zod skips object-level checks once a field fails; these two are checked on the raw values so every problem is named at once.
  const blank = (name: string) => (env[name] ?? '').trim() === '';
  if (
    !parsed.success &&
    blank('SLACK_APP_TOKEN') &&
    blank('SLACK_SIGNING_SECRET') &&
    !problems.some((p) => p.startsWith('SLACK_SIGNING_SECRET'))
  ) {
    problems.push('SLACK_SIGNING_SECRET is required in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)');
  }
  if (
    !parsed.success &&
    !blank('DYNAMODB_TABLE') &&
    blank('APPROVAL_SIGNING_KEY') &&
    !problems.some((p) => p.startsWith('APPROVAL_SIGNING_KEY'))
  ) {
    problems.push(
      'APPROVAL_SIGNING_KEY is required with DYNAMODB_TABLE (a secret of at least 32 characters, e.g. openssl rand -base64 48)',
    );
  }
  if (blank('AWS_REGION') && blank('GUARDDUTY_REGIONS'))
    problems.push('AWS_REGION is required (or GUARDDUTY_REGIONS), e.g. AWS_REGION=us-east-1');
  const routesFile = (env.ROUTES_FILE ?? '').trim();
  const routes = routesFile ? readRoutesFile(routesFile) : undefined;
  problems.push(...(routes?.problems ?? []).map((p) => `ROUTES_FILE ${routesFile}: ${p}`));
  if (routesFile && blank('FINDINGS_CHANNEL'))
    problems.push('FINDINGS_CHANNEL is required with ROUTES_FILE (it takes what no rule matches)');
  if (!parsed.success || problems.length > 0) {
    throw new ConfigError(`The bot is not configured:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  return shape(parsed.data, routes?.rules);
}
