import { createHash } from 'node:crypto';
import type { Finding } from '../../finding';
import { canonicalJson } from '../seal';
import { sameState, type Json, type StepPlan } from '../steps';
import { isPlanRefusal, refusePlan, type PlanRefusal, type PlaybookTarget, type StepPlaybook } from './playbook';

export const SUPPRESS_SIMILAR = 'suppress-similar';
export const FILTER_STEP = 'guardduty:filter';
export const ARCHIVE_STEP = 'guardduty:finding-archived';
/** Every filter the bot creates is named so; nothing else of that name is the bot's unless its sealed proposal says so. */
export const FILTER_PREFIX = 'guardduty-chatops-';
export const EXPIRY_DAYS = [7, 30, 90] as const;
export const DEFAULT_EXPIRY_DAYS = 30;
/** Archiving current matches is one step each; the engine runs at most 50 steps, one of which is the filter. */
export const MAX_ARCHIVED = 49;
/** Tags on the filter, for people reading it in the console; the bot itself trusts only its sealed proposal. */
export const TAG_EXPIRES = 'guardduty-chatops:expires';
export const TAG_REQUESTER = 'guardduty-chatops:requested-by';
export const TAG_FINDING = 'guardduty-chatops:finding';
export const REASON_MAX = 200;

/** What a suppression rule can match on, each taken from the finding and removable in the modal. */
export type CriterionKey = 'type' | 'account' | 'resource' | 'remote-ip' | 'domain';
export const CRITERION_KEYS: readonly CriterionKey[] = ['type', 'account', 'resource', 'remote-ip', 'domain'];

export interface SuppressionCriterion {
  key: CriterionKey;
  /** The GuardDuty FindingCriteria field. */
  field: string;
  value: string;
  /** "Type", "Account", "Instance", "Remote IP", "Domain". */
  label: string;
}

/** The GuardDuty fields a suppression rule may use; the executor refuses any other. */
export const FILTER_FIELDS = new Set([
  'type',
  'accountId',
  'resource.instanceDetails.instanceId',
  'resource.accessKeyDetails.accessKeyId',
  'resource.s3BucketDetails.name',
  'service.action.networkConnectionAction.remoteIpDetails.ipAddressV4',
  'service.action.awsApiCallAction.remoteIpDetails.ipAddressV4',
  'service.action.portProbeAction.portProbeDetails.remoteIpDetails.ipAddressV4',
  'service.action.kubernetesApiCallAction.remoteIpDetails.ipAddressV4',
  'service.action.dnsRequestAction.domain',
]);
/** Fields that narrow a rule below "everything in the account": a rule needs at least one. */
const NARROWING = new Set([...FILTER_FIELDS].filter((f) => f !== 'accountId'));

const REMOTE_IP_FIELD: Record<string, string> = {
  NETWORK_CONNECTION: 'service.action.networkConnectionAction.remoteIpDetails.ipAddressV4',
  AWS_API_CALL: 'service.action.awsApiCallAction.remoteIpDetails.ipAddressV4',
  PORT_PROBE: 'service.action.portProbeAction.portProbeDetails.remoteIpDetails.ipAddressV4',
  KUBERNETES_API_CALL: 'service.action.kubernetesApiCallAction.remoteIpDetails.ipAddressV4',
};
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const FINDING_ID = /^[A-Za-z0-9]{8,128}$/;
const FILTER_NAME = /^[A-Za-z0-9._-]{3,64}$/;
/** What GuardDuty accepts in a filter description (CreateFilter): anything else is replaced by a space. */
const DESCRIPTION_UNSAFE = /[^A-Za-z0-9\-.:_(){}[\]/ \t\n]/g;
const DESCRIPTION_MAX = 512;
const DAY_MS = 86_400_000;

