import type { Finding } from '../../finding';
import { sameState, type Json, type StepPlan } from '../steps';
import { refusePlan, type PlanRefusal, type PlaybookTarget, type StepPlaybook } from './playbook';

export const DEACTIVATE_ACCESS_KEY = 'deactivate-access-key';
export const ACCESS_KEY_STATUS_STEP = 'iam:access-key-status';

export type AccessKeyStatus = 'Active' | 'Inactive';

/** One access key of the user, as ListAccessKeys and GetAccessKeyLastUsed give it (dates ISO-8601). */
export interface SurveyedKey {
  accessKeyId: string;
  status: AccessKeyStatus;
  createdAt?: string;
  /** Absent: never used (IAM answers `N/A`). */
  lastUsed?: { date?: string; service?: string; region?: string };
}

/** What the adapter reads before a plan (read-only): every access key of the user. */
export interface AccessKeySurvey {
  userName: string;
  keys: SurveyedKey[];
  /** ListAccessKeys answered NoSuchEntity: there is no IAM user of that name. */
  userMissing?: boolean;
}

/**
 * The finding types whose principal may be an exposed IAM user key (`Policy:IAMUser/RootCredentialUsage` is not
 * one: its principal is the root user). `UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.*` is covered by
 * its prefix when the principal is a user; for an assumed role the revoke-role-sessions playbook applies instead.
 */
export const IAM_PRINCIPAL_TYPE_PREFIXES: readonly string[] = Object.freeze([
  'UnauthorizedAccess:IAMUser/',
  'CredentialAccess:IAMUser/',
  'Discovery:IAMUser/',
  'Exfiltration:IAMUser/',
  'Impact:IAMUser/',
  'Persistence:IAMUser/',
  'PrivilegeEscalation:IAMUser/',
]);

const EXCLUDED_TYPES = new Set(['Policy:IAMUser/RootCredentialUsage']);

/**
 * IAM's AccessKeyId is `[\w]+`, 16 to 128 characters; real ones are upper-case letters and digits, AKIA for a
 * long-term key and ASIA for a temporary (STS) one. Only AKIA keys are listed by ListAccessKeys.
 */
export const ACCESS_KEY_ID = /^(AKIA|ASIA)[A-Z0-9]{12,124}$/;
/** IAM user and role names: `[\w+=,.@-]+`, at most 64 characters. */
export const IAM_NAME = /^[\w+=,.@-]{1,64}$/;

/** Whether a finding's principal type is one of IAM's: shared with revoke-role-sessions. */
export function isIamPrincipalFinding(finding: Finding): boolean {
  return !EXCLUDED_TYPES.has(finding.type) && IAM_PRINCIPAL_TYPE_PREFIXES.some((p) => finding.type.startsWith(p));
}

/** A step state: the key's status, with the user it belongs to (the executor's read and write need the user). */
export function keyState(userName: string, status: AccessKeyStatus): Json {
  return { userName, status };
}

