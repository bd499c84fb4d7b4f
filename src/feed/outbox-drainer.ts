import type pino from 'pino';
import type { Finding } from '../domain/finding';
import type { FindingsSource, OutboxEntry, StateStore } from '../domain/ports';
import type { CardPublisher } from './card-publisher';

export interface OutboxDrainerOptions {
  /** Every channel cards can be routed to (FINDINGS_CHANNEL and ROUTES_FILE's). */
  channels: readonly string[];
  /** Process identity, written into the drain leases. */
  owner: string;
  /** How long a channel's drain lease lasts without renewal. */
  leaseSeconds?: number;
  /** How often an idle drainer looks for entries another replica queued. */
  idleCheckMs?: number;
  /** Longest wait after repeated posting failures. */
  maxBackoffMs?: number;
}

/** Entries read at once: their findings are fetched together when this process does not have them. */
const LOOKAHEAD = 25;
const LEASE_SECONDS = 30;
const IDLE_CHECK_MS = 2000;
const MAX_BACKOFF_MS = 60_000;
const nowS = () => Math.floor(Date.now() / 1000);

export function outboxLeaseName(channel: string): string {
  return `outbox#${channel}`;
}

/**
 * Posts the cards recorded in each channel's outbox, one channel per holder at a time (a lease in the store), so
 * order and Slack's 1 message a second per channel hold across replicas. Each post reads the outbox again first,
 * so a critical finding recorded by the latest poll goes ahead of every queued medium card. An entry is removed
 * only after its card is recorded as posted; a crash in between leaves it, and the card's claim and message
 * metadata keep the next attempt from posting it twice.
 */
export class OutboxDrainer {
  private running = false;
  private readonly loops: Promise<void>[] = [];
  private readonly wakers = new Map<string, () => void>();
  private readonly held = new Set<string>();
  private readonly leaseRenewedAt = new Map<string, number>();
  private stopping = false;
  /** Findings of the last lookahead fetched from GuardDuty (not queued by this process). */
  private fetched = new Map<string, Finding>();

  constructor(
    private readonly store: StateStore,
    private readonly source: FindingsSource,
    private readonly publisher: CardPublisher,
    private readonly options: OutboxDrainerOptions,
    private readonly logger: pino.Logger,
  ) {
    publisher.onQueued((channel) => this.wakers.get(channel)?.());
  }

  private get leaseSeconds(): number {
    return this.options.leaseSeconds ?? LEASE_SECONDS;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopping = false;
    for (const channel of new Set(this.options.channels)) this.loops.push(this.loop(channel));
  }

  /** Stops after the post in progress; what is still queued stays in the store for the next holder. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopping = true;
    for (const wake of this.wakers.values()) wake();
    await Promise.all(this.loops);
    this.loops.length = 0;
    await Promise.all(
      [...this.held].map((channel) => this.store.releaseLease(outboxLeaseName(channel), this.options.owner).catch(() => false)),
    );
    this.held.clear();
  }

  /**
   * Posts the channel's queued cards until its outbox is empty (or this process loses the lease, or is stopped).
   * Resolves with the number of entries settled; 0 when another process holds the channel.
   */
  async drain(channel: string): Promise<number> {
    if (!(await this.holdLease(channel, true))) return 0;
    let settled = 0;
    for (;;) {
      if (!(await this.holdLease(channel))) break;
      const next = await this.store.nextInOutbox(channel, LOOKAHEAD);
      const [entry] = next;
      if (!entry) break;
      const finding = await this.findingOf(entry, next);
      if (finding) {
        await this.publisher.ensureCard(finding);
        this.publisher.forgetQueued(finding.id);
      } else {
        this.logger.warn({ findingId: entry.findingId, region: entry.region }, 'queued finding no longer in GuardDuty; card not posted');
      }
      await this.store.removeFromOutbox(entry);
      this.fetched.delete(entry.findingId);
      settled++;
      if (this.stopping) break;
    }
    return settled;
  }

  private async loop(channel: string): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        await this.drain(channel);
        failures = 0;
      } catch (err) {
        failures++;
        this.logger.warn({ err, channel, failures }, 'outbox not drained; will retry');
      }
      if (!this.running) break;
      const wait =
        failures === 0
          ? (this.options.idleCheckMs ?? IDLE_CHECK_MS)
          : Math.min(this.options.maxBackoffMs ?? MAX_BACKOFF_MS, 1000 * 2 ** failures);
      await this.sleep(channel, wait, failures === 0);
    }
  }

  /** Takes or renews the channel's lease (renewed at most every third of its life unless `now`). */
  private async holdLease(channel: string, now = false): Promise<boolean> {
    const renewedAt = this.leaseRenewedAt.get(channel) ?? 0;
    if (!now && this.held.has(channel) && Date.now() - renewedAt < (this.leaseSeconds * 1000) / 3) return true;
    const ok = await this.store.acquireLease(outboxLeaseName(channel), this.options.owner, this.leaseSeconds, nowS());
    if (ok) {
      this.held.add(channel);
      this.leaseRenewedAt.set(channel, Date.now());
    } else {
      this.held.delete(channel);
    }
    return ok;
  }

  /**
   * The finding as this process queued it, or as fetched with the last lookahead; else the lookahead's findings of
   * that region this process does not have, fetched from GuardDuty at once (one GetFindings for up to 25 cards).
   */
  private async findingOf(entry: OutboxEntry, lookahead: readonly OutboxEntry[]): Promise<Finding | undefined> {
    const known = (id: string) => this.publisher.queuedFinding(id) ?? this.fetched.get(id);
    const have = known(entry.findingId);
    if (have) return have;
    const missing = lookahead.filter((e) => e.region === entry.region && !known(e.findingId)).map((e) => e.findingId);
    const fetched = await this.source.get(entry.region, [...new Set(missing)]);
    this.fetched = new Map(fetched.map((f) => [f.id, f]));
    return this.fetched.get(entry.findingId);
  }

  /** Waits `ms`; a local queueing wakes it early when `wakeable` (not while backing off after failures). */
  private sleep(channel: string, ms: number, wakeable: boolean): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(channel);
        resolve();
      };
      const timer = setTimeout(done, ms);
      if (wakeable || !this.running) this.wakers.set(channel, done);
      else this.wakers.set(channel, () => (this.running ? undefined : done()));
    });
  }
}
