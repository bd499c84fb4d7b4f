import { createHash } from 'node:crypto';
import { isExpired, type ApprovalRefusal, type Proposal } from '../proposal';
import { isStepResult } from './steps';
import type { AnyResult } from './types';

/** `<16 hex>` for a proposal, `<16 hex>-r<n>` for the n-th revert of one. */
export const PROPOSAL_ID_PATTERN = /^[0-9a-f]{16}(?:-r[1-9]\d{0,2})?$/;

/**
 * An approval runs only this long after it was given (a crash resumed later is failed instead): a table writer who
 * puts an old, genuinely sealed approval back into `executing` can replay it only within this window.
 */
export const EXECUTION_WINDOW_SECONDS = 3600;

/** A stable proposal ID derived from something unique to one submission (e.g. the Slack view ID). */
export function proposalIdFrom(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/** The ID of the n-th revert (from 1) of a fix. */
export function revertProposalId(originalId: string, n: number): string {
  return `${originalId.replace(/-r\d+$/, '')}-r${n}`;
}

// ---------------------------------------------------------------- decisions

export type Refusal =
  | ApprovalRefusal
  | { reason: 'not-requester'; requester: string }
  | { reason: 'not-revertible'; detail: string }
  | { reason: 'revert-exists'; proposal: Proposal };

export type Decision = { ok: true; proposal: Proposal } | { ok: false; refusal: Refusal; proposal?: Proposal };

export function refused(refusal: Refusal, proposal?: Proposal): Decision {
  return { ok: false, refusal, ...(proposal ? { proposal } : {}) };
}

/** Who took the proposal out of `proposed`: the approver, or whoever rejected or cancelled it. */
export function decidedBy(p: Proposal): string | undefined {
  if (p.approver) return p.approver;
  const entry = [...p.history].reverse().find((h) => h.action === 'rejected' || h.action === 'cancelled' || h.action === 'approved');
  return entry?.actor;
}

/**
 * Why `userId` cannot approve the proposal as recorded. `already-decided` with state `proposed` means the record
 * itself stops nothing (the approver policy, the digest and the seal are checked apart).
 */
export function approvalRefusal(p: Proposal | undefined, userId: string, nowS: number): ApprovalRefusal {
  if (!p) return { reason: 'not-found' };
  if (p.state !== 'proposed') return { reason: 'already-decided', state: p.state, by: decidedBy(p) };
  if (p.requester === userId) return { reason: 'own-proposal' };
  if (isExpired(p, nowS)) return { reason: 'expired' };
  return { reason: 'already-decided', state: p.state };
}

/** Why a reject write was refused, read from the record the refused write returned. */
export function rejectRefusal(p: Proposal | undefined): Refusal {
  return settledRefusal(p, () => ({ reason: 'own-proposal' }));
}

/** Why a cancel write was refused, read from the record the refused write returned. */
export function cancelRefusal(p: Proposal | undefined): Refusal {
  return settledRefusal(p, (still) => ({ reason: 'not-requester', requester: still.requester }));
}

/** `stillProposed` names the reason when the state did not change. */
function settledRefusal(p: Proposal | undefined, stillProposed: (p: Proposal) => Refusal): Refusal {
  if (!p) return { reason: 'not-found' };
  if (p.state !== 'proposed') return { reason: 'already-decided', state: p.state, by: decidedBy(p) };
  return stillProposed(p);
}

// ---------------------------------------------------------------- revert

function changedNothing(result: AnyResult | undefined): boolean {
  if (!result) return true;
  if (isStepResult(result)) return !result.steps.some((s) => s.outcome === 'changed');
  return result.authorized.length === 0 && result.revoked.length === 0;
}

/** Whether the record allows a revert, before its seals are checked: a finished fix that changed something. */
export type Revertibility = { ok: true; result: AnyResult } | { ok: false; detail: string };

export function revertibility(p: Proposal): Revertibility {
  if (p.kind !== 'remediate') return { ok: false, detail: 'A revert cannot itself be reverted; propose a new fix instead.' };
  if (p.state !== 'executed' && p.state !== 'failed') return { ok: false, detail: `The fix is ${p.state}, so there is nothing to revert.` };
  if (changedNothing(p.result) || !p.result) return { ok: false, detail: 'The run changed nothing, so there is nothing to revert.' };
  return { ok: true, result: p.result };
}

export function canRevert(p: Proposal): boolean {
  return revertibility(p).ok;
}

/** A revert of the same fix that is waiting, running or done: another one is refused. */
export function isActiveRevert(p: Proposal, nowS: number): boolean {
  return p.state === 'executing' || p.state === 'executed' || (p.state === 'proposed' && !isExpired(p, nowS));
}

/** Approved longer ago than the execution window: not run any more. */
export function approvalTooOld(approvedAt: number, nowS: number): boolean {
  return nowS - approvedAt > EXECUTION_WINDOW_SECONDS;
}
