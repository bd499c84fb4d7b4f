import { GuardDutyClient } from '@aws-sdk/client-guardduty';
import type { Config } from '../config';
import type { RemediationExecutor, RemediationExecutorFactory, StepExecutor, StepExecutorFactory } from '../domain/ports';
import { RegionNotConfiguredError } from '../domain/regions';
import type { Ec2Credentials } from './remediation-executor-factory';

/** One GuardDuty client per configured region, built once at start; any other region is refused. */
export function guardDutyClients(regions: readonly string[]): (region: string) => GuardDutyClient {
  const clients = new Map(regions.map((region) => [region, new GuardDutyClient({ region })] as const));
  return (region) => {
    const client = clients.get(region);
    if (!client) throw new RegionNotConfiguredError(region, regions);
    return client;
  };
}

/**
 * EC2 in the bot's own account with its own credentials, in other accounts through REMEDIATION_ROLE_NAME.
 * The EC2 and STS SDK clients are loaded on the first remediation, not at start: startup and the feed never use them.
 */
export function remediationExecutors(config: Config): RemediationExecutorFactory & StepExecutorFactory {
  let factory: Promise<Executors> | undefined;
  const load = () => {
    factory ??= assumeRoleExecutors(config);
    factory.catch(() => (factory = undefined));
    return factory;
  };
  return {
    forTarget: async (accountId: string, region: string): Promise<RemediationExecutor> =>
      (await load()).ingress.forTarget(accountId, region),
    forPlaybook: async (playbook: string, accountId: string, region: string): Promise<StepExecutor> =>
      (await load()).steps.forPlaybook(playbook, accountId, region),
  };
}

interface Executors {
  ingress: RemediationExecutorFactory;
  steps: StepExecutorFactory;
}

/** The SDK clients are loaded on the first remediation, not at start: startup and the feed never use them. */
async function assumeRoleExecutors(config: Config): Promise<Executors> {
  const [
    { EC2Client },
    { IAMClient },
    { S3Client },
    { GetCallerIdentityCommand, STSClient },
    { AssumeRoleExecutorFactory },
    { AwsStepExecutors },
  ] = await Promise.all([
    import('@aws-sdk/client-ec2'),
    import('@aws-sdk/client-iam'),
    import('@aws-sdk/client-s3'),
    import('@aws-sdk/client-sts'),
    import('./remediation-executor-factory'),
    import('./containment'),
  ]);
  const sts = new STSClient({ region: config.aws.homeRegion });
  let account: Promise<string> | undefined;
  const ownAccountId = () => {
    account ??= sts.send(new GetCallerIdentityCommand({})).then((r) => {
      if (!r.Account) throw new Error('sts:GetCallerIdentity returned no account');
      return r.Account;
    });
    account.catch(() => (account = undefined));
    return account;
  };
  const makeEc2 = (region: string, credentials?: Ec2Credentials) => new EC2Client({ region, credentials });
  const ingress = new AssumeRoleExecutorFactory({ ownAccountId, roleName: config.aws.remediationRoleName, sts, makeEc2 });
  const steps = new AwsStepExecutors({
    credentialsFor: (accountId, region) => ingress.credentialsFor(accountId, region),
    makeEc2,
    makeIam: (region, credentials) => new IAMClient({ region, credentials }),
    makeS3: (region, credentials) => new S3Client({ region, credentials }),
    makeGuardDuty: (region) => new GuardDutyClient({ region }),
  });
  return { ingress, steps };
}
