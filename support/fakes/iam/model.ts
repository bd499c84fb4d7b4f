import type {
  DeleteRolePolicyCommandInput,
  DeleteRolePolicyCommandOutput,
  GetAccessKeyLastUsedCommandInput,
  GetAccessKeyLastUsedCommandOutput,
  GetRoleCommandInput,
  GetRoleCommandOutput,
  GetRolePolicyCommandInput,
  GetRolePolicyCommandOutput,
  GetUserCommandInput,
  GetUserCommandOutput,
  ListAccessKeysCommandInput,
  ListAccessKeysCommandOutput,
  ListRolePoliciesCommandInput,
  ListRolePoliciesCommandOutput,
  PutRolePolicyCommandInput,
  PutRolePolicyCommandOutput,
  UpdateAccessKeyCommandInput,
  UpdateAccessKeyCommandOutput,
} from '@aws-sdk/client-iam';
import { IamError } from './errors';
import { takeFault } from '../faults';

export const IAM_ACCOUNT = '123456789012';

export const IAM_OPERATIONS = [
  'ListAccessKeys',
  'GetAccessKeyLastUsed',
  'UpdateAccessKey',
  'GetUser',
  'GetRole',
  'ListRolePolicies',
  'GetRolePolicy',
  'PutRolePolicy',
  'DeleteRolePolicy',
] as const;
export type IamOp = (typeof IAM_OPERATIONS)[number];

/** The operations that change the model. */
export const IAM_WRITE_OPERATIONS: readonly IamOp[] = ['UpdateAccessKey', 'PutRolePolicy', 'DeleteRolePolicy'];

type Out<T> = Omit<T, '$metadata'>;
interface IamIo {
  ListAccessKeys: [ListAccessKeysCommandInput, Out<ListAccessKeysCommandOutput>];
  GetAccessKeyLastUsed: [GetAccessKeyLastUsedCommandInput, Out<GetAccessKeyLastUsedCommandOutput>];
  UpdateAccessKey: [UpdateAccessKeyCommandInput, Out<UpdateAccessKeyCommandOutput>];
  GetUser: [GetUserCommandInput, Out<GetUserCommandOutput>];
  GetRole: [GetRoleCommandInput, Out<GetRoleCommandOutput>];
  ListRolePolicies: [ListRolePoliciesCommandInput, Out<ListRolePoliciesCommandOutput>];
  GetRolePolicy: [GetRolePolicyCommandInput, Out<GetRolePolicyCommandOutput>];
  PutRolePolicy: [PutRolePolicyCommandInput, Out<PutRolePolicyCommandOutput>];
  DeleteRolePolicy: [DeleteRolePolicyCommandInput, Out<DeleteRolePolicyCommandOutput>];
}
export type IamInput<O extends IamOp> = IamIo[O][0];
export type IamOutput<O extends IamOp> = IamIo[O][1];

export type KeyStatus = 'Active' | 'Inactive';

/** A key as {@link IamModel.seedUser} takes it. */
export interface SeedKey {
  id: string;
  status: KeyStatus;
  /** Omitted: never used (GetAccessKeyLastUsed answers ServiceName and Region `N/A`, no LastUsedDate). */
  lastUsed?: { date: Date; serviceName?: string; region?: string };
  /** Default 2024-01-01T00:00:00Z. */
  createDate?: Date;
}

export interface IamAccessKey {
  id: string;
  userName: string;
  status: KeyStatus;
  createDate: Date;
  lastUsed?: { date: Date; serviceName: string; region: string };
}

export interface IamUser {
  name: string;
  id: string;
  path: string;
  createDate: Date;
  /** In creation order, which is the order ListAccessKeys answers in. */
  keys: IamAccessKey[];
}

export interface IamRole {
  name: string;
  id: string;
  path: string;
  createDate: Date;
  /** Raw JSON, as put. */
  assumeRolePolicy: string;
  /** Inline policy name → raw JSON document, as put; in insertion order. */
  policies: Map<string, string>;
}

/** A plain snapshot for assertions: key statuses by user, inline policies (parsed JSON) by role. */
export interface IamState {
  users: Record<string, { keys: Record<string, KeyStatus> }>;
  roles: Record<string, { policies: Record<string, unknown> }>;
}

/** One operation as it reached the model (faulted ones included). */
export interface IamCall {
  op: IamOp;
  /** SDK shape: `{ UserName: 'alice', AccessKeyId: 'AKIA…', Status: 'Inactive' }`. */
  input: Record<string, unknown>;
  /** Epoch ms when the call reached the model. */
  at: number;
}

