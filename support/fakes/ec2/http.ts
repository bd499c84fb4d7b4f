import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackServer, readQueryRequest } from '../loopback-server';
import { Ec2Error } from './errors';
import { EC2_OPERATIONS, EC2_WRITE_OPERATIONS, Ec2Model, type Ec2Fault, type Ec2Op } from './model';
import { VERSION, XMLNS, escapeXml, fromQuery, operationSchemas, toXml } from './query-protocol';
import type { Ec2Fixture } from './resources';
import type { Ec2Rule } from './rules';
import { SEED_GROUP, seedInstances, sshOpenToWorld } from './seed';

/*
 * The EC2 model over HTTP, for the real AWS SDK v3 EC2Client pointed at it with `endpoint: <endpoint>`. Nothing
 * in the client is mocked: its serializer, signer, retry middleware and XML deserializer all run, so SDK retries
 * (throttling, 5xx) really happen and are counted here, one request each. Status codes are EC2's
 * (RequestLimitExceeded 503, InternalError 500, UnauthorizedOperation 403, DryRunOperation 412, other client
 * errors 400). The region of a request is read from the SigV4 credential scope; one stand-in serves every region
 * with one model.
 *
 * `calls` here are requests (with their attempt headers and the status answered); the model keeps its own log
 * of the operations that reached it.
 */

export interface Ec2WireCall {
  /** The `Action` of the form body (any string: unknown actions are recorded too). */
  action: string;
  region: string;
  /** The form body as sent, e.g. `{ 'InstanceId.1': 'i-…', DryRun: 'true' }` (Action and Version left out). */
  params: Record<string, string>;
  /** The same body read back through the operation's input schema: SDK shape (`{ InstanceIds: ['i-…'] }`). */
  input: Record<string, unknown>;
  dryRun: boolean;
  /** From the SDK's `amz-sdk-request: attempt=2; max=3` header: which attempt of one invocation this is. */
  attempt?: number;
  maxAttempts?: number;
  /** From `amz-sdk-invocation-id`: the same for every retry of one `send`. */
  invocationId?: string;
  /** Epoch ms when the request arrived. */
  at: number;
  /** What the stand-in answered. */
  status: number;
  errorCode?: string;
}

/** `Credential=AKID/20240101/us-east-1/ec2/aws4_request` → us-east-1. */
function regionOf(req: IncomingMessage): string {
  const auth = req.headers.authorization ?? '';
  return /Credential=[^/,\s]+\/\d{8}\/([^/]+)\/ec2\//.exec(auth)?.[1] ?? 'us-east-1';
}

function isOperation(action: string): action is Ec2Op {
  return (EC2_OPERATIONS as readonly string[]).includes(action);
}

export class Ec2HttpStandIn {
  /** Every request, in arrival order, including faulted and malformed ones. */
  readonly calls: Ec2WireCall[] = [];
  private readonly server = new LoopbackServer((req, res) => this.handle(req, res));

  constructor(readonly model: Ec2Model = new Ec2Model()) {}

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

  /** Replaces the model (default: {@link sshOpenToWorld} on the seed instance's group) and forgets requests and faults. */
  seed(rules: Ec2Rule[] = sshOpenToWorld(), instances: Record<string, string[]> = seedInstances()): this {
    this.model.seed(rules, instances);
    this.calls.length = 0;
    return this;
  }

  /** Adds groups and instances (with ENIs, volumes, tags) to the model: see {@link Ec2Model.add}. */
  add(fixture: Ec2Fixture): this {
    this.model.add(fixture);
    return this;
  }

  /** Queues a fault for `op` in the model: faults of one operation are used in the order queued. */
  fail(op: Ec2Op, fault: Ec2Fault): this {
    this.model.fail(op, fault);
    return this;
  }

  clearFaults(): void {
    this.model.clearFaults();
  }

  callsTo(op: Ec2Op, opts: { dryRun?: boolean } = {}): Ec2WireCall[] {
    return this.calls.filter((c) => c.action === op && (opts.dryRun === undefined || c.dryRun === opts.dryRun));
  }

  /** Real (not DryRun) Authorize and Revoke requests, retries included. */
  writes(): Ec2WireCall[] {
    return this.calls.filter(
      (c) => !c.dryRun && (c.action === 'AuthorizeSecurityGroupIngress' || c.action === 'RevokeSecurityGroupIngress'),
    );
  }

  state(groupId = SEED_GROUP): string[] {
    return this.model.state(groupId);
  }

  egressState(groupId: string): string[] {
    return this.model.egressState(groupId);
  }

  /** Real (not DryRun) requests of every operation that changes the model, retries included. */
  changes(): Ec2WireCall[] {
    return this.calls.filter((c) => !c.dryRun && (EC2_WRITE_OPERATIONS as readonly string[]).includes(c.action));
  }

  resetCalls(): void {
    this.calls.length = 0;
    this.model.resetCalls();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = `standin-${String(this.calls.length + 1).padStart(6, '0')}`;
    const reply = (status: number, xml: string) => {
      res.writeHead(status, { 'content-type': 'text/xml;charset=UTF-8' });
      res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}`);
    };
    let call: Ec2WireCall | undefined;
    try {
      const q = await readQueryRequest(req, (what) => new Ec2Error('InvalidAction', `The stand-in does not implement ${what}`));
      const { action, params } = q;
      const schemas = isOperation(action) ? operationSchemas(action) : undefined;
      call = {
        action,
        region: regionOf(req),
        params,
        input: schemas ? (fromQuery(params, schemas.input) as Record<string, unknown>) : {},
        dryRun: params.DryRun === 'true',
        ...(q.retry ?? {}),
        ...(q.invocationId ? { invocationId: q.invocationId } : {}),
        at: Date.now(),
        status: 0,
      };
      this.calls.push(call);
      if (!schemas || !isOperation(action)) throw new Ec2Error('InvalidAction', `The action ${action} is not valid for this web service.`);
      if (q.version !== VERSION) throw new Ec2Error('InvalidParameterValue', `Version ${q.version ?? ''} is not ${VERSION}`);

      const output = await this.model.call(action, call.input);

      call.status = 200;
      reply(
        200,
        `<${action}Response xmlns="${XMLNS}"><requestId>${requestId}</requestId>${toXml(output, schemas.output)}</${action}Response>`,
      );
    } catch (err) {
      const e = err instanceof Ec2Error ? err : new Ec2Error('InternalError', err instanceof Error ? err.message : String(err), 500);
      if (call) {
        call.status = e.status;
        call.errorCode = e.code;
      }
      reply(
        e.status,
        `<Response><Errors><Error><Code>${escapeXml(e.code)}</Code><Message>${escapeXml(e.message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`,
      );
    }
  }
}
