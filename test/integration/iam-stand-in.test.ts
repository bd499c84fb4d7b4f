import {
  DeleteRolePolicyCommand,
  GetAccessKeyLastUsedCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  GetUserCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { IamHttpStandIn } from '../../support/fakes/iam/http';

/*
 * The IAM stand-in driven only through the real IAMClient (awsQuery serializer, signer, retry middleware and XML
 * deserializer all run). The retry strategy is the SDK's standard one with a short backoff, so a Throttling retry
 * takes milliseconds.
 */

const MAX_ATTEMPTS = 3;
const ALICE_OLD = 'AKIAALICE00000000001';
const ALICE_NEW = 'AKIAALICE00000000002';
const LAST_USED = new Date('2026-11-20T10:15:00Z');
const READ_BUCKET = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::example-bucket/*' }],
};
const DENY_ALL = { Version: '2012-10-17', Statement: [{ Sid: 'GuardDutyQuarantine', Effect: 'Deny', Action: '*', Resource: '*' }] };

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

/** The error a promise rejects with (fails the test if it resolves). */
async function rejection(p: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number }; $fault?: string }> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
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
      { id: ALICE_OLD, status: 'Active', lastUsed: { date: LAST_USED, serviceName: 's3', region: 'eu-west-1' } },
      { id: ALICE_NEW, status: 'Active' },
    ])
    .seedUser('bob', [{ id: 'AKIABOB0000000000001', status: 'Active' }])
    .seedRole('app-role', { 'read-bucket': READ_BUCKET });
  iam = client();
});

afterEach(() => {
  iam.destroy();
});

describe('access keys', () => {
  it('lists the keys of a user with two keys', async () => {
    const out = await iam.send(new ListAccessKeysCommand({ UserName: 'alice' }));
    expect(out.AccessKeyMetadata?.map((k) => [k.UserName, k.AccessKeyId, k.Status])).toEqual([
      ['alice', ALICE_OLD, 'Active'],
      ['alice', ALICE_NEW, 'Active'],
    ]);
    expect(out.AccessKeyMetadata?.[0]?.CreateDate).toBeInstanceOf(Date);
    expect(out.IsTruncated).toBe(false);
    expect(stand.calls).toHaveLength(1);
    expect(stand.calls[0]).toMatchObject({ action: 'ListAccessKeys', params: { UserName: 'alice' }, attempt: 1, status: 200 });
  });

  it('pages with MaxItems and Marker', async () => {
    const first = await iam.send(new ListAccessKeysCommand({ UserName: 'alice', MaxItems: 1 }));
    expect(first.AccessKeyMetadata?.map((k) => k.AccessKeyId)).toEqual([ALICE_OLD]);
    expect(first.IsTruncated).toBe(true);
    expect(first.Marker).toBeDefined();
    const second = await iam.send(new ListAccessKeysCommand({ UserName: 'alice', MaxItems: 1, Marker: first.Marker }));
    expect(second.AccessKeyMetadata?.map((k) => k.AccessKeyId)).toEqual([ALICE_NEW]);
    expect(second.IsTruncated).toBe(false);
    expect(second.Marker).toBeUndefined();
  });

  it('says when and where a key was last used, and N/A for a key never used', async () => {
    const used = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: ALICE_OLD }));
    expect(used.UserName).toBe('alice');
    expect(used.AccessKeyLastUsed).toEqual({ LastUsedDate: LAST_USED, ServiceName: 's3', Region: 'eu-west-1' });

    const never = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: ALICE_NEW }));
    expect(never.AccessKeyLastUsed).toEqual({ ServiceName: 'N/A', Region: 'N/A' });
  });

  it('deactivates one key and leaves the other untouched', async () => {
    await iam.send(new UpdateAccessKeyCommand({ UserName: 'alice', AccessKeyId: ALICE_OLD, Status: 'Inactive' }));

    expect(stand.state.users.alice?.keys).toEqual({ [ALICE_OLD]: 'Inactive', [ALICE_NEW]: 'Active' });
    expect(stand.state.users.bob?.keys).toEqual({ AKIABOB0000000000001: 'Active' });
    const out = await iam.send(new ListAccessKeysCommand({ UserName: 'alice' }));
    expect(Object.fromEntries(out.AccessKeyMetadata?.map((k) => [k.AccessKeyId, k.Status]) ?? [])).toEqual({
      [ALICE_OLD]: 'Inactive',
      [ALICE_NEW]: 'Active',
    });
    expect(stand.writes().map((c) => [c.action, c.params])).toEqual([
      ['UpdateAccessKey', { UserName: 'alice', AccessKeyId: ALICE_OLD, Status: 'Inactive' }],
    ]);
  });

  it('answers NoSuchEntity (404) for an unknown user and for a key that is not that user’s', async () => {
    const unknownUser = await rejection(iam.send(new ListAccessKeysCommand({ UserName: 'mallory' })));
    expect(unknownUser.name).toBe('NoSuchEntityException');
    expect(unknownUser.message).toBe('The user with name mallory cannot be found.');
    expect(unknownUser.$metadata?.httpStatusCode).toBe(404);
    expect(unknownUser.$fault).toBe('client');

    const notHers = await rejection(
      iam.send(new UpdateAccessKeyCommand({ UserName: 'alice', AccessKeyId: 'AKIABOB0000000000001', Status: 'Inactive' })),
    );
    expect(notHers.name).toBe('NoSuchEntityException');
    expect(stand.state.users.bob?.keys).toEqual({ AKIABOB0000000000001: 'Active' });

    const unknownKey = await rejection(
      iam.send(new UpdateAccessKeyCommand({ UserName: 'alice', AccessKeyId: 'AKIANOSUCHKEY0000000', Status: 'Inactive' })),
    );
    expect(unknownKey.name).toBe('NoSuchEntityException');
    expect(stand.calls.map((c) => [c.action, c.status, c.errorCode])).toEqual([
      ['ListAccessKeys', 404, 'NoSuchEntity'],
      ['UpdateAccessKey', 404, 'NoSuchEntity'],
      ['UpdateAccessKey', 404, 'NoSuchEntity'],
    ]);
  });

  it('gets a user', async () => {
    const out = await iam.send(new GetUserCommand({ UserName: 'alice' }));
    expect(out.User).toMatchObject({ UserName: 'alice', Arn: 'arn:aws:iam::123456789012:user/alice', Path: '/' });
    expect(out.User?.UserId).toMatch(/^AIDA[0-9A-Z]{17}$/);
    expect(out.User?.CreateDate).toBeInstanceOf(Date);
  });
});

