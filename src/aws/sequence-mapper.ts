import type { Indicator, Finding as SdkFinding, Signal } from '@aws-sdk/client-guardduty';
import type { AttackSequence, SequenceIndicator, SequenceSignal } from '../domain/finding';
import { items, port, str } from './wire-values';

/** Extended Threat Detection: `Service.Detection.Sequence` of an attack-sequence finding, any part of it missing. */
/** An ISO-8601 time from the SDK's Date or the wire's string; undefined when it is neither. */
function time(value: unknown): string | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  return str(value);
}

function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function strings(value: unknown): string[] {
  return items(value as unknown[]).flatMap((x) => (str(x) ? [x as string] : []));
}

function indicators(value: readonly Indicator[] | undefined): SequenceIndicator[] {
  return items(value).flatMap((i) => {
    const key = str(i.Key);
    return key ? [{ key, title: str(i.Title), values: strings(i.Values) }] : [];
  });
}

function signal(s: Signal): SequenceSignal | undefined {
  const name = str(s.Name) ?? str(s.Type) ?? str(s.Uid);
  if (!name) return undefined;
  const count = finite(s.Count);
  return {
    uid: str(s.Uid),
    type: str(s.Type),
    name,
    description: str(s.Description),
    severity: finite(s.Severity),
    count: count !== undefined && count > 0 ? count : undefined,
    firstSeen: time(s.FirstSeenAt) ?? time(s.CreatedAt),
    lastSeen: time(s.LastSeenAt) ?? time(s.UpdatedAt),
    resourceUids: strings(s.ResourceUids),
    actorIds: strings(s.ActorIds),
    endpointIds: strings(s.EndpointIds),
    indicators: indicators(s.SignalIndicators),
  };
}

/** `service.detection.sequence`, whichever of its parts are missing or null. */
export function sequenceOf(f: SdkFinding): AttackSequence | undefined {
  const seq: unknown = f.Service?.Detection?.Sequence;
  if (!seq || typeof seq !== 'object') return undefined;
  const s = seq as NonNullable<NonNullable<SdkFinding['Service']>['Detection']>['Sequence'] & object;
  return {
    uid: str(s.Uid),
    description: str(s.Description) ?? '',
    signals: items(s.Signals).flatMap((x) => signal(x) ?? []),
    actors: items(s.Actors).flatMap((a) => {
      const id = str(a.Id) ?? str(a.User?.Uid) ?? str(a.User?.Name);
      if (!id) return [];
      return [
        {
          id,
          userName: str(a.User?.Name),
          userType: str(a.User?.Type),
          accountId: str(a.User?.Account?.Uid),
          credentialUid: str(a.User?.CredentialUid),
          mfa: str(a.Session?.MfaStatus),
          processName: str(a.Process?.Name),
        },
      ];
    }),
    resources: items(s.Resources).flatMap((r) => {
      const uid = str(r.Uid) ?? str(r.Name);
      if (!uid) return [];
      return [{ uid, name: str(r.Name), resourceType: str(r.ResourceType), accountId: str(r.AccountId), region: str(r.Region) }];
    }),
    endpoints: items(s.Endpoints).flatMap((e) => {
      const id = str(e.Id) ?? str(e.Ip) ?? str(e.Domain);
      if (!id) return [];
      return [
        {
          id,
          ip: str(e.Ip),
          domain: str(e.Domain),
          port: port(e.Port),
          city: str(e.Location?.City),
          country: str(e.Location?.Country),
          asName: str(e.AutonomousSystem?.Name),
        },
      ];
    }),
    indicators: indicators(s.SequenceIndicators),
  };
}
