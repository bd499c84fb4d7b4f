import { randomBytes } from 'node:crypto';
import type pino from 'pino';
import { ChatOpsError, describeError } from '../domain/errors';
import type { Finding } from '../domain/finding';
import type { ApproverPolicy, ProposalStore, RemediationExecutorFactory, StepExecutorFactory } from '../domain/ports';
import { keepsPendingProposals } from '../domain/ports';
import { isExpired, type Proposal, type ProposalKind } from '../domain/proposal';
import type { PlanPreview } from '../domain/remediation/exposure';
import {
  PROPOSAL_ID_PATTERN,
  approvalRefusal,
  cancelRefusal,
  isActiveRevert,
  refused,
  rejectRefusal,
  revertProposalId,
  revertibility,
  type Decision,
  type Refusal,
} from '../domain/remediation/proposal-rules';
import { stepPlaybookFor } from '../domain/remediation/registry';
import { revertPlan } from '../domain/remediation/revert';
import { suppressionExpiry } from '../domain/remediation/containment/suppress-similar';
import { isStepPlan, isStepResult, stepRevertPlan } from '../domain/remediation/steps';
import { expiryDateS, keepsSuppressions, type SealedSuppression } from '../domain/suppressions';
import { TamperedError, planDigest, type ApprovalSealer } from '../domain/remediation/seal';
import { DEFAULT_SOURCE_LIMITS, type ParseTrustedSourcesResult, type SourceLimits } from '../domain/remediation/trusted-source';
import type { AnyPlan, AnyResult, TrustedSource } from '../domain/remediation/types';
import { RemediationError } from './errors';
import { listSuppressionRules, type SuppressionRules } from './suppression-rules';
import { RemediationPlanner, type ContainmentPlanResult, type ProposeResult } from './planner';
import { ProposalExecution } from './proposal-execution';
import { ProposalSeals } from './proposal-seals';

export const DEFAULT_LEASE_SECONDS = 300;

export interface RemediationServiceDeps {
  store: ProposalStore;
  executors: RemediationExecutorFactory;
  /** The containment playbooks' AWS side (IAM, EC2, S3); without it only restrict-ingress is offered. */
  steps?: StepExecutorFactory;
  approvers: ApproverPolicy;
  /** Seals proposals, approvals and results with APPROVAL_SIGNING_KEY, and checks them before any AWS call. */
  sealer: ApprovalSealer;
  /** This process's identity, written as the execution lease owner. */
  owner: string;
  /** PROPOSAL_TTL_MINUTES in seconds. */
  ttlSeconds: number;
  leaseSeconds?: number;
  sourceLimits?: SourceLimits;
  logger: pino.Logger;
  /** Epoch milliseconds. */
  now?: () => number;
  newId?: () => string;
}

export interface NewProposal {
  plan: AnyPlan;
  requester: string;
  channel: string;
  threadTs: string;
  /** Defaults to a random ID; give a stable one to make a retried submission a no-op. */
  id?: string;
  kind?: ProposalKind;
  revertOf?: string;
}

/**
 * The remediation use cases: plan, propose, approve (claim + execute once), reject, cancel, revert and resume.
 * Every state change is one conditional write in the store; this class adds the approver policy, the seals,
 * EC2 and logs. The rules (who may decide what, when) are in domain/remediation/proposal-rules.
 */
export class RemediationService {
  private readonly log: pino.Logger;
  private readonly now: () => number;
  private readonly newId: () => string;
  private readonly leaseSeconds: number;
  private readonly planner: RemediationPlanner;
  private readonly seals: ProposalSeals;
  private readonly execution: ProposalExecution;

  constructor(private readonly deps: RemediationServiceDeps) {
    this.log = deps.logger.child({ component: 'remediation' });
    this.now = deps.now ?? Date.now;
    this.newId = deps.newId ?? (() => randomBytes(8).toString('hex'));
    this.leaseSeconds = deps.leaseSeconds ?? DEFAULT_LEASE_SECONDS;
    this.planner = new RemediationPlanner(deps.executors, deps.sourceLimits ?? DEFAULT_SOURCE_LIMITS, this.log, deps.steps);
    this.seals = new ProposalSeals(deps.sealer, deps.store);
    const { store, executors, owner, steps } = deps;
    this.execution = new ProposalExecution({
      store,
      executors,
      ...(steps ? { steps } : {}),
      owner,
      seals: this.seals,
      leaseSeconds: this.leaseSeconds,
      log: this.log,
      now: this.now,
    });
  }

