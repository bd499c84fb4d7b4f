import { z } from 'zod';
import { RESOLUTIONS, TRIAGE_STATUSES } from '../domain/ownership';
import type { CardRecord, DigestItem, OutboxEntry } from '../domain/ports';
import type { AuditEntry, Proposal } from '../domain/proposal';
import type { Json, StepPlan, StepRunResult, StepState } from '../domain/remediation/steps';
import type { ExecutionResult, IngressRule, RemediationPlan, TrustedSource } from '../domain/remediation/types';

/*
 * The records the bot keeps, as read back from the table: every field the code relies on has its type checked.
 * Objects keep attributes they do not name (`looseObject`), as the records always did: a plan's digest is computed
 * over all of it.
 */

const rule = z.looseObject({
  groupId: z.string(),
  ruleId: z.string().optional(),
  protocol: z.string(),
  fromPort: z.number(),
  toPort: z.number(),
  cidrIpv4: z.string().optional(),
  cidrIpv6: z.string().optional(),
  referencedGroupId: z.string().optional(),
  prefixListId: z.string().optional(),
  description: z.string().optional(),
}) satisfies z.ZodType<IngressRule>;

const rules = z.array(rule);

const trustedSource = z.discriminatedUnion('kind', [
  z.looseObject({ kind: z.literal('cidr'), cidr: z.string(), version: z.union([z.literal(4), z.literal(6)]) }),
  z.looseObject({ kind: z.literal('securityGroup'), groupId: z.string() }),
]) satisfies z.ZodType<TrustedSource>;

const json: z.ZodType<Json> = z.lazy(() =>
  z.union([z.null(), z.boolean(), z.number(), z.string(), z.array(json), z.record(z.string(), json)]),
);

const dryRun = z.looseObject({ ok: z.boolean(), message: z.string(), checked: z.boolean().optional() });

const stepPlan = z.looseObject({
  engine: z.literal('steps'),
  playbook: z.string(),
  findingId: z.string(),
  accountId: z.string(),
  region: z.string(),
  target: z.looseObject({ kind: z.string(), id: z.string(), label: z.string() }),
  steps: z.array(
    z.looseObject({
      action: z.string(),
      resource: z.string(),
      before: json,
      after: json,
      label: z.string(),
      beforeText: z.string(),
      afterText: z.string(),
      revertible: z.boolean(),
    }),
  ),
  untouched: z.array(z.looseObject({ label: z.string(), reason: z.string() })),
  warnings: z.array(z.string()),
  dryRun: dryRun.optional(),
}) satisfies z.ZodType<StepPlan>;

const stepResult = z.looseObject({
  engine: z.literal('steps'),
  ok: z.boolean(),
  steps: z.array(
    z.looseObject({
      action: z.string(),
      resource: z.string(),
      label: z.string(),
      outcome: z.enum(['changed', 'unchanged', 'refused']),
      before: json,
      after: json,
      detail: z.string().optional(),
    }),
  ),
  kept: z.array(z.looseObject({ label: z.string(), id: z.string() })),
  awsCalls: z.number(),
  error: z.looseObject({ code: z.string(), message: z.string() }).optional(),
}) satisfies z.ZodType<StepRunResult>;

const stepStates = z.array(z.looseObject({ action: z.string(), resource: z.string(), state: json })) satisfies z.ZodType<StepState[]>;

const ingressPlan = z.looseObject({
  playbook: z.string(),
  findingId: z.string(),
  accountId: z.string(),
  region: z.string(),
  instanceId: z.string().optional(),
  ports: z.array(z.number()),
  trustedSources: z.array(trustedSource),
  revoke: rules,
  authorize: rules,
  untouched: z.array(z.looseObject({ rule, reason: z.string() })),
  dryRun: dryRun.optional(),
}) satisfies z.ZodType<RemediationPlan>;

const ingressResult = z.looseObject({
  ok: z.boolean(),
  authorized: rules,
  revoked: rules,
  remainingOpen: rules,
  stillExposed: rules.optional(),
  ec2Calls: z.number(),
  error: z.looseObject({ code: z.string(), message: z.string() }).optional(),
}) satisfies z.ZodType<ExecutionResult>;

// A plan or result with `engine: 'steps'` is read as a containment one only, never as restrict-ingress.
const plan = z.union([stepPlan, ingressPlan.refine((p) => !('engine' in p), 'an unknown plan engine')]);
const result = z.union([stepResult, ingressResult.refine((r) => !('engine' in r), 'an unknown result engine')]);

