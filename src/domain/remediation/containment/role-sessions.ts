import { createHash } from 'node:crypto';
import type { Finding } from '../../finding';
import { canonicalJson } from '../seal';
import { sameState, type Json, type StepPlan } from '../steps';
import { IAM_NAME, isIamPrincipalFinding } from './access-key';
import { refusePlan, type PlanRefusal, type PlaybookTarget, type StepPlaybook } from './playbook';

export const REVOKE_ROLE_SESSIONS = 'revoke-role-sessions';
export const ROLE_REVOKE_SESSIONS_STEP = 'iam:role-revoke-sessions';
/** The inline policy the playbook writes on the role; nothing else of the role is changed. */
export const REVOKE_POLICY_NAME = 'guardduty-chatops-revoke-sessions';
/** In a plan's `after`: the approval time, filled in by the executor when the plan runs. */
export const AT_APPROVAL = '@approval';
const SID = 'GuardDutyChatOpsRevokeOlderSessions';

/** What the adapter reads before a plan (read-only). */
export interface RoleSurvey {
  roleName: string;
  /** Null: GetRole answered NoSuchEntity. */
  roleArn: string | null;
  rolePath?: string;
  /** The inline policy named {@link REVOKE_POLICY_NAME}, its document URL-decoded (JSON text); null when there is none. */
  existing: null | { document: string };
}

/**
 * The documented "revoke older sessions" policy (IAM User Guide, "Revoking IAM role temporary security
 * credentials"): deny everything to credentials issued before `issuedBefore`. Sessions made later are not affected.
 */
export function revokePolicyDocument(issuedBefore: string): { [key: string]: Json } {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: SID,
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { DateLessThan: { 'aws:TokenIssueTime': issuedBefore } },
      },
    ],
  };
}

