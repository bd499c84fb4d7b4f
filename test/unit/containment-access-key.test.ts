import { toFinding } from '../../src/aws/finding-mapper';
import type { Finding } from '../../src/domain/finding';
import {
  ACCESS_KEY_STATUS_STEP,
  DEACTIVATE_ACCESS_KEY,
  deactivateAccessKey,
  keyState,
  type AccessKeySurvey,
  type SurveyedKey,
} from '../../src/domain/remediation/containment/access-key';
import { isPlanRefusal, type PlanRefusal, type PlaybookTarget } from '../../src/domain/remediation/containment/playbook';
import { applicablePlaybooks, stepPlaybookFor } from '../../src/domain/remediation/registry';
import type { StepPlan } from '../../src/domain/remediation/steps';
import { stepPlanProblems } from '../../src/remediation/step-runner';
import { loadFixture } from '../../support/helpers/fixtures';

const KEY = 'AKIAALICE00000000001';
const OTHER = 'AKIAALICE00000000002';

function keyFinding(type: string, resource: Partial<Extract<Finding['resource'], { kind: 'accessKey' }>> = {}): Finding {
  return {
    id: 'aaaabbbbccccdddd0000111122223333',
    type,
    title: type,
    description: '',
    severity: 8,
    band: 'high',
    accountId: '123456789012',
    region: 'eu-west-1',
    partition: 'aws',
    resource: { kind: 'accessKey', accessKeyId: KEY, userName: 'alice', userType: 'IAMUser', principalId: 'AIDAEXAMPLE', ...resource },
    count: 1,
    updatedAt: '2026-11-20T10:20:00.000Z',
    archived: false,
    consoleUrl: 'https://console.aws.amazon.com/guardduty',
  };
}

function targetOf(finding: Finding): PlaybookTarget {
  const target = deactivateAccessKey.appliesTo(finding);
  if (!target) throw new Error(`${finding.type} should have a target`);
  return target;
}

const FIRST: SurveyedKey = {
  accessKeyId: KEY,
  status: 'Active',
  createdAt: '2024-01-01T00:00:00.000Z',
  lastUsed: { date: '2026-11-20T10:15:00.000Z', service: 's3', region: 'eu-west-1' },
};
const SECOND: SurveyedKey = { accessKeyId: OTHER, status: 'Active', createdAt: '2025-06-01T00:00:00.000Z' };
const TWO_KEYS: AccessKeySurvey = { userName: 'alice', keys: [FIRST, SECOND] };

function planOf(survey: unknown, finding = keyFinding('UnauthorizedAccess:IAMUser/MaliciousIPCaller')): StepPlan {
  const out = deactivateAccessKey.plan(finding, targetOf(finding), survey);
  if (isPlanRefusal(out)) throw new Error(`refused: ${out.message}`);
  return out;
}

function refusalOf(
  survey: unknown,
  finding = keyFinding('UnauthorizedAccess:IAMUser/MaliciousIPCaller'),
  target?: PlaybookTarget,
): PlanRefusal {
  const out = deactivateAccessKey.plan(finding, target ?? targetOf(finding), survey);
  if (!isPlanRefusal(out)) throw new Error('expected a refusal');
  return out;
}