const auditEntry = z.looseObject({
  at: z.number(),
  actor: z.string(),
  action: z.enum(['proposed', 'approved', 'rejected', 'cancelled', 'executed', 'failed', 'resumed']),
  detail: z.string().optional(),
}) satisfies z.ZodType<AuditEntry>;

export const proposalSchema = z.looseObject({
  id: z.string(),
  findingId: z.string(),
  kind: z.enum(['remediate', 'revert']),
  revertOf: z.string().optional(),
  state: z.enum(['proposed', 'executing', 'executed', 'failed', 'rejected', 'cancelled']),
  requester: z.string(),
  approver: z.string().optional(),
  plan,
  planDigest: z.string().optional(),
  proposalSeal: z.string().optional(),
  approvedAt: z.number().optional(),
  approvalSeal: z.string().optional(),
  resultSeal: z.string().optional(),
  createdAt: z.number(),
  expiresAt: z.number(),
  channel: z.string(),
  threadTs: z.string(),
  messageTs: z.string().optional(),
  execOwner: z.string().optional(),
  execLeaseExpiresAt: z.number().optional(),
  rulesBefore: rules.optional(),
  rulesBeforeSeal: z.string().optional(),
  stepsBefore: stepStates.optional(),
  stepsBeforeSeal: z.string().optional(),
  result: result.optional(),
  history: z.array(auditEntry),
}) satisfies z.ZodType<Proposal>;

const feedbackCounts = z.looseObject({ useful: z.number(), notUseful: z.number(), version: z.number() });

export const cardSchema = z.looseObject({
  findingId: z.string(),
  region: z.string(),
  accountId: z.string(),
  severity: z.number(),
  updatedAtMs: z.number(),
  count: z.number(),
  archived: z.boolean(),
  state: z.enum(['claimed', 'posted', 'digest']),
  claimOwner: z.string().optional(),
  claimExpiresAt: z.number().optional(),
  claimedAt: z.number().optional(),
  channel: z.string().optional(),
  ts: z.string().optional(),
  lastReplyAt: z.number().optional(),
  notes: z.array(z.string()).optional(),
  notesTotal: z.number().optional(),
  feedback: feedbackCounts.optional(),
  owner: z.string().optional(),
  ownedSince: z.number().optional(),
  status: z.enum(TRIAGE_STATUSES).optional(),
  statusSince: z.number().optional(),
  statusBy: z.string().optional(),
  resolution: z.enum(RESOLUTIONS).optional(),
  resolutionNote: z.string().optional(),
  triageVersion: z.number().optional(),
}) satisfies z.ZodType<CardRecord>;

/** An owner's index item (`owner#<user>` / `finding#<id>`): where to look; the card record says whether it still holds. */
export const ownerIndexSchema = z.looseObject({ findingId: z.string(), writtenAtMs: z.number() });

/** Exactly these fields: a digest item is copied into sent digests and shown, nothing else of the record is. */
export const digestItemSchema = z.object({
  findingId: z.string(),
  region: z.string(),
  accountId: z.string(),
  severity: z.number(),
  type: z.string(),
  title: z.string(),
  resource: z.string().optional(),
}) satisfies z.ZodType<DigestItem>;

export const outboxEntrySchema = z.object({
  channel: z.string(),
  findingId: z.string(),
  region: z.string(),
  severity: z.number(),
  updatedAtMs: z.number(),
  mention: z.string().optional(),
}) satisfies z.ZodType<OutboxEntry>;

/** The voters of a finding, one string set per vote (DynamoDB sets), and a version bumped by every vote. */
export const feedbackSchema = z.looseObject({
  useful: z.set(z.string()).optional(),
  notUseful: z.set(z.string()).optional(),
  version: z.number(),
});

export const cursorSchema = z.looseObject({ cursorMs: z.number().optional() });

/** The entries are read one by one (see digestItemSchema), so that one bad entry does not hide the others. */
export const sentDigestPartSchema = z.looseObject({ items: z.array(z.unknown()) });

/** A card's place in the posting index (`cards#YYYY-MM` / `posted#<postedS>#<id>`): where to look; the card record decides. */
export const postedIndexSchema = z.looseObject({ findingId: z.string(), postedS: z.number(), channel: z.string() });

/** When a card was first owned (kept on the card record by the ownership writes). */
export const firstOwnedSchema = z.looseObject({ firstOwnedAt: z.number().optional() });

/** A channel's summary for one schedule slot: held while posting, then posted (with its ts) or empty. */
export const summarySchema = z.looseObject({
  state: z.enum(['posting', 'posted', 'empty']),
  by: z.string().optional(),
  until: z.number().optional(),
  claimedS: z.number(),
  ts: z.string().optional(),
});
