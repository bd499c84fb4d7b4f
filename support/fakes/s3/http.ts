import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { crc32 } from 'node:zlib';
import type { PublicAccessBlockConfiguration } from '@aws-sdk/client-s3';
import { LoopbackServer, readBody } from '../loopback-server';
import { S3Error } from './errors';
import { S3Model, type S3BucketState, type S3Fault, type S3Input, type S3ModelOptions, type S3Op, type SeedBucketOptions } from './model';

/*
 * The S3 model over HTTP (REST-XML, path-style), for the real AWS SDK v3 S3Client pointed at it with
 * `endpoint: <endpoint>, forcePathStyle: true`. Nothing in the client is mocked: its serializer, checksum
 * middleware, signer, retry middleware and XML deserializer all run, so SDK retries (SlowDown 503, 5xx) really
 * happen and are counted here, one request each. Bucket subresources are query keys (`/<bucket>?publicAccessBlock`);
 * errors are S3's `<Error><Code>…</Code><Message>…</Message><BucketName>…</BucketName><RequestId>…</RequestId></Error>`
 * with S3's status. A `Content-MD5` or `x-amz-checksum-{crc32,sha1,sha256}` header on a PUT is checked against the
 * body (BadDigest 400 on mismatch); other checksum algorithms are accepted unchecked. The region of a request is read
 * from the SigV4 credential scope.
 *
 * `calls` here are requests (with their attempt headers and the status answered); the model keeps its own log of
 * the operations that reached it.
 */

export const XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

export interface S3WireCall {
  /** The operation the method and subresource name, or `<METHOD> ?<keys>` for a request the stand-in does not serve. */
  op: string;
  /** First path segment (path-style addressing); '' for `/`. */
  bucket: string;
  method: string;
  /** The query as sent, e.g. `{ publicAccessBlock: '' }`. */
  query: Record<string, string>;
  /** From the SigV4 credential scope; undefined for an unsigned request. */
  region?: string;
  /** From the SDK's `amz-sdk-request: attempt=2; max=3` header: which attempt of one invocation this is. */
  attempt?: number;
  maxAttempts?: number;
  /** From `amz-sdk-invocation-id`: the same for every retry of one `send`. */
  invocationId?: string;
  /** Names of the integrity headers sent (`content-md5`, `x-amz-checksum-crc32`, …), lower case. */
  checksumHeaders: string[];
  /** The request body as sent ('' when none). */
  body: string;
  /** Epoch ms when the request arrived. */
  at: number;
  /** What the stand-in answered. */
  status: number;
  errorCode?: string;
}

/** Method and subresource query key → operation. */
const ROUTES: Record<string, S3Op> = {
  'GET publicAccessBlock': 'GetPublicAccessBlock',
  'PUT publicAccessBlock': 'PutPublicAccessBlock',
  'DELETE publicAccessBlock': 'DeletePublicAccessBlock',
  'GET policyStatus': 'GetBucketPolicyStatus',
  'GET website': 'GetBucketWebsite',
  'GET location': 'GetBucketLocation',
};

const PAB_FIELDS = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const;

/** `Credential=AKID/20240101/us-east-1/s3/aws4_request` → us-east-1. */
function regionOf(req: IncomingMessage): string | undefined {
  return /Credential=[^/,\s]+\/\d{8}\/([^/]+)\/s3\//.exec(req.headers.authorization ?? '')?.[1];
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** `<PublicAccessBlockConfiguration xmlns="…"><BlockPublicAcls>true</BlockPublicAcls>…</…>` → SDK shape; MalformedXML otherwise. */
export function parsePublicAccessBlock(xml: string, bucket: string): PublicAccessBlockConfiguration {
  const malformed = () => new S3Error('MalformedXML', undefined, undefined, bucket);
  const body = xml.replace(/^\s*<\?xml[^>]*\?>/, '').trim();
  const root = /^<PublicAccessBlockConfiguration(?:\s+xmlns="[^"]*")?\s*>([\s\S]*)<\/PublicAccessBlockConfiguration>$/.exec(body);
  if (!root) throw malformed();
  const out: PublicAccessBlockConfiguration = {};
  let rest = root[1] ?? '';
  const element = /^\s*<([A-Za-z]+)>\s*(true|false)\s*<\/\1>/;
  for (let m = element.exec(rest); m; m = element.exec(rest)) {
    const name = m[1] as (typeof PAB_FIELDS)[number];
    if (!PAB_FIELDS.includes(name) || name in out) throw malformed();
    out[name] = m[2] === 'true';
    rest = rest.slice(m[0].length);
  }
  if (rest.trim() !== '') throw malformed();
  return out;
}

/** Checks the integrity headers S3 checks; throws BadDigest (or InvalidDigest for one that does not decode). */
function checkDigests(req: IncomingMessage, body: Buffer, bucket: string): void {
  const expect = (sent: string | undefined, actual: () => Buffer) => {
    if (sent === undefined) return;
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(sent))
      throw new S3Error('InvalidDigest', 'The Content-MD5 or checksum value you specified was invalid.', 400, bucket);
    if (Buffer.from(sent, 'base64').compare(actual()) !== 0) throw new S3Error('BadDigest', undefined, undefined, bucket);
  };
  expect(header(req, 'content-md5'), () => createHash('md5').update(body).digest());
  expect(header(req, 'x-amz-checksum-sha1'), () => createHash('sha1').update(body).digest());
  expect(header(req, 'x-amz-checksum-sha256'), () => createHash('sha256').update(body).digest());
  expect(header(req, 'x-amz-checksum-crc32'), () => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(crc32(body) >>> 0);
    return b;
  });
}

