import { createHash, randomBytes } from 'node:crypto';
import type pino from 'pino';
import { ChatOpsError, describeError } from '../domain/errors';
import type { Finding } from '../domain/finding';
import type { ProposalStore, RemediationExecutor, RemediationExecutorFactory, TransitionOutcome } from '../domain/ports';
import { isExpired, type ApprovalRefusal, type Proposal, type ProposalKind } from '../domain/proposal';
import { planPreview, type PlanPreview } from '../domain/remediation/exposure';
import { playbookFor, type Playbook } from '../domain/remediation/playbooks';
import { describeRule } from '../domain/remediation/rules';
import type { UndoBasis } from '../domain/remediation/plan-safety';
import { revertPlan } from '../domain/remediation/revert';
import { TamperedError, planDigest, type ApprovalSealer, type ApprovalSealFields } from '../domain/remediation/seal';
import { DEFAULT_SOURCE_LIMITS, parseTrustedSources, type ParseTrustedSourcesResult, type SourceLimits } from '../domain/remediation/trusted-source';
import type { ExecutionResult, RemediationPlan, TrustedSource } from '../domain/remediation/types';

export const DEFAULT_LEASE_SECONDS = 300;
/**
 * An approval runs only this long after it was given (a crash resumed later is failed instead): a table writer who
 * puts an old, genuinely sealed approval back into `executing` can replay it only within this window.
 */
export const EXECUTION_WINDOW_SECONDS = 3600;
/** `<16 hex>` for a proposal, `<16 hex>-r<n>` for the n-th revert of one. */
export const PROPOSAL_ID_PATTERN = /^[0-9a-f]{16}(?:-r[1-9]\d{0,2})?$/;

export class RemediationError extends ChatOpsError {}

/** The outcome could not be written; the proposal stays `executing` and is resumed at the next start. */
export class OutcomeNotRecordedError extends ChatOpsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('OUTCOME_NOT_RECORDED', message, options);
  }
}

/** Structurally the same as the Slack layer's ApproverPolicy; declared here so the use cases stay Slack-free. */
export interface ApproverCheck {
  isApprover(userId: string): Promise<boolean>;
}

