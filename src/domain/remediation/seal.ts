import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { ChatOpsError } from '../errors';
import type { Proposal } from '../proposal';
import type { StepState } from './steps';
import type { AnyPlan, AnyResult, IngressRule } from './types';

/** Shortest key accepted for APPROVAL_SIGNING_KEY, in bytes. */
export const MIN_SIGNING_KEY_BYTES = 32;
/** Characters of the plan digest shown to people and carried by buttons. */
export const SHORT_DIGEST_LENGTH = 12;
export const PLAN_DIGEST_PATTERN = /^[0-9a-f]{64}$/;

/** The record in the state table is not what the bot wrote: a plan, an approval or a result fails its check. */
export class TamperedError extends ChatOpsError {
  constructor(message: string) {
    super('TAMPERED', message);
  }
}

/**
 * JSON with object keys sorted at every depth and undefined values left out, so that the same data always gives
 * the same text however it was built or stored (DynamoDB does not keep key order).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonical(value));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : canonical(v)));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = canonical(v);
    }
    return out;
  }
  return value;
}

/** SHA-256 (hex) of the plan's canonical JSON: what an approver approves. */
export function planDigest(plan: AnyPlan): string {
  return createHash('sha256').update(canonicalJson(plan)).digest('hex');
}

export function shortDigest(digest: string): string {
  return digest.slice(0, SHORT_DIGEST_LENGTH);
}

/** Who asked for which plan: the part every proposal seal covers. */
interface SealedRequest {
  proposalId: string;
  findingId: string;
  kind: string;
  revertOf?: string;
  planDigest: string;
  requester: string;
}

/** What the bot vouches for when it creates a proposal. */
export interface ProposalSealFields extends SealedRequest {
  createdAt: number;
}

/** What the bot vouches for when a second person approves: the plan they saw, who asked, who approved, when. */
export interface ApprovalSealFields extends SealedRequest {
  approver: string;
  approvedAt: number;
}

export interface ResultSealFields {
  proposalId: string;
  findingId: string;
  planDigest: string;
  result: AnyResult;
}

export interface RulesBeforeSealFields {
  proposalId: string;
  findingId: string;
  planDigest: string;
  rules: IngressRule[];
}

type SealedProposal = Pick<Proposal, 'id' | 'findingId' | 'kind' | 'revertOf' | 'requester' | 'createdAt'>;

export function proposalSealFields(p: SealedProposal, digest: string): ProposalSealFields {
  return {
    proposalId: p.id,
    findingId: p.findingId,
    kind: p.kind,
    revertOf: p.revertOf,
    planDigest: digest,
    requester: p.requester,
    createdAt: p.createdAt,
  };
}

export function approvalSealFields(p: SealedProposal, digest: string, approver: string, approvedAt: number): ApprovalSealFields {
  return {
    proposalId: p.id,
    findingId: p.findingId,
    kind: p.kind,
    revertOf: p.revertOf,
    planDigest: digest,
    requester: p.requester,
    approver,
    approvedAt,
  };
}

export function resultSealFields(p: Pick<Proposal, 'id' | 'findingId'>, digest: string, result: AnyResult): ResultSealFields {
  return { proposalId: p.id, findingId: p.findingId, planDigest: digest, result };
}

export function rulesBeforeSealFields(p: Pick<Proposal, 'id' | 'findingId'>, digest: string, rules: IngressRule[]): RulesBeforeSealFields {
  return { proposalId: p.id, findingId: p.findingId, planDigest: digest, rules };
}

export interface StepsBeforeSealFields {
  proposalId: string;
  findingId: string;
  planDigest: string;
  states: StepState[];
}

export function stepsBeforeSealFields(p: Pick<Proposal, 'id' | 'findingId'>, digest: string, states: StepState[]): StepsBeforeSealFields {
  return { proposalId: p.id, findingId: p.findingId, planDigest: digest, states };
}

interface Purposes {
  proposal: ProposalSealFields;
  approval: ApprovalSealFields;
  result: ResultSealFields;
  'rules-before': RulesBeforeSealFields;
  'steps-before': StepsBeforeSealFields;
}
export type SealPurpose = keyof Purposes;

/**
 * HMAC-SHA256 seals over what the bot wrote to the state table, with a key only the bot holds. A writer to the
 * table alone can copy a seal but cannot make one for other data. The previous key (rotation) still verifies.
 */
export class ApprovalSealer {
  private readonly keys: Buffer[];

  constructor(current: Buffer, previous?: Buffer) {
    for (const key of [current, previous]) {
      if (key && key.length < MIN_SIGNING_KEY_BYTES) {
        throw new ChatOpsError('SIGNING_KEY_TOO_SHORT', `An approval signing key needs at least ${MIN_SIGNING_KEY_BYTES} bytes.`);
      }
    }
    this.keys = previous ? [current, previous] : [current];
  }

  seal<P extends SealPurpose>(purpose: P, fields: Purposes[P]): string {
    return this.mac(this.keys[0] as Buffer, purpose, fields);
  }

  verify<P extends SealPurpose>(purpose: P, fields: Purposes[P], seal: string | undefined): boolean {
    if (typeof seal !== 'string' || !/^[0-9a-f]{64}$/.test(seal)) return false;
    const given = Buffer.from(seal, 'hex');
    return this.keys.some((key) => timingSafeEqual(Buffer.from(this.mac(key, purpose, fields), 'hex'), given));
  }

  private mac(key: Buffer, purpose: SealPurpose, fields: unknown): string {
    return createHmac('sha256', key).update(`guardduty-chatops/${purpose}/v1\n`).update(canonicalJson(fields)).digest('hex');
  }
}
