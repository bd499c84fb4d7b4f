import type { Finding } from '../../finding';
import { sameState, type Json, type StepPlan } from '../steps';
import { refusePlan, type PlanRefusal, type PlaybookTarget, type StepPlaybook } from './playbook';

export const BLOCK_BUCKET_PUBLIC_ACCESS = 'block-bucket-public-access';
export const PUBLIC_ACCESS_BLOCK_STEP = 's3:public-access-block';

/** The bucket-level S3 Public Access Block, as `GetPublicAccessBlock` gives it. */
export interface PublicAccessBlock {
  blockPublicAcls: boolean;
  ignorePublicAcls: boolean;
  blockPublicPolicy: boolean;
  restrictPublicBuckets: boolean;
}

/** What the adapter reads before a plan (read-only). */
export interface BucketSurvey {
  bucket: string;
  /** Null: the bucket has no Public Access Block of its own. */
  publicAccessBlock: PublicAccessBlock | null;
  /** A static website configuration exists (GetBucketWebsite). */
  website: boolean;
  /** GetBucketPolicyStatus; null when the bucket has no policy. */
  policyPublic: boolean | null;
}

export const ALL_BLOCKED: PublicAccessBlock = Object.freeze({
  blockPublicAcls: true,
  ignorePublicAcls: true,
  blockPublicPolicy: true,
  restrictPublicBuckets: true,
});

const POLICY_TYPES = new Set([
  'Policy:S3/BucketBlockPublicAccessDisabled',
  'Policy:S3/BucketAnonymousAccessGranted',
  'Policy:S3/BucketPublicAccessGranted',
  'Policy:S3/BucketPublicReadAccessGranted',
  'Policy:S3/BucketPublicWriteAccessGranted',
]);

/** S3's bucket naming rules (the 3–63 character DNS-compatible form). */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function bucketOf(finding: Finding): string | undefined {
  if (finding.resource.kind !== 's3Bucket') return undefined;
  const { buckets, publicBuckets } = finding.resource;
  if (POLICY_TYPES.has(finding.type) || finding.type.startsWith('Exfiltration:S3/')) return buckets[0];
  if (finding.type.startsWith('UnauthorizedAccess:S3/')) return publicBuckets[0];
  return undefined;
}

function blockText(block: PublicAccessBlock | null): string {
  if (!block) return 'no bucket-level Public Access Block';
  const names: [keyof PublicAccessBlock, string][] = [
    ['blockPublicAcls', 'BlockPublicAcls'],
    ['ignorePublicAcls', 'IgnorePublicAcls'],
    ['blockPublicPolicy', 'BlockPublicPolicy'],
    ['restrictPublicBuckets', 'RestrictPublicBuckets'],
  ];
  if (names.every(([k]) => block[k])) return 'all four settings on';
  return names.map(([k, name]) => `${name} ${block[k] ? 'on' : 'off'}`).join(', ');
}

function isBlock(value: unknown): value is PublicAccessBlock {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return (['blockPublicAcls', 'ignorePublicAcls', 'blockPublicPolicy', 'restrictPublicBuckets'] as const).every(
    (k) => typeof v[k] === 'boolean',
  );
}

function isSurvey(value: unknown): value is BucketSurvey {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.bucket === 'string' &&
    (v.publicAccessBlock === null || isBlock(v.publicAccessBlock)) &&
    typeof v.website === 'boolean' &&
    (v.policyPublic === null || typeof v.policyPublic === 'boolean')
  );
}

/** A step state: `{ block: … }` with the four settings, or `{ block: null }` when the bucket has none. */
export function blockState(block: PublicAccessBlock | null): Json {
  return { block: block ? { ...block } : null };
}

function plan(finding: Finding, target: PlaybookTarget, survey: unknown): StepPlan | PlanRefusal {
  if (!isSurvey(survey) || survey.bucket !== target.id)
    return refusePlan('SURVEY_MISMATCH', `The survey of bucket ${target.id} is not usable.`);
  const before = blockState(survey.publicAccessBlock);
  const after = blockState(ALL_BLOCKED);
  if (sameState(before, after)) {
    return refusePlan(
      'NOTHING_TO_CHANGE',
      `Bucket ${survey.bucket} already blocks all public access at the bucket level (all four settings on). Nothing to change.`,
    );
  }
  const warnings = [
    `Anything public in ${survey.bucket} stops being served to the public: anonymous and cross-account public reads through its policy or ACLs are refused.`,
  ];
  if (survey.website) warnings.push(`${survey.bucket} has a static website configuration: the website stops working.`);
  if (survey.policyPublic === true)
    warnings.push(`Its bucket policy is public now (GetBucketPolicyStatus): access granted by it to everyone stops.`);
  return {
    engine: 'steps',
    playbook: BLOCK_BUCKET_PUBLIC_ACCESS,
    findingId: finding.id,
    accountId: finding.accountId,
    region: finding.region,
    target: { kind: target.kind, id: target.id, label: target.label },
    steps: [
      {
        action: PUBLIC_ACCESS_BLOCK_STEP,
        resource: survey.bucket,
        before,
        after,
        label: `Public Access Block of bucket ${survey.bucket}`,
        beforeText: blockText(survey.publicAccessBlock),
        afterText: blockText(ALL_BLOCKED),
        revertible: true,
      },
    ],
    untouched: [
      { label: `the bucket policy of ${survey.bucket}`, reason: 'not changed: its public grants are blocked, not removed' },
      { label: `the ACLs of ${survey.bucket} and its objects`, reason: 'not changed: public ACLs are ignored, not removed' },
      { label: 'the account-level Public Access Block', reason: 'not read or changed' },
    ],
    warnings,
  };
}

function problems(p: StepPlan): string[] {
  const out: string[] = [];
  if (p.steps.length !== 1) out.push('a bucket plan changes exactly one Public Access Block');
  for (const step of p.steps) {
    if (step.action !== PUBLIC_ACCESS_BLOCK_STEP) out.push(`it would run ${JSON.stringify(step.action)}, not a Public Access Block change`);
    if (!BUCKET_NAME.test(step.resource)) out.push(`${JSON.stringify(step.resource)} is not a bucket name`);
    if (step.resource !== p.target.id) out.push(`it would change bucket ${step.resource}, not the finding's ${p.target.id}`);
    if (!sameState(step.after, blockState(ALL_BLOCKED))) out.push('it would set the Public Access Block to less than all four settings on');
  }
  return out;
}

export const blockBucketPublicAccess: StepPlaybook = {
  id: BLOCK_BUCKET_PUBLIC_ACCESS,
  title: 'Block public access to the bucket',
  short: 'Block public access',
  appliesTo(finding) {
    const bucket = bucketOf(finding);
    if (!bucket || !BUCKET_NAME.test(bucket)) return undefined;
    return { kind: 's3-bucket', id: bucket, label: `bucket ${bucket}`, data: { bucket } };
  },
  plan,
  problems,
  permissionCheck: 'S3 has no dry run: the survey showed the bucket readable; s3:PutBucketPublicAccessBlock is checked when the fix runs.',
  revertWarnings: ['The bucket goes back to its previous Public Access Block: what was public before is public again.'],
};
