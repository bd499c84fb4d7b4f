import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type {
  ApprovalBinding,
  CardRecord,
  DigestItem,
  OutboxEntry,
  FeedbackVote,
  FindingRecord,
  Observation,
  OwnershipChange,
  StateStore,
  TransitionOutcome,
} from '../domain/ports';
import type { Resolution } from '../domain/ownership';
import type { Proposal } from '../domain/proposal';
import type { StepState } from '../domain/remediation/steps';
import type { AnyResult, IngressRule } from '../domain/remediation/types';
import { CardRepository } from './card-repository';
import { CursorLeaseRepository } from './cursor-lease-repository';
import { DigestRepository } from './digest-repository';
import { OutboxRepository } from './outbox-repository';
import { readCard, readEach, readProposal } from './items';
import { OwnershipRepository } from './ownership-repository';
import { PendingProposalsRepository } from './pending-proposals-repository';
import { SuppressionRepository } from './suppression-repository';
import type { SequenceLink, SequenceMembership, SequencePartsClaim } from '../domain/finding';
import { SequenceLinkRepository } from './sequence-link-repository';
import { StatsRepository } from './stats-repository';
import type { PostedCard, SummaryClaim } from '../domain/ports';
import type { SuppressionEntry, SuppressionStore } from '../domain/suppressions';
import { ProposalRepository, byCreation } from './proposal-repository';
import { ReminderRepository } from './reminder-repository';
import type { PendingReminder, ReminderCard, ReminderPin } from '../domain/reminders';
import type { ReminderEntry } from '../domain/ports';
import { TableClient, names, storeDocumentClient } from './table-client';

export { CARD_NOTES_KEPT, CARD_NOTE_MAX_CHARS } from './card-repository';

/** The bot's state in one DynamoDB table: cards and feedback, cursors and leases, digests, proposals. */
export class DynamoStateStore implements StateStore, SuppressionStore {
  private readonly table: TableClient;
  private readonly cards: CardRepository;
  private readonly feed: CursorLeaseRepository;
  private readonly digests: DigestRepository;
  private readonly proposals: ProposalRepository;
  private readonly ownership: OwnershipRepository;
  private readonly outbox: OutboxRepository;
  private readonly reminders: ReminderRepository;
  private readonly pending: PendingProposalsRepository;
  private readonly suppressions: SuppressionRepository;
  private readonly sequenceLinks: SequenceLinkRepository;
  private readonly stats: StatsRepository;

  /** `client`: the connection; the store marshals through a document client of its own over it. */
  constructor(client: DynamoDBClient | DynamoDBDocumentClient, tableName: string) {
    this.table = new TableClient(storeDocumentClient(client), tableName);
    this.cards = new CardRepository(this.table);
    this.feed = new CursorLeaseRepository(this.table);
    this.digests = new DigestRepository(this.table);
    this.proposals = new ProposalRepository(this.table);
    this.ownership = new OwnershipRepository(this.table);
    this.outbox = new OutboxRepository(this.table);
    this.reminders = new ReminderRepository(this.table);
    this.pending = new PendingProposalsRepository(this.table);
    this.suppressions = new SuppressionRepository(this.table);
    this.sequenceLinks = new SequenceLinkRepository(this.table);
    this.stats = new StatsRepository(this.table);
  }

  enqueueCard(entry: OutboxEntry): Promise<void> {
    return this.outbox.enqueueCard(entry);
  }

  nextInOutbox(channel: string, limit: number): Promise<OutboxEntry[]> {
    return this.outbox.nextInOutbox(channel, limit);
  }

  removeFromOutbox(entry: OutboxEntry): Promise<void> {
    return this.outbox.removeFromOutbox(entry);
  }

  ping(): Promise<void> {
    return this.table.ping();
  }

  /** One query of the finding's partition: its card and its proposals (items that are not well-formed left out). */
  async getFindingRecord(findingId: string): Promise<FindingRecord> {
    const items = await this.table.query({
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: names('pk'),
      ExpressionAttributeValues: { ':pk': `finding#${findingId}` },
    });
    const cardItem = items.find((item) => item['sk'] === 'card');
    const proposalItems = items.filter((item) => String(item['sk']).startsWith('proposal#'));
    return { card: cardItem && readCard(cardItem), proposals: byCreation(readEach(proposalItems, readProposal)) };
  }

  // ------------------------------------------------------------ cards and feedback