describe('deactivate-access-key: which findings it applies to', () => {
  it.each([
    'UnauthorizedAccess:IAMUser/MaliciousIPCaller',
    'UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS',
    'UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.InsideAWS',
    'UnauthorizedAccess:IAMUser/ConsoleLoginSuccess.B',
    'CredentialAccess:IAMUser/AnomalousBehavior',
    'Discovery:IAMUser/AnomalousBehavior',
    'Exfiltration:IAMUser/AnomalousBehavior',
    'Impact:IAMUser/AnomalousBehavior',
    'Persistence:IAMUser/AnomalousBehavior',
    'PrivilegeEscalation:IAMUser/AnomalousBehavior',
  ])('%s of an IAM user: the user, with the finding key', (type) => {
    expect(deactivateAccessKey.appliesTo(keyFinding(type))).toEqual({
      kind: 'iam-user',
      id: 'alice',
      label: 'IAM user alice',
      data: { userName: 'alice', accessKeyId: KEY },
    });
  });

  it.each([
    'Policy:IAMUser/RootCredentialUsage',
    'Recon:IAMUser/MaliciousIPCaller',
    'Stealth:IAMUser/CloudTrailLoggingDisabled',
    'PenTest:IAMUser/KaliLinux',
    'UnauthorizedAccess:EC2/SSHBruteForce',
    'Policy:S3/BucketBlockPublicAccessDisabled',
  ])('%s: not offered', (type) => {
    expect(deactivateAccessKey.appliesTo(keyFinding(type))).toBeUndefined();
  });

  it('not offered for a root principal, even on a listed type', () => {
    expect(
      deactivateAccessKey.appliesTo(keyFinding('UnauthorizedAccess:IAMUser/MaliciousIPCaller', { userType: 'Root', userName: 'root' })),
    ).toBeUndefined();
    expect(deactivateAccessKey.appliesTo(keyFinding('Policy:IAMUser/RootCredentialUsage', { userType: 'IAMUser' }))).toBeUndefined();
  });

  it('not offered for an assumed role (revoke-role-sessions is), nor without a key ID, a user name, or with a sample finding key', () => {
    const exfil = 'UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS';
    expect(deactivateAccessKey.appliesTo(keyFinding(exfil, { userType: 'AssumedRole', userName: 'web-server' }))).toBeUndefined();
    expect(deactivateAccessKey.appliesTo(keyFinding(exfil, { accessKeyId: undefined }))).toBeUndefined();
    expect(deactivateAccessKey.appliesTo(keyFinding(exfil, { userName: undefined }))).toBeUndefined();
    expect(deactivateAccessKey.appliesTo(keyFinding(exfil, { accessKeyId: 'GeneratedFindingAccessKeyId' }))).toBeUndefined();
    expect(deactivateAccessKey.appliesTo(keyFinding(exfil, { userName: 'alice bob' }))).toBeUndefined();
  });

  it('the fixture of an exfiltrated instance credential (an assumed role) gets revoke-role-sessions, not deactivate-access-key', () => {
    const finding = toFinding(loadFixture('unauthorizedaccess-iamuser-credential-exfiltration'));
    const ids = applicablePlaybooks(finding).map((p) => p.id);
    expect(ids).toContain('revoke-role-sessions');
    expect(ids).not.toContain(DEACTIVATE_ACCESS_KEY);
  });

  it('is registered: the card offers it for a user key', () => {
    const offered = applicablePlaybooks(keyFinding('CredentialAccess:IAMUser/AnomalousBehavior'));
    expect(offered.map((p) => [p.id, p.short])).toEqual([[DEACTIVATE_ACCESS_KEY, 'Deactivate key']]);
    expect(stepPlaybookFor(`${DEACTIVATE_ACCESS_KEY}:revert`)).toBe(deactivateAccessKey);
  });
});

describe('deactivate-access-key: the plan from a survey', () => {
  it('a user with two keys: only the finding key is in the steps, the other is untouched', () => {
    const plan = planOf(TWO_KEYS);
    expect(plan).toMatchObject({
      engine: 'steps',
      playbook: DEACTIVATE_ACCESS_KEY,
      findingId: 'aaaabbbbccccdddd0000111122223333',
      accountId: '123456789012',
      region: 'eu-west-1',
      target: { kind: 'iam-user', id: 'alice', label: 'IAM user alice' },
    });
    expect(plan.target).not.toHaveProperty('data');
    expect(plan.steps).toEqual([
      {
        action: ACCESS_KEY_STATUS_STEP,
        resource: KEY,
        before: { userName: 'alice', status: 'Active' },
        after: { userName: 'alice', status: 'Inactive' },
        label: `Access key ${KEY} of IAM user alice`,
        beforeText: 'Active, last used 2026-11-20 10:15 UTC in eu-west-1 (s3)',
        afterText: 'Inactive (not deleted)',
        revertible: true,
      },
    ]);
    expect(plan.untouched[0]).toEqual({
      label: `Access key ${OTHER} of IAM user alice`,
      reason: 'not touched: another key of alice (Active, never used)',
    });
    expect(JSON.stringify(plan.steps)).not.toContain(OTHER);
    expect(plan.warnings.join('\n')).toMatch(/stops working/);
    expect(plan.warnings.join('\n')).toMatch(/never deleted/);
    expect(plan.warnings.join('\n')).toContain(`another active key (${OTHER})`);
    expect(deactivateAccessKey.problems(plan)).toEqual([]);
    expect(stepPlanProblems(plan)).toEqual([]);
  });

  it('the finding key as the second of two keys, the other one inactive: no "other active key" warning', () => {
    const finding = keyFinding('Exfiltration:IAMUser/AnomalousBehavior', { accessKeyId: OTHER });
    const plan = planOf({ userName: 'alice', keys: [{ ...FIRST, status: 'Inactive' }, SECOND] } satisfies AccessKeySurvey, finding);
    expect(plan.steps.map((s) => [s.resource, s.beforeText])).toEqual([[OTHER, 'Active, never used']]);
    expect(plan.untouched[0]?.reason).toBe(
      'not touched: another key of alice (Inactive, last used 2026-11-20 10:15 UTC in eu-west-1 (s3))',
    );
    expect(plan.warnings.join('\n')).not.toContain('another active key');
  });

  it('refuses a key that is not among the user keys (NO_SUCH_KEY) and says which keys the user has', () => {
    const r = refusalOf({ userName: 'alice', keys: [SECOND] });
    expect(r.code).toBe('NO_SUCH_KEY');
    expect(r.message).toContain(KEY);
    expect(r.message).toContain(OTHER);
    expect(refusalOf({ userName: 'alice', keys: [], userMissing: true }).message).toContain('no IAM user alice');
  });

  it('refuses a temporary (ASIA) key of a user: IAM does not list it', () => {
    const finding = keyFinding('UnauthorizedAccess:IAMUser/MaliciousIPCaller', { accessKeyId: 'ASIAALICE00000000009' });
    const r = refusalOf(TWO_KEYS, finding);
    expect(r.code).toBe('NO_SUCH_KEY');
    expect(r.message).toMatch(/temporary \(STS\) key/);
  });

  it('refuses a root key with the reason (ROOT_KEY)', () => {
    const user = keyFinding('UnauthorizedAccess:IAMUser/MaliciousIPCaller');
    const root = keyFinding('UnauthorizedAccess:IAMUser/MaliciousIPCaller', { userType: 'Root', userName: 'root' });
    const r = refusalOf({ userName: 'alice', keys: TWO_KEYS.keys }, root, targetOf(user));
    expect(r.code).toBe('ROOT_KEY');
    expect(r.message).toMatch(/Root keys cannot be deactivated by the bot: sign in as the root user/);
  });

  it('refuses a key that is already Inactive (NOTHING_TO_CHANGE)', () => {
    const r = refusalOf({ userName: 'alice', keys: [{ ...FIRST, status: 'Inactive' }] });
    expect(r.code).toBe('NOTHING_TO_CHANGE');
  });

  it('refuses a survey of another user or of an unexpected shape (SURVEY_MISMATCH)', () => {
    expect(refusalOf({ ...TWO_KEYS, userName: 'bob' }).code).toBe('SURVEY_MISMATCH');
    expect(refusalOf({ userName: 'alice', keys: [{ accessKeyId: KEY, status: 'Enabled' }] }).code).toBe('SURVEY_MISMATCH');
    expect(refusalOf(null).code).toBe('SURVEY_MISMATCH');
  });
});

