import {
  ArchiveFindingsCommand,
  CreateFilterCommand,
  DeleteFilterCommand,
  GetFilterCommand,
  GetFindingsCommand,
  GetFindingsStatisticsCommand,
  GuardDutyClient,
  ListFiltersCommand,
  ListFindingsCommand,
  UnarchiveFindingsCommand,
  type CreateFilterCommandInput,
  type Finding,
  type FindingCriteria,
} from '@aws-sdk/client-guardduty';
import { GuardDutyHttpStandIn } from '../../support/fakes/guardduty/http';
import { FakeGuardDuty } from '../../support/fakes/guardduty/sdk-mock';
import { TEST_CREDENTIALS } from '../../support/helpers/bot-harness';
import { variant } from '../../support/helpers/fixtures';

/*
 * The GuardDuty stand-in's filters (suppression rules), UnarchiveFindings, the criterion fields a suppression rule
 * uses, and GetFindingsStatistics grouped by DATE and FINDING_TYPE: through the real SDK client, against the
 * REST-JSON wire stand-in and against aws-sdk-client-mock.
 */

const REGION = 'us-east-1';
const OTHER_REGION = 'us-west-2';

let seq = 0;
const nextId = () => `f17e${String(++seq).padStart(28, '0')}`;

type Patch = Parameters<typeof variant>[1];
function finding(fixture: string, patch: Patch = {}, change?: (f: Finding) => void): Finding {
  const f = variant(fixture, { id: nextId(), region: REGION, ...patch });
  change?.(f);
  return f;
}

async function rejection(p: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as Error;
    return { name: e.name, message: e.message };
  }
  throw new Error('expected the call to be refused');
}

