import type pino from 'pino';
import type { Finding } from '../domain/finding';
import { resourceName, updatedAtMs } from '../domain/finding';
import type { CardChannel, CardRecord, ChatMessage, Observation, StateStore } from '../domain/ports';
import { keepsReminders } from '../domain/ports';
import { firstReminderDue, wantsReminders, type ReminderRules } from '../domain/reminders';
import { routeFinding, type RouteRule } from '../domain/routing';
import { isAtLeast, type SeverityBand } from '../domain/severity';
import { PERSON_PRIORITY, type ChannelQueue } from './channel-queue';

export const THREAD_REPLY_INTERVAL_S = 15 * 60;

export interface PublisherOptions {
  /** FINDINGS_CHANNEL: the digest's, and new cards' when no route matches. */
  channel: string;
  /** ROUTES_FILE's rules: the first that matches a finding names the channel of its new card. */
  routes?: readonly RouteRule[];
  minBand: SeverityBand;
  /** Process identity written into claims. */
  owner: string;
  /** How long a claim protects a post in progress before another process may recover it. */
  claimSeconds: number;
  /** With these, a high or critical card is put in the reminder index when its post is claimed (reminder-sweeper.ts). */
  reminders?: ReminderRules;
}

/** `queued`: recorded in its channel's outbox, posted by the outbox drainer (see outbox-drainer.ts). */
export type Outcome = 'queued' | 'digest' | 'updated' | 'unchanged';

export function observationOf(f: Finding): Observation {
  return { severity: f.severity, updatedAtMs: updatedAtMs(f), count: f.count, archived: f.archived };
}

function isNewer(seen: Observation, known: Observation): boolean {
  return seen.updatedAtMs > known.updatedAtMs || seen.count > known.count || seen.archived !== known.archived;
}

