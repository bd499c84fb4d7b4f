import type { Finding } from './finding';
import type { Resolution, TriageFields } from './ownership';
import type { AuditEntry, Proposal, ProposalState } from './proposal';
import type { SeverityBand } from './severity';
import type { PendingReminder, ReminderCard, ReminderPin } from './reminders';
import type { UndoBasis } from './remediation/plan-safety';
import type { PlaybookTarget } from './remediation/containment/playbook';
import type { Json, PlanStep, RunContext, StepPlan, StepState } from './remediation/steps';
import type { AnyResult, DryRunOutcome, ExecutionResult, IngressRule, RemediationPlan, TrustedSource } from './remediation/types';

// ---------------------------------------------------------------- GuardDuty

export interface FindingQuery {
  /** Lowest band; undefined means every severity. */
  minBand?: SeverityBand;
  accountId?: string;
  /** Exact finding types (GuardDuty filters types by equality, at most 50). */
  types?: string[];
  /** Undefined means archived and active alike. */
  archived?: boolean;
  /** Only findings updated at or after this instant (epoch ms). */
  updatedSinceMs?: number;
  sortBy: 'severity' | 'updatedAt';
  order: 'ASC' | 'DESC';
}

export interface FindingPage {
  findings: Finding[];
  nextToken?: string;
}

export interface FindingsSource {
  readonly regions: readonly string[];
  /** One page of finding IDs filtered and sorted by GuardDuty, then fetched in full. */
  list(region: string, query: FindingQuery, pageSize: number, nextToken?: string): Promise<FindingPage>;
  /** Every finding ID matching the query, following NextToken (no GetFindings). */
  listIds(region: string, query: FindingQuery): Promise<string[]>;
  /** GetFindings in batches of at most 50 IDs; unknown IDs are left out. */
  get(region: string, ids: readonly string[]): Promise<Finding[]>;
  /** Looks the ID up in each configured region (the given one first). */
  findById(id: string, preferRegion?: string): Promise<Finding | undefined>;
  archive(region: string, ids: readonly string[]): Promise<void>;
  feedback(region: string, ids: readonly string[], useful: boolean, comment?: string): Promise<void>;
  /**
   * Open (not archived) findings of exactly `band`, counted per account by GuardDuty itself (GetFindingsStatistics
   * grouped by account), largest first, at most `maxAccounts`. Optional: without it, counts come from a listing.
   */
  countOpenByAccount?(region: string, band: SeverityBand, maxAccounts: number): Promise<AccountCounts>;
  /**
   * Findings (archived and active) updated at or after `sinceMs` (and before `untilMs` when given), counted per UTC day (`YYYY-MM-DD`) and band:
   * GetFindingsStatistics grouped by DATE, one call per band. Days without findings are absent.
   */
  countsByDay?(region: string, sinceMs: number, untilMs?: number): Promise<DayBandCount[]>;
  /**
   * Findings (archived and active) updated at or after `sinceMs`, counted by GuardDuty (GetFindingsStatistics) per
   * account, finding type or severity value, largest first, at most `max` groups (1 to 100).
   */
  statistics?(region: string, query: StatisticsQuery): Promise<GroupCounts>;
}

/** Findings of one band on one UTC day. */
export interface DayBandCount {
  /** `YYYY-MM-DD` (UTC). */
  date: string;
  band: SeverityBand;
  count: number;
}

export type StatisticsGroup = 'ACCOUNT' | 'FINDING_TYPE' | 'SEVERITY';

export interface StatisticsQuery {
  sinceMs: number;
  /** Only findings updated before this instant; undefined: up to now. */
  untilMs?: number;
  groupBy: StatisticsGroup;
  max: number;
}

/** Findings counted per group (an account ID, a finding type, a severity value as text); `truncated` when groups were left out. */
export interface GroupCounts {
  groups: { key: string; count: number }[];
  truncated: boolean;
}

/** Findings counted per account; `truncated` when more accounts have some than were returned. */
export interface AccountCounts {
  counts: { accountId: string; count: number }[];
  truncated: boolean;
}

// ---------------------------------------------------------------- State store

/** What the feed last saw of a finding, kept on its card record. */
export interface Observation {
  severity: number;
  updatedAtMs: number;
  count: number;
  archived: boolean;
}