export interface RemediationServiceDeps {
  store: ProposalStore;
  executors: RemediationExecutorFactory;
  approvers: ApproverCheck;
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

export type Refusal =
  | ApprovalRefusal
  | { reason: 'not-requester'; requester: string }
  | { reason: 'not-revertible'; detail: string }
  | { reason: 'revert-exists'; proposal: Proposal };

export type Decision = { ok: true; proposal: Proposal } | { ok: false; refusal: Refusal; proposal?: Proposal };

export type ProposeResult =
  | { ok: true; plan: RemediationPlan }
  | { ok: false; code: 'INVALID_SOURCES' | 'NO_PLAYBOOK'; message: string }
  /** Nothing opens the port to the world any more; `plan.untouched` may still list broader rules. */
  | { ok: false; code: 'NOTHING_TO_CHANGE'; message: string; plan: RemediationPlan };

export interface NewProposal {
  plan: RemediationPlan;
  requester: string;
  channel: string;
  threadTs: string;
  /** Defaults to a random ID; give a stable one to make a retried submission a no-op. */
  id?: string;
  kind?: ProposalKind;
  revertOf?: string;
}

/** A stable proposal ID derived from something unique to one submission (e.g. the Slack view ID). */
export function proposalIdFrom(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

function changedNothing(result: ExecutionResult | undefined): boolean {
  return !result || (result.authorized.length === 0 && result.revoked.length === 0);
}

/** Who took the proposal out of `proposed`: the approver, or whoever rejected or cancelled it. */
export function decidedBy(p: Proposal): string | undefined {
  if (p.approver) return p.approver;
  const entry = [...p.history].reverse().find((h) => h.action === 'rejected' || h.action === 'cancelled' || h.action === 'approved');
  return entry?.actor;
}

/**
 * The remediation use cases: plan, propose, approve (claim + execute once), reject, cancel, revert and resume.
 * Every state change is one conditional write in the store; this class adds the approver policy, EC2 and logs.
 */
/**
 * The Decision for a reject or cancel write: the proposal when it won; otherwise why not, read from the
 * record the refused write returned (`stillProposed` names the reason when the state did not change).
 */
function settleDecision(
  outcome: TransitionOutcome,
  log: pino.Logger,
  verb: 'rejected' | 'cancelled',
  stillProposed: (p: Proposal) => Refusal,
): Decision {
  if (outcome.ok && outcome.proposal) {
    log.info(`proposal ${verb}`);
    return { ok: true, proposal: outcome.proposal };
  }
  const p = outcome.proposal;
  const refusal: Refusal = !p ? { reason: 'not-found' } : p.state !== 'proposed' ? { reason: 'already-decided', state: p.state, by: decidedBy(p) } : stillProposed(p);
  log.info({ refusal: refusal.reason }, `${verb === 'rejected' ? 'reject' : 'cancel'} refused`);
  return { ok: false, refusal, ...(p ? { proposal: p } : {}) };
}

export class RemediationService {
  private readonly log: pino.Logger;
  private readonly now: () => number;
  private readonly newId: () => string;
  private readonly leaseSeconds: number;
  private readonly limits: SourceLimits;

  constructor(private readonly deps: RemediationServiceDeps) {
    this.log = deps.logger.child({ component: 'remediation' });
    this.now = deps.now ?? Date.now;
    this.newId = deps.newId ?? (() => randomBytes(8).toString('hex'));
    this.leaseSeconds = deps.leaseSeconds ?? DEFAULT_LEASE_SECONDS;
    this.limits = deps.sourceLimits ?? DEFAULT_SOURCE_LIMITS;
  }

  private nowS(): number {
    return Math.floor(this.now() / 1000);
  }

  /** Synchronous, no I/O: for the modal's field error before the submission is acknowledged. */
  validateSources(text: string): ParseTrustedSourcesResult {
    return parseTrustedSources(text, this.limits);
  }

  // ------------------------------------------------------------------ planning

  async preview(finding: Finding): Promise<PlanPreview> {
    const { ports } = this.playbookOf(finding);
    const executor = await this.deps.executors.forTarget(finding.accountId, finding.region);
    const groupIds = await this.liveGroupIds(executor, finding);
    return planPreview(groupIds, ports, await executor.ingressRules(groupIds));
  }

  /** The plan from the instance's live security groups, with the EC2 DryRun outcome. Stores nothing. */
  async propose(input: { finding: Finding; requester: string; sourcesText?: string; sources?: TrustedSource[] }): Promise<ProposeResult> {
    const { finding, requester } = input;
    const match = playbookFor(finding);
    if (!match) return { ok: false, code: 'NO_PLAYBOOK', message: `There is no automatic fix for ${finding.type} findings.` };
    let sources = input.sources;
    if (!sources) {
      const parsed = this.validateSources(input.sourcesText ?? '');
      if (!parsed.ok) return { ok: false, code: 'INVALID_SOURCES', message: parsed.error };
      sources = parsed.sources;
    }
    const executor = await this.deps.executors.forTarget(finding.accountId, finding.region);
    const groupIds = await this.liveGroupIds(executor, finding);
    const rules = await executor.ingressRules(groupIds);
    const plan = match.playbook.plan({ finding, ports: match.ports, rules, sources });
    const log = this.log.child({ findingId: finding.id, requester });
    if (plan.revoke.length === 0) {
      log.info({ groupIds, untouched: plan.untouched.length }, 'nothing world-open to replace');
      const ports = plan.ports.join(', ');
      const still = plan.untouched.map((u) => describeRule(u.rule));
      const reachable = still.length > 0 ? ` Port ${ports} is still reachable through ${still.slice(0, 5).join('; ')}${still.length > 5 ? ` and ${still.length - 5} more` : ''}: change those by hand.` : '';
      return { ok: false, code: 'NOTHING_TO_CHANGE', message: `No rule opens port ${ports} to 0.0.0.0/0 or ::/0 any more.${reachable}`, plan };
    }
    plan.dryRun = await this.dryRun(executor, plan);
    log.info({ revoke: plan.revoke.length, authorize: plan.authorize.length, dryRunOk: plan.dryRun.ok }, 'plan computed');
    return { ok: true, plan };
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
    if (!PROPOSAL_ID_PATTERN.test(proposal.id)) throw new RemediationError('INVALID_PROPOSAL_ID', `Invalid proposal ID ${JSON.stringify(proposal.id)}`);
    proposal.proposalSeal = this.deps.sealer.seal('proposal', proposalFields(proposal, proposal.planDigest as string));
    await this.deps.store.createProposal(proposal);
    this.log.info({ findingId: proposal.findingId, proposalId: proposal.id, kind: proposal.kind, requester: proposal.requester, expiresAt: proposal.expiresAt }, 'proposal created');
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
      return { ok: false, refusal: { reason: 'not-approver' } };
    }
    const nowS = this.nowS();
    const current = await this.deps.store.getProposal(findingId, proposalId);
    const early = approvalRefusal(current, userId, nowS);
    if (!current || current.state !== 'proposed' || early.reason !== 'already-decided') {
      log.info({ refusal: early.reason, state: current?.state }, 'approval refused');
      return { ok: false, refusal: early, ...(current ? { proposal: current } : {}) };
    }
    const digest = planDigest(current.plan);
    if (shownDigest !== digest) {
      log.warn({ shownDigest, digest }, 'approval refused: the plan changed since it was shown');
      return { ok: false, refusal: { reason: 'plan-changed' }, proposal: current };
    }
    if (!current.proposalSeal || !this.deps.sealer.verify('proposal', proposalFields(current, digest), current.proposalSeal)) {
      log.error({ digest }, 'approval refused: the stored proposal fails its seal (altered outside the bot)');
      return { ok: false, refusal: { reason: 'tampered' }, proposal: current };
    }
    const approvalSeal = this.deps.sealer.seal('approval', approvalFields(current, digest, userId, nowS));
    const binding = { planDigest: digest, proposalSeal: current.proposalSeal, approvalSeal };
    const outcome = await this.deps.store.approve(findingId, proposalId, userId, this.deps.owner, this.leaseSeconds, nowS, binding);
    if (outcome.ok && outcome.proposal) {
      log.info({ state: outcome.proposal.state, execOwner: this.deps.owner, planDigest: digest }, 'proposal approved');
      return { ok: true, proposal: outcome.proposal };
    }
    let refusal = approvalRefusal(outcome.proposal, userId, nowS);
    if (outcome.proposal?.state === 'proposed' && refusal.reason === 'already-decided') {
      // Still proposed, yet the write's condition failed: the digest or seal changed between the read and the write.
      log.warn({ shownDigest }, 'approval refused: the plan changed since it was shown');
      refusal = { reason: 'plan-changed' };
    } else {
      log.info({ refusal: refusal.reason, state: outcome.proposal?.state }, 'approval refused');
    }
    return { ok: false, refusal, ...(outcome.proposal ? { proposal: outcome.proposal } : {}) };
  }

  async reject(findingId: string, proposalId: string, userId: string): Promise<Decision> {
    const log = this.log.child({ findingId, proposalId, actor: userId });
    if (!(await this.deps.approvers.isApprover(userId))) {
      log.info('reject refused: not an approver');
      return { ok: false, refusal: { reason: 'not-approver' } };
    }
    const outcome = await this.deps.store.reject(findingId, proposalId, userId, this.nowS());
    return settleDecision(outcome, log, 'rejected', () => ({ reason: 'own-proposal' }));
  }

  async cancel(findingId: string, proposalId: string, userId: string): Promise<Decision> {
    const log = this.log.child({ findingId, proposalId, actor: userId });
    const outcome = await this.deps.store.cancel(findingId, proposalId, userId, this.nowS());
    return settleDecision(outcome, log, 'cancelled', (p) => ({ reason: 'not-requester', requester: p.requester }));
  }

  // ------------------------------------------------------------------ execution

  /**
   * Runs a claimed proposal and records the outcome (only while this process owns the lease). Any error
   * (no role, STS, EC2, a bug) ends in `failed` with the error; a partial run is never reported as success.
   */
  async execute(claimed: Proposal): Promise<Proposal> {
    const execOwner = claimed.execOwner ?? this.deps.owner;
    const log = this.log.child({ findingId: claimed.findingId, proposalId: claimed.id, execOwner });
    const started = this.now();
    const digest = planDigest(claimed.plan);
    let result: ExecutionResult;
    try {
      const { undo } = await this.verifyForExecution(claimed, digest);
      const executor = await this.deps.executors.forTarget(claimed.plan.accountId, claimed.plan.region);
      result = await executor.apply(
        claimed.plan,
        {
          rulesBefore: claimed.rulesBefore,
          recordRulesBefore: (rules) =>
            this.deps.store.recordRulesBefore(
              claimed.findingId,
              claimed.id,
              execOwner,
              rules,
              this.deps.sealer.seal('rules-before', { proposalId: claimed.id, findingId: claimed.findingId, planDigest: digest, rules }),
            ),
        },
        undo,
      );
    } catch (err) {
      const code = err instanceof ChatOpsError ? err.code : err instanceof Error ? err.name : 'Error';
      if (err instanceof TamperedError) log.error({ err: err.message, planDigest: digest }, 'execution refused: the stored proposal fails its seal; no AWS call made');
      result = { ok: false, authorized: [], revoked: [], remainingOpen: [], ec2Calls: 0, error: { code, message: describeError(err) } };
    }
    const summary = {
      ok: result.ok,
      authorized: result.authorized.length,
      revoked: result.revoked.length,
      remainingOpen: result.remainingOpen.length,
      ec2Calls: result.ec2Calls,
      errorCode: result.error?.code,
      ms: this.now() - started,
    };
    let finished;
    try {
      const resultSeal = this.deps.sealer.seal('result', { proposalId: claimed.id, findingId: claimed.findingId, planDigest: digest, result });
      finished = await this.deps.store.finishExecution(claimed.findingId, claimed.id, execOwner, result, this.nowS(), resultSeal);
    } catch (err) {
      log.error({ err, ...summary }, 'execution finished but its outcome could not be recorded; it will be resumed');
      throw new OutcomeNotRecordedError(
        `The fix ${result.ok ? 'was applied' : 'failed'}, but its outcome could not be recorded (${describeError(err)}). It will be checked again when the bot restarts.`,
        { cause: err },
      );
    }
    if (!finished.ok || !finished.proposal) {
      log.warn({ ...summary, state: finished.proposal?.state, owner: finished.proposal?.execOwner }, 'execution lease lost; outcome recorded by another process');
      return finished.proposal ?? claimed;
    }
    if (result.ok) log.info(summary, 'proposal executed');
    else log.warn({ ...summary, error: result.error?.message }, 'proposal execution failed');
    return finished.proposal;
  }

  /** Start-up: every `executing` proposal whose lease expired is taken over and run again (each step is idempotent). */
  async resumeStalled(): Promise<Proposal[]> {
    const stalled = await this.deps.store.listStalledExecutions(this.nowS());
    const finished: Proposal[] = [];
    for (const p of stalled) {
      const log = this.log.child({ findingId: p.findingId, proposalId: p.id, previousOwner: p.execOwner });
      try {
        const taken = await this.deps.store.takeOverExecution(p.findingId, p.id, this.deps.owner, this.leaseSeconds, this.nowS());
        if (!taken.ok || !taken.proposal) {
          log.info('stalled execution already taken over');
          continue;
        }
        log.info('resuming a stalled execution');
        finished.push(await this.execute(taken.proposal));
      } catch (err) {
        log.error({ err }, 'could not resume a stalled execution');
      }
    }
    return finished;
  }

  // ------------------------------------------------------------------ revert

  /** A new proposal (kind `revert`, needs a second person again) that undoes exactly what a run changed. */
  async proposeRevert(findingId: string, proposalId: string, userId: string): Promise<Decision> {
    const log = this.log.child({ findingId, proposalId, actor: userId });
    const original = await this.deps.store.getProposal(findingId, proposalId);
    if (!original) return { ok: false, refusal: { reason: 'not-found' } };
    const refuse = (detail: string): Decision => {
      log.info({ detail }, 'revert refused');
      return { ok: false, refusal: { reason: 'not-revertible', detail }, proposal: original };
    };
    if (original.kind !== 'remediate') return refuse('A revert cannot itself be reverted; propose a new fix instead.');
    if (original.state !== 'executed' && original.state !== 'failed') return refuse(`The fix is ${original.state}, so there is nothing to revert.`);
    if (changedNothing(original.result) || !original.result) return refuse('The run changed no rule, so there is nothing to revert.');
    try {
      this.verifySealedResult(original);
    } catch (err) {
      log.error({ err: describeError(err) }, 'revert refused: the fix record fails its seal');
      return refuse(`${describeError(err)} Nothing can be reverted from this record; check the security groups by hand.`);
    }

    const siblings = (await this.deps.store.listProposals(findingId)).filter((p) => p.revertOf === original.id);
    const nowS = this.nowS();
    const active = siblings.find((p) => p.state === 'executing' || p.state === 'executed' || (p.state === 'proposed' && !isExpired(p, nowS)));
    if (active) return { ok: false, refusal: { reason: 'revert-exists', proposal: active }, proposal: original };

    const plan = revertPlan(original.plan, original.result);
    try {
      const executor = await this.deps.executors.forTarget(plan.accountId, plan.region);
      plan.dryRun = await this.dryRun(executor, plan, original.result);
    } catch (err) {
      plan.dryRun = { ok: false, message: describeError(err) };
    }
    try {
      const proposal = await this.createProposal({
        id: `${original.id.replace(/-r\d+$/, '')}-r${siblings.length + 1}`,
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
      const existing = (await this.deps.store.listProposals(findingId)).filter((p) => p.revertOf === original.id).pop();
      if (!existing) throw err;
      return { ok: false, refusal: { reason: 'revert-exists', proposal: existing }, proposal: original };
    }
  }

  // ------------------------------------------------------------------ integrity

  /**
   * Before any AWS call: the plan about to run is the one a second person approved (its digest is under the
   * approval seal), and what a resumed run or a revert relies on carries the bot's seal too. Throws TamperedError.
   */
  private async verifyForExecution(p: Proposal, digest: string): Promise<{ undo?: UndoBasis }> {
    const { sealer } = this.deps;
    if (!p.approver || p.approvedAt === undefined || !sealer.verify('approval', approvalFields(p, digest, p.approver, p.approvedAt), p.approvalSeal)) {
      throw new TamperedError(
        'The stored fix does not match what a second person approved (its plan, approval or people fail the bot\'s seal). Nothing was changed in AWS.',
      );
    }
    if (this.nowS() - p.approvedAt > EXECUTION_WINDOW_SECONDS) {
      throw new RemediationError(
        'APPROVAL_TOO_OLD',
        `It was approved more than ${EXECUTION_WINDOW_SECONDS / 60} minutes ago and did not finish then, so it is not run now. Nothing was changed in AWS by this run; check the security groups and propose the fix again if it is still needed.`,
      );
    }
    if (p.rulesBefore !== undefined) {
      const fields = { proposalId: p.id, findingId: p.findingId, planDigest: digest, rules: p.rulesBefore };
      if (!sealer.verify('rules-before', fields, p.rulesBeforeSeal)) {
        throw new TamperedError('The journal of the interrupted run fails the bot\'s seal. Nothing was changed in AWS; check the security groups by hand.');
      }
    }
    if (p.kind !== 'revert') return {};
    const original = p.revertOf ? await this.deps.store.getProposal(p.findingId, p.revertOf) : undefined;
    if (!original) throw new TamperedError('The fix this revert undoes is not in the store. Nothing was changed in AWS.');
    return { undo: this.verifySealedResult(original) };
  }

  /** The execution result of a fix, if it and its approval carry the bot's seals. */
  private verifySealedResult(p: Proposal): UndoBasis {
    const digest = planDigest(p.plan);
    const approved = p.approver !== undefined && p.approvedAt !== undefined && this.deps.sealer.verify('approval', approvalFields(p, digest, p.approver, p.approvedAt), p.approvalSeal);
    const sealed = p.result !== undefined && this.deps.sealer.verify('result', { proposalId: p.id, findingId: p.findingId, planDigest: digest, result: p.result }, p.resultSeal);
    if (!approved || !sealed || !p.result) throw new TamperedError(`The record of fix ${p.id} fails the bot's seal (altered outside the bot).`);
    return p.result;
  }

  // ------------------------------------------------------------------ helpers

  private playbookOf(finding: Finding): { playbook: Playbook; ports: number[] } {
    const match = playbookFor(finding);
    if (!match) throw new RemediationError('NO_PLAYBOOK', `There is no automatic fix for ${finding.type} findings.`);
    return match;
  }

  /** The instance's groups now (DescribeInstances); the finding's own list when the instance cannot be read. */
  private async liveGroupIds(executor: RemediationExecutor, finding: Finding): Promise<string[]> {
    const fromFinding = finding.resource.kind === 'instance' ? finding.resource.securityGroups.map((g) => g.id) : [];
    const instanceId = finding.resource.kind === 'instance' ? finding.resource.instanceId : undefined;
    if (instanceId) {
      try {
        const live = await executor.instanceGroupIds(instanceId);
        if (live.length > 0) return live;
      } catch (err) {
        this.log.warn({ findingId: finding.id, instanceId, err: describeError(err) }, "instance not readable; using the finding's security groups");
      }
    }
    if (fromFinding.length === 0) throw new RemediationError('NO_SECURITY_GROUPS', `No security group is known for the instance of finding ${finding.id}.`);
    return fromFinding;
  }

  private async dryRun(executor: RemediationExecutor, plan: RemediationPlan, undo?: UndoBasis): Promise<{ ok: boolean; message: string }> {
    try {
      return await executor.dryRun(plan, undo);
    } catch (err) {
      return { ok: false, message: describeError(err) };
    }
  }
}

function proposalFields(p: Proposal, digest: string) {
  return { proposalId: p.id, findingId: p.findingId, kind: p.kind, revertOf: p.revertOf, planDigest: digest, requester: p.requester, createdAt: p.createdAt };
}

function approvalFields(p: Proposal, digest: string, approver: string, approvedAt: number): ApprovalSealFields {
  return { proposalId: p.id, findingId: p.findingId, kind: p.kind, revertOf: p.revertOf, planDigest: digest, requester: p.requester, approver, approvedAt };
}

function approvalRefusal(p: Proposal | undefined, userId: string, nowS: number): ApprovalRefusal {
  if (!p) return { reason: 'not-found' };
  if (p.state !== 'proposed') return { reason: 'already-decided', state: p.state, by: decidedBy(p) };
  if (p.requester === userId) return { reason: 'own-proposal' };
  if (isExpired(p, nowS)) return { reason: 'expired' };
  return { reason: 'already-decided', state: p.state };
}
