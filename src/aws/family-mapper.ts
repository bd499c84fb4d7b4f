import type {
  Container,
  EcsClusterDetails,
  KubernetesApiCallAction,
  ProcessDetails,
  Finding as SdkFinding,
  ScanThreatName,
  Threat,
} from '@aws-sdk/client-guardduty';
import type {
  ContainerSummary,
  EbsScanSummary,
  EcsSummary,
  FamilyDetails,
  KubernetesSummary,
  LambdaSummary,
  MalwareScanSummary,
  MalwareThreat,
  ProcessSummary,
  RdsSummary,
  RuntimeSummary,
  S3ObjectSummary,
} from '../domain/finding';
import { items, str } from './wire-values';

/**
 * The family details of EKS, ECS, Runtime Monitoring, Malware Protection (EC2 and S3), RDS and Lambda findings.
 * Wire JSON may hold nulls, other types or nothing at all where the SDK types promise a value: every reader here
 * checks, and a part without one displayable value is left out.
 */

const CONSOLE_HOST: Record<string, string> = {
  aws: 'console.aws.amazon.com',
  'aws-us-gov': 'console.amazonaws-us-gov.com',
  'aws-cn': 'console.amazonaws.cn',
};

const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
/** Lone surrogates, which encodeURIComponent cannot encode. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function enc(text: string): string {
  return encodeURIComponent(text.replace(LONE_SURROGATE, ''));
}

/** A page of a service's console in the finding's region; undefined when the region is not a region name. */
export function serviceConsoleUrl(partition: string, region: string, path: string): string | undefined {
  if (!REGION_NAME.test(region)) return undefined;
  const host = CONSOLE_HOST[partition] ?? CONSOLE_HOST.aws;
  return `https://${region}.${host}/${path.replace(/\{region\}/g, region)}`;
}

function int(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}

function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function bool(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

/** An ISO-8601 time from the SDK's Date or the wire's string (or epoch number); undefined when it is none of them. */
function time(value: unknown): string | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  if (typeof value === 'number' && Number.isFinite(value)) {
    const date = new Date(value < 1e11 ? value * 1000 : value);
    return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
  }
  return str(value);
}

function strings(value: unknown): string[] {
  return items(value as unknown[]).flatMap((x) => (str(x) ? [x as string] : []));
}

/** The object when it has at least one value that is not undefined, an empty list or `false` from a default. */
function present<T extends object>(value: T): T | undefined {
  return Object.values(value).some((v) => v !== undefined && !(Array.isArray(v) && v.length === 0)) ? value : undefined;
}

function obj<T>(value: T | null | undefined): T | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
}

function container(c: Container | undefined): ContainerSummary | undefined {
  const value = obj(c);
  if (!value) return undefined;
  return present({
    name: str(value.Name),
    image: str(value.Image),
    id: str(value.Id),
    runtime: str(value.ContainerRuntime),
    privileged: bool(obj(value.SecurityContext)?.Privileged),
  });
}

function containers(list: unknown): ContainerSummary[] {
  return items(list as Container[]).flatMap((c) => container(c) ?? []);
}

