import { CommandSyntaxError } from './errors';
import { expandTypeFilter } from './finding-types';
import { isConfiguredRegion, regionList } from './regions';
import { isSeverityBand, type SeverityBand } from './severity';

export interface FindingsFilter {
  band: SeverityBand;
  region?: string;
  accountId?: string;
  /** What the user typed after `type:`, kept for display. */
  typeFilter?: string;
  types?: string[];
  archived: boolean;
  /** Only findings nobody owns (their card records name no owner); set only when typed. */
  unowned?: boolean;
}

export type Command =
  | { kind: 'help' }
  | { kind: 'findings'; filter: FindingsFilter }
  | { kind: 'finding'; id: string; region?: string }
  | { kind: 'mine' }
  | { kind: 'stats'; period: StatsPeriod }
  | { kind: 'suppressions' }
  | { kind: 'routes' }
  | { kind: 'routes-test'; id: string; region?: string };

/** The periods `/guardduty stats` covers, each ending now. */
export const STATS_PERIODS = { '24h': 86_400, '7d': 7 * 86_400, '30d': 30 * 86_400 } as const;
export type StatsPeriod = keyof typeof STATS_PERIODS;

export const REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
export const ACCOUNT_PATTERN = /^\d{12}$/;
/** GuardDuty finding IDs are 32 hex characters; sample and legacy IDs vary, so accept 8–128 alphanumerics. */
export const FINDING_ID_PATTERN = /^[A-Za-z0-9]{8,128}$/;
const MAX_INPUT = 500;

export const HELP_EXAMPLES = [
  '/guardduty findings high',
  '/guardduty findings critical region:us-west-2',
  '/guardduty findings medium account:123456789012 type:Recon:EC2',
  '/guardduty findings low archived',
  '/guardduty findings high unowned',
  '/guardduty mine',
  '/guardduty stats 30d',
  '/guardduty suppressions',
  '/guardduty finding 0cbd1f0e8a9b3c2d4e5f60718293a4b5',
  '/guardduty routes test 0cbd1f0e8a9b3c2d4e5f60718293a4b5',
  '/guardduty help',
];

function shown(token: string): string {
  return token.length > 40 ? `${token.slice(0, 40)}…` : token;
}

/** `Configured regions: us-east-1, eu-west-1; write one like region:us-east-1.` */
function configuredHint(regions: readonly string[]): string {
  return `Configured regions: ${regionList(regions)}; write one like region:${regions[0] ?? 'us-east-1'}.`;
}

/** Refuses a well-formed region the bot is not configured for (GUARDDUTY_REGIONS), naming the ones it is. */
function configured(region: string, regions: readonly string[]): string {
  if (!isConfiguredRegion(regions, region))
    throw new CommandSyntaxError(`The bot is not configured for region ${region}. ${configuredHint(regions)}`);
  return region;
}

function parseFindings(args: string[], regions: readonly string[]): Command {
  const filter: FindingsFilter = { band: 'medium', archived: false };
  let bandSeen = false;
  for (const arg of args) {
    const lower = arg.toLowerCase();
    if (isSeverityBand(lower)) {
      if (bandSeen) throw new CommandSyntaxError('Give one severity: low, medium, high or critical.');
      filter.band = lower;
      bandSeen = true;
    } else if (lower === 'archived') {
      filter.archived = true;
    } else if (lower === 'unowned') {
      filter.unowned = true;
    } else if (lower.startsWith('region:')) {
      const region = lower.slice('region:'.length);
      if (!REGION_PATTERN.test(region)) throw new CommandSyntaxError(`"${shown(arg)}" is not a region. ${configuredHint(regions)}`);
      filter.region = configured(region, regions);
    } else if (lower.startsWith('account:')) {
      const account = arg.slice('account:'.length);
      if (!ACCOUNT_PATTERN.test(account))
        throw new CommandSyntaxError(`"${shown(arg)}" is not an account ID; write 12 digits, like account:123456789012.`);
      filter.accountId = account;
    } else if (lower.startsWith('type:')) {
      const value = arg.slice('type:'.length);
      if (value.length > 200) throw new CommandSyntaxError('That type filter is too long; use a type prefix such as type:Recon:EC2.');
      const types = value === '' ? [] : expandTypeFilter(value);
      if (types.length === 0) {
        throw new CommandSyntaxError(
          `No GuardDuty finding type starts with "${shown(value)}"; try type:Recon:EC2 or a full type such as type:UnauthorizedAccess:EC2/SSHBruteForce.`,
        );
      }
      filter.typeFilter = value;
      filter.types = types;
    } else {
      throw new CommandSyntaxError(
        `I don't understand "${shown(arg)}" after findings. Use a severity (low, medium, high, critical) and options region:, account:, type:, archived, unowned.`,
      );
    }
  }
  return { kind: 'findings', filter };
}

