/**
 * Issue 12: the attributes a responder checks first (type, severity, account, resource, threat list name,
 * action type, actor IP or domain, actor port, actor city, country and organisation), from the SDK finding
 * through the mapper to the card, for each action kind.
 */
import type { Finding as SdkFinding, RemoteIpDetails } from '@aws-sdk/client-guardduty';
import { toFinding } from '../../src/aws/finding-mapper';
import { actorText, findingCard, threatIntelText } from '../../src/slack/blocks/finding-card';
import { collectTexts } from '../../support/helpers/block-kit';

const GEO: RemoteIpDetails = {
  IpAddressV4: '198.51.100.7',
  City: { CityName: 'Porto' },
  Country: { CountryName: 'Portugal', CountryCode: 'PT' },
  Organization: { Asn: '64500', AsnOrg: 'Example Hosting', Org: 'Example Org', Isp: 'Example ISP' },
};

function sdk(action: NonNullable<SdkFinding['Service']>['Action'], service: Partial<NonNullable<SdkFinding['Service']>> = {}): SdkFinding {
  return {
    Id: 'f1',
    Type: 'UnauthorizedAccess:EC2/MaliciousIPCaller.Custom',
    Severity: 5,
    AccountId: '111122223333',
    Region: 'eu-west-1',
    Partition: 'aws',
    CreatedAt: '2026-11-01T10:00:00.000Z',
    UpdatedAt: '2026-11-01T11:00:00.000Z',
    Resource: { ResourceType: 'Instance', InstanceDetails: { InstanceId: 'i-0abc' } },
    Service: { Action: action, ...service },
  } as SdkFinding;
}

const ACTIONS: Record<string, NonNullable<SdkFinding['Service']>['Action']> = {
  NETWORK_CONNECTION: {
    ActionType: 'NETWORK_CONNECTION',
    NetworkConnectionAction: {
      ConnectionDirection: 'INBOUND',
      Protocol: 'TCP',
      LocalPortDetails: { Port: 22, PortName: 'SSH' },
      RemotePortDetails: { Port: 44122, PortName: 'Unknown' },
      RemoteIpDetails: GEO,
    },
  },
  PORT_PROBE: {
    ActionType: 'PORT_PROBE',
    PortProbeAction: { PortProbeDetails: [{ LocalPortDetails: { Port: 3389, PortName: 'RDP' }, RemoteIpDetails: GEO }] },
  },
  AWS_API_CALL: {
    ActionType: 'AWS_API_CALL',
    AwsApiCallAction: { Api: 'ListBuckets', ServiceName: 's3.amazonaws.com', RemoteIpDetails: GEO },
  },
  KUBERNETES_API_CALL: {
    ActionType: 'KUBERNETES_API_CALL',
    KubernetesApiCallAction: { Verb: 'create', RemoteIpDetails: GEO },
  },
  RDS_LOGIN_ATTEMPT: { ActionType: 'RDS_LOGIN_ATTEMPT', RdsLoginAttemptAction: { RemoteIpDetails: GEO } },
};

describe('the mapper extracts the actor of each action kind', () => {
  it.each(Object.keys(ACTIONS))('%s: action type, IP, city, country, organisation', (kind) => {
    const f = toFinding(sdk(ACTIONS[kind]));
    expect(f.action?.actionType).toBe(kind);
    expect(f.action?.remoteIps).toEqual([{ ip: '198.51.100.7', city: 'Porto', country: 'Portugal', org: 'Example Hosting', asn: '64500' }]);
  });

  it('NETWORK_CONNECTION: the remote (actor) port beside the local one', () => {
    const f = toFinding(sdk(ACTIONS.NETWORK_CONNECTION));
    expect(f.action?.remotePort).toEqual({ port: 44122, name: 'Unknown' });
    expect(f.action?.localPorts).toEqual([{ port: 22, name: 'SSH' }]);
  });

  it('a remote port out of range or not an integer is dropped', () => {
    for (const Port of [-1, 70000, 1.5, Number.NaN]) {
      const f = toFinding(sdk({ ActionType: 'NETWORK_CONNECTION', NetworkConnectionAction: { RemotePortDetails: { Port } } }));
      expect(f.action?.remotePort).toBeUndefined();
    }
  });

  it('DNS_REQUEST: the domain is the actor', () => {
    const f = toFinding(sdk({ ActionType: 'DNS_REQUEST', DnsRequestAction: { Domain: 'evil.example', Protocol: 'UDP' } }));
    expect(f.action).toMatchObject({ actionType: 'DNS_REQUEST', domain: 'evil.example', remoteIps: [] });
  });

  it('KUBERNETES_API_CALL: the source IPs stand in when there is no geolocated remote IP', () => {
    const only = toFinding(
      sdk({ ActionType: 'KUBERNETES_API_CALL', KubernetesApiCallAction: { SourceIps: ['10.0.0.23', '', '10.0.0.23'] } }),
    );
    expect(only.action?.remoteIps).toEqual([{ ip: '10.0.0.23' }]);
    const both = toFinding(
      sdk({ ActionType: 'KUBERNETES_API_CALL', KubernetesApiCallAction: { SourceIps: ['10.0.0.23'], RemoteIpDetails: GEO } }),
    );
    expect(both.action?.remoteIps.map((r) => r.ip)).toEqual(['198.51.100.7']);
  });
});

