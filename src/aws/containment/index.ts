import type { EC2Client } from '@aws-sdk/client-ec2';
import type { GuardDutyClient } from '@aws-sdk/client-guardduty';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { S3Client } from '@aws-sdk/client-s3';
import { ChatOpsError } from '../../domain/errors';
import type { StepExecutor, StepExecutorFactory } from '../../domain/ports';
import { DEACTIVATE_ACCESS_KEY } from '../../domain/remediation/containment/access-key';
import { BLOCK_BUCKET_PUBLIC_ACCESS } from '../../domain/remediation/containment/bucket-public-access';
import { ISOLATE_INSTANCE } from '../../domain/remediation/containment/isolate-instance';
import { REVOKE_ROLE_SESSIONS } from '../../domain/remediation/containment/role-sessions';
import { SUPPRESS_SIMILAR } from '../../domain/remediation/containment/suppress-similar';
import { basePlaybook } from '../../domain/remediation/steps';
import type { Ec2Credentials } from '../remediation-executor-factory';
import { AccessKeyAdapter } from './access-key';
import { BucketPublicAccessAdapter } from './bucket-public-access';
import { IsolateInstanceAdapter } from './isolate-instance';
import { RoleSessionsAdapter } from './role-sessions';
import { SuppressSimilarAdapter } from './suppress-similar';

/** The SDK clients of one target (account and region), made on first use with that target's credentials. */
export interface ContainmentClients {
  region: string;
  ec2(): EC2Client;
  iam(): IAMClient;
  s3(): S3Client;
  /** GuardDuty of the bot's own (administrator) account, whose detector holds filters for every member. */
  guardDuty(): GuardDutyClient;
}

/** Each containment playbook's AWS side, by playbook ID (see domain/remediation/registry.ts). */
export const STEP_ADAPTERS: Readonly<Record<string, (clients: ContainmentClients) => StepExecutor>> = Object.freeze({
  [BLOCK_BUCKET_PUBLIC_ACCESS]: (c: ContainmentClients) => new BucketPublicAccessAdapter(c.s3(), c.region),
  [ISOLATE_INSTANCE]: (c: ContainmentClients) => new IsolateInstanceAdapter(c.ec2(), c.region),
  [DEACTIVATE_ACCESS_KEY]: (c: ContainmentClients) => new AccessKeyAdapter(c.iam(), c.region),
  [REVOKE_ROLE_SESSIONS]: (c: ContainmentClients) => new RoleSessionsAdapter(c.iam(), c.region),
  [SUPPRESS_SIMILAR]: (c: ContainmentClients) => new SuppressSimilarAdapter(c.guardDuty(), c.region),
});

/** Playbooks that act in the bot's own account whatever the finding's account (no role is assumed for them). */
const OWN_ACCOUNT_PLAYBOOKS: ReadonlySet<string> = new Set([SUPPRESS_SIMILAR]);

export interface AwsStepExecutorsDeps {
  /** Undefined for the bot's own account; REMEDIATION_ROLE_NAME's credentials elsewhere. */
  credentialsFor(accountId: string, region: string): Promise<Ec2Credentials | undefined>;
  makeEc2(region: string, credentials?: Ec2Credentials): EC2Client;
  makeIam(region: string, credentials?: Ec2Credentials): IAMClient;
  makeS3(region: string, credentials?: Ec2Credentials): S3Client;
  /** With the bot's own credentials. */
  makeGuardDuty(region: string): GuardDutyClient;
}

/** A fresh executor per run, with clients for the target account (assumed role) and region. */
export class AwsStepExecutors implements StepExecutorFactory {
  constructor(private readonly deps: AwsStepExecutorsDeps) {}

  async forPlaybook(playbook: string, accountId: string, region: string): Promise<StepExecutor> {
    const make = STEP_ADAPTERS[basePlaybook(playbook)];
    if (!make) throw new ChatOpsError('NO_EXECUTOR', `The bot has no executor for playbook ${JSON.stringify(playbook)}.`);
    const credentials = OWN_ACCOUNT_PLAYBOOKS.has(basePlaybook(playbook)) ? undefined : await this.deps.credentialsFor(accountId, region);
    const once = <T>(build: () => T): (() => T) => {
      let client: T | undefined;
      return () => (client ??= build());
    };
    return make({
      region,
      ec2: once(() => this.deps.makeEc2(region, credentials)),
      iam: once(() => this.deps.makeIam(region, credentials)),
      s3: once(() => this.deps.makeS3(region, credentials)),
      guardDuty: once(() => this.deps.makeGuardDuty(region)),
    });
  }
}