/** A finding's card record; its ownership fields (`TriageFields`: owner, status, resolution) are in domain/ownership.ts. */
export interface CardRecord extends Observation, TriageFields {
  findingId: string;
  region: string;
  accountId: string;
  /** `claimed`: a card is being posted; `posted`: channel/ts are set; `digest`: below the posting threshold. */
  state: 'claimed' | 'posted' | 'digest';
  claimOwner?: string;
  /** Epoch seconds. */
  claimExpiresAt?: number;
  /** Epoch seconds when the claim was taken (to look for a message posted before a crash). */
  claimedAt?: number;
  channel?: string;
  ts?: string;
  /** Epoch seconds of the last thread reply about new activity. */
  lastReplyAt?: number;
  /** What people did, shown on the card (mrkdwn-safe lines written by the bot), oldest first; only the last few are kept. */
  notes?: string[];
  /** Notes ever added: the `notesTotal - notes.length` oldest were dropped from the record (they are in the thread). */
  notesTotal?: number;
  /** The finding's feedback counts (one vote per person), copied here so every redraw of the card shows them. */
  feedback?: FeedbackCounts & { version: number };
}

export interface FeedbackCounts {
  useful: number;
  notUseful: number;
}

export interface FeedbackVote {
  /** False when this person had already given feedback on the finding: nothing was changed. */
  recorded: boolean;
  /** What this person said: this vote, or their earlier one when not recorded. */
  useful: boolean;
  counts: FeedbackCounts;
  /** The finding's card record after the counts were copied onto it; undefined when it has none. */
  card?: CardRecord;
}

export interface DigestItem {
  findingId: string;
  region: string;
  accountId: string;
  severity: number;
  type: string;
  title: string;
  /** What the finding is about in plain text (an instance, a cluster, a function), cut short; escaped when shown. */
  resource?: string;
}

export interface CardStore {
  /** BatchGetItem, at most 100 keys a request; missing IDs are absent from the map. */
  getCards(findingIds: readonly string[]): Promise<Map<string, CardRecord>>;
  getCard(findingId: string): Promise<CardRecord | undefined>;
  /** Put with `attribute_not_exists(pk)`; false when any record for the finding exists. */
  claimCard(
    record: Omit<CardRecord, 'claimOwner' | 'claimExpiresAt' | 'claimedAt'>,
    owner: string,
    claimSeconds: number,
    nowS: number,
  ): Promise<boolean>;
  /** Takes over a `claimed` record whose claim expired (or a `digest` record being promoted); false otherwise. */
  takeOverClaim(findingId: string, owner: string, claimSeconds: number, nowS: number, fromState: 'claimed' | 'digest'): Promise<boolean>;
  /** Condition: state = claimed AND claimOwner = owner. Sets posted, channel, ts, the observation; removes the claim. */
  markPosted(findingId: string, owner: string, channel: string, ts: string, seen: Observation): Promise<boolean>;
  /** Records newer activity. Condition: updatedAtMs < new OR count < new OR archived <> new. False when nothing newer. */
  recordActivity(findingId: string, seen: Observation): Promise<boolean>;
  /** Claims the right to post a thread reply: lastReplyAt missing or <= nowS - minIntervalSeconds. */
  claimThreadReply(findingId: string, nowS: number, minIntervalSeconds: number): Promise<boolean>;
  /**
   * Appends a line to the card's notes (condition: the record exists), keeping only the last few lines, each cut
   * to a bounded length, so the record stays small; returns the record after the write.
   */
  addCardNote(findingId: string, note: string): Promise<CardRecord | undefined>;
  /**
   * One conditional write records the person's vote on the finding unless they already gave one (either way);
   * then the counts are copied onto the card record, when there is one (never older counts over newer ones).
   */
  recordFeedback(findingId: string, userId: string, useful: boolean, nowS: number): Promise<FeedbackVote>;
  /** Takes back a vote (its GuardDuty call failed) so that the person can try again; the card's counts follow. */
  withdrawFeedback(findingId: string, userId: string, useful: boolean): Promise<void>;
}

/** What an ownership or status write did: `ok` false when its condition failed (someone changed the record first). */
export interface OwnershipChange {
  ok: boolean;
  /** The card record after a successful write, or as read after a refused one (undefined when the finding has none). */
  card?: CardRecord;
}

