import type { KnownBlock, MrkdwnElement, SectionBlock } from '@slack/types';
import type {
  ContainerSummary,
  EbsScanSummary,
  EcsSummary,
  FamilyDetails,
  Finding,
  KubernetesSummary,
  LambdaSummary,
  MalwareScanSummary,
  MalwareThreat,
  ProcessSummary,
  RdsSummary,
  RuntimeSummary,
  S3ObjectSummary,
} from '../../domain/finding';
import { familyResource } from '../../domain/finding';
import { ACTION } from '../ids';
import { encodeFindingRef } from '../values';
import { LIMITS, bullets, button, code, formatTime, mrkdwn, truncate } from './text';

/**
 * The card sections of the finding families (EKS/Kubernetes, ECS, Runtime Monitoring, Malware Protection for EC2
 * and S3, RDS, Lambda): the fields an analyst checks first, each escaped and cut, and a console link for the family's
 * resource. A part with nothing to show makes no section; a field with nothing to show is left out.
 */

type Pair = readonly [label: string, value: string | undefined];

const visible = (text: string | undefined): text is string => text !== undefined && text.trim() !== '';

/** `*Label*\nvalue` fields for the pairs that have a visible value, at most Slack's 10, each within 2000. */
function fieldsOf(pairs: readonly Pair[]): MrkdwnElement[] {
  return pairs
    .filter((p): p is readonly [string, string] => visible(p[1]))
    .slice(0, LIMITS.fields)
    .map(([label, value]) => ({ type: 'mrkdwn', text: truncate(`*${label}*\n${value}`, LIMITS.fieldText) }));
}

function safeUrl(url: string | undefined): string | undefined {
  return url && /^https:\/\/[^\s<>|]+$/.test(url) && url.length <= LIMITS.url ? url : undefined;
}

/** A console page for the family's resource: the bot's own label and a URL the mapper built from a console template. */
interface ConsoleLink {
  url: string;
  label: string;
}

/** A section before its console button (which needs the finding's reference) is added. */
interface Draft {
  block: SectionBlock;
  console?: ConsoleLink;
}

function link(url: string | undefined, label: string): ConsoleLink | undefined {
  const safe = safeUrl(url);
  return safe ? { url: safe, label } : undefined;
}

/**
 * One family's section: a heading over its fields and, below them, `extra` lines; its console page becomes an
 * "Open … in console" link button. Undefined when neither fields nor lines have anything to show.
 */
function familySection(heading: string, consoleLink: ConsoleLink | undefined, pairs: readonly Pair[], extra?: string): Draft | undefined {
  const fields = fieldsOf(pairs);
  const lines = visible(extra) ? extra : undefined;
  if (fields.length === 0 && !lines) return undefined;
  const text = [`*${heading}*`, lines].filter(visible).join('\n');
  const block: SectionBlock = {
    type: 'section',
    text: { type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) },
    ...(fields.length > 0 ? { fields } : {}),
  };
  return { block, console: consoleLink };
}

function list(values: readonly string[], shown: number, render: (v: string) => string): string | undefined {
  const parts = values.map(render).filter(visible);
  if (parts.length === 0) return undefined;
  const more = parts.length > shown ? ` +${parts.length - shown}` : '';
  return `${parts.slice(0, shown).join(', ')}${more}`;
}

