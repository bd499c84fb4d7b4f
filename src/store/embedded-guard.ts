import { createHash, createHmac, timingSafeEqual, type Hash, type Hmac } from 'node:crypto';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { SignatureV4 } from '@smithy/signature-v4';
import type { EmbeddedCredentials } from './embedded';

/**
 * The embedded store's door: a request reaches dynalite only without an Origin header (no web page) and signed
 * (SigV4, verified) with this process's random key.
 */
/** dynalite's own limit (it answers 413 above it). */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=(?<credential>[^,\s]+), ?SignedHeaders=(?<signedHeaders>[a-z0-9-;]+), ?Signature=(?<signature>[0-9a-f]{64})$/;
const AMZ_DATE = /^(?<y>\d{4})(?<mo>\d{2})(?<d>\d{2})T(?<h>\d{2})(?<mi>\d{2})(?<s>\d{2})Z$/;
const SCOPE_PART = /^[a-z0-9-]{1,64}$/;

/** Puts a check in front of dynalite's request listener: nothing reaches dynalite unless it passes. */
export function guard(server: Server, credentials: Readonly<EmbeddedCredentials>): void {
  const listeners = server.listeners('request');
  if (listeners.length !== 1) throw new Error(`dynalite registered ${listeners.length} request listeners, expected 1`);
  const dynaliteListener = listeners[0] as RequestListener;
  server.removeAllListeners('request');
  const verifier = new SignatureVerifier(credentials);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    admit(req, res, verifier).then(
      (body) => {
        if (body !== undefined) dynaliteListener(replay(req, body), res);
      },
      () => refuse(res, 500, 'com.amazon.coral.service#InternalFailure', 'The embedded store failed to check the request.'),
    );
  });
}

/** The request's body when it may reach dynalite; otherwise answers it and resolves to undefined. */
async function admit(req: IncomingMessage, res: ServerResponse, verifier: SignatureVerifier): Promise<Buffer | undefined> {
  // Browsers send Origin with every cross-origin request and every POST: no browser gets an answer it could use.
  if (req.headers.origin !== undefined) {
    refuse(res, 403, 'com.amazon.coral.service#AccessDeniedException', 'The embedded store does not answer browsers.');
    return undefined;
  }
  // The key ID first, so that a stranger's request is refused before its body is read.
  const auth = verifier.parse(req);
  if (auth === undefined) {
    refuse(res, 403, UNRECOGNIZED, 'The embedded store answers only its own bot process: the request is not signed with its key.');
    return undefined;
  }
  const body = await readBody(req);
  if (body === undefined) {
    res.once('finish', () => req.destroy());
    refuse(res, 413, 'com.amazon.coral.service#RequestEntityTooLarge', `The request body is over ${MAX_BODY_BYTES} bytes.`);
    return undefined;
  }
  if (!(await verifier.verify(req, auth, body))) {
    refuse(res, 403, UNRECOGNIZED, 'The embedded store answers only its own bot process: the request signature does not match its key.');
    return undefined;
  }
  return body;
}

const UNRECOGNIZED = 'com.amazon.coral.service#UnrecognizedClientException';

/** A DynamoDB-style JSON error, so that the SDK names it; no CORS header, and the connection is closed. */
function refuse(res: ServerResponse, status: number, type: string, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ __type: type, message });
  res.writeHead(status, {
    'Content-Type': 'application/x-amz-json-1.0',
    'Content-Length': Buffer.byteLength(body),
    Connection: 'close',
  });
  res.end(body);
}

/** The whole body, or undefined when it is over the limit (the socket is then closed after the answer). */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > MAX_BODY_BYTES) {
      req.resume();
      resolve(undefined);
      return;
    }
    const chunks: Buffer[] = [];
    let length = 0;
    const onData = (chunk: Buffer): void => {
      length += chunk.length;
      if (length > MAX_BODY_BYTES) {
        req.off('data', onData);
        req.resume();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length)));
    req.once('error', reject);
    // A client gone before the end (a settled promise ignores the 'close' that follows a normal end).
    req.once('close', () => reject(new Error('the request was closed before its end')));
  });
}

/** A stand-in for the consumed request that streams the same body to dynalite's listener. */
function replay(req: IncomingMessage, body: Buffer): IncomingMessage {
  const stream = Readable.from(body.length > 0 ? [body] : []);
  // dynalite reads only these, and the body through 'data' and 'end'.
  return Object.assign(stream, { headers: req.headers, method: req.method, url: req.url }) as unknown as IncomingMessage;
}

