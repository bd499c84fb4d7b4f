import { z } from 'zod';
import { ACCOUNT_PATTERN, FINDING_ID_PATTERN, REGION_PATTERN, type FindingsFilter } from '../domain/command';
import { expandTypeFilter } from '../domain/finding-types';
import { isConfiguredRegion } from '../domain/regions';
import { PROPOSAL_ID_PATTERN } from '../domain/remediation/proposal-rules';
import { PLAN_DIGEST_PATTERN } from '../domain/remediation/seal';
import { SEVERITY_BANDS } from '../domain/severity';

/** A finding as named in a button value: `<region> <id>`. */
export interface FindingRef {
  region: string;
  id: string;
}

export function encodeFindingRef(ref: FindingRef): string {
  return `${ref.region} ${ref.id}`;
}

/**
 * Undefined for anything that is not a well-formed reference (button values can be forged) and, given the
 * configured regions, for a reference to any other region. Listeners always pass `regions`
 * (config.aws.regions); a block builder checking a value it is about to send may leave it out (shape only).
 */
export function decodeFindingRef(value: string | undefined, regions?: readonly string[]): FindingRef | undefined {
  const [region, id, extra] = (value ?? '').split(' ');
  if (extra !== undefined || !region || !id || !REGION_PATTERN.test(region) || !FINDING_ID_PATTERN.test(id)) return undefined;
  if (regions && !isConfiguredRegion(regions, region)) return undefined;
  return { region, id };
}

const pageValue = z.object({
  b: z.enum(SEVERITY_BANDS),
  r: z.string().regex(REGION_PATTERN).optional(),
  a: z.string().regex(ACCOUNT_PATTERN).optional(),
  t: z.string().max(200).optional(),
  x: z.boolean(),
  p: z.number().int().min(0).max(100),
});

export function encodePage(filter: FindingsFilter, page: number): string {
  return JSON.stringify({
    b: filter.band,
    r: filter.region,
    a: filter.accountId,
    t: filter.typeFilter,
    x: filter.archived,
    p: page,
  });
}

/** Undefined for anything that is not a page value this bot could have written, a region outside `regions` included. */
export function decodePage(value: string | undefined, regions: readonly string[]): { filter: FindingsFilter; page: number } | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(value ?? '');
  } catch {
    return undefined;
  }
  const parsed = pageValue.safeParse(raw);
  if (!parsed.success) return undefined;
  const v = parsed.data;
  if (v.r !== undefined && !isConfiguredRegion(regions, v.r)) return undefined;
  const types = v.t ? expandTypeFilter(v.t) : undefined;
  if (types && types.length === 0) return undefined;
  return {
    filter: { band: v.b, region: v.r, accountId: v.a, typeFilter: v.t, types, archived: v.x },
    page: v.p,
  };
}

/** A proposal as named in a button value: `<finding id> <proposal id>[ <plan digest>]`. */
export interface ProposalRef {
  findingId: string;
  proposalId: string;
  /** On Approve: the digest of the plan the message showed; the approval is bound to it. */
  planDigest?: string;
}

export function encodeProposalRef(ref: ProposalRef): string {
  return [ref.findingId, ref.proposalId, ...(ref.planDigest ? [ref.planDigest] : [])].join(' ');
}

/** Undefined for anything that is not a well-formed reference (button values can be forged). */
export function decodeProposalRef(value: string | undefined): ProposalRef | undefined {
  const parts = (value ?? '').split(' ');
  const [findingId, proposalId, digest] = parts;
  if (parts.length > 3 || !findingId || !proposalId) return undefined;
  if (!FINDING_ID_PATTERN.test(findingId) || !PROPOSAL_ID_PATTERN.test(proposalId)) return undefined;
  if (digest !== undefined && !PLAN_DIGEST_PATTERN.test(digest)) return undefined;
  return { findingId, proposalId, ...(digest ? { planDigest: digest } : {}) };
}

const CHANNEL_PATTERN = /^[CGD][A-Z0-9]{2,}$/;
const PLAYBOOK_PATTERN = /^[a-z][a-z0-9-]{1,40}$/;

/** A Propose fix button: the finding and the playbook it proposes (`<region> <id> <playbook>`). */
export interface PlaybookRef extends FindingRef {
  /** Undefined on buttons from before playbooks were named: the restrict-ingress one. */
  playbook?: string;
}

export function encodePlaybookRef(ref: PlaybookRef): string {
  return [ref.region, ref.id, ...(ref.playbook ? [ref.playbook] : [])].join(' ');
}

export function decodePlaybookRef(value: string | undefined, regions?: readonly string[]): PlaybookRef | undefined {
  const parts = (value ?? '').split(' ');
  if (parts.length > 3) return undefined;
  const finding = decodeFindingRef(parts.slice(0, 2).join(' '), regions);
  const playbook = parts[2];
  if (!finding || (playbook !== undefined && !PLAYBOOK_PATTERN.test(playbook))) return undefined;
  return { ...finding, ...(playbook ? { playbook } : {}) };
}

/** What a containment modal carries: `<region> <findingId> <playbook> [channel]`. */
export interface ContainmentModalMeta extends ProposeModalMeta {
  playbook: string;
}

export function encodeContainmentMeta(meta: ContainmentModalMeta): string {
  return [meta.region, meta.findingId, meta.playbook, ...(meta.channel ? [meta.channel] : [])].join(' ');
}

export function decodeContainmentMeta(value: string | undefined): ContainmentModalMeta | undefined {
  const parts = (value ?? '').split(' ');
  const [region, findingId, playbook, channel] = parts;
  if (parts.length > 4 || !region || !findingId || !playbook) return undefined;
  if (!REGION_PATTERN.test(region) || !FINDING_ID_PATTERN.test(findingId) || !PLAYBOOK_PATTERN.test(playbook)) return undefined;
  if (channel !== undefined && !CHANNEL_PATTERN.test(channel)) return undefined;
  return { region, findingId, playbook, ...(channel ? { channel } : {}) };
}

/** What the propose modal carries in `private_metadata`: the finding and the channel the button was in. */
export interface ProposeModalMeta {
  region: string;
  findingId: string;
  channel?: string;
}

export function encodeModalMeta(meta: ProposeModalMeta): string {
  return [meta.region, meta.findingId, ...(meta.channel ? [meta.channel] : [])].join(' ');
}

/** Undefined for anything that is not metadata this bot could have written. */
export function decodeModalMeta(value: string | undefined): ProposeModalMeta | undefined {
  const parts = (value ?? '').split(' ');
  const [region, findingId, channel] = parts;
  if (parts.length > 3 || !region || !findingId || !REGION_PATTERN.test(region) || !FINDING_ID_PATTERN.test(findingId)) return undefined;
  if (channel !== undefined && !CHANNEL_PATTERN.test(channel)) return undefined;
  return { region, findingId, ...(channel ? { channel } : {}) };
}
