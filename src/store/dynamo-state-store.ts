import { isDeepStrictEqual } from 'node:util';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { ChatOpsError, LeaseLostError, NotFoundError, StoreUnavailableError } from '../domain/errors';
import type { AuditEntry, Proposal } from '../domain/proposal';
import type { ApprovalBinding, CardRecord, DigestItem, FeedbackCounts, FeedbackVote, FindingRecord, Observation, StateStore, TransitionOutcome } from '../domain/ports';
import type { ExecutionResult, IngressRule } from '../domain/remediation/types';

type Item = Record<string, unknown>;
type Key = { pk: string; sk: string };

const DAY_S = 86_400;
/** Proposals carry the audit trail and what a revert must undo: kept a year (TTL `expiresAt`). */
const PROPOSAL_RETENTION_S = 365 * DAY_S;
const SENT_DIGEST_RETENTION_S = 30 * DAY_S;
const BATCH_GET_MAX = 100;
const BATCH_WRITE_MAX = 25;
const BATCH_MAX_ATTEMPTS = 8;
/** Sent digests are split into parts to stay below DynamoDB's 400 KB item limit. */
const DIGEST_PART_MAX_BYTES = 300_000;
/**
 * A card keeps at least its last 20 notes: they are appended up to 30, then trimmed to the last 20 (so a trim,
 * which needs a read, is rare). Each is at most 1,000 characters: the notes stay under ~120 KB whatever happens.
 */
export const CARD_NOTES_KEPT = 20;
const CARD_NOTES_MAX = 30;
export const CARD_NOTE_MAX_CHARS = 1000;
/** Attempts at adding a note before giving up on concurrent writers. */
const NOTE_WRITE_ATTEMPTS = 10;

const keys = {
  card: (findingId: string): Key => ({ pk: `finding#${findingId}`, sk: 'card' }),
  feedback: (findingId: string): Key => ({ pk: `finding#${findingId}`, sk: 'feedback' }),
  proposal: (findingId: string, proposalId: string): Key => ({ pk: `finding#${findingId}`, sk: `proposal#${proposalId}` }),
  cursor: (region: string): Key => ({ pk: `cursor#${region}`, sk: 'cursor' }),
  lease: (name: string): Key => ({ pk: `lease#${name}`, sk: 'lease' }),
  digestItem: (channel: string, findingId: string): Key => ({ pk: `digest#${channel}`, sk: `item#${findingId}` }),
  sentDigestPart: (digestId: string, part: number): Key => ({ pk: `digestsent#${digestId}`, sk: `part#${String(part).padStart(5, '0')}` }),
};

export class ProposalExistsError extends ChatOpsError {
  constructor(findingId: string, proposalId: string) {
    super('PROPOSAL_EXISTS', `Proposal ${proposalId} for finding ${findingId} already exists`);
  }
}

/** Other writers kept changing the record between this process's read and its conditional write. */
export class StoreConflictError extends ChatOpsError {
  constructor(message: string) {
    super('STORE_CONFLICT', message);
  }
}

