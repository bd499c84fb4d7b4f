/**
 * Issue 12: a card never shows `undefined`, `null`, `NaN`, `Invalid Date` or `[object Object]`, nor a field with
 * an empty label or value, whichever optional parts of a finding are missing or null (as on the wire).
 */
import type { Finding as SdkFinding } from '@aws-sdk/client-guardduty';
import fc from 'fast-check';
import { toFinding } from '../../src/aws/finding-mapper';
import { findingCard, findingCardText } from '../../src/slack/blocks/finding-card';
import { assertValidMessage, collectTexts } from '../../support/helpers/block-kit';

const RUNS = 400;
const FORBIDDEN = /undefined|null|NaN|Invalid Date|\[object Object\]/;

const GEO = {
  IpAddressV4: '198.51.100.7',
  IpAddressV6: '2001:db8::7',
  City: { CityName: 'Porto' },
  Country: { CountryName: 'Portugal', CountryCode: 'PT' },
  Organization: { Asn: '64500', AsnOrg: 'Example Hosting', Org: 'Example Org', Isp: 'Example ISP' },
};

/** A finding with every optional part the mapper reads filled in (every action kind at once). */
function full(): Record<string, unknown> {
  return {
    Id: 'f1',
    Arn: 'arn:aws:guardduty:eu-west-1:111122223333:detector/d/finding/f1',
    Type: 'UnauthorizedAccess:EC2/SSHBruteForce',
    Title: 'SSH brute force',
    Description: 'Someone is trying passwords.',
    Severity: 8,
    AccountId: '111122223333',
    Region: 'eu-west-1',
    Partition: 'aws',
    CreatedAt: '2026-11-01T10:00:00.000Z',
    UpdatedAt: '2026-11-01T11:00:00.000Z',
    Resource: {
      ResourceType: 'Instance',
      InstanceDetails: {
        InstanceId: 'i-0abc',
        Tags: [{ Key: 'Name', Value: 'web' }],
        NetworkInterfaces: [
          {
            NetworkInterfaceId: 'eni-1',
            VpcId: 'vpc-1',
            SubnetId: 'subnet-1',
            PublicIp: '203.0.113.1',
            PrivateIpAddress: '10.0.0.1',
            SecurityGroups: [{ GroupId: 'sg-1', GroupName: 'web' }],
          },
        ],
      },
      AccessKeyDetails: { AccessKeyId: 'AKIAEXAMPLE', UserName: 'alice', UserType: 'IAMUser', PrincipalId: 'AIDA' },
      S3BucketDetails: [{ Name: 'bucket-1' }],
    },
    Service: {
      Count: 3,
      Archived: false,
      DetectorId: 'd',
      EventFirstSeen: '2026-11-01T09:00:00.000Z',
      EventLastSeen: '2026-11-01T10:59:00.000Z',
      AdditionalInfo: { Value: '{"threatListName":"ProofPoint","threatName":"Botnet"}', Type: 'default' },
      Evidence: { ThreatIntelligenceDetails: [{ ThreatListName: 'Amazon', ThreatNames: ['suspicious:mining/stratum'] }] },
      Action: {
        ActionType: 'NETWORK_CONNECTION',
        NetworkConnectionAction: {
          ConnectionDirection: 'INBOUND',
          Protocol: 'TCP',
          LocalPortDetails: { Port: 22, PortName: 'SSH' },
          RemotePortDetails: { Port: 44122, PortName: 'Unknown' },
          RemoteIpDetails: GEO,
        },
        PortProbeAction: { PortProbeDetails: [{ LocalPortDetails: { Port: 3389, PortName: 'RDP' }, RemoteIpDetails: GEO }] },
        AwsApiCallAction: {
          Api: 'ListBuckets',
          ServiceName: 's3.amazonaws.com',
          UserAgent: 'aws-cli/2',
          DomainDetails: { Domain: 'api.example' },
          RemoteIpDetails: GEO,
        },
        DnsRequestAction: { Domain: 'evil.example', Protocol: 'UDP' },
        KubernetesApiCallAction: { Verb: 'create', UserAgent: 'kubectl', SourceIps: ['10.0.0.23'], RemoteIpDetails: GEO },
        RdsLoginAttemptAction: { RemoteIpDetails: GEO },
      },
    },
  };
}