/** The rule's possible criteria, from the finding alone: type and account always, then what the finding names. */
export function suppressionCriteria(finding: Finding): SuppressionCriterion[] {
  const out: SuppressionCriterion[] = [
    { key: 'type', field: 'type', value: finding.type, label: 'Type' },
    { key: 'account', field: 'accountId', value: finding.accountId, label: 'Account' },
  ];
  const r = finding.resource;
  if (r.kind === 'instance' && r.instanceId)
    out.push({ key: 'resource', field: 'resource.instanceDetails.instanceId', value: r.instanceId, label: 'Instance' });
  if (r.kind === 'accessKey' && r.accessKeyId)
    out.push({ key: 'resource', field: 'resource.accessKeyDetails.accessKeyId', value: r.accessKeyId, label: 'Access key' });
  if (r.kind === 's3Bucket' && r.buckets.length === 1 && r.buckets[0])
    out.push({ key: 'resource', field: 'resource.s3BucketDetails.name', value: r.buckets[0], label: 'Bucket' });
  const action = finding.action;
  const ipField = action ? REMOTE_IP_FIELD[action.actionType] : undefined;
  const ips = (action?.remoteIps ?? []).filter((ip) => IPV4.test(ip.ip));
  if (ipField && ips.length === 1 && ips[0]) out.push({ key: 'remote-ip', field: ipField, value: ips[0].ip, label: 'Remote IP' });
  if (action?.actionType === 'DNS_REQUEST' && action.domain)
    out.push({ key: 'domain', field: 'service.action.dnsRequestAction.domain', value: action.domain, label: 'Domain' });
  // A value too long to show the approver in full is not offered (the plan's texts are cut at 300 characters).
  return out.filter((c) => c.value.length > 0 && c.value.length <= 200);
}

/** What the person chose in the modal. `nowMs` fixes the expiry date and the rule's name. */
export interface SuppressionChoice {
  keys: CriterionKey[];
  reason: string;
  days: number;
  archiveCurrent: boolean;
  requester: string;
  nowMs: number;
}

/** A filter as a step state: `null` when there is none of that name. Criteria are single-value `Equals`. */
export interface FilterState {
  [key: string]: Json;
  action: string;
  criteria: { [field: string]: string[] };
  description: string;
  tags: { [key: string]: string };
}

/** What the adapter reads before a plan (read-only). */
export interface SuppressionSurvey {
  /** The filter of the planned name, if one exists already. */
  existing: FilterState | null;
  /** Open (not archived) findings matching the criteria now, through ListFindings; at most `MAX_ARCHIVED + 1` IDs kept. */
  openMatches: string[];
  /** How many open findings match (every page counted). */
  openMatchCount: number;
  /** How many archived findings match (what the rule has suppressed, once it exists). */
  archivedMatchCount?: number;
  /** Every filter of the detector (ListFilters): GuardDuty allows {@link MAX_FILTERS} per region. */
  filterNames?: string[];
}

/** Matches are counted up to this many (ListFindings pages of 50); a count at the cap means "this many or more". */
export const MATCH_COUNT_CAP = 1000;

/** GuardDuty's quota of saved filters (suppression rules included) per account and region. */
export const MAX_FILTERS = 100;

/** "12", or "1000 or more" at the cap. */
export function matchCountText(count: number): string {
  return count >= MATCH_COUNT_CAP ? `${MATCH_COUNT_CAP} or more` : String(count);
}

export function expiryOf(nowMs: number, days: number): string {
  return new Date(nowMs + days * DAY_MS).toISOString().slice(0, 10);
}

/** The filter's description: who asked, why, until when; only characters GuardDuty accepts. */
export function filterDescription(finding: Finding, choice: SuppressionChoice, expires: string): string {
  const reason = choice.reason.replace(DESCRIPTION_UNSAFE, ' ').replace(/\s+/g, ' ').trim();
  const head = `Suppressed from Slack by guardduty-chatops. Requested by ${choice.requester} and approved by a second person. Until ${expires} (then deleted by the bot). From finding ${finding.id}. Reason: `;
  return (head + reason).replace(DESCRIPTION_UNSAFE, ' ').slice(0, DESCRIPTION_MAX).trim();
}

function filterName(finding: Finding, criteria: SuppressionCriterion[], choice: SuppressionChoice, expires: string): string {
  const hash = createHash('sha256')
    .update(
      canonicalJson({
        finding: finding.id,
        criteria: criteria.map((c) => [c.field, c.value]),
        by: choice.requester,
        expires,
        at: choice.nowMs,
      }),
    )
    .digest('hex')
    .slice(0, 10);
  return `${FILTER_PREFIX}${expires.replace(/-/g, '')}-${hash}`;
}

/**
 * A criterion as the modal's checkbox value: its key and a digest of the value the person saw, so that a submission
 * made after the finding changed (a new remote IP, say) is refused instead of suppressing something else.
 */
export function criterionToken(c: Pick<SuppressionCriterion, 'key' | 'value'>): string {
  return `${c.key}:${createHash('sha256').update(c.value).digest('hex').slice(0, 12)}`;
}