  private nowS(): number {
    return Math.floor(this.now() / 1000);
  }

  // ------------------------------------------------------------------ planning

  /** Synchronous, no I/O: for the modal's field error before the submission is acknowledged. */
  validateSources(text: string): ParseTrustedSourcesResult {
    return this.planner.validateSources(text);
  }

  preview(finding: Finding): Promise<PlanPreview> {
    return this.planner.preview(finding);
  }

  /** The plan from the instance's live security groups, with the EC2 DryRun outcome. Stores nothing. */
  propose(input: { finding: Finding; requester: string; sourcesText?: string; sources?: TrustedSource[] }): Promise<ProposeResult> {
    return this.planner.propose(input);
  }

  /** Whether containment playbooks can run (their executors are wired). */
  get containmentEnabled(): boolean {
    return this.deps.steps !== undefined;
  }

  /** A containment playbook's plan from a live survey, with its permission check. Stores nothing. */
  planContainment(finding: Finding, playbookId: string, choice?: Record<string, string>): Promise<ContainmentPlanResult> {
    return this.planner.planContainment(finding, playbookId, choice);
  }

  /** The read-only survey of a containment playbook (see RemediationPlanner.surveyContainment). Stores nothing. */
  surveyContainment(
    finding: Finding,
    playbookId: string,
    choice?: Record<string, string>,
  ): ReturnType<RemediationPlanner['surveyContainment']> {
    return this.planner.surveyContainment(finding, playbookId, choice);
  }

  /**
   * A suppression rule is indexed by its expiry before its proposal is stored, so that no rule the bot creates can
   * be missed at expiry; an entry whose proposal never ran is dropped then.
   */
  private async indexSuppression(proposal: Proposal): Promise<void> {
    if (proposal.kind !== 'remediate' || !isStepPlan(proposal.plan)) return;
    const rule = suppressionExpiry(proposal.plan);
    const expiresS = rule && expiryDateS(rule.expires);
    if (!rule || expiresS === undefined) return;
    if (!keepsSuppressions(this.deps.store))
      throw new RemediationError(
        'NO_STORE',
        'This state store cannot keep suppression rules, so the bot could not delete one when it expires.',
      );
    await this.deps.store.recordSuppression({
      findingId: proposal.findingId,
      proposalId: proposal.id,
      filterName: rule.filterName,
      region: proposal.plan.region,
      expiresS,
    });
  }

  /** A suppression fix as its seals say (see SealedSuppression). Throws TamperedError on a forged approval. */
  async sealedSuppression(findingId: string, proposalId: string, nowS: number): Promise<SealedSuppression> {
    const proposal = await this.deps.store.getProposal(findingId, proposalId);
    if (!proposal || proposal.kind !== 'remediate' || !isStepPlan(proposal.plan)) return { kind: 'never' };
    if (proposal.approver === undefined && proposal.approvalSeal === undefined) {
      if (proposal.state === 'proposed') return isExpired(proposal, nowS) ? { kind: 'never' } : { kind: 'pending' };
      if (proposal.state === 'rejected' || proposal.state === 'cancelled') return { kind: 'never' };
      throw new TamperedError(`Suppression fix ${proposal.id} is ${proposal.state} but names no approval (altered outside the bot).`);
    }
    if (!this.seals.approvedIntact(proposal))
      throw new TamperedError(`The approval of suppression fix ${proposal.id} fails the bot's seal (altered outside the bot).`);
    return { kind: 'approved', proposal, plan: proposal.plan };
  }

  /** The suppression rules the bot created, compared with GuardDuty now (read-only). */
  async suppressionRules(regions: readonly string[]): Promise<SuppressionRules | undefined> {
    if (!keepsSuppressions(this.deps.store) || !this.deps.steps) return undefined;
    return listSuppressionRules(this.deps.store, this, this.deps.steps, regions);
  }

