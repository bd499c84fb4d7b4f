import { randomUUID } from 'node:crypto';
import type pino from 'pino';
import type { CardChannel, StateStore } from '../domain/ports';
import type { ChannelQueue } from './channel-queue';

export const DIGEST_LEASE = 'digest';
const nowS = () => Math.floor(Date.now() / 1000);

/** At most one digest message per interval for findings below POST_MIN_SEVERITY (one process at a time). */
export class DigestPublisher {
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<void>;

  constructor(
    private readonly store: StateStore,
    private readonly cards: CardChannel,
    private readonly queue: ChannelQueue,
    private readonly options: { channel: string; intervalMinutes: number; owner: string },
    private readonly logger: pino.Logger,
  ) {}

  /** Posts the pending items as one digest, if there are any. Returns how many were summed up. */
  async publishOnce(): Promise<number> {
    const { channel, owner, intervalMinutes } = this.options;
    if (!(await this.store.acquireLease(DIGEST_LEASE, owner, intervalMinutes * 60, nowS()))) return 0;
    const items = await this.store.listDigestItems(channel);
    if (items.length === 0) return 0;
    const digestId = randomUUID();
    await this.queue.submit(channel, 0, () => this.cards.postDigest(channel, digestId, items, intervalMinutes));
    // Posted first, closed second: a crash in between repeats these items in the next digest, never drops them.
    await this.store.closeDigest(channel, digestId, items, nowS());
    return items.length;
  }

  start(): void {
    this.timer = setInterval(() => {
      this.inFlight = this.publishOnce().then(
        (n) => void (n > 0 && this.logger.info({ findings: n }, 'digest posted')),
        (err: unknown) => this.logger.warn({ err }, 'digest not posted; will retry next interval'),
      );
    }, this.options.intervalMinutes * 60_000);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.inFlight;
  }
}
