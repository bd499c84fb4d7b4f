import { IAMClient, PutRolePolicyCommand, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { AccessKeyAdapter } from '../../src/aws/containment/access-key';
import { STEP_ADAPTERS, type ContainmentClients } from '../../src/aws/containment/index';
import { RoleSessionsAdapter } from '../../src/aws/containment/role-sessions';
import { ChatOpsError } from '../../src/domain/errors';
import type { Finding } from '../../src/domain/finding';
import type { StepExecutor } from '../../src/domain/ports';
import { DEACTIVATE_ACCESS_KEY, deactivateAccessKey } from '../../src/domain/remediation/containment/access-key';
import { isPlanRefusal, type StepPlaybook } from '../../src/domain/remediation/containment/playbook';
import {
  REVOKE_POLICY_NAME,
  REVOKE_ROLE_SESSIONS,
  revokePolicyDocument,
  revokeRoleSessions,
} from '../../src/domain/remediation/containment/role-sessions';
import { UnsafePlanError } from '../../src/domain/remediation/plan-safety';
import { stepRevertPlan, type RunContext, type StepPlan, type StepRunResult, type StepState } from '../../src/domain/remediation/steps';
import { runSteps, type StepJournal } from '../../src/remediation/step-runner';
import { IamHttpStandIn } from '../../support/fakes/iam/http';

/*
 * deactivate-access-key and revoke-role-sessions end to end below the chat: the real IAMClient (awsQuery serializer,
 * signer, retries, XML parser) against the IAM wire stand-in, the playbooks' adapters, and the engine's runSteps with
 * an in-memory journal.
 */

const MAX_ATTEMPTS = 3;
const KEY = 'AKIAALICE00000000001';
const OTHER = 'AKIAALICE00000000002';
const BOB_KEY = 'AKIABOB0000000000001';
const LAST_USED = new Date('2026-11-20T10:15:00Z');
const ROLE = 'web-server';
/** The approval: 2026-11-20 10:35:00 UTC. */
const APPROVED_AT = Date.UTC(2026, 10, 20, 10, 35, 0) / 1000;
const CUT_OFF = '2026-11-20T10:35:00Z';
const READ_BUCKET = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::example-bucket/*' }],
};
const CTX: RunContext = { proposalId: 'p-1', findingId: 'f-1', approvedAt: APPROVED_AT };

let stand: IamHttpStandIn;
let iam: IAMClient;

function client(): IAMClient {
  return new IAMClient({
    region: 'us-east-1',
    endpoint: stand.endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: MAX_ATTEMPTS,
    retryStrategy: new ConfiguredRetryStrategy(MAX_ATTEMPTS, (attempt) => 10 * attempt),
  });
}

/** The journal a proposal keeps: what `record` was given, and what a resumed run starts from. */
function memoryJournal(statesBefore?: StepState[]): StepJournal & { recorded: StepState[][] } {
  const recorded: StepState[][] = [];
  return {
    recorded,
    ...(statesBefore ? { statesBefore } : {}),
    record(states) {
      recorded.push(states);
      return Promise.resolve();
    },
  };
}

function finding(type: string, resource: Extract<Finding['resource'], { kind: 'accessKey' }>): Finding {
  return {
    id: 'f-1',
    type,
    title: type,
    description: '',
    severity: 8,
    band: 'high',
    accountId: '123456789012',
    region: 'us-east-1',
    partition: 'aws',
    resource,
    count: 1,
    updatedAt: '2026-11-20T10:20:00.000Z',
    archived: false,
    consoleUrl: 'https://console.aws.amazon.com/guardduty',
  };
}

const USER_FINDING = finding('UnauthorizedAccess:IAMUser/MaliciousIPCaller', {
  kind: 'accessKey',
  accessKeyId: KEY,
  userName: 'alice',
  userType: 'IAMUser',
});
const ROLE_FINDING = finding('UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS', {
  kind: 'accessKey',
  accessKeyId: 'ASIAIOSFODNN7EXAMPLE',
  userName: ROLE,
  userType: 'AssumedRole',
});

/** The preview as the bot makes it: appliesTo, the adapter's survey, the playbook's plan. */
async function preview(playbook: StepPlaybook, adapter: StepExecutor, f: Finding): Promise<StepPlan> {
  const target = playbook.appliesTo(f);
  if (!target) throw new Error(`${playbook.id} does not apply`);
  const out = playbook.plan(f, target, await adapter.survey(target));
  if (isPlanRefusal(out)) throw new Error(`refused: ${out.code} ${out.message}`);
  return out;
}

const keyAdapter = () => new AccessKeyAdapter(iam, 'us-east-1');
const roleAdapter = () => new RoleSessionsAdapter(iam, 'us-east-1');

function keyStatuses(): Record<string, string> | undefined {
  return stand.state.users.alice?.keys;
}

function rolePolicies(): Record<string, unknown> | undefined {
  return stand.state.roles[ROLE]?.policies;
}

beforeAll(async () => {
  stand = await new IamHttpStandIn().start();
});

afterAll(async () => {
  await stand.close();
});

beforeEach(() => {
  stand
    .reset()
    .seedUser('alice', [
      { id: KEY, status: 'Active', lastUsed: { date: LAST_USED, serviceName: 's3', region: 'eu-west-1' } },
      { id: OTHER, status: 'Active' },
    ])
    .seedUser('bob', [{ id: BOB_KEY, status: 'Active' }])
    .seedRole(ROLE, { 'read-bucket': READ_BUCKET })
    .seedRole('other-role');
  iam = client();
});

afterEach(() => {
  iam.destroy();
});

describe('deactivate-access-key through the IAM stand-in', () => {
  it('preview: lists the user keys with their last use, read-only; only the finding key is in the plan', async () => {
    const adapter = keyAdapter();
    const plan = await preview(deactivateAccessKey, adapter, USER_FINDING);

    expect(plan.steps.map((s) => [s.resource, s.before, s.after, s.beforeText])).toEqual([
      [
        KEY,
        { userName: 'alice', status: 'Active' },
        { userName: 'alice', status: 'Inactive' },
        'Active, last used 2026-11-20 10:15 UTC in eu-west-1 (s3)',
      ],
    ]);
    expect(plan.untouched[0]).toEqual({
      label: `Access key ${OTHER} of IAM user alice`,
      reason: 'not touched: another key of alice (Active, never used)',
    });
    expect(stand.calls.map((c) => [c.action, c.params.UserName ?? c.params.AccessKeyId])).toEqual([
      ['ListAccessKeys', 'alice'],
      ['GetAccessKeyLastUsed', KEY],
      ['GetAccessKeyLastUsed', OTHER],
    ]);
    expect(stand.writes()).toEqual([]);
    expect(adapter.awsCalls()).toBe(3);
  });

  it('apply: deactivates exactly that key, journals first, verifies by reading back; the other key and bob untouched, nothing deleted', async () => {
    const plan = await preview(deactivateAccessKey, keyAdapter(), USER_FINDING);
    stand.resetCalls();
    const journal = memoryJournal();
    const adapter = keyAdapter();

    const result = await runSteps(plan, adapter, journal, CTX);

    expect(result).toMatchObject({ engine: 'steps', ok: true, kept: [] });
    expect(result.steps).toEqual([
      {
        action: 'iam:access-key-status',
        resource: KEY,
        label: `Access key ${KEY} of IAM user alice`,
        outcome: 'changed',
        before: { userName: 'alice', status: 'Active' },
        after: { userName: 'alice', status: 'Inactive' },
      },
    ]);
    expect(journal.recorded).toEqual([
      [{ action: 'iam:access-key-status', resource: KEY, state: { userName: 'alice', status: 'Active' } }],
    ]);
    expect(keyStatuses()).toEqual({ [KEY]: 'Inactive', [OTHER]: 'Active' });
    expect(stand.state.users.bob?.keys).toEqual({ [BOB_KEY]: 'Active' });
    expect(stand.calls.map((c) => c.action)).toEqual(['ListAccessKeys', 'UpdateAccessKey', 'ListAccessKeys']);
    expect(stand.writes().map((c) => c.params)).toEqual([{ UserName: 'alice', AccessKeyId: KEY, Status: 'Inactive' }]);
    expect(stand.calls.filter((c) => /Delete/.test(c.action))).toEqual([]);
    expect(result.awsCalls).toBe(stand.calls.length);
  });

  it('exactly once: a second run (same journal, or a fresh one) writes nothing', async () => {
    const plan = await preview(deactivateAccessKey, keyAdapter(), USER_FINDING);
    const journal = memoryJournal();
    await runSteps(plan, keyAdapter(), journal, CTX);
    stand.resetCalls();

    const again = await runSteps(plan, keyAdapter(), memoryJournal(journal.recorded[0]), CTX);
    expect(again.ok).toBe(true);
    expect(again.steps[0]?.outcome).toBe('changed');
    const fresh = memoryJournal();
    const other = await runSteps(plan, keyAdapter(), fresh, CTX);
    expect(other.steps[0]).toMatchObject({ outcome: 'unchanged', after: { status: 'Inactive' } });
    expect(fresh.recorded).toEqual([]);
    expect(stand.writes()).toEqual([]);
  });

  it('crash after the write landed: the resumed run, given the journal, reports changed, not unchanged, and writes nothing', async () => {
    const plan = await preview(deactivateAccessKey, keyAdapter(), USER_FINDING);
    // IAM applies each attempt and every answer is lost: the first run sees only failures.
    stand.fail('UpdateAccessKey', { code: 'ServiceFailure', afterApply: true, times: MAX_ATTEMPTS });
    const journal = memoryJournal();
    const first = await runSteps(plan, keyAdapter(), journal, CTX);
    expect(first.ok).toBe(false);
    expect(journal.recorded).toHaveLength(1);
    expect(keyStatuses()?.[KEY]).toBe('Inactive');
    stand.resetCalls();

    const resumed = await runSteps(plan, keyAdapter(), memoryJournal(journal.recorded[0]), CTX);

    expect(resumed.ok).toBe(true);
    expect(resumed.steps[0]).toMatchObject({ outcome: 'changed', before: { status: 'Active' }, after: { status: 'Inactive' } });
    expect(stand.writes()).toEqual([]);
    // The revert built from the resumed result does undo it.
    expect(stepRevertPlan(plan, resumed).steps).toHaveLength(1);
  });

  it('revert: Active again from the sealed result, only that key', async () => {
    const plan = await preview(deactivateAccessKey, keyAdapter(), USER_FINDING);
    const result = await runSteps(plan, keyAdapter(), memoryJournal(), CTX);
    await iam.send(new UpdateAccessKeyCommand({ UserName: 'alice', AccessKeyId: OTHER, Status: 'Inactive' }));
    stand.resetCalls();

    const revert = stepRevertPlan(plan, result);
    expect(revert.playbook).toBe(`${DEACTIVATE_ACCESS_KEY}:revert`);
    const undone = await runSteps(revert, keyAdapter(), memoryJournal(), CTX, result);

    expect(undone.ok).toBe(true);
    expect(undone.steps[0]).toMatchObject({ outcome: 'changed', after: { status: 'Active' } });
    expect(keyStatuses()).toEqual({ [KEY]: 'Active', [OTHER]: 'Inactive' });
    expect(stand.writes().map((c) => c.params)).toEqual([{ UserName: 'alice', AccessKeyId: KEY, Status: 'Active' }]);
  });

  it('a key someone else deactivated between plan and run: nothing written, and no revert (the run did not deactivate it)', async () => {
    const plan = await preview(deactivateAccessKey, keyAdapter(), USER_FINDING);
    await iam.send(new UpdateAccessKeyCommand({ UserName: 'alice', AccessKeyId: KEY, Status: 'Inactive' }));
    stand.resetCalls();

    const result = await runSteps(plan, keyAdapter(), memoryJournal(), CTX);

    expect(result.ok).toBe(true);
    expect(result.steps[0]?.outcome).toBe('unchanged');
    expect(stand.writes()).toEqual([]);
    const revert = stepRevertPlan(plan, result);
    expect(revert.steps).toEqual([]);
    await expect(runSteps(revert, keyAdapter(), memoryJournal(), CTX, result)).rejects.toBeInstanceOf(UnsafePlanError);
    expect(keyStatuses()?.[KEY]).toBe('Inactive');
  });

  it('a revert after someone re-activated the key by hand: nothing written', async () => {
    const plan = await preview(deactivateAccessKey, keyAdapter(), USER_FINDING);
    const result = await runSteps(plan, keyAdapter(), memoryJournal(), CTX);
    await iam.send(new UpdateAccessKeyCommand({ UserName: 'alice', AccessKeyId: KEY, Status: 'Active' }));
    stand.resetCalls();

    const undone = await runSteps(stepRevertPlan(plan, result), keyAdapter(), memoryJournal(), CTX, result);

    expect(undone.steps[0]?.outcome).toBe('unchanged');
    expect(stand.writes()).toEqual([]);
  });

  it('a key deleted between plan and run: the run fails with NO_SUCH_KEY before any write', async () => {
    const plan = await preview(deactivateAccessKey, keyAdapter(), USER_FINDING);
    stand.seedUser('alice', [{ id: OTHER, status: 'Active' }]);
    stand.resetCalls();

    const err = await runSteps(plan, keyAdapter(), memoryJournal(), CTX).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ChatOpsError);
    expect((err as ChatOpsError).code).toBe('NO_SUCH_KEY');
    expect(stand.writes()).toEqual([]);
    expect(keyStatuses()).toEqual({ [OTHER]: 'Active' });
  });

  it('the preview refuses a key that is not the user’s, and an unknown user', async () => {
    const notHers = finding('UnauthorizedAccess:IAMUser/MaliciousIPCaller', {
      kind: 'accessKey',
      accessKeyId: BOB_KEY,
      userName: 'alice',
      userType: 'IAMUser',
    });
    const target = deactivateAccessKey.appliesTo(notHers)!;
    expect(deactivateAccessKey.plan(notHers, target, await keyAdapter().survey(target))).toMatchObject({
      refused: true,
      code: 'NO_SUCH_KEY',
    });

    const ghost = finding('UnauthorizedAccess:IAMUser/MaliciousIPCaller', {
      kind: 'accessKey',
      accessKeyId: KEY,
      userName: 'mallory',
      userType: 'IAMUser',
    });
    const ghostTarget = deactivateAccessKey.appliesTo(ghost)!;
    const refusal = deactivateAccessKey.plan(ghost, ghostTarget, await keyAdapter().survey(ghostTarget));
    expect(refusal).toMatchObject({ refused: true, code: 'NO_SUCH_KEY' });
    expect(stand.writes()).toEqual([]);
  });

  it('Throttling on UpdateAccessKey is retried by the SDK and every request is counted', async () => {
    const plan = await preview(deactivateAccessKey, keyAdapter(), USER_FINDING);
    stand.resetCalls();
    stand.fail('UpdateAccessKey', { code: 'Throttling', times: 1 });

    const result = await runSteps(plan, keyAdapter(), memoryJournal(), CTX);

    expect(result.ok).toBe(true);
    expect(stand.callsTo('UpdateAccessKey').map((c) => [c.attempt, c.status])).toEqual([
      [1, 400],
      [2, 200],
    ]);
    expect(result.awsCalls).toBe(stand.calls.length);
    expect(result.awsCalls).toBe(4);
  });

  it('forged plans (two keys; after Active) are refused before any IAM call', async () => {
    const plan = await preview(deactivateAccessKey, keyAdapter(), USER_FINDING);
    stand.resetCalls();
    const twoKeys: StepPlan = { ...plan, steps: [plan.steps[0]!, { ...plan.steps[0]!, resource: OTHER, label: 'other' }] };
    const activate: StepPlan = {
      ...plan,
      steps: [{ ...plan.steps[0]!, before: { userName: 'alice', status: 'Inactive' }, after: { userName: 'alice', status: 'Active' } }],
    };
    const otherUser: StepPlan = {
      ...plan,
      steps: [
        {
          ...plan.steps[0]!,
          resource: BOB_KEY,
          before: { userName: 'bob', status: 'Active' },
          after: { userName: 'bob', status: 'Inactive' },
        },
      ],
    };

    for (const forged of [twoKeys, activate, otherUser]) {
      await expect(runSteps(forged, keyAdapter(), memoryJournal(), CTX)).rejects.toBeInstanceOf(UnsafePlanError);
    }
    expect(stand.calls).toHaveLength(0);
  });

  it('is the adapter the registry builds for the playbook', async () => {
    const clients: ContainmentClients = {
      region: 'us-east-1',
      iam: () => iam,
      ec2: () => {
        throw new Error('no EC2 for an access key');
      },
      s3: () => {
        throw new Error('no S3 for an access key');
      },
      guardDuty: () => {
        throw new Error('no GuardDuty for an access key');
      },
    };
    const adapter = STEP_ADAPTERS[DEACTIVATE_ACCESS_KEY]!(clients);
    expect(adapter).toBeInstanceOf(AccessKeyAdapter);
    expect(STEP_ADAPTERS[REVOKE_ROLE_SESSIONS]!(clients)).toBeInstanceOf(RoleSessionsAdapter);
    const plan = await preview(deactivateAccessKey, adapter, USER_FINDING);
    expect((await adapter.permissionCheck(plan)).checked).toBe(false);
    expect(stand.writes()).toEqual([]);
  });
});