function kubernetesOf(f: SdkFinding, partition: string, region: string): KubernetesSummary | undefined {
  const eks = obj(f.Resource?.EksClusterDetails);
  const k8s = obj(f.Resource?.KubernetesDetails);
  const userRaw = obj(k8s?.KubernetesUserDetails);
  const workloadRaw = obj(k8s?.KubernetesWorkloadDetails);
  const api: KubernetesApiCallAction | undefined = obj(f.Service?.Action?.KubernetesApiCallAction);
  const cluster = eks ? present({ name: str(eks.Name), arn: str(eks.Arn), status: str(eks.Status), vpcId: str(eks.VpcId) }) : undefined;
  const impersonated = obj(userRaw?.ImpersonatedUser);
  const user = userRaw
    ? present({
        name: str(userRaw.Username),
        uid: str(userRaw.Uid),
        groups: strings(userRaw.Groups),
        sessionNames: strings(userRaw.SessionName),
        impersonatedUser: str(impersonated?.Username),
        impersonatedGroups: strings(impersonated?.Groups),
      })
    : undefined;
  const workload = workloadRaw
    ? present({
        name: str(workloadRaw.Name),
        type: str(workloadRaw.Type),
        namespace: str(workloadRaw.Namespace),
        serviceAccount: str(workloadRaw.ServiceAccountName),
        hostNetwork: workloadRaw.HostNetwork === true ? true : undefined,
        hostPid: workloadRaw.HostPID === true ? true : undefined,
        hostIpc: workloadRaw.HostIPC === true ? true : undefined,
        containers: containers(workloadRaw.Containers),
        hostPaths: items(workloadRaw.Volumes).flatMap((v) => {
          const path = str(obj(obj(v)?.HostPath)?.Path);
          return path ? [path] : [];
        }),
      })
    : undefined;
  const action = obj(f.Service?.Action);
  const checked = obj(action?.KubernetesPermissionCheckedDetails);
  const permissionChecked = checked
    ? present({
        verb: str(checked.Verb),
        resource: str(checked.Resource),
        namespace: str(checked.Namespace),
        allowed: bool(checked.Allowed),
      })
    : undefined;
  const bindingRaw = obj(action?.KubernetesRoleBindingDetails);
  const roleBinding = bindingRaw
    ? present({
        kind: str(bindingRaw.Kind),
        name: str(bindingRaw.Name),
        roleRefKind: str(bindingRaw.RoleRefKind),
        roleRefName: str(bindingRaw.RoleRefName),
      })
    : undefined;
  const roleRaw = obj(action?.KubernetesRoleDetails);
  const role = roleRaw ? present({ kind: str(roleRaw.Kind), name: str(roleRaw.Name) }) : undefined;
  const apiCall = api
    ? present({
        verb: str(api.Verb),
        requestUri: str(api.RequestUri),
        resource: str(api.Resource),
        subresource: str(api.Subresource),
        namespace: str(api.Namespace),
        resourceName: str(api.ResourceName),
        statusCode: int(api.StatusCode),
        sourceIps: strings(api.SourceIps),
      })
    : undefined;
  if (!cluster && !user && !workload && !apiCall) return undefined;
  // A Kubernetes API call alone (no cluster, user or workload) is already in the actor: it makes no family.
  if (!cluster && !user && !workload) return undefined;
  return {
    cluster,
    user,
    workload,
    apiCall,
    permissionChecked,
    roleBinding,
    role,
    consoleUrl: cluster?.name ? serviceConsoleUrl(partition, region, `eks/home?region={region}#/clusters/${enc(cluster.name)}`) : undefined,
  };
}

function ecsOf(raw: EcsClusterDetails | undefined, partition: string, region: string): EcsSummary | undefined {
  const ecs = obj(raw);
  if (!ecs) return undefined;
  const taskRaw = obj(ecs.TaskDetails);
  const task = taskRaw
    ? present({
        arn: str(taskRaw.Arn),
        definitionArn: str(taskRaw.DefinitionArn),
        version: str(taskRaw.Version),
        launchType: str(taskRaw.LaunchType),
        group: str(taskRaw.Group),
        startedBy: str(taskRaw.StartedBy),
        startedAt: time(taskRaw.StartedAt) ?? time(taskRaw.TaskCreatedAt),
        containers: containers(taskRaw.Containers),
      })
    : undefined;
  const summary = present({
    clusterName: str(ecs.Name),
    clusterArn: str(ecs.Arn),
    status: str(ecs.Status),
    runningTasks: int(ecs.RunningTasksCount),
    activeServices: int(ecs.ActiveServicesCount),
    task,
  });
  if (!summary) return undefined;
  const clusterName = summary.clusterName ?? summary.clusterArn?.split('/').pop();
  const taskId = task?.arn?.split('/').pop();
  let consoleUrl: string | undefined;
  if (clusterName && taskId)
    consoleUrl = serviceConsoleUrl(partition, region, `ecs/v2/clusters/${enc(clusterName)}/tasks/${enc(taskId)}?region={region}`);
  else if (clusterName) consoleUrl = serviceConsoleUrl(partition, region, `ecs/v2/clusters/${enc(clusterName)}?region={region}`);
  return { ...summary, consoleUrl };
}