/** The ticked tokens read back: the keys whose value is still what the person saw, and the ones that changed. */
export function readCriterionTokens(
  finding: Finding,
  tokens: readonly (string | undefined)[],
): { keys: CriterionKey[]; changed: SuppressionCriterion[] } {
  const offered = suppressionCriteria(finding);
  const keys: CriterionKey[] = [];
  const changed: SuppressionCriterion[] = [];
  for (const token of tokens) {
    const key = token?.split(':')[0];
    const c = offered.find((o) => o.key === key);
    if (!c) continue;
    if (criterionToken(c) === token) keys.push(c.key);
    else changed.push(c);
  }
  return { keys, changed };
}

/** The chosen criteria, in the finding's order; a key the finding does not offer is refused. */
export function chosenCriteria(finding: Finding, keys: readonly string[]): SuppressionCriterion[] | PlanRefusal {
  const offered = suppressionCriteria(finding);
  const unknown = keys.filter((k) => !offered.some((c) => c.key === k));
  if (unknown.length > 0) return refusePlan('BAD_CRITERIA', `This finding offers no ${unknown.join(', ')} to match on.`);
  const chosen = offered.filter((c) => keys.includes(c.key));
  if (chosen.length === 0)
    return refusePlan('NO_CRITERIA', 'Keep at least one criterion: a rule without any would suppress every finding.');
  if (!chosen.some((c) => NARROWING.has(c.field)))
    return refusePlan(
      'TOO_BROAD',
      'A rule on the account alone would suppress every finding of that account: keep the type or another criterion.',
    );
  return chosen;
}

/** Whether the modal's choice is one the bot accepts, with the person's mistake named. */
export function choiceProblems(choice: Pick<SuppressionChoice, 'reason' | 'days'>): string[] {
  const problems: string[] = [];
  if (choice.reason.trim().length < 3) problems.push('Say why these findings are noise (a few words at least).');
  if (choice.reason.length > REASON_MAX) problems.push(`Keep the reason under ${REASON_MAX} characters.`);
  if (!(EXPIRY_DAYS as readonly number[]).includes(choice.days)) problems.push(`Choose an expiry of ${EXPIRY_DAYS.join(', ')} days.`);
  return problems;
}

/** The choice as the target's data (strings), and back. */
export function choiceData(choice: SuppressionChoice): Record<string, string> {
  return {
    keys: choice.keys.join(','),
    reason: choice.reason,
    days: String(choice.days),
    archive: choice.archiveCurrent ? 'yes' : 'no',
    requester: choice.requester,
    now: String(choice.nowMs),
  };
}

function choiceFrom(data: PlaybookTarget['data']): SuppressionChoice | undefined {
  const nowMs = Number(data.now);
  const days = Number(data.days);
  if (!data.keys || !data.requester || data.reason === undefined || !Number.isFinite(nowMs) || !Number.isInteger(days)) return undefined;
  return {
    keys: data.keys.split(',').filter((k): k is CriterionKey => (CRITERION_KEYS as readonly string[]).includes(k)),
    reason: data.reason,
    days,
    archiveCurrent: data.archive === 'yes',
    requester: data.requester,
    nowMs,
  };
}

/** The filter the plan would create: its name, state and criteria as GuardDuty fields. */
export function plannedFilter(
  finding: Finding,
  choice: SuppressionChoice,
): { name: string; state: FilterState; criteria: SuppressionCriterion[] } | PlanRefusal {
  const criteria = chosenCriteria(finding, choice.keys);
  if (isPlanRefusal(criteria)) return criteria;
  const expires = expiryOf(choice.nowMs, choice.days);
  return {
    name: filterName(finding, criteria, choice, expires),
    criteria,
    state: {
      action: 'ARCHIVE',
      criteria: Object.fromEntries(criteria.map((c) => [c.field, [c.value]])),
      description: filterDescription(finding, choice, expires),
      tags: { [TAG_EXPIRES]: expires, [TAG_REQUESTER]: choice.requester, [TAG_FINDING]: finding.id },
    },
  };
}

export function isFilterState(value: unknown): value is FilterState {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  const criteria = v.criteria as Record<string, unknown> | undefined;
  const tags = v.tags as Record<string, unknown> | undefined;
  return (
    typeof v.action === 'string' &&
    typeof v.description === 'string' &&
    !!criteria &&
    typeof criteria === 'object' &&
    Object.values(criteria).every((vals) => Array.isArray(vals) && vals.every((x) => typeof x === 'string')) &&
    !!tags &&
    typeof tags === 'object' &&
    Object.values(tags).every((x) => typeof x === 'string')
  );
}