export class DynamoStateStore implements StateStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  // ------------------------------------------------------------ cards

  async getCards(findingIds: readonly string[]): Promise<Map<string, CardRecord>> {
    const cards = new Map<string, CardRecord>();
    for (const chunk of chunks([...new Set(findingIds)], BATCH_GET_MAX)) {
      let pending: Item[] = chunk.map((id) => keys.card(id));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) await this.backoff('BatchGetItem', attempt);
        const requested = pending;
        const out = await this.call('BatchGetItem', () =>
          this.doc.send(new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: requested, ConsistentRead: true } } })),
        );
        for (const item of out.Responses?.[this.tableName] ?? []) {
          const card = toCard(item);
          cards.set(card.findingId, card);
        }
        pending = out.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
    }
    return cards;
  }

  async getCard(findingId: string): Promise<CardRecord | undefined> {
    const item = await this.get(keys.card(findingId));
    return item && toCard(item);
  }

  async claimCard(
    record: Omit<CardRecord, 'claimOwner' | 'claimExpiresAt' | 'claimedAt'>,
    owner: string,
    claimSeconds: number,
    nowS: number,
  ): Promise<boolean> {
    const claim = record.state === 'claimed' ? { claimOwner: owner, claimExpiresAt: nowS + claimSeconds, claimedAt: nowS } : {};
    return this.put({
      Item: { ...keys.card(record.findingId), ...clean(record), ...claim },
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: names('pk'),
    });
  }

  async takeOverClaim(findingId: string, owner: string, claimSeconds: number, nowS: number, fromState: 'claimed' | 'digest'): Promise<boolean> {
    const condition =
      fromState === 'claimed'
        ? '#state = :from AND (attribute_not_exists(#claimExpiresAt) OR #claimExpiresAt <= :now)'
        : '#state = :from';
    const updated = await this.update({
      Key: keys.card(findingId),
      UpdateExpression: 'SET #state = :claimed, #claimOwner = :owner, #claimExpiresAt = :until, #claimedAt = :now',
      ConditionExpression: condition,
      ExpressionAttributeNames: names('state', 'claimOwner', 'claimExpiresAt', 'claimedAt'),
      ExpressionAttributeValues: { ':from': fromState, ':claimed': 'claimed', ':owner': owner, ':until': nowS + claimSeconds, ':now': nowS },
    });
    return updated !== undefined;
  }

  async markPosted(findingId: string, owner: string, channel: string, ts: string, seen: Observation): Promise<boolean> {
    const updated = await this.update({
      Key: keys.card(findingId),
      UpdateExpression:
        'SET #state = :posted, #channel = :channel, #ts = :ts, #severity = :severity, #updatedAtMs = :updatedAtMs, #count = :count, #archived = :archived ' +
        'REMOVE #claimOwner, #claimExpiresAt, #claimedAt',
      ConditionExpression: '#state = :claimed AND #claimOwner = :owner',
      ExpressionAttributeNames: names('state', 'channel', 'ts', 'claimOwner', 'claimExpiresAt', 'claimedAt', ...OBSERVATION_FIELDS),
      ExpressionAttributeValues: { ':posted': 'posted', ':claimed': 'claimed', ':owner': owner, ':channel': channel, ':ts': ts, ...observationValues(seen) },
    });
    return updated !== undefined;
  }

  async recordActivity(findingId: string, seen: Observation): Promise<boolean> {
    const updated = await this.update({
      Key: keys.card(findingId),
      UpdateExpression: 'SET #severity = :severity, #updatedAtMs = :updatedAtMs, #count = :count, #archived = :archived',
      ConditionExpression: 'attribute_exists(#pk) AND (#updatedAtMs < :updatedAtMs OR #count < :count OR #archived <> :archived)',
      ExpressionAttributeNames: names('pk', ...OBSERVATION_FIELDS),
      ExpressionAttributeValues: observationValues(seen),
    });
    return updated !== undefined;
  }

  async claimThreadReply(findingId: string, nowS: number, minIntervalSeconds: number): Promise<boolean> {
    const updated = await this.update({
      Key: keys.card(findingId),
      UpdateExpression: 'SET #lastReplyAt = :now',
      ConditionExpression: 'attribute_exists(#pk) AND (attribute_not_exists(#lastReplyAt) OR #lastReplyAt <= :threshold)',
      ExpressionAttributeNames: names('pk', 'lastReplyAt'),
      ExpressionAttributeValues: { ':now': nowS, ':threshold': nowS - minIntervalSeconds },
    });
    return updated !== undefined;
  }

  /**
   * DynamoDB cannot append to a list and trim it in one expression. Below the maximum, one conditional append;
   * at it, the notes are read, trimmed and written back under a condition on `notesTotal` (which every note
   * write increments), so that a concurrent writer's note is never lost: the loser tries again.
   */
  async addCardNote(findingId: string, note: string): Promise<CardRecord | undefined> {
    const line = note.slice(0, CARD_NOTE_MAX_CHARS);
    for (let attempt = 0; attempt < NOTE_WRITE_ATTEMPTS; attempt++) {
      if (attempt > 0) await jitter(attempt);
      const appended = await this.update({
        Key: keys.card(findingId),
        UpdateExpression: 'SET #notes = list_append(if_not_exists(#notes, :empty), :line), #notesTotal = if_not_exists(#notesTotal, :zero) + :one',
        ConditionExpression: 'attribute_exists(#pk) AND (attribute_not_exists(#notes) OR (attribute_exists(#notesTotal) AND size(#notes) < :max))',
        ExpressionAttributeNames: names('pk', 'notes', 'notesTotal'),
        ExpressionAttributeValues: { ':empty': [], ':line': [line], ':zero': 0, ':one': 1, ':max': CARD_NOTES_MAX },
      });
      if (appended) return toCard(appended);
      const card = await this.getCard(findingId);
      if (!card) return undefined;
      const notes = card.notes ?? [];
      if (card.notesTotal !== undefined && notes.length < CARD_NOTES_MAX) continue;
      // A record written before notes were capped has no `notesTotal`: it counts its notes.
      const before = card.notesTotal;
      const trimmed = await this.update({
        Key: keys.card(findingId),
        UpdateExpression: 'SET #notes = :notes, #notesTotal = :total',
        ConditionExpression: before === undefined ? 'attribute_exists(#pk) AND attribute_not_exists(#notesTotal)' : 'attribute_exists(#pk) AND #notesTotal = :before',
        ExpressionAttributeNames: names('pk', 'notes', 'notesTotal'),
        ExpressionAttributeValues: {
          ':notes': [...notes, line].slice(-CARD_NOTES_KEPT),
          ':total': (before ?? notes.length) + 1,
          ...(before === undefined ? {} : { ':before': before }),
        },
      });
      if (trimmed) return toCard(trimmed);
    }
    throw new StoreConflictError(`The notes of finding ${findingId} kept changing under ${NOTE_WRITE_ATTEMPTS} attempts to add one`);
  }

  async recordFeedback(findingId: string, userId: string, useful: boolean, nowS: number): Promise<FeedbackVote> {
    const vote = await this.update({
      Key: keys.feedback(findingId),
      UpdateExpression: 'ADD #vote :user, #version :one SET #findingId = :findingId, #lastVoteAt = :now',
      ConditionExpression: 'NOT contains(#useful, :userId) AND NOT contains(#notUseful, :userId)',
      ExpressionAttributeNames: { ...names('useful', 'notUseful', 'version', 'findingId', 'lastVoteAt'), ...voteName(useful) },
      ExpressionAttributeValues: { ':user': new Set([userId]), ':userId': userId, ':one': 1, ':findingId': findingId, ':now': nowS },
    });
    if (vote) return { recorded: true, useful, counts: feedbackCounts(vote), card: await this.showFeedback(findingId, vote) };
    const earlier = await this.get(keys.feedback(findingId));
    const voters = (name: string) => (earlier?.[name] as Set<string> | undefined) ?? new Set<string>();
    return { recorded: false, useful: voters('useful').has(userId), counts: feedbackCounts(earlier ?? {}), card: await this.getCard(findingId) };
  }

  async withdrawFeedback(findingId: string, userId: string, useful: boolean): Promise<void> {
    const after = await this.update({
      Key: keys.feedback(findingId),
      UpdateExpression: 'DELETE #vote :user ADD #version :one',
      ConditionExpression: 'contains(#vote, :userId)',
      ExpressionAttributeNames: { ...names('version'), ...voteName(useful) },
      ExpressionAttributeValues: { ':user': new Set([userId]), ':userId': userId, ':one': 1 },
    });
    if (after) await this.showFeedback(findingId, after);
  }

  /** Copies the counts onto the card unless it has none or newer ones; the card record as it is after. */
  private async showFeedback(findingId: string, vote: Item): Promise<CardRecord | undefined> {
    const version = vote['version'] as number;
    const updated = await this.update({
      Key: keys.card(findingId),
      UpdateExpression: 'SET #feedback = :feedback',
      ConditionExpression: 'attribute_exists(#pk) AND (attribute_not_exists(#feedback) OR #feedback.#version < :version)',
      ExpressionAttributeNames: names('pk', 'feedback', 'version'),
      ExpressionAttributeValues: { ':feedback': { ...feedbackCounts(vote), version }, ':version': version },
    });
    return updated ? toCard(updated) : this.getCard(findingId);
  }

  // ------------------------------------------------------------ cursor

  async getCursor(region: string): Promise<number | undefined> {
    const item = await this.get(keys.cursor(region));
    return item?.['cursorMs'] as number | undefined;
  }

  async advanceCursor(region: string, updatedAtMs: number): Promise<void> {
    await this.put({
      Item: { ...keys.cursor(region), region, cursorMs: updatedAtMs },
      ConditionExpression: 'attribute_not_exists(#pk) OR #cursorMs < :new',
      ExpressionAttributeNames: names('pk', 'cursorMs'),
      ExpressionAttributeValues: { ':new': updatedAtMs },
    });
  }

  // ------------------------------------------------------------ leases

  async acquireLease(name: string, owner: string, ttlSeconds: number, nowS: number): Promise<boolean> {
    return this.put({
      Item: { ...keys.lease(name), name, owner, expiresAt: nowS + ttlSeconds },
      ConditionExpression: 'attribute_not_exists(#pk) OR #owner = :owner OR #expiresAt <= :now',
      ExpressionAttributeNames: names('pk', 'owner', 'expiresAt'),
      ExpressionAttributeValues: { ':owner': owner, ':now': nowS },
    });
  }

  async releaseLease(name: string, owner: string): Promise<boolean> {
    return this.conditional('DeleteItem', () =>
      this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: keys.lease(name),
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: names('owner'),
          ExpressionAttributeValues: { ':owner': owner },
        }),
      ),
    );
  }

  // ------------------------------------------------------------ digests

  async addDigestItem(channel: string, item: DigestItem): Promise<void> {
    await this.call('PutItem', () =>
      this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.digestItem(channel, item.findingId), channel, ...clean(item) } })),
    );
  }

  async listDigestItems(channel: string): Promise<DigestItem[]> {
    const items = await this.query({
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: names('pk', 'sk'),
      ExpressionAttributeValues: { ':pk': `digest#${channel}`, ':prefix': 'item#' },
    });
    return items.map(toDigestItem);
  }

  /**
   * The sent record is written before the pending items are deleted. A crash in between leaves the items
   * pending, so they show up again in the next digest: a finding may appear in two digests, never in none.
   */
  async closeDigest(channel: string, digestId: string, items: readonly DigestItem[], nowS: number): Promise<void> {
    const parts = splitBySize(items.map(clean), DIGEST_PART_MAX_BYTES);
    for (const [index, part] of parts.entries()) {
      const record = { ...keys.sentDigestPart(digestId, index), digestId, channel, sentAt: nowS, parts: parts.length, items: part, expiresAt: nowS + SENT_DIGEST_RETENTION_S };
      await this.call('PutItem', () => this.doc.send(new PutCommand({ TableName: this.tableName, Item: record })));
    }
    const toDelete = [...new Set(items.map((i) => i.findingId))].map((id) => keys.digestItem(channel, id));
    for (const chunk of chunks(toDelete, BATCH_WRITE_MAX)) await this.batchDelete(chunk);
  }

  async getDigest(digestId: string): Promise<DigestItem[] | undefined> {
    const parts = await this.query({
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: names('pk'),
      ExpressionAttributeValues: { ':pk': `digestsent#${digestId}` },
    });
    if (parts.length === 0) return undefined;
    return parts.flatMap((p) => (p['items'] as Item[]).map(toDigestItem));
  }

  // ------------------------------------------------------------ proposals

  async createProposal(proposal: Proposal): Promise<void> {
    const created = await this.put({
      Item: toProposalItem(proposal),
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: names('pk'),
    });
    if (!created) throw new ProposalExistsError(proposal.findingId, proposal.id);
  }

  async getProposal(findingId: string, proposalId: string): Promise<Proposal | undefined> {
    const item = await this.get(keys.proposal(findingId, proposalId));
    return item && fromProposalItem(item);
  }

  async getFindingRecord(findingId: string): Promise<FindingRecord> {
    const items = await this.query({
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: names('pk'),
      ExpressionAttributeValues: { ':pk': `finding#${findingId}` },
    });
    const cardItem = items.find((item) => item.sk === 'card');
    return { card: cardItem && toCard(cardItem), proposals: byCreation(items.filter((item) => String(item.sk).startsWith('proposal#')).map(fromProposalItem)) };
  }

  async listProposals(findingId: string): Promise<Proposal[]> {
    const items = await this.query({
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: names('pk', 'sk'),
      ExpressionAttributeValues: { ':pk': `finding#${findingId}`, ':prefix': 'proposal#' },
    });
    return byCreation(items.map(fromProposalItem));
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
    const bound = binding
      ? {
          set: ', #approvalSeal = :approvalSeal, #approvedAt = :now',
          condition: ' AND #planDigest = :planDigest AND #proposalSeal = :proposalSeal',
          names: ['approvalSeal', 'approvedAt', 'planDigest', 'proposalSeal'],
          values: { ':approvalSeal': binding.approvalSeal, ':planDigest': binding.planDigest, ':proposalSeal': binding.proposalSeal },
        }
      : { set: '', condition: '', names: [], values: {} };
    return this.transition(findingId, proposalId, {
      UpdateExpression: `SET #state = :executing, #approver = :actor, #execOwner = :execOwner, #execLeaseExpiresAt = :lease, #history = list_append(#history, :entry)${bound.set}`,
      ConditionExpression: `#state = :proposed AND #requester <> :actor AND #approveBy > :now${bound.condition}`,
      ExpressionAttributeNames: names('state', 'approver', 'execOwner', 'execLeaseExpiresAt', 'history', 'requester', 'approveBy', ...bound.names),
      ExpressionAttributeValues: {
        ':executing': 'executing',
        ':proposed': 'proposed',
        ':actor': approver,
        ':execOwner': execOwner,
        ':lease': nowS + leaseSeconds,
        ':now': nowS,
        ':entry': [audit(nowS, approver, 'approved')],
        ...bound.values,
      },
    });
  }

  reject(findingId: string, proposalId: string, actor: string, nowS: number): Promise<TransitionOutcome> {
    return this.transition(findingId, proposalId, {
      UpdateExpression: 'SET #state = :rejected, #expiresAt = :retainUntil, #history = list_append(#history, :entry)',
      ConditionExpression: '#state = :proposed AND #requester <> :actor',
      ExpressionAttributeNames: names('state', 'expiresAt', 'history', 'requester'),
      ExpressionAttributeValues: {
        ':rejected': 'rejected',
        ':proposed': 'proposed',
        ':actor': actor,
        ':retainUntil': nowS + PROPOSAL_RETENTION_S,
        ':entry': [audit(nowS, actor, 'rejected')],
      },
    });
  }

  cancel(findingId: string, proposalId: string, actor: string, nowS: number): Promise<TransitionOutcome> {
    return this.transition(findingId, proposalId, {
      UpdateExpression: 'SET #state = :cancelled, #expiresAt = :retainUntil, #history = list_append(#history, :entry)',
      ConditionExpression: '#state = :proposed AND #requester = :actor',
      ExpressionAttributeNames: names('state', 'expiresAt', 'history', 'requester'),
      ExpressionAttributeValues: {
        ':cancelled': 'cancelled',
        ':proposed': 'proposed',
        ':actor': actor,
        ':retainUntil': nowS + PROPOSAL_RETENTION_S,
        ':entry': [audit(nowS, actor, 'cancelled')],
      },
    });
  }

  takeOverExecution(findingId: string, proposalId: string, execOwner: string, leaseSeconds: number, nowS: number): Promise<TransitionOutcome> {
    return this.transition(findingId, proposalId, {
      UpdateExpression: 'SET #execOwner = :execOwner, #execLeaseExpiresAt = :lease, #history = list_append(#history, :entry)',
      ConditionExpression: '#state = :executing AND #execLeaseExpiresAt <= :now',
      ExpressionAttributeNames: names('state', 'execOwner', 'execLeaseExpiresAt', 'history'),
      ExpressionAttributeValues: {
        ':executing': 'executing',
        ':execOwner': execOwner,
        ':lease': nowS + leaseSeconds,
        ':now': nowS,
        ':entry': [audit(nowS, 'bot', 'resumed', `execution taken over by ${execOwner}`)],
      },
    });
  }

  finishExecution(findingId: string, proposalId: string, execOwner: string, result: ExecutionResult, nowS: number, resultSeal?: string): Promise<TransitionOutcome> {
    const detail = result.error && `${result.error.code}: ${result.error.message}`;
    const seal = resultSeal === undefined ? '' : ', #resultSeal = :resultSeal';
    return this.transition(findingId, proposalId, {
      UpdateExpression: `SET #state = :final, #result = :result, #expiresAt = :retainUntil, #history = list_append(#history, :entry)${seal} REMOVE #execLeaseExpiresAt`,
      ConditionExpression: '#state = :executing AND #execOwner = :execOwner',
      ExpressionAttributeNames: names('state', 'result', 'expiresAt', 'history', 'execLeaseExpiresAt', 'execOwner', ...(seal ? ['resultSeal'] : [])),
      ExpressionAttributeValues: {
        ...(resultSeal === undefined ? {} : { ':resultSeal': resultSeal }),
        ':final': result.ok ? 'executed' : 'failed',
        ':executing': 'executing',
        ':execOwner': execOwner,
        ':result': clean(result),
        ':retainUntil': nowS + PROPOSAL_RETENTION_S,
        ':entry': [audit(nowS, 'bot', result.ok ? 'executed' : 'failed', detail)],
      },
    });
  }

  async recordRulesBefore(findingId: string, proposalId: string, execOwner: string, rules: IngressRule[], seal?: string): Promise<void> {
    const updated = await this.update({
      Key: keys.proposal(findingId, proposalId),
      UpdateExpression: `SET #rulesBefore = :rules${seal === undefined ? '' : ', #rulesBeforeSeal = :seal'}`,
      ConditionExpression: '#state = :executing AND #execOwner = :execOwner AND attribute_not_exists(#rulesBefore)',
      ExpressionAttributeNames: names('rulesBefore', 'state', 'execOwner', ...(seal === undefined ? [] : ['rulesBeforeSeal'])),
      ExpressionAttributeValues: { ':rules': clean(rules), ':executing': 'executing', ':execOwner': execOwner, ...(seal === undefined ? {} : { ':seal': seal }) },
    });
    if (updated) return;
    // The SDK may have retried a write that had landed: the same record by the same owner is that write.
    const current = await this.getProposal(findingId, proposalId);
    const same = current?.state === 'executing' && current.execOwner === execOwner && isDeepStrictEqual(current.rulesBefore, clean(rules));
    if (!same) throw new LeaseLostError(`Proposal ${proposalId} is no longer being executed by ${execOwner}; nothing was changed by this run.`);
  }

  async setMessageTs(findingId: string, proposalId: string, messageTs: string): Promise<void> {
    const updated = await this.update({
      Key: keys.proposal(findingId, proposalId),
      UpdateExpression: 'SET #messageTs = :ts',
      ConditionExpression: 'attribute_exists(#pk)',
      ExpressionAttributeNames: names('pk', 'messageTs'),
      ExpressionAttributeValues: { ':ts': messageTs },
    });
    if (!updated) throw new NotFoundError(`Proposal ${proposalId} for finding ${findingId} does not exist`);
  }

  async listStalledExecutions(nowS: number): Promise<Proposal[]> {
    const found: Proposal[] = [];
    let startKey: Item | undefined;
    do {
      const exclusiveStartKey = startKey;
      const out = await this.call('Scan', () =>
        this.doc.send(
          new ScanCommand({
            TableName: this.tableName,
            ConsistentRead: true,
            FilterExpression: 'begins_with(#sk, :prefix) AND #state = :executing AND #execLeaseExpiresAt <= :now',
            ExpressionAttributeNames: names('sk', 'state', 'execLeaseExpiresAt'),
            ExpressionAttributeValues: { ':prefix': 'proposal#', ':executing': 'executing', ':now': nowS },
            ExclusiveStartKey: exclusiveStartKey,
          }),
        ),
      );
      found.push(...(out.Items ?? []).map(fromProposalItem));
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return found;
  }

  async ping(): Promise<void> {
    await this.call('GetItem', () => this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk: 'ping', sk: 'ping' } })));
  }

  // ------------------------------------------------------------ plumbing

  private async transition(
    findingId: string,
    proposalId: string,
    input: Omit<UpdateCommandInput, 'TableName' | 'Key' | 'ReturnValues'>,
  ): Promise<TransitionOutcome> {
    const updated = await this.update({ ...input, Key: keys.proposal(findingId, proposalId) });
    if (updated) return { ok: true, proposal: fromProposalItem(updated) };
    return { ok: false, proposal: await this.getProposal(findingId, proposalId) };
  }

  private async get(key: Key): Promise<Item | undefined> {
    const out = await this.call('GetItem', () => this.doc.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true })));
    return out.Item;
  }

  private async query(input: Omit<QueryCommandInput, 'TableName'>): Promise<Item[]> {
    const items: Item[] = [];
    let startKey: Item | undefined;
    do {
      const exclusiveStartKey = startKey;
      const out = await this.call('Query', () =>
        this.doc.send(new QueryCommand({ ...input, TableName: this.tableName, ConsistentRead: true, ExclusiveStartKey: exclusiveStartKey })),
      );
      items.push(...(out.Items ?? []));
      startKey = out.LastEvaluatedKey;
    } while (startKey);
    return items;
  }

  private put(input: { Item: Item; ConditionExpression: string; ExpressionAttributeNames: Record<string, string>; ExpressionAttributeValues?: Item }): Promise<boolean> {
    return this.conditional('PutItem', () => this.doc.send(new PutCommand({ ...input, TableName: this.tableName })));
  }

  /** The item after the write, or undefined when the condition failed. */
  private async update(input: Omit<UpdateCommandInput, 'TableName' | 'ReturnValues'>): Promise<Item | undefined> {
    let attributes: Item | undefined;
    await this.conditional('UpdateItem', async () => {
      const out = await this.doc.send(new UpdateCommand({ ...input, TableName: this.tableName, ReturnValues: 'ALL_NEW' }));
      attributes = out.Attributes;
    });
    return attributes;
  }

  private async conditional(op: string, send: () => Promise<unknown>): Promise<boolean> {
    try {
      await this.call(op, send);
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw err;
    }
  }

  private async batchDelete(batch: Key[]): Promise<void> {
    let pending: NonNullable<ConstructorParameters<typeof BatchWriteCommand>[0]['RequestItems']>[string] = batch.map((key) => ({
      DeleteRequest: { Key: key },
    }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await this.backoff('BatchWriteItem', attempt);
      const requested = pending;
      const out = await this.call('BatchWriteItem', () => this.doc.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: requested } })));
      pending = out.UnprocessedItems?.[this.tableName] ?? [];
    }
  }

  private async backoff(op: string, attempt: number): Promise<void> {
    if (attempt >= BATCH_MAX_ATTEMPTS) {
      throw new StoreUnavailableError(`DynamoDB left items of ${op} on table "${this.tableName}" unprocessed after ${attempt} attempts (throttled)`);
    }
    const ms = Math.min(1000, 25 * 2 ** attempt);
    await new Promise((resolve) => setTimeout(resolve, ms / 2 + Math.random() * (ms / 2)));
  }

  private async call<T>(op: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (err) {
      throw toStoreError(err, this.tableName, op);
    }
  }
}

