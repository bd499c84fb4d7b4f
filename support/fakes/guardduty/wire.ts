import { Finding$ } from '@aws-sdk/client-guardduty';

/*
 * PascalCase SDK shapes → GuardDuty's REST-JSON wire, driven by the SDK's own static schemas (the same `jsonName`
 * traits its deserializer reads). A plain lower-camel transform is almost right, but GuardDuty has exceptions
 * (ProductCodes[].Code → productCodeId, KubernetesApiCallAction.SourceIps → sourceIPs, members without a
 * jsonName that keep their PascalCase name, maps whose keys are data), and the schema knows all of them.
 */

function deref(ref: unknown): unknown {
  return typeof ref === 'function' ? (ref as () => unknown)() : ref;
}

/** A structure member is either a schema reference or `[reference, traits]`; static schemas are longer tuples. */
function memberOf(ref: unknown): { schema: unknown; jsonName?: string } {
  if (Array.isArray(ref) && ref.length === 2) {
    const traits: unknown = ref[1];
    const jsonName = typeof traits === 'object' && traits !== null ? (traits as { jsonName?: unknown }).jsonName : undefined;
    return { schema: deref(ref[0]), jsonName: typeof jsonName === 'string' ? jsonName : undefined };
  }
  return { schema: deref(ref) };
}

const TIMESTAMP_IDS = new Set([4, 5, 6, 7]);

/**
 * Simple schema ids (Smithy static schemas): 4 timestamp (REST-JSON default: epoch seconds), 5 date-time,
 * 6 http-date, 7 epoch-seconds, 21 blob. A timestamp may be a Date (as the SDK returns it) or an ISO string (as
 * a JSON fixture has to hold it); either way the wire gets what GuardDuty sends.
 */
function simpleToWire(value: unknown, id: number): unknown {
  if (TIMESTAMP_IDS.has(id) && (value instanceof Date || typeof value === 'string')) {
    const date = value instanceof Date ? value : new Date(value);
    if (Number.isNaN(date.getTime())) throw new Error(`not a timestamp: ${String(value)}`);
    if (id === 5) return date.toISOString();
    if (id === 6) return date.toUTCString();
    return date.getTime() / 1000;
  }
  if (value instanceof Uint8Array && id === 21) return Buffer.from(value).toString('base64');
  return value;
}

/** Converts an SDK-shaped value (PascalCase members) to GuardDuty's wire JSON for `schema` (default: a Finding). */
export function toWire(value: unknown, schema: unknown = Finding$): unknown {
  if (value === null || value === undefined) return value;
  const s = deref(schema);
  if (typeof s === 'number') {
    const element = s & 63;
    if (s & 64) return Array.isArray(value) ? value.map((v) => simpleToWire(v, element)) : value;
    if (s & 128) return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, simpleToWire(v, element)]));
    return simpleToWire(value, s);
  }
  if (!Array.isArray(s)) return value;
  switch (s[0]) {
    case 0: // [0, namespace, name, traits, simple schema]
      return toWire(value, s[4]);
    case 1: // [1, namespace, name, traits, member]
      return Array.isArray(value) ? value.map((v) => toWire(v, memberOf(s[4]).schema)) : value;
    case 2: // [2, namespace, name, traits, key, value]: keys are data
      return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, toWire(v, memberOf(s[5]).schema)]));
    case 3: // [3, namespace, name, traits, member names, members]
    case 4: {
      const names = s[4] as string[];
      const members = s[5] as unknown[];
      const out: Record<string, unknown> = {};
      for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
        const at = names.indexOf(key);
        if (at === -1) throw new Error(`${String(s[2])} has no member ${key}`);
        const m = memberOf(members[at]);
        out[m.jsonName ?? key] = toWire(v, m.schema);
      }
      return out;
    }
    default:
      return value;
  }
}
