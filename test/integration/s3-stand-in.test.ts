import {
  DeletePublicAccessBlockCommand,
  GetBucketLocationCommand,
  GetBucketPolicyStatusCommand,
  GetBucketWebsiteCommand,
  GetPublicAccessBlockCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { S3HttpStandIn, type S3WireCall } from '../../support/fakes/s3/http';
import type { PublicAccessBlock } from '../../support/fakes/s3/model';

/*
 * The S3 stand-in driven only through the real S3Client (REST-XML over HTTP, path-style, SigV4, flexible
 * checksums, the SDK's own retry middleware): what it answers is what the SDK deserializes, so these tests pin
 * the wire shapes the bucket playbook will rely on. The retry strategy is the SDK's standard one with a short
 * backoff so retries take milliseconds.
 */

const MAX_ATTEMPTS = 3;
const BACKOFF_MS = 10;
const BUCKET = 'exposed-bucket';
const ALL_ON: PublicAccessBlock = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };

let stand: S3HttpStandIn;
const clients: S3Client[] = [];

/** A fresh client per call site: the SDK's retry quota lives in the strategy instance. */
function s3(extra: Partial<ConstructorParameters<typeof S3Client>[0]> = {}): S3Client {
  const client = new S3Client({
    region: 'us-east-1',
    endpoint: stand.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'AKIDSTANDIN', secretAccessKey: 'stand-in-secret' },
    maxAttempts: MAX_ATTEMPTS,
    retryStrategy: new ConfiguredRetryStrategy(MAX_ATTEMPTS, (attempt) => BACKOFF_MS * attempt),
    ...extra,
  });
  clients.push(client);
  return client;
}

/** The error a send rejects with (fails the test if it resolves). */
async function rejection(p: Promise<unknown>): Promise<S3ServiceException> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(S3ServiceException);
    return err as S3ServiceException;
  }
  throw new Error('expected the call to fail');
}

function summary(calls: S3WireCall[]): string[] {
  return calls.map((c) => `${c.method} /${c.bucket} ${c.op} → ${c.status}${c.errorCode ? ` ${c.errorCode}` : ''}`);
}

beforeAll(async () => {
  stand = await new S3HttpStandIn().start();
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await stand.close();
});

beforeEach(() => {
  stand.reset();
});

describe('Block Public Access', () => {
  it('answers NoSuchPublicAccessBlockConfiguration, then stores, reads back and deletes a configuration', async () => {
    stand.seedBucket(BUCKET);
    const client = s3();

    const none = await rejection(client.send(new GetPublicAccessBlockCommand({ Bucket: BUCKET })));
    expect(none.name).toBe('NoSuchPublicAccessBlockConfiguration');
    expect(none.$metadata.httpStatusCode).toBe(404);
    expect((none as S3ServiceException & { BucketName?: string }).BucketName).toBe(BUCKET);

    const put = await client.send(new PutPublicAccessBlockCommand({ Bucket: BUCKET, PublicAccessBlockConfiguration: { ...ALL_ON } }));
    expect(put.$metadata.httpStatusCode).toBe(200);
    expect(stand.state(BUCKET)?.publicAccessBlock).toEqual(ALL_ON);

    const got = await client.send(new GetPublicAccessBlockCommand({ Bucket: BUCKET }));
    expect(got.PublicAccessBlockConfiguration).toEqual(ALL_ON);

    const del = await client.send(new DeletePublicAccessBlockCommand({ Bucket: BUCKET }));
    expect(del.$metadata.httpStatusCode).toBe(204);
    expect(stand.state(BUCKET)?.publicAccessBlock).toBeUndefined();

    const again = await rejection(client.send(new GetPublicAccessBlockCommand({ Bucket: BUCKET })));
    expect(again.name).toBe('NoSuchPublicAccessBlockConfiguration');

    expect(summary(stand.calls)).toEqual([
      `GET /${BUCKET} GetPublicAccessBlock → 404 NoSuchPublicAccessBlockConfiguration`,
      `PUT /${BUCKET} PutPublicAccessBlock → 200`,
      `GET /${BUCKET} GetPublicAccessBlock → 200`,
      `DELETE /${BUCKET} DeletePublicAccessBlock → 204`,
      `GET /${BUCKET} GetPublicAccessBlock → 404 NoSuchPublicAccessBlockConfiguration`,
    ]);
    expect(stand.writes().map((c) => c.op)).toEqual(['PutPublicAccessBlock', 'DeletePublicAccessBlock']);
    // The client signs for its region and sends an integrity header on the PUT (the operation requires one).
    expect(stand.calls.every((c) => c.region === 'us-east-1')).toBe(true);
    expect(stand.writes()[0]?.checksumHeaders.length).toBeGreaterThan(0);
  });

  it('reads a seeded configuration switch by switch and stores the switches a put leaves out as false', async () => {
    stand.seedBucket(BUCKET, { publicAccessBlock: { ...ALL_ON, RestrictPublicBuckets: false, IgnorePublicAcls: false } });
    const client = s3();

    const got = await client.send(new GetPublicAccessBlockCommand({ Bucket: BUCKET }));
    expect(got.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: false,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: false,
    });

    await client.send(new PutPublicAccessBlockCommand({ Bucket: BUCKET, PublicAccessBlockConfiguration: { RestrictPublicBuckets: true } }));
    expect(stand.state(BUCKET)?.publicAccessBlock).toEqual({
      BlockPublicAcls: false,
      IgnorePublicAcls: false,
      BlockPublicPolicy: false,
      RestrictPublicBuckets: true,
    });
  });

  it('rejects a PUT whose body no longer matches its checksum with BadDigest and leaves the bucket alone', async () => {
    stand.seedBucket(BUCKET);
    const client = s3();
    // After the checksum middleware has run, flip one switch in the body: the stand-in must notice.
    client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { body?: unknown };
        if (typeof request.body === 'string') request.body = request.body.replace('<BlockPublicAcls>true', '<BlockPublicAcls>fals');
        return next(args);
      },
      { step: 'finalizeRequest', name: 'tamperBody', priority: 'low' },
    );

    const err = await rejection(
      client.send(new PutPublicAccessBlockCommand({ Bucket: BUCKET, PublicAccessBlockConfiguration: { ...ALL_ON } })),
    );
    expect(err.name).toBe('BadDigest');
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(stand.state(BUCKET)?.publicAccessBlock).toBeUndefined();
  });
});

