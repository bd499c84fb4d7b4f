import type { ProposalStore } from '../domain/ports';
import type { Proposal } from '../domain/proposal';
import { EXECUTION_WINDOW_SECONDS, approvalTooOld } from '../domain/remediation/proposal-rules';
import {
  TamperedError,
  approvalSealFields,
  planDigest,
  proposalSealFields,
  resultSealFields,
  rulesBeforeSealFields,
  stepsBeforeSealFields,
  type ApprovalSealer,
} from '../domain/remediation/seal';
import type { StepState } from '../domain/remediation/steps';
import type { AnyResult, IngressRule } from '../domain/remediation/types';
import { RemediationError } from './errors';

/** The bot's seals over a proposal's life: made as the bot writes each step, checked before anything relies on one. */
export class ProposalSeals {
  constructor(
    private readonly sealer: ApprovalSealer,
    private readonly store: Pick<ProposalStore, 'getProposal'>,
  ) {}

  sealProposal(p: Proposal, digest: string): string {
    return this.sealer.seal('proposal', proposalSealFields(p, digest));
  }

  /** The stored proposal carries the bot's own seal over this plan digest. */
  proposalIntact(p: Proposal, digest: string): boolean {
    return !!p.proposalSeal && this.sealer.verify('proposal', proposalSealFields(p, digest), p.proposalSeal);
  }

  sealApproval(p: Proposal, digest: string, approver: string, approvedAt: number): string {
    return this.sealer.seal('approval', approvalSealFields(p, digest, approver, approvedAt));
  }

  sealRulesBefore(p: Proposal, digest: string, rules: IngressRule[]): string {
    return this.sealer.seal('rules-before', rulesBeforeSealFields(p, digest, rules));
  }

  sealStepsBefore(p: Proposal, digest: string, states: StepState[]): string {
    return this.sealer.seal('steps-before', stepsBeforeSealFields(p, digest, states));
  }

  sealResult(p: Proposal, digest: string, result: AnyResult): string {
    return this.sealer.seal('result', resultSealFields(p, digest, result));
  }

  /**
   * Before any AWS call: the plan about to run is the one a second person approved (its digest is under the
   * approval seal) within the execution window, and what a resumed run or a revert relies on carries the bot's
   * seal too. Throws TamperedError (or APPROVAL_TOO_OLD).
   */
  async checkBeforeExecution(p: Proposal, digest: string, nowS: number): Promise<{ undo?: AnyResult }> {
    if (!p.approver || !this.approvalIntact(p, digest)) {
      throw new TamperedError(
        "The stored fix does not match what a second person approved (its plan, approval or people fail the bot's seal). Nothing was changed in AWS.",
      );
    }
    if (approvalTooOld(p.approvedAt, nowS)) {
      throw new RemediationError(
        'APPROVAL_TOO_OLD',
        `It was approved more than ${EXECUTION_WINDOW_SECONDS / 60} minutes ago and did not finish then, so it is not run now. Nothing was changed in AWS by this run; check the security groups and propose the fix again if it is still needed.`,
      );
    }
    if (
      p.rulesBefore !== undefined &&
      !this.sealer.verify('rules-before', rulesBeforeSealFields(p, digest, p.rulesBefore), p.rulesBeforeSeal)
    ) {
      throw new TamperedError(
        "The journal of the interrupted run fails the bot's seal. Nothing was changed in AWS; check the security groups by hand.",
      );
    }
    if (
      p.stepsBefore !== undefined &&
      !this.sealer.verify('steps-before', stepsBeforeSealFields(p, digest, p.stepsBefore), p.stepsBeforeSeal)
    ) {
      throw new TamperedError(
        "The journal of the interrupted run fails the bot's seal. Nothing was changed in AWS; check the resource by hand.",
      );
    }
    if (p.kind !== 'revert') return {};
    const original = p.revertOf ? await this.store.getProposal(p.findingId, p.revertOf) : undefined;
    if (!original) throw new TamperedError('The fix this revert undoes is not in the store. Nothing was changed in AWS.');
    return { undo: this.sealedResult(original) };
  }

  /** The execution result of a fix, if it and its approval carry the bot's seals. Throws TamperedError. */
  sealedResult(p: Proposal): AnyResult {
    const digest = planDigest(p.plan);
    const sealed = p.result !== undefined && this.sealer.verify('result', resultSealFields(p, digest, p.result), p.resultSeal);
    if (!this.approvalIntact(p, digest) || !sealed || !p.result)
      throw new TamperedError(`The record of fix ${p.id} fails the bot's seal (altered outside the bot).`);
    return p.result;
  }

  /** The proposal and its approval carry the bot's seals (whatever happened to its execution since). */
  approvedIntact(p: Proposal): boolean {
    const digest = planDigest(p.plan);
    return this.proposalIntact(p, digest) && this.approvalIntact(p, digest);
  }

  private approvalIntact(p: Proposal, digest: string): p is Proposal & { approver: string; approvedAt: number } {
    return (
      p.approver !== undefined &&
      p.approvedAt !== undefined &&
      this.sealer.verify('approval', approvalSealFields(p, digest, p.approver, p.approvedAt), p.approvalSeal)
    );
  }
}
