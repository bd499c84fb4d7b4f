import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { RouteRule } from './domain/routing';
import { SEVERITY_BANDS } from './domain/severity';

/*
 * The routing file (ROUTES_FILE), JSON:
 *   { "rules": [ { "accounts": ["111111111111"], "regions": ["us-east-1"], "minSeverity": "high",
 *                  "typePrefix": "UnauthorizedAccess:", "tag": "team=payments", "channel": "C0123ABCD",
 *                  "mention": { "usergroup": "S0123ABCD", "minSeverity": "high" } } ] }
 * Every key of a rule but `channel` is optional; a rule without matchers takes everything left.
 */

const band = z.enum(SEVERITY_BANDS, { error: `must be one of ${SEVERITY_BANDS.join(', ')}` });

const rule = z.strictObject(
  {
    accounts: z
      .array(z.string().regex(/^\d{12}$/, 'must be a 12-digit account ID'))
      .min(1, 'must list at least one account')
      .optional(),
    regions: z
      .array(z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, 'must be a region such as us-east-1'))
      .min(1, 'must list at least one region')
      .optional(),
    minSeverity: band.optional(),
    typePrefix: z.string().min(1, 'must not be empty').optional(),
    tag: z
      .string()
      .regex(/^[^=]+=.*$/, 'must be key=value')
      .transform((s) => ({ key: s.slice(0, s.indexOf('=')), value: s.slice(s.indexOf('=') + 1) }))
      .optional(),
    channel: z
      .string({ error: 'is required (a channel ID such as C0123ABCD)' })
      .regex(/^[CG][A-Z0-9]{2,}$/, 'must be a channel ID such as C0123ABCD'),
    mention: z
      .strictObject({
        usergroup: z.string({ error: 'is required (a user group ID, S…)' }).regex(/^S[A-Z0-9]+$/, 'must be a user group ID (S…)'),
        minSeverity: band.optional(),
      })
      .optional(),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `has unknown keys: ${issue.keys.join(', ')}` : 'must be an object') },
);

const routesFile = z.strictObject(
  { rules: z.array(rule, { error: 'is required: a list of rules' }) },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `has unknown keys: ${issue.keys.join(', ')}` : 'must be an object') },
);

/** `rules[2].channel` */
function pathOf(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i > 0 ? '.' : ''}${String(p)}`)).join('') || 'the file';
}

export type RoutesResult = { rules: RouteRule[]; problems: [] } | { rules?: undefined; problems: string[] };

/** Parses the routing file's text; on failure names every problem (with its rule index). */
export function parseRoutes(text: string): RoutesResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { problems: [`is not valid JSON: ${(err as Error).message}`] };
  }
  const parsed = routesFile.safeParse(json);
  if (!parsed.success) return { problems: parsed.error.issues.map((issue) => `${pathOf(issue.path)} ${issue.message}`) };
  const rules = parsed.data.rules.map((r): RouteRule => ({
    ...(r.accounts ? { accounts: r.accounts } : {}),
    ...(r.regions ? { regions: r.regions } : {}),
    ...(r.minSeverity ? { minBand: r.minSeverity } : {}),
    ...(r.typePrefix !== undefined ? { typePrefix: r.typePrefix } : {}),
    ...(r.tag ? { tag: r.tag } : {}),
    channel: r.channel,
    ...(r.mention ? { mention: { usergroupId: r.mention.usergroup, minBand: r.mention.minSeverity ?? 'low' } } : {}),
  }));
  return { rules, problems: [] };
}

/** Reads and parses the routing file at start-up (config.ts turns the problems into its ConfigError). */
export function readRoutesFile(path: string): RoutesResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { problems: [`cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`] };
  }
  return parseRoutes(text);
}
