import { z } from 'zod';
import { ACCOUNT_PATTERN, FINDING_ID_PATTERN, REGION_PATTERN, type FindingsFilter } from '../domain/command';
import { expandTypeFilter } from '../domain/finding-types';
import { SEVERITY_BANDS } from '../domain/severity';

/** A finding as named in a button value: `<region> <id>`. */
export interface FindingRef {
  region: string;
  id: string;
}

export function encodeFindingRef(ref: FindingRef): string {
  return `${ref.region} ${ref.id}`;
}

/** Undefined for anything that is not a well-formed reference (button values can be forged). */
export function decodeFindingRef(value: string | undefined): FindingRef | undefined {
  const [region, id, extra] = (value ?? '').split(' ');
  if (extra !== undefined || !region || !id || !REGION_PATTERN.test(region) || !FINDING_ID_PATTERN.test(id)) return undefined;
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

export function decodePage(value: string | undefined): { filter: FindingsFilter; page: number } | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(value ?? '');
  } catch {
    return undefined;
  }
  const parsed = pageValue.safeParse(raw);
  if (!parsed.success) return undefined;
  const v = parsed.data;
  const types = v.t ? expandTypeFilter(v.t) : undefined;
  if (types && types.length === 0) return undefined;
  return {
    filter: { band: v.b, region: v.r, accountId: v.a, typeFilter: v.t, types, archived: v.x },
    page: v.p,
  };
}