/** `<id> [region:<r>]`, after `finding` or `routes test` (`usage` names the command in messages). */
function parseFindingRef(args: string[], regions: readonly string[], usage: string): { id: string; region?: string } {
  const [id, ...rest] = args;
  if (!id) throw new CommandSyntaxError(`Which finding? Give its ID: /guardduty ${usage} <id>.`);
  if (!FINDING_ID_PATTERN.test(id)) {
    throw new CommandSyntaxError(
      `"${shown(id)}" is not a finding ID. IDs are letters and digits (usually 32), as shown on a card or in the console.`,
    );
  }
  let region: string | undefined;
  for (const arg of rest) {
    const lower = arg.toLowerCase();
    if (lower.startsWith('region:') && REGION_PATTERN.test(lower.slice(7))) region = configured(lower.slice(7), regions);
    else throw new CommandSyntaxError(`I don't understand "${shown(arg)}" after the finding ID. Only region:<region> may follow it.`);
  }
  return { id, region };
}

function parseFinding(args: string[], regions: readonly string[]): Command {
  return { kind: 'finding', ...parseFindingRef(args, regions, 'finding') };
}

function parseRoutes(args: string[], regions: readonly string[]): Command {
  const [sub, ...rest] = args;
  if (sub === undefined) return { kind: 'routes' };
  if (sub.toLowerCase() === 'test') return { kind: 'routes-test', ...parseFindingRef(rest, regions, 'routes test') };
  throw new CommandSyntaxError(
    `I don't understand "${shown(sub)}" after routes. Use /guardduty routes, or /guardduty routes test <finding id>.`,
  );
}

function parseStats(args: string[]): Command {
  const [period, extra] = args;
  if (period === undefined) return { kind: 'stats', period: '7d' };
  const lower = period.toLowerCase();
  if (!Object.hasOwn(STATS_PERIODS, lower) || extra !== undefined)
    throw new CommandSyntaxError(
      `I don't understand "${shown(extra ?? period)}" after stats. Give 24h, 7d or 30d, like /guardduty stats 7d (the default).`,
    );
  return { kind: 'stats', period: lower as StatsPeriod };
}

/**
 * Parses the text after `/guardduty`. Throws CommandSyntaxError with a message meant for the user.
 * `regions` are the configured regions (GUARDDUTY_REGIONS): `region:` accepts only those, in any case.
 */
export function parseCommand(text: string | undefined, regions: readonly string[]): Command {
  const trimmed = (text ?? '').trim();
  if (trimmed.length > MAX_INPUT)
    throw new CommandSyntaxError(
      `That command is too long (${trimmed.length} characters); the longest useful one is well under ${MAX_INPUT}.`,
    );
  const [verb, ...args] = trimmed.split(/\s+/).filter(Boolean);
  switch (verb?.toLowerCase()) {
    case undefined:
    case 'help':
      return { kind: 'help' };
    case 'findings':
    case 'list':
      return parseFindings(args, regions);
    case 'finding':
    case 'show':
      return parseFinding(args, regions);
    case 'routes':
      return parseRoutes(args, regions);
    case 'mine':
      if (args[0] !== undefined)
        throw new CommandSyntaxError(
          `I don't understand "${shown(args[0])}" after mine: /guardduty mine lists what you own. To filter, use /guardduty findings high unowned.`,
        );
      return { kind: 'mine' };
    case 'stats':
      return parseStats(args);
    case 'suppressions':
      if (args[0] !== undefined)
        throw new CommandSyntaxError(
          `I don't understand "${shown(args[0])}" after suppressions: /guardduty suppressions lists the suppression rules made through the bot.`,
        );
      return { kind: 'suppressions' };
    default:
      throw new CommandSyntaxError(`Unknown command "${shown(verb ?? '')}".`);
  }
}