/** A finding's owner and status, kept on its card record; an index item per owner lists what a person owns. */
export interface OwnershipStore {
  /**
   * Condition: the card exists and has no owner. Sets the owner and their time, status investigating (unless
   * resolved), bumps `triageVersion`.
   */
  takeFinding(findingId: string, userId: string, nowS: number): Promise<OwnershipChange>;
  /** Condition: owner = `from` (pinned on the owner the person was shown). Sets `to` as the owner. */
  reassignFinding(findingId: string, from: string, to: string, nowS: number): Promise<OwnershipChange>;
  /**
   * Condition: triageVersion = `version` and status <> resolved. Sets resolved with the reason, note and who;
   * with `takeOwnership` (the finding was unowned) the actor becomes its owner in the same write.
   */
  resolveFinding(
    findingId: string,
    actor: string,
    resolution: Resolution,
    note: string | undefined,
    version: number,
    takeOwnership: boolean,
    nowS: number,
  ): Promise<OwnershipChange>;
  /** Condition: triageVersion = `version` and status = resolved. Back to investigating; the reason is removed. */
  reopenFinding(findingId: string, actor: string, version: number, nowS: number): Promise<OwnershipChange>;
  /** The card records this person owns now (the card record decides; stale index items are left out). */
  listOwned(userId: string): Promise<CardRecord[]>;
  /** Of these findings, the ones with an owner (BatchGetItem of their card records). */
  ownedAmong(findingIds: readonly string[]): Promise<ReadonlySet<string>>;
}

/** A card waiting to be posted in a channel: recorded before the feed's cursor moves past its finding. */
export interface OutboxEntry {
  channel: string;
  findingId: string;
  region: string;
  severity: number;
  /** Epoch ms of the finding's UpdatedAt when it was queued: oldest first within a band. */
  updatedAtMs: number;
  /** The route's user group to mention with the new card. */
  mention?: string;
}

export interface OutboxStore {
  /** Idempotent put, keyed so that a channel's entries read highest band first, then oldest first. */
  enqueueCard(entry: OutboxEntry): Promise<void>;
  /** The channel's next entries in that order (at most `limit`). */
  nextInOutbox(channel: string, limit: number): Promise<OutboxEntry[]>;
  removeFromOutbox(entry: OutboxEntry): Promise<void>;
}

export interface CursorStore {
  /** Epoch ms of the last fully recorded UpdatedAt for the region, or undefined on the first run. */
  getCursor(region: string): Promise<number | undefined>;
  /** Only moves forward: condition attribute_not_exists OR cursor < new. */
  advanceCursor(region: string, updatedAtMs: number): Promise<void>;
}

export interface LeaseStore {
  /** Acquire or renew: attribute_not_exists OR owner = me OR expiresAt <= now. */
  acquireLease(name: string, owner: string, ttlSeconds: number, nowS: number): Promise<boolean>;
  /** Condition owner = me; silently false when someone else holds it. */
  releaseLease(name: string, owner: string): Promise<boolean>;
}

/** A card's place in the reminder index: the finding and when it is next looked at (epoch seconds). */
export interface ReminderEntry {
  findingId: string;
  dueS: number;
}

/**
 * Reminders about cards nobody acts on (domain/reminders.ts): an index ordered by due time (a Query, never a Scan)
 * says which cards to look at; the card record is the truth, and each reminder is one conditional write on it,
 * recorded as pending before it is posted and cleared after.
 */
export interface ReminderStore {
  /** Sets the card's reminder base (only if it has none) and indexes the card at `dueS` (idempotent). */
  scheduleReminders(findingId: string, baseS: number, dueS: number): Promise<void>;
  /** The index entries due at `nowS` or before, soonest first, at most `limit`. */
  dueReminders(nowS: number, limit: number): Promise<ReminderEntry[]>;
  /** Moves an entry to `dueS` (the new entry first, then the old one removed). */
  rescheduleReminder(entry: ReminderEntry, dueS: number): Promise<void>;
  unscheduleReminder(entry: ReminderEntry): Promise<void>;
  /** The card record with its reminder fields. */
  getReminderCard(findingId: string): Promise<ReminderCard | undefined>;
  /**
   * The one conditional write of a reminder: pins what the decision read (no owner and the count sent, or the
   * owner and since when), no reminder pending, not resolved, not archived; records the count and the reminder as
   * pending, held by `postingBy` until `postingUntil`. False when the condition failed (someone else did it, or
   * the card changed).
   */
  recordReminder(findingId: string, reminder: PendingReminder, pin: ReminderPin): Promise<boolean>;
  /** Takes over posting a pending reminder whose holder's time ran out; the card after the write, or undefined. */
  claimPendingReminder(findingId: string, reminderId: string, by: string, untilS: number, nowS: number): Promise<ReminderCard | undefined>;
  /** Removes the pending reminder once posted (condition: it is still this one). */
  clearPendingReminder(findingId: string, reminderId: string): Promise<boolean>;
}