describe('policy status, website and location', () => {
  it('tells a public policy from a private one from none', async () => {
    stand.seedBucket('public-policy', { policyPublic: true }).seedBucket('private-policy', { policyPublic: false }).seedBucket('no-policy');
    const client = s3();

    const pub = await client.send(new GetBucketPolicyStatusCommand({ Bucket: 'public-policy' }));
    expect(pub.PolicyStatus).toEqual({ IsPublic: true });
    const priv = await client.send(new GetBucketPolicyStatusCommand({ Bucket: 'private-policy' }));
    expect(priv.PolicyStatus).toEqual({ IsPublic: false });
    const none = await rejection(client.send(new GetBucketPolicyStatusCommand({ Bucket: 'no-policy' })));
    expect(none.name).toBe('NoSuchBucketPolicy');
    expect(none.$metadata.httpStatusCode).toBe(404);
  });

  it('returns the website configuration when there is one and NoSuchWebsiteConfiguration when not', async () => {
    stand
      .seedBucket('site', { website: true })
      .seedBucket('redirect', { website: { RedirectAllRequestsTo: { HostName: 'example.com', Protocol: 'https' } } })
      .seedBucket('plain');
    const client = s3();

    const site = await client.send(new GetBucketWebsiteCommand({ Bucket: 'site' }));
    expect(site.IndexDocument).toEqual({ Suffix: 'index.html' });
    expect(site.ErrorDocument).toEqual({ Key: 'error.html' });
    const redirect = await client.send(new GetBucketWebsiteCommand({ Bucket: 'redirect' }));
    expect(redirect.RedirectAllRequestsTo).toEqual({ HostName: 'example.com', Protocol: 'https' });
    expect(redirect.IndexDocument).toBeUndefined();
    const plain = await rejection(client.send(new GetBucketWebsiteCommand({ Bucket: 'plain' })));
    expect(plain.name).toBe('NoSuchWebsiteConfiguration');
    expect(plain.$metadata.httpStatusCode).toBe(404);
  });

  it("answers the bucket's region, empty for us-east-1 as S3 does", async () => {
    stand.seedBucket('dublin', { region: 'eu-west-1' }).seedBucket('virginia');
    const client = s3();

    expect((await client.send(new GetBucketLocationCommand({ Bucket: 'dublin' }))).LocationConstraint).toBe('eu-west-1');
    expect((await client.send(new GetBucketLocationCommand({ Bucket: 'virginia' }))).LocationConstraint).toBeFalsy();
  });

  it('records the region a request was signed for', async () => {
    stand.seedBucket(BUCKET);
    await s3({ region: 'ap-southeast-2' })
      .send(new GetBucketPolicyStatusCommand({ Bucket: BUCKET }))
      .catch(() => undefined);
    expect(stand.calls.map((c) => c.region)).toEqual(['ap-southeast-2']);
  });
});

