import type { Finding as SdkFinding } from '@aws-sdk/client-guardduty';
import { consoleUrl, toFinding } from '../../src/aws/finding-mapper';
import type { Finding } from '../../src/domain/finding';
import { bandOf, type SeverityBand } from '../../src/domain/severity';
import { fixtureNames, loadFixture } from '../../support/helpers/fixtures';

interface Expected {
  id: string;
  type: string;
  band: SeverityBand;
  severity: number;
  region: string;
  count: number;
  resource: Partial<Finding['resource']> & { kind: Finding['resource']['kind'] };
  action?: { actionType: string; ports: number[]; ips: string[] } & Partial<
    Omit<NonNullable<Finding['action']>, 'localPorts' | 'remoteIps'>
  >;
}

const ACCOUNT = '123456789012';

const EXPECTED: Record<string, Expected> = {
  'attacksequence-iam-compromisedcredentials': {
    id: '3333444455556666777788889999dddd',
    type: 'AttackSequence:IAM/CompromisedCredentials',
    band: 'critical',
    severity: 9.2,
    region: 'us-east-1',
    count: 1,
    resource: { kind: 'accessKey', accessKeyId: 'AKIAI44QH8DHBEXAMPLE', userName: 'ops-automation', userType: 'IAMUser' },
  },
  'backdoor-ec2-ccactivity-dns': {
    id: 'ffff0000111122223333444455556666',
    type: 'Backdoor:EC2/C&CActivity.B!DNS',
    band: 'high',
    severity: 8,
    region: 'eu-west-1',
    count: 3,
    resource: {
      kind: 'instance',
      instanceId: 'i-0123abcd4567ef890',
      name: 'prod-app-7',
      securityGroups: [{ id: 'sg-0d1e2f3a4b5c6071b', name: 'app-sg' }],
    },
    action: { actionType: 'DNS_REQUEST', ports: [], ips: [], domain: 'c2.malicious-example.net', protocol: 'UDP' },
  },
  'backdoor-lambda-c2activity': {
    id: 'f6f6a7a7b8b8c9c9d0d0e1e1f2f2a3a3',
    type: 'Backdoor:Lambda/C&CActivity.B',
    band: 'high',
    severity: 8,
    region: 'ap-southeast-2',
    count: 9,
    resource: { kind: 'other', resourceType: 'Lambda' },
    action: { actionType: 'NETWORK_CONNECTION', ports: [39412], ips: ['198.51.100.66'], protocol: 'TCP', connectionDirection: 'OUTBOUND' },
  },
  'credentialaccess-rds-anomalousbehavior-successfullogin': {
    id: 'e5e5f6f6a7a7b8b8c9c9d0d0e1e1f2f2',
    type: 'CredentialAccess:RDS/AnomalousBehavior.SuccessfulLogin',
    band: 'high',
    severity: 8,
    region: 'us-east-2',
    count: 2,
    resource: { kind: 'other', resourceType: 'RDSDBInstance' },
    action: { actionType: 'RDS_LOGIN_ATTEMPT', ports: [], ips: ['192.0.2.150'] },
  },
  'cryptocurrency-ec2-bitcointool': {
    id: '0000111122223333444455556666aaaa',
    type: 'CryptoCurrency:EC2/BitcoinTool.B',
    band: 'high',
    severity: 8,
    region: 'us-east-1',
    count: 88,
    resource: { kind: 'instance', instanceId: 'i-0aa11bb22cc33dd44', name: 'batch-worker' },
    action: { actionType: 'NETWORK_CONNECTION', ports: [38512], ips: ['198.51.100.200'], protocol: 'TCP', connectionDirection: 'OUTBOUND' },
  },
  'execution-ec2-maliciousfile': {
    id: 'c3c3d4d4e5e5f6f6a7a7b8b8c9c9d0d0',
    type: 'Execution:EC2/MaliciousFile',
    band: 'high',
    severity: 8,
    region: 'us-east-1',
    count: 1,
    resource: { kind: 'instance', instanceId: 'i-0bb22cc33dd44ee55', name: 'ci-runner-3' },
  },
  'execution-kubernetes-exec-in-kube-system-pod': {
    id: 'a1a1b2b2c3c3d4d4e5e5f6f6a7a7b8b8',
    type: 'Execution:Kubernetes/ExecInKubeSystemPod',
    band: 'medium',
    severity: 5,
    region: 'us-west-2',
    count: 4,
    resource: { kind: 'other', resourceType: 'EKSCluster' },
    action: {
      actionType: 'KUBERNETES_API_CALL',
      ports: [],
      ips: ['198.51.100.5'],
      api: 'create',
      userAgent: 'kubectl/v1.28.2 (linux/amd64) kubernetes/89a4ea3',
    },
  },
  'execution-runtime-newbinaryexecuted-eks': {
    id: 'a7a7b8b8c9c9d0d0e1e1f2f2a3a3b4b4',
    type: 'Execution:Runtime/NewBinaryExecuted',
    band: 'medium',
    severity: 5,
    region: 'us-west-2',
    count: 3,
    // Runtime Monitoring on an EKS node gives the node's instance too: the instance stays the resource.
    resource: { kind: 'instance', instanceId: 'i-0eks00node0000001', name: 'prod-eks-01-ng-a' },
  },
  'execution-runtime-reverseshell': {
    id: 'b2b2c3c3d4d4e5e5f6f6a7a7b8b8c9c9',
    type: 'Execution:Runtime/ReverseShell',
    band: 'high',
    severity: 8,
    region: 'eu-central-1',
    count: 1,
    resource: { kind: 'other', resourceType: 'ECSCluster' },
    action: { actionType: 'NETWORK_CONNECTION', ports: [48022], ips: ['203.0.113.77'], protocol: 'TCP', connectionDirection: 'OUTBOUND' },
  },
  'object-s3-maliciousfile': {
    id: 'd4d4e5e5f6f6a7a7b8b8c9c9d0d0e1e1',
    type: 'Object:S3/MaliciousFile',
    band: 'high',
    severity: 8,
    region: 'eu-west-1',
    count: 1,
    resource: { kind: 's3Bucket', buckets: ['customer-uploads-prod'], publicBuckets: [] },
  },
  'policy-s3-bucketblockpublicaccessdisabled': {
    id: '2222333344445555666677778888cccc',
    type: 'Policy:S3/BucketBlockPublicAccessDisabled',
    band: 'low',
    severity: 2,
    region: 'us-east-1',
    count: 1,
    resource: { kind: 's3Bucket', buckets: ['example-logs-bucket'] },
    action: {
      actionType: 'AWS_API_CALL',
      ports: [],
      ips: ['192.0.2.10'],
      api: 'PutBucketPublicAccessBlock',
      serviceName: 's3.amazonaws.com',
    },
  },
  'recon-ec2-portprobe-ssh-rdp': {
    id: 'ccccddddeeeeffff1234567890123456',
    type: 'Recon:EC2/PortProbeUnprotectedPort',
    band: 'medium',
    severity: 5,
    region: 'us-east-1',
    count: 14,
    resource: { kind: 'instance', instanceId: 'i-0fedcba9876543210', name: 'win-bastion' },
    action: { actionType: 'PORT_PROBE', ports: [22, 3389], ips: ['203.0.113.45', '203.0.113.46'] },
  },
  'recon-ec2-portprobe-ssh': {
    id: 'bbbbccccddddeeee1234567890123456',
    type: 'Recon:EC2/PortProbeUnprotectedPort',
    band: 'low',
    severity: 2,
    region: 'us-east-1',
    count: 1,
    resource: {
      kind: 'instance',
      instanceId: 'i-012345678aabbccdd',
      name: 'staging-web-1',
      securityGroups: [{ id: 'sg-0a1b2c3d4e5f60718', name: 'cc-staging-env-sg' }],
    },
    action: { actionType: 'PORT_PROBE', ports: [22], ips: ['198.51.100.7'] },
  },
  'unauthorizedaccess-ec2-rdpbruteforce': {
    id: 'eeeeffff000011112222333344445555',
    type: 'UnauthorizedAccess:EC2/RDPBruteForce',
    band: 'medium',
    severity: 5,
    region: 'us-west-2',
    count: 57,
    resource: {
      kind: 'instance',
      instanceId: 'i-0fedcba9876543210',
      name: 'win-bastion',
      securityGroups: [{ id: 'sg-0b1c2d3e4f5a60719', name: 'bastion-sg' }],
    },
    action: { actionType: 'NETWORK_CONNECTION', ports: [3389], ips: ['203.0.113.80'], protocol: 'TCP', connectionDirection: 'INBOUND' },
  },
  'unauthorizedaccess-ec2-sshbruteforce': {
    id: 'ddddeeeeffff00001234567890123456',
    type: 'UnauthorizedAccess:EC2/SSHBruteForce',
    band: 'medium',
    severity: 5,
    region: 'us-east-1',
    count: 231,
    resource: {
      kind: 'instance',
      instanceId: 'i-012345678aabbccdd',
      name: 'staging-web-1',
      publicIps: ['54.210.10.20'],
      privateIps: ['10.0.1.25'],
    },
    action: { actionType: 'NETWORK_CONNECTION', ports: [22], ips: ['198.51.100.23'], protocol: 'TCP', connectionDirection: 'INBOUND' },
  },
  'unauthorizedaccess-iamuser-credential-exfiltration': {
    id: '1111222233334444555566667777bbbb',
    type: 'UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS',
    band: 'high',
    severity: 8,
    region: 'us-east-1',
    count: 12,
    resource: { kind: 'accessKey', accessKeyId: 'ASIAIOSFODNN7EXAMPLE', userName: 'web-server', userType: 'AssumedRole' },
    action: { actionType: 'AWS_API_CALL', ports: [], ips: ['198.51.100.99'], api: 'ListBuckets', serviceName: 's3.amazonaws.com' },
  },
};

