import { EC2Client } from '@aws-sdk/client-ec2';
import { AssumeRoleCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { Ec2Remediator } from '../../src/aws/ec2-remediator';
import { AssumeRoleExecutorFactory, RemediationTargetError, type Ec2Credentials } from '../../src/aws/remediation-executor-factory';
import { ChatOpsError } from '../../src/domain/errors';

const OWN = '123456789012';
const MEMBER = '210987654321';

const stsMock = mockClient(STSClient);
const sts = new STSClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } });

let nowMs = Date.parse('2024-05-01T12:00:00Z');

function credentialsExpiringIn(ms: number) {
  return { AccessKeyId: 'ASIAMEMBER', SecretAccessKey: 'member-secret', SessionToken: 'member-token', Expiration: new Date(nowMs + ms) };
}

function setup({ roleName }: { roleName?: string } = { roleName: 'GuardDutyChatOpsRemediation' }) {
  const made: { region: string; credentials?: Ec2Credentials }[] = [];
  const ownAccountId = jest.fn(async () => OWN);
  const factory = new AssumeRoleExecutorFactory({
    ownAccountId,
    roleName,
    sts,
    now: () => nowMs,
    makeEc2: (region, credentials) => {
      made.push({ region, ...(credentials ? { credentials } : {}) });
      return new EC2Client({ region, credentials: credentials ?? { accessKeyId: 'AKIDOWN', secretAccessKey: 'own' } });
    },
  });
  return { factory, made, ownAccountId };
}

async function resolveCredentials(credentials: Ec2Credentials | undefined) {
  if (typeof credentials !== 'function') return credentials;
  return credentials();
}

beforeEach(() => {
  stsMock.reset();
  nowMs = Date.parse('2024-05-01T12:00:00Z');
});

describe('AssumeRoleExecutorFactory', () => {
  it("uses the bot's own credentials for its own account, without STS", async () => {
    const { factory, made } = setup();

    const executor = await factory.forTarget(OWN, 'eu-west-1');

    expect(executor).toBeInstanceOf(Ec2Remediator);
    expect(made).toEqual([{ region: 'eu-west-1' }]);
    expect(stsMock.calls()).toHaveLength(0);
  });

  it('assumes the configured role in another account and gives its credentials to the EC2 client', async () => {
    stsMock.on(AssumeRoleCommand).resolves({ Credentials: credentialsExpiringIn(15 * 60_000) });
    const { factory, made } = setup();

    const executor = await factory.forTarget(MEMBER, 'us-west-2');

    expect(executor).toBeInstanceOf(Ec2Remediator);
    expect(stsMock.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input)).toEqual([
      { RoleArn: `arn:aws:iam::${MEMBER}:role/GuardDutyChatOpsRemediation`, RoleSessionName: 'guardduty-chatops', DurationSeconds: 900 },
    ]);
    expect(made).toHaveLength(1);
    expect(made[0]?.region).toBe('us-west-2');
    expect(await resolveCredentials(made[0]?.credentials)).toEqual({
      accessKeyId: 'ASIAMEMBER',
      secretAccessKey: 'member-secret',
      sessionToken: 'member-token',
      expiration: new Date(nowMs + 15 * 60_000),
    });
  });

  it('uses the partition of the region in the role ARN', async () => {
    stsMock.on(AssumeRoleCommand).resolves({ Credentials: credentialsExpiringIn(15 * 60_000) });
    const { factory } = setup();

    await factory.forTarget(MEMBER, 'cn-north-1');

    expect(stsMock.commandCalls(AssumeRoleCommand)[0]?.args[0].input.RoleArn).toBe(
      `arn:aws-cn:iam::${MEMBER}:role/GuardDutyChatOpsRemediation`,
    );
  });

  it('refuses another account when REMEDIATION_ROLE_NAME is not set', async () => {
    const { factory, made } = setup({});

    const err = await factory.forTarget(MEMBER, 'us-east-1').catch((e: unknown) => e);

    expect(err).toBeInstanceOf(RemediationTargetError);
    expect(err).toBeInstanceOf(ChatOpsError);
    expect((err as RemediationTargetError).code).toBe('REMEDIATION_TARGET');
    expect((err as Error).message).toMatch(/REMEDIATION_ROLE_NAME/);
    expect((err as Error).message).toContain(MEMBER);
    expect(stsMock.calls()).toHaveLength(0);
    expect(made).toHaveLength(0);
  });

  it('explains a role that cannot be assumed, naming its ARN', async () => {
    stsMock.on(AssumeRoleCommand).rejects(
      new STSServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        $metadata: {},
        message: 'User is not authorized to perform: sts:AssumeRole',
      }),
    );
    const { factory, made } = setup();

    const err = await factory.forTarget(MEMBER, 'us-east-1').catch((e: unknown) => e);

    expect(err).toBeInstanceOf(RemediationTargetError);
    const message = (err as Error).message;
    expect(message).toContain(`arn:aws:iam::${MEMBER}:role/GuardDutyChatOpsRemediation`);
    expect(message).toMatch(/AccessDenied/);
    expect(message).toMatch(/Create that role/);
    expect(message).toMatch(/trust policy/);
    expect(made).toHaveLength(0);
  });

  it('reports other STS failures with their code', async () => {
    stsMock
      .on(AssumeRoleCommand)
      .rejects(
        new STSServiceException({ name: 'RegionDisabledException', $fault: 'client', $metadata: {}, message: 'STS is not activated' }),
      );
    const { factory } = setup();

    await expect(factory.forTarget(MEMBER, 'us-east-1')).rejects.toThrow(/RegionDisabledException/);
  });

  it('caches credentials per account until close to expiry', async () => {
    stsMock.on(AssumeRoleCommand).resolves({ Credentials: credentialsExpiringIn(15 * 60_000) });
    const { factory, made } = setup();

    await factory.forTarget(MEMBER, 'us-east-1');
    await factory.forTarget(MEMBER, 'eu-west-1');
    await resolveCredentials(made[1]?.credentials);
    expect(stsMock.commandCalls(AssumeRoleCommand)).toHaveLength(1);

    await factory.forTarget('111122223333', 'us-east-1');
    expect(stsMock.commandCalls(AssumeRoleCommand)).toHaveLength(2);

    nowMs += 11 * 60_000;
    await factory.forTarget(MEMBER, 'us-east-1');
    expect(stsMock.commandCalls(AssumeRoleCommand)).toHaveLength(3);
  });

  it('refreshes through the provider of an existing client once the credentials near expiry', async () => {
    stsMock.on(AssumeRoleCommand).resolves({ Credentials: credentialsExpiringIn(15 * 60_000) });
    const { factory, made } = setup();
    await factory.forTarget(MEMBER, 'us-east-1');

    nowMs += 12 * 60_000;
    await resolveCredentials(made[0]?.credentials);

    expect(stsMock.commandCalls(AssumeRoleCommand)).toHaveLength(2);
  });

  it('makes one AssumeRole call for concurrent requests', async () => {
    stsMock.on(AssumeRoleCommand).resolves({ Credentials: credentialsExpiringIn(15 * 60_000) });
    const { factory } = setup();

    await Promise.all([factory.forTarget(MEMBER, 'us-east-1'), factory.forTarget(MEMBER, 'us-west-2')]);

    expect(stsMock.commandCalls(AssumeRoleCommand)).toHaveLength(1);
  });

  it('rejects an account ID that is not 12 digits', async () => {
    const { factory } = setup();
    await expect(factory.forTarget('12345', 'us-east-1')).rejects.toBeInstanceOf(RemediationTargetError);
  });
});
