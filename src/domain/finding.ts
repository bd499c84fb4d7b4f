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

/** A finding's card thread linked from another card: an attack sequence it is a signal of, or a signal with a card of its own. */
export interface SequenceLink {
  findingId: string;
  /** The linked card's permalink (its thread). */
  url: string;
  /** The linked finding's title as GuardDuty gave it (not escaped). */
  title?: string;
}

/** That a signal finding is part of an attack sequence, with the sequence's thread (known whether or not the signal has a card). */
export interface SequenceMembership {
  sequenceId: string;
  region: string;
  /** The sequence's title as GuardDuty gave it (not escaped). */
  title: string;
  url: string;
}

/** Parts of a sequence not seen on its card before; `first` when its card had none recorded (nothing to announce). */
export interface SequencePartsClaim {
  added: string[];
  first: boolean;
}

/** The well-formed links of a card record's link field (`partOfSequences`, `signalThreads`); anything else is left out. */
export function readSequenceLinks(value: unknown): SequenceLink[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((v: unknown) => {
    if (typeof v !== 'object' || v === null) return [];
    const { findingId, url, title } = v as Record<string, unknown>;
    if (typeof findingId !== 'string' || typeof url !== 'string') return [];
    return [{ findingId, url, ...(typeof title === 'string' ? { title } : {}) }];
  });
}

const FINDING_ID = /^[A-Za-z0-9]{8,128}$/;
const FINDING_ARN = /^arn:[a-z-]+:guardduty:[a-z0-9-]*:\d*:detector\/[A-Za-z0-9]+\/finding\/([A-Za-z0-9]{8,128})$/;

/**
 * The ID of the GuardDuty finding a `FINDING` signal is: its Uid, given as the finding's ID or its ARN
 * (`…:detector/<detector>/finding/<id>`); undefined for other signals and for a Uid that is neither.
 */
export function signalFindingId(signal: Pick<SequenceSignal, 'type' | 'uid'>): string | undefined {
  if (signal.type !== 'FINDING' || !signal.uid) return undefined;
  const uid = signal.uid.trim();
  if (FINDING_ID.test(uid)) return uid;
  return FINDING_ARN.exec(uid)?.[1];
}

/** The GuardDuty findings among a sequence's signals, each once, in the order given. */
export function signalFindingIds(sequence: Pick<AttackSequence, 'signals'>): string[] {
  return [...new Set(sequence.signals.flatMap((s) => signalFindingId(s) ?? []))];
}

/** A signal's key among a sequence's parts: its Uid, else its name and first sighting. */
export function signalKey(signal: Pick<SequenceSignal, 'uid' | 'name' | 'firstSeen'>): string {
  return `signal:${signal.uid ?? `${signal.name}@${signal.firstSeen ?? ''}`}`;
}

/** The parts of a sequence whose arrival is news: its signals, actors and resources, each by a key of its own. */
export function sequenceParts(sequence: Pick<AttackSequence, 'signals' | 'actors' | 'resources'>): string[] {
  return [
    ...sequence.signals.map(signalKey),
    ...sequence.actors.map((a) => `actor:${a.id}`),
    ...sequence.resources.map((r) => `resource:${r.uid}`),
  ];
}

/** A container (Kubernetes workload, ECS task or the finding's `resource.containerDetails`). */
export interface ContainerSummary {
  name?: string;
  image?: string;
  id?: string;
  runtime?: string;
  privileged?: boolean;
}

/** EKS protection and EKS runtime findings: `resource.eksClusterDetails`, `resource.kubernetesDetails`, the Kubernetes API call. */
export interface KubernetesSummary {
  cluster?: { name?: string; arn?: string; status?: string; vpcId?: string };
  user?: {
    name?: string;
    uid?: string;
    groups: string[];
    sessionNames: string[];
    impersonatedUser?: string;
    impersonatedGroups: string[];
  };
  workload?: {
    name?: string;
    type?: string;
    namespace?: string;
    serviceAccount?: string;
    hostNetwork?: boolean;
    hostPid?: boolean;
    hostIpc?: boolean;
    containers: ContainerSummary[];
    /** `hostPath` volumes: host directories the workload mounts. */
    hostPaths: string[];
  };
  /** `service.action.kubernetesApiCallAction`. */
  apiCall?: {
    verb?: string;
    requestUri?: string;
    resource?: string;
    subresource?: string;
    namespace?: string;
    resourceName?: string;
    statusCode?: number;
    sourceIps: string[];
  };
  /** `service.action.kubernetesPermissionCheckedDetails`: what the caller asked whether it may do. */
  permissionChecked?: { verb?: string; resource?: string; namespace?: string; allowed?: boolean };
  /** `service.action.kubernetesRoleBindingDetails` and `kubernetesRoleDetails`. */
  roleBinding?: { kind?: string; name?: string; roleRefKind?: string; roleRefName?: string };
  role?: { kind?: string; name?: string };
  /** The cluster in the EKS console. */
  consoleUrl?: string;
}

