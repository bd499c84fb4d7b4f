import type { Finding as SdkFinding, RemoteIpDetails } from '@aws-sdk/client-guardduty';
import type { ActionSummary, Finding, RemoteIp, ResourceSummary, ThreatIntel } from '../domain/finding';
import { bandOf } from '../domain/severity';
import { familyDetailsOf } from './family-mapper';
import { sequenceOf } from './sequence-mapper';
import { items, port, str } from './wire-values';

const CONSOLE_HOST: Record<string, string> = {
  aws: 'console.aws.amazon.com',
  'aws-us-gov': 'console.amazonaws-us-gov.com',
  'aws-cn': 'console.amazonaws.cn',
};

const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/** Drops lone surrogates, which encodeURIComponent cannot encode. */
function wellFormed(text: string): string {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '');
}

/** The finding in the GuardDuty console; a region that is not a region name gets the console's home instead. */
export function consoleUrl(partition: string, region: string, findingId: string): string {
  const host = CONSOLE_HOST[partition] ?? CONSOLE_HOST.aws;
  if (!REGION_NAME.test(region))
    return `https://${host}/guardduty/home#/findings?macros=current&fId=${encodeURIComponent(wellFormed(findingId))}`;
  return `https://${region}.${host}/guardduty/home?region=${region}#/findings?macros=current&fId=${encodeURIComponent(wellFormed(findingId))}`;
}

function remoteIp(details: RemoteIpDetails | undefined): RemoteIp | undefined {
  const ip = str(details?.IpAddressV4) ?? str(details?.IpAddressV6);
  if (!details || !ip) return undefined;
  return {
    ip,
    country: str(details.Country?.CountryName) ?? str(details.Country?.CountryCode),
    city: str(details.City?.CityName),
    org: str(details.Organization?.AsnOrg) ?? str(details.Organization?.Org) ?? str(details.Organization?.Isp),
    asn: str(details.Organization?.Asn),
  };
}

function resourceOf(f: SdkFinding): ResourceSummary {
  const r = f.Resource;
  const instance = r?.InstanceDetails;
  if (instance && (r?.ResourceType === 'Instance' || instance.InstanceId)) {
    const nics = items(instance.NetworkInterfaces);
    const groups = new Map<string, string | undefined>();
    for (const nic of nics)
      for (const g of items(nic.SecurityGroups)) if (str(g.GroupId)) groups.set(g.GroupId as string, str(g.GroupName));
    const tags = items(instance.Tags).flatMap((t) =>
      typeof t.Key === 'string' ? [{ key: t.Key, value: typeof t.Value === 'string' ? t.Value : '' }] : [],
    );
    return {
      kind: 'instance',
      instanceId: str(instance.InstanceId),
      name: tags.find((t) => t.key === 'Name')?.value || undefined,
      securityGroups: [...groups].map(([id, name]) => ({ id, name })),
      vpcId: nics.map((n) => str(n.VpcId)).find(Boolean),
      subnetId: nics.map((n) => str(n.SubnetId)).find(Boolean),
      publicIps: nics.flatMap((n) => (str(n.PublicIp) ? [n.PublicIp as string] : [])),
      privateIps: nics.flatMap((n) => (str(n.PrivateIpAddress) ? [n.PrivateIpAddress as string] : [])),
      networkInterfaceIds: nics.flatMap((n) => (str(n.NetworkInterfaceId) ? [n.NetworkInterfaceId as string] : [])),
      tags,
    };
  }
  const bucketDetails = items(r?.S3BucketDetails).filter((b) => str(b.Name));
  const buckets = bucketDetails.map((b) => b.Name as string);
  const publicBuckets = bucketDetails
    .filter((b) => str(b.PublicAccess?.EffectivePermission)?.toUpperCase() === 'PUBLIC')
    .map((b) => b.Name as string);
  // S3 findings also carry AccessKeyDetails (who made the call); the bucket is the resource.
  if (buckets.length > 0 && (r?.ResourceType === 'S3Bucket' || !r?.AccessKeyDetails)) return { kind: 's3Bucket', buckets, publicBuckets };
  const key = r?.AccessKeyDetails;
  if (key && (r?.ResourceType === 'AccessKey' || key.AccessKeyId || key.UserName)) {
    return {
      kind: 'accessKey',
      accessKeyId: str(key.AccessKeyId),
      userName: str(key.UserName),
      userType: str(key.UserType),
      principalId: str(key.PrincipalId),
    };
  }
  if (buckets.length > 0) return { kind: 's3Bucket', buckets, publicBuckets };
  return { kind: 'other', resourceType: str(r?.ResourceType) ?? 'Unknown' };
}