export interface IamFault {
  /** IAM error code, e.g. Throttling, ServiceFailure, AccessDenied, NoSuchEntity. */
  code: string;
  message?: string;
  /** Default: IAM's status for the code (errors.ts), else 400. */
  status?: number;
  /** Answer this many matching calls with the fault, then behave again; unset: until cleared. */
  times?: number;
  /** Only calls for which this holds get the fault; others pass through. */
  when?: (call: IamCall) => boolean;
  /** Make the change first and then answer with the error, as when IAM applied a write but the answer was lost. */
  afterApply?: boolean;
}

export interface IamModelOptions {
  accountId?: string;
  /**
   * What GetAccessKeyLastUsed answers for a key no user of the account has. Default AccessDenied: IAM does not
   * say whether a key it does not show you exists (from memory of the real service, not checked against it).
   */
  unknownKeyLastUsedError?: 'AccessDenied' | 'NoSuchEntity';
}

const EPOCH = new Date('2024-01-01T00:00:00Z');
const NEVER = 'N/A';
const DEFAULT_TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

/** IAM unique IDs: a 4-letter prefix and 17 more upper-case characters. */
function uniqueId(prefix: string, n: number): string {
  return `${prefix}${String(n).padStart(17, '0')}`;
}

/** IAM's check of a policy document, reduced: JSON, an object, a Statement. */
function checkPolicy(doc: string | undefined): void {
  if (doc === undefined || doc === '')
    throw new IamError(
      'ValidationError',
      "1 validation error detected: Value null at 'policyDocument' failed to satisfy constraint: Member must not be null",
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(doc);
  } catch {
    throw new IamError('MalformedPolicyDocument', 'Syntax errors in policy.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new IamError('MalformedPolicyDocument', 'Syntax errors in policy.');
  if (!('Statement' in parsed)) throw new IamError('MalformedPolicyDocument', 'Policy document must contain a Statement.');
}

function required<T>(value: T | undefined, member: string): T {
  if (value === undefined || value === '')
    throw new IamError(
      'ValidationError',
      `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
    );
  return value;
}

/**
 * IAM users, access keys, roles and inline role policies in memory. UpdateAccessKey, PutRolePolicy and
 * DeleteRolePolicy really change them and the reads see the change; unknown users, roles, keys and policies
 * answer NoSuchEntity with IAM's messages. Transports turn requests into {@link call} and its IamError into
 * their own errors.
 */
export class IamModel {
  readonly users = new Map<string, IamUser>();
  readonly roles = new Map<string, IamRole>();
  readonly calls: IamCall[] = [];
  /** Per operation, used in the order queued. */
  readonly faults = new Map<IamOp, IamFault[]>();
  latencyMs = 0;
  readonly accountId: string;
  private readonly unknownKeyLastUsedError: 'AccessDenied' | 'NoSuchEntity';
  private nextId = 1;

  constructor(options: IamModelOptions = {}) {
    this.accountId = options.accountId ?? IAM_ACCOUNT;
    this.unknownKeyLastUsedError = options.unknownKeyLastUsedError ?? 'AccessDenied';
  }

  /** Forgets users, roles, calls and faults. */
  reset(): this {
    this.users.clear();
    this.roles.clear();
    this.calls.length = 0;
    this.faults.clear();
    this.nextId = 1;
    return this;
  }

  /** Adds (or replaces) a user with these access keys. */
  seedUser(name: string, keys: SeedKey[] = [], options: { path?: string; createDate?: Date } = {}): this {
    for (const k of keys) {
      const owner = this.ownerOf(k.id);
      if (owner && owner.name !== name) throw new Error(`access key ${k.id} already belongs to ${owner.name}`);
    }
    this.users.set(name, {
      name,
      id: uniqueId('AIDA', this.nextId++),
      path: options.path ?? '/',
      createDate: options.createDate ?? EPOCH,
      keys: keys.map((k) => ({
        id: k.id,
        userName: name,
        status: k.status,
        createDate: k.createDate ?? EPOCH,
        ...(k.lastUsed
          ? { lastUsed: { date: k.lastUsed.date, serviceName: k.lastUsed.serviceName ?? 'sts', region: k.lastUsed.region ?? 'us-east-1' } }
          : {}),
      })),
    });
    return this;
  }

  /** Adds (or replaces) a role with these inline policies (objects are JSON-stringified; strings are kept as given). */
  seedRole(
    name: string,
    inlinePolicies: Record<string, unknown> = {},
    options: { path?: string; assumeRolePolicy?: unknown; createDate?: Date } = {},
  ): this {
    const json = (doc: unknown) => (typeof doc === 'string' ? doc : JSON.stringify(doc));
    this.roles.set(name, {
      name,
      id: uniqueId('AROA', this.nextId++),
      path: options.path ?? '/',
      createDate: options.createDate ?? EPOCH,
      assumeRolePolicy: options.assumeRolePolicy === undefined ? DEFAULT_TRUST : json(options.assumeRolePolicy),
      policies: new Map(Object.entries(inlinePolicies).map(([k, v]) => [k, json(v)])),
    });
    return this;
  }

  get state(): IamState {
    const users: IamState['users'] = {};
    for (const u of this.users.values()) users[u.name] = { keys: Object.fromEntries(u.keys.map((k) => [k.id, k.status])) };
    const roles: IamState['roles'] = {};
    for (const r of this.roles.values()) {
      roles[r.name] = { policies: Object.fromEntries([...r.policies].map(([n, d]) => [n, JSON.parse(d) as unknown])) };
    }
    return { users, roles };
  }

  key(id: string): IamAccessKey | undefined {
    for (const u of this.users.values()) {
      const k = u.keys.find((x) => x.id === id);
      if (k) return k;
    }
    return undefined;
  }

  /** Queues a fault for `op`. */
  fail(op: IamOp, fault: IamFault): this {
    const list = this.faults.get(op) ?? [];
    list.push({ ...fault });
    this.faults.set(op, list);
    return this;
  }

  clearFaults(): void {
    this.faults.clear();
  }

  callsTo(op: IamOp): IamCall[] {
    return this.calls.filter((c) => c.op === op);
  }

  /** UpdateAccessKey, PutRolePolicy and DeleteRolePolicy calls that reached the model (faulted ones included). */
  writes(): IamCall[] {
    return this.calls.filter((c) => IAM_WRITE_OPERATIONS.includes(c.op));
  }

  resetCalls(): void {
    this.calls.length = 0;
  }

  /** One IAM operation: logged, delayed by `latencyMs`, faulted if a fault is queued, then answered. Throws IamError. */
  async call<O extends IamOp>(op: O, input: IamInput<O>): Promise<IamOutput<O>> {
    const call: IamCall = { op, input: structuredClone(input) as Record<string, unknown>, at: Date.now() };
    this.calls.push(call);
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    const fault = this.takeFault(call);
    if (fault && !fault.afterApply) throw new IamError(fault.code, fault.message, fault.status);
    const output = this.answer(op, input);
    if (fault) throw new IamError(fault.code, fault.message, fault.status);
    return output;
  }

  private takeFault(call: IamCall): IamFault | undefined {
    return takeFault(this.faults as Map<string, IamFault[]>, call);
  }

  private answer<O extends IamOp>(op: O, input: IamInput<O>): IamOutput<O> {
    const answers: { [K in IamOp]: (input: IamInput<K>) => IamOutput<K> } = {
      ListAccessKeys: (i) => this.listAccessKeys(i),
      GetAccessKeyLastUsed: (i) => this.getAccessKeyLastUsed(i),
      UpdateAccessKey: (i) => this.updateAccessKey(i),
      GetUser: (i) => this.getUser(i),
      GetRole: (i) => this.getRole(i),
      ListRolePolicies: (i) => this.listRolePolicies(i),
      GetRolePolicy: (i) => this.getRolePolicy(i),
      PutRolePolicy: (i) => this.putRolePolicy(i),
      DeleteRolePolicy: (i) => this.deleteRolePolicy(i),
    };
    return answers[op](input);
  }

  private ownerOf(keyId: string): IamUser | undefined {
    return [...this.users.values()].find((u) => u.keys.some((k) => k.id === keyId));
  }

  private user(name: string | undefined): IamUser {
    const u = this.users.get(required(name, 'userName'));
    if (!u) throw new IamError('NoSuchEntity', `The user with name ${name} cannot be found.`);
    return u;
  }

  private role(name: string | undefined): IamRole {
    const r = this.roles.get(required(name, 'roleName'));
    if (!r) throw new IamError('NoSuchEntity', `The role with name ${name} cannot be found.`);
    return r;
  }

  private arn(kind: 'user' | 'role', path: string, name: string): string {
    return `arn:aws:iam::${this.accountId}:${kind}${path}${name}`;
  }

  /** IAM's Marker/IsTruncated/MaxItems paging (MaxItems 1–1000, default 100; markers are opaque to the caller). */
  private page<T>(
    rows: T[],
    marker: string | undefined,
    maxItems: number | undefined,
  ): { page: T[]; IsTruncated: boolean; Marker?: string } {
    const max = maxItems ?? 100;
    if (!Number.isInteger(max) || max < 1 || max > 1000)
      throw new IamError(
        'ValidationError',
        `1 validation error detected: Value '${max}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000`,
      );
    let start = 0;
    if (marker !== undefined) {
      const m = /^standin-marker-(\d+)$/.exec(marker);
      if (!m) throw new IamError('ValidationError', 'Invalid Marker.');
      start = Number(m[1]);
    }
    const page = rows.slice(start, start + max);
    const more = start + max < rows.length;
    return { page, IsTruncated: more, ...(more ? { Marker: `standin-marker-${start + max}` } : {}) };
  }

  private listAccessKeys(input: ListAccessKeysCommandInput): IamOutput<'ListAccessKeys'> {
    const u = this.user(input.UserName);
    const { page, ...paging } = this.page(u.keys, input.Marker, input.MaxItems);
    return {
      AccessKeyMetadata: page.map((k) => ({ UserName: u.name, AccessKeyId: k.id, Status: k.status, CreateDate: k.createDate })),
      ...paging,
    };
  }

  private getAccessKeyLastUsed(input: GetAccessKeyLastUsedCommandInput): IamOutput<'GetAccessKeyLastUsed'> {
    const id = required(input.AccessKeyId, 'accessKeyId');
    const k = this.key(id);
    if (!k) {
      if (this.unknownKeyLastUsedError === 'NoSuchEntity')
        throw new IamError('NoSuchEntity', `The Access Key with id ${id} cannot be found`);
      throw new IamError('AccessDenied', `User is not authorized to perform: iam:GetAccessKeyLastUsed on resource: access key ${id}`);
    }
    return {
      UserName: k.userName,
      AccessKeyLastUsed: k.lastUsed
        ? { LastUsedDate: k.lastUsed.date, ServiceName: k.lastUsed.serviceName, Region: k.lastUsed.region }
        : { ServiceName: NEVER, Region: NEVER },
    };
  }

  private updateAccessKey(input: UpdateAccessKeyCommandInput): IamOutput<'UpdateAccessKey'> {
    const id = required(input.AccessKeyId, 'accessKeyId');
    const status = required(input.Status as string | undefined, 'status');
    if (status !== 'Active' && status !== 'Inactive')
      throw new IamError(
        'ValidationError',
        `1 validation error detected: Value '${status}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive, Expired]`,
      );
    // Without UserName IAM means the caller; the stand-in then looks the key up across users.
    const owner = input.UserName !== undefined ? this.user(input.UserName) : this.ownerOf(id);
    const k = owner?.keys.find((x) => x.id === id);
    if (!k) throw new IamError('NoSuchEntity', `The Access Key with id ${id} cannot be found`);
    k.status = status;
    return {};
  }

  private getUser(input: GetUserCommandInput): IamOutput<'GetUser'> {
    const u = this.user(input.UserName);
    return { User: { Path: u.path, UserName: u.name, UserId: u.id, Arn: this.arn('user', u.path, u.name), CreateDate: u.createDate } };
  }

  private getRole(input: GetRoleCommandInput): IamOutput<'GetRole'> {
    const r = this.role(input.RoleName);
    return {
      Role: {
        Path: r.path,
        RoleName: r.name,
        RoleId: r.id,
        Arn: this.arn('role', r.path, r.name),
        CreateDate: r.createDate,
        AssumeRolePolicyDocument: encodeURIComponent(r.assumeRolePolicy),
        MaxSessionDuration: 3600,
      },
    };
  }

  private listRolePolicies(input: ListRolePoliciesCommandInput): IamOutput<'ListRolePolicies'> {
    const r = this.role(input.RoleName);
    const { page, ...paging } = this.page([...r.policies.keys()], input.Marker, input.MaxItems);
    return { PolicyNames: page, ...paging };
  }

  private getRolePolicy(input: GetRolePolicyCommandInput): IamOutput<'GetRolePolicy'> {
    const r = this.role(input.RoleName);
    const name = required(input.PolicyName, 'policyName');
    const doc = r.policies.get(name);
    if (doc === undefined) throw new IamError('NoSuchEntity', `The role policy with name ${name} cannot be found.`);
    // Real IAM answers policy documents URL-encoded, and the SDK hands them on as they came.
    return { RoleName: r.name, PolicyName: name, PolicyDocument: encodeURIComponent(doc) };
  }

  private putRolePolicy(input: PutRolePolicyCommandInput): IamOutput<'PutRolePolicy'> {
    const r = this.role(input.RoleName);
    const name = required(input.PolicyName, 'policyName');
    checkPolicy(input.PolicyDocument);
    r.policies.set(name, input.PolicyDocument as string);
    return {};
  }

  private deleteRolePolicy(input: DeleteRolePolicyCommandInput): IamOutput<'DeleteRolePolicy'> {
    const r = this.role(input.RoleName);
    const name = required(input.PolicyName, 'policyName');
    if (!r.policies.delete(name)) throw new IamError('NoSuchEntity', `The role policy with name ${name} cannot be found.`);
    return {};
  }
}
