import {
  DeletePublicAccessBlockCommand,
  GetBucketPolicyStatusCommand,
  GetBucketWebsiteCommand,
  GetPublicAccessBlockCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { StepExecutor } from '../../domain/ports';
import { blockState, type BucketSurvey, type PublicAccessBlock } from '../../domain/remediation/containment/bucket-public-access';
import type { PlaybookTarget } from '../../domain/remediation/containment/playbook';
import type { Json, PlanStep, StepPlan } from '../../domain/remediation/steps';
import type { DryRunOutcome } from '../../domain/remediation/types';
import { AwsCalls } from './aws-calls';

/** Answers that mean "there is none", not a failure. */
const NONE = new Set(['NoSuchPublicAccessBlockConfiguration', 'NoSuchWebsiteConfiguration', 'NoSuchBucketPolicy']);

/** S3 side of block-bucket-public-access: reads the bucket's Public Access Block, website and policy status; sets or restores the block. */
export class BucketPublicAccessAdapter implements StepExecutor {
  private readonly calls: AwsCalls;

  constructor(
    private readonly s3: S3Client,
    region: string,
  ) {
    this.calls = new AwsCalls('S3', region);
  }

  async survey(target: PlaybookTarget): Promise<BucketSurvey> {
    const bucket = target.id;
    const [publicAccessBlock, website, policyPublic] = await Promise.all([
      this.block(bucket),
      this.orNone(() => this.s3.send(new GetBucketWebsiteCommand({ Bucket: bucket }))).then((w) => w !== undefined),
      this.orNone(() => this.s3.send(new GetBucketPolicyStatusCommand({ Bucket: bucket }))).then((s) =>
        s === undefined ? null : s.PolicyStatus?.IsPublic === true,
      ),
    ]);
    return { bucket, publicAccessBlock, website, policyPublic };
  }

  async read(step: PlanStep): Promise<Json> {
    return blockState(await this.block(step.resource));
  }

  resolve(step: PlanStep): Json {
    return step.after;
  }

  async write(step: PlanStep, target: Json): Promise<{ kept?: { label: string; id: string }[] }> {
    const block = (target as { block?: PublicAccessBlock | null } | null)?.block;
    if (block === null) {
      await this.calls.run(() => this.s3.send(new DeletePublicAccessBlockCommand({ Bucket: step.resource })));
    } else if (block) {
      await this.calls.run(() =>
        this.s3.send(
          new PutPublicAccessBlockCommand({
            Bucket: step.resource,
            PublicAccessBlockConfiguration: {
              BlockPublicAcls: block.blockPublicAcls,
              IgnorePublicAcls: block.ignorePublicAcls,
              BlockPublicPolicy: block.blockPublicPolicy,
              RestrictPublicBuckets: block.restrictPublicBuckets,
            },
          }),
        ),
      );
    } else {
      throw new Error(`No Public Access Block to set on ${step.resource}`);
    }
    return {};
  }

  permissionCheck(_plan: StepPlan): Promise<DryRunOutcome> {
    return Promise.resolve({
      ok: true,
      checked: false,
      message: 'S3 has no dry run: the bucket was readable; s3:PutBucketPublicAccessBlock is checked when the fix runs.',
    });
  }

  awsCalls(): number {
    return this.calls.made;
  }

  private async block(bucket: string): Promise<PublicAccessBlock | null> {
    const out = await this.orNone(() => this.s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket })));
    const c = out?.PublicAccessBlockConfiguration;
    if (!c) return null;
    return {
      blockPublicAcls: c.BlockPublicAcls === true,
      ignorePublicAcls: c.IgnorePublicAcls === true,
      blockPublicPolicy: c.BlockPublicPolicy === true,
      restrictPublicBuckets: c.RestrictPublicBuckets === true,
    };
  }

  /** The answer, or undefined when S3 says there is none (a 404 of that kind); any other error is thrown. */
  private orNone<T>(call: () => Promise<T>): Promise<T | undefined> {
    return this.calls.runOrNone(call, NONE);
  }
}