describe('roles and inline policies', () => {
  it('gets a role with its trust policy URL-encoded, and NoSuchEntity for an unknown role', async () => {
    const out = await iam.send(new GetRoleCommand({ RoleName: 'app-role' }));
    expect(out.Role).toMatchObject({ RoleName: 'app-role', Arn: 'arn:aws:iam::123456789012:role/app-role', Path: '/' });
    expect(out.Role?.RoleId).toMatch(/^AROA/);
    const trust = out.Role?.AssumeRolePolicyDocument ?? '';
    expect(trust).toMatch(/^%7B/);
    expect(JSON.parse(decodeURIComponent(trust))).toMatchObject({ Statement: [{ Action: 'sts:AssumeRole' }] });

    const missing = await rejection(iam.send(new GetRoleCommand({ RoleName: 'no-such-role' })));
    expect(missing.name).toBe('NoSuchEntityException');
  });

  it('puts, lists, gets and deletes an inline policy (the document comes back URL-encoded)', async () => {
    await iam.send(new PutRolePolicyCommand({ RoleName: 'app-role', PolicyName: 'quarantine', PolicyDocument: JSON.stringify(DENY_ALL) }));
    expect(stand.state.roles['app-role']?.policies).toEqual({ 'read-bucket': READ_BUCKET, quarantine: DENY_ALL });

    const names = await iam.send(new ListRolePoliciesCommand({ RoleName: 'app-role' }));
    expect(names.PolicyNames).toEqual(['read-bucket', 'quarantine']);
    expect(names.IsTruncated).toBe(false);

    const got = await iam.send(new GetRolePolicyCommand({ RoleName: 'app-role', PolicyName: 'quarantine' }));
    expect(got.RoleName).toBe('app-role');
    expect(got.PolicyName).toBe('quarantine');
    expect(got.PolicyDocument).not.toContain('{');
    expect(JSON.parse(decodeURIComponent(got.PolicyDocument ?? ''))).toEqual(DENY_ALL);

    await iam.send(new DeleteRolePolicyCommand({ RoleName: 'app-role', PolicyName: 'quarantine' }));
    expect(stand.state.roles['app-role']?.policies).toEqual({ 'read-bucket': READ_BUCKET });
    const gone = await rejection(iam.send(new GetRolePolicyCommand({ RoleName: 'app-role', PolicyName: 'quarantine' })));
    expect(gone.name).toBe('NoSuchEntityException');
    const deleteAgain = await rejection(iam.send(new DeleteRolePolicyCommand({ RoleName: 'app-role', PolicyName: 'quarantine' })));
    expect(deleteAgain.name).toBe('NoSuchEntityException');

    expect(stand.writes().map((c) => `${c.action} → ${c.status}`)).toEqual([
      'PutRolePolicy → 200',
      'DeleteRolePolicy → 200',
      'DeleteRolePolicy → 404',
    ]);
  });

  it('refuses a policy document that is not JSON with MalformedPolicyDocument and changes nothing', async () => {
    const err = await rejection(
      iam.send(new PutRolePolicyCommand({ RoleName: 'app-role', PolicyName: 'broken', PolicyDocument: '{"Version": "2012-10-17",' })),
    );
    expect(err.name).toBe('MalformedPolicyDocumentException');
    expect(err.$metadata?.httpStatusCode).toBe(400);
    expect(stand.state.roles['app-role']?.policies).toEqual({ 'read-bucket': READ_BUCKET });
    expect(stand.calls).toHaveLength(1);
  });
});

