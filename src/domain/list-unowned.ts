import type { FindingsFilter } from './command';
import type { Finding } from './finding';
import { PAGE_SIZE, listFindings, type FindingsListing } from './list-findings';
import type { FindingsSource } from './ports';

/** Pages of the plain listing read at most to fill one page of unowned findings (the first 50 rows). */
export const UNOWNED_SCAN_PAGES = 5;

export interface UnownedListing {
  findings: Finding[];
  /** Unowned findings beyond those shown may exist (more rows, or rows past the scanned ones). */
  more: boolean;
  failures: FindingsListing['failures'];
}

/**
 * The first page of findings matching the filter that nobody owns: GuardDuty's listing (most severe first) page by
 * page, each page's findings checked against the store (`owned`: which of these IDs have an owner), until a page
 * is filled or the listing ends. Bounded: past UNOWNED_SCAN_PAGES pages, `more` says to narrow the filter.
 */
export async function listUnowned(
  source: FindingsSource,
  filter: FindingsFilter,
  owned: (ids: readonly string[]) => Promise<ReadonlySet<string>>,
): Promise<UnownedListing> {
  const kept: Finding[] = [];
  let failures: FindingsListing['failures'] = [];
  for (let page = 0; page < UNOWNED_SCAN_PAGES; page++) {
    const listing = await listFindings(source, filter, page);
    if (page === 0) failures = listing.failures;
    const ownedIds = await owned(listing.findings.map((f) => f.id));
    kept.push(...listing.findings.filter((f) => !ownedIds.has(f.id)));
    if (kept.length > PAGE_SIZE || (kept.length === PAGE_SIZE && listing.hasMore))
      return { findings: kept.slice(0, PAGE_SIZE), more: true, failures };
    if (!listing.hasMore) return { findings: kept, more: false, failures };
  }
  return { findings: kept.slice(0, PAGE_SIZE), more: true, failures };
}
