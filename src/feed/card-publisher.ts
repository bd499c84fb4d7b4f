import type pino from 'pino';
import type { AttackSequence, Finding, SequenceLink, SequenceMembership, SequencePartsClaim } from '../domain/finding';
import { readSequenceLinks, resourceName, sequenceParts, signalFindingIds, updatedAtMs } from '../domain/finding';
import type { CardChannel, CardRecord, ChatMessage, FindingsSource, Observation, StateStore } from '../domain/ports';
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
  /** With these and a store that keeps sequence links, attack sequences' cards and their signals' cards link to each other. */
  sequences?: SequenceOptions;
}

/** What linking attack sequences needs from the chat and from GuardDuty (compose.ts wires them). */
export interface SequenceOptions {
  /** A card's permalink: the link to its thread. */
  permalink: (channel: string, ts: string) => Promise<string | undefined>;
  /** Where linked cards' findings are read to redraw them at once. */
  findings: Pick<FindingsSource, 'get'>;
  /** The thread reply naming what a sequence gained (parts as `sequenceParts` keys them); undefined when nothing to say. */
  growthMessage: (sequence: AttackSequence, added: readonly string[]) => ChatMessage | undefined;
}

/**
 * Links between an attack sequence's card and its signals' cards (store/sequence-link-repository.ts): memberships
 * kept per signal, and on each card record the threads it links to (`partOfSequences`, `signalThreads`).
 */
export interface SequenceLinkStore {
  recordSequenceLinks(sequence: SequenceMembership, signalIds: readonly string[]): Promise<void>;
  sequencesOfSignal(findingId: string): Promise<SequenceMembership[]>;
  /** The record after adding the links; undefined when there is no posted card or nothing changed. */
  mergeCardLinks(
    findingId: string,
    field: 'partOfSequences' | 'signalThreads',
    links: readonly SequenceLink[],
  ): Promise<CardRecord | undefined>;
  /** The sequence's parts its card had not seen, claimed by one writer only; undefined when not ours or no posted card. */
  claimSequenceParts(findingId: string, parts: readonly string[]): Promise<SequencePartsClaim | undefined>;
}

export function keepsSequenceLinks<T extends object>(store: T): store is T & SequenceLinkStore {
  const s = store as Partial<SequenceLinkStore>;
  return (
    typeof s.recordSequenceLinks === 'function' &&
    typeof s.sequencesOfSignal === 'function' &&
    typeof s.mergeCardLinks === 'function' &&
    typeof s.claimSequenceParts === 'function'
  );
}