describe('faults', () => {
  it('Throttling is retried by the SDK: two requests of one invocation, then success', async () => {
    stand.fail('PutRolePolicy', { code: 'Throttling', times: 1 });

    const out = await iam.send(
      new PutRolePolicyCommand({ RoleName: 'app-role', PolicyName: 'quarantine', PolicyDocument: JSON.stringify(DENY_ALL) }),
    );

    expect(out.$metadata.attempts).toBe(2);
    const calls = stand.callsTo('PutRolePolicy');
    expect(calls.map((c) => [c.attempt, c.status, c.errorCode])).toEqual([
      [1, 400, 'Throttling'],
      [2, 200, undefined],
    ]);
    expect(new Set(calls.map((c) => c.invocationId)).size).toBe(1);
    expect(stand.writes()).toHaveLength(2);
    expect(stand.state.roles['app-role']?.policies).toHaveProperty('quarantine', DENY_ALL);
  });

  it('gives up after the attempts allowed, each counted', async () => {
    stand.fail('ListAccessKeys', { code: 'ServiceFailure' });
    const err = await rejection(iam.send(new ListAccessKeysCommand({ UserName: 'alice' })));
    expect(err.name).toBe('ServiceFailureException');
    expect(err.$fault).toBe('server');
    expect(stand.calls.map((c) => [c.attempt, c.status])).toEqual([
      [1, 500],
      [2, 500],
      [3, 500],
    ]);
  });

  it('AccessDenied (403) is not retried; `when` picks which calls get it', async () => {
    stand.fail('UpdateAccessKey', { code: 'AccessDenied', when: (c) => c.input.UserName === 'bob' });
    const err = await rejection(
      iam.send(new UpdateAccessKeyCommand({ UserName: 'bob', AccessKeyId: 'AKIABOB0000000000001', Status: 'Inactive' })),
    );
    expect(err.name).toBe('AccessDenied');
    expect(err.$metadata?.httpStatusCode).toBe(403);
    await iam.send(new UpdateAccessKeyCommand({ UserName: 'alice', AccessKeyId: ALICE_NEW, Status: 'Inactive' }));
    expect(stand.calls.map((c) => [c.params.UserName, c.status])).toEqual([
      ['bob', 403],
      ['alice', 200],
    ]);
    expect(stand.state.users.bob?.keys).toEqual({ AKIABOB0000000000001: 'Active' });
  });

  it('afterApply makes the change and then answers the error', async () => {
    stand.fail('UpdateAccessKey', { code: 'ServiceFailure', times: 1, afterApply: true });
    // The retry sees the key already Inactive and succeeds: UpdateAccessKey is idempotent.
    await iam.send(new UpdateAccessKeyCommand({ UserName: 'alice', AccessKeyId: ALICE_OLD, Status: 'Inactive' }));
    expect(stand.writes().map((c) => c.status)).toEqual([500, 200]);
    expect(stand.model.writes()).toHaveLength(2);
    expect(stand.state.users.alice?.keys[ALICE_OLD]).toBe('Inactive');
  });
});
