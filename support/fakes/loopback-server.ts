import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** An HTTP server on an ephemeral 127.0.0.1 port: what the HTTP transports of the fakes listen with. */
export class LoopbackServer {
  private server?: Server;
  private port = 0;

  constructor(private readonly handler: RequestHandler) {}

  /** For an SDK client's `endpoint` (or AWS_ENDPOINT_URL_<SERVICE>). */
  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handler(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** A request in AWS's Query protocol (EC2, IAM): its action, its parameters and the SDK's attempt headers. */
export interface QueryRequest {
  action: string;
  version?: string;
  /** Every form parameter but `Action` and `Version`. */
  params: Record<string, string>;
  /** From `amz-sdk-request: attempt=N; max=M`, when the SDK sent it. */
  retry?: { attempt: number; maxAttempts: number };
  invocationId?: string;
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Reads a Query-protocol request; anything but `POST /` is refused with `unsupported` (the service's own error). */
export async function readQueryRequest(req: IncomingMessage, unsupported: (what: string) => Error): Promise<QueryRequest> {
  const raw = await readBody(req);
  if (req.method !== 'POST' || (req.url ?? '/').split('?')[0] !== '/') throw unsupported(`${req.method ?? ''} ${req.url ?? ''}`);
  const form = new URLSearchParams(raw);
  const params: Record<string, string> = {};
  for (const [k, v] of form) if (k !== 'Action' && k !== 'Version') params[k] = v;
  const attempt = /attempt=(\d+); max=(\d+)/.exec(header(req, 'amz-sdk-request') ?? '');
  const invocationId = header(req, 'amz-sdk-invocation-id');
  return {
    action: form.get('Action') ?? '',
    ...(form.get('Version') !== null ? { version: form.get('Version') as string } : {}),
    params,
    ...(attempt ? { retry: { attempt: Number(attempt[1]), maxAttempts: Number(attempt[2]) } } : {}),
    ...(invocationId ? { invocationId } : {}),
  };
}
