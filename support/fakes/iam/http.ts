import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackServer, readQueryRequest } from '../loopback-server';
import { IamError } from './errors';
import {
  IAM_OPERATIONS,
  IAM_WRITE_OPERATIONS,
  IamModel,
  type IamFault,
  type IamModelOptions,
  type IamOp,
  type IamState,
  type SeedKey,
} from './model';
import { VERSION, errorXml, fromQuery, isUnit, operationSchemas, responseXml, toXml } from './query-protocol';

/*
 * The IAM model over HTTP, for the real AWS SDK v3 IAMClient pointed at it with `endpoint: <endpoint>` (region
 * us-east-1, any static credentials). Nothing in the client is mocked: its awsQuery serializer, signer, retry
 * middleware and XML deserializer all run, so SDK retries (Throttling, 5xx) really happen and are counted here,
 * one request each. Status codes are IAM's (NoSuchEntity 404, AccessDenied 403, Throttling 400, ServiceFailure
 * 500, MalformedPolicyDocument 400, other client errors 400).
 *
 * `calls` here are requests (with their attempt headers and the status answered); the model keeps its own log of
 * the operations that reached it.
 */

export interface IamWireCall {
  /** The `Action` of the form body (any string: unknown actions are recorded too). */
  action: string;
  /** The form body as sent, e.g. `{ RoleName: 'r', PolicyName: 'p', PolicyDocument: '{…}' }` (Action and Version left out). */
  params: Record<string, string>;
  /** The same body read back through the operation's input schema: SDK shape. */
  input: Record<string, unknown>;
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

function isOperation(action: string): action is IamOp {
  return (IAM_OPERATIONS as readonly string[]).includes(action);
}

export class IamHttpStandIn {
  /** Every request, in arrival order, including faulted and malformed ones. */
  readonly calls: IamWireCall[] = [];
  readonly model: IamModel;
  private readonly server = new LoopbackServer((req, res) => this.handle(req, res));

  constructor(model: IamModel | IamModelOptions = new IamModel()) {
    this.model = model instanceof IamModel ? model : new IamModel(model);
  }

  get endpoint(): string {
    return this.server.endpoint;
  }

  get accountId(): string {
    return this.model.accountId;
  }

  async start(): Promise<this> {
    await this.server.start();
    return this;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  /** Forgets users, roles, requests and faults. */
  reset(): this {
    this.model.reset();
    this.calls.length = 0;
    return this;
  }

  /** Adds (or replaces) a user with these access keys. */
  seedUser(name: string, keys: SeedKey[] = [], options?: { path?: string; createDate?: Date }): this {
    this.model.seedUser(name, keys, options);
    return this;
  }

  /** Adds (or replaces) a role with these inline policies (objects are JSON-stringified). */
  seedRole(
    name: string,
    inlinePolicies?: Record<string, unknown>,
    options?: { path?: string; assumeRolePolicy?: unknown; createDate?: Date },
  ): this {
    this.model.seedRole(name, inlinePolicies, options);
    return this;
  }

  /** Key statuses by user and inline policies (parsed) by role, as they are now. */
  get state(): IamState {
    return this.model.state;
  }

  /** Queues a fault for `op` in the model: faults of one operation are used in the order queued. */
  fail(op: IamOp, fault: IamFault): this {
    this.model.fail(op, fault);
    return this;
  }

  clearFaults(): void {
    this.model.clearFaults();
  }

  callsTo(op: IamOp): IamWireCall[] {
    return this.calls.filter((c) => c.action === op);
  }

  /** UpdateAccessKey, PutRolePolicy and DeleteRolePolicy requests, retries and failed ones included. */
  writes(): IamWireCall[] {
    return this.calls.filter((c) => (IAM_WRITE_OPERATIONS as readonly string[]).includes(c.action));
  }

  resetCalls(): void {
    this.calls.length = 0;
    this.model.resetCalls();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = `standin-${String(this.calls.length + 1).padStart(6, '0')}`;
    const reply = (status: number, xml: string) => {
      res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
      res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}`);
    };
    let call: IamWireCall | undefined;
    try {
      const q = await readQueryRequest(req, (what) => new IamError('InvalidAction', `The stand-in does not implement ${what}`));
      const { action, params } = q;
      const schemas = isOperation(action) ? operationSchemas(action) : undefined;
      call = {
        action,
        params,
        input: schemas ? (fromQuery(params, schemas.input) as Record<string, unknown>) : {},
        ...(q.retry ?? {}),
        ...(q.invocationId ? { invocationId: q.invocationId } : {}),
        at: Date.now(),
        status: 0,
      };
      this.calls.push(call);
      if (!schemas || !isOperation(action))
        throw new IamError('InvalidAction', `Could not find operation ${action} for version ${VERSION}`);
      if (q.version !== VERSION) throw new IamError('InvalidParameterValue', `Version ${q.version ?? ''} is not ${VERSION}`);

      const output = await this.model.call(action, call.input);

      if (isUnit(schemas.output) && Object.keys(output).length > 0) throw new Error(`${action} has no output, the model answered some`);
      call.status = 200;
      reply(200, responseXml(action, isUnit(schemas.output) ? undefined : toXml(output, schemas.output), requestId));
    } catch (err) {
      const e = err instanceof IamError ? err : new IamError('ServiceFailure', err instanceof Error ? err.message : String(err), 500);
      if (call) {
        call.status = e.status;
        call.errorCode = e.code;
      }
      reply(e.status, errorXml(e.code, e.message, e.status, requestId));
    }
  }
}