/** ECS findings: `resource.ecsClusterDetails` and its task. */
export interface EcsSummary {
  clusterName?: string;
  clusterArn?: string;
  status?: string;
  runningTasks?: number;
  activeServices?: number;
  task?: {
    arn?: string;
    definitionArn?: string;
    version?: string;
    launchType?: string;
    group?: string;
    startedBy?: string;
    /** ISO-8601. */
    startedAt?: string;
    containers: ContainerSummary[];
  };
  /** The task (else the cluster) in the ECS console. */
  consoleUrl?: string;
}

export interface ProcessSummary {
  name?: string;
  executablePath?: string;
  sha256?: string;
  pid?: number;
  namespacePid?: number;
  user?: string;
  userId?: number;
  pwd?: string;
  /** ISO-8601. */
  startTime?: string;
  /** The parents, nearest first. */
  lineage: { name?: string; executablePath?: string; pid?: number }[];
}

/** Runtime Monitoring findings (EC2, ECS, EKS): `service.runtimeDetails`. */
export interface RuntimeSummary {
  process?: ProcessSummary;
  /** `context.commandLineExample`. */
  commandLine?: string;
  /** The other `service.runtimeDetails.context` values that were given, keyed by their camelCase wire name (`modifyingProcess`, `scriptPath`, …). */
  context: { key: string; value: string }[];
  /** The EC2 instance the process ran on, in the EC2 console (Runtime Monitoring on EC2). */
  instanceConsoleUrl?: string;
}

export interface MalwareThreat {
  name: string;
  severity?: string;
  count?: number;
  files: { path?: string; name?: string; hash?: string; volumeArn?: string }[];
}

/** Malware Protection for EC2: `service.ebsVolumeScanDetails`. */
export interface EbsScanSummary {
  scanId?: string;
  scanType?: string;
  /** ISO-8601. */
  completedAt?: string;
  triggerFindingId?: string;
  sources: string[];
  scannedFiles?: number;
  scannedGb?: number;
  scannedVolumes?: number;
  infectedFiles?: number;
  highest?: { name?: string; severity?: string; count?: number };
  uniqueThreats?: number;
  /** GuardDuty shortened the threat list (only the top threats are given). */
  shortened: boolean;
  threats: MalwareThreat[];
  /** The scanned instance in the EC2 console. */
  instanceConsoleUrl?: string;
}

/** An object of `resource.s3BucketDetails[].s3ObjectDetails` (Malware Protection for S3). */
export interface S3ObjectSummary {
  bucket?: string;
  key?: string;
  versionId?: string;
  eTag?: string;
  hash?: string;
  arn?: string;
  /** The object in the S3 console. */
  consoleUrl?: string;
}

/** `service.malwareScanDetails` (Malware Protection for S3, on-demand and backup scans). */
export interface MalwareScanSummary {
  scanId?: string;
  scanType?: string;
  scanCategory?: string;
  uniqueThreats?: number;
  threats: MalwareThreat[];
}

/** RDS Protection findings: the DB instance, the user, `service.action.rdsLoginAttemptAction`. */
export interface RdsSummary {
  instanceId?: string;
  clusterId?: string;
  engine?: string;
  engineVersion?: string;
  arn?: string;
  user?: string;
  database?: string;
  application?: string;
  authMethod?: string;
  ssl?: string;
  logins: { user?: string; application?: string; failed?: number; successful?: number }[];
  /** The DB instance (else cluster) in the RDS console. */
  consoleUrl?: string;
}

/** Lambda Protection findings: `resource.lambdaDetails`. */
export interface LambdaSummary {
  name?: string;
  arn?: string;
  version?: string;
  role?: string;
  description?: string;
  /** ISO-8601. */
  lastModified?: string;
  vpcId?: string;
  subnetIds: string[];
  securityGroups: { id: string; name?: string }[];
  /** The function in the Lambda console. */
  consoleUrl?: string;
}