/** Whether a store keeps reminders (DynamoStateStore does). */
export function keepsReminders<T extends object>(store: T): store is T & ReminderStore {
  const s = store as Partial<ReminderStore>;
  return typeof s.scheduleReminders === 'function' && typeof s.dueReminders === 'function' && typeof s.recordReminder === 'function';
}

/** A posted card as the numbers read it: the card record (the truth), found through the posting index. */
export interface PostedCard {
  findingId: string;
  channel: string;
  /** Epoch seconds the card was posted (its message ts). */
  postedS: number;
  severity: number;
  accountId: string;
  archived: boolean;
  owner?: string;
  /** Epoch seconds of the first Take (or of the resolve that made its resolver the owner). */
  firstOwnedS?: number;
  /** Epoch seconds it was resolved, while it stays resolved. */
  resolvedS?: number;
}

/**
 * The cards posted in a period, for `/guardduty stats` and the weekly summary: an index item per card under its
 * UTC month (`cards#YYYY-MM`, written before the card's post is recorded) is Queried, never the table Scanned;
 * the card records are then read (BatchGetItem) and decide.
 */
export interface CardStatsStore {
  /** Cards posted at `fromS` or later and before `toS`, in `channel` when given; at most `limit` (the earliest), `truncated` past it. */
  postedCards(
    fromS: number,
    toS: number,
    options?: { channel?: string; limit?: number },
  ): Promise<{ cards: PostedCard[]; truncated: boolean }>;
}

/** One periodic summary of one channel: claimed before it is posted (one conditional write per channel and slot). */
export interface SummaryClaim {
  /** Epoch seconds the first holder claimed it: a post since then may already be in the channel. */
  claimedS: number;
  /** True when an earlier holder's time ran out (it may have posted before it stopped). */
  takenOver: boolean;
}

export interface SummaryStore {
  /**
   * Claims the summary of `channel` for the schedule's slot (epoch seconds): a put if absent, or a takeover of a
   * claim whose holder's time ran out; undefined when it is done or someone else holds it.
   */
  claimSummary(channel: string, slotS: number, by: string, untilS: number, nowS: number): Promise<SummaryClaim | undefined>;
  /** Records it done (condition: `by` still holds it): posted with its ts, or empty (nothing to say, no post). */
  finishSummary(channel: string, slotS: number, by: string, outcome: { posted: string } | { empty: true }): Promise<boolean>;
}

/** Whether a store keeps what the numbers need (the posting index and summary claims). */
export function keepsStats<T extends object>(store: T): store is T & CardStatsStore & SummaryStore {
  const s = store as Partial<CardStatsStore & SummaryStore>;
  return typeof s.postedCards === 'function' && typeof s.claimSummary === 'function' && typeof s.finishSummary === 'function';
}

export interface DigestStore {
  /** One item per finding under the channel's pending digest; idempotent. */
  addDigestItem(channel: string, item: DigestItem): Promise<void>;
  listDigestItems(channel: string): Promise<DigestItem[]>;
  /** Moves the items into a sent digest record (so its button can list them) and deletes them from pending. */
  closeDigest(channel: string, digestId: string, items: readonly DigestItem[], nowS: number): Promise<void>;
  getDigest(digestId: string): Promise<DigestItem[] | undefined>;
}

export interface TransitionOutcome {
  ok: boolean;
  /** The record after a successful write, or as read after a refused one (undefined when missing). */
  proposal?: Proposal;
}

/** What the approving write pins (condition) and adds (seal), so the approval is bound to one plan. */
export interface ApprovalBinding {
  planDigest: string;
  proposalSeal: string;
  approvalSeal: string;
}

