import { EC2Client } from '@aws-sdk/client-ec2';
import { GuardDutyClient } from '@aws-sdk/client-guardduty';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { AwsStepExecutors } from '../../src/aws/containment';
import { TEST_CREDENTIALS } from './bot-harness';

/** Wire stand-ins' endpoints; a service left out gets an endpoint that refuses connections (a test that calls it fails). */
export interface StandInEndpoints {
  ec2?: string;
  iam?: string;
  s3?: string;
  guardDuty?: string;
}

const UNREACHABLE = 'http://127.0.0.1:9';

/**
 * The bot's real containment executors (AwsStepExecutors, every adapter in STEP_ADAPTERS) with real SDK clients
 * pointed at the wire stand-ins, in the bot's own account (no role to assume), 3 attempts with a 10 ms backoff.
 */
export function standInStepExecutors(endpoints: StandInEndpoints): AwsStepExecutors {
  // A strategy per client: the SDK's retry quota lives in the strategy instance.
  const common = () => ({
    credentials: TEST_CREDENTIALS,
    retryStrategy: new ConfiguredRetryStrategy(3, (attempt: number) => 10 * attempt),
  });
  return new AwsStepExecutors({
    credentialsFor: () => Promise.resolve(undefined),
    makeEc2: (region) => new EC2Client({ region, endpoint: endpoints.ec2 ?? UNREACHABLE, ...common() }),
    makeIam: (region) => new IAMClient({ region, endpoint: endpoints.iam ?? UNREACHABLE, ...common() }),
    makeS3: (region) => new S3Client({ region, endpoint: endpoints.s3 ?? UNREACHABLE, forcePathStyle: true, ...common() }),
    makeGuardDuty: (region) => new GuardDutyClient({ region, endpoint: endpoints.guardDuty ?? UNREACHABLE, ...common() }),
  });
}