describe('revoke-role-sessions through the IAM stand-in', () => {
  async function applied(): Promise<{ plan: StepPlan; result: StepRunResult }> {
    const plan = await preview(revokeRoleSessions, roleAdapter(), ROLE_FINDING);
    const result = await runSteps(plan, roleAdapter(), memoryJournal(), CTX);
    expect(result.ok).toBe(true);
    return { plan, result };
  }

  it('preview: GetRole and ListRolePolicies, no GetRolePolicy when the bot policy is absent; nothing written', async () => {
    const plan = await preview(revokeRoleSessions, roleAdapter(), ROLE_FINDING);
    expect(plan.steps.map((s) => [s.action, s.resource, s.before, s.after])).toEqual([
      ['iam:role-revoke-sessions', ROLE, { policy: null }, { policy: 'revoke-sessions', issuedBefore: '@approval' }],
    ]);
    expect(stand.calls.map((c) => c.action)).toEqual(['GetRole', 'ListRolePolicies']);
    expect(stand.writes()).toEqual([]);
  });

  it('apply: the revoke policy with the approval time as cut-off; the role other policies untouched; verified by reading back', async () => {
    const plan = await preview(revokeRoleSessions, roleAdapter(), ROLE_FINDING);
    stand.resetCalls();
    const journal = memoryJournal();

    const result = await runSteps(plan, roleAdapter(), journal, CTX);

    expect(result.ok).toBe(true);
    expect(result.steps[0]).toMatchObject({
      outcome: 'changed',
      before: { policy: null },
      after: { policy: 'revoke-sessions', issuedBefore: CUT_OFF },
    });
    expect(journal.recorded).toEqual([[{ action: 'iam:role-revoke-sessions', resource: ROLE, state: { policy: null } }]]);
    expect(rolePolicies()).toEqual({
      'read-bucket': READ_BUCKET,
      [REVOKE_POLICY_NAME]: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'GuardDutyChatOpsRevokeOlderSessions',
            Effect: 'Deny',
            Action: '*',
            Resource: '*',
            Condition: { DateLessThan: { 'aws:TokenIssueTime': CUT_OFF } },
          },
        ],
      },
    });
    expect(stand.state.roles['other-role']?.policies).toEqual({});
    expect(stand.calls.map((c) => c.action)).toEqual(['GetRolePolicy', 'PutRolePolicy', 'GetRolePolicy']);
    expect(stand.writes().map((c) => [c.params.RoleName, c.params.PolicyName])).toEqual([[ROLE, REVOKE_POLICY_NAME]]);
    expect(result.awsCalls).toBe(3);
  });

  it('exactly once: a second run writes nothing; a resumed run after a lost answer reports changed', async () => {
    const plan = await preview(revokeRoleSessions, roleAdapter(), ROLE_FINDING);
    stand.fail('PutRolePolicy', { code: 'ServiceFailure', afterApply: true, times: MAX_ATTEMPTS });
    const journal = memoryJournal();
    const first = await runSteps(plan, roleAdapter(), journal, CTX);
    expect(first.ok).toBe(false);
    expect(stand.callsTo('PutRolePolicy')).toHaveLength(MAX_ATTEMPTS);
    stand.resetCalls();

    const resumed = await runSteps(plan, roleAdapter(), memoryJournal(journal.recorded[0]), CTX);
    expect(resumed.steps[0]).toMatchObject({ outcome: 'changed', before: { policy: null }, after: { issuedBefore: CUT_OFF } });
    const again = await runSteps(plan, roleAdapter(), memoryJournal(), CTX);
    expect(again.steps[0]?.outcome).toBe('unchanged');
    expect(stand.writes()).toEqual([]);
  });

  it('revert: deletes the policy the run wrote, and only it', async () => {
    const { plan, result } = await applied();
    stand.resetCalls();

    const revert = stepRevertPlan(plan, result);
    expect(revert.steps.map((s) => [s.before, s.after])).toEqual([
      [{ policy: 'revoke-sessions', issuedBefore: CUT_OFF }, { policy: null }],
    ]);
    const undone = await runSteps(revert, roleAdapter(), memoryJournal(), { ...CTX, approvedAt: APPROVED_AT + 3600 }, result);

    expect(undone.ok).toBe(true);
    expect(undone.steps[0]).toMatchObject({ outcome: 'changed', after: { policy: null } });
    expect(rolePolicies()).toEqual({ 'read-bucket': READ_BUCKET });
    expect(stand.writes().map((c) => [c.action, c.params.PolicyName])).toEqual([['DeleteRolePolicy', REVOKE_POLICY_NAME]]);
  });

  it('revert refused, nothing deleted, when the policy was changed since the run', async () => {
    const { plan, result } = await applied();
    const edited = revokePolicyDocument('2026-11-21T00:00:00Z');
    await iam.send(new PutRolePolicyCommand({ RoleName: ROLE, PolicyName: REVOKE_POLICY_NAME, PolicyDocument: JSON.stringify(edited) }));
    stand.resetCalls();

    const undone = await runSteps(stepRevertPlan(plan, result), roleAdapter(), memoryJournal(), CTX, result);

    expect(undone.ok).toBe(false);
    expect(undone.error?.code).toBe('CHANGED_SINCE_PLAN');
    expect(undone.steps[0]?.outcome).toBe('refused');
    expect(stand.writes()).toEqual([]);
    expect(rolePolicies()?.[REVOKE_POLICY_NAME]).toEqual(edited);
  });

  it('a policy of that name written by someone else between plan and run: CHANGED_SINCE_PLAN, nothing written', async () => {
    const plan = await preview(revokeRoleSessions, roleAdapter(), ROLE_FINDING);
    const theirs = { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 's3:*', Resource: '*' }] };
    await iam.send(new PutRolePolicyCommand({ RoleName: ROLE, PolicyName: REVOKE_POLICY_NAME, PolicyDocument: JSON.stringify(theirs) }));
    stand.resetCalls();

    const result = await runSteps(plan, roleAdapter(), memoryJournal(), CTX);

    expect(result.ok).toBe(false);
    expect(result.error?.code).toBe('CHANGED_SINCE_PLAN');
    expect(result.steps[0]?.detail).toContain('"policy":"other"');
    expect(stand.writes()).toEqual([]);
    expect(rolePolicies()?.[REVOKE_POLICY_NAME]).toEqual(theirs);
  });

  it('the preview refuses a policy of that name that is not the bot’s (after reading it), and a role that does not exist', async () => {
    stand.seedRole(ROLE, { [REVOKE_POLICY_NAME]: { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }] } });
    const target = revokeRoleSessions.appliesTo(ROLE_FINDING)!;
    const out = revokeRoleSessions.plan(ROLE_FINDING, target, await roleAdapter().survey(target));
    expect(out).toMatchObject({ refused: true, code: 'POLICY_NAME_TAKEN' });
    expect(stand.calls.map((c) => c.action)).toEqual(['GetRole', 'ListRolePolicies', 'GetRolePolicy']);

    const ghost = finding(ROLE_FINDING.type, {
      kind: 'accessKey',
      accessKeyId: 'ASIAIOSFODNN7EXAMPLE',
      userName: 'gone-role',
      userType: 'AssumedRole',
    });
    const ghostTarget = revokeRoleSessions.appliesTo(ghost)!;
    expect(revokeRoleSessions.plan(ghost, ghostTarget, await roleAdapter().survey(ghostTarget))).toMatchObject({
      refused: true,
      code: 'NO_SUCH_ROLE',
    });
    expect(stand.writes()).toEqual([]);
  });

  it('an earlier revocation of the bot is read as such and moved to the new approval time', async () => {
    stand.seedRole(ROLE, { [REVOKE_POLICY_NAME]: revokePolicyDocument('2026-01-01T00:00:00Z') });
    const plan = await preview(revokeRoleSessions, roleAdapter(), ROLE_FINDING);
    expect(plan.steps[0]?.before).toEqual({ policy: 'revoke-sessions', issuedBefore: '2026-01-01T00:00:00Z' });

    const result = await runSteps(plan, roleAdapter(), memoryJournal(), CTX);

    expect(result.steps[0]).toMatchObject({ outcome: 'changed', after: { issuedBefore: CUT_OFF } });
    expect(rolePolicies()?.[REVOKE_POLICY_NAME]).toEqual(revokePolicyDocument(CUT_OFF));
  });

  it('Throttling on PutRolePolicy is retried and counted', async () => {
    const plan = await preview(revokeRoleSessions, roleAdapter(), ROLE_FINDING);
    stand.resetCalls();
    stand.fail('PutRolePolicy', { code: 'Throttling', times: 1 });

    const result = await runSteps(plan, roleAdapter(), memoryJournal(), CTX);

    expect(result.ok).toBe(true);
    expect(stand.callsTo('PutRolePolicy').map((c) => c.status)).toEqual([400, 200]);
    expect(result.awsCalls).toBe(stand.calls.length);
  });

  it('forged plans (a concrete cut-off, a deletion, another role, two steps) are refused before any IAM call', async () => {
    const plan = await preview(revokeRoleSessions, roleAdapter(), ROLE_FINDING);
    stand.resetCalls();
    const step = plan.steps[0]!;
    const forged: StepPlan[] = [
      { ...plan, steps: [{ ...step, after: { policy: 'revoke-sessions', issuedBefore: '2099-01-01T00:00:00Z' } }] },
      { ...plan, steps: [{ ...step, before: { policy: 'revoke-sessions', issuedBefore: CUT_OFF }, after: { policy: null } }] },
      { ...plan, steps: [{ ...step, resource: 'other-role' }] },
      { ...plan, steps: [step, { ...step, resource: 'other-role' }] },
    ];
    for (const p of forged) await expect(runSteps(p, roleAdapter(), memoryJournal(), CTX)).rejects.toBeInstanceOf(UnsafePlanError);
    expect(stand.calls).toHaveLength(0);
  });
});
