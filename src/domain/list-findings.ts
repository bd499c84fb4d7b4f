import type { FindingsFilter } from './command';
import { describeError } from './errors';
import type { Finding } from './finding';
import { updatedAtMs } from './finding';
import type { FindingsSource } from './ports';

export const PAGE_SIZE = 10;
/** Beyond this many rows the user is asked to narrow the filter instead of paging on. */
export const MAX_ROWS = 200;

export interface FindingsListing {
  findings: Finding[];
  page: number;
  hasMore: boolean;
  /** Regions that failed, each with a line for the user; the others are still listed. */
  failures: { region: string; message: string }[];
}

export function compareBySeverityThenRecency(a: Finding, b: Finding): number {
  return b.severity - a.severity || updatedAtMs(b) - updatedAtMs(a) || a.id.localeCompare(b.id);
}

/**
 * One page of findings across regions, most severe first, then most recent.
 * GuardDuty sorts each region by severity; page N needs each region's top (N+1)·10 to merge correctly.
 */
export async function listFindings(source: FindingsSource, filter: FindingsFilter, page: number): Promise<FindingsListing> {
  const regions = filter.region ? [filter.region] : [...source.regions];
  const wanted = Math.min((page + 1) * PAGE_SIZE + 1, MAX_ROWS);
  const failures: FindingsListing['failures'] = [];
  const perRegion = await Promise.all(
    regions.map(async (region) => {
      try {
        const found: Finding[] = [];
        let token: string | undefined;
        do {
          const res = await source.list(
            region,
            {
              minBand: filter.band,
              accountId: filter.accountId,
              types: filter.types,
              archived: filter.archived,
              sortBy: 'severity',
              order: 'DESC',
            },
            Math.min(wanted - found.length, 50),
            token,
          );
          found.push(...res.findings);
          token = res.nextToken;
        } while (token && found.length < wanted);
        return found;
      } catch (err) {
        failures.push({ region, message: describeError(err) });
        return [];
      }
    }),
  );
  const merged = perRegion.flat().sort(compareBySeverityThenRecency);
  const start = page * PAGE_SIZE;
  return {
    findings: merged.slice(start, start + PAGE_SIZE),
    page,
    hasMore: merged.length > start + PAGE_SIZE && start + PAGE_SIZE < MAX_ROWS,
    failures,
  };
}