/** What a finding family adds beyond the resource summary; each part only when GuardDuty gave something of it. */
export interface FamilyDetails {
  kubernetes?: KubernetesSummary;
  ecs?: EcsSummary;
  /** `resource.containerDetails`. */
  container?: ContainerSummary;
  runtime?: RuntimeSummary;
  ebsScan?: EbsScanSummary;
  s3Objects?: S3ObjectSummary[];
  malwareScan?: MalwareScanSummary;
  rds?: RdsSummary;
  lambda?: LambdaSummary;
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
  /** EKS, ECS, Runtime Monitoring, Malware Protection, RDS and Lambda details; absent on findings of none of these. */
  details?: FamilyDetails;
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

function taskId(arn: string): string {
  return arn.split('/').pop() || arn;
}

/** "pods" → "pod": Kubernetes gives workload types as plural resource names. */
function singular(type: string): string {
  const lower = type.toLowerCase();
  return lower.endsWith('s') ? lower.slice(0, -1) : lower;
}

/** A family's own resource: what it is (`label`, the bot's words), its name and a detail (both from the finding). */
export interface FamilyResource {
  label: string;
  name: string;
  detail?: string;
}

/**
 * The family's own resource: "EKS cluster" prod (pod kube-system/web), "Lambda function" pay:3, "S3 object" bucket/key;
 * undefined when the finding has no family details naming one.
 */
export function familyResource(details: FamilyDetails | undefined): FamilyResource | undefined {
  if (!details) return undefined;
  const { kubernetes: k8s, ecs, rds, lambda, s3Objects, container, runtime, ebsScan } = details;
  const w = k8s?.workload;
  const workload = w?.name ? `${w.type ? `${singular(w.type)} ` : ''}${w.namespace ? `${w.namespace}/` : ''}${w.name}` : undefined;
  if (k8s?.cluster?.name) return { label: 'EKS cluster', name: k8s.cluster.name, detail: workload };
  if (workload) return { label: 'Kubernetes', name: workload };
  const task = ecs?.task?.arn ? `task ${taskId(ecs.task.arn)}` : undefined;
  if (ecs?.clusterName) return { label: 'ECS cluster', name: ecs.clusterName, detail: task };
  if (task) return { label: 'ECS', name: task };
  if (rds?.instanceId) return { label: `RDS${rds.engine ? ` ${rds.engine}` : ''} instance`, name: rds.instanceId, detail: rds.clusterId };
  if (rds?.clusterId) return { label: `RDS${rds.engine ? ` ${rds.engine}` : ''} cluster`, name: rds.clusterId };
  const fn = lambda?.name ?? lambda?.arn;
  if (fn) return { label: 'Lambda function', name: `${fn}${lambda?.name && lambda.version ? `:${lambda.version}` : ''}` };
  const objects = (s3Objects ?? []).filter((o) => o.key);
  const first = objects[0];
  if (first?.key) {
    const more = objects.length > 1 ? `and ${objects.length - 1} more` : undefined;
    return { label: 'S3 object', name: `${first.bucket ? `${first.bucket}/` : ''}${first.key}`, detail: more };
  }
  const box = container?.name ?? container?.image;
  if (box) return { label: 'Container', name: box };
  const process = runtime?.process?.name ?? runtime?.process?.executablePath;
  if (process) return { label: 'Process', name: process };
  if (ebsScan?.infectedFiles !== undefined) {
    return { label: 'Malware scan', name: `${ebsScan.infectedFiles} infected file${ebsScan.infectedFiles === 1 ? '' : 's'}` };
  }
  return undefined;
}

/** The family's resource in plain text (not escaped), e.g. for a digest line: "EKS cluster prod (pod kube-system/web)". */
export function familyResourceName(details: FamilyDetails | undefined): string | undefined {
  const r = familyResource(details);
  return r ? `${r.label} ${r.name}${r.detail ? ` (${r.detail})` : ''}` : undefined;
}

/**
 * What the finding is about in one line of plain text (not escaped), e.g. for a digest line: the instance, access key
 * or bucket, with or instead of the family's own resource; the resource type when nothing names it.
 */
export function resourceName(finding: Pick<Finding, 'resource' | 'details'>): string {
  const family = familyResourceName(finding.details);
  const r = finding.resource;
  switch (r.kind) {
    case 'instance': {
      const base = `Instance ${r.instanceId ?? 'unknown'}${r.name ? ` (${r.name})` : ''}`;
      return family ? `${base} · ${family}` : base;
    }
    case 'accessKey': {
      const base = `Access key ${r.accessKeyId ?? 'unknown'}${r.userName ? ` of ${r.userName}` : ''}`;
      return family ? `${base} · ${family}` : base;
    }
    case 's3Bucket':
      return (
        family ??
        `S3 bucket${r.buckets.length > 1 ? 's' : ''} ${r.buckets.slice(0, 3).join(', ')}${r.buckets.length > 3 ? ` and ${r.buckets.length - 3} more` : ''}`
      );
    case 'other':
      return family ?? r.resourceType;
  }
}
