import { EC2Client } from '@aws-sdk/client-ec2';
import { GuardDutyClient } from '@aws-sdk/client-guardduty';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { Config } from '../config';
import type { RemediationExecutorFactory } from '../domain/ports';
import { RegionNotConfiguredError } from '../domain/regions';
import { AssumeRoleExecutorFactory } from './remediation-executor-factory';

/** One GuardDuty client per configured region, built once at start; any other region is refused. */
export function guardDutyClients(regions: readonly string[]): (region: string) => GuardDutyClient {
  const clients = new Map(regions.map((region) => [region, new GuardDutyClient({ region })] as const));
  return (region) => {
    const client = clients.get(region);
    if (!client) throw new RegionNotConfiguredError(region, regions);
    return client;
  };
}

/** EC2 in the bot's own account with its own credentials, in other accounts through REMEDIATION_ROLE_NAME. */
export function remediationExecutors(config: Config): RemediationExecutorFactory {
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