function processOf(raw: ProcessDetails | undefined): ProcessSummary | undefined {
  const p = obj(raw);
  if (!p) return undefined;
  return present({
    name: str(p.Name),
    executablePath: str(p.ExecutablePath),
    sha256: str(p.ExecutableSha256),
    pid: int(p.Pid),
    namespacePid: int(p.NamespacePid),
    user: str(p.User),
    userId: int(p.UserId),
    pwd: str(p.Pwd),
    startTime: time(p.StartTime),
    lineage: items(p.Lineage).flatMap((l) => {
      const entry = obj(l);
      if (!entry) return [];
      const parent = { name: str(entry.Name), executablePath: str(entry.ExecutablePath), pid: int(entry.Pid) };
      return parent.name || parent.executablePath ? [parent] : [];
    }),
  });
}

/** "xmrig (/tmp/xmrig, pid 4242)" for a context's modifying or target process. */
function processLine(p: ProcessSummary | undefined): string | undefined {
  if (!p) return undefined;
  const head = p.name ?? p.executablePath;
  if (!head) return undefined;
  const extra = [p.name && p.executablePath ? p.executablePath : undefined, p.pid !== undefined ? `pid ${p.pid}` : undefined].filter(
    (x): x is string => x !== undefined,
  );
  return `${head}${extra.length > 0 ? ` (${extra.join(', ')})` : ''}`;
}

/** The finding's EC2 instance in the EC2 console. */
function instanceConsoleUrl(f: SdkFinding, partition: string, region: string): string | undefined {
  const id = str(obj(f.Resource?.InstanceDetails)?.InstanceId);
  return id ? serviceConsoleUrl(partition, region, `ec2/home?region={region}#InstanceDetails:instanceId=${enc(id)}`) : undefined;
}

function runtimeOf(f: SdkFinding, partition: string, region: string): RuntimeSummary | undefined {
  const rt = obj(f.Service?.RuntimeDetails);
  if (!rt) return undefined;
  const ctx = obj(rt.Context);
  const context: { key: string; value: string }[] = [];
  const add = (key: string, value: string | undefined) => {
    if (value) context.push({ key, value });
  };
  if (ctx) {
    add('modifyingProcess', processLine(processOf(ctx.ModifyingProcess)));
    add('modifiedAt', time(ctx.ModifiedAt));
    add('targetProcess', processLine(processOf(ctx.TargetProcess)));
    add('scriptPath', str(ctx.ScriptPath));
    add('libraryPath', str(ctx.LibraryPath));
    add('ldPreloadValue', str(ctx.LdPreloadValue));
    add('socketPath', str(ctx.SocketPath));
    add('runcBinaryPath', str(ctx.RuncBinaryPath));
    add('releaseAgentPath', str(ctx.ReleaseAgentPath));
    const mount = [str(ctx.MountSource), str(ctx.MountTarget)].filter(Boolean).join(' → ');
    add('mount', mount || undefined);
    add('fileSystemType', str(ctx.FileSystemType));
    add('flags', strings(ctx.Flags).join(', ') || undefined);
    add('moduleName', str(ctx.ModuleName));
    add('moduleFilePath', str(ctx.ModuleFilePath));
    add('moduleSha256', str(ctx.ModuleSha256));
    add('shellHistoryFilePath', str(ctx.ShellHistoryFilePath));
    add('addressFamily', str(ctx.AddressFamily));
    const proto = int(ctx.IanaProtocolNumber);
    add('ianaProtocolNumber', proto !== undefined ? String(proto) : undefined);
    add('memoryRegions', strings(ctx.MemoryRegions).join(', ') || undefined);
    add('toolName', str(ctx.ToolName));
    add('toolCategory', str(ctx.ToolCategory));
    add('serviceName', str(ctx.ServiceName));
    add('threatFilePath', str(ctx.ThreatFilePath));
    add('fileOperation', str(ctx.FileOperation));
    add('filePath', str(ctx.FilePath));
    add('relatedFilePaths', strings(ctx.RelatedFilePaths).join(', ') || undefined);
  }
  const summary = present({ process: processOf(rt.Process), commandLine: str(ctx?.CommandLineExample), context });
  return summary ? { ...summary, instanceConsoleUrl: instanceConsoleUrl(f, partition, region) } : undefined;
}