function count(n: number | undefined, one: string, many = `${one}s`): string | undefined {
  return n === undefined ? undefined : `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

function joined(parts: (string | undefined)[], sep = ' · '): string | undefined {
  const shown = parts.filter(visible);
  return shown.length > 0 ? shown.join(sep) : undefined;
}

function containerLine(c: ContainerSummary): string | undefined {
  const head = c.name ? mrkdwn(c.name, 100) : undefined;
  const image = c.image ? code(c.image, 200) : undefined;
  const flag = c.privileged ? ':warning: privileged' : undefined;
  return joined([head, image, flag], ' ');
}

function containersText(containers: readonly ContainerSummary[], shown = 3): string | undefined {
  const lines = containers.map(containerLine).filter(visible);
  if (lines.length === 0) return undefined;
  return `${lines.slice(0, shown).join('\n')}${lines.length > shown ? `\n… and ${lines.length - shown} more` : ''}`;
}

// ---------------------------------------------------------------- Kubernetes

function kubernetesSection(k: KubernetesSummary): Draft | undefined {
  const user = k.user;
  const w = k.workload;
  const api = k.apiCall;
  const hostAccess = [w?.hostNetwork ? 'hostNetwork' : undefined, w?.hostPid ? 'hostPID' : undefined, w?.hostIpc ? 'hostIPC' : undefined];
  const workload = w
    ? joined([
        joined(
          [
            w.type ? mrkdwn(w.type.toLowerCase().replace(/s$/, ''), 40) : undefined,
            w.namespace && w.name ? code(`${w.namespace}/${w.name}`, 260) : w.name ? code(w.name, 260) : undefined,
          ],
          ' ',
        ),
        w.serviceAccount ? `service account ${code(w.serviceAccount, 120)}` : undefined,
        joined(hostAccess, ', ') ? `:warning: ${joined(hostAccess, ', ')}` : undefined,
      ])
    : undefined;
  const cluster = k.cluster
    ? joined([k.cluster.name ? code(k.cluster.name, 120) : undefined, k.cluster.status ? mrkdwn(k.cluster.status, 30) : undefined])
    : undefined;
  const request = api
    ? joined([
        joined(
          [
            api.verb ? `*${mrkdwn(api.verb, 30)}*` : undefined,
            api.resource ? mrkdwn(`${api.resource}${api.subresource ? `/${api.subresource}` : ''}`, 80) : undefined,
            api.resourceName ? code(`${api.namespace ? `${api.namespace}/` : ''}${api.resourceName}`, 200) : undefined,
          ],
          ' ',
        ),
        api.statusCode !== undefined ? `status ${api.statusCode}` : undefined,
      ])
    : undefined;
  const pc = k.permissionChecked;
  const permission = pc
    ? joined([
        joined(
          [
            pc.verb ? `*${mrkdwn(pc.verb, 30)}*` : undefined,
            pc.resource ? mrkdwn(pc.resource, 80) : undefined,
            pc.namespace ? `in ${code(pc.namespace, 100)}` : undefined,
          ],
          ' ',
        ),
        pc.allowed === undefined ? undefined : pc.allowed ? 'allowed' : 'denied',
      ])
    : undefined;
  const rb = k.roleBinding;
  const binding = rb
    ? joined(
        [
          joined([rb.kind ? mrkdwn(rb.kind, 40) : undefined, rb.name ? code(rb.name, 120) : undefined], ' '),
          rb.roleRefName
            ? `→ ${joined([rb.roleRefKind ? mrkdwn(rb.roleRefKind, 40) : undefined, code(rb.roleRefName, 120)], ' ')}`
            : undefined,
        ],
        ' ',
      )
    : undefined;
  const role = k.role
    ? joined([k.role.kind ? mrkdwn(k.role.kind, 40) : undefined, k.role.name ? code(k.role.name, 120) : undefined], ' ')
    : undefined;
  return familySection('Kubernetes', link(k.consoleUrl, 'Open cluster in EKS console'), [
    ['EKS cluster', cluster],
    ['Kubernetes user', user?.name ? code(user.name, 160) : user?.uid ? code(user.uid, 160) : undefined],
    ['Groups', list(user?.groups ?? [], 5, (g) => code(g, 80))],
    ['Impersonated', user?.impersonatedUser ? code(user.impersonatedUser, 160) : undefined],
    ['Workload', workload],
    ['API call', request],
    ['Request URI', api?.requestUri ? code(api.requestUri, 400) : undefined],
    ['Containers', containersText(w?.containers ?? [])],
    ['Host paths', list(w?.hostPaths ?? [], 5, (p) => code(p, 200))],
    ['Permission checked', permission],
    ['Role binding', binding],
    ['Role', role],
    ['Namespace', w?.namespace ? code(w.namespace, 100) : api?.namespace ? code(api.namespace, 100) : undefined],
    ['Source IPs', list(api?.sourceIps ?? [], 3, (ip) => mrkdwn(ip, 45))],
  ]);
}

// ---------------------------------------------------------------- ECS

function ecsSection(e: EcsSummary, container: ContainerSummary | undefined): Draft | undefined {
  const task = e.task;
  const taskId = task?.arn?.split('/').pop();
  const definition = task?.definitionArn?.split('/').pop();
  const tasks = joined([count(e.runningTasks, 'running task'), count(e.activeServices, 'service')], ', ');
  return familySection('ECS', link(e.consoleUrl, taskId ? 'Open task in ECS console' : 'Open cluster in ECS console'), [
    ['ECS cluster', joined([e.clusterName ? code(e.clusterName, 120) : undefined, e.status ? mrkdwn(e.status, 30) : undefined, tasks])],
    ['Task', taskId ? code(taskId, 120) : undefined],
    ['Task definition', definition ? code(definition, 200) : undefined],
    ['Launch', joined([task?.launchType ? mrkdwn(task.launchType, 30) : undefined, task?.group ? code(task.group, 120) : undefined])],
    [
      'Started',
      task?.startedAt
        ? joined([formatTime(task.startedAt), task.startedBy ? `by ${code(task.startedBy, 120)}` : undefined], ' ')
        : undefined,
    ],
    ['Containers', containersText(task?.containers ?? [])],
    ['Container', container ? containerLine(container) : undefined],
  ]);
}

// ---------------------------------------------------------------- Runtime

const CONTEXT_LABELS: Record<string, string> = {
  modifyingProcess: 'Modified by',
  modifiedAt: 'Modified at',
  targetProcess: 'Target process',
  scriptPath: 'Script',
  libraryPath: 'Library',
  ldPreloadValue: 'LD_PRELOAD',
  socketPath: 'Socket',
  runcBinaryPath: 'runc binary',
  releaseAgentPath: 'Release agent',
  mount: 'Mount',
  fileSystemType: 'File system',
  flags: 'Flags',
  moduleName: 'Kernel module',
  moduleFilePath: 'Module file',
  moduleSha256: 'Module SHA-256',
  shellHistoryFilePath: 'Shell history',
  addressFamily: 'Address family',
  ianaProtocolNumber: 'IANA protocol',
  memoryRegions: 'Memory regions',
  toolName: 'Tool',
  toolCategory: 'Tool category',
  serviceName: 'Service',
  threatFilePath: 'Threat file',
  fileOperation: 'File operation',
  filePath: 'File',
  relatedFilePaths: 'Related files',
};

const CONTEXT_SHOWN = 8;

function contextLines(context: RuntimeSummary['context']): string | undefined {
  const lines = context.map(({ key, value }) => {
    const label = CONTEXT_LABELS[key] ?? key;
    const shown = key === 'modifiedAt' ? formatTime(value) : code(value, 300);
    return `${mrkdwn(label, 40)}: ${shown}`;
  });
  return lines.length > 0 ? bullets(lines, CONTEXT_SHOWN) : undefined;
}

function lineageText(p: ProcessSummary | undefined): string | undefined {
  const names = (p?.lineage ?? []).map((l) => l.name ?? l.executablePath).filter(visible);
  if (names.length === 0) return undefined;
  const shown = names.slice(0, 5).map((n) => code(n, 60));
  return `${shown.join(' ← ')}${names.length > 5 ? ` ← … ${names.length - 5} more` : ''}`;
}

function runtimeSection(r: RuntimeSummary, container: ContainerSummary | undefined): Draft | undefined {
  const p = r.process;
  const user = p
    ? joined(
        [
          p.user ? code(p.user, 60) : undefined,
          p.userId !== undefined ? `uid ${p.userId}` : undefined,
          p.pid !== undefined ? `pid ${p.pid}` : undefined,
        ],
        ', ',
      )
    : undefined;
  const context = contextLines(r.context);
  return familySection(
    'Runtime',
    link(r.instanceConsoleUrl, 'Open instance in EC2 console'),
    [
      ['Process', p?.name ? code(p.name, 100) : undefined],
      ['Executable', p?.executablePath ? code(p.executablePath, 300) : undefined],
      ['SHA-256', p?.sha256 ? code(p.sha256, 80) : undefined],
      ['User', user],
      ['Parent lineage', lineageText(p)],
      ['Command line', r.commandLine ? code(r.commandLine, 600) : undefined],
      ['Working directory', p?.pwd ? code(p.pwd, 200) : undefined],
      ['Container', container ? containerLine(container) : undefined],
    ],
    context ? `*Context*\n${context}` : undefined,
  );
}

// ---------------------------------------------------------------- Malware

const THREATS_SHOWN = 5;
const FILES_SHOWN = 3;

function threatLines(threats: readonly MalwareThreat[]): string | undefined {
  const lines = threats.slice(0, THREATS_SHOWN).map((t) => {
    const meta = joined([t.severity ? mrkdwn(t.severity, 20) : undefined, count(t.count, 'file')], ', ');
    const head = `${code(t.name, 200)}${meta ? ` (${meta})` : ''}`;
    const files = t.files.slice(0, FILES_SHOWN).map((f) => {
      const where = f.path ?? f.name;
      return `    ${joined([where ? code(where, 300) : undefined, f.hash ? `SHA-256 ${code(f.hash, 80)}` : undefined], ' ')}`;
    });
    if (t.files.length > FILES_SHOWN) files.push(`    … and ${t.files.length - FILES_SHOWN} more files`);
    return [head, ...files.filter((f) => f.trim() !== '')].join('\n');
  });
  if (lines.length === 0) return undefined;
  const more = threats.length > THREATS_SHOWN ? `\n… and ${threats.length - THREATS_SHOWN} more threats` : '';
  return `*Threats*\n${bullets(lines, THREATS_SHOWN)}${more}`;
}

function ebsScanSection(s: EbsScanSummary): Draft | undefined {
  const scanned = joined(
    [count(s.scannedFiles, 'file'), s.scannedGb !== undefined ? `${s.scannedGb} GB` : undefined, count(s.scannedVolumes, 'volume')],
    ', ',
  );
  const highest = s.highest?.name
    ? joined(
        [code(s.highest.name, 200), s.highest.severity ? mrkdwn(s.highest.severity, 20) : undefined, count(s.highest.count, 'file')],
        ', ',
      )
    : undefined;
  const threatCount = s.uniqueThreats ?? (s.threats.length > 0 ? s.threats.length : undefined);
  const result =
    s.infectedFiles !== undefined || threatCount !== undefined
      ? joined([count(s.infectedFiles, 'infected file'), count(threatCount, 'distinct threat')], ', ')
      : undefined;
  const extra = joined([threatLines(s.threats), s.shortened ? '_GuardDuty listed only the most severe threats._' : undefined], '\n');
  return familySection(
    'Malware scan (EC2)',
    link(s.instanceConsoleUrl, 'Open instance in EC2 console'),
    [
      ['Scan result', result],
      ['Highest severity', highest],
      ['Scanned', scanned],
      [
        'Scan',
        joined([s.scanType ? mrkdwn(s.scanType, 40) : undefined, s.completedAt ? `completed ${formatTime(s.completedAt)}` : undefined]),
      ],
      ['Scan ID', s.scanId ? code(s.scanId, 80) : undefined],
      ['Triggered by', s.triggerFindingId ? `finding ${code(s.triggerFindingId, 80)}` : undefined],
      ['Engines', list(s.sources, 4, (x) => mrkdwn(x, 40))],
    ],
    extra,
  );
}

function s3ObjectLines(objects: readonly S3ObjectSummary[]): string | undefined {
  const lines = objects.slice(0, FILES_SHOWN).map((o) => {
    const where = o.key ? code(`${o.bucket ? `${o.bucket}/` : ''}${o.key}`, 300) : o.arn ? code(o.arn, 300) : undefined;
    const meta = joined(
      [o.versionId ? `version ${code(o.versionId, 120)}` : undefined, o.hash ? `SHA-256 ${code(o.hash, 80)}` : undefined],
      ', ',
    );
    return joined([where, meta], ' ');
  });
  const shown = lines.filter(visible);
  if (shown.length === 0) return undefined;
  return bullets(shown, FILES_SHOWN) + (objects.length > FILES_SHOWN ? `\n… and ${objects.length - FILES_SHOWN} more objects` : '');
}

function malwareS3Section(objects: readonly S3ObjectSummary[], scan: MalwareScanSummary | undefined): Draft | undefined {
  const threats = scan?.threats ?? [];
  const threatCount = scan?.uniqueThreats ?? (threats.length > 0 ? threats.length : undefined);
  const one = objects.length === 1 ? objects[0] : undefined;
  const consoleLink = link(objects.find((o) => o.consoleUrl)?.consoleUrl, 'Open object in S3 console');
  const objectLines = objects.length > 1 ? s3ObjectLines(objects) : undefined;
  return familySection(
    objects.length > 0 ? 'Malware scan (S3 object)' : 'Malware scan',
    consoleLink,
    [
      [
        'Scan result',
        threatCount !== undefined && threatCount > 0 ? `:biohazard_sign: Threats found (${count(threatCount, 'threat')})` : undefined,
      ],
      [
        'Threat names',
        list(
          threats.map((t) => t.name),
          5,
          (n) => code(n, 120),
        ),
      ],
      ['Bucket', one?.bucket ? code(one.bucket, 80) : undefined],
      ['Object key', one?.key ? code(one.key, 400) : one?.arn ? code(one.arn, 400) : undefined],
      ['Version', one?.versionId ? code(one.versionId, 120) : undefined],
      ['Object SHA-256', one?.hash ? code(one.hash, 80) : undefined],
      ['ETag', one?.eTag && !one.hash ? code(one.eTag, 80) : undefined],
      ['Objects', objects.length > 1 ? String(objects.length) : undefined],
      [
        'Scan',
        joined([scan?.scanType ? mrkdwn(scan.scanType, 40) : undefined, scan?.scanCategory ? mrkdwn(scan.scanCategory, 40) : undefined]),
      ],
      ['Scan ID', scan?.scanId ? code(scan.scanId, 80) : undefined],
    ],
    joined([objectLines ? `*Objects*\n${objectLines}` : undefined, threatLines(threats)], '\n'),
  );
}

// ---------------------------------------------------------------- RDS

function rdsSection(r: RdsSummary): Draft | undefined {
  const logins = r.logins.map((l) => {
    const who = joined([l.user ? code(l.user, 100) : undefined, l.application ? `via ${code(l.application, 80)}` : undefined], ' ');
    const tally = joined([count(l.failed, 'failed', 'failed'), count(l.successful, 'successful', 'successful')], ', ');
    return joined([who, tally], ': ');
  });
  const loginText = logins.filter(visible);
  return familySection('RDS', link(r.consoleUrl, r.instanceId ? 'Open database in RDS console' : 'Open cluster in RDS console'), [
    ['DB instance', r.instanceId ? code(r.instanceId, 100) : undefined],
    ['DB cluster', r.clusterId ? code(r.clusterId, 100) : undefined],
    ['Engine', joined([r.engine ? mrkdwn(r.engine, 40) : undefined, r.engineVersion ? mrkdwn(r.engineVersion, 30) : undefined], ' ')],
    ['Database', r.database ? code(r.database, 100) : undefined],
    ['DB user', r.user ? code(r.user, 100) : undefined],
    ['Application', r.application ? code(r.application, 100) : undefined],
    ['Authentication', joined([r.authMethod ? mrkdwn(r.authMethod, 30) : undefined, r.ssl ? `SSL ${mrkdwn(r.ssl, 20)}` : undefined], ', ')],
    ['Login attempts', loginText.length > 0 ? bullets(loginText, 5) : undefined],
  ]);
}

// ---------------------------------------------------------------- Lambda

function lambdaSection(l: LambdaSummary, finding: Finding): Draft | undefined {
  const a = finding.action;
  const remote = a?.remoteIps[0];
  const connection =
    a && remote
      ? joined(
          [
            a.connectionDirection ? mrkdwn(a.connectionDirection, 20) : undefined,
            a.protocol ? mrkdwn(a.protocol, 10) : undefined,
            `${mrkdwn(remote.ip, 45)}${a.remotePort ? `:${a.remotePort.port}` : ''}`,
          ],
          ' ',
        )
      : undefined;
  const network = joined([
    l.vpcId ? `VPC ${code(l.vpcId, 40)}` : undefined,
    list(
      l.securityGroups.map((g) => g.id),
      3,
      (g) => code(g, 40),
    ),
    count(l.subnetIds.length || undefined, 'subnet'),
  ]);
  return familySection('Lambda', link(l.consoleUrl, 'Open function in Lambda console'), [
    ['Function', l.name ? code(l.name, 140) : l.arn ? code(l.arn, 200) : undefined],
    ['Version', l.version ? code(l.version, 40) : undefined],
    ['Role', l.role ? code(l.role, 200) : undefined],
    ['Network connection', connection],
    ['VPC', network],
    ['Last modified', l.lastModified ? formatTime(l.lastModified) : undefined],
    ['Description', l.description ? mrkdwn(l.description, 300) : undefined],
  ]);
}

// ---------------------------------------------------------------- the card's part

/** The family sections of a finding, in a fixed order; none for a finding without family details. */
export function familyBlocks(finding: Finding): KnownBlock[] {
  const d: FamilyDetails | undefined = finding.details;
  if (!d) return [];
  // `resource.containerDetails` is shown once: not at all when the task or workload already lists it, else in the
  // runtime section, else the ECS section, else a section of its own.
  const listed = [...(d.ecs?.task?.containers ?? []), ...(d.kubernetes?.workload?.containers ?? [])];
  const own = d.container;
  const container = own && !listed.some((c) => c.name === own.name && c.image === own.image) ? own : undefined;
  const sections = [
    d.kubernetes ? kubernetesSection(d.kubernetes) : undefined,
    d.ecs ? ecsSection(d.ecs, d.runtime ? undefined : container) : undefined,
    d.runtime ? runtimeSection(d.runtime, container) : undefined,
    container && !d.runtime && !d.ecs ? familySection('Container', undefined, [['Container', containerLine(container)]]) : undefined,
    d.ebsScan ? ebsScanSection(d.ebsScan) : undefined,
    d.s3Objects || d.malwareScan ? malwareS3Section(d.s3Objects ?? [], d.malwareScan) : undefined,
    d.rds ? rdsSection(d.rds) : undefined,
    d.lambda ? lambdaSection(d.lambda, finding) : undefined,
  ];
  const ref = encodeFindingRef({ region: finding.region, id: finding.id });
  return sections.flatMap((draft): KnownBlock[] => {
    if (!draft) return [];
    if (!draft.console) return [draft.block];
    return [{ ...draft.block, accessory: { ...button(draft.console.label, ACTION.openConsole, ref), url: draft.console.url } }];
  });
}

/** The family's resource, escaped, in one line: what the list row and the card's Resource field name. */
export function familyResourceText(details: FamilyDetails | undefined): string | undefined {
  const r = familyResource(details);
  if (!r) return undefined;
  const name = r.label === 'Malware scan' ? mrkdwn(r.name, 60) : code(r.name, 160);
  return `${mrkdwn(r.label, 60)} ${name}${r.detail ? ` (${mrkdwn(r.detail, 160)})` : ''}`;
}