/** An approval time (epoch seconds) as the policy's cut-off: ISO-8601 UTC to the second, e.g. `2026-11-20T10:15:00Z`. */
export function issuedBeforeOf(approvedAt: number): string {
  return new Date(Math.floor(approvedAt) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const ISO_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

function isIssuedBefore(value: unknown): value is string {
  return typeof value === 'string' && ISO_SECONDS.test(value) && !Number.isNaN(Date.parse(value));
}

/**
 * The step state of the role's inline policy {@link REVOKE_POLICY_NAME}: `{ policy: null }` when absent,
 * `{ policy: 'revoke-sessions', issuedBefore }` when it is exactly the bot's document, `{ policy: 'other', sha256 }`
 * (of its canonical JSON, or of the raw text when it is not JSON) otherwise.
 */
export function revokePolicyState(document: string | null): Json {
  if (document === null) return { policy: null };
  let parsed: unknown;
  try {
    parsed = JSON.parse(document);
  } catch {
    return { policy: 'other', sha256: createHash('sha256').update(document).digest('hex') };
  }
  const cut = (parsed as { Statement?: { Condition?: { DateLessThan?: Record<string, unknown> } }[] } | null)?.Statement?.[0]?.Condition
    ?.DateLessThan?.['aws:TokenIssueTime'];
  if (isIssuedBefore(cut) && canonicalJson(parsed) === canonicalJson(revokePolicyDocument(cut))) {
    return { policy: 'revoke-sessions', issuedBefore: cut };
  }
  return { policy: 'other', sha256: createHash('sha256').update(canonicalJson(parsed)).digest('hex') };
}

function isSurvey(value: unknown): value is RoleSurvey {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  const existing = v.existing as { document?: unknown } | null | undefined;
  return (
    typeof v.roleName === 'string' &&
    (v.roleArn === null || typeof v.roleArn === 'string') &&
    (v.rolePath === undefined || typeof v.rolePath === 'string') &&
    (existing === null || (!!existing && typeof existing === 'object' && typeof existing.document === 'string'))
  );
}

function stateText(state: Json): string {
  const s = state as { policy?: unknown; issuedBefore?: unknown };
  if (s.policy === 'revoke-sessions') {
    const when = s.issuedBefore === AT_APPROVAL ? 'the approval time' : String(s.issuedBefore);
    return `inline policy ${REVOKE_POLICY_NAME} denies everything to sessions issued before ${when}`;
  }
  if (s.policy === null) return `no ${REVOKE_POLICY_NAME} policy: every current session works`;
  return `an inline policy ${REVOKE_POLICY_NAME} that is not the bot's`;
}

function plan(finding: Finding, target: PlaybookTarget, survey: unknown): StepPlan | PlanRefusal {
  if (!isSurvey(survey) || survey.roleName !== target.id)
    return refusePlan('SURVEY_MISMATCH', `The survey of IAM role ${target.id} is not usable.`);
  const role = survey.roleName;
  if (survey.roleArn === null)
    return refusePlan('NO_SUCH_ROLE', `There is no IAM role ${role} in account ${finding.accountId}. Nothing to revoke.`);
  if (survey.rolePath?.startsWith('/aws-service-role/')) {
    return refusePlan(
      'SERVICE_LINKED_ROLE',
      `${role} is a service-linked role: IAM does not allow inline policies on it, so its sessions cannot be revoked this way.`,
    );
  }
  const before = revokePolicyState(survey.existing?.document ?? null);
  if ((before as { policy?: unknown }).policy === 'other') {
    return refusePlan(
      'POLICY_NAME_TAKEN',
      `Role ${role} has an inline policy named ${REVOKE_POLICY_NAME} that is not the bot's revoke-sessions policy. The bot does not overwrite it: look at it first.`,
    );
  }
  const after: Json = { policy: 'revoke-sessions', issuedBefore: AT_APPROVAL };
  return {
    engine: 'steps',
    playbook: REVOKE_ROLE_SESSIONS,
    findingId: finding.id,
    accountId: finding.accountId,
    region: finding.region,
    target: { kind: target.kind, id: target.id, label: target.label },
    steps: [
      {
        action: ROLE_REVOKE_SESSIONS_STEP,
        resource: role,
        before,
        after,
        label: `Sessions of IAM role ${role}`,
        beforeText: stateText(before),
        afterText: stateText(after),
        revertible: true,
      },
    ],
    untouched: [
      { label: `the other policies of role ${role}`, reason: 'not changed: attached and other inline policies stay as they are' },
      { label: `the trust policy of role ${role}`, reason: 'not changed: whoever may assume the role still can, and gets new credentials' },
    ],
    warnings: [
      `Every current session of role ${role} loses all access, including healthy instances, functions and services using it, until it gets new credentials.`,
      'EC2 instances get new credentials from the instance metadata service within minutes; long-running sessions (scripts, containers, other accounts) must assume the role again.',
      `Credentials issued after the approval are not affected: whoever can still assume ${role} (e.g. from a compromised instance) gets working credentials. Isolate the source too.`,
    ],
  };
}

function problems(p: StepPlan): string[] {
  const out: string[] = [];
  if (p.target?.kind !== 'iam-role' || !IAM_NAME.test(p.target.id ?? '')) out.push('the plan names no IAM role');
  if (p.steps.length !== 1) out.push('a role plan changes exactly one role');
  for (const step of p.steps) {
    if (step.action !== ROLE_REVOKE_SESSIONS_STEP) out.push(`it would run ${JSON.stringify(step.action)}, not a session revocation`);
    if (!IAM_NAME.test(step.resource)) out.push(`${JSON.stringify(step.resource)} is not a role name`);
    if (step.resource !== p.target?.id) out.push(`it would change role ${step.resource}, not the finding's ${p.target?.id}`);
    if (!sameState(step.after, { policy: 'revoke-sessions', issuedBefore: AT_APPROVAL }))
      out.push('it would write something else than the revoke-sessions policy with the approval time');
    const before = step.before as { policy?: unknown } | null;
    if (before?.policy !== null && before?.policy !== 'revoke-sessions')
      out.push(`it would replace a policy ${REVOKE_POLICY_NAME} that is not the bot's`);
  }
  return out;
}

export const revokeRoleSessions: StepPlaybook = {
  id: REVOKE_ROLE_SESSIONS,
  title: "Revoke the role's active sessions",
  short: 'Revoke sessions',
  appliesTo(finding) {
    const r = finding.resource;
    if (r.kind !== 'accessKey' || r.userType !== 'AssumedRole') return undefined;
    if (!isIamPrincipalFinding(finding)) return undefined;
    // For an assumed role, GuardDuty's accessKeyDetails.userName is the role's name.
    const roleName = r.userName;
    if (!roleName || !IAM_NAME.test(roleName)) return undefined;
    return { kind: 'iam-role', id: roleName, label: `IAM role ${roleName}`, data: { roleName, accessKeyId: r.accessKeyId } };
  },
  plan,
  problems,
  permissionCheck:
    'IAM has no dry run: the survey showed the role readable; iam:PutRolePolicy is checked when the fix runs (a check through iam:SimulatePrincipalPolicy is not made).',
  revertWarnings: [
    `Deleting ${REVOKE_POLICY_NAME} makes every session of the role issued before the approval work again, including stolen ones that have not expired.`,
  ],
};
