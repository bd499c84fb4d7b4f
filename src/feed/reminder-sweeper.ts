import type pino from 'pino';
import type { ChatMessage, LeaseStore, ReminderEntry, ReminderStore } from '../domain/ports';
import { nextReminder, stillRelevant, type PendingReminder, type ReminderCard, type ReminderRules } from '../domain/reminders';

export interface ReminderSweeperOptions {
  rules: ReminderRules;
  /** Process identity, written into the lease and into the reminders it posts. */
  owner: string;
  /** Between sweeps (default 60 s). */
  sweepIntervalMs?: number;
  /** The sweep lease (default 120 s; renewed every sweep). */
  leaseSeconds?: number;
  /** How long a posting holder keeps a recorded reminder to itself before another may post it (default 120 s). */
  postClaimSeconds?: number;
  /** Index entries handled per sweep (default 100). */
  batch?: number;
  /** The clock (epoch ms); tests move it instead of sleeping. */
  now?: () => number;
}

export interface SweepStats {
  sent: number;
  /** Recorded reminders posted after an earlier attempt failed (or its process stopped). */
  retried: number;
  /** Recorded reminders whose post failed this time (left pending, posted by a later sweep). */
  failed: number;
  /** Recorded reminders not posted because the card changed (someone took it, resolved it). */
  dropped: number;
  rescheduled: number;
  removed: number;
}

/** The lease one replica holds to sweep reminders. */
export const REMINDER_LEASE = 'reminders';

/** Who posts a thread reply: the CardPublisher, through the channel's queue (its 1 message a second). */
export interface ThreadReplier {
  replyInThread(channel: string, threadTs: string, message: ChatMessage): Promise<string>;
}

/**
 * Sends the reminders of domain/reminders.ts. One replica sweeps at a time (the `reminders` lease); each sweep
 * Queries the reminder index for entries due, reads each card record (the truth), and for a reminder due makes
 * its one conditional write first (the count sent, and the reminder as pending), then posts it, then clears it.
 * Two sweepers that overlap (a lease taken over mid-sweep) cannot both record a reminder; a crash or a failed
 * post leaves it pending on the card, and the next sweep posts it once the holder's time has run out.
 */
export class ReminderSweeper {
  private running = false;
  private loopDone?: Promise<void>;
  private wake?: () => void;
  private holding = false;
  private stopping = false;

  constructor(
    private readonly store: ReminderStore & LeaseStore,
    private readonly replier: ThreadReplier,
    private readonly options: ReminderSweeperOptions,
    private readonly logger: pino.Logger,
  ) {}

  private nowS(): number {
    return Math.floor((this.options.now?.() ?? Date.now()) / 1000);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopping = false;
    this.loopDone = this.loop();
  }

  /** Stops after the sweep in progress and gives the lease up. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopping = true;
    this.wake?.();
    await this.loopDone;
    this.loopDone = undefined;
    if (this.holding) await this.store.releaseLease(REMINDER_LEASE, this.options.owner).catch(() => false);
    this.holding = false;
  }

  /** Takes or renews the lease and sweeps (renewing it as it goes); undefined when another replica holds it. */
  async tick(): Promise<SweepStats | undefined> {
    if (!(await this.renewLease())) return undefined;
    let renewedAt = this.nowS();
    const leaseSeconds = this.options.leaseSeconds ?? 120;
    return this.sweep(async () => {
      if (this.nowS() - renewedAt < leaseSeconds / 3) return true;
      renewedAt = this.nowS();
      return this.renewLease();
    });
  }

  /**
   * One pass over the entries due. Without the lease (`holdOn` undefined) the conditional writes alone keep each
   * reminder once; with it, the pass stops when `holdOn` says the lease was lost.
   */
  async sweep(holdOn?: () => Promise<boolean>): Promise<SweepStats> {
    const stats: SweepStats = { sent: 0, retried: 0, failed: 0, dropped: 0, rescheduled: 0, removed: 0 };
    const entries = await this.store.dueReminders(this.nowS(), this.options.batch ?? 100);
    for (const entry of entries) {
      if (!this.running && this.stopping) break;
      if (holdOn && !(await holdOn())) break;
      try {
        await this.handle(entry, stats);
      } catch (err) {
        this.logger.warn({ err, findingId: entry.findingId }, 'reminder not handled; the next sweep tries again');
      }
    }
    return stats;
  }