/**
 * Bug in resourceOf(): the S3 finding has ResourceType "S3Bucket" plus AccessKeyDetails (the caller);
 * AccessKeyDetails is checked first, so the summary becomes the caller's access key and the bucket is lost.
 */
const KNOWN_RESOURCE_BUGS = new Set<string>();

function mapped(name: string): Finding {
  return toFinding(loadFixture(name));
}

function sdk(partial: Record<string, unknown>): SdkFinding {
  return partial as unknown as SdkFinding;
}

function minimal(extra: Record<string, unknown> = {}): SdkFinding {
  return sdk({
    Id: 'abcdef0123456789abcdef0123456789',
    AccountId: ACCOUNT,
    Region: 'us-east-1',
    Partition: 'aws',
    Type: 'Recon:EC2/Portscan',
    Severity: 5,
    UpdatedAt: '2024-05-01T10:00:00.000Z',
    ...extra,
  });
}

describe('toFinding over every fixture', () => {
  it('has an expectation for each fixture file', () => {
    expect(fixtureNames().sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  describe.each(fixtureNames())('%s', (name) => {
    const raw = loadFixture(name);
    const f = toFinding(raw);
    const want = EXPECTED[name];

    it('keeps identity, type, severity band, account, region, count and status', () => {
      expect(want).toBeDefined();
      if (!want) return;
      expect(f.id).toBe(want.id);
      expect(f.arn).toBe(raw.Arn);
      expect(f.type).toBe(want.type);
      expect(f.title).toBe(raw.Title);
      expect(f.severity).toBe(want.severity);
      expect(f.band).toBe(want.band);
      expect(f.accountId).toBe(ACCOUNT);
      expect(f.region).toBe(want.region);
      expect(f.partition).toBe('aws');
      expect(f.count).toBe(want.count);
      expect(f.archived).toBe(false);
      expect(f.updatedAt).toBe(raw.UpdatedAt);
      expect(f.firstSeen).toBe(raw.Service?.EventFirstSeen);
      expect(f.lastSeen).toBe(raw.Service?.EventLastSeen);
      expect(f.detectorId).toBe('aaabbbcccdddeeefff01234567890123');
    });

    it('links to the console in its own region', () => {
      expect(f.consoleUrl).toBe(
        `https://${want?.region}.console.aws.amazon.com/guardduty/home?region=${want?.region}#/findings?macros=current&fId=${want?.id}`,
      );
      expect(f.consoleUrl).toContain(f.region);
      expect(f.consoleUrl).toContain(f.id);
    });

    (KNOWN_RESOURCE_BUGS.has(name) ? it.failing : it)('summarizes the resource', () => {
      expect(f.resource).toEqual(expect.objectContaining(want?.resource ?? {}));
    });

    it('summarizes the action', () => {
      if (!want?.action) {
        expect(f.action).toBeUndefined();
        return;
      }
      const { ports, ips, ...rest } = want.action;
      expect(f.action).toMatchObject(rest);
      expect(f.action?.localPorts.map((p) => p.port)).toEqual(ports);
      expect(f.action?.remoteIps.map((r) => r.ip)).toEqual(ips);
    });
  });
});

describe('toFinding on specific fixtures', () => {
  it('port probe on SSH and RDP: both ports, both probers, both security groups, the Name tag', () => {
    const f = mapped('recon-ec2-portprobe-ssh-rdp');
    expect(f.action?.localPorts).toEqual([
      { port: 22, name: 'SSH' },
      { port: 3389, name: 'RDP' },
    ]);
    expect(f.action?.remoteIps).toEqual([
      { ip: '203.0.113.45', country: 'China', city: 'Beijing', org: 'Example Telecom', asn: '64502' },
      { ip: '203.0.113.46', country: 'China', city: 'Beijing', org: 'Example Telecom', asn: '64502' },
    ]);
    expect(f.resource).toEqual({
      kind: 'instance',
      instanceId: 'i-0fedcba9876543210',
      name: 'win-bastion',
      securityGroups: [
        { id: 'sg-0b1c2d3e4f5a60719', name: 'bastion-sg' },
        { id: 'sg-0c1d2e3f4a5b6071a', name: 'default' },
      ],
      vpcId: 'vpc-0123456789abcdef0',
      subnetId: 'subnet-0123456789abcdef0',
      publicIps: ['3.91.20.55'],
      privateIps: ['10.0.1.25'],
      networkInterfaceIds: ['eni-0a1b2c3d4e5f60718'],
      tags: [{ key: 'Name', value: 'win-bastion' }],
    });
  });

  it('IAM credential exfiltration: an access key, the API called and the user agent', () => {
    const f = mapped('unauthorizedaccess-iamuser-credential-exfiltration');
    expect(f.resource).toEqual({
      kind: 'accessKey',
      accessKeyId: 'ASIAIOSFODNN7EXAMPLE',
      userName: 'web-server',
      userType: 'AssumedRole',
      principalId: 'AROAEXAMPLEID:i-012345678aabbccdd',
    });
    expect(f.action?.actionType).toBe('AWS_API_CALL');
    expect(f.action?.api).toBe('ListBuckets');
    expect(f.action?.serviceName).toBe('s3.amazonaws.com');
    expect(f.action?.userAgent).toBe('aws-cli/2.15.0 Python/3.11.6 Linux/6.5.0 exe/x86_64.ubuntu.22');
    expect(f.action?.remoteIps[0]).toEqual({
      ip: '198.51.100.99',
      country: 'Brazil',
      city: 'Sao Paulo',
      org: 'Example Broadband',
      asn: '64504',
    });
  });

  it('S3 finding without AccessKeyDetails: the resource is the bucket', () => {
    const raw = loadFixture('policy-s3-bucketblockpublicaccessdisabled');
    delete raw.Resource?.AccessKeyDetails;
    expect(toFinding(raw).resource).toEqual({ kind: 's3Bucket', buckets: ['example-logs-bucket'], publicBuckets: [] });
  });

  it('attack sequence: no action, an access key resource, critical', () => {
    const f = mapped('attacksequence-iam-compromisedcredentials');
    expect(f.action).toBeUndefined();
    expect(f.band).toBe('critical');
    expect(f.resource.kind).toBe('accessKey');
  });

  it('DNS request: the domain and protocol, no ports or addresses', () => {
    const f = mapped('backdoor-ec2-ccactivity-dns');
    expect(f.action).toEqual({
      actionType: 'DNS_REQUEST',
      remoteIps: [],
      localPorts: [],
      domain: 'c2.malicious-example.net',
      protocol: 'UDP',
    });
  });

  it('archived fixture variant is archived', () => {
    const raw = loadFixture('recon-ec2-portprobe-ssh');
    raw.Service = { ...raw.Service, Archived: true };
    expect(toFinding(raw).archived).toBe(true);
  });
});

describe('toFinding on odd input', () => {
  it('an empty object gives a complete, placeholder finding', () => {
    expect(toFinding(sdk({}))).toEqual({
      id: 'unknown',
      arn: undefined,
      type: 'Unknown',
      title: 'Untitled finding',
      description: '',
      severity: 0,
      band: 'low',
      accountId: 'unknown',
      region: 'unknown',
      partition: 'aws',
      resource: { kind: 'other', resourceType: 'Unknown' },
      action: undefined,
      count: 1,
      createdAt: undefined,
      updatedAt: '1970-01-01T00:00:00.000Z',
      firstSeen: undefined,
      lastSeen: undefined,
      archived: false,
      detectorId: undefined,
      consoleUrl: 'https://console.aws.amazon.com/guardduty/home#/findings?macros=current&fId=unknown',
    });
  });

  it('falls back to the type for a missing title and to CreatedAt for a missing UpdatedAt', () => {
    const f = toFinding(minimal({ UpdatedAt: undefined, CreatedAt: '2024-04-30T08:00:00.000Z' }));
    expect(f.title).toBe('Recon:EC2/Portscan');
    expect(f.updatedAt).toBe('2024-04-30T08:00:00.000Z');
  });

  it('no Resource gives an Unknown resource of kind other', () => {
    expect(toFinding(minimal()).resource).toEqual({ kind: 'other', resourceType: 'Unknown' });
  });

  it('no Service: no action, count 1, not archived, no detector or times', () => {
    const f = toFinding(minimal());
    expect(f.action).toBeUndefined();
    expect(f.count).toBe(1);
    expect(f.archived).toBe(false);
    expect(f.detectorId).toBeUndefined();
    expect(f.firstSeen).toBeUndefined();
    expect(f.lastSeen).toBeUndefined();
  });

  it.each([
    ['missing', undefined],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a string', '8.0'],
  ])('Severity %s becomes 0 (low)', (_label, severity) => {
    const f = toFinding(minimal({ Severity: severity }));
    expect(f.severity).toBe(0);
    expect(f.band).toBe('low');
  });

  it('an unknown ResourceType without details keeps its name', () => {
    expect(toFinding(minimal({ Resource: { ResourceType: 'Container' } })).resource).toEqual({ kind: 'other', resourceType: 'Container' });
  });

  it.each(['Lambda', 'EKSCluster', 'RDSDBInstance', 'ECSCluster'])('%s finding with only ResourceType is kind other', (resourceType) => {
    const f = toFinding(minimal({ Resource: { ResourceType: resourceType } }));
    expect(f.resource).toEqual({ kind: 'other', resourceType });
  });

  it.each([
    [0, 1],
    [-3, 1],
    [Number.NaN, 1],
    [7, 7],
  ])('Service.Count %p becomes %p', (count, want) => {
    expect(toFinding(minimal({ Service: { Count: count } })).count).toBe(want);
  });

  it('Archived only counts when it is exactly true', () => {
    expect(toFinding(minimal({ Service: { Archived: 'true' } })).archived).toBe(false);
    expect(toFinding(minimal({ Service: { Archived: true } })).archived).toBe(true);
  });

  it('network interfaces without security groups give an empty group list and still their addresses', () => {
    const f = toFinding(
      minimal({
        Resource: {
          ResourceType: 'Instance',
          InstanceDetails: {
            InstanceId: 'i-0abc',
            NetworkInterfaces: [{ NetworkInterfaceId: 'eni-1', PrivateIpAddress: '10.1.2.3' }, { PublicIp: '' }],
          },
        },
      }),
    );
    expect(f.resource).toEqual({
      kind: 'instance',
      instanceId: 'i-0abc',
      name: undefined,
      securityGroups: [],
      vpcId: undefined,
      subnetId: undefined,
      publicIps: [],
      privateIps: ['10.1.2.3'],
      networkInterfaceIds: ['eni-1'],
      tags: [],
    });
  });

  it('an instance with no network interfaces or tags at all', () => {
    const f = toFinding(minimal({ Resource: { ResourceType: 'Instance', InstanceDetails: {} } }));
    expect(f.resource).toMatchObject({ kind: 'instance', instanceId: undefined, securityGroups: [], publicIps: [], tags: [] });
  });

  it('security groups shared by two interfaces are listed once', () => {
    const group = { GroupId: 'sg-0aaa', GroupName: 'web' };
    const f = toFinding(
      minimal({
        Resource: {
          ResourceType: 'Instance',
          InstanceDetails: {
            InstanceId: 'i-0abc',
            NetworkInterfaces: [{ SecurityGroups: [group] }, { SecurityGroups: [group, { GroupId: 'sg-0bbb' }] }],
          },
        },
      }),
    );
    expect(f.resource.kind === 'instance' && f.resource.securityGroups).toEqual([
      { id: 'sg-0aaa', name: 'web' },
      { id: 'sg-0bbb', name: undefined },
    ]);
  });

  it('an empty Name tag gives no name', () => {
    const f = toFinding(
      minimal({ Resource: { ResourceType: 'Instance', InstanceDetails: { InstanceId: 'i-0abc', Tags: [{ Key: 'Name', Value: '' }] } } }),
    );
    expect(f.resource.kind === 'instance' && f.resource.name).toBeUndefined();
  });

  it('duplicate probed ports and addresses are listed once; non-integer ports are dropped', () => {
    const probe = (port: unknown, ip: string) => ({
      LocalPortDetails: { Port: port, PortName: 'SSH' },
      RemoteIpDetails: { IpAddressV4: ip },
    });
    const f = toFinding(
      minimal({
        Service: {
          Action: {
            ActionType: 'PORT_PROBE',
            PortProbeAction: {
              PortProbeDetails: [
                probe(22, '192.0.2.1'),
                probe(22, '192.0.2.1'),
                probe(22, '192.0.2.2'),
                probe(22.5, '192.0.2.1'),
                probe('80', '192.0.2.1'),
              ],
            },
          },
        },
      }),
    );
    expect(f.action?.localPorts).toEqual([{ port: 22, name: 'SSH' }]);
    expect(f.action?.remoteIps.map((r) => r.ip)).toEqual(['192.0.2.1', '192.0.2.2']);
  });

  it('an IPv6-only remote address is used', () => {
    const f = toFinding(
      minimal({
        Service: {
          Action: {
            ActionType: 'NETWORK_CONNECTION',
            NetworkConnectionAction: {
              ConnectionDirection: 'INBOUND',
              Protocol: 'TCP',
              LocalPortDetails: { Port: 22 },
              RemoteIpDetails: {
                IpAddressV4: '',
                IpAddressV6: '2001:db8::7',
                Country: { CountryCode: 'DE' },
                Organization: { Isp: 'Example ISP' },
              },
            },
          },
        },
      }),
    );
    expect(f.action?.remoteIps).toEqual([{ ip: '2001:db8::7', country: 'DE', city: undefined, org: 'Example ISP', asn: undefined }]);
    expect(f.action?.localPorts).toEqual([{ port: 22, name: undefined }]);
  });

  it('remote details without any address are skipped', () => {
    const f = toFinding(
      minimal({
        Service: {
          Action: { ActionType: 'NETWORK_CONNECTION', NetworkConnectionAction: { RemoteIpDetails: { Country: { CountryName: 'X' } } } },
        },
      }),
    );
    expect(f.action?.remoteIps).toEqual([]);
  });

  it('an action without ActionType is UNKNOWN', () => {
    expect(toFinding(minimal({ Service: { Action: {} } })).action).toEqual({ actionType: 'UNKNOWN', remoteIps: [], localPorts: [] });
  });

  it('RDS login attempts and Kubernetes API calls give their addresses, verb and user agent', () => {
    const f = toFinding(
      minimal({
        Service: {
          Action: {
            ActionType: 'KUBERNETES_API_CALL',
            RdsLoginAttemptAction: { RemoteIpDetails: { IpAddressV4: '192.0.2.50' } },
            KubernetesApiCallAction: { Verb: 'create', UserAgent: 'kubectl/v1.29', RemoteIpDetails: { IpAddressV4: '192.0.2.51' } },
          },
        },
      }),
    );
    expect(f.action).toMatchObject({ api: 'create', userAgent: 'kubectl/v1.29' });
    expect(f.action?.remoteIps.map((r) => r.ip)).toEqual(['192.0.2.50', '192.0.2.51']);
  });

  it('GovCloud findings link to the GovCloud console host', () => {
    const f = toFinding(minimal({ Partition: 'aws-us-gov', Region: 'us-gov-west-1' }));
    const url = new URL(f.consoleUrl);
    expect(url.protocol).toBe('https:');
    expect(url.host).toBe('us-gov-west-1.console.amazonaws-us-gov.com');
    expect(url.searchParams.get('region')).toBe('us-gov-west-1');
    expect(f.consoleUrl).toContain('fId=abcdef0123456789abcdef0123456789');
  });

  it('China partition findings link to the China console host', () => {
    expect(new URL(toFinding(minimal({ Partition: 'aws-cn', Region: 'cn-north-1' })).consoleUrl).host).toBe(
      'cn-north-1.console.amazonaws.cn',
    );
  });

  it('an unknown partition falls back to the commercial console', () => {
    expect(new URL(consoleUrl('aws-eusc', 'eu-west-1', 'x')).host).toBe('eu-west-1.console.aws.amazon.com');
  });

  it('consoleUrl encodes hostile IDs and regions so they cannot break out of the URL', () => {
    const url = consoleUrl('aws', 'us-east-1', 'a&b c<d>|e#f');
    expect(url).toBe(
      'https://us-east-1.console.aws.amazon.com/guardduty/home?region=us-east-1#/findings?macros=current&fId=a%26b%20c%3Cd%3E%7Ce%23f',
    );
    // A region that is not a region name never reaches the host name: the link goes to the console's home.
    expect(consoleUrl('aws', 'x/../evil.example#', 'id')).toBe(
      'https://console.aws.amazon.com/guardduty/home#/findings?macros=current&fId=id',
    );
  });
});

describe('severity bands', () => {
  it.each([
    [0, 'low'],
    [1, 'low'],
    [3.9, 'low'],
    [4.0, 'medium'],
    [6.9, 'medium'],
    [7.0, 'high'],
    [8.9, 'high'],
    [9.0, 'critical'],
    [10, 'critical'],
  ] as const)('%p is %s', (severity, band) => {
    expect(bandOf(severity)).toBe(band);
    const f = toFinding(minimal({ Severity: severity }));
    expect(f.severity).toBe(severity);
    expect(f.band).toBe(band);
  });
});