function scanThreat(t: ScanThreatName): MalwareThreat | undefined {
  const name = str(t.Name);
  if (!name) return undefined;
  return {
    name,
    severity: str(t.Severity),
    count: int(t.ItemCount),
    files: items(t.FilePaths).flatMap((p) => {
      const file = obj(p);
      if (!file) return [];
      const entry = { path: str(file.FilePath), name: str(file.FileName), hash: str(file.Hash), volumeArn: str(file.VolumeArn) };
      return entry.path || entry.name || entry.hash ? [entry] : [];
    }),
  };
}

function ebsScanOf(f: SdkFinding, partition: string, region: string): EbsScanSummary | undefined {
  const scan = obj(f.Service?.EbsVolumeScanDetails);
  if (!scan) return undefined;
  const detections = obj(scan.ScanDetections);
  const scanned = obj(detections?.ScannedItemCount);
  const highestRaw = obj(detections?.HighestSeverityThreatDetails);
  const byName = obj(detections?.ThreatDetectedByName);
  const highest = highestRaw
    ? present({ name: str(highestRaw.ThreatName), severity: str(highestRaw.Severity), count: int(highestRaw.Count) })
    : undefined;
  const summary = present({
    scanId: str(scan.ScanId),
    scanType: str(scan.ScanType),
    completedAt: time(scan.ScanCompletedAt),
    triggerFindingId: str(scan.TriggerFindingId),
    sources: strings(scan.Sources),
    scannedFiles: int(scanned?.Files),
    scannedGb: finite(scanned?.TotalGb),
    scannedVolumes: int(scanned?.Volumes),
    infectedFiles: int(obj(detections?.ThreatsDetectedItemCount)?.Files),
    highest,
    uniqueThreats: int(byName?.UniqueThreatNameCount),
    threats: items(byName?.ThreatNames).flatMap((t) => (obj(t) ? (scanThreat(t) ?? []) : [])),
  });
  return summary
    ? { ...summary, shortened: byName?.Shortened === true, instanceConsoleUrl: instanceConsoleUrl(f, partition, region) }
    : undefined;
}

function malwareThreat(t: Threat): MalwareThreat | undefined {
  const name = str(t.Name);
  if (!name) return undefined;
  const files = [
    ...items(t.ItemPaths).flatMap((p) => {
      const path = obj(p);
      return path && (str(path.NestedItemPath) || str(path.Hash)) ? [{ path: str(path.NestedItemPath), hash: str(path.Hash) }] : [];
    }),
    ...items(t.ItemDetails).flatMap((d) => {
      const item = obj(d);
      return item && (str(item.ItemPath) || str(item.Hash)) ? [{ path: str(item.ItemPath), hash: str(item.Hash) }] : [];
    }),
  ];
  const hash = str(t.Hash);
  if (files.length === 0 && hash) files.push({ path: undefined, hash });
  return { name, severity: undefined, count: int(t.Count), files };
}

function malwareScanOf(f: SdkFinding): MalwareScanSummary | undefined {
  const scan = obj(f.Service?.MalwareScanDetails);
  if (!scan) return undefined;
  return present({
    scanId: str(scan.ScanId),
    scanType: str(scan.ScanType),
    scanCategory: str(scan.ScanCategory),
    uniqueThreats: int(scan.UniqueThreatCount),
    threats: items(scan.Threats).flatMap((t) => (obj(t) ? (malwareThreat(t) ?? []) : [])),
  });
}

function s3ObjectsOf(f: SdkFinding, partition: string, region: string): S3ObjectSummary[] | undefined {
  const objects = items(f.Resource?.S3BucketDetails).flatMap((b) => {
    const bucket = obj(b);
    if (!bucket) return [];
    return items(bucket.S3ObjectDetails).flatMap((o): S3ObjectSummary[] => {
      const object = obj(o);
      if (!object) return [];
      const summary = present({
        key: str(object.Key),
        versionId: str(object.VersionId),
        eTag: str(object.ETag),
        hash: str(object.Hash),
        arn: str(object.ObjectArn),
      });
      if (!summary) return [];
      const name = str(bucket.Name);
      const consoleUrl =
        name && summary.key
          ? serviceConsoleUrl(
              partition,
              region,
              `s3/object/${enc(name)}?region={region}&bucketType=general&prefix=${enc(summary.key)}${summary.versionId ? `&versionId=${enc(summary.versionId)}` : ''}`,
            )
          : undefined;
      return [{ bucket: name, ...summary, consoleUrl }];
    });
  });
  return objects.length > 0 ? objects : undefined;
}