describe('deactivate-access-key: problems() on forged plans', () => {
  const good = (): StepPlan => planOf(TWO_KEYS);

  it('two keys in one plan', () => {
    const p = good();
    p.steps.push({ ...p.steps[0]!, resource: OTHER, label: `Access key ${OTHER} of IAM user alice` });
    expect(deactivateAccessKey.problems(p)).toContain('a key plan changes exactly one access key');
  });

  it('after Active (a remediation that would activate a key)', () => {
    const p = good();
    p.steps[0]!.before = keyState('alice', 'Inactive');
    p.steps[0]!.after = keyState('alice', 'Active');
    expect(deactivateAccessKey.problems(p).join('\n')).toMatch(/another state than Inactive/);
  });

  it('another action (a delete), a resource that is not a key ID, a key of another user than the target', () => {
    const del = good();
    del.steps[0]!.action = 'iam:delete-access-key';
    expect(deactivateAccessKey.problems(del).join('\n')).toContain('"iam:delete-access-key"');

    const notKey = good();
    notKey.steps[0]!.resource = 'alice';
    expect(deactivateAccessKey.problems(notKey).join('\n')).toContain('is not an access key ID');
    const lower = good();
    lower.steps[0]!.resource = 'akiaalice00000000001';
    expect(deactivateAccessKey.problems(lower)).not.toEqual([]);

    const bob = good();
    bob.steps[0]!.after = keyState('bob', 'Inactive');
    bob.steps[0]!.before = keyState('bob', 'Active');
    expect(deactivateAccessKey.problems(bob).join('\n')).toContain('of user alice');
  });

  it('a target that is not an IAM user', () => {
    const p = good();
    p.target = { kind: 'iam-role', id: 'alice', label: 'x' };
    expect(deactivateAccessKey.problems(p)).toContain('the plan names no IAM user');
    const q = good();
    q.target = { kind: 'iam-user', id: '', label: 'x' };
    expect(deactivateAccessKey.problems(q)).toContain('the plan names no IAM user');
  });

  it('AccessKeyId forms: AKIA/ASIA with 16 to 128 characters', () => {
    const withKey = (id: string) => {
      const p = good();
      p.steps[0]!.resource = id;
      return deactivateAccessKey.problems(p);
    };
    expect(withKey('AKIAIOSFODNN7EXAMPLE')).toEqual([]);
    expect(withKey(`AKIA${'A'.repeat(124)}`)).toEqual([]);
    expect(withKey(`AKIA${'A'.repeat(125)}`)).not.toEqual([]);
    expect(withKey('AKIA12345678901')).not.toEqual([]);
    expect(withKey('AIDAIOSFODNN7EXAMPLE')).not.toEqual([]);
  });
});
