import type { Finding as SdkFinding } from '@aws-sdk/client-guardduty';
import { DEACTIVATE_ACCESS_KEY } from '../../src/domain/remediation/containment/access-key';
import { BLOCK_BUCKET_PUBLIC_ACCESS } from '../../src/domain/remediation/containment/bucket-public-access';
import { ISOLATE_INSTANCE } from '../../src/domain/remediation/containment/isolate-instance';
import { REVOKE_ROLE_SESSIONS } from '../../src/domain/remediation/containment/role-sessions';
import { Ec2HttpStandIn } from '../fakes/ec2/http';
import { seedIsolationInstance, ISOLATION_INSTANCE } from '../fakes/ec2/seed';
import { IamHttpStandIn } from '../fakes/iam/http';
import { S3HttpStandIn } from '../fakes/s3/http';
import { standInStepExecutors } from './containment-executors';
import { variant } from './fixtures';
import type { AwsStepExecutors } from '../../src/aws/containment';
import type { RemediationRig } from './remediation-harness';

/*
 * The four containment playbooks' scenarios for the chat-level test and the bench: the three wire stand-ins (IAM,
 * EC2, S3) started together, and for each playbook a seeding of its stand-in plus the GuardDuty finding (built from
 * the fixtures, its Resource patched) that names what was seeded.
 */

export const REGION = 'us-east-1';

/** Alice's key the access-key findings name, and her other key (left alone). */
export const SCENARIO_KEY = 'AKIAALICE00000000001';
export const SCENARIO_OTHER_KEY = 'AKIAALICE00000000002';
export const SCENARIO_USER = 'alice';
export const SCENARIO_KEY_LAST_USED = new Date('2026-11-20T10:15:00Z');
export const SCENARIO_ROLE = 'web-server';
export const SCENARIO_BUCKET = 'example-logs-bucket';
/** The role's own inline policy, which the revoke playbook leaves alone. */
export const READ_BUCKET_POLICY = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::example-bucket/*' }],
};
/** The bucket's own Public Access Block before the fix. */
export const BUCKET_OWN_BLOCK = { BlockPublicAcls: true, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: false };

/**
 * The remediation rig mocks EC2Client's `send` for every client (aws-sdk-client-mock, for the restrict-ingress
 * playbook): undo that so the containment executors' EC2 clients reach the EC2 wire stand-in. The rig's own
 * `stop` restores again, which is harmless.
 */
export function releaseEc2Mock(rig: Pick<RemediationRig, 'ec2'>): void {
  rig.ec2.restore();
}

export interface PlaybookStandIns {
  iam: IamHttpStandIn;
  ec2: Ec2HttpStandIn;
  s3: S3HttpStandIn;
  /** The bot's real step executors, their SDK clients pointed at the three stand-ins. */
  steps: AwsStepExecutors;
  close(): Promise<void>;
}

export async function startPlaybookStandIns(): Promise<PlaybookStandIns> {
  const [iam, ec2, s3] = await Promise.all([new IamHttpStandIn().start(), new Ec2HttpStandIn().start(), new S3HttpStandIn().start()]);
  ec2.seed([], {});
  return {
    iam,
    ec2,
    s3,
    steps: standInStepExecutors({ iam: iam.endpoint, ec2: ec2.endpoint, s3: s3.endpoint }),
    close: async () => {
      await Promise.all([iam.close(), ec2.close(), s3.close()]);
    },
  };
}

/** One playbook's seeded world: the finding to `rig.gd.put`, and the requests its stand-in saw. */
export interface PlaybookScenario {
  playbook: string;
  findingId: string;
  finding: SdkFinding;
  /** Requests the playbook's stand-in received so far (retries and DryRun included). */
  calls(): number;
  /** Of those, the ones that change AWS (retries included; DryRun left out). */
  writes(): number;
  /** Operation names of those requests, in order (DryRun ones marked). */
  ops(): string[];
  resetCalls(): void;
}

export interface AccessKeyOptions {
  /** Default IAMUser. */
  userType?: string;
  /** The key the finding names (default {@link SCENARIO_KEY}). */
  accessKeyId?: string;
  userName?: string;
}

/** A 32-hex finding ID from a label and a number, distinct per test or bench run. */
export function scenarioFindingId(prefix: string, n: number): string {
  const hex = Buffer.from(prefix).toString('hex').slice(0, 16).padEnd(16, '0');
  return `${hex}${String(n).padStart(16, '0')}`;
}

