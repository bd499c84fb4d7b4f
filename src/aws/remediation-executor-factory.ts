import type { EC2Client, EC2ClientConfig } from '@aws-sdk/client-ec2';
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import { ChatOpsError } from '../domain/errors';
import type { RemediationExecutor, RemediationExecutorFactory } from '../domain/ports';
import { awsErrorCode, awsErrorMessage } from './aws-errors';
import { Ec2Remediator } from './ec2-remediator';

/** `AwsCredentialIdentity | Provider<AwsCredentialIdentity>`, as the EC2 client accepts it. */
export type Ec2Credentials = NonNullable<EC2ClientConfig['credentials']>;
type Identity = Exclude<Ec2Credentials, (...args: never[]) => unknown>;

export const ROLE_SESSION_NAME = 'guardduty-chatops';
export const ROLE_SESSION_SECONDS = 900;
/** Credentials closer than this to expiry are renewed. */
export const REFRESH_MARGIN_MS = 5 * 60_000;

export class RemediationTargetError extends ChatOpsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('REMEDIATION_TARGET', message, options);
  }
}

export interface AssumeRoleExecutorFactoryDeps {
  ownAccountId: () => Promise<string>;
  roleName?: string;
  sts: STSClient;
  makeEc2: (region: string, credentials?: Ec2Credentials) => EC2Client;
  now?: () => number;
}

type Cached = { identity: Identity; expiresAtMs: number };

/** The bot's own account uses its own credentials; any other account goes through `REMEDIATION_ROLE_NAME`. */
export class AssumeRoleExecutorFactory implements RemediationExecutorFactory {
  private readonly cache = new Map<string, Cached>();
  private readonly pending = new Map<string, Promise<Cached>>();
  private readonly now: () => number;

  constructor(private readonly deps: AssumeRoleExecutorFactoryDeps) {
    this.now = deps.now ?? Date.now;
  }

  async forTarget(accountId: string, region: string): Promise<RemediationExecutor> {
    return new Ec2Remediator(this.deps.makeEc2(region, await this.credentialsFor(accountId, region)));
  }

  /**
   * The credentials to act in an account: undefined (the bot's own) in its own account, else those of
   * REMEDIATION_ROLE_NAME there, assumed now so that a missing or untrusted role fails here with a clear message.
   */
  async credentialsFor(accountId: string, region: string): Promise<Ec2Credentials | undefined> {
    if (!/^\d{12}$/.test(accountId)) throw new RemediationTargetError(`${JSON.stringify(accountId)} is not an AWS account ID (12 digits).`);
    if (accountId === (await this.deps.ownAccountId())) return undefined;

    const roleName = this.deps.roleName?.trim();
    if (!roleName) {
      throw new RemediationTargetError(
        `The finding is in account ${accountId}, not the bot's own. Set REMEDIATION_ROLE_NAME to a role the bot can assume in member accounts to remediate there.`,
      );
    }
    await this.credentials(accountId, region, roleName);
    return async (): Promise<Identity> => (await this.credentials(accountId, region, roleName)).identity;
  }

  private async credentials(accountId: string, region: string, roleName: string): Promise<Cached> {
    const cached = this.cache.get(accountId);
    if (cached && cached.expiresAtMs - this.now() > REFRESH_MARGIN_MS) return cached;
    let inFlight = this.pending.get(accountId);
    if (!inFlight) {
      inFlight = this.assume(accountId, region, roleName).finally(() => this.pending.delete(accountId));
      this.pending.set(accountId, inFlight);
    }
    const fresh = await inFlight;
    this.cache.set(accountId, fresh);
    return fresh;
  }

  private async assume(accountId: string, region: string, roleName: string): Promise<Cached> {
    const roleArn = `arn:${partitionOf(region)}:iam::${accountId}:role/${roleName}`;
    let out;
    try {
      out = await this.deps.sts.send(
        new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: ROLE_SESSION_NAME, DurationSeconds: ROLE_SESSION_SECONDS }),
      );
    } catch (err) {
      const code = awsErrorCode(err);
      if (code === 'AccessDenied' || code === 'AccessDeniedException' || code === 'NoSuchEntity') {
        throw new RemediationTargetError(
          `Cannot assume ${roleArn} (${code}). Create that role in account ${accountId} with permission to describe, authorize and revoke ` +
            `security group ingress, make its trust policy allow the bot's principal to call sts:AssumeRole, and allow sts:AssumeRole on it in the bot's own policy.`,
          { cause: err },
        );
      }
      throw new RemediationTargetError(`Assuming ${roleArn} failed: ${code} (${awsErrorMessage(err)}).`, { cause: err });
    }
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
      throw new RemediationTargetError(`STS returned no credentials for ${roleArn}.`);
    }
    return {
      identity: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration },
      expiresAtMs: c.Expiration.getTime(),
    };
  }
}

function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}
