import type { SeverityBand } from './severity';

/** What the finding is about, reduced to what a responder needs to see. */
export type ResourceSummary =
  | {
      kind: 'instance';
      instanceId?: string;
      name?: string;
      securityGroups: { id: string; name?: string }[];
      vpcId?: string;
      subnetId?: string;
      publicIps: string[];
      privateIps: string[];
      networkInterfaceIds: string[];
      tags: { key: string; value: string }[];
    }
  | { kind: 'accessKey'; accessKeyId?: string; userName?: string; userType?: string; principalId?: string }
  /** `publicBuckets`: the buckets whose `publicAccess.effectivePermission` GuardDuty gave as PUBLIC. */
  | { kind: 's3Bucket'; buckets: string[]; publicBuckets: string[] }
  | { kind: 'other'; resourceType: string };

export interface RemoteIp {
  ip: string;
  country?: string;
  city?: string;
  org?: string;
  asn?: string;
}

export interface ActionSummary {
  actionType: string;
  remoteIps: RemoteIp[];
  /** Ports on the resource that the action touched (probed, connected to). */
  localPorts: { port: number; name?: string }[];
  protocol?: string;
  connectionDirection?: string;
  domain?: string;
  api?: string;
  serviceName?: string;
  userAgent?: string;
  /** The actor's own port (the remote side of a network connection). */
  remotePort?: { port: number; name?: string };
}

/** A threat list that matched the finding and the threat names it gave. */
export interface ThreatIntel {
  listName: string;
  threatNames: string[];
}

/** An indicator of an attack sequence or signal: `ATTACK_TACTIC`, `ATTACK_TECHNIQUE`, `MALICIOUS_IP`, … with its values. */
export interface SequenceIndicator {
  key: string;
  title?: string;
  values: string[];
}

/** One signal of an attack sequence: a GuardDuty finding or an API activity, seen `count` times. */
export interface SequenceSignal {
  uid?: string;
  /** `FINDING`, `CLOUD_TRAIL`, `S3_DATA_EVENTS`, … */
  type?: string;
  name: string;
  description?: string;
  severity?: number;
  count?: number;
  /** ISO-8601. */
  firstSeen?: string;
  lastSeen?: string;
  resourceUids: string[];
  actorIds: string[];
  endpointIds: string[];
  indicators: SequenceIndicator[];
}

export interface SequenceActor {
  id: string;
  userName?: string;
  userType?: string;
  accountId?: string;
  credentialUid?: string;
  mfa?: string;
  processName?: string;
}

export interface SequenceResource {
  uid: string;
  name?: string;
  resourceType?: string;
  accountId?: string;
  region?: string;
}

export interface SequenceEndpoint {
  id: string;
  ip?: string;
  domain?: string;
  port?: number;
  city?: string;
  country?: string;
  asName?: string;
}

/** `service.detection.sequence` of an `AttackSequence:*` finding (Extended Threat Detection). */
export interface AttackSequence {
  uid?: string;
  description: string;
  signals: SequenceSignal[];
  actors: SequenceActor[];
  resources: SequenceResource[];
  endpoints: SequenceEndpoint[];
  indicators: SequenceIndicator[];
}

/** A GuardDuty finding, normalized. No SDK types: every field is plain data. */
export interface Finding {
  id: string;
  arn?: string;
  type: string;
  title: string;
  description: string;
  severity: number;
  band: SeverityBand;
  accountId: string;
  region: string;
  partition: string;
  resource: ResourceSummary;
  action?: ActionSummary;
  /** From `service.additionalInfo.threatListName` and `service.evidence.threatIntelligenceDetails`, one entry a list. */
  threatIntel?: ThreatIntel[];
  /** Only on attack sequence findings. */
  sequence?: AttackSequence;
  count: number;
  /** ISO-8601 timestamps as GuardDuty gives them. */
  createdAt?: string;
  updatedAt: string;
  firstSeen?: string;
  lastSeen?: string;
  archived: boolean;
  detectorId?: string;
  consoleUrl: string;
}

/** Epoch milliseconds of the finding's UpdatedAt (0 when unparseable). */
export function updatedAtMs(finding: Pick<Finding, 'updatedAt'>): number {
  const ms = Date.parse(finding.updatedAt);
  return Number.isNaN(ms) ? 0 : ms;
}
