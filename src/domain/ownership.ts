import { ChatOpsError } from './errors';

/**
 * Who is on a finding and where it stands. Pure rules: what each click may do given the card record's
 * ownership fields; the store makes each change with one conditional write that pins what these rules read.
 */

/** `new` until someone takes it; `investigating` once owned (or reopened); `resolved` with a reason. */
export const TRIAGE_STATUSES = ['new', 'investigating', 'resolved'] as const;
export type TriageStatus = (typeof TRIAGE_STATUSES)[number];

export const RESOLUTIONS = ['fixed', 'false_positive', 'accepted_risk', 'duplicate'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

export const RESOLUTION_LABEL: Record<Resolution, string> = {
  fixed: 'fixed',
  false_positive: 'false positive',
  accepted_risk: 'accepted risk',
  duplicate: 'duplicate',
};

/** A resolution note is a short sentence, not a report. */
export const RESOLUTION_NOTE_MAX = 500;

/** Slack user IDs (U… or W…); anything else is never stored as an owner. */
export const USER_ID_PATTERN = /^[UW][A-Z0-9]{2,20}$/;

/** The ownership fields of a card record (all optional there: records written before ownership existed have none). */
export interface TriageFields {
  owner?: string;
  /** Epoch seconds the current owner got it. */
  ownedSince?: number;
  status?: TriageStatus;
  /** Epoch seconds of the last status change. */
  statusSince?: number;
  /** Who made the last status change. */
  statusBy?: string;
  resolution?: Resolution;
  resolutionNote?: string;
  /** Bumped by every ownership or status write: a write pins the version its decision was made on. */
  triageVersion?: number;
}

export interface Triage {
  owner?: string;
  ownedSince?: number;
  status: TriageStatus;
  statusSince?: number;
  statusBy?: string;
  resolution?: Resolution;
  resolutionNote?: string;
  version: number;
}

export function triageOf(record: TriageFields | undefined): Triage {
  return {
    owner: record?.owner,
    ownedSince: record?.ownedSince,
    status: record?.status ?? (record?.owner ? 'investigating' : 'new'),
    statusSince: record?.statusSince,
    statusBy: record?.statusBy,
    resolution: record?.resolution,
    resolutionNote: record?.resolutionNote,
    version: record?.triageVersion ?? 0,
  };
}

export function isResolution(value: unknown): value is Resolution {
  return typeof value === 'string' && (RESOLUTIONS as readonly string[]).includes(value);
}

/** Resolving as one of these says GuardDuty's finding is not worth seeing again: archiving it is offered (to approvers). */
export function offersArchive(reason: Resolution): boolean {
  return reason === 'false_positive' || reason === 'accepted_risk';
}

export type TakeDecision =
  | { kind: 'take' }
  | { kind: 'already-owner' }
  /** Someone else has it: taking needs Reassign, pinned on them. */
  | { kind: 'owned'; owner: string; since?: number };

/** Take (`target` = the clicker) or Assign… (`target` = the person picked). */
export function decideTake(triage: Triage, target: string): TakeDecision {
  if (!triage.owner) return { kind: 'take' };
  if (triage.owner === target) return { kind: 'already-owner' };
  return { kind: 'owned', owner: triage.owner, since: triage.ownedSince };
}

export type ReassignDecision =
  | { kind: 'reassign' }
  | { kind: 'already-owner' }
  /** The owner is no longer the one the Reassign button was offered against: someone changed it meanwhile. */
  | { kind: 'changed'; owner?: string; since?: number };

export function decideReassign(triage: Triage, from: string, to: string): ReassignDecision {
  if (triage.owner === to) return { kind: 'already-owner' };
  if (triage.owner !== from) return { kind: 'changed', owner: triage.owner, since: triage.ownedSince };
  return { kind: 'reassign' };
}

export type ResolveDecision =
  | { kind: 'resolve'; takesOwnership: boolean }
  | { kind: 'already-resolved'; resolution?: Resolution; by?: string; since?: number }
  /** Owned by someone else, and the clicker is not an approver: they reassign first. */
  | { kind: 'not-owner'; owner: string; since?: number };

/**
 * The owner resolves; an unowned finding may be resolved by anyone, who becomes its owner (someone answers for
 * it); an approver may resolve what another person owns.
 */
export function decideResolve(triage: Triage, actor: string, actorIsApprover: boolean): ResolveDecision {
  if (triage.status === 'resolved')
    return { kind: 'already-resolved', resolution: triage.resolution, by: triage.statusBy, since: triage.statusSince };
  if (!triage.owner) return { kind: 'resolve', takesOwnership: true };
  if (triage.owner === actor || actorIsApprover) return { kind: 'resolve', takesOwnership: false };
  return { kind: 'not-owner', owner: triage.owner, since: triage.ownedSince };
}

export type ReopenDecision = { kind: 'reopen' } | { kind: 'not-resolved'; status: TriageStatus };

/** Anyone may reopen a resolved finding (the thread says who): it goes back to investigating, same owner. */
export function decideReopen(triage: Triage): ReopenDecision {
  return triage.status === 'resolved' ? { kind: 'reopen' } : { kind: 'not-resolved', status: triage.status };
}

/** The open ones first (investigating, then new), then resolved; within each, most recently changed first. */
export function compareForMine(a: Triage, b: Triage): number {
  const rank = (t: Triage) => (t.status === 'investigating' ? 0 : t.status === 'new' ? 1 : 2);
  return rank(a) - rank(b) || (b.statusSince ?? b.ownedSince ?? 0) - (a.statusSince ?? a.ownedSince ?? 0);
}

/** A resolution form the bot cannot accept (no reason, an unknown one, a note too long). */
export class ResolutionInvalidError extends ChatOpsError {
  constructor(message: string) {
    super('RESOLUTION_INVALID', message);
  }
}

/** The reason and note of a Resolve form, checked; throws ResolutionInvalidError with a message for the person. */
export function checkResolution(reason: unknown, note: unknown): { reason: Resolution; note?: string } {
  if (reason === undefined || reason === null || reason === '') throw new ResolutionInvalidError('Pick a reason to resolve the finding.');
  if (!isResolution(reason)) throw new ResolutionInvalidError('That is not one of the reasons; pick one from the list.');
  if (note !== undefined && note !== null && typeof note !== 'string') throw new ResolutionInvalidError('The note is not text.');
  const trimmed = typeof note === 'string' ? note.trim() : '';
  if (trimmed.length > RESOLUTION_NOTE_MAX)
    throw new ResolutionInvalidError(`The note is ${trimmed.length} characters; keep it under ${RESOLUTION_NOTE_MAX}.`);
  return { reason, ...(trimmed ? { note: trimmed } : {}) };
}
