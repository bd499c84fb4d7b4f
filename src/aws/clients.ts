import { GuardDutyClient } from '@aws-sdk/client-guardduty';
import type { Config } from '../config';
import type { RemediationExecutor, RemediationExecutorFactory } from '../domain/ports';
import { RegionNotConfiguredError } from '../domain/regions';

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
export function remediationExecutors(config: Config): RemediationExecutorFactory {
  let factory: Promise<RemediationExecutorFactory> | undefined;
  const load = () => {
    factory ??= assumeRoleExecutors(config);
    factory.catch(() => (factory = undefined));
    return factory;
  };
  return {
    forTarget: async (accountId: string, region: string): Promise<RemediationExecutor> => (await load()).forTarget(accountId, region),
  };
}

async function assumeRoleExecutors(config: Config): Promise<RemediationExecutorFactory> {
  const [{ EC2Client }, { GetCallerIdentityCommand, STSClient }, { AssumeRoleExecutorFactory }] = await Promise.all([
    import('@aws-sdk/client-ec2'),
    import('@aws-sdk/client-sts'),
    import('./remediation-executor-factory'),
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
  return new AssumeRoleExecutorFactory({
    ownAccountId,
    roleName: config.aws.remediationRoleName,
    sts,
    makeEc2: (region, credentials) => new EC2Client({ region, credentials }),
  });
}