function isSurvey(value: unknown): value is SuppressionSurvey {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return (
    (v.existing === null || isFilterState(v.existing)) &&
    Array.isArray(v.openMatches) &&
    v.openMatches.every((x) => typeof x === 'string') &&
    typeof v.openMatchCount === 'number' &&
    (v.archivedMatchCount === undefined || typeof v.archivedMatchCount === 'number') &&
    (v.filterNames === undefined || (Array.isArray(v.filterNames) && v.filterNames.every((x) => typeof x === 'string')))
  );
}

/** The rule's criteria in words: "type X, account Y". */
export function criteriaText(state: FilterState): string {
  return Object.entries(state.criteria)
    .map(([field, values]) => `${FIELD_LABELS[field] ?? field} = ${values.join(' or ')}`)
    .join(', ');
}

const FIELD_LABELS: Record<string, string> = {
  type: 'type',
  accountId: 'account',
  'resource.instanceDetails.instanceId': 'instance',
  'resource.accessKeyDetails.accessKeyId': 'access key',
  'resource.s3BucketDetails.name': 'bucket',
  'service.action.networkConnectionAction.remoteIpDetails.ipAddressV4': 'remote IP',
  'service.action.awsApiCallAction.remoteIpDetails.ipAddressV4': 'remote IP',
  'service.action.portProbeAction.portProbeDetails.remoteIpDetails.ipAddressV4': 'remote IP',
  'service.action.kubernetesApiCallAction.remoteIpDetails.ipAddressV4': 'remote IP',
  'service.action.dnsRequestAction.domain': 'domain',
};

const ARCHIVED: Json = { archived: true };
const OPEN: Json = { archived: false };

function plan(finding: Finding, target: PlaybookTarget, survey: unknown): StepPlan | PlanRefusal {
  const choice = choiceFrom(target.data);
  if (!choice) return refusePlan('BAD_CHOICE', 'The suppression form is incomplete; open Suppress similar… again.');
  const planned = plannedFilter(finding, choice);
  if (isPlanRefusal(planned)) return planned;
  if (!isSurvey(survey)) return refusePlan('SURVEY_MISMATCH', 'The survey of GuardDuty filters is not usable.');
  if ((survey.filterNames?.length ?? 0) >= MAX_FILTERS)
    return refusePlan(
      'FILTER_QUOTA',
      `GuardDuty allows ${MAX_FILTERS} filters per region and ${finding.region} has ${survey.filterNames?.length ?? 0}: delete one (see /guardduty suppressions) before adding a rule.`,
    );
  if (survey.existing)
    return refusePlan(
      'FILTER_EXISTS',
      `A GuardDuty filter named ${planned.name} exists already; nothing was proposed. Try again in a minute.`,
    );
  if (choice.archiveCurrent && survey.openMatchCount > MAX_ARCHIVED)
    return refusePlan(
      'TOO_MANY_MATCHES',
      `${matchCountText(survey.openMatchCount)} open findings match now; the bot archives at most ${MAX_ARCHIVED} at once. Narrow the criteria, or leave "archive the current matches" off.`,
    );
  const expires = planned.state.tags[TAG_EXPIRES] ?? '';
  const archived = choice.archiveCurrent ? survey.openMatches.slice(0, MAX_ARCHIVED) : [];
  return {
    engine: 'steps',
    playbook: SUPPRESS_SIMILAR,
    findingId: finding.id,
    accountId: finding.accountId,
    region: finding.region,
    target: { kind: 'guardduty-filter', id: planned.name, label: `suppression rule ${planned.name}` },
    steps: [
      {
        action: FILTER_STEP,
        resource: planned.name,
        before: null,
        after: planned.state,
        label: `GuardDuty suppression rule ${planned.name} in ${finding.region}`,
        beforeText: 'no such rule',
        afterText: `archives new findings where ${criteriaText(planned.state)}, until ${expires}`,
        revertible: true,
      },
      ...archived.map((id) => ({
        action: ARCHIVE_STEP,
        resource: id,
        before: OPEN,
        after: ARCHIVED,
        label: `finding ${id}`,
        beforeText: 'open',
        afterText: 'archived',
        revertible: true,
      })),
    ],
    untouched:
      !choice.archiveCurrent && survey.openMatchCount > 0
        ? [
            {
              label: `${matchCountText(survey.openMatchCount)} open findings that match now`,
              reason: 'left open: the rule archives only new findings',
            },
          ]
        : [],
    warnings: [
      ...(planned.state.criteria['accountId']
        ? []
        : ['No account is named: the rule applies to every account the GuardDuty administrator sees.']),
      `${matchCountText(survey.openMatchCount)} open findings match these criteria now. From approval until ${expires}, GuardDuty archives every new finding that matches, and the bot posts no card for it: an attack that matches is hidden too.`,
      `On ${expires} the bot deletes the rule (Revert deletes it sooner). Reason given: ${choice.reason.trim()}`,
    ],
  };
}

