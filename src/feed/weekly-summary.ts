import type pino from 'pino';
import type { CronSchedule } from '../domain/cron';
import type { CardStatsStore, ChatMessage, FindingsSource, LeaseStore, SummaryStore } from '../domain/ports';
import { collectStats, type StatsReport } from '../domain/stats';

/** Where summaries go: posted marked with their slot, and found again by it. */
export interface SummaryPoster {
  postSummary(channel: string, slotS: number, message: ChatMessage): Promise<string>;
  findSummary(channel: string, slotS: number, sinceS: number): Promise<string | undefined>;
  /** The period's chart in the summary's thread (best effort: the summary stands without it). */
  postChart?(channel: string, threadTs: string, report: StatsReport): Promise<void>;
}

export interface WeeklySummaryOptions {
  schedule: CronSchedule;
  /** Every channel routing can post to (FINDINGS_CHANNEL and each route's). */
  channels: readonly string[];
  /** Process identity, in the lease and the claims. */
  owner: string;
  /** The message for a channel's report (the chart is added by whoever builds it). */
  render: (report: StatsReport, channel: string, slotMs: number) => ChatMessage | Promise<ChatMessage>;
  /** The period each summary covers, ending at its slot (default 7 days). */
  periodSeconds?: number;
  /** A slot missed by more than this (the bot was down) is skipped (default 6 hours). */
  graceSeconds?: number;
  tickMs?: number;
  leaseSeconds?: number;
  /** How long a holder keeps a claimed summary before another may take it over (default 120 s). */
  postClaimSeconds?: number;
  now?: () => number;
}

export interface SummaryTick {
  slotMs: number;
  posted: string[];
  empty: string[];
  /** Found already posted by a holder that stopped before recording it. */
  recovered: string[];
  failed: string[];
}

/** The lease one replica holds to post summaries. */
export const SUMMARY_LEASE = 'summary';

/**
 * The periodic summary (SUMMARY_CRON): at each slot of the schedule, each routed channel gets one post with the
 * period's numbers for the cards posted there. One replica works at a time (the `summary` lease); each channel's
 * post for a slot is claimed by one conditional write first (channel, slot), then posted marked with the slot,
 * then recorded. A holder that stopped mid-way is taken over once its time runs out, looking in the channel for
 * the marked post before posting: a restart never posts a summary twice. No card in the period: no post.
 */
/**
 * How long a claimed summary is the claimer's alone before another replica may look for its post and post it: long
 * enough for a post delayed by Slack's rate limits or a busy channel queue.
 */
const POST_CLAIM_S = 600;

export class WeeklySummary {
  private running = false;
  private loopDone?: Promise<void>;
  private wake?: () => void;
  private holding = false;

  constructor(
    private readonly store: SummaryStore & CardStatsStore,
    private readonly leases: LeaseStore,
    private readonly findings: FindingsSource,
    private readonly poster: SummaryPoster,
    private readonly options: WeeklySummaryOptions,
    private readonly logger: pino.Logger,
  ) {}

  private nowMs(): number {
    return this.options.now?.() ?? Date.now();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = this.loop();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loopDone;
    this.loopDone = undefined;
    if (this.holding) await this.leases.releaseLease(SUMMARY_LEASE, this.options.owner).catch(() => false);
    this.holding = false;
  }

  /** Posts the current slot's summaries not yet done; undefined when another replica holds the lease or no slot is due. */
  async tick(): Promise<SummaryTick | undefined> {
    const nowMs = this.nowMs();
    const slotMs = this.options.schedule.previous(nowMs);
    if (slotMs === undefined || nowMs - slotMs > (this.options.graceSeconds ?? 6 * 3600) * 1000) return undefined;
    const nowS = Math.floor(nowMs / 1000);
    this.holding = await this.leases.acquireLease(SUMMARY_LEASE, this.options.owner, this.options.leaseSeconds ?? 120, nowS);
    if (!this.holding) return undefined;
    const slotS = Math.floor(slotMs / 1000);
    const result: SummaryTick = { slotMs, posted: [], empty: [], recovered: [], failed: [] };
    for (const channel of new Set(this.options.channels)) {
      if (!this.running && this.loopDone) break;
      try {
        await this.summarize(channel, slotS, slotMs, result);
      } catch (err) {
        result.failed.push(channel);
        this.logger.warn({ err, channel, slot: slotS }, 'summary not posted; a later tick tries again');
      }
    }
    return result;
  }

  private async summarize(channel: string, slotS: number, slotMs: number, result: SummaryTick): Promise<void> {
    const nowS = Math.floor(this.nowMs() / 1000);
    const { owner } = this.options;
    const claim = await this.store.claimSummary(channel, slotS, owner, nowS + (this.options.postClaimSeconds ?? POST_CLAIM_S), nowS);
    if (!claim) return;
    if (claim.takenOver) {
      const ts = await this.poster.findSummary(channel, slotS, claim.claimedS);
      if (ts) {
        await this.store.finishSummary(channel, slotS, owner, { posted: ts });
        result.recovered.push(channel);
        return;
      }
    }
    const report = await collectStats(
      { findings: this.findings, cards: this.store },
      { fromMs: slotMs - (this.options.periodSeconds ?? 7 * 86_400) * 1000, toMs: slotMs },
      { channel, bounded: true },
    );
    if ((report.cards?.posted ?? 0) === 0) {
      await this.store.finishSummary(channel, slotS, owner, { empty: true });
      result.empty.push(channel);
      return;
    }
    const ts = await this.poster.postSummary(channel, slotS, await this.options.render(report, channel, slotMs));
    await this.store.finishSummary(channel, slotS, owner, { posted: ts });
    result.posted.push(channel);
    this.logger.info({ channel, slot: slotS }, 'summary posted');
    if (this.poster.postChart && report.days.length > 0) {
      await this.poster.postChart(channel, ts, report).catch((err: unknown) => {
        this.logger.warn({ err, channel, slot: slotS }, 'summary chart not uploaded; the summary stands without it');
      });
    }
  }

  private async loop(): Promise<void> {
    while (this.running) {
      try {
        await this.tick();
      } catch (err) {
        this.logger.warn({ err }, 'summary tick failed; will retry');
      }
      if (!this.running) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.options.tickMs ?? 60_000);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.wake = done;
      });
      this.wake = undefined;
    }
  }
}