function toXml(op: S3Op, output: Record<string, unknown>): string {
  const el = (name: string, value: unknown) => `<${name}>${escapeXml(String(value))}</${name}>`;
  switch (op) {
    case 'GetPublicAccessBlock': {
      const c = (output.PublicAccessBlockConfiguration ?? {}) as Record<string, boolean>;
      return `<PublicAccessBlockConfiguration xmlns="${XMLNS}">${PAB_FIELDS.map((f) => el(f, c[f] ?? false)).join('')}</PublicAccessBlockConfiguration>`;
    }
    case 'GetBucketPolicyStatus': {
      const s = (output.PolicyStatus ?? {}) as { IsPublic?: boolean };
      return `<PolicyStatus xmlns="${XMLNS}">${el('IsPublic', s.IsPublic ?? false)}</PolicyStatus>`;
    }
    case 'GetBucketWebsite': {
      const w = output as {
        RedirectAllRequestsTo?: { HostName?: string; Protocol?: string };
        IndexDocument?: { Suffix?: string };
        ErrorDocument?: { Key?: string };
      };
      const redirect = w.RedirectAllRequestsTo
        ? `<RedirectAllRequestsTo>${el('HostName', w.RedirectAllRequestsTo.HostName ?? '')}${
            w.RedirectAllRequestsTo.Protocol ? el('Protocol', w.RedirectAllRequestsTo.Protocol) : ''
          }</RedirectAllRequestsTo>`
        : '';
      const index = w.IndexDocument ? `<IndexDocument>${el('Suffix', w.IndexDocument.Suffix ?? '')}</IndexDocument>` : '';
      const error = w.ErrorDocument ? `<ErrorDocument>${el('Key', w.ErrorDocument.Key ?? '')}</ErrorDocument>` : '';
      return `<WebsiteConfiguration xmlns="${XMLNS}">${redirect}${index}${error}</WebsiteConfiguration>`;
    }
    case 'GetBucketLocation': {
      const lc = output.LocationConstraint as string | undefined;
      return lc ? `<LocationConstraint xmlns="${XMLNS}">${escapeXml(lc)}</LocationConstraint>` : `<LocationConstraint xmlns="${XMLNS}"/>`;
    }
    default:
      return '';
  }
}

export class S3HttpStandIn {
  /** Every request, in arrival order, including faulted and unknown ones. */
  readonly calls: S3WireCall[] = [];
  readonly model: S3Model;
  private readonly server = new LoopbackServer((req, res) => this.handle(req, res));

  constructor(model: S3Model | S3ModelOptions = new S3Model()) {
    this.model = model instanceof S3Model ? model : new S3Model(model);
  }

  /** For the S3Client's `endpoint` (with `forcePathStyle: true`). */
  get endpoint(): string {
    return this.server.endpoint;
  }