/** A digest item keeps this much of the resource's name (attacker-controlled; escaped and cut again when shown). */
const DIGEST_RESOURCE_MAX = 200;
/** Findings queued by this process, kept to post them without asking GuardDuty again (the oldest dropped first). */
const QUEUED_FINDINGS_KEPT = 500;
const nowS = () => Math.floor(Date.now() / 1000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Owns the rule "one card per finding": a card is claimed with a conditional write right before it is
 * posted, the ts recorded right after, and a claim left behind by a crash recovered (message metadata
 * looked up first, so a card posted just before the crash is adopted, not posted again).
 */
export class CardPublisher {
  private readonly queued = new Map<string, Finding>();
  private readonly listeners = new Set<(channel: string) => void>();

  constructor(
    private readonly store: StateStore,
    private readonly cards: CardChannel,
    private readonly queue: ChannelQueue,
    private readonly options: PublisherOptions,
    private readonly logger: pino.Logger,
  ) {}

  /**
   * Handles one observation from the feed. Resolves once the decision is recorded: a new card is recorded in its
   * channel's outbox (posted later, in band order, by the outbox drainer), so the feed never waits for Slack.
   */
  async observe(finding: Finding, known: CardRecord | undefined): Promise<{ outcome: Outcome }> {
    const seen = observationOf(finding);
    const wantsCard = isAtLeast(finding.severity, this.options.minBand);
    if (!known) {
      if (wantsCard) return this.enqueue(finding);
      // The digest item first: a crash before the record only means the item is added again, never lost.
      await this.store.addDigestItem(this.options.channel, {
        findingId: finding.id,
        region: finding.region,
        accountId: finding.accountId,
        severity: finding.severity,
        type: finding.type,
        title: finding.title,
        resource: resourceName(finding).slice(0, DIGEST_RESOURCE_MAX),
      });
      const recorded = await this.store.claimCard(
        { findingId: finding.id, region: finding.region, accountId: finding.accountId, state: 'digest', ...seen },
        this.options.owner,
        this.options.claimSeconds,
        nowS(),
      );
      if (recorded) return { outcome: 'digest' };
      return this.observe(finding, await this.store.getCard(finding.id));
    }
    if (known.state === 'digest') {
      if (wantsCard) return this.enqueue(finding);
      return { outcome: (await this.store.recordActivity(finding.id, seen)) ? 'updated' : 'unchanged' };
    }
    if (known.state === 'claimed') return this.enqueue(finding);
    if (!isNewer(seen, known) || !known.channel || !known.ts) return { outcome: 'unchanged' };
    // Update the card first (idempotent), then record: a failed update leaves the record behind, so the next poll retries.
    await this.cards.updateCard(known.channel, known.ts, finding, known);
    if (!(await this.store.recordActivity(finding.id, seen))) return { outcome: 'unchanged' };
    // A card that became high or critical from here on gets reminders too, counted from now.
    if (wantsReminders(seen.severity) && !wantsReminders(known.severity)) await this.scheduleReminders(finding);
    if (
      (seen.count > known.count || seen.updatedAtMs > known.updatedAtMs) &&
      (await this.store.claimThreadReply(finding.id, nowS(), THREAD_REPLY_INTERVAL_S))
    ) {
      const channel = known.channel;
      const ts = known.ts;
      void this.queue
        .submit(channel, finding.severity, () => this.cards.postActivity(channel, ts, finding, known))
        .catch((err: unknown) => this.logger.warn({ err, findingId: finding.id }, 'activity reply not posted'));
    }
    return { outcome: 'updated' };
  }

  /** Called with the channel whenever this process records a card in an outbox (the drainer wakes up). */
  onQueued(listener: (channel: string) => void): void {
    this.listeners.add(listener);
  }

  /** The finding as this process queued it, if it still has it. */
  queuedFinding(findingId: string): Finding | undefined {
    return this.queued.get(findingId);
  }

  /** Forgets a queued finding once its card is posted. */
  forgetQueued(findingId: string): void {
    this.queued.delete(findingId);
  }

  /** The channel and mention a new card of this finding goes to (ROUTES_FILE, else FINDINGS_CHANNEL). */
  routeOf(finding: Finding): { channel: string; mentionUsergroupId?: string } {
    return routeFinding(this.options.routes ?? [], this.options.channel, finding);
  }

  private async enqueue(finding: Finding): Promise<{ outcome: Outcome }> {
    const { channel, mentionUsergroupId } = this.routeOf(finding);
    await this.store.enqueueCard({
      channel,
      findingId: finding.id,
      region: finding.region,
      severity: finding.severity,
      updatedAtMs: updatedAtMs(finding),
      ...(mentionUsergroupId ? { mention: mentionUsergroupId } : {}),
    });
    this.queued.delete(finding.id);
    this.queued.set(finding.id, finding);
    if (this.queued.size > QUEUED_FINDINGS_KEPT) this.queued.delete(this.queued.keys().next().value as string);
    for (const listener of this.listeners) listener(channel);
    return { outcome: 'queued' };
  }

  /**
   * Indexes a high or critical card for reminders once its post is claimed (before it is recorded as posted: a crash
   * cannot leave a posted card without reminders). The time without an owner counts from here (kept on the card record).
   */
  private async scheduleReminders(finding: Finding): Promise<void> {
    const rules = this.options.reminders;
    if (!rules || !wantsReminders(finding.severity) || !keepsReminders(this.store)) return;
    const base = nowS();
    await this.store.scheduleReminders(finding.id, base, firstReminderDue(base, rules));
  }

  /** A reply in a card's thread about what a person did, through the channel's queue (its 1 message a second). */
  replyInThread(channel: string, threadTs: string, message: ChatMessage): Promise<string> {
    return this.queue.submit(channel, PERSON_PRIORITY, () => this.cards.postInThread(channel, threadTs, message));
  }

  /**
   * Makes sure the finding has exactly one card; resolves with its posted record.
   * `known`: the record as just read (`null` when just read and absent), or undefined to read it here.
   */
  async ensureCard(finding: Finding, known?: CardRecord | null): Promise<CardRecord> {
    let record = known ?? undefined;
    const deadline = Date.now() + (this.options.claimSeconds * 2 + 30) * 1000;
    for (let attempt = 0; Date.now() < deadline; attempt++) {
      if (attempt > 0 || known === undefined) record = await this.store.getCard(finding.id);
      if (!record) {
        const posted = await this.postUnder(finding, () =>
          this.store.claimCard(
            { findingId: finding.id, region: finding.region, accountId: finding.accountId, state: 'claimed', ...observationOf(finding) },
            this.options.owner,
            this.options.claimSeconds,
            nowS(),
          ),
        );
        if (posted) return posted;
        continue;
      }
      if (record.state === 'posted') return record;
      if (record.state === 'digest') {
        const posted = await this.postUnder(finding, () =>
          this.store.takeOverClaim(finding.id, this.options.owner, this.options.claimSeconds, nowS(), 'digest'),
        );
        if (posted) return posted;
        continue;
      }
      const expiresAt = record.claimExpiresAt ?? 0;
      if (expiresAt > nowS()) {
        // Another process is posting it right now: look again shortly (it is usually done within a second).
        await sleep(Math.min((expiresAt - nowS()) * 1000 + 50, 250 * 2 ** Math.min(attempt, 3)));
        continue;
      }
      const claimedAt = record.claimedAt ?? nowS() - this.options.claimSeconds;
      const posted = await this.postUnder(
        finding,
        () => this.store.takeOverClaim(finding.id, this.options.owner, this.options.claimSeconds, nowS(), 'claimed'),
        claimedAt,
      );
      if (posted) return posted;
    }
    throw new Error(`could not settle the card of finding ${finding.id}`);
  }

  /**
   * In the channel's queue: take the claim, (when recovering) adopt a card already posted, else post,
   * then record the ts. Undefined when the claim was not ours to take.
   */
  private postUnder(finding: Finding, claim: () => Promise<boolean>, recoverSinceS?: number): Promise<CardRecord | undefined> {
    const { owner } = this.options;
    const { channel, mentionUsergroupId } = this.routeOf(finding);
    return this.queue.submit(channel, finding.severity, async () => {
      if (!(await claim())) return undefined;
      // Indexed for reminders while the card is posted, and before it is recorded as posted: a crash in between
      // leaves the claim, and its recovery indexes the card again.
      const indexed = this.scheduleReminders(finding);
      indexed.catch(() => undefined); // awaited below, after the post
      const seen = observationOf(finding);
      let ts = recoverSinceS !== undefined ? await this.cards.findCard(channel, finding.id, recoverSinceS) : undefined;
      if (ts) this.logger.info({ findingId: finding.id, ts }, 'adopted a card posted before a crash');
      ts ??= await this.cards.postCard(channel, finding, mentionUsergroupId ? { mention: mentionUsergroupId } : undefined);
      await indexed;
      if (!(await this.store.markPosted(finding.id, owner, channel, ts, seen))) {
        // Our claim lapsed mid-post and another process took over: keep one card, theirs.
        const current = await this.store.getCard(finding.id);
        if (current?.ts && current.ts !== ts) {
          await this.cards.deleteMessage(channel, ts);
          this.logger.warn({ findingId: finding.id }, 'claim lapsed during a post; removed the duplicate card');
          return current;
        }
      }
      return { findingId: finding.id, region: finding.region, accountId: finding.accountId, state: 'posted', channel, ts, ...seen };
    });
  }
}