// -------------------------------------------------------------- errors

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);
const NETWORK_NAMES = new Set(['TimeoutError', 'NetworkingError', 'RequestTimeout', 'RequestTimeoutException', 'CredentialsProviderError']);
const THROTTLING_NAMES = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded', 'LimitExceededException']);

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  $fault?: string;
  $metadata?: { httpStatusCode?: number };
}

/** No HTTP answer: a socket or DNS error, a timeout, or no credentials to sign with. */
function isNetworkError(e: SdkErrorShape): boolean {
  if (e.code !== undefined && NETWORK_CODES.has(e.code)) return true;
  if (e.name !== undefined && NETWORK_NAMES.has(e.name)) return true;
  if ([...NETWORK_CODES].some((code) => e.message?.includes(code))) return true;
  return e.$metadata !== undefined && e.$metadata.httpStatusCode === undefined;
}

export function isConditionFailed(err: unknown): boolean {
  return err instanceof ConditionalCheckFailedException || (err as SdkErrorShape | undefined)?.name === 'ConditionalCheckFailedException';
}

/**
 * Turns an error meaning "the store cannot be used" (network, missing table, no access, throttling, 5xx)
 * into a StoreUnavailableError; any other error is returned unchanged.
 */
export function toStoreError(err: unknown, tableName: string, op: string): unknown {
  if (err instanceof ChatOpsError || typeof err !== 'object' || err === null) return err;
  const e = err as SdkErrorShape;
  const name = e.name ?? 'Error';
  const detail = `${e.code ?? name}: ${e.message ?? ''}`.trim();
  const status = e.$metadata?.httpStatusCode;
  let message: string | undefined;
  if (name === 'ResourceNotFoundException') {
    message = `DynamoDB table "${tableName}" does not exist (${op}); create it (see infra/cloudformation.yml) or check the table name and region`;
  } else if (name === 'AccessDeniedException' || name === 'UnrecognizedClientException') {
    message = `DynamoDB refused ${op} on table "${tableName}" (${detail}); the bot's role needs dynamodb:${op} on it`;
  } else if (THROTTLING_NAMES.has(name)) {
    message = `DynamoDB throttled ${op} on table "${tableName}" after retries (${name})`;
  } else if (e.$fault === 'server' || (status !== undefined && status >= 500)) {
    message = `DynamoDB failed ${op} on table "${tableName}" with a server error (${status ?? '5xx'} ${detail})`;
  } else if (isNetworkError(e)) {
    message = `DynamoDB is unreachable (${op} on table "${tableName}": ${detail})`;
  }
  return message === undefined ? err : new StoreUnavailableError(message, { cause: err });
}

