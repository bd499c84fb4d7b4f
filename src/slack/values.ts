import { z } from 'zod';
import { ACCOUNT_PATTERN, FINDING_ID_PATTERN, REGION_PATTERN, type FindingsFilter } from '../domain/command';
import { expandTypeFilter } from '../domain/finding-types';
import { USER_ID_PATTERN } from '../domain/ownership';
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

/** A Reassign button: the finding, the owner it was offered against (the write is pinned on them) and the new owner. */
export interface ReassignRef extends FindingRef {
  from: string;
  to: string;
}

export function encodeReassignRef(ref: ReassignRef): string {
  return [ref.region, ref.id, ref.from, ref.to].join(' ');
}

/** Undefined for anything that is not a well-formed reference (button values can be forged). */
export function decodeReassignRef(value: string | undefined, regions?: readonly string[]): ReassignRef | undefined {
  const parts = (value ?? '').split(' ');
  const [, , from, to] = parts;
  if (parts.length !== 4 || !from || !to || !USER_ID_PATTERN.test(from) || !USER_ID_PATTERN.test(to) || from === to) return undefined;
  const finding = decodeFindingRef(parts.slice(0, 2).join(' '), regions);
  return finding && { ...finding, from, to };
}

/** The Resolve button of the resolve form: the finding and the ownership version the form was shown for. */
export interface VersionedRef extends FindingRef {
  version: number;
}

export function encodeVersionedRef(ref: VersionedRef): string {
  return [ref.region, ref.id, String(ref.version)].join(' ');
}

export function decodeVersionedRef(value: string | undefined, regions?: readonly string[]): VersionedRef | undefined {
  const parts = (value ?? '').split(' ');
  const [, , version] = parts;
  if (parts.length !== 3 || !version || !/^(0|[1-9]\d{0,8})$/.test(version)) return undefined;
  const finding = decodeFindingRef(parts.slice(0, 2).join(' '), regions);
  return finding && { ...finding, version: Number(version) };
}

/** The block ID of a card's Assign… menu, `assign <region> <id>`: a users_select carries no value of its own. */
export function encodeAssignBlock(ref: FindingRef): string {
  return `${BLOCK_ASSIGN} ${encodeFindingRef(ref)}`;
}

export function decodeAssignBlock(blockId: string | undefined, regions?: readonly string[]): FindingRef | undefined {
  const [prefix, ...rest] = (blockId ?? '').split(' ');
  if (prefix !== BLOCK_ASSIGN) return undefined;
  return decodeFindingRef(rest.join(' '), regions);
}

const BLOCK_ASSIGN = 'assign';

/** A picked user (users_select): only a well-formed user ID. */
export function decodeUserId(value: unknown): string | undefined {
  return typeof value === 'string' && USER_ID_PATTERN.test(value) ? value : undefined;
}

/**
 * What the resolve form's fields hold (a block_actions payload's `state.values`), as typed: checked by
 * domain/ownership.ts's checkResolution. Anything not shaped like the form gives undefined fields.
 */
export function readResolveForm(
  values: unknown,
  ids: { reason: string; reasonInput: string; note: string; noteInput: string },
): { reason: unknown; note: unknown } {
  const blocks = (typeof values === 'object' && values !== null ? values : {}) as Record<string, unknown>;
  const field = (block: string, input: string): Record<string, unknown> => {
    const b = blocks[block];
    const f = typeof b === 'object' && b !== null ? (b as Record<string, unknown>)[input] : undefined;
    return typeof f === 'object' && f !== null ? (f as Record<string, unknown>) : {};
  };
  const option = field(ids.reason, ids.reasonInput)['selected_option'];
  const reason = typeof option === 'object' && option !== null ? (option as Record<string, unknown>)['value'] : undefined;
  return { reason, note: field(ids.note, ids.noteInput)['value'] };
}
