import { toFinding } from '../../src/aws/finding-mapper';
import type { Finding } from '../../src/domain/finding';
import { isPlanRefusal, type PlanRefusal } from '../../src/domain/remediation/containment/playbook';
import {
  AT_APPROVAL,
  REVOKE_POLICY_NAME,
  REVOKE_ROLE_SESSIONS,
  ROLE_REVOKE_SESSIONS_STEP,
  issuedBeforeOf,
  revokePolicyDocument,
  revokePolicyState,
  revokeRoleSessions,
  type RoleSurvey,
} from '../../src/domain/remediation/containment/role-sessions';
import type { StepPlan } from '../../src/domain/remediation/steps';
import { stepPlanProblems } from '../../src/remediation/step-runner';
import { loadFixture } from '../../support/helpers/fixtures';

const EXFIL = 'UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS';

function roleFinding(type = EXFIL, resource: Partial<Extract<Finding['resource'], { kind: 'accessKey' }>> = {}): Finding {
  return {
    ...toFinding(loadFixture('unauthorizedaccess-iamuser-credential-exfiltration')),
    type,
    resource: {
      kind: 'accessKey',
      accessKeyId: 'ASIAIOSFODNN7EXAMPLE',
      userName: 'web-server',
      userType: 'AssumedRole',
      principalId: 'AROAEXAMPLEID:i-012345678aabbccdd',
      ...resource,
    },
  };
}

const SURVEY: RoleSurvey = { roleName: 'web-server', roleArn: 'arn:aws:iam::123456789012:role/web-server', rolePath: '/', existing: null };

function planOf(survey: unknown = SURVEY): StepPlan {
  const finding = roleFinding();
  const out = revokeRoleSessions.plan(finding, revokeRoleSessions.appliesTo(finding)!, survey);
  if (isPlanRefusal(out)) throw new Error(`refused: ${out.message}`);
  return out;
}

function refusalOf(survey: unknown): PlanRefusal {
  const finding = roleFinding();
  const out = revokeRoleSessions.plan(finding, revokeRoleSessions.appliesTo(finding)!, survey);
  if (!isPlanRefusal(out)) throw new Error('expected a refusal');
  return out;
}

describe('revoke-role-sessions: which findings it applies to', () => {
  it('the fixture (InstanceCredentialExfiltration.OutsideAWS of role web-server): the role, named by accessKeyDetails.userName', () => {
    const finding = toFinding(loadFixture('unauthorizedaccess-iamuser-credential-exfiltration'));
    expect(revokeRoleSessions.appliesTo(finding)).toEqual({
      kind: 'iam-role',
      id: 'web-server',
      label: 'IAM role web-server',
      data: { roleName: 'web-server', accessKeyId: 'ASIAIOSFODNN7EXAMPLE' },
    });
  });

  it.each([
    'UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.InsideAWS',
    'CredentialAccess:IAMUser/AnomalousBehavior',
    'Discovery:IAMUser/AnomalousBehavior',
    'PrivilegeEscalation:IAMUser/AnomalousBehavior',
  ])('%s of an assumed role: applies', (type) => {
    expect(revokeRoleSessions.appliesTo(roleFinding(type))?.id).toBe('web-server');
  });

  it('not for a user, root, a type outside the list, or a name that is not a role name', () => {
    expect(revokeRoleSessions.appliesTo(roleFinding(EXFIL, { userType: 'IAMUser' }))).toBeUndefined();
    expect(revokeRoleSessions.appliesTo(roleFinding(EXFIL, { userType: 'Root' }))).toBeUndefined();
    expect(revokeRoleSessions.appliesTo(roleFinding('Policy:IAMUser/RootCredentialUsage'))).toBeUndefined();
    expect(revokeRoleSessions.appliesTo(roleFinding('Stealth:IAMUser/CloudTrailLoggingDisabled'))).toBeUndefined();
    expect(revokeRoleSessions.appliesTo(roleFinding(EXFIL, { userName: 'a/b' }))).toBeUndefined();
    expect(revokeRoleSessions.appliesTo(roleFinding(EXFIL, { userName: undefined }))).toBeUndefined();
  });
});

describe('revoke-role-sessions: the policy and its state', () => {
  it('the approval time as cut-off, to the second', () => {
    const at = Date.UTC(2026, 10, 20, 10, 35, 0) / 1000;
    expect(issuedBeforeOf(at)).toBe('2026-11-20T10:35:00Z');
    expect(issuedBeforeOf(at + 0.9)).toBe('2026-11-20T10:35:00Z');
  });

  it('the bot document reads back as revoke-sessions with its time; absent is null; anything else is other, by hash', () => {
    const doc = JSON.stringify(revokePolicyDocument('2026-11-20T10:15:00Z'));
    expect(revokePolicyState(doc)).toEqual({ policy: 'revoke-sessions', issuedBefore: '2026-11-20T10:15:00Z' });
    // Key order and whitespace do not matter.
    const reordered = `{ "Statement": [ { "Condition": {"DateLessThan": {"aws:TokenIssueTime": "2026-11-20T10:15:00Z"}}, "Resource": "*", "Action": "*", "Effect": "Deny", "Sid": "GuardDutyChatOpsRevokeOlderSessions" } ], "Version": "2012-10-17" }`;
    expect(revokePolicyState(reordered)).toEqual({ policy: 'revoke-sessions', issuedBefore: '2026-11-20T10:15:00Z' });
    expect(revokePolicyState(null)).toEqual({ policy: null });

    const widened = JSON.parse(doc) as { Statement: { Effect: string; Action: string }[] };
    widened.Statement[0]!.Action = 's3:*';
    const other = revokePolicyState(JSON.stringify(widened)) as { policy: string; sha256: string };
    expect(other.policy).toBe('other');
    expect(other.sha256).toMatch(/^[0-9a-f]{64}$/);
    const allow = JSON.parse(doc) as { Statement: { Effect: string }[] };
    allow.Statement[0]!.Effect = 'Allow';
    expect(revokePolicyState(JSON.stringify(allow))).toMatchObject({ policy: 'other' });
    const twoStatements = JSON.parse(doc) as { Statement: unknown[] };
    twoStatements.Statement.push({ Effect: 'Allow', Action: '*', Resource: '*' });
    expect(revokePolicyState(JSON.stringify(twoStatements))).toMatchObject({ policy: 'other' });
    expect(revokePolicyState(doc.replace('10:15:00Z', 'tomorrow'))).toMatchObject({ policy: 'other' });
    expect(revokePolicyState('not json')).toMatchObject({ policy: 'other' });
  });
});

