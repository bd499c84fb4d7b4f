/*
 * IAM's `awsQuery` wire protocol, read and written through the SDK's own static schemas (the same ones its
 * serializer and deserializer walk: node_modules/@aws-sdk/core/dist-cjs/submodules/protocols/index.js,
 * `AwsQueryProtocol` and `QueryShapeSerializer`; the operation and structure schemas in @aws-sdk/client-iam,
 * `ListAccessKeys$`, `AccessKeyMetadata$`, …):
 *   request   POST /  application/x-www-form-urlencoded
 *             Action=PutRolePolicy&Version=2010-05-08&RoleName=…&PolicyDocument=%7B…   (keys are member names,
 *             lists are `Key.member.N`, maps `Key.entry.N.key` / `Key.entry.N.value`, empty lists `Key=`)
 *   answer    200 <ListAccessKeysResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
 *             <ListAccessKeysResult><AccessKeyMetadata><member>…</member></AccessKeyMetadata>…</ListAccessKeysResult>
 *             <ResponseMetadata><RequestId>…</RequestId></ResponseMetadata></ListAccessKeysResponse>
 *             (members by xmlName else name; lists wrapped, one <member> per element, unlike EC2's <item>)
 *   error     4xx/5xx <ErrorResponse xmlns="…"><Error><Type>Sender</Type><Code>NoSuchEntity</Code>
 *             <Message>…</Message></Error><RequestId>…</RequestId></ErrorResponse>
 *
 * Schemas are the SDK's static tuples: operation `[9, ns, name, traits, input, output]`; structure
 * `[3, ns, name, traits, memberNames, memberSchemas, required?]` (errors `-3`); list `[1, ns, name, traits, member]`;
 * map `[2, ns, name, traits, key, value]`; simple alias `[0, ns, name, traits, target]`. A member schema may be
 * `[schema, traits]`. Numbers are simple types (0 string, 1 number, 2 boolean, 4 timestamp, 15 document, 21 blob),
 * `64 | x` a list of x and `128 | x` a map to x.
 */

import {
  DeleteRolePolicy$,
  GetAccessKeyLastUsed$,
  GetRole$,
  GetRolePolicy$,
  GetUser$,
  ListAccessKeys$,
  ListRolePolicies$,
  PutRolePolicy$,
  UpdateAccessKey$,
} from '@aws-sdk/client-iam';
import type { IamOp } from './model';

export const VERSION = '2010-05-08';
export const XMLNS = `https://iam.amazonaws.com/doc/${VERSION}/`;

export function deref(ref: unknown): unknown {
  return typeof ref === 'function' ? (ref as () => unknown)() : ref;
}

const OPERATIONS: Record<IamOp, unknown> = {
  ListAccessKeys: ListAccessKeys$,
  GetAccessKeyLastUsed: GetAccessKeyLastUsed$,
  UpdateAccessKey: UpdateAccessKey$,
  GetUser: GetUser$,
  GetRole: GetRole$,
  ListRolePolicies: ListRolePolicies$,
  GetRolePolicy: GetRolePolicy$,
  PutRolePolicy: PutRolePolicy$,
  DeleteRolePolicy: DeleteRolePolicy$,
};

/** Operations without output (UpdateAccessKey, PutRolePolicy, …) have the output schema `"unit"`. */
export function isUnit(schema: unknown): boolean {
  return deref(schema) === 'unit';
}

/** An operation's input and output structure schemas. */
export function operationSchemas(op: IamOp): { input: unknown; output: unknown } {
  const s = deref(OPERATIONS[op]) as unknown[];
  return { input: s[4], output: s[5] };
}

interface Traits {
  xmlName?: string;
  xmlFlattened?: boolean;
}

type Shape =
  | { kind: 'struct'; name: string; members: { name: string; schema: unknown; traits: Traits }[] }
  | { kind: 'list'; member: unknown; memberTraits: Traits; flattened: boolean }
  | { kind: 'map'; key: unknown; value: unknown; flattened: boolean }
  | { kind: 'simple'; id: number };

function traitsOf(t: unknown): Traits {
  return typeof t === 'object' && t !== null ? t : {};
}

/** A member is either a schema or `[schema, traits]` (schemas proper are tuples of 5 or more). */
function memberOf(ref: unknown): { schema: unknown; traits: Traits } {
  if (Array.isArray(ref) && ref.length === 2) return { schema: ref[0], traits: traitsOf(ref[1]) };
  return { schema: ref, traits: {} };
}