describe('errors and retries', () => {
  it('answers NoSuchBucket (404, not retried) for a bucket that does not exist, reads and writes alike', async () => {
    stand.seedBucket(BUCKET);
    const client = s3();

    for (const send of [
      () => client.send(new GetPublicAccessBlockCommand({ Bucket: 'nope' })),
      () => client.send(new PutPublicAccessBlockCommand({ Bucket: 'nope', PublicAccessBlockConfiguration: { ...ALL_ON } })),
      () => client.send(new GetBucketPolicyStatusCommand({ Bucket: 'nope' })),
      () => client.send(new GetBucketWebsiteCommand({ Bucket: 'nope' })),
    ]) {
      const err = await rejection(send());
      expect(err.name).toBe('NoSuchBucket');
      expect(err.$metadata.httpStatusCode).toBe(404);
    }
    expect(stand.calls).toHaveLength(4);
    expect(stand.state('nope')).toBeUndefined();
  });

  it('retries SlowDown: the stand-in counts two requests of one invocation, the second succeeds', async () => {
    stand.seedBucket(BUCKET, { publicAccessBlock: ALL_ON });
    stand.fail('GetPublicAccessBlock', { code: 'SlowDown', times: 1 });

    const got = await s3().send(new GetPublicAccessBlockCommand({ Bucket: BUCKET }));

    expect(got.PublicAccessBlockConfiguration).toEqual(ALL_ON);
    expect(got.$metadata.attempts).toBe(2);
    const calls = stand.callsTo('GetPublicAccessBlock');
    expect(summary(calls)).toEqual([`GET /${BUCKET} GetPublicAccessBlock → 503 SlowDown`, `GET /${BUCKET} GetPublicAccessBlock → 200`]);
    expect(calls.map((c) => c.attempt)).toEqual([1, 2]);
    expect(calls.every((c) => c.maxAttempts === MAX_ATTEMPTS)).toBe(true);
    expect(new Set(calls.map((c) => c.invocationId)).size).toBe(1);
    expect(calls[0]?.invocationId).toEqual(expect.any(String));
    expect((calls[1]?.at ?? 0) - (calls[0]?.at ?? 0)).toBeGreaterThanOrEqual(BACKOFF_MS - 2);
  });

  it('gives up on SlowDown after the attempt limit and surfaces it', async () => {
    stand.seedBucket(BUCKET);
    stand.fail('GetBucketPolicyStatus', { code: 'SlowDown' });

    const err = await rejection(s3().send(new GetBucketPolicyStatusCommand({ Bucket: BUCKET })));
    expect(err.name).toBe('SlowDown');
    expect(err.$metadata.httpStatusCode).toBe(503);
    expect(err.$metadata.attempts).toBe(MAX_ATTEMPTS);
    expect(stand.callsTo('GetBucketPolicyStatus').map((c) => c.attempt)).toEqual([1, 2, 3]);
  });

  it('surfaces AccessDenied (403) at once, without retrying or changing the bucket', async () => {
    stand.seedBucket(BUCKET);
    stand.fail('PutPublicAccessBlock', { code: 'AccessDenied' });

    const err = await rejection(
      s3().send(new PutPublicAccessBlockCommand({ Bucket: BUCKET, PublicAccessBlockConfiguration: { ...ALL_ON } })),
    );
    expect(err.name).toBe('AccessDenied');
    expect(err.$metadata.httpStatusCode).toBe(403);
    expect(stand.writes()).toHaveLength(1);
    expect(stand.state(BUCKET)?.publicAccessBlock).toBeUndefined();
  });

  it('a write S3 applied but answered with InternalError is retried; the repeat is harmless', async () => {
    stand.seedBucket(BUCKET);
    stand.fail('PutPublicAccessBlock', { code: 'InternalError', times: 1, afterApply: true });

    const put = await s3().send(new PutPublicAccessBlockCommand({ Bucket: BUCKET, PublicAccessBlockConfiguration: { ...ALL_ON } }));
    expect(put.$metadata.attempts).toBe(2);
    expect(summary(stand.writes())).toEqual([
      `PUT /${BUCKET} PutPublicAccessBlock → 500 InternalError`,
      `PUT /${BUCKET} PutPublicAccessBlock → 200`,
    ]);
    expect(stand.state(BUCKET)?.publicAccessBlock).toEqual(ALL_ON);
  });

  it('faults only the calls `when` picks', async () => {
    stand.seedBucket('a', { policyPublic: true }).seedBucket('b', { policyPublic: true });
    stand.fail('GetBucketPolicyStatus', { code: 'AccessDenied', when: (c) => c.bucket === 'b' });
    const client = s3();

    expect((await client.send(new GetBucketPolicyStatusCommand({ Bucket: 'a' }))).PolicyStatus?.IsPublic).toBe(true);
    expect((await rejection(client.send(new GetBucketPolicyStatusCommand({ Bucket: 'b' })))).name).toBe('AccessDenied');
  });

  it('with enforceRegion, answers a request signed for the wrong region with PermanentRedirect (301)', async () => {
    const strict = await new S3HttpStandIn({ enforceRegion: true }).start();
    try {
      strict.seedBucket('dublin', { region: 'eu-west-1', policyPublic: false });
      const client = (region: string) => s3({ region, endpoint: strict.endpoint });

      const err = await rejection(client('us-east-1').send(new GetBucketPolicyStatusCommand({ Bucket: 'dublin' })));
      expect(err.name).toBe('PermanentRedirect');
      expect(err.$metadata.httpStatusCode).toBe(301);
      // GetBucketLocation answers from any region; the right region gets the answer.
      expect((await client('us-east-1').send(new GetBucketLocationCommand({ Bucket: 'dublin' }))).LocationConstraint).toBe('eu-west-1');
      expect((await client('eu-west-1').send(new GetBucketPolicyStatusCommand({ Bucket: 'dublin' }))).PolicyStatus?.IsPublic).toBe(false);
    } finally {
      await strict.close();
    }
  });
});