describe('revoke-role-sessions: the plan', () => {
  it('one step from no policy to the revoke-sessions policy at the approval time, with the warnings', () => {
    const plan = planOf();
    expect(plan).toMatchObject({
      playbook: REVOKE_ROLE_SESSIONS,
      target: { kind: 'iam-role', id: 'web-server', label: 'IAM role web-server' },
    });
    expect(plan.steps).toEqual([
      expect.objectContaining({
        action: ROLE_REVOKE_SESSIONS_STEP,
        resource: 'web-server',
        before: { policy: null },
        after: { policy: 'revoke-sessions', issuedBefore: AT_APPROVAL },
        label: 'Sessions of IAM role web-server',
        revertible: true,
      }),
    ]);
    expect(plan.steps[0]?.afterText).toContain('before the approval time');
    const warnings = plan.warnings.join('\n');
    expect(warnings).toMatch(/Every current session of role web-server loses all access, including healthy instances/);
    expect(warnings).toMatch(/instance metadata service within minutes/);
    expect(revokeRoleSessions.problems(plan)).toEqual([]);
    expect(stepPlanProblems(plan)).toEqual([]);
  });

  it('the bot policy already there (an earlier revocation): before is its time, the plan moves it to the approval', () => {
    const plan = planOf({ ...SURVEY, existing: { document: JSON.stringify(revokePolicyDocument('2026-01-01T00:00:00Z')) } });
    expect(plan.steps[0]?.before).toEqual({ policy: 'revoke-sessions', issuedBefore: '2026-01-01T00:00:00Z' });
    expect(revokeRoleSessions.problems(plan)).toEqual([]);
  });

  it('refuses a policy of that name that is not the bot one, a missing role, a service-linked role, a bad survey', () => {
    const taken = refusalOf({ ...SURVEY, existing: { document: JSON.stringify({ Version: '2012-10-17', Statement: [] }) } });
    expect(taken.code).toBe('POLICY_NAME_TAKEN');
    expect(taken.message).toContain(`named ${REVOKE_POLICY_NAME}`);
    expect(taken.message).toContain('is not the bot');
    expect(refusalOf({ ...SURVEY, roleArn: null }).code).toBe('NO_SUCH_ROLE');
    expect(refusalOf({ ...SURVEY, rolePath: '/aws-service-role/ecs.amazonaws.com/' }).code).toBe('SERVICE_LINKED_ROLE');
    expect(refusalOf({ ...SURVEY, roleName: 'other-role' }).code).toBe('SURVEY_MISMATCH');
    expect(refusalOf({ roleName: 'web-server' }).code).toBe('SURVEY_MISMATCH');
  });

  it('problems(): a concrete or other time, another action, two steps, a bad role name, another role, an "other" before', () => {
    const concrete = planOf();
    concrete.steps[0]!.after = { policy: 'revoke-sessions', issuedBefore: '2030-01-01T00:00:00Z' };
    expect(revokeRoleSessions.problems(concrete)).toContain(
      'it would write something else than the revoke-sessions policy with the approval time',
    );

    const removal = planOf();
    removal.steps[0]!.after = { policy: null };
    expect(revokeRoleSessions.problems(removal)).not.toEqual([]);

    const action = planOf();
    action.steps[0]!.action = 'iam:attach-role-policy';
    expect(revokeRoleSessions.problems(action).join('\n')).toContain('"iam:attach-role-policy"');

    const two = planOf();
    two.steps.push({ ...two.steps[0]!, resource: 'admin' });
    expect(revokeRoleSessions.problems(two)).toContain('a role plan changes exactly one role');

    const badName = planOf();
    badName.steps[0]!.resource = 'web server';
    badName.target.id = 'web server';
    expect(revokeRoleSessions.problems(badName)).toEqual(
      expect.arrayContaining(['the plan names no IAM role', '"web server" is not a role name']),
    );

    const otherRole = planOf();
    otherRole.steps[0]!.resource = 'admin';
    expect(revokeRoleSessions.problems(otherRole).join('\n')).toContain("not the finding's web-server");

    const overwrite = planOf();
    overwrite.steps[0]!.before = { policy: 'other', sha256: 'a'.repeat(64) };
    expect(revokeRoleSessions.problems(overwrite).join('\n')).toContain("not the bot's");
  });
});