// -------------------------------------------------------------- mapping

const OBSERVATION_FIELDS = ['severity', 'updatedAtMs', 'count', 'archived'] as const;

function observationValues(seen: Observation): Item {
  return { ':severity': seen.severity, ':updatedAtMs': seen.updatedAtMs, ':count': seen.count, ':archived': seen.archived };
}

function byCreation(proposals: Proposal[]): Proposal[] {
  return proposals.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
}

function feedbackCounts(item: Item): FeedbackCounts {
  const size = (name: string) => (item[name] as Set<string> | undefined)?.size ?? 0;
  return { useful: size('useful'), notUseful: size('notUseful') };
}

/** `#vote`: the set a vote goes in. */
function voteName(useful: boolean): Record<string, string> {
  return { '#vote': useful ? 'useful' : 'notUseful' };
}

function jitter(attempt: number): Promise<void> {
  const ms = Math.min(200, 10 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, ms / 2 + Math.random() * (ms / 2)));
}

function toCard(item: Item): CardRecord {
  return without(item, ['pk', 'sk']) as unknown as CardRecord;
}

function toDigestItem(item: Item): DigestItem {
  return {
    findingId: item['findingId'] as string,
    region: item['region'] as string,
    accountId: item['accountId'] as string,
    severity: item['severity'] as number,
    type: item['type'] as string,
    title: item['title'] as string,
  };
}