describe.each([
  ['the REST-JSON wire stand-in', 'http'],
  ['aws-sdk-client-mock', 'mock'],
] as const)('GuardDuty filters through %s', (_name, transport) => {
  let gd: GuardDutyHttpStandIn | FakeGuardDuty;
  let client: GuardDutyClient;
  let otherClient: GuardDutyClient;
  let DetectorId: string;

  beforeAll(async () => {
    const endpoint = transport === 'http' ? { endpoint: (gd = await new GuardDutyHttpStandIn().start()).endpoint } : {};
    if (transport === 'mock') gd = new FakeGuardDuty();
    client = new GuardDutyClient({ region: REGION, credentials: TEST_CREDENTIALS, maxAttempts: 1, ...endpoint });
    otherClient = new GuardDutyClient({ region: OTHER_REGION, credentials: TEST_CREDENTIALS, maxAttempts: 1, ...endpoint });
    DetectorId = gd.detectorId;
  });
  afterAll(async () => {
    if (gd instanceof FakeGuardDuty) gd.restore();
    else await gd.close();
  });
  afterEach(async () => {
    // Each test starts without filters and findings.
    for (const region of [REGION, OTHER_REGION]) for (const f of gd.filtersIn(region)) gd.deleteFilter(region, gd.detectorId, f.name);
    gd.regions.clear();
    gd.suppressed.length = 0;
    for (const op of Object.keys(gd.faults) as (keyof typeof gd.faults)[]) delete gd.faults[op];
    gd.resetCalls();
  });

  const create = (input: Omit<CreateFilterCommandInput, 'DetectorId'>, via = client) =>
    via.send(new CreateFilterCommand({ DetectorId, ...input }));
  const byType = (type: string): FindingCriteria => ({ Criterion: { type: { Equals: [type] } } });
  const archivedOf = async (ids: string[]) => {
    const { Findings = [] } = await client.send(new GetFindingsCommand({ DetectorId, FindingIds: ids }));
    return Object.fromEntries(Findings.map((f) => [f.Id, f.Service?.Archived]));
  };

  test('create, get, list page by page, delete', async () => {
    const names = Array.from({ length: 7 }, (_, i) => `suppress-${i}.ssh_probe`);
    const criteria: FindingCriteria = {
      Criterion: {
        type: { Equals: ['Recon:EC2/PortProbeUnprotectedPort'] },
        'service.action.portProbeAction.portProbeDetails.remoteIpDetails.ipAddressV4': { Equals: ['203.0.113.46'] },
        severity: { GreaterThanOrEqual: 2, LessThan: 7 },
      },
    };
    const before = Date.now();
    for (const [i, Name] of names.entries()) {
      const out = await create({
        Name,
        Description: `Scanner (Qualys) probes: {ticket SEC-${i}} [weekly] /ops\ttabbed.`,
        Action: i === 0 ? 'ARCHIVE' : undefined,
        Rank: i + 1,
        FindingCriteria: criteria,
        Tags: { 'guardduty-chatops:expires': '2026-12-30' },
      });
      expect(out.Name).toBe(Name);
    }
    const after = Date.now();

    const got = await client.send(new GetFilterCommand({ DetectorId, FilterName: names[0] }));
    expect(got).toMatchObject({
      Name: names[0],
      Description: 'Scanner (Qualys) probes: {ticket SEC-0} [weekly] /ops\ttabbed.',
      Action: 'ARCHIVE',
      Rank: 1,
      FindingCriteria: criteria,
      Tags: { 'guardduty-chatops:expires': '2026-12-30' },
    });
    expect(got.CreatedAt).toBeInstanceOf(Date);
    // The wire carries epoch seconds with milliseconds as a fraction.
    expect(got.CreatedAt?.getTime()).toBeGreaterThanOrEqual(before);
    expect(got.CreatedAt?.getTime()).toBeLessThanOrEqual(after);
    expect((await client.send(new GetFilterCommand({ DetectorId, FilterName: names[1] }))).Action).toBe('NOOP');

    const pages: string[][] = [];
    let NextToken: string | undefined;
    do {
      const page = await client.send(new ListFiltersCommand({ DetectorId, MaxResults: 3, NextToken }));
      pages.push(page.FilterNames ?? []);
      NextToken = page.NextToken;
    } while (NextToken);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(pages.flat()).toEqual(names);
    expect(gd.calls.ListFilters).toBe(3);

    await client.send(new DeleteFilterCommand({ DetectorId, FilterName: names[3] }));
    const { FilterNames } = await client.send(new ListFiltersCommand({ DetectorId }));
    expect(FilterNames).toEqual(names.filter((n) => n !== names[3]));
    expect(await rejection(client.send(new GetFilterCommand({ DetectorId, FilterName: names[3] })))).toEqual({
      name: 'BadRequestException',
      message: 'The request is rejected since no such resource found.',
    });
    // Filters belong to a region's detector.
    expect((await otherClient.send(new ListFiltersCommand({ DetectorId }))).FilterNames).toEqual([]);
    expect(gd.calls.CreateFilter).toBe(7);
    expect(gd.calls.GetFilter).toBe(3);
    expect(gd.calls.DeleteFilter).toBe(1);
  });

  // Only the wire transport has a wire to look at: the SDK-mock transport does not define this test.
  if (transport === 'http')
    test('the request reaches the wire as the SDK serializes it', async () => {
      if (!(gd instanceof GuardDutyHttpStandIn)) throw new Error('the wire stand-in only');
      await create({ Name: 'wire-check', Action: 'ARCHIVE', Rank: 2, FindingCriteria: byType('Backdoor:Lambda/C&CActivity.B') });
      const [req] = gd.requestsTo('CreateFilter');
      expect(req?.body).toMatchObject({
        name: 'wire-check',
        action: 'ARCHIVE',
        rank: 2,
        findingCriteria: { criterion: { type: { equals: ['Backdoor:Lambda/C&CActivity.B'] } } },
      });
      expect(typeof req?.body.clientToken).toBe('string');
      await client.send(new GetFilterCommand({ DetectorId, FilterName: 'wire-check' }));
      expect(gd.requestsTo('GetFilter')[0]?.filterName).toBe('wire-check');
      await client.send(new ListFiltersCommand({ DetectorId, MaxResults: 5, NextToken: 'page-0' }));
      expect(gd.requestsTo('ListFilters')[0]?.body).toEqual({ maxResults: 5, nextToken: 'page-0' });
    });

  test('CreateFilter refuses what GuardDuty refuses, naming the field', async () => {
    const ok = { FindingCriteria: byType('Recon:EC2/PortProbeUnprotectedPort') };
    for (const Name of ['ab', 'x'.repeat(65), 'has space', 'slash/name', 'colon:name', 'émoji']) {
      const e = await rejection(create({ Name, ...ok }));
      expect(e.name).toBe('BadRequestException');
      expect(e.message).toMatch(/\bname\b/);
    }
    expect((await create({ Name: 'abc', ...ok })).Name).toBe('abc');
    expect((await create({ Name: 'A.b_c-9'.padEnd(64, 'z'), ...ok })).Name).toHaveLength(64);

    for (const bad of ['@', '<', ',', "'", '$', '"', '!']) {
      const e = await rejection(create({ Name: 'described', Description: `fine text ${bad} more`, ...ok }));
      expect(e.name).toBe('BadRequestException');
      expect(e.message).toMatch(/description/);
    }
    expect(await rejection(create({ Name: 'described', Description: 'a'.repeat(513), ...ok }))).toMatchObject({
      name: 'BadRequestException',
      message: expect.stringMatching(/description/),
    });
    expect((await create({ Name: 'described', Description: 'a'.repeat(512), ...ok })).Name).toBe('described');

    expect(await rejection(create({ Name: 'described', ...ok }))).toEqual({
      name: 'BadRequestException',
      message: 'The request is rejected because a filter with the same name already exists.',
    });
    const unknownField = await rejection(
      create({ Name: 'unknown-field', FindingCriteria: { Criterion: { 'resource.noSuchDetails.name': { Equals: ['x'] } } } }),
    );
    expect(unknownField.name).toBe('BadRequestException');
    expect(unknownField.message).toContain('resource.noSuchDetails.name');
    expect(await rejection(create({ Name: 'no-criteria', FindingCriteria: { Criterion: {} } }))).toMatchObject({
      name: 'BadRequestException',
      message: expect.stringMatching(/criterion/),
    });
    expect(await rejection(create({ Name: 'bad-action', Action: 'DELETE' as 'NOOP', ...ok }))).toMatchObject({
      name: 'BadRequestException',
      message: expect.stringMatching(/action/),
    });
    expect(await rejection(client.send(new DeleteFilterCommand({ DetectorId, FilterName: 'never-made' })))).toEqual({
      name: 'BadRequestException',
      message: 'The request is rejected since no such resource found.',
    });
    expect(await rejection(client.send(new GetFilterCommand({ DetectorId, FilterName: 'never-made' })))).toEqual({
      name: 'BadRequestException',
      message: 'The request is rejected since no such resource found.',
    });
    // Only the three good names were stored.
    expect(gd.filtersIn(REGION).map((f) => f.name)).toEqual(['abc', 'A.b_c-9'.padEnd(64, 'z'), 'described']);
  });

  test('a retry with the same client token answers the same name; a 101st filter is refused', async () => {
    const input = { Name: 'retried', ClientToken: 'token-1', FindingCriteria: byType('Execution:EC2/MaliciousFile') };
    expect((await create(input)).Name).toBe('retried');
    expect((await create(input)).Name).toBe('retried');
    expect(gd.filtersIn(REGION)).toHaveLength(1);
    expect((await rejection(create({ ...input, ClientToken: 'token-2' }))).message).toMatch(/same name already exists/);

    for (let i = 0; i < 100; i++) await create({ Name: `quota-${i}`, FindingCriteria: byType('Execution:EC2/MaliciousFile') }, otherClient);
    const over = await rejection(create({ Name: 'quota-100', FindingCriteria: byType('Execution:EC2/MaliciousFile') }, otherClient));
    expect(over.name).toBe('BadRequestException');
    expect(over.message).toMatch(/100/);
    expect(gd.filtersIn(OTHER_REGION)).toHaveLength(100);
  });

  test('an ARCHIVE filter archives matching findings added or updated after it, and only those', async () => {
    const KEY = 'ASIAIOSFODNN7EXAMPLE';
    const exfil = 'unauthorizedaccess-iamuser-credential-exfiltration';
    const before = finding(exfil);
    const beforeUntouched = finding(exfil);
    gd.put(before, beforeUntouched);

    await create({
      Name: 'suppress-exfil-key',
      Action: 'ARCHIVE',
      FindingCriteria: {
        Criterion: {
          type: { Equals: [before.Type ?? ''] },
          'resource.accessKeyDetails.accessKeyId': { Equals: [KEY] },
        },
      },
    });
    await create({ Name: 'noop-watch', Action: 'NOOP', FindingCriteria: byType('Execution:EC2/MaliciousFile') });

    const matching = finding(exfil);
    const otherKey = finding(exfil, {}, (f) => {
      f.Resource = { ...f.Resource, AccessKeyDetails: { ...f.Resource?.AccessKeyDetails, AccessKeyId: 'ASIAOTHERKEYEXAMPLE1' } };
    });
    const otherType = finding('attacksequence-iam-compromisedcredentials', {}, (f) => {
      f.Resource = { ...f.Resource, AccessKeyDetails: { ...f.Resource?.AccessKeyDetails, AccessKeyId: KEY } };
    });
    const noopMatch = finding('execution-ec2-maliciousfile');
    gd.put(matching, otherKey, otherType, noopMatch);

    const ids = [before, beforeUntouched, matching, otherKey, otherType, noopMatch].map((f) => f.Id ?? '');
    expect(await archivedOf(ids)).toEqual({
      [ids[0] ?? '']: false,
      [ids[1] ?? '']: false,
      [ids[2] ?? '']: true,
      [ids[3] ?? '']: false,
      [ids[4] ?? '']: false,
      [ids[5] ?? '']: false,
    });
    // A recurrence of a finding from before the filter is an update after it.
    gd.update(REGION, before.Id ?? '', (f) => {
      f.Service = { ...f.Service, Count: (f.Service?.Count ?? 1) + 1 };
    });
    expect((await archivedOf([before.Id ?? '']))[before.Id ?? '']).toBe(true);
    expect(gd.suppressed).toEqual([
      { region: REGION, id: matching.Id, filter: 'suppress-exfil-key' },
      { region: REGION, id: before.Id, filter: 'suppress-exfil-key' },
    ]);

    // The open ones, as the bot would list them.
    const open = await client.send(
      new ListFindingsCommand({ DetectorId, FindingCriteria: { Criterion: { 'service.archived': { Equals: ['false'] } } } }),
    );
    expect(new Set(open.FindingIds)).toEqual(new Set([beforeUntouched.Id, otherKey.Id, otherType.Id, noopMatch.Id]));

    // A filter of another region does not act here, nor this one there.
    gd.put(finding(exfil, { region: OTHER_REGION }));
    expect(gd.suppressed).toHaveLength(2);

    await client.send(new DeleteFilterCommand({ DetectorId, FilterName: 'suppress-exfil-key' }));
    const afterDelete = finding(exfil);
    gd.put(afterDelete);
    expect((await archivedOf([afterDelete.Id ?? '']))[afterDelete.Id ?? '']).toBe(false);
    expect(gd.suppressed).toHaveLength(2);
  });

  test('UnarchiveFindings opens archived findings again; more than 50 IDs are refused', async () => {
    const a = finding('unauthorizedaccess-ec2-sshbruteforce');
    const b = finding('unauthorizedaccess-ec2-sshbruteforce');
    gd.put(a, b);
    const ids = [a.Id ?? '', b.Id ?? ''];
    await client.send(new ArchiveFindingsCommand({ DetectorId, FindingIds: ids }));
    expect(await archivedOf(ids)).toEqual({ [ids[0] ?? '']: true, [ids[1] ?? '']: true });

    await client.send(new UnarchiveFindingsCommand({ DetectorId, FindingIds: [ids[0] ?? '', 'f17e-unknown'] }));
    expect(await archivedOf(ids)).toEqual({ [ids[0] ?? '']: false, [ids[1] ?? '']: true });
    expect(gd.unarchived.at(-1)).toEqual({ region: REGION, ids: [ids[0], 'f17e-unknown'] });

    const tooMany = Array.from({ length: 51 }, (_, i) => `id${i}`);
    expect((await rejection(client.send(new UnarchiveFindingsCommand({ DetectorId, FindingIds: tooMany })))).name).toBe(
      'BadRequestException',
    );
    expect(await rejection(client.send(new UnarchiveFindingsCommand({ DetectorId: 'not-mine', FindingIds: ids })))).toEqual({
      name: 'BadRequestException',
      message: 'The request is rejected because the input detectorId is not owned by the current account.',
    });
    expect(gd.calls.UnarchiveFindings).toBe(3);
  });

  test('the criterion fields a suppression rule uses: a finding matches on any of its values, never on a field it lacks', async () => {
    const twoBuckets = finding('object-s3-maliciousfile', {}, (f) => {
      f.Resource = {
        ...f.Resource,
        S3BucketDetails: [...(f.Resource?.S3BucketDetails ?? []), { Name: 'second-bucket', Type: 'Destination' }],
      };
    });
    const seeded = {
      s3Policy: finding('policy-s3-bucketblockpublicaccessdisabled'),
      s3Object: twoBuckets,
      exfil: finding('unauthorizedaccess-iamuser-credential-exfiltration'),
      eksExec: finding('execution-kubernetes-exec-in-kube-system-pod'),
      eksRuntime: finding('execution-runtime-newbinaryexecuted-eks'),
      ssh: finding('unauthorizedaccess-ec2-sshbruteforce'),
      probes: finding('recon-ec2-portprobe-ssh-rdp'),
      probe: finding('recon-ec2-portprobe-ssh'),
      dns: finding('backdoor-ec2-ccactivity-dns'),
      lambda: finding('backdoor-lambda-c2activity'),
    };
    gd.put(...Object.values(seeded));
    const match = async (field: string, value: string) => {
      const { FindingIds = [] } = await client.send(
        new ListFindingsCommand({ DetectorId, FindingCriteria: { Criterion: { [field]: { Equals: [value] } } } }),
      );
      const names = Object.entries(seeded).filter(([, f]) => FindingIds.includes(f.Id ?? ''));
      return names.map(([name]) => name).sort();
    };
    // The values are the fixtures' own (support/fixtures/findings/*.json).
    expect(await match('resource.accessKeyDetails.accessKeyId', 'AKIAIOSFODNN7EXAMPLE')).toEqual(['s3Policy']);
    expect(await match('resource.accessKeyDetails.userName', 'web-server')).toEqual(['exfil']);
    expect(await match('resource.s3BucketDetails.name', 'customer-uploads-prod')).toEqual(['s3Object']);
    expect(await match('resource.s3BucketDetails.name', 'second-bucket')).toEqual(['s3Object']);
    expect(await match('resource.eksClusterDetails.name', 'prod-eks-01')).toEqual(['eksExec', 'eksRuntime']);
    expect(await match('service.action.networkConnectionAction.remoteIpDetails.ipAddressV4', '198.51.100.23')).toEqual(['ssh']);
    expect(await match('service.action.networkConnectionAction.remoteIpDetails.ipAddressV4', '198.51.100.66')).toEqual(['lambda']);
    expect(await match('service.action.awsApiCallAction.remoteIpDetails.ipAddressV4', '198.51.100.99')).toEqual(['exfil']);
    expect(await match('service.action.portProbeAction.portProbeDetails.remoteIpDetails.ipAddressV4', '203.0.113.46')).toEqual(['probes']);
    expect(await match('service.action.portProbeAction.portProbeDetails.remoteIpDetails.ipAddressV4', '198.51.100.7')).toEqual(['probe']);
    expect(await match('service.action.kubernetesApiCallAction.remoteIpDetails.ipAddressV4', '198.51.100.5')).toEqual(['eksExec']);
    expect(await match('service.action.dnsRequestAction.domain', 'c2.malicious-example.net')).toEqual(['dns']);
    // A remote IP of one action kind is not found under another's field.
    expect(await match('service.action.awsApiCallAction.remoteIpDetails.ipAddressV4', '198.51.100.23')).toEqual([]);
    // A finding lacking the field matches no `equals`, whatever the value.
    expect(await match('resource.eksClusterDetails.name', 'undefined')).toEqual([]);
    expect(await match('service.action.dnsRequestAction.domain', '')).toEqual([]);

    const without = await client.send(
      new ListFindingsCommand({
        DetectorId,
        FindingCriteria: { Criterion: { 'resource.s3BucketDetails.name': { NotEquals: ['second-bucket'] } } },
      }),
    );
    expect(without.FindingIds).not.toContain(twoBuckets.Id);
    expect(without.FindingIds).toContain(seeded.s3Policy.Id);
  });

  describe('GetFindingsStatistics grouped by DATE and FINDING_TYPE', () => {
    // [fixture, severity, UpdatedAt, archived]
    const SEED: [string, number, string, boolean][] = [
      ['unauthorizedaccess-ec2-sshbruteforce', 8.0, '2026-11-20T01:00:00.000Z', false],
      ['unauthorizedaccess-ec2-sshbruteforce', 7.2, '2026-11-20T23:59:59.000Z', false],
      ['unauthorizedaccess-ec2-sshbruteforce', 9.1, '2026-11-20T12:00:00.000Z', true],
      ['backdoor-ec2-ccactivity-dns', 8.5, '2026-11-20T08:30:00.000Z', false],
      ['backdoor-ec2-ccactivity-dns', 7.0, '2026-11-20T05:00:00.000Z', false],
      ['backdoor-ec2-ccactivity-dns', 7.0, '2026-11-21T00:00:00.000Z', false],
      ['backdoor-ec2-ccactivity-dns', 5.0, '2026-11-21T10:00:00.000Z', false],
      ['cryptocurrency-ec2-bitcointool', 9.0, '2026-11-21T11:00:00.000Z', false],
      ['cryptocurrency-ec2-bitcointool', 7.3, '2026-11-21T15:00:00.000Z', false],
      ['cryptocurrency-ec2-bitcointool', 8.0, '2026-11-22T03:00:00.000Z', false],
      ['cryptocurrency-ec2-bitcointool', 7.5, '2026-11-22T04:00:00.000Z', false],
      ['cryptocurrency-ec2-bitcointool', 8.8, '2026-11-23T20:00:00.000Z', false],
      ['execution-ec2-maliciousfile', 7.1, '2026-11-19T23:00:00.000Z', false],
    ];
    let seeded: Finding[];
    beforeEach(() => {
      seeded = SEED.map(([fixture, severity, updatedAt, archived]) => finding(fixture, { severity, updatedAt, archived }));
      gd.put(...seeded);
    });

    const SINCE = Date.parse('2026-11-20T00:00:00.000Z');
    const criteria: FindingCriteria = {
      Criterion: {
        severity: { GreaterThanOrEqual: 7 },
        'service.archived': { Equals: ['false'] },
        updatedAt: { GreaterThanOrEqual: SINCE },
      },
    };
    /** The seeded findings the criteria admit, grouped in the test by `key`, largest group first. */
    function expected(key: (f: Finding) => string) {
      const admitted = seeded.filter(
        (f) => (f.Severity ?? 0) >= 7 && f.Service?.Archived !== true && Date.parse(f.UpdatedAt ?? '') >= SINCE,
      );
      const groups = new Map<string, Finding[]>();
      for (const f of admitted) groups.set(key(f), [...(groups.get(key(f)) ?? []), f]);
      return [...groups.entries()]
        .map(([k, fs]) => ({
          key: k,
          total: fs.length,
          last: Math.max(...fs.map((f) => Date.parse(f.UpdatedAt ?? ''))),
          severity: Math.max(...fs.map((f) => f.Severity ?? 0)),
        }))
        .sort((a, b) => b.total - a.total);
    }

    test('DATE: one group per UTC day of UpdatedAt, with its count, latest update and highest severity', async () => {
      const want = expected((f) => (f.UpdatedAt ?? '').slice(0, 10));
      // The seed is made so that no two days tie, which fixes the order.
      expect(new Set(want.map((g) => g.total)).size).toBe(want.length);
      const { FindingStatistics } = await client.send(
        new GetFindingsStatisticsCommand({ DetectorId, GroupBy: 'DATE', FindingCriteria: criteria, OrderBy: 'DESC', MaxResults: 10 }),
      );
      expect(FindingStatistics?.GroupedByDate).toEqual(
        want.map((g) => ({
          Date: new Date(`${g.key}T00:00:00.000Z`),
          LastGeneratedAt: new Date(g.last),
          Severity: g.severity,
          TotalFindings: g.total,
        })),
      );
      const top = await client.send(
        new GetFindingsStatisticsCommand({ DetectorId, GroupBy: 'DATE', FindingCriteria: criteria, MaxResults: 2 }),
      );
      expect(top.FindingStatistics?.GroupedByDate?.map((g) => g.TotalFindings)).toEqual(want.slice(0, 2).map((g) => g.total));
      const asc = await client.send(
        new GetFindingsStatisticsCommand({ DetectorId, GroupBy: 'DATE', FindingCriteria: criteria, OrderBy: 'ASC', MaxResults: 10 }),
      );
      expect(asc.FindingStatistics?.GroupedByDate?.map((g) => g.Date?.toISOString().slice(0, 10))).toEqual(
        [...want].reverse().map((g) => g.key),
      );
      expect(gd.calls.GetFindingsStatistics).toBe(3);
    });

    test('FINDING_TYPE: one group per type, with its count and latest update', async () => {
      const want = expected((f) => f.Type ?? '');
      expect(new Set(want.map((g) => g.total)).size).toBe(want.length);
      const { FindingStatistics } = await client.send(
        new GetFindingsStatisticsCommand({ DetectorId, GroupBy: 'FINDING_TYPE', FindingCriteria: criteria, MaxResults: 10 }),
      );
      expect(FindingStatistics?.GroupedByFindingType).toEqual(
        want.map((g) => ({ FindingType: g.key, LastGeneratedAt: new Date(g.last), TotalFindings: g.total })),
      );
      expect(FindingStatistics?.GroupedByDate).toBeUndefined();
      const one = await client.send(
        new GetFindingsStatisticsCommand({ DetectorId, GroupBy: 'FINDING_TYPE', FindingCriteria: criteria, MaxResults: 1 }),
      );
      expect(one.FindingStatistics?.GroupedByFindingType?.map((g) => g.FindingType)).toEqual([want[0]?.key]);
    });
  });

  test('queued faults answer the new operations and are counted', async () => {
    gd.faults.CreateFilter = { name: 'ThrottlingException', message: 'Rate exceeded', times: 1 };
    gd.faults.ListFilters = { name: 'InternalServerErrorException', status: 500, times: 2 };
    gd.faults.UnarchiveFindings = { name: 'AccessDeniedException', status: 403 };
    const input = { Name: 'faulted', FindingCriteria: byType('Execution:EC2/MaliciousFile') };
    expect(await rejection(create(input))).toEqual({ name: 'ThrottlingException', message: 'Rate exceeded' });
    expect(gd.filtersIn(REGION)).toEqual([]);
    expect((await create(input)).Name).toBe('faulted');
    for (let i = 0; i < 2; i++)
      expect((await rejection(client.send(new ListFiltersCommand({ DetectorId })))).name).toBe('InternalServerErrorException');
    expect((await client.send(new ListFiltersCommand({ DetectorId }))).FilterNames).toEqual(['faulted']);
    for (let i = 0; i < 2; i++)
      expect((await rejection(client.send(new UnarchiveFindingsCommand({ DetectorId, FindingIds: ['x'] })))).name).toBe(
        'AccessDeniedException',
      );
    delete gd.faults.UnarchiveFindings;
    expect(gd.calls).toMatchObject({ CreateFilter: 2, ListFilters: 3, UnarchiveFindings: 2, GetFilter: 0 });
  });
});