  async createProposal(input: NewProposal): Promise<Proposal> {
    const nowS = this.nowS();
    const proposal: Proposal = {
      id: input.id ?? this.newId(),
      findingId: input.plan.findingId,
      kind: input.kind ?? 'remediate',
      ...(input.revertOf ? { revertOf: input.revertOf } : {}),
      state: 'proposed',
      requester: input.requester,
      plan: input.plan,
      planDigest: planDigest(input.plan),
      createdAt: nowS,
      expiresAt: nowS + this.deps.ttlSeconds,
      channel: input.channel,
      threadTs: input.threadTs,
      history: [{ at: nowS, actor: input.requester, action: 'proposed' }],
    };
    if (!PROPOSAL_ID_PATTERN.test(proposal.id))
      throw new RemediationError('INVALID_PROPOSAL_ID', `Invalid proposal ID ${JSON.stringify(proposal.id)}`);
    proposal.proposalSeal = this.seals.sealProposal(proposal, proposal.planDigest as string);
    await this.indexSuppression(proposal);
    await this.deps.store.createProposal(proposal);
    // The App Home's list of proposals waiting; best effort: the proposal record is the truth and the thread works without it.
    if (keepsPendingProposals(this.deps.store)) {
      await this.deps.store
        .recordPendingProposal(proposal)
        .catch((err: unknown) =>
          this.log.warn({ err, findingId: proposal.findingId, proposalId: proposal.id }, 'proposal not listed on App Home'),
        );
    }
    this.log.info(
      {
        findingId: proposal.findingId,
        proposalId: proposal.id,
        kind: proposal.kind,
        requester: proposal.requester,
        expiresAt: proposal.expiresAt,
      },
      'proposal created',
    );
    return proposal;
  }

  // ------------------------------------------------------------------ decisions

  /** Approve and, when this call won the approval, execute. */
  async approve(findingId: string, proposalId: string, userId: string, shownDigest: string | undefined): Promise<Decision> {
    const claimed = await this.claim(findingId, proposalId, userId, shownDigest);
    if (!claimed.ok) return claimed;
    return { ok: true, proposal: await this.execute(claimed.proposal) };
  }

  /**
   * The approval write alone: state proposed → executing, with this process holding the execution lease.
   * `shownDigest` is the plan digest the clicked message showed: the write requires the stored plan to be that
   * one and the proposal to carry the bot's own seal, and it seals the approval. Whoever gets `ok` must call
   * `execute` next.
   */
  async claim(findingId: string, proposalId: string, userId: string, shownDigest: string | undefined): Promise<Decision> {
    const log = this.log.child({ findingId, proposalId, actor: userId });
    if (!(await this.deps.approvers.isApprover(userId))) {
      log.info('approval refused: not an approver');
      return refused({ reason: 'not-approver' });
    }
    const nowS = this.nowS();
    const current = await this.deps.store.getProposal(findingId, proposalId);
    const early = approvalRefusal(current, userId, nowS);
    if (!current || current.state !== 'proposed' || early.reason !== 'already-decided') {
      log.info({ refusal: early.reason, state: current?.state }, 'approval refused');
      return refused(early, current);
    }
    const digest = planDigest(current.plan);
    if (shownDigest !== digest) {
      log.warn({ shownDigest, digest }, 'approval refused: the plan changed since it was shown');
      return refused({ reason: 'plan-changed' }, current);
    }
    if (!current.proposalSeal || !this.seals.proposalIntact(current, digest)) {
      log.error({ digest }, 'approval refused: the stored proposal fails its seal (altered outside the bot)');
      return refused({ reason: 'tampered' }, current);
    }
    const approvalSeal = this.seals.sealApproval(current, digest, userId, nowS);
    const binding = { planDigest: digest, proposalSeal: current.proposalSeal, approvalSeal };
    const outcome = await this.deps.store.approve(findingId, proposalId, userId, this.deps.owner, this.leaseSeconds, nowS, binding);
    if (outcome.ok && outcome.proposal) {
      log.info({ state: outcome.proposal.state, execOwner: this.deps.owner, planDigest: digest }, 'proposal approved');
      return { ok: true, proposal: outcome.proposal };
    }
    let refusal: Refusal = approvalRefusal(outcome.proposal, userId, nowS);
    if (outcome.proposal?.state === 'proposed' && refusal.reason === 'already-decided') {
      // Still proposed, yet the write's condition failed: the digest or seal changed between the read and the write.
      log.warn({ shownDigest }, 'approval refused: the plan changed since it was shown');
      refusal = { reason: 'plan-changed' };
    } else {
      log.info({ refusal: refusal.reason, state: outcome.proposal?.state }, 'approval refused');
    }
    return refused(refusal, outcome.proposal);
  }

