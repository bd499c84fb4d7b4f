import type {
  GetBucketLocationCommandOutput,
  GetBucketPolicyStatusCommandOutput,
  GetBucketWebsiteCommandOutput,
  GetPublicAccessBlockCommandOutput,
  PublicAccessBlockConfiguration,
} from '@aws-sdk/client-s3';
import { S3Error } from './errors';
import { takeFault } from '../faults';

export const S3_OPERATIONS = [
  'GetPublicAccessBlock',
  'PutPublicAccessBlock',
  'DeletePublicAccessBlock',
  'GetBucketPolicyStatus',
  'GetBucketWebsite',
  'GetBucketLocation',
] as const;
export type S3Op = (typeof S3_OPERATIONS)[number];

/** The four switches of a bucket's Block Public Access, all set (S3 stores a missing one as false). */
export interface PublicAccessBlock {
  BlockPublicAcls: boolean;
  IgnorePublicAcls: boolean;
  BlockPublicPolicy: boolean;
  RestrictPublicBuckets: boolean;
}

export interface S3Website {
  IndexDocument?: string;
  ErrorDocument?: string;
  RedirectAllRequestsTo?: { HostName: string; Protocol?: 'http' | 'https' };
}

/** One bucket as the model keeps it; {@link S3Model.state} hands out copies. */
export interface S3BucketState {
  name: string;
  region: string;
  /** Undefined: the bucket has no Block Public Access configuration (GetPublicAccessBlock answers 404). */
  publicAccessBlock?: PublicAccessBlock;
  /** Undefined: the bucket has no policy (GetBucketPolicyStatus answers NoSuchBucketPolicy); else whether S3 deems it public. */
  policyPublic?: boolean;
  /** Undefined: no static website hosting (GetBucketWebsite answers NoSuchWebsiteConfiguration). */
  website?: S3Website;
}

export interface SeedBucketOptions {
  publicAccessBlock?: PublicAccessBlock | undefined;
  policyPublic?: boolean;
  /** `true`: index.html / error.html. */
  website?: boolean | S3Website;
  /** Default `us-east-1`. */
  region?: string;
}

/** What the transports hand the model: the SDK's input shape. */
export interface S3Input {
  Bucket: string;
  PublicAccessBlockConfiguration?: PublicAccessBlockConfiguration;
}

interface S3Io {
  GetPublicAccessBlock: Omit<GetPublicAccessBlockCommandOutput, '$metadata'>;
  PutPublicAccessBlock: Record<string, never>;
  DeletePublicAccessBlock: Record<string, never>;
  GetBucketPolicyStatus: Omit<GetBucketPolicyStatusCommandOutput, '$metadata'>;
  GetBucketWebsite: Omit<GetBucketWebsiteCommandOutput, '$metadata'>;
  GetBucketLocation: Omit<GetBucketLocationCommandOutput, '$metadata'>;
}
export type S3Output<O extends S3Op> = S3Io[O];

/** One operation as it reached the model (faulted ones included). */
export interface S3Call {
  op: S3Op;
  bucket: string;
  /** SDK shape: `{ Bucket, PublicAccessBlockConfiguration? }`. */
  input: S3Input;
  /** The region the request was signed for (SigV4 credential scope), when the transport knows it. */
  region?: string;
  /** Epoch ms when the call reached the model. */
  at: number;
}

export interface S3Fault {
  /** S3 error code, e.g. SlowDown, InternalError, AccessDenied, NoSuchBucket. */
  code: string;
  message?: string;
  /** Default: S3's status for the code, else 400. */
  status?: number;
  /** Answer this many matching calls with the fault, then behave again; unset: until cleared. */
  times?: number;
  /** Only calls for which this holds get the fault (e.g. one bucket); others pass through. */
  when?: (call: S3Call) => boolean;
  /** Make the change first and then answer with the error, as when S3 applied a write but the answer was lost. */
  afterApply?: boolean;
}

export interface S3ModelOptions {
  /**
   * Answer a request signed for another region than the bucket's with 301 PermanentRedirect and an
   * `x-amz-bucket-region` header, as S3's regional endpoints do (GetBucketLocation works from any region).
   * Default false: one stand-in serves every bucket whatever region the client is in.
   */
  enforceRegion?: boolean;
}

const WRITES: readonly S3Op[] = ['PutPublicAccessBlock', 'DeletePublicAccessBlock'];

function copy(b: S3BucketState): S3BucketState {
  return structuredClone(b);
}

/**
 * S3 buckets' public-exposure settings in memory: Block Public Access (get, put, delete), whether the bucket
 * policy is public, static website hosting and the bucket's region. Transports (the HTTP one) turn requests into
 * {@link call} and its S3Error into their own errors.
 */
export class S3Model {
  readonly buckets = new Map<string, S3BucketState>();
  readonly calls: S3Call[] = [];
  /** Per operation, used in the order queued. */
  readonly faults = new Map<S3Op, S3Fault[]>();
  latencyMs = 0;
  enforceRegion: boolean;

  constructor(options: S3ModelOptions = {}) {
    this.enforceRegion = options.enforceRegion ?? false;
  }

