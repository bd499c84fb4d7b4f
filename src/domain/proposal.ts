import type { StepState } from './remediation/steps';
import type { AnyPlan, AnyResult, IngressRule } from './remediation/types';

export type ProposalState = 'proposed' | 'executing' | 'executed' | 'failed' | 'rejected' | 'cancelled';
export type ProposalKind = 'remediate' | 'revert';

export interface AuditEntry {
  /** Epoch seconds. */
  at: number;
  /** Slack user ID, or `bot`. */
  actor: string;
  action: 'proposed' | 'approved' | 'rejected' | 'cancelled' | 'executed' | 'failed' | 'resumed';
  detail?: string;
}

export interface Proposal {
  id: string;
  findingId: string;
  kind: ProposalKind;
  /** For a revert: the proposal whose changes it undoes. */
  revertOf?: string;
  state: ProposalState;
  requester: string;
  approver?: string;
  plan: AnyPlan;
  /** SHA-256 of the plan's canonical JSON, as computed when the proposal was made (see remediation/seal). */
  planDigest?: string;
  /** The bot's seal over ID, finding, kind, plan digest, requester and creation time. */
  proposalSeal?: string;
  /** Epoch seconds of the approval; sealed with the approver in `approvalSeal`. */
  approvedAt?: number;
  approvalSeal?: string;
  /** The bot's seal over the execution result: a revert undoes only what a sealed result lists. */
  resultSeal?: string;
  /** Epoch seconds. */
  createdAt: number;
  /** Epoch seconds after which it can no longer be approved. */
  expiresAt: number;
  /** The finding's thread, where the proposal message lives. */
  channel: string;
  threadTs: string;
  messageTs?: string;
  /** Who holds the execution and until when (epoch seconds), while state is `executing`. */
  execOwner?: string;
  execLeaseExpiresAt?: number;
  /**
   * Which of the plan's rules were in place before the execution's first write, recorded before that write,
   * so that a run resumed after a crash can tell the rules its predecessor added or removed from others.
   */
  rulesBefore?: IngressRule[];
  rulesBeforeSeal?: string;
  /** A containment playbook's journal: each step's state before the execution's first write, sealed the same way. */
  stepsBefore?: StepState[];
  stepsBeforeSeal?: string;
  result?: AnyResult;
  history: AuditEntry[];
}

/** Why an approval was refused, for the ephemeral answer to the clicker. */
export type ApprovalRefusal =
  | { reason: 'own-proposal' }
  | { reason: 'not-approver' }
  | { reason: 'expired' }
  | { reason: 'not-found' }
  /** The stored plan is not the one whose digest the clicked button carries. */
  | { reason: 'plan-changed' }
  /** The stored proposal fails the bot's own seal: it was written or altered outside the bot. */
  | { reason: 'tampered' }
  | { reason: 'already-decided'; state: ProposalState; by?: string };

export function isExpired(p: Pick<Proposal, 'state' | 'expiresAt'>, nowS: number): boolean {
  return p.state === 'proposed' && p.expiresAt <= nowS;
}