describe('the mapper extracts the threat list name', () => {
  it('from additionalInfo as the API gives it (JSON in Value), with the threat name', () => {
    const f = toFinding(
      sdk(ACTIONS.NETWORK_CONNECTION, {
        AdditionalInfo: { Value: '{"threatListName":"ProofPoint","threatName":"Botnet"}', Type: 'default' },
      }),
    );
    expect(f.threatIntel).toEqual([{ listName: 'ProofPoint', threatNames: ['Botnet'] }]);
  });

  it('from additionalInfo as EventBridge and exports give it (the object itself)', () => {
    const info = { threatListName: 'Amazon' } as unknown as NonNullable<SdkFinding['Service']>['AdditionalInfo'];
    expect(toFinding(sdk(ACTIONS.NETWORK_CONNECTION, { AdditionalInfo: info })).threatIntel).toEqual([
      { listName: 'Amazon', threatNames: [] },
    ]);
  });

  it('from evidence.threatIntelligenceDetails, merged with additionalInfo by list name', () => {
    const f = toFinding(
      sdk(ACTIONS.NETWORK_CONNECTION, {
        AdditionalInfo: { Value: '{"threatListName":"Amazon"}', Type: 'default' },
        Evidence: {
          ThreatIntelligenceDetails: [
            { ThreatListName: 'Amazon', ThreatNames: ['suspicious:mining/stratum', ''] },
            { ThreatListName: 'CustomList', ThreatNames: ['bad-actor', 'bad-actor'] },
            { ThreatNames: ['orphan'] },
          ],
        },
      }),
    );
    expect(f.threatIntel).toEqual([
      { listName: 'Amazon', threatNames: ['suspicious:mining/stratum'] },
      { listName: 'CustomList', threatNames: ['bad-actor'] },
    ]);
  });

  it.each([
    ['no additionalInfo', {}],
    ['Value that is not JSON', { AdditionalInfo: { Value: '{not json', Type: 'default' } }],
    ['Value that is a JSON array', { AdditionalInfo: { Value: '["threatListName"]', Type: 'default' } }],
    ['a threatListName that is not a string', { AdditionalInfo: { Value: '{"threatListName":{"a":1}}', Type: 'default' } }],
    ['an empty evidence list', { Evidence: { ThreatIntelligenceDetails: [] } }],
  ])('none from %s', (_, service) => {
    expect(toFinding(sdk(ACTIONS.NETWORK_CONNECTION, service)).threatIntel).toBeUndefined();
  });
});

describe('the card shows what a responder checks first', () => {
  const finding = toFinding(
    sdk(ACTIONS.NETWORK_CONNECTION, {
      AdditionalInfo: { Value: '{"threatListName":"ProofPoint <!here>","threatName":"Botnet"}', Type: 'default' },
    }),
  );
  const texts = collectTexts(findingCard(finding)).map((t) => t.text);

  it('type, severity, account, resource', () => {
    expect(texts).toEqual(
      expect.arrayContaining([
        '*Type*\nUnauthorizedAccess:EC2/MaliciousIPCaller.Custom',
        '*Severity*\n:large_yellow_circle: Medium (5.0)',
        '*Account*\n111122223333',
        '*Resource*\nInstance i-0abc',
      ]),
    );
  });

  it('the actor: action type, IP with city, country and organisation, remote port, local port', () => {
    expect(texts).toContain(
      '*Actor*\nNETWORK_CONNECTION\n198.51.100.7 (Porto, Portugal, Example Hosting)\nRemote port 44122 Unknown\nPort 22 SSH',
    );
  });

  it('the threat list name and threat name, escaped', () => {
    expect(texts).toContain(':warning: *Threat intel:* ProofPoint &lt;!here&gt; (Botnet)');
  });

  it('no threat intel line when no list matched', () => {
    const plain = collectTexts(findingCard(toFinding(sdk(ACTIONS.PORT_PROBE)))).map((t) => t.text);
    expect(plain.some((t) => t.includes('Threat intel'))).toBe(false);
  });

  it('the domain of a DNS request', () => {
    const dns = toFinding(sdk({ ActionType: 'DNS_REQUEST', DnsRequestAction: { Domain: 'evil.example' } }));
    expect(actorText(dns)).toBe('DNS_REQUEST\nDomain `evil.example`');
  });
});

describe('threatIntelText', () => {
  it('shows three lists and five names a list, then counts the rest', () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const text = threatIntelText({
      threatIntel: ['L1', 'L2', 'L3', 'L4'].map((listName) => ({ listName, threatNames: names })),
    });
    expect(text).toBe(':warning: *Threat intel:* L1 (a, b, c, d, e +2); L2 (a, b, c, d, e +2); L3 (a, b, c, d, e +2) and 1 more list');
  });

  it('skips lists and names that are invisible once escaped', () => {
    expect(threatIntelText({ threatIntel: [{ listName: '\u200B', threatNames: ['x'] }] })).toBeUndefined();
    expect(threatIntelText({ threatIntel: [{ listName: 'L', threatNames: ['\u202E', ' '] }] })).toBe(':warning: *Threat intel:* L');
    expect(threatIntelText({})).toBeUndefined();
  });
});