  /** Adds (or replaces) a bucket. */
  seedBucket(name: string, options: SeedBucketOptions = {}): this {
    const website = options.website === true ? { IndexDocument: 'index.html', ErrorDocument: 'error.html' } : options.website || undefined;
    this.buckets.set(name, {
      name,
      region: options.region ?? 'us-east-1',
      ...(options.publicAccessBlock ? { publicAccessBlock: { ...options.publicAccessBlock } } : {}),
      ...(options.policyPublic !== undefined ? { policyPublic: options.policyPublic } : {}),
      ...(website ? { website: structuredClone(website) } : {}),
    });
    return this;
  }

  /** Forgets buckets, calls and faults. */
  reset(): this {
    this.buckets.clear();
    this.calls.length = 0;
    this.faults.clear();
    return this;
  }

  /** A copy of the bucket as it is now, or undefined when there is no such bucket. */
  state(bucket: string): S3BucketState | undefined {
    const b = this.buckets.get(bucket);
    return b && copy(b);
  }

  /** Queues a fault for `op`. */
  fail(op: S3Op, fault: S3Fault): this {
    const list = this.faults.get(op) ?? [];
    list.push({ ...fault });
    this.faults.set(op, list);
    return this;
  }

  clearFaults(): void {
    this.faults.clear();
  }

  callsTo(op: S3Op, bucket?: string): S3Call[] {
    return this.calls.filter((c) => c.op === op && (bucket === undefined || c.bucket === bucket));
  }

  /** Put and Delete PublicAccessBlock calls (faulted ones included). */
  writes(): S3Call[] {
    return this.calls.filter((c) => WRITES.includes(c.op));
  }

  resetCalls(): void {
    this.calls.length = 0;
  }

  /** One S3 operation: logged, delayed by `latencyMs`, faulted if a fault is queued, then answered. Throws S3Error. */
  async call<O extends S3Op>(op: O, input: S3Input, context: { region?: string } = {}): Promise<S3Output<O>> {
    const call: S3Call = {
      op,
      bucket: input.Bucket,
      input: structuredClone(input),
      ...(context.region ? { region: context.region } : {}),
      at: Date.now(),
    };
    this.calls.push(call);
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    const fault = this.takeFault(call);
    const error = fault && new S3Error(fault.code, fault.message, fault.status, input.Bucket);
    if (error && !fault.afterApply) throw error;
    const output = this.answer(op, input, context.region);
    if (error) throw error;
    return output;
  }

  private takeFault(call: S3Call): S3Fault | undefined {
    return takeFault(this.faults as Map<string, S3Fault[]>, call);
  }

  private bucket(name: string, op: S3Op, region: string | undefined): S3BucketState {
    const b = this.buckets.get(name);
    if (!b) throw new S3Error('NoSuchBucket', undefined, undefined, name);
    if (this.enforceRegion && region && region !== b.region && op !== 'GetBucketLocation') {
      throw new S3Error('PermanentRedirect', undefined, undefined, name, { 'x-amz-bucket-region': b.region });
    }
    return b;
  }

  private answer<O extends S3Op>(op: O, input: S3Input, region: string | undefined): S3Output<O> {
    const b = this.bucket(input.Bucket, op, region);
    const answers: { [K in S3Op]: () => S3Output<K> } = {
      GetPublicAccessBlock: () => {
        if (!b.publicAccessBlock) throw new S3Error('NoSuchPublicAccessBlockConfiguration', undefined, undefined, b.name);
        return { PublicAccessBlockConfiguration: { ...b.publicAccessBlock } };
      },
      PutPublicAccessBlock: () => {
        const c = input.PublicAccessBlockConfiguration;
        if (!c) throw new S3Error('MalformedXML', undefined, undefined, b.name);
        b.publicAccessBlock = {
          BlockPublicAcls: c.BlockPublicAcls ?? false,
          IgnorePublicAcls: c.IgnorePublicAcls ?? false,
          BlockPublicPolicy: c.BlockPublicPolicy ?? false,
          RestrictPublicBuckets: c.RestrictPublicBuckets ?? false,
        };
        return {};
      },
      DeletePublicAccessBlock: () => {
        delete b.publicAccessBlock;
        return {};
      },
      GetBucketPolicyStatus: () => {
        if (b.policyPublic === undefined) throw new S3Error('NoSuchBucketPolicy', undefined, undefined, b.name);
        return { PolicyStatus: { IsPublic: b.policyPublic } };
      },
      GetBucketWebsite: () => {
        const w = b.website;
        if (!w) throw new S3Error('NoSuchWebsiteConfiguration', undefined, undefined, b.name);
        return {
          ...(w.RedirectAllRequestsTo ? { RedirectAllRequestsTo: { ...w.RedirectAllRequestsTo } } : {}),
          ...(w.IndexDocument ? { IndexDocument: { Suffix: w.IndexDocument } } : {}),
          ...(w.ErrorDocument ? { ErrorDocument: { Key: w.ErrorDocument } } : {}),
        };
      },
      // S3 answers an empty LocationConstraint for us-east-1.
      GetBucketLocation: () => (b.region === 'us-east-1' ? {} : { LocationConstraint: b.region as never }),
    };
    return (answers[op] as () => S3Output<O>)();
  }
}
