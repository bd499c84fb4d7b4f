import { LeaseLostError, NotFoundError } from '../domain/errors';
import type { ApprovalBinding, ProposalStore, TransitionOutcome } from '../domain/ports';
import type { AuditEntry, Proposal } from '../domain/proposal';
import { canonicalJson } from '../domain/remediation/seal';
import type { StepState } from '../domain/remediation/steps';
import type { AnyResult, IngressRule } from '../domain/remediation/types';
import { ProposalExistsError } from './errors';
import { PROPOSAL_RETENTION_S, keys, readEach, readProposal, writeProposal } from './items';
import { names, type TableClient, type UpdateInput } from './table-client';

/**
 * Remediation proposals, in their finding's partition. Every change of state is one conditional write: the
 * condition is the rule (who may, from which state, until when), so that two replicas or two clicks cannot both win.
 */
export class ProposalRepository implements ProposalStore {
  constructor(private readonly table: TableClient) {}

  async createProposal(proposal: Proposal): Promise<void> {
    const created = await this.table.putIf({
      Item: writeProposal(proposal),
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: names('pk'),
    });
    if (!created) throw new ProposalExistsError(proposal.findingId, proposal.id);
  }

  async getProposal(findingId: string, proposalId: string): Promise<Proposal | undefined> {
    const item = await this.table.get(keys.proposal(findingId, proposalId));
    return item && readProposal(item);
  }

  async listProposals(findingId: string): Promise<Proposal[]> {
    const items = await this.table.query({
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: names('pk', 'sk'),
      ExpressionAttributeValues: { ':pk': `finding#${findingId}`, ':prefix': 'proposal#' },
    });
    return byCreation(readEach(items, readProposal));
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
      ExpressionAttributeNames: names(
        'state',
        'approver',
        'execOwner',
        'execLeaseExpiresAt',
        'history',
        'requester',
        'approveBy',
        ...bound.names,
      ),
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

  takeOverExecution(
    findingId: string,
    proposalId: string,
    execOwner: string,
    leaseSeconds: number,
    nowS: number,
  ): Promise<TransitionOutcome> {
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

  finishExecution(
    findingId: string,
    proposalId: string,
    execOwner: string,
    result: AnyResult,
    nowS: number,
    resultSeal?: string,
  ): Promise<TransitionOutcome> {
    const detail = result.error && `${result.error.code}: ${result.error.message}`;
    const seal = resultSeal === undefined ? '' : ', #resultSeal = :resultSeal';
    return this.transition(findingId, proposalId, {
      UpdateExpression: `SET #state = :final, #result = :result, #expiresAt = :retainUntil, #history = list_append(#history, :entry)${seal} REMOVE #execLeaseExpiresAt`,
      ConditionExpression: '#state = :executing AND #execOwner = :execOwner',
      ExpressionAttributeNames: names(
        'state',
        'result',
        'expiresAt',
        'history',
        'execLeaseExpiresAt',
        'execOwner',
        ...(seal ? ['resultSeal'] : []),
      ),
      ExpressionAttributeValues: {
        ...(resultSeal === undefined ? {} : { ':resultSeal': resultSeal }),
        ':final': result.ok ? 'executed' : 'failed',
        ':executing': 'executing',
        ':execOwner': execOwner,
        ':result': result,
        ':retainUntil': nowS + PROPOSAL_RETENTION_S,
        ':entry': [audit(nowS, 'bot', result.ok ? 'executed' : 'failed', detail)],
      },
    });
  }

  recordRulesBefore(findingId: string, proposalId: string, execOwner: string, rules: IngressRule[], seal?: string): Promise<void> {
    return this.recordJournal(findingId, proposalId, execOwner, 'rulesBefore', 'rulesBeforeSeal', rules, seal);
  }

  recordStepsBefore(findingId: string, proposalId: string, execOwner: string, states: StepState[], seal: string): Promise<void> {
    return this.recordJournal(findingId, proposalId, execOwner, 'stepsBefore', 'stepsBeforeSeal', states, seal);
  }

  /** Writes an execution's journal once, while the writer holds the execution lease. */
  private async recordJournal(
    findingId: string,
    proposalId: string,
    execOwner: string,
    field: 'rulesBefore' | 'stepsBefore',
    sealField: 'rulesBeforeSeal' | 'stepsBeforeSeal',
    journal: IngressRule[] | StepState[],
    seal: string | undefined,
  ): Promise<void> {
    const updated = await this.table.updateIf({
      Key: keys.proposal(findingId, proposalId),
      UpdateExpression: `SET #journal = :journal${seal === undefined ? '' : ', #journalSeal = :seal'}`,
      ConditionExpression: '#state = :executing AND #execOwner = :execOwner AND attribute_not_exists(#journal)',
      ExpressionAttributeNames: {
        ...names('state', 'execOwner'),
        '#journal': field,
        ...(seal === undefined ? {} : { '#journalSeal': sealField }),
      },
      ExpressionAttributeValues: {
        ':journal': journal,
        ':executing': 'executing',
        ':execOwner': execOwner,
        ...(seal === undefined ? {} : { ':seal': seal }),
      },
    });
    if (updated) return;
    // The SDK may have retried a write that had landed: the same record by the same owner is that write.
    const current = await this.getProposal(findingId, proposalId);
    const same =
      current?.state === 'executing' &&
      current.execOwner === execOwner &&
      current[field] !== undefined &&
      canonicalJson(current[field]) === canonicalJson(journal);
    if (!same)
      throw new LeaseLostError(`Proposal ${proposalId} is no longer being executed by ${execOwner}; nothing was changed by this run.`);
  }

  async setMessageTs(findingId: string, proposalId: string, messageTs: string): Promise<void> {
    const updated = await this.table.updateIf({
      Key: keys.proposal(findingId, proposalId),
      UpdateExpression: 'SET #messageTs = :ts',
      ConditionExpression: 'attribute_exists(#pk)',
      ExpressionAttributeNames: names('pk', 'messageTs'),
      ExpressionAttributeValues: { ':ts': messageTs },
    });
    if (!updated) throw new NotFoundError(`Proposal ${proposalId} for finding ${findingId} does not exist`);
  }

  async listStalledExecutions(nowS: number): Promise<Proposal[]> {
    const items = await this.table.scan({
      FilterExpression: 'begins_with(#sk, :prefix) AND #state = :executing AND #execLeaseExpiresAt <= :now',
      ExpressionAttributeNames: names('sk', 'state', 'execLeaseExpiresAt'),
      ExpressionAttributeValues: { ':prefix': 'proposal#', ':executing': 'executing', ':now': nowS },
    });
    return readEach(items, readProposal);
  }

  private async transition(findingId: string, proposalId: string, input: Omit<UpdateInput, 'Key'>): Promise<TransitionOutcome> {
    const updated = await this.table.updateIf({ ...input, Key: keys.proposal(findingId, proposalId) });
    if (updated) return { ok: true, proposal: readProposal(updated) };
    return { ok: false, proposal: await this.getProposal(findingId, proposalId) };
  }
}

/** Oldest first; the ID breaks ties. */
export function byCreation(proposals: Proposal[]): Proposal[] {
  return proposals.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
}

function audit(at: number, actor: string, action: AuditEntry['action'], detail?: string): AuditEntry {
  return detail === undefined ? { at, actor, action } : { at, actor, action, detail };
}