function day(iso: string | undefined): string | undefined {
  if (!iso) return undefined;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? undefined : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** "last used 2026-11-20 10:15 UTC in eu-west-1 (s3)" or "never used". */
export function lastUseText(key: SurveyedKey): string {
  const u = key.lastUsed;
  const when = day(u?.date);
  if (!u || !when) return 'never used';
  const where = u.region ? ` in ${u.region}` : '';
  const what = u.service ? ` (${u.service})` : '';
  return `last used ${when}${where}${what}`;
}

function keyText(key: SurveyedKey): string {
  return `${key.status}, ${lastUseText(key)}`;
}

function keyLabel(accessKeyId: string, userName: string): string {
  return `Access key ${accessKeyId} of IAM user ${userName}`;
}

function isKey(value: unknown): value is SurveyedKey {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  if (typeof v.accessKeyId !== 'string' || (v.status !== 'Active' && v.status !== 'Inactive')) return false;
  if (v.createdAt !== undefined && typeof v.createdAt !== 'string') return false;
  if (v.lastUsed === undefined) return true;
  if (!v.lastUsed || typeof v.lastUsed !== 'object') return false;
  const u = v.lastUsed as Record<string, unknown>;
  return (['date', 'service', 'region'] as const).every((k) => u[k] === undefined || typeof u[k] === 'string');
}

const ROOT_KEY_REASON =
  'Root keys cannot be deactivated by the bot: sign in as the root user and deactivate or delete the key under Security credentials.';

function isSurvey(value: unknown): value is AccessKeySurvey {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return typeof v.userName === 'string' && Array.isArray(v.keys) && v.keys.every(isKey);
}

function plan(finding: Finding, target: PlaybookTarget, survey: unknown): StepPlan | PlanRefusal {
  const r = finding.resource;
  if (r.kind === 'accessKey' && r.userType === 'Root') {
    return refusePlan('ROOT_KEY', ROOT_KEY_REASON);
  }
  const accessKeyId = target.data.accessKeyId;
  if (!isSurvey(survey) || survey.userName !== target.id || !accessKeyId)
    return refusePlan('SURVEY_MISMATCH', `The survey of IAM user ${target.id} is not usable.`);
  const userName = survey.userName;
  const key = survey.keys.find((k) => k.accessKeyId === accessKeyId);
  if (!key) {
    const why = survey.userMissing
      ? `there is no IAM user ${userName} any more`
      : accessKeyId.startsWith('ASIA')
        ? `${accessKeyId} is a temporary (STS) key, which IAM does not list or deactivate; ${userName}'s own keys are ${survey.keys.map((k) => k.accessKeyId).join(', ') || 'none'}`
        : `${userName} has ${survey.keys.length === 0 ? 'no access keys' : `only ${survey.keys.map((k) => k.accessKeyId).join(', ')}`} (deleted or never this user's)`;
    return refusePlan(
      'NO_SUCH_KEY',
      `Access key ${accessKeyId} is not among the access keys of IAM user ${userName}: ${why}. Nothing to deactivate.`,
    );
  }
  if (key.status === 'Inactive') {
    return refusePlan('NOTHING_TO_CHANGE', `${keyLabel(accessKeyId, userName)} is already Inactive. Nothing to change.`);
  }
  const others = survey.keys.filter((k) => k.accessKeyId !== accessKeyId);
  const warnings = [
    `Whatever uses ${accessKeyId} (applications, CI jobs, scripts, other people) stops working: AWS refuses every request signed with it.`,
    `The key is deactivated, never deleted: revert makes it Active again.`,
    `Temporary credentials already obtained with this key (sts:GetSessionToken, sts:AssumeRole) stay valid until they expire.`,
  ];
  const otherActive = others.filter((k) => k.status === 'Active');
  if (otherActive.length > 0) {
    warnings.push(
      `${userName} has another active key (${otherActive.map((k) => k.accessKeyId).join(', ')}), not touched: if it is exposed too, it keeps working.`,
    );
  }
  return {
    engine: 'steps',
    playbook: DEACTIVATE_ACCESS_KEY,
    findingId: finding.id,
    accountId: finding.accountId,
    region: finding.region,
    target: { kind: target.kind, id: target.id, label: target.label },
    steps: [
      {
        action: ACCESS_KEY_STATUS_STEP,
        resource: accessKeyId,
        before: keyState(userName, 'Active'),
        after: keyState(userName, 'Inactive'),
        label: keyLabel(accessKeyId, userName),
        beforeText: keyText(key),
        afterText: 'Inactive (not deleted)',
        revertible: true,
      },
    ],
    untouched: [
      ...others.map((k) => ({
        label: keyLabel(k.accessKeyId, userName),
        reason: `not touched: another key of ${userName} (${keyText(k)})`,
      })),
      { label: `IAM user ${userName}`, reason: 'not changed: its policies, groups, password and MFA stay as they are' },
    ],
    warnings,
  };
}

function problems(p: StepPlan): string[] {
  const out: string[] = [];
  if (p.target?.kind !== 'iam-user' || !IAM_NAME.test(p.target.id ?? '')) out.push('the plan names no IAM user');
  if (p.steps.length !== 1) out.push('a key plan changes exactly one access key');
  const user = p.target?.id ?? '';
  for (const step of p.steps) {
    if (step.action !== ACCESS_KEY_STATUS_STEP) out.push(`it would run ${JSON.stringify(step.action)}, not an access key status change`);
    if (!ACCESS_KEY_ID.test(step.resource)) out.push(`${JSON.stringify(step.resource)} is not an access key ID`);
    if (!sameState(step.before, keyState(user, 'Active')))
      out.push(`it would change ${step.resource} from another state than Active, or of another user than ${user}`);
    if (!sameState(step.after, keyState(user, 'Inactive')))
      out.push(`it would set ${step.resource} to another state than Inactive of user ${user}`);
  }
  return out;
}

export const deactivateAccessKey: StepPlaybook = {
  id: DEACTIVATE_ACCESS_KEY,
  title: 'Deactivate the exposed access key',
  short: 'Deactivate key',
  appliesTo(finding) {
    const r = finding.resource;
    if (r.kind !== 'accessKey' || r.userType !== 'IAMUser') return undefined;
    if (!isIamPrincipalFinding(finding)) return undefined;
    const { accessKeyId, userName } = r;
    if (!accessKeyId || !userName || !ACCESS_KEY_ID.test(accessKeyId) || !IAM_NAME.test(userName)) return undefined;
    return { kind: 'iam-user', id: userName, label: `IAM user ${userName}`, data: { userName, accessKeyId } };
  },
  unavailable(finding) {
    const r = finding.resource;
    if (r.kind !== 'accessKey' || r.userType !== 'Root' || !isIamPrincipalFinding(finding)) return undefined;
    return ROOT_KEY_REASON;
  },
  plan,
  problems,
  permissionCheck:
    "IAM has no dry run: the survey showed the user's keys readable; iam:UpdateAccessKey is checked when the fix runs (a check through iam:SimulatePrincipalPolicy is not made).",
  revertWarnings: ['The key becomes Active again: whoever holds it, including whoever it leaked to, can use it again.'],
};