  async reject(findingId: string, proposalId: string, userId: string): Promise<Decision> {
    const log = this.log.child({ findingId, proposalId, actor: userId });
    if (!(await this.deps.approvers.isApprover(userId))) {
      log.info('reject refused: not an approver');
      return refused({ reason: 'not-approver' });
    }
    const outcome = await this.deps.store.reject(findingId, proposalId, userId, this.nowS());
    if (outcome.ok && outcome.proposal) {
      log.info('proposal rejected');
      return { ok: true, proposal: outcome.proposal };
    }
    const refusal = rejectRefusal(outcome.proposal);
    log.info({ refusal: refusal.reason }, 'reject refused');
    return refused(refusal, outcome.proposal);
  }

  async cancel(findingId: string, proposalId: string, userId: string): Promise<Decision> {
    const log = this.log.child({ findingId, proposalId, actor: userId });
    const outcome = await this.deps.store.cancel(findingId, proposalId, userId, this.nowS());
    if (outcome.ok && outcome.proposal) {
      log.info('proposal cancelled');
      return { ok: true, proposal: outcome.proposal };
    }
    const refusal = cancelRefusal(outcome.proposal);
    log.info({ refusal: refusal.reason }, 'cancel refused');
    return refused(refusal, outcome.proposal);
  }

  // ------------------------------------------------------------------ execution

  /**
   * Runs a claimed proposal and records the outcome (only while this process owns the lease). Any error
   * (no role, STS, EC2, a bug) ends in `failed` with the error; a partial run is never reported as success.
   */
  execute(claimed: Proposal): Promise<Proposal> {
    return this.execution.execute(claimed);
  }

  /** Start-up: every `executing` proposal whose lease expired is taken over and run again (each step is idempotent). */
  resumeStalled(): Promise<Proposal[]> {
    return this.execution.resumeStalled();
  }

  // ------------------------------------------------------------------ revert

  /** A new proposal (kind `revert`, needs a second person again) that undoes exactly what a run changed. */
  async proposeRevert(findingId: string, proposalId: string, userId: string): Promise<Decision> {
    const log = this.log.child({ findingId, proposalId, actor: userId });
    const original = await this.deps.store.getProposal(findingId, proposalId);
    if (!original) return refused({ reason: 'not-found' });
    const refuse = (detail: string): Decision => {
      log.info({ detail }, 'revert refused');
      return refused({ reason: 'not-revertible', detail }, original);
    };
    const revertible = revertibility(original);
    if (!revertible.ok) return refuse(revertible.detail);
    try {
      this.seals.sealedResult(original);
    } catch (err) {
      log.error({ err: describeError(err) }, 'revert refused: the fix record fails its seal');
      return refuse(`${describeError(err)} Nothing can be reverted from this record; check the security groups by hand.`);
    }

    const siblings = await this.revertsOf(findingId, original.id);
    const nowS = this.nowS();
    const active = siblings.find((p) => isActiveRevert(p, nowS));
    if (active) return refused({ reason: 'revert-exists', proposal: active }, original);

    const plan = this.revertPlanOf(original.plan, revertible.result);
    if (!plan) return refuse('The record of the fix does not match its kind of plan; check the resource by hand.');
    if (isStepPlan(plan) && plan.steps.length === 0)
      return refuse('The run changed only what is kept as evidence, so there is nothing to revert.');
    plan.dryRun = await this.planner.dryRunOnTarget(plan, revertible.result);
    try {
      const proposal = await this.createProposal({
        id: revertProposalId(original.id, siblings.length + 1),
        plan,
        requester: userId,
        channel: original.channel,
        threadTs: original.threadTs,
        kind: 'revert',
        revertOf: original.id,
      });
      return { ok: true, proposal };
    } catch (err) {
      if (!(err instanceof ChatOpsError) || err.code !== 'PROPOSAL_EXISTS') throw err;
      // Two Revert clicks at once: the other one created it.
      const existing = (await this.revertsOf(findingId, original.id)).pop();
      if (!existing) throw err;
      return refused({ reason: 'revert-exists', proposal: existing }, original);
    }
  }

  private revertPlanOf(original: AnyPlan, result: AnyResult): AnyPlan | undefined {
    if (isStepPlan(original)) {
      if (!isStepResult(result)) return undefined;
      return stepRevertPlan(original, result, stepPlaybookFor(original.playbook)?.revertWarnings ?? []);
    }
    return isStepResult(result) ? undefined : revertPlan(original, result);
  }

  private async revertsOf(findingId: string, originalId: string): Promise<Proposal[]> {
    return (await this.deps.store.listProposals(findingId)).filter((p) => p.revertOf === originalId);
  }
}