function shapeOf(ref: unknown): Shape {
  const s = deref(ref);
  if (typeof s === 'number') {
    if ((s & 192) === 64) return { kind: 'list', member: s & 63, memberTraits: {}, flattened: false };
    if ((s & 192) === 128) return { kind: 'map', key: 0, value: s & 63, flattened: false };
    return { kind: 'simple', id: s };
  }
  if (!Array.isArray(s)) return { kind: 'simple', id: 0 };
  const [type, , name, traits] = s as [number, string, string, unknown];
  switch (type) {
    case 0:
      return shapeOf(s[4]);
    case 1: {
      const m = memberOf(s[4]);
      return { kind: 'list', member: m.schema, memberTraits: m.traits, flattened: traitsOf(traits).xmlFlattened === true };
    }
    case 2:
      return { kind: 'map', key: s[4], value: s[5], flattened: traitsOf(traits).xmlFlattened === true };
    case 3:
    case 4:
    case -3: {
      const names = Array.isArray(s[4]) ? (s[4] as string[]) : [];
      const members = Array.isArray(s[5]) ? (s[5] as unknown[]) : [];
      return { kind: 'struct', name, members: names.map((n, i) => ({ name: n, ...memberOf(members[i]) })) };
    }
    default:
      return { kind: 'simple', id: 0 };
  }
}

/** Reads form params (`Tags.member.1.Key`) back into an SDK-shaped value, as the SDK's QueryShapeSerializer wrote them. */
export function fromQuery(params: Record<string, string>, schema: unknown, prefix = ''): unknown {
  const under = (key: string) => Object.keys(params).some((k) => k === key || k.startsWith(`${key}.`));
  const dot = prefix ? `${prefix}.` : '';
  const shape = shapeOf(schema);
  switch (shape.kind) {
    case 'struct': {
      const out: Record<string, unknown> = {};
      for (const m of shape.members) {
        const key = `${dot}${m.traits.xmlName ?? m.name}`;
        if (under(key)) out[m.name] = fromQuery(params, m.schema, key);
      }
      return out;
    }
    case 'list': {
      const base = shape.flattened ? prefix : `${dot}${shape.memberTraits.xmlName ?? 'member'}`;
      const out: unknown[] = [];
      for (let i = 1; under(`${base}.${i}`); i++) out.push(fromQuery(params, shape.member, `${base}.${i}`));
      return out;
    }
    case 'map': {
      const base = shape.flattened ? prefix : `${dot}entry`;
      const out: Record<string, unknown> = {};
      for (let i = 1; under(`${base}.${i}`); i++) {
        out[String(fromQuery(params, shape.key, `${base}.${i}.key`))] = fromQuery(params, shape.value, `${base}.${i}.value`);
      }
      return out;
    }
    default: {
      const raw = params[prefix] ?? '';
      if (shape.id === 1) return Number(raw);
      if (shape.id === 2) return raw === 'true';
      if (shape.id === 4) return new Date(raw);
      return raw;
    }
  }
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}

/** IAM writes timestamps as ISO 8601 without milliseconds: 2024-01-01T00:00:00Z. */
function timestamp(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Writes an SDK-shaped value as IAM XML elements: members by xmlName else name, lists wrapped with one <member>
 * per element. Throws on a member the schema does not have, so a model answering the wrong shape fails loudly.
 */
export function toXml(value: unknown, schema: unknown): string {
  if (value === undefined || value === null) return '';
  const shape = shapeOf(schema);
  switch (shape.kind) {
    case 'struct': {
      const v = value as Record<string, unknown>;
      for (const key of Object.keys(v)) {
        if (!shape.members.some((m) => m.name === key)) throw new Error(`${shape.name} has no member ${key}`);
      }
      let xml = '';
      for (const m of shape.members) {
        if (v[m.name] === undefined) continue;
        const tag = m.traits.xmlName ?? m.name;
        const inner = shapeOf(m.schema);
        // A flattened list repeats the member's own tag instead of wrapping.
        if (inner.kind === 'list' && inner.flattened) {
          xml += (v[m.name] as unknown[]).map((x) => `<${tag}>${toXml(x, inner.member)}</${tag}>`).join('');
        } else {
          xml += `<${tag}>${toXml(v[m.name], m.schema)}</${tag}>`;
        }
      }
      return xml;
    }
    case 'list': {
      const tag = shape.memberTraits.xmlName ?? 'member';
      return (value as unknown[]).map((x) => `<${tag}>${toXml(x, shape.member)}</${tag}>`).join('');
    }
    case 'map':
      return Object.entries(value as Record<string, unknown>)
        .map(([k, v]) => `<entry><key>${escapeXml(k)}</key><value>${toXml(v, shape.value)}</value></entry>`)
        .join('');
    default: {
      if (value instanceof Date) return timestamp(value);
      if (typeof value === 'string') return escapeXml(value);
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      throw new Error(`cannot write ${typeof value} as XML`);
    }
  }
}

/** The whole success body of one operation; `result` undefined for a unit output (IAM then sends no Result element). */
export function responseXml(action: string, result: string | undefined, requestId: string): string {
  return (
    `<${action}Response xmlns="${XMLNS}">${result === undefined ? '' : `<${action}Result>${result}</${action}Result>`}` +
    `<ResponseMetadata><RequestId>${escapeXml(requestId)}</RequestId></ResponseMetadata></${action}Response>`
  );
}

/** The whole error body: Type is Sender for 4xx, Receiver for 5xx. */
export function errorXml(code: string, message: string, status: number, requestId: string): string {
  return (
    `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${escapeXml(code)}</Code>` +
    `<Message>${escapeXml(message)}</Message></Error><RequestId>${escapeXml(requestId)}</RequestId></ErrorResponse>`
  );
}