/** The approval deadline is stored as `approveBy`; `expiresAt` is the table's TTL attribute (retention). */
function toProposalItem(proposal: Proposal): Item {
  const { expiresAt: approveBy, ...rest } = clean(proposal);
  return { ...keys.proposal(proposal.findingId, proposal.id), ...rest, approveBy, expiresAt: proposal.createdAt + PROPOSAL_RETENTION_S };
}

function fromProposalItem(item: Item): Proposal {
  const { approveBy, ...rest } = without(item, ['pk', 'sk', 'expiresAt']);
  return { ...rest, expiresAt: approveBy } as unknown as Proposal;
}

function audit(at: number, actor: string, action: AuditEntry['action'], detail?: string): AuditEntry {
  return detail === undefined ? { at, actor, action } : { at, actor, action, detail };
}

function names(...attrs: readonly string[]): Record<string, string> {
  return Object.fromEntries(attrs.map((a) => [`#${a}`, a]));
}

function without(item: Item, drop: readonly string[]): Item {
  return Object.fromEntries(Object.entries(item).filter(([k]) => !drop.includes(k)));
}

/** A deep copy without undefined values, which the document client refuses by default. */
function clean<T>(value: T): T {
  if (Array.isArray(value)) return value.filter((v) => v !== undefined).map(clean) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, clean(v)]),
    ) as T;
  }
  return value;
}

function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/** Consecutive groups whose JSON stays under maxBytes; always at least one (possibly empty) group. */
function splitBySize<T>(list: readonly T[], maxBytes: number): T[][] {
  const parts: T[][] = [[]];
  let size = 0;
  for (const entry of list) {
    const bytes = Buffer.byteLength(JSON.stringify(entry));
    const current = parts[parts.length - 1] as T[];
    if (current.length > 0 && size + bytes > maxBytes) {
      parts.push([entry]);
      size = bytes;
    } else {
      current.push(entry);
      size += bytes;
    }
  }
  return parts;
}