  getCards(findingIds: readonly string[]): Promise<Map<string, CardRecord>> {
    return this.cards.getCards(findingIds);
  }
  getCard(findingId: string): Promise<CardRecord | undefined> {
    return this.cards.getCard(findingId);
  }
  claimCard(
    record: Omit<CardRecord, 'claimOwner' | 'claimExpiresAt' | 'claimedAt'>,
    owner: string,
    claimSeconds: number,
    nowS: number,
  ): Promise<boolean> {
    return this.cards.claimCard(record, owner, claimSeconds, nowS);
  }
  takeOverClaim(findingId: string, owner: string, claimSeconds: number, nowS: number, fromState: 'claimed' | 'digest'): Promise<boolean> {
    return this.cards.takeOverClaim(findingId, owner, claimSeconds, nowS, fromState);
  }
  markPosted(findingId: string, owner: string, channel: string, ts: string, seen: Observation): Promise<boolean> {
    return this.cards.markPosted(findingId, owner, channel, ts, seen);
  }
  recordActivity(findingId: string, seen: Observation): Promise<boolean> {
    return this.cards.recordActivity(findingId, seen);
  }
  claimThreadReply(findingId: string, nowS: number, minIntervalSeconds: number): Promise<boolean> {
    return this.cards.claimThreadReply(findingId, nowS, minIntervalSeconds);
  }
  addCardNote(findingId: string, note: string): Promise<CardRecord | undefined> {
    return this.cards.addCardNote(findingId, note);
  }
  recordFeedback(findingId: string, userId: string, useful: boolean, nowS: number): Promise<FeedbackVote> {
    return this.cards.recordFeedback(findingId, userId, useful, nowS);
  }
  withdrawFeedback(findingId: string, userId: string, useful: boolean): Promise<void> {
    return this.cards.withdrawFeedback(findingId, userId, useful);
  }

  // ------------------------------------------------------------ ownership and status

  takeFinding(findingId: string, userId: string, nowS: number): Promise<OwnershipChange> {
    return this.ownership.takeFinding(findingId, userId, nowS);
  }
  reassignFinding(findingId: string, from: string, to: string, nowS: number): Promise<OwnershipChange> {
    return this.ownership.reassignFinding(findingId, from, to, nowS);
  }
  resolveFinding(
    findingId: string,
    actor: string,
    resolution: Resolution,
    note: string | undefined,
    version: number,
    takeOwnership: boolean,
    nowS: number,
  ): Promise<OwnershipChange> {
    return this.ownership.resolveFinding(findingId, actor, resolution, note, version, takeOwnership, nowS);
  }
  /** A reopened finding is looked at by the reminder sweeper again (it decides whether a reminder is due, and when). */
  async reopenFinding(findingId: string, actor: string, version: number, nowS: number): Promise<OwnershipChange> {
    const change = await this.ownership.reopenFinding(findingId, actor, version, nowS);
    if (change.ok) await this.reminders.scheduleReminders(findingId, nowS, nowS);
    return change;
  }
  listOwned(userId: string): Promise<CardRecord[]> {
    return this.ownership.listOwned(userId);
  }
  ownedAmong(findingIds: readonly string[]): Promise<ReadonlySet<string>> {
    return this.ownership.ownedAmong(findingIds);
  }

  // ------------------------------------------------------------ reminders (ReminderStore)

  scheduleReminders(findingId: string, baseS: number, dueS: number): Promise<void> {
    return this.reminders.scheduleReminders(findingId, baseS, dueS);
  }
  dueReminders(nowS: number, limit: number): Promise<ReminderEntry[]> {
    return this.reminders.dueReminders(nowS, limit);
  }
  rescheduleReminder(entry: ReminderEntry, dueS: number): Promise<void> {
    return this.reminders.rescheduleReminder(entry, dueS);
  }
  unscheduleReminder(entry: ReminderEntry): Promise<void> {
    return this.reminders.unscheduleReminder(entry);
  }
  getReminderCard(findingId: string): Promise<ReminderCard | undefined> {
    return this.reminders.getReminderCard(findingId);
  }
  recordReminder(findingId: string, reminder: PendingReminder, pin: ReminderPin): Promise<boolean> {
    return this.reminders.recordReminder(findingId, reminder, pin);
  }
  claimPendingReminder(findingId: string, reminderId: string, by: string, untilS: number, nowS: number): Promise<ReminderCard | undefined> {
    return this.reminders.claimPendingReminder(findingId, reminderId, by, untilS, nowS);
  }
  clearPendingReminder(findingId: string, reminderId: string): Promise<boolean> {
    return this.reminders.clearPendingReminder(findingId, reminderId);
  }

  // ------------------------------------------------------------ cursors and leases

  getCursor(region: string): Promise<number | undefined> {
    return this.feed.getCursor(region);
  }
  advanceCursor(region: string, updatedAtMs: number): Promise<void> {
    return this.feed.advanceCursor(region, updatedAtMs);
  }
  acquireLease(name: string, owner: string, ttlSeconds: number, nowS: number): Promise<boolean> {
    return this.feed.acquireLease(name, owner, ttlSeconds, nowS);
  }
  releaseLease(name: string, owner: string): Promise<boolean> {
    return this.feed.releaseLease(name, owner);
  }

  // ------------------------------------------------------------ digests

  addDigestItem(channel: string, item: DigestItem): Promise<void> {
    return this.digests.addDigestItem(channel, item);
  }
  listDigestItems(channel: string): Promise<DigestItem[]> {
    return this.digests.listDigestItems(channel);
  }
  closeDigest(channel: string, digestId: string, items: readonly DigestItem[], nowS: number): Promise<void> {
    return this.digests.closeDigest(channel, digestId, items, nowS);
  }
  getDigest(digestId: string): Promise<DigestItem[] | undefined> {
    return this.digests.getDigest(digestId);
  }

