import type { Proposal } from './proposal';
import type { StepPlan } from './remediation/steps';

/** A suppression rule the bot proposed, indexed by when it expires; its sealed proposal stays the truth. */
export interface SuppressionEntry {
  findingId: string;
  proposalId: string;
  filterName: string;
  region: string;
  /** Epoch seconds: the start (00:00 UTC) of the rule's expiry date. */
  expiresS: number;
}

/** The index of suppression rules (written when one is proposed, before the proposal). */
export interface SuppressionStore {
  recordSuppression(entry: SuppressionEntry): Promise<void>;
  /** Entries whose expiry is at or before `nowS`, oldest first. */
  dueSuppressions(nowS: number, limit: number): Promise<SuppressionEntry[]>;
  /** Every entry, soonest expiry first, at most `limit`. */
  listSuppressions(limit: number): Promise<SuppressionEntry[]>;
  /** Conditional delete: true only for the caller that removed it. */
  removeSuppression(entry: SuppressionEntry): Promise<boolean>;
}

export function keepsSuppressions<T extends object>(store: T): store is T & SuppressionStore {
  const s = store as Partial<SuppressionStore>;
  return typeof s.recordSuppression === 'function' && typeof s.dueSuppressions === 'function' && typeof s.removeSuppression === 'function';
}

/** `2026-12-30` → epoch seconds of 2026-12-30T00:00:00Z; undefined for anything else. */
export function expiryDateS(date: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return undefined;
  const ms = Date.parse(`${date}T00:00:00Z`);
  return Number.isFinite(ms) ? ms / 1000 : undefined;
}

/**
 * What a suppression proposal is, as far as its expiry is concerned: `approved` (its approval carries the bot's seal;
 * the rule may exist whatever its run reported, so the live filter decides), `pending` (waiting for a decision), or
 * `never` (rejected, cancelled, expired unapproved, or not a suppression fix).
 */
export type SealedSuppression = { kind: 'approved'; proposal: Proposal; plan: StepPlan } | { kind: 'pending' } | { kind: 'never' };

export interface SealedSuppressions {
  /** Throws TamperedError when the record claims an approval that fails the bot's seal. */
  sealedSuppression(findingId: string, proposalId: string, nowS: number): Promise<SealedSuppression>;
}