/** Every path to an optional part of `full()`, parents before children. */
function paths(value: unknown, prefix: string[] = []): string[][] {
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) => [[...prefix, key], ...paths(child, [...prefix, key])]);
}

const ALL_PATHS = paths(full());

function remove(target: Record<string, unknown>, path: string[], replacement: 'delete' | 'null'): void {
  let node: unknown = target;
  for (const key of path.slice(0, -1)) {
    if (!node || typeof node !== 'object') return;
    node = (node as Record<string, unknown>)[key];
  }
  if (!node || typeof node !== 'object') return;
  const last = path[path.length - 1] as string;
  if (replacement === 'delete') delete (node as Record<string, unknown>)[last];
  else (node as Record<string, unknown>)[last] = null;
}

const removals = fc.array(fc.record({ path: fc.constantFrom(...ALL_PATHS), how: fc.constantFrom('delete' as const, 'null' as const) }), {
  maxLength: 40,
});

function render(removed: { path: string[]; how: 'delete' | 'null' }[]) {
  const raw = full();
  for (const r of removed) remove(raw, r.path, r.how);
  const finding = toFinding(raw as unknown as SdkFinding);
  return { finding, blocks: findingCard(finding, { actions: ['propose', 'archive', 'feedback'] }) };
}

function problems(blocks: ReturnType<typeof findingCard>, text: string): string[] {
  const found: string[] = [];
  for (const t of [...collectTexts(blocks), { path: 'text', text }]) {
    if (FORBIDDEN.test(t.text)) found.push(`${t.path}: ${JSON.stringify(t.text)}`);
  }
  for (const block of blocks) {
    if (block.type !== 'section') continue;
    if (block.text && block.text.text.trim() === '') found.push('a section with empty text');
    for (const f of block.fields ?? []) {
      const match = /^\*([^*\n]*)\*\n([\s\S]*)$/.exec(f.text);
      if (!match || (match[1] ?? '').trim() === '' || (match[2] ?? '').trim() === '') found.push(`field ${JSON.stringify(f.text)}`);
    }
  }
  return found;
}

describe('fuzz: cards of findings with optional parts missing or null', () => {
  it('the complete finding renders every attribute (control)', () => {
    const { blocks } = render([]);
    const texts = collectTexts(blocks).map((t) => t.text);
    expect(texts.join('\n')).toMatch(/Threat intel:\* ProofPoint \(Botnet\); Amazon/);
    expect(texts.join('\n')).toMatch(/198\.51\.100\.7 \(Porto, Portugal, Example Hosting\)\nRemote port 44122 Unknown/);
    expect(problems(blocks, '')).toEqual([]);
  });

  it(`no forbidden string, empty label or empty field whatever is missing (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(removals, (removed) => {
        const { finding, blocks } = render(removed);
        assertValidMessage(blocks);
        expect(problems(blocks, findingCardText(finding))).toEqual([]);
        const texts = collectTexts(blocks).map((t) => t.text);
        // An unknown or stripped finding still shows type, severity, account, region and resource.
        for (const label of ['Type', 'Severity', 'Account', 'Region', 'Resource']) {
          expect(texts.some((t) => t.startsWith(`*${label}*\n`))).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('a finding with nothing but nulls still renders cleanly', () => {
    const raw = Object.fromEntries(Object.keys(full()).map((k) => [k, null]));
    const finding = toFinding(raw as unknown as SdkFinding);
    const blocks = findingCard(finding);
    expect(problems(blocks, findingCardText(finding))).toEqual([]);
  });
});
