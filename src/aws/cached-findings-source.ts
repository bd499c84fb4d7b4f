import type { Finding } from '../domain/finding';
import type { AccountCounts, DayBandCount, FindingPage, FindingQuery, FindingsSource, GroupCounts, StatisticsQuery } from '../domain/ports';
import { RegionNotConfiguredError, assertConfiguredRegion, isConfiguredRegion } from '../domain/regions';
import type { SeverityBand } from '../domain/severity';

interface Entry<T> {
  at: number;
  value: Promise<T>;
}

/**
 * Read-through cache for what people look at in Slack: the same list or finding asked for within `ttlMs`
 * (and concurrent identical asks) costs one GuardDuty call. Archive and feedback pass through and drop the
 * cache. The feed uses the uncached source: it must see every change. A region outside `regions` is refused
 * (RegionNotConfiguredError) before it reaches the cache or the inner source.
 */
export class CachedFindingsSource implements FindingsSource {
  private readonly entries = new Map<string, Entry<unknown>>();

  constructor(
    private readonly inner: FindingsSource,
    private readonly ttlMs = 10_000,
    private readonly maxEntries = 2_000,
  ) {
    // Offered only when the inner source has it (GetFindingsStatistics), cached like every other read.
    const count = inner.countOpenByAccount?.bind(inner);
    if (count) {
      this.countOpenByAccount = (region, band, maxAccounts) => {
        if (!isConfiguredRegion(this.regions, region)) return this.refuse(region);
        return this.cached(JSON.stringify(['counts', region, band, maxAccounts]), () => count(region, band, maxAccounts));
      };
    }
    const byDay = inner.countsByDay?.bind(inner);
    if (byDay) {
      this.countsByDay = (region, sinceMs, untilMs) => {
        if (!isConfiguredRegion(this.regions, region)) return this.refuse(region);
        return this.cached(JSON.stringify(['byDay', region, sinceMs, untilMs ?? null]), () => byDay(region, sinceMs, untilMs));
      };
    }
    const statistics = inner.statistics?.bind(inner);
    if (statistics) {
      this.statistics = (region, query) => {
        if (!isConfiguredRegion(this.regions, region)) return this.refuse(region);
        return this.cached(JSON.stringify(['stats', region, query.sinceMs, query.untilMs ?? null, query.groupBy, query.max]), () =>
          statistics(region, query),
        );
      };
    }
  }

  readonly countOpenByAccount?: (region: string, band: SeverityBand, maxAccounts: number) => Promise<AccountCounts>;
  readonly countsByDay?: (region: string, sinceMs: number, untilMs?: number) => Promise<DayBandCount[]>;
  readonly statistics?: (region: string, query: StatisticsQuery) => Promise<GroupCounts>;

  get regions(): readonly string[] {
    return this.inner.regions;
  }

  list(region: string, query: FindingQuery, pageSize: number, nextToken?: string): Promise<FindingPage> {
    if (!isConfiguredRegion(this.regions, region)) return this.refuse(region);
    return this.cached(JSON.stringify(['list', region, query, pageSize, nextToken ?? '']), () =>
      this.inner.list(region, query, pageSize, nextToken),
    );
  }

  listIds(region: string, query: FindingQuery): Promise<string[]> {
    if (!isConfiguredRegion(this.regions, region)) return this.refuse(region);
    return this.cached(JSON.stringify(['ids', region, query]), () => this.inner.listIds(region, query));
  }

  get(region: string, ids: readonly string[]): Promise<Finding[]> {
    if (!isConfiguredRegion(this.regions, region)) return this.refuse(region);
    return this.cached(JSON.stringify(['get', region, ids]), () => this.inner.get(region, ids));
  }

  findById(id: string, preferRegion?: string): Promise<Finding | undefined> {
    if (preferRegion !== undefined && !isConfiguredRegion(this.regions, preferRegion)) return this.refuse(preferRegion);
    return this.cached(JSON.stringify(['find', id, preferRegion ?? '']), () => this.inner.findById(id, preferRegion));
  }

  async archive(region: string, ids: readonly string[]): Promise<void> {
    assertConfiguredRegion(this.regions, region);
    await this.inner.archive(region, ids);
    this.entries.clear();
  }

  async feedback(region: string, ids: readonly string[], useful: boolean, comment?: string): Promise<void> {
    assertConfiguredRegion(this.regions, region);
    await this.inner.feedback(region, ids, useful, comment);
  }

  private refuse(region: string): Promise<never> {
    return Promise.reject(new RegionNotConfiguredError(region, this.regions));
  }

  private cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.value as Promise<T>;
    if (this.entries.size >= this.maxEntries) {
      for (const [k, e] of this.entries) if (now - e.at >= this.ttlMs) this.entries.delete(k);
      if (this.entries.size >= this.maxEntries) this.entries.clear();
    }
    const value = load();
    this.entries.set(key, { at: now, value });
    // A failure is not cached: the next ask tries again.
    value.catch(() => this.entries.delete(key));
    return value;
  }
}
