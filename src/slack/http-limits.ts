import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import type { ListenOptions } from 'node:net';
import { HTTPReceiver, type App, type BufferedIncomingMessage, type HTTPReceiverOptions, type Receiver } from '@slack/bolt';
import type pino from 'pino';

/**
 * What one unauthenticated client can make the HTTP server hold. Until Bolt has checked the signature a
 * request is anyone's, so its body is capped and read under these limits before Bolt sees it.
 */
export interface HttpLimits {
  /**
   * Largest request body, in bytes. Slack only sends this app interactions on its own messages and modal,
   * and slash commands: the largest is a click on a finding card with ten maximum-length notes of
   * escaping-heavy text, about 200 KB form-encoded (measured in test/integration/http-limits.test.ts).
   * 1 MiB leaves five times that. A body declared larger is refused (413) before a byte of it is read;
   * one that turns out larger (chunked, or a lying client) is refused at the first chunk over the limit.
   */
  bodyBytes: number;
  /**
   * Unverified body bytes held across all requests at once (bodies whose response is not yet sent).
   * Bounds memory whatever the connection count: 32 bodies at the limit, or 160 of the largest real ones.
   * A request that would go over is refused with 503.
   */
  bufferedBytes: number;
  /**
   * Time to receive the request line and headers. Slack sends a whole request at once and gives up on
   * the answer after 3 s, so a request whose headers take 5 s is already lost; a slowloris is cut off here.
   */
  headersTimeoutMs: number;
  /** Time to receive the whole request, body included (Node answers 408 and closes). */
  requestTimeoutMs: number;
  /**
   * Idle time between requests on a kept-alive connection: 65 s, above a load balancer's usual 60 s
   * (ALB's default), so the balancer, not the bot, closes idle connections and never reuses one the bot
   * has just closed (that race shows up as 502s).
   */
  keepAliveTimeoutMs: number;
  /** Open connections; the next one is closed at once. Slack and a balancer use a handful. */
  maxConnections: number;
  /**
   * How often Node checks the two timeouts (its default, 30 s, would let a slowloris live 30 s past
   * headersTimeoutMs). A connection is cut between the timeout and the timeout plus this.
   */
  checkIntervalMs: number;
}

export const HTTP_LIMITS: Readonly<HttpLimits> = Object.freeze({
  bodyBytes: 1024 * 1024,
  bufferedBytes: 32 * 1024 * 1024,
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 65_000,
  maxConnections: 256,
  checkIntervalMs: 1_000,
});

export function httpLimits(overrides: Partial<HttpLimits> = {}): HttpLimits {
  const limits = { ...HTTP_LIMITS, ...overrides };
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) throw new Error('headersTimeoutMs must not exceed requestTimeoutMs');
  if (limits.bufferedBytes < limits.bodyBytes) throw new Error('bufferedBytes must be at least bodyBytes');
  return limits;
}

/** The createServer options that carry the limits (the check interval only takes effect before listening). */
export function serverOptions(limits: HttpLimits): ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: limits.checkIntervalMs,
  };
}

/** Applies the timeouts and the connection cap to a server (before it listens, for the check interval). */
export function applyServerLimits(server: Server, limits: HttpLimits): void {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;
  // Read when the server starts listening (Node ≥ 18); not in @types/node as a writable property.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = limits.checkIntervalMs;
}

function refuse(res: ServerResponse, status: 413 | 503): void {
  if (res.headersSent) return;
  // The rest of the body is never read: close the connection rather than leave it half-read.
  res.writeHead(status, status === 503 ? { connection: 'close', 'retry-after': '1' } : { connection: 'close' });
  res.end();
}

type Next = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * A request listener that reads the body under the limits, then hands the request to `next` with the body
 * attached as `rawBody` (Bolt's HTTPReceiver uses a body it finds there instead of reading the stream, and
 * still verifies its signature). Oversized bodies are refused before `next` sees anything.
 */
export function bodyGuard(limits: HttpLimits, logger: pino.Logger, next: Next): Next {
  let buffered = 0;
  return (req, res) => {
    const declared = req.headers['content-length'];
    const length = declared === undefined ? undefined : Number(declared);
    if (length !== undefined && length > limits.bodyBytes) {
      logger.warn({ declared: length, limit: limits.bodyBytes, path: req.url }, 'request refused: body over the limit');
      refuse(res, 413);
      return;
    }
    if (!length && req.headers['transfer-encoding'] === undefined) {
      next(req, res);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let held = 0;
    const release = () => {
      buffered -= held;
      held = 0;
    };
    const stop = (status: 413 | 503, message: string) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.pause();
      chunks.length = 0;
      release();
      logger.warn({ received: size, limit: status === 413 ? limits.bodyBytes : limits.bufferedBytes, path: req.url }, message);
      refuse(res, status);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.bodyBytes) return stop(413, 'request refused: body over the limit');
      if (buffered + chunk.length > limits.bufferedBytes) return stop(503, 'request refused: too many request bodies in flight');
      buffered += chunk.length;
      held += chunk.length;
      chunks.push(chunk);
    };
    const onEnd = () => {
      req.off('data', onData);
      (req as BufferedIncomingMessage).rawBody = Buffer.concat(chunks, size);
      next(req, res);
    };
    // The bytes count against bufferedBytes until the answer is sent or the client goes away.
    res.once('close', release);
    req.on('data', onData);
    req.once('end', onEnd);
  };
}

/**
 * Bolt's HTTPReceiver (signatures always verified) behind the limits: bodies read by `bodyGuard`,
 * the server created with the timeouts, and the connection cap set before it accepts a connection.
 */
export class LimitedHttpReceiver implements Receiver {
  readonly inner: HTTPReceiver;
  readonly limits: HttpLimits;
  private server?: Server;

  constructor(options: Omit<HTTPReceiverOptions, 'bodyLimit' | 'signatureVerification'>, limits: HttpLimits, logger: pino.Logger) {
    this.limits = limits;
    // Bolt's own limit stays as a second line, should a body ever reach it unread.
    this.inner = new HTTPReceiver({ ...options, signatureVerification: true, bodyLimit: limits.bodyBytes });
    this.inner.requestListener = bodyGuard(limits, logger, this.inner.requestListener);
  }

  init(app: App): void {
    this.inner.init(app);
  }

  /** `app.start(port)` / `app.start(listenOptions, serverOptions)`; the limits win over conflicting server options. */
  async start(portOrListenOptions?: number | string | ListenOptions, options: ServerOptions = {}): Promise<Server> {
    const server = await this.inner.start(portOrListenOptions as number | string | ListenOptions, {
      ...options,
      ...serverOptions(this.limits),
    });
    // Bolt resolves inside the listen callback: no connection has been accepted yet.
    applyServerLimits(server, this.limits);
    this.server = server;
    return server;
  }

  stop(): Promise<void> {
    this.server = undefined;
    return this.inner.stop();
  }

  /** The listening server, for tests and metrics. */
  get httpServer(): Server | undefined {
    return this.server;
  }
}