function rdsOf(f: SdkFinding, partition: string, region: string): RdsSummary | undefined {
  const db = obj(f.Resource?.RdsDbInstanceDetails);
  const limitless = obj(f.Resource?.RdsLimitlessDbDetails);
  const user = obj(f.Resource?.RdsDbUserDetails);
  const login = obj(f.Service?.Action?.RdsLoginAttemptAction);
  const logins = items(login?.LoginAttributes).flatMap((a) => {
    const attr = obj(a);
    if (!attr) return [];
    const entry = present({
      user: str(attr.User),
      application: str(attr.Application),
      failed: int(attr.FailedLoginAttempts),
      successful: int(attr.SuccessfulLoginAttempts),
    });
    return entry ? [entry] : [];
  });
  if (!db && !limitless && !user && logins.length === 0) return undefined;
  const summary = present({
    instanceId: str(db?.DbInstanceIdentifier) ?? str(limitless?.DbShardGroupIdentifier),
    clusterId: str(db?.DbClusterIdentifier) ?? str(limitless?.DbClusterIdentifier),
    engine: str(db?.Engine) ?? str(limitless?.Engine),
    engineVersion: str(db?.EngineVersion) ?? str(limitless?.EngineVersion),
    arn: str(db?.DbInstanceArn) ?? str(limitless?.DbShardGroupArn),
    user: str(user?.User),
    database: str(user?.Database),
    application: str(user?.Application),
    authMethod: str(user?.AuthMethod),
    ssl: str(user?.Ssl),
    logins,
  });
  if (!summary) return undefined;
  let consoleUrl: string | undefined;
  if (summary.instanceId && str(db?.DbInstanceIdentifier))
    consoleUrl = serviceConsoleUrl(partition, region, `rds/home?region={region}#database:id=${enc(summary.instanceId)};is-cluster=false`);
  else if (summary.clusterId)
    consoleUrl = serviceConsoleUrl(partition, region, `rds/home?region={region}#database:id=${enc(summary.clusterId)};is-cluster=true`);
  return { ...summary, consoleUrl };
}

function lambdaOf(f: SdkFinding, partition: string, region: string): LambdaSummary | undefined {
  const fn = obj(f.Resource?.LambdaDetails);
  if (!fn) return undefined;
  const vpc = obj(fn.VpcConfig);
  const summary = present({
    name: str(fn.FunctionName),
    arn: str(fn.FunctionArn),
    version: str(fn.FunctionVersion),
    role: str(fn.Role),
    description: str(fn.Description),
    lastModified: time(fn.LastModifiedAt),
    vpcId: str(vpc?.VpcId),
    subnetIds: strings(vpc?.SubnetIds),
    securityGroups: items(vpc?.SecurityGroups).flatMap((g) => {
      const group = obj(g);
      const id = str(group?.GroupId);
      return id ? [{ id, name: str(group?.GroupName) }] : [];
    }),
  });
  if (!summary) return undefined;
  const name = summary.name ?? summary.arn?.split(':function:')[1]?.split(':')[0];
  const consoleUrl = name ? serviceConsoleUrl(partition, region, `lambda/home?region={region}#/functions/${enc(name)}`) : undefined;
  return { ...summary, consoleUrl };
}

/** The family details of any finding; undefined when it has none (EC2 network, IAM and S3 API findings). */
export function familyDetailsOf(f: SdkFinding, partition: string, region: string): FamilyDetails | undefined {
  const details: FamilyDetails = {
    kubernetes: kubernetesOf(f, partition, region),
    ecs: ecsOf(f.Resource?.EcsClusterDetails, partition, region),
    container: container(f.Resource?.ContainerDetails),
    runtime: runtimeOf(f, partition, region),
    ebsScan: ebsScanOf(f, partition, region),
    s3Objects: s3ObjectsOf(f, partition, region),
    malwareScan: malwareScanOf(f),
    rds: rdsOf(f, partition, region),
    lambda: lambdaOf(f, partition, region),
  };
  for (const key of Object.keys(details) as (keyof FamilyDetails)[]) if (details[key] === undefined) delete details[key];
  return Object.keys(details).length > 0 ? details : undefined;
}
