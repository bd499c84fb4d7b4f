import { z } from 'zod';
import { ACCOUNT_PATTERN, FINDING_ID_PATTERN, REGION_PATTERN, type FindingsFilter } from '../domain/command';
import { expandTypeFilter } from '../domain/finding-types';
import { isConfiguredRegion } from '../domain/regions';
import { SEVERITY_BANDS } from '../domain/severity';

/** A finding as named in a button value: `<region> <id>`. */
export interface FindingRef {
  region: string;
  id: string;
}

export function encodeFindingRef(ref: FindingRef): string {
  return `${ref.region} ${ref.id}`;
}

/**
 * Undefined for anything that is not a well-formed reference (button values can be forged) and, given the
 * configured regions, for a reference to any other region. Listeners always pass `regions`
 * (config.aws.regions); a block builder checking a value it is about to send may leave it out (shape only).
 */
export function decodeFindingRef(value: string | undefined, regions?: readonly string[]): FindingRef | undefined {
  const [region, id, extra] = (value ?? '').split(' ');
  if (extra !== undefined || !region || !id || !REGION_PATTERN.test(region) || !FINDING_ID_PATTERN.test(id)) return undefined;
  if (regions && !isConfiguredRegion(regions, region)) return undefined;
  return { region, id };
}

const pageValue = z.object({
  b: z.enum(SEVERITY_BANDS),
  r: z.string().regex(REGION_PATTERN).optional(),
  a: z.string().regex(ACCOUNT_PATTERN).optional(),
  t: z.string().max(200).optional(),
  x: z.boolean(),
  p: z.number().int().min(0).max(100),
});

export function encodePage(filter: FindingsFilter, page: number): string {
  return JSON.stringify({
    b: filter.band,
    r: filter.region,
    a: filter.accountId,
    t: filter.typeFilter,
    x: filter.archived,
    p: page,
  });
}

/** Undefined for anything that is not a page value this bot could have written, a region outside `regions` included. */
export function decodePage(value: string | undefined, regions: readonly string[]): { filter: FindingsFilter; page: number } | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(value ?? '');
  } catch {
    return undefined;
  }
  const parsed = pageValue.safeParse(raw);
  if (!parsed.success) return undefined;
  const v = parsed.data;
  if (v.r !== undefined && !isConfiguredRegion(regions, v.r)) return undefined;
  const types = v.t ? expandTypeFilter(v.t) : undefined;
  if (types && types.length === 0) return undefined;
  return {
    filter: { band: v.b, region: v.r, accountId: v.a, typeFilter: v.t, types, archived: v.x },
    page: v.p,
  };
}