function accessKeyFinding(
  id: string,
  details: { AccessKeyId: string; UserName: string; UserType: string; PrincipalId: string },
): SdkFinding {
  const f = variant('unauthorizedaccess-iamuser-credential-exfiltration', { id, region: REGION });
  f.Resource = { ResourceType: 'AccessKey', AccessKeyDetails: details };
  if (details.UserType === 'IAMUser') f.Type = 'UnauthorizedAccess:IAMUser/MaliciousIPCaller';
  return f;
}

/** Alice with two Active keys (the first used in eu-west-1), Bob with one; the finding names Alice's first key. */
export function accessKeyScenario(s: PlaybookStandIns, findingId: string, options: AccessKeyOptions = {}): PlaybookScenario {
  s.iam
    .seedUser(SCENARIO_USER, [
      { id: SCENARIO_KEY, status: 'Active', lastUsed: { date: SCENARIO_KEY_LAST_USED, serviceName: 's3', region: 'eu-west-1' } },
      { id: SCENARIO_OTHER_KEY, status: 'Active' },
    ])
    .seedUser('bob', [{ id: 'AKIABOB0000000000001', status: 'Active' }]);
  const finding = accessKeyFinding(findingId, {
    AccessKeyId: options.accessKeyId ?? SCENARIO_KEY,
    UserName: options.userName ?? SCENARIO_USER,
    UserType: options.userType ?? 'IAMUser',
    PrincipalId: 'AIDAEXAMPLEALICE',
  });
  return iamScenario(s, DEACTIVATE_ACCESS_KEY, findingId, finding);
}

/** Role web-server with its own read-bucket policy (and, when given, other inline policies); the finding is an assumed-role key of it. */
export function roleScenario(s: PlaybookStandIns, findingId: string, extraPolicies: Record<string, unknown> = {}): PlaybookScenario {
  s.iam.seedRole(SCENARIO_ROLE, { 'read-bucket': READ_BUCKET_POLICY, ...extraPolicies });
  const finding = accessKeyFinding(findingId, {
    AccessKeyId: 'ASIAIOSFODNN7EXAMPLE',
    UserName: SCENARIO_ROLE,
    UserType: 'AssumedRole',
    PrincipalId: `AROAEXAMPLEID:${ISOLATION_INSTANCE}`,
  });
  return iamScenario(s, REVOKE_ROLE_SESSIONS, findingId, finding);
}

function iamScenario(s: PlaybookStandIns, playbook: string, findingId: string, finding: SdkFinding): PlaybookScenario {
  return {
    playbook,
    findingId,
    finding,
    calls: () => s.iam.calls.length,
    writes: () => s.iam.writes().length,
    ops: () => s.iam.calls.map((c) => c.action),
    resetCalls: () => s.iam.resetCalls(),
  };
}

/** The EC2 model replaced by the isolation instance (two ENIs, two volumes); the finding is a C&C finding on it. */
export function isolateScenario(s: PlaybookStandIns, findingId: string): PlaybookScenario {
  s.ec2.seed([], {}).add(seedIsolationInstance());
  const f = variant('backdoor-ec2-ccactivity-dns', { id: findingId, region: REGION });
  const details = { ...f.Resource?.InstanceDetails };
  details.InstanceId = ISOLATION_INSTANCE;
  details.Tags = [{ Key: 'Name', Value: 'web-1' }];
  // The finding's own ENI list is GuardDuty's snapshot; the playbook reads the live ones.
  details.NetworkInterfaces = [];
  f.Resource = { ...f.Resource, InstanceDetails: details };
  return {
    playbook: ISOLATE_INSTANCE,
    findingId,
    finding: f,
    calls: () => s.ec2.calls.length,
    writes: () => s.ec2.changes().length,
    ops: () => s.ec2.calls.map((c) => `${c.action}${c.dryRun ? ' (DryRun)' : ''}`),
    resetCalls: () => s.ec2.resetCalls(),
  };
}

/** The bucket of the S3 fixture with its own partial Public Access Block. */
export function bucketScenario(s: PlaybookStandIns, findingId: string): PlaybookScenario {
  s.s3.reset().seedBucket(SCENARIO_BUCKET, { publicAccessBlock: { ...BUCKET_OWN_BLOCK } });
  return {
    playbook: BLOCK_BUCKET_PUBLIC_ACCESS,
    findingId,
    finding: variant('policy-s3-bucketblockpublicaccessdisabled', { id: findingId, region: REGION }),
    calls: () => s.s3.calls.length,
    writes: () => s.s3.writes().length,
    ops: () => s.s3.calls.map((c) => c.op),
    resetCalls: () => s.s3.resetCalls(),
  };
}