export interface ProposalStore {
  /** Put with attribute_not_exists. */
  createProposal(proposal: Proposal): Promise<void>;
  getProposal(findingId: string, proposalId: string): Promise<Proposal | undefined>;
  /** Every proposal of a finding, oldest first. */
  listProposals(findingId: string): Promise<Proposal[]>;
  /**
   * One conditional write: state = proposed AND requester <> approver AND expiresAt > now.
   * On success state becomes `executing`, approver and the execution lease (owner, now + leaseSeconds) are set
   * and an audit entry is appended. With a binding the condition also requires the stored plan digest and
   * proposal seal to be the given ones, and the approval seal and time are written in the same write.
   */
  approve(
    findingId: string,
    proposalId: string,
    approver: string,
    execOwner: string,
    leaseSeconds: number,
    nowS: number,
    binding?: ApprovalBinding,
  ): Promise<TransitionOutcome>;
  /** state = proposed → rejected (by anyone allowed to decide; not the requester: they cancel). */
  reject(findingId: string, proposalId: string, actor: string, nowS: number): Promise<TransitionOutcome>;
  /** state = proposed AND requester = actor → cancelled. */
  cancel(findingId: string, proposalId: string, actor: string, nowS: number): Promise<TransitionOutcome>;
  /** state = executing AND execLeaseExpiresAt <= now → new owner and lease (resume after a crash). */
  takeOverExecution(
    findingId: string,
    proposalId: string,
    execOwner: string,
    leaseSeconds: number,
    nowS: number,
  ): Promise<TransitionOutcome>;
  /** state = executing AND execOwner = owner → executed | failed, with the result and an audit entry. */
  finishExecution(
    findingId: string,
    proposalId: string,
    execOwner: string,
    result: AnyResult,
    nowS: number,
    resultSeal?: string,
  ): Promise<TransitionOutcome>;
  /**
   * Keeps which of the plan's rules were in place before the first write. Condition: state = executing AND
   * execOwner = owner AND nothing recorded yet; throws a LeaseLostError otherwise.
   */
  recordRulesBefore(findingId: string, proposalId: string, execOwner: string, rules: IngressRule[], seal?: string): Promise<void>;
  /** The same for a containment playbook: each step's state before the first write. Same condition. */
  recordStepsBefore(findingId: string, proposalId: string, execOwner: string, states: StepState[], seal: string): Promise<void>;
  /** Sets messageTs once the proposal message is posted (no state change). */
  setMessageTs(findingId: string, proposalId: string, messageTs: string): Promise<void>;
  /** Proposals in state `executing` whose lease has expired (for resumption at start-up). Scan is acceptable. */
  listStalledExecutions(nowS: number): Promise<Proposal[]>;
}

/** All the store holds about one finding: its card record and its proposals, oldest first. */
export interface FindingRecord {
  card?: CardRecord;
  proposals: Proposal[];
}

export interface StateStore extends CardStore, OwnershipStore, CursorStore, LeaseStore, DigestStore, ProposalStore, OutboxStore {
  /** A cheap read to tell whether the store answers. */
  ping(): Promise<void>;
  /** The card and proposals of a finding in one read (they share a partition). */
  getFindingRecord(findingId: string): Promise<FindingRecord>;
}

// ---------------------------------------------------------------- Chat (Slack)

/** A message for the chat, its text already safe for the chat's markup; `blocks` are the chat's own layout. */
export interface ChatMessage {
  text: string;
  blocks?: readonly object[];
}

/** Where finding cards, their threads and digests live; the chat adapter renders them. */
export interface CardChannel {
  /**
   * Posts the finding's card (marked with the finding's ID, for recovery); returns its message ts.
   * `mention` is a user group ID (S…) to mention with the new card, from the finding's route.
   */
  postCard(channel: string, finding: Finding, options?: { mention?: string }): Promise<string>;
  /** Redraws the card, with what the record says people did (notes, feedback). */
  updateCard(channel: string, ts: string, finding: Finding, record?: CardRecord): Promise<void>;
  /** The ts of this finding's card posted since `sinceS` (epoch seconds), for recovery after a crash. */
  findCard(channel: string, findingId: string, sinceS: number): Promise<string | undefined>;
  deleteMessage(channel: string, ts: string): Promise<void>;
  /** A thread reply saying what is new in a recurring finding since `before`. */
  postActivity(channel: string, threadTs: string, finding: Finding, before: Observation): Promise<string>;
  postInThread(channel: string, threadTs: string, message: ChatMessage): Promise<string>;
  /** One message summing up findings below the posting threshold, with a way to list them by `digestId`. */
  postDigest(channel: string, digestId: string, items: readonly DigestItem[], intervalMinutes: number): Promise<string>;
}

