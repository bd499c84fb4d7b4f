import type pino from 'pino';
import { ChatOpsError } from '../domain/errors';
import type { Finding } from '../domain/finding';
import { updatedAtMs } from '../domain/finding';
import type { FindingsSource, StateStore } from '../domain/ports';
import type { CardPublisher, Outcome } from './card-publisher';

export interface PollerOptions {
  regions: readonly string[];
  pollIntervalSeconds: number;
  backfillHours: number;
  owner: string;
  /** Longest wait after repeated failures. */
  maxBackoffSeconds?: number;
  /**
   * How long after its UpdatedAt a finding may still first appear in ListFindings. A millisecond is read again
   * until a listing started this long after it; then the cursor moves past it. Default 300.
   */
  listingLagSeconds?: number;
}

export interface PollStats {
  region: string;
  listed: number;
  fetched: number;
  outcomes: Record<Outcome | 'failed', number>;
  /** Epoch ms the cursor was moved to, or undefined when it stayed. */
  cursorMs?: number;
}

const GET_BATCH = 50;
const LISTING_LAG_SECONDS = 300;
const nowS = () => Math.floor(Date.now() / 1000);

export function leaseName(region: string): string {
  return `feed#${region}`;
}

/**
 * Polls each region with a persisted cursor (UpdatedAt, ascending), one process per region at a time
 * (a lease in the store). The cursor only moves past findings whose outbox entry, digest entry or card update is
 * recorded; posting is the outbox drainer's, so a poll never waits for Slack.
 */
export class FeedPoller {
  private running = false;
  private readonly loops: Promise<void>[] = [];
  private readonly wake = new Set<() => void>();
  private readonly held = new Set<string>();

  constructor(
    private readonly source: FindingsSource,
    private readonly store: StateStore,
    private readonly publisher: CardPublisher,
    private readonly options: PollerOptions,
    private readonly logger: pino.Logger,
  ) {}

  get leaseSeconds(): number {
    return Math.max(30, this.options.pollIntervalSeconds * 3);
  }

  /** One full poll of a region (the caller holds the lease). */
  async pollOnce(region: string): Promise<PollStats> {
    const since = (await this.store.getCursor(region)) ?? Date.now() - this.options.backfillHours * 3_600_000;
    const listedAt = Date.now();
    const ids = await this.source.listIds(region, { updatedSinceMs: since, sortBy: 'updatedAt', order: 'ASC' });
    const stats: PollStats = {
      region,
      listed: ids.length,
      fetched: 0,
      outcomes: { queued: 0, digest: 0, updated: 0, unchanged: 0, suppressed: 0, failed: 0 },
    };
    const settled: { at: number; ok: boolean }[] = [];
    for (let i = 0; i < ids.length; i += GET_BATCH) {
      const batch = ids.slice(i, i + GET_BATCH);
      const [findings, known] = await Promise.all([this.source.get(region, batch), this.store.getCards(batch)]);
      stats.fetched += findings.length;
      await Promise.all(
        findings.map(async (finding: Finding) => {
          const at = updatedAtMs(finding);
          try {
            const { outcome } = await this.publisher.observe(finding, known.get(finding.id));
            stats.outcomes[outcome]++;
            settled.push({ at, ok: true });
          } catch (err) {
            stats.outcomes.failed++;
            settled.push({ at, ok: false });
            this.logger.warn({ err, region, findingId: finding.id }, 'finding not recorded; will retry');
          }
        }),
      );
    }
    const failedAt = settled.filter((s) => !s.ok).map((s) => s.at);
    // On failure the cursor stays at the oldest failure (inclusive) so it is read again.
    const next = failedAt.length > 0 ? Math.min(...failedAt) : this.nextCursor(settled, listedAt);
    if (next > since) {
      await this.store.advanceCursor(region, next);
      stats.cursorMs = next;
    }
    if (failedAt.length > 0) throw new FeedPollError(region, failedAt.length, stats);
    return stats;
  }

  /**
   * The cursor is inclusive (GuardDuty's updatedAt Gte), so a finding that appears late in the newest recorded
   * millisecond is still read; that millisecond's findings are listed and fetched again on each poll. Once this
   * listing started `listingLagSeconds` after it, nothing new can appear in it: the cursor moves one past it and an
   * idle poll lists nothing and fetches nothing. ListFindings returns only IDs, so a remembered ID cannot tell
   * whether its finding moved to a newer UpdatedAt; only a closed millisecond makes skipping it safe.
   */
  private nextCursor(settled: readonly { at: number }[], listedAt: number): number {
    const newest = settled.reduce((max, s) => Math.max(max, s.at), 0);
    const lagMs = (this.options.listingLagSeconds ?? LISTING_LAG_SECONDS) * 1000;
    return newest > 0 && newest <= listedAt - lagMs ? newest + 1 : newest;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    for (const region of this.options.regions) this.loops.push(this.loop(region));
  }

  /** Stops polling, waits for in-flight polls, releases this process's leases. */
  async stop(): Promise<void> {
    this.running = false;
    for (const w of this.wake) w();
    await Promise.all(this.loops);
    await Promise.all([...this.held].map((region) => this.store.releaseLease(leaseName(region), this.options.owner).catch(() => false)));
    this.held.clear();
  }

  private async loop(region: string): Promise<void> {
    let failures = 0;
    while (this.running) {
      let renew: NodeJS.Timeout | undefined;
      try {
        if (await this.store.acquireLease(leaseName(region), this.options.owner, this.leaseSeconds, nowS())) {
          this.held.add(region);
          renew = setInterval(
            () => {
              this.store.acquireLease(leaseName(region), this.options.owner, this.leaseSeconds, nowS()).then(
                (ok) => {
                  if (!ok) this.logger.warn({ region }, 'lost the feed lease during a poll');
                },
                (err: unknown) => this.logger.warn({ err, region }, 'could not renew the feed lease'),
              );
            },
            (this.leaseSeconds * 1000) / 3,
          );
          const stats = await this.pollOnce(region);
          const changed = stats.outcomes.queued + stats.outcomes.digest + stats.outcomes.updated > 0;
          this.logger[changed ? 'info' : 'debug'](stats, 'feed poll');
        } else {
          this.held.delete(region);
        }
        failures = 0;
      } catch (err) {
        failures++;
        this.logger.warn({ err, region, failures }, 'feed poll failed; backing off');
      } finally {
        if (renew) clearInterval(renew);
      }
      const backoff =
        failures === 0 ? 0 : Math.min(this.options.maxBackoffSeconds ?? 900, this.options.pollIntervalSeconds * 2 ** (failures - 1));
      await this.sleep((this.options.pollIntervalSeconds + backoff) * 1000);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake.add(done);
    });
  }
}

export class FeedPollError extends ChatOpsError {
  constructor(
    readonly region: string,
    readonly failed: number,
    readonly stats: PollStats,
  ) {
    super('FEED_POLL_INCOMPLETE', `${failed} findings in ${region} were not recorded; the cursor stays before them`);
  }
}