  // ------------------------------------------------------------ proposals

  createProposal(proposal: Proposal): Promise<void> {
    return this.proposals.createProposal(proposal);
  }
  getProposal(findingId: string, proposalId: string): Promise<Proposal | undefined> {
    return this.proposals.getProposal(findingId, proposalId);
  }
  listProposals(findingId: string): Promise<Proposal[]> {
    return this.proposals.listProposals(findingId);
  }
  approve(
    findingId: string,
    proposalId: string,
    approver: string,
    execOwner: string,
    leaseSeconds: number,
    nowS: number,
    binding?: ApprovalBinding,
  ): Promise<TransitionOutcome> {
    return this.proposals.approve(findingId, proposalId, approver, execOwner, leaseSeconds, nowS, binding);
  }
  reject(findingId: string, proposalId: string, actor: string, nowS: number): Promise<TransitionOutcome> {
    return this.proposals.reject(findingId, proposalId, actor, nowS);
  }
  cancel(findingId: string, proposalId: string, actor: string, nowS: number): Promise<TransitionOutcome> {
    return this.proposals.cancel(findingId, proposalId, actor, nowS);
  }
  takeOverExecution(
    findingId: string,
    proposalId: string,
    execOwner: string,
    leaseSeconds: number,
    nowS: number,
  ): Promise<TransitionOutcome> {
    return this.proposals.takeOverExecution(findingId, proposalId, execOwner, leaseSeconds, nowS);
  }
  finishExecution(
    findingId: string,
    proposalId: string,
    execOwner: string,
    result: AnyResult,
    nowS: number,
    resultSeal?: string,
  ): Promise<TransitionOutcome> {
    return this.proposals.finishExecution(findingId, proposalId, execOwner, result, nowS, resultSeal);
  }
  recordRulesBefore(findingId: string, proposalId: string, execOwner: string, rules: IngressRule[], seal?: string): Promise<void> {
    return this.proposals.recordRulesBefore(findingId, proposalId, execOwner, rules, seal);
  }

  recordStepsBefore(findingId: string, proposalId: string, execOwner: string, states: StepState[], seal: string): Promise<void> {
    return this.proposals.recordStepsBefore(findingId, proposalId, execOwner, states, seal);
  }
  setMessageTs(findingId: string, proposalId: string, messageTs: string): Promise<void> {
    return this.proposals.setMessageTs(findingId, proposalId, messageTs);
  }
  listStalledExecutions(nowS: number): Promise<Proposal[]> {
    return this.proposals.listStalledExecutions(nowS);
  }

  // ------------------------------------------------------------ proposals waiting for a decision (PendingProposalStore)

  postedCards(
    fromS: number,
    toS: number,
    options?: { channel?: string; limit?: number },
  ): Promise<{ cards: PostedCard[]; truncated: boolean }> {
    return this.stats.postedCards(fromS, toS, options);
  }

  claimSummary(channel: string, slotS: number, by: string, untilS: number, nowS: number): Promise<SummaryClaim | undefined> {
    return this.stats.claimSummary(channel, slotS, by, untilS, nowS);
  }

  finishSummary(channel: string, slotS: number, by: string, outcome: { posted: string } | { empty: true }): Promise<boolean> {
    return this.stats.finishSummary(channel, slotS, by, outcome);
  }

  recordSequenceLinks(sequence: SequenceMembership, signalIds: readonly string[]): Promise<void> {
    return this.sequenceLinks.recordSequenceLinks(sequence, signalIds);
  }

  sequencesOfSignal(findingId: string): Promise<SequenceMembership[]> {
    return this.sequenceLinks.sequencesOfSignal(findingId);
  }

  mergeCardLinks(
    findingId: string,
    field: 'partOfSequences' | 'signalThreads',
    links: readonly SequenceLink[],
  ): Promise<CardRecord | undefined> {
    return this.sequenceLinks.mergeCardLinks(findingId, field, links);
  }

  claimSequenceParts(findingId: string, parts: readonly string[]): Promise<SequencePartsClaim | undefined> {
    return this.sequenceLinks.claimSequenceParts(findingId, parts);
  }

  recordSuppression(entry: SuppressionEntry): Promise<void> {
    return this.suppressions.recordSuppression(entry);
  }

  dueSuppressions(nowS: number, limit: number): Promise<SuppressionEntry[]> {
    return this.suppressions.dueSuppressions(nowS, limit);
  }

  listSuppressions(limit: number): Promise<SuppressionEntry[]> {
    return this.suppressions.listSuppressions(limit);
  }

  removeSuppression(entry: SuppressionEntry): Promise<boolean> {
    return this.suppressions.removeSuppression(entry);
  }

  recordPendingProposal(proposal: Proposal): Promise<void> {
    return this.pending.recordPendingProposal(proposal);
  }
  listPendingProposals(nowS: number, limit: number): Promise<Proposal[]> {
    return this.pending.listPendingProposals(nowS, limit);
  }
}