/** Decides whether a chat user may approve remediations. */
export interface ApproverPolicy {
  isApprover(userId: string): Promise<boolean>;
}

// ---------------------------------------------------------------- EC2 remediation

export interface SecurityGroupReader {
  /** Every ingress rule of the groups, one source per rule. */
  ingressRules(groupIds: readonly string[]): Promise<IngressRule[]>;
  /** Security groups attached to the instance now (the finding's may be stale). */
  instanceGroupIds(instanceId: string): Promise<string[]>;
}

/** Where a run keeps what it saw before its first write, so that a resumed run knows what its predecessor changed. */
export interface ExecutionJournal {
  /** What an earlier run of this execution recorded, when it got that far. */
  rulesBefore?: IngressRule[];
  /** Records, before the first write, which of the plan's rules are in place; a failure stops the run unwritten. */
  recordRulesBefore(rules: IngressRule[]): Promise<void>;
}

export interface RemediationExecutor extends SecurityGroupReader {
  /**
   * EC2 DryRun of the plan's authorize and revoke calls. Like `apply`, refuses an unsafe plan (UnsafePlanError)
   * before any call; a revert plan needs `undo`, the verified result of the run it undoes.
   */
  dryRun(plan: RemediationPlan, undo?: UndoBasis): Promise<{ ok: boolean; message: string }>;
  /** Reads the rules, authorizes first, then revokes (IPv4 and IPv6), then describes again to verify. Idempotent. */
  apply(plan: RemediationPlan, journal?: ExecutionJournal, undo?: UndoBasis): Promise<ExecutionResult>;
}

/** Gives an executor for an account and region, assuming a role when the account is not the bot's own. */
export interface RemediationExecutorFactory {
  forTarget(accountId: string, region: string): Promise<RemediationExecutor>;
}

// ---------------------------------------------------------------- Containment playbooks

/**
 * A containment playbook's AWS side for one target account and region: a read-only survey for the plan, then
 * the runner reads, writes and reads back each step in the step's own terms.
 */
export interface StepExecutor {
  /** Read-only calls: what exists now, in the shape the playbook's `plan` expects. */
  survey(target: PlaybookTarget): Promise<unknown>;
  /** The step resource's state now, in the same terms as the step's `before` and `after`. */
  read(step: PlanStep, ctx: RunContext): Promise<Json>;
  /** The concrete state `step.after` stands for in this run (e.g. the approval time filled in). */
  resolve(step: PlanStep, ctx: RunContext): Json;
  /** Sets the resource to `target`; called only when it was found in the step's `before` state. */
  write(step: PlanStep, target: Json, ctx: RunContext): Promise<{ kept?: { label: string; id: string }[] }>;
  /** A DryRun where the API has one; otherwise `checked: false` and why. */
  permissionCheck(plan: StepPlan): Promise<DryRunOutcome>;
  /** AWS requests made so far by this executor (retries included). */
  awsCalls(): number;
}

export interface StepExecutorFactory {
  /** The executor of `playbook` (its base ID; a revert uses its playbook's) in an account and region. */
  forPlaybook(playbook: string, accountId: string, region: string): Promise<StepExecutor>;
}

export type { AuditEntry, IngressRule, Proposal, ProposalState, TrustedSource };

// ---------------------------------------------------------------- Proposals waiting for a decision (App Home)

/**
 * An index of the proposals waiting for a decision across findings (for the App Home). The proposal record stays
 * the truth: listing reads each indexed proposal back and leaves out (and removes) any that is no longer waiting.
 */
export interface PendingProposalStore {
  /** Indexes a newly created proposal (idempotent). */
  recordPendingProposal(proposal: Proposal): Promise<void>;
  /** The newest proposals still `proposed` and not expired at `nowS`, newest first, at most `limit`. */
  listPendingProposals(nowS: number, limit: number): Promise<Proposal[]>;
}

/** Whether a store keeps the index of waiting proposals (DynamoStateStore does). */
export function keepsPendingProposals<T extends object>(store: T): store is T & PendingProposalStore {
  const s = store as Partial<PendingProposalStore>;
  return typeof s.recordPendingProposal === 'function' && typeof s.listPendingProposals === 'function';
}