function problems(p: StepPlan): string[] {
  const out: string[] = [];
  const filters = p.steps.filter((s) => s.action === FILTER_STEP);
  if (filters.length !== 1) out.push('a suppression plan creates exactly one GuardDuty filter');
  const archives = p.steps.filter((s) => s.action === ARCHIVE_STEP);
  if (archives.length > MAX_ARCHIVED) out.push(`it would archive more than ${MAX_ARCHIVED} findings`);
  for (const step of p.steps) {
    if (step.action !== FILTER_STEP && step.action !== ARCHIVE_STEP)
      out.push(`it would run ${JSON.stringify(step.action)}, not a suppression step`);
  }
  for (const step of filters) {
    if (!step.resource.startsWith(FILTER_PREFIX) || !FILTER_NAME.test(step.resource))
      out.push(`${JSON.stringify(step.resource)} is not a name the bot gives its rules`);
    if (step.resource !== p.target.id) out.push(`it would create filter ${step.resource}, not the plan's ${p.target.id}`);
    if (step.before !== null) out.push('it would change a filter that exists, not create one');
    const after = step.after;
    if (!isFilterState(after)) {
      out.push('the filter it would create is malformed');
      continue;
    }
    if (after.action !== 'ARCHIVE') out.push(`the filter's action would be ${JSON.stringify(after.action)}, not ARCHIVE`);
    const fields = Object.keys(after.criteria);
    if (fields.length === 0) out.push('the filter has no criteria: it would archive every finding');
    for (const field of fields) {
      if (!FILTER_FIELDS.has(field)) out.push(`the filter matches on ${JSON.stringify(field)}, which the bot does not offer`);
      if (after.criteria[field]?.length !== 1) out.push(`the filter's ${field} must be exactly one value`);
    }
    if (!fields.some((f) => NARROWING.has(f))) out.push('the filter would match every finding of an account');
    if (!/^\d{4}-\d{2}-\d{2}$/.test(after.tags[TAG_EXPIRES] ?? '')) out.push('the filter names no expiry date');
  }
  for (const step of archives) {
    if (!FINDING_ID.test(step.resource)) out.push(`${JSON.stringify(step.resource)} is not a finding ID`);
    if (!sameState(step.before, OPEN) || !sameState(step.after, ARCHIVED))
      out.push(`it would do something else than archive finding ${step.resource}`);
  }
  return out;
}

/** The expiry date a sealed suppression plan gave its rule (YYYY-MM-DD), if it is one. */
export function suppressionExpiry(p: StepPlan): { filterName: string; expires: string; state: FilterState } | undefined {
  if (p.playbook !== SUPPRESS_SIMILAR) return undefined;
  const step = p.steps.find((s) => s.action === FILTER_STEP);
  if (!step || !isFilterState(step.after)) return undefined;
  const expires = step.after.tags[TAG_EXPIRES];
  return expires ? { filterName: step.resource, expires, state: step.after } : undefined;
}

export const suppressSimilar: StepPlaybook = {
  id: SUPPRESS_SIMILAR,
  title: 'Suppress similar findings (GuardDuty suppression rule)',
  short: 'Suppress similar…',
  offered: false,
  appliesTo(finding) {
    const criteria = suppressionCriteria(finding);
    if (criteria.length === 0) return undefined;
    return { kind: 'guardduty-filter', id: finding.id, label: `findings like ${finding.id}`, data: {} };
  },
  choose(finding, target, data) {
    const choice = choiceFrom(data);
    if (!choice) return refusePlan('BAD_CHOICE', 'The suppression form is incomplete; open Suppress similar… again.');
    const bad = choiceProblems(choice);
    if (bad.length > 0) return refusePlan('BAD_CHOICE', bad.join(' '));
    const planned = plannedFilter(finding, choice);
    if (isPlanRefusal(planned)) return planned;
    return {
      kind: 'guardduty-filter',
      id: planned.name,
      label: `suppression rule ${planned.name}`,
      data: { ...target.data, ...data, filterName: planned.name, criteria: JSON.stringify(planned.state.criteria) },
    };
  },
  plan,
  problems,
  permissionCheck:
    'GuardDuty has no dry run: the survey showed the filters readable; guardduty:CreateFilter is checked when the rule is created.',
  revertWarnings: [
    'Deleting the rule lets matching findings through again. The findings this fix archived when it ran are unarchived; those GuardDuty archived through the rule since then stay archived.',
  ],
};