/** `queued`: recorded in its channel's outbox, posted by the outbox drainer (see outbox-drainer.ts). */
/** `suppressed`: first seen already archived (a suppression rule archived it, or a person at once): no card, no record. */
export type Outcome = 'queued' | 'digest' | 'updated' | 'unchanged' | 'suppressed';

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
      if (finding.archived) return { outcome: 'suppressed' };
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
    if (finding.sequence) await this.sequenceUpdated(finding, known);
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
        if (posted) return this.linked(finding, posted);
        continue;
      }
      if (record.state === 'posted') return record;
      if (record.state === 'digest') {
        const posted = await this.postUnder(finding, () =>
          this.store.takeOverClaim(finding.id, this.options.owner, this.options.claimSeconds, nowS(), 'digest'),
        );
        if (posted) return this.linked(finding, posted);
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
      if (posted) return this.linked(finding, posted);
    }
    throw new Error(`could not settle the card of finding ${finding.id}`);
  }

  private get linkStore(): (StateStore & SequenceLinkStore) | undefined {
    return this.options.sequences && keepsSequenceLinks(this.store) ? this.store : undefined;
  }

  /** After a card is posted: its links to attack sequences (or, for a sequence, to its signals); a failure is logged, the card stays. */
  private async linked(finding: Finding, posted: CardRecord): Promise<CardRecord> {
    const store = this.linkStore;
    if (!store) return posted;
    try {
      if (finding.sequence) {
        // The sequence's parts as first posted: what a later update adds is announced in its thread.
        await store.claimSequenceParts(finding.id, sequenceParts(finding.sequence));
        await this.linkSequence(store, finding, posted);
      } else {
        await this.linkSignal(store, finding, posted);
      }
    } catch (err) {
      this.logger.warn({ err, findingId: finding.id }, 'attack sequence links not recorded');
    }
    return posted;
  }

  /** An attack sequence's card was updated: links to its signals' cards, and one thread reply naming what it gained. */
  private async sequenceUpdated(finding: Finding, known: CardRecord): Promise<void> {
    const store = this.linkStore;
    if (!store || !finding.sequence || !known.channel || !known.ts) return;
    const { channel, ts } = known;
    try {
      await this.linkSequence(store, finding, known);
      const claim = await store.claimSequenceParts(finding.id, sequenceParts(finding.sequence));
      const message = claim && !claim.first ? this.options.sequences?.growthMessage(finding.sequence, claim.added) : undefined;
      if (message) await this.queue.submit(channel, finding.severity, () => this.cards.postInThread(channel, ts, message));
    } catch (err) {
      this.logger.warn({ err, findingId: finding.id }, 'attack sequence growth not recorded');
    }
  }

  /**
   * The sequence's thread recorded for each of its signals that is a GuardDuty finding (for cards posted later);
   * the signals' cards that exist get "part of attack sequence" and the sequence's card links to their threads.
   */
  private async linkSequence(store: StateStore & SequenceLinkStore, sequence: Finding, record: CardRecord): Promise<void> {
    const permalink = this.options.sequences?.permalink;
    if (!permalink || !sequence.sequence || !record.channel || !record.ts) return;
    const signalIds = signalFindingIds(sequence.sequence).filter((id) => id !== sequence.id);
    if (signalIds.length === 0) return;
    const url = await permalink(record.channel, record.ts);
    if (!url) return;
    await store.recordSequenceLinks({ sequenceId: sequence.id, region: sequence.region, title: sequence.title, url }, signalIds);
    const [cards, current] = await Promise.all([store.getCards(signalIds), store.getCard(sequence.id)]);
    const known = new Set(readSequenceLinks((current as { signalThreads?: unknown } | undefined)?.signalThreads).map((l) => l.findingId));
    const threads: SequenceLink[] = [];
    const redraw: CardRecord[] = [];
    for (const card of cards.values()) {
      if (card.state !== 'posted' || !card.channel || !card.ts) continue;
      if (!known.has(card.findingId)) {
        const thread = await permalink(card.channel, card.ts);
        if (thread) threads.push({ findingId: card.findingId, url: thread });
      }
      const after = await store.mergeCardLinks(card.findingId, 'partOfSequences', [{ findingId: sequence.id, url, title: sequence.title }]);
      if (after) redraw.push(after);
    }
    await this.redrawFromGuardDuty(redraw);
    const after = await store.mergeCardLinks(sequence.id, 'signalThreads', threads);
    if (after) await this.redraw(after, sequence);
  }

  /** A card just posted whose finding is a signal of attack sequences seen before: both cards link to each other. */
  private async linkSignal(store: StateStore & SequenceLinkStore, finding: Finding, record: CardRecord): Promise<void> {
    const permalink = this.options.sequences?.permalink;
    if (!permalink || !record.channel || !record.ts) return;
    const memberships = await store.sequencesOfSignal(finding.id);
    if (memberships.length === 0) return;
    const mine = await store.mergeCardLinks(
      finding.id,
      'partOfSequences',
      memberships.map((m) => ({ findingId: m.sequenceId, url: m.url, title: m.title })),
    );
    if (mine) await this.redraw(mine, finding);
    const url = await permalink(record.channel, record.ts);
    if (!url) return;
    const redraw: CardRecord[] = [];
    for (const m of memberships) {
      const after = await store.mergeCardLinks(m.sequenceId, 'signalThreads', [{ findingId: finding.id, url }]);
      if (after) redraw.push(after);
    }
    await this.redrawFromGuardDuty(redraw);
  }

  /** Redraws linked cards with their findings as GuardDuty gives them now. */
  private async redrawFromGuardDuty(records: readonly CardRecord[]): Promise<void> {
    const source = this.options.sequences?.findings;
    if (!source || records.length === 0) return;
    const byRegion = new Map<string, CardRecord[]>();
    for (const r of records) byRegion.set(r.region, [...(byRegion.get(r.region) ?? []), r]);
    for (const [region, list] of byRegion) {
      const findings = await source.get(
        region,
        list.map((r) => r.findingId),
      );
      const found = new Map(findings.map((f) => [f.id, f]));
      for (const r of list) {
        const f = found.get(r.findingId);
        if (f) await this.redraw(r, f);
      }
    }
  }

  private async redraw(record: CardRecord, finding: Finding): Promise<void> {
    const { channel, ts } = record;
    if (record.state !== 'posted' || !channel || !ts) return;
    await this.queue.submit(channel, finding.severity, () => this.cards.updateCard(channel, ts, finding, record));
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