  async start(): Promise<this> {
    await this.server.start();
    return this;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  /** Adds (or replaces) a bucket; see {@link SeedBucketOptions}. */
  seedBucket(name: string, options: SeedBucketOptions = {}): this {
    this.model.seedBucket(name, options);
    return this;
  }

  /** Forgets buckets, requests and faults. */
  reset(): this {
    this.model.reset();
    this.calls.length = 0;
    return this;
  }

  /** A copy of the bucket as it is now (undefined: no such bucket): assert on it after the SDK calls. */
  state(bucket: string): S3BucketState | undefined {
    return this.model.state(bucket);
  }

  /** Queues a fault for `op` in the model: faults of one operation are used in the order queued. */
  fail(op: S3Op, fault: S3Fault): this {
    this.model.fail(op, fault);
    return this;
  }

  clearFaults(): void {
    this.model.clearFaults();
  }

  callsTo(op: S3Op, bucket?: string): S3WireCall[] {
    return this.calls.filter((c) => c.op === op && (bucket === undefined || c.bucket === bucket));
  }

  /** Put and Delete PublicAccessBlock requests, retries and faulted ones included. */
  writes(): S3WireCall[] {
    return this.calls.filter((c) => c.op === 'PutPublicAccessBlock' || c.op === 'DeletePublicAccessBlock');
  }

  resetCalls(): void {
    this.calls.length = 0;
    this.model.resetCalls();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = `STANDIN${String(this.calls.length + 1).padStart(9, '0')}`;
    const hostId = Buffer.from(`s3-stand-in-${requestId}`).toString('base64');
    const reply = (status: number, xml: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, {
        'x-amz-request-id': requestId,
        'x-amz-id-2': hostId,
        ...(xml ? { 'content-type': 'application/xml' } : {}),
        ...headers,
      });
      res.end(xml ? `<?xml version="1.0" encoding="UTF-8"?>\n${xml}` : undefined);
    };
    let call: S3WireCall | undefined;
    let bucket = '';
    try {
      const raw = Buffer.from(await readBody(req), 'utf8');
      const url = new URL(req.url ?? '/', 'http://stand-in');
      bucket = decodeURIComponent(url.pathname.split('/')[1] ?? '');
      const query = Object.fromEntries(url.searchParams);
      const method = req.method ?? 'GET';
      const route = Object.keys(query)
        .map((k) => ROUTES[`${method} ${k}`])
        .find((r) => r !== undefined);
      const op = route ?? `${method} ?${Object.keys(query).join('&')}`;
      const attemptHeader = /attempt=(\d+); max=(\d+)/.exec(header(req, 'amz-sdk-request') ?? '');
      const invocationId = header(req, 'amz-sdk-invocation-id');
      const region = regionOf(req);
      call = {
        op,
        bucket,
        method,
        query,
        ...(region ? { region } : {}),
        ...(attemptHeader ? { attempt: Number(attemptHeader[1]), maxAttempts: Number(attemptHeader[2]) } : {}),
        ...(invocationId ? { invocationId } : {}),
        checksumHeaders: Object.keys(req.headers).filter((h) => h === 'content-md5' || h.startsWith('x-amz-checksum-')),
        body: raw.toString('utf8'),
        at: Date.now(),
        status: 0,
      };
      this.calls.push(call);
      if (!route)
        throw new S3Error('NotImplemented', `The stand-in does not implement ${method} ${req.url ?? ''}`, 501, bucket || undefined);
      if (!(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 '))
        throw new S3Error('AccessDenied', undefined, undefined, bucket);
      if (!bucket) throw new S3Error('InvalidRequest', 'Path-style requests need the bucket as the first path segment', 400);

      const input: S3Input = { Bucket: bucket };
      if (route === 'PutPublicAccessBlock') {
        checkDigests(req, raw, bucket);
        input.PublicAccessBlockConfiguration = parsePublicAccessBlock(call.body, bucket);
      }
      const output = await this.model.call(route, input, region ? { region } : {});

      const status = route === 'DeletePublicAccessBlock' ? 204 : 200;
      call.status = status;
      reply(status, toXml(route, output));
    } catch (err) {
      const e = err instanceof S3Error ? err : new S3Error('InternalError', err instanceof Error ? err.message : String(err), 500);
      if (call) {
        call.status = e.status;
        call.errorCode = e.code;
      }
      const name = e.bucketName ?? (bucket || undefined);
      reply(
        e.status,
        `<Error><Code>${escapeXml(e.code)}</Code><Message>${escapeXml(e.message)}</Message>${
          name ? `<BucketName>${escapeXml(name)}</BucketName>` : ''
        }<RequestId>${requestId}</RequestId><HostId>${hostId}</HostId></Error>`,
        e.headers,
      );
    }
  }
}