function actionOf(f: SdkFinding): ActionSummary | undefined {
  const a = f.Service?.Action;
  if (!a) return undefined;
  const summary: ActionSummary = { actionType: str(a.ActionType) ?? 'UNKNOWN', remoteIps: [], localPorts: [] };
  const addIp = (d: RemoteIpDetails | undefined) => {
    const ip = remoteIp(d);
    if (ip && !summary.remoteIps.some((x) => x.ip === ip.ip)) summary.remoteIps.push(ip);
  };
  const addPort = (value: number | undefined, name: string | undefined) => {
    const number = port(value);
    if (number !== undefined && !summary.localPorts.some((p) => p.port === number))
      summary.localPorts.push({ port: number, name: str(name) });
  };
  for (const probe of items(a.PortProbeAction?.PortProbeDetails)) {
    addPort(probe.LocalPortDetails?.Port, probe.LocalPortDetails?.PortName);
    addIp(probe.RemoteIpDetails);
  }
  const conn = a.NetworkConnectionAction;
  if (conn) {
    addPort(conn.LocalPortDetails?.Port, conn.LocalPortDetails?.PortName);
    addIp(conn.RemoteIpDetails);
    summary.protocol = str(conn.Protocol);
    summary.connectionDirection = str(conn.ConnectionDirection);
    const remote = port(conn.RemotePortDetails?.Port);
    if (remote !== undefined) summary.remotePort = { port: remote, name: str(conn.RemotePortDetails?.PortName) };
  }
  const api = a.AwsApiCallAction;
  if (api) {
    summary.api = str(api.Api);
    summary.serviceName = str(api.ServiceName);
    summary.userAgent = str(api.UserAgent);
    summary.domain = str(api.DomainDetails?.Domain);
    addIp(api.RemoteIpDetails);
  }
  const dns = a.DnsRequestAction;
  if (dns) {
    summary.domain = str(dns.Domain) ?? summary.domain;
    summary.protocol = str(dns.Protocol) ?? summary.protocol;
  }
  const login = a.RdsLoginAttemptAction;
  if (login) addIp(login.RemoteIpDetails);
  const k8s = a.KubernetesApiCallAction;
  if (k8s) {
    summary.api = str(k8s.Verb) ?? summary.api;
    summary.userAgent = str(k8s.UserAgent) ?? summary.userAgent;
    addIp(k8s.RemoteIpDetails);
    // The caller's source IPs, when GuardDuty gave no geolocated remote IP.
    if (summary.remoteIps.length === 0) for (const ip of items(k8s.SourceIps)) if (str(ip)) addIp({ IpAddressV4: ip });
  }
  return summary;
}

/** `service.additionalInfo`: the API gives it as JSON in `Value`; EventBridge and exports give the object itself. */
function additionalInfo(f: SdkFinding): Record<string, unknown> {
  const info: unknown = f.Service?.AdditionalInfo;
  if (!info || typeof info !== 'object') return {};
  const value = (info as { Value?: unknown }).Value;
  if (typeof value !== 'string') return info as Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(value);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function threatIntelOf(f: SdkFinding): ThreatIntel[] | undefined {
  const lists = new Map<string, Set<string>>();
  const add = (listName: unknown, names: unknown[]) => {
    const list = str(listName);
    if (!list) return;
    const known = lists.get(list) ?? new Set<string>();
    for (const name of names) if (str(name)) known.add(name as string);
    lists.set(list, known);
  };
  const info = additionalInfo(f);
  add(info.threatListName, [info.threatName]);
  for (const detail of items(f.Service?.Evidence?.ThreatIntelligenceDetails)) {
    add(detail.ThreatListName, items(detail.ThreatNames));
  }
  if (lists.size === 0) return undefined;
  return [...lists].map(([listName, names]) => ({ listName, threatNames: [...names] }));
}

/** Normalizes any GetFindings result, whatever its type or missing sections. */
export function toFinding(f: SdkFinding): Finding {
  const id = str(f.Id) ?? 'unknown';
  const region = str(f.Region) ?? 'unknown';
  const partition = str(f.Partition) ?? 'aws';
  const severity = typeof f.Severity === 'number' && Number.isFinite(f.Severity) ? f.Severity : 0;
  const count = f.Service?.Count;
  const details = familyDetailsOf(f, partition, region);
  return {
    id,
    arn: str(f.Arn),
    type: str(f.Type) ?? 'Unknown',
    title: str(f.Title) ?? str(f.Type) ?? 'Untitled finding',
    description: str(f.Description) ?? '',
    severity,
    // Extended Threat Detection raises attack sequences as Critical: a lower severity on the wire does not demote one.
    band: str(f.Type)?.startsWith('AttackSequence:') ? 'critical' : bandOf(severity),
    accountId: str(f.AccountId) ?? 'unknown',
    region,
    partition,
    resource: resourceOf(f),
    action: actionOf(f),
    threatIntel: threatIntelOf(f),
    sequence: sequenceOf(f),
    ...(details ? { details } : {}),
    count: typeof count === 'number' && count > 0 ? count : 1,
    createdAt: str(f.CreatedAt),
    updatedAt: str(f.UpdatedAt) ?? str(f.CreatedAt) ?? new Date(0).toISOString(),
    firstSeen: str(f.Service?.EventFirstSeen),
    lastSeen: str(f.Service?.EventLastSeen),
    archived: f.Service?.Archived === true,
    detectorId: str(f.Service?.DetectorId),
    consoleUrl: consoleUrl(partition, region, id),
  };
}