  private async handle(entry: ReminderEntry, stats: SweepStats): Promise<void> {
    let card = await this.store.getReminderCard(entry.findingId);
    if (card?.pendingReminder) {
      const pending = card.pendingReminder;
      if ((pending.postingUntil ?? 0) > this.nowS()) {
        // Someone is posting it right now (or crashed while holding it): look again once their time is up.
        await this.reschedule(entry, pending.postingUntil ?? this.nowS(), stats);
        return;
      }
      const claimed = await this.store.claimPendingReminder(card.findingId, pending.id, this.options.owner, this.untilS(), this.nowS());
      if (!claimed?.pendingReminder) return;
      const outcome = await this.post(claimed, claimed.pendingReminder);
      if (outcome === 'failed') {
        stats.failed++;
        await this.reschedule(entry, this.untilS(), stats);
        return;
      }
      if (outcome === 'posted') stats.retried++;
      else stats.dropped++;
      card = await this.store.getReminderCard(entry.findingId);
    }
    const decision = nextReminder(card, this.options.rules, this.nowS());
    if (decision.kind === 'done') {
      await this.store.unscheduleReminder(entry);
      stats.removed++;
      return;
    }
    if (decision.kind === 'wait') {
      await this.reschedule(entry, decision.dueS, stats);
      return;
    }
    const reminder: PendingReminder = { ...decision.reminder, postingBy: this.options.owner, postingUntil: this.untilS() };
    if (!card || !(await this.store.recordReminder(card.findingId, reminder, decision.pin))) {
      // The card changed since it was read (another sweeper, a Take): the next sweep reads it again.
      return;
    }
    const outcome = await this.post({ ...card, pendingReminder: reminder }, reminder);
    if (outcome === 'failed') {
      stats.failed++;
      await this.reschedule(entry, this.untilS(), stats);
      return;
    }
    if (outcome === 'posted') stats.sent++;
    else stats.dropped++;
    const after = await this.store.getReminderCard(entry.findingId);
    const next = nextReminder(after, this.options.rules, this.nowS());
    if (next.kind === 'done') {
      await this.store.unscheduleReminder(entry);
      stats.removed++;
    } else {
      // A reminder still due (rare: the clock moved on) is sent by the next sweep.
      await this.reschedule(entry, next.kind === 'wait' ? next.dueS : this.nowS(), stats);
    }
  }

  /** Posts a recorded reminder unless the card changed so that it no longer applies; clears it either way once done. */
  private async post(card: ReminderCard, reminder: PendingReminder): Promise<'posted' | 'dropped' | 'failed'> {
    const current = (await this.store.getReminderCard(card.findingId)) ?? card;
    if (!stillRelevant(reminder, current) || !current.channel || !current.ts) {
      await this.store.clearPendingReminder(card.findingId, reminder.id);
      this.logger.info({ findingId: card.findingId, reminder: reminder.id }, 'reminder no longer applies; not posted');
      return 'dropped';
    }
    try {
      await this.replier.replyInThread(current.channel, current.ts, { text: reminder.text });
    } catch (err) {
      this.logger.warn({ err, findingId: card.findingId, reminder: reminder.id }, 'reminder not posted; it stays pending');
      return 'failed';
    }
    await this.store.clearPendingReminder(card.findingId, reminder.id);
    this.logger.info({ findingId: card.findingId, reminder: reminder.id }, 'reminder posted');
    return 'posted';
  }

  private async reschedule(entry: ReminderEntry, dueS: number, stats: SweepStats): Promise<void> {
    if (Math.floor(dueS) === entry.dueS) return;
    await this.store.rescheduleReminder(entry, dueS);
    stats.rescheduled++;
  }

  private async renewLease(): Promise<boolean> {
    this.holding = await this.store.acquireLease(REMINDER_LEASE, this.options.owner, this.options.leaseSeconds ?? 120, this.nowS());
    return this.holding;
  }

  private untilS(): number {
    return this.nowS() + (this.options.postClaimSeconds ?? 120);
  }

  private async loop(): Promise<void> {
    while (this.running) {
      try {
        await this.tick();
      } catch (err) {
        this.logger.warn({ err }, 'reminder sweep failed; will retry');
      }
      if (!this.running) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.options.sweepIntervalMs ?? 60_000);
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