interface ParsedAuthorization {
  signedHeaders: string[];
  signature: string;
  signingDate: Date;
  region: string;
  service: string;
}

/**
 * SigV4 check by re-signing: the received method, path, query, signed headers and body are signed again with
 * the process's secret (by the SDK's own signer, so canonicalisation is the client's) and the signatures compared
 * in constant time. The body is bound either by a signed `x-amz-content-sha256`, checked against the body read, or
 * by the signer hashing the body itself. No clock window: the secret never leaves the process, so the only way to hold a
 * valid signature is to be this process or to read its loopback traffic.
 */
class SignatureVerifier {
  private readonly signer: SignatureV4;

  constructor(private readonly credentials: Readonly<EmbeddedCredentials>) {
    this.signer = new SignatureV4({
      credentials: { ...credentials },
      region: 'us-east-1',
      service: 'dynamodb',
      sha256: NodeSha256,
      // Sign x-amz-content-sha256 only when the client signed it, as the received SignedHeaders say.
      applyChecksum: false,
    });
  }

  /** The Authorization header's parts if it is SigV4 with this process's key ID and well formed. */
  parse(req: IncomingMessage): ParsedAuthorization | undefined {
    const header = req.headers.authorization;
    const amzDate = req.headers['x-amz-date'];
    if (typeof header !== 'string' || typeof amzDate !== 'string') return undefined;
    const auth = AUTHORIZATION.exec(header)?.groups;
    const date = AMZ_DATE.exec(amzDate)?.groups;
    if (!auth?.credential || !auth.signedHeaders || !auth.signature || !date) return undefined;
    const [keyId = '', shortDate, region = '', service = '', terminator, ...rest] = auth.credential.split('/');
    if (rest.length > 0 || terminator !== 'aws4_request' || !safeEqual(keyId, this.credentials.accessKeyId)) return undefined;
    if (!SCOPE_PART.test(region) || !SCOPE_PART.test(service) || shortDate !== amzDate.slice(0, 8)) return undefined;
    const signingDate = new Date(`${date.y}-${date.mo}-${date.d}T${date.h}:${date.mi}:${date.s}Z`);
    if (Number.isNaN(signingDate.getTime())) return undefined;
    const signedHeaders = auth.signedHeaders.split(';');
    if (!signedHeaders.includes('host') || !signedHeaders.includes('x-amz-date')) return undefined;
    return { signedHeaders, signature: auth.signature, signingDate, region, service };
  }

  async verify(req: IncomingMessage, auth: ParsedAuthorization, body: Buffer): Promise<boolean> {
    const headers: Record<string, string> = {};
    for (const name of auth.signedHeaders) {
      const value = Object.hasOwn(req.headers, name) ? req.headers[name] : undefined;
      if (typeof value === 'string') headers[name] = value;
      else if (Array.isArray(value)) headers[name] = value.join(',');
      else return false;
    }
    const contentSha256 = headers['x-amz-content-sha256'];
    if (contentSha256 !== undefined && contentSha256 !== createHash('sha256').update(body).digest('hex')) return false;
    // The SDK always posts to `/`; anything else is parsed.
    let path = '/';
    const query: Record<string, string | string[]> = {};
    if (req.url !== '/') {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      path = url.pathname;
      for (const key of new Set(url.searchParams.keys())) {
        const values = url.searchParams.getAll(key);
        query[key] = values.length === 1 ? (values[0] ?? '') : values;
      }
    }
    const signed = await this.signer.sign(
      { method: req.method ?? 'GET', protocol: 'http:', hostname: '127.0.0.1', path, query, headers, body },
      { signingDate: auth.signingDate, signingRegion: auth.region, signingService: auth.service },
    );
    const expected = /Signature=([0-9a-f]{64})$/.exec(String(signed.headers.authorization))?.[1];
    return expected !== undefined && safeEqual(expected, auth.signature);
  }
}

/** Constant-time comparison of two strings of any lengths. */
function safeEqual(a: string, b: string): boolean {
  const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

type SourceData = string | ArrayBuffer | ArrayBufferView;

function toBuffer(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

/** SHA-256 and HMAC-SHA256 for the signer, on node:crypto. */
class NodeSha256 {
  private hash: Hash | Hmac;

  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }

  update(data: SourceData): void {
    this.hash.update(toBuffer(data));
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }

  reset(): void {
    this.hash = this.fresh();
  }

  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(this.secret));
  }
}
