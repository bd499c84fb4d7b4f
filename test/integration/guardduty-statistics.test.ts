import { GuardDutyClient } from '@aws-sdk/client-guardduty';
import { CachedFindingsSource } from '../../src/aws/cached-findings-source';
import { GuardDutySource } from '../../src/aws/guardduty-source';
import { RegionNotConfiguredError } from '../../src/domain/regions';
import { GuardDutyHttpStandIn } from '../../support/fakes/guardduty/http';
import type { GuardDutyModel } from '../../support/fakes/guardduty/model';
import { FakeGuardDuty } from '../../support/fakes/guardduty/sdk-mock';
import { TEST_CREDENTIALS, guardDutyClients } from '../../support/helpers/bot-harness';
import { variant } from '../../support/helpers/fixtures';

/*
 * GetFindingsStatistics (grouped by account) through the real SDK client, against both GuardDuty stand-ins:
 * aws-sdk-client-mock and the REST-JSON wire protocol.
 */

const A = '111111111111';
const B = '222222222222';
const REGIONS = ['us-east-1', 'us-west-2'];

function seed(gd: GuardDutyModel): void {
  let n = 0;
  const id = () => `5eed${String(++n).padStart(28, '0')}`;
  const at = (severity: number, accountId: string, extra: { archived?: boolean; region?: string } = {}) =>
    variant('unauthorizedaccess-ec2-sshbruteforce', { id: id(), severity, accountId, ...extra });
  gd.put(
    at(9.0, A),
    at(9.8, A),
    at(9.2, B),
    at(8.9, A),
    at(7.0, B),
    at(7.5, B),
    at(6.9, A), // medium: counted in neither band
    at(9.5, B, { archived: true }), // archived: not open
    at(8.0, A, { region: 'us-west-2' }),
  );
}

const byAccount = (counts: { accountId: string; count: number }[]) => Object.fromEntries(counts.map((c) => [c.accountId, c.count]));

describe.each([
  ['aws-sdk-client-mock', 'mock'],
  ['the REST-JSON wire stand-in', 'http'],
] as const)('GuardDutySource.countOpenByAccount through %s', (_name, transport) => {
  let gd: FakeGuardDuty | GuardDutyHttpStandIn;
  let source: GuardDutySource;

  beforeAll(async () => {
    if (transport === 'mock') {
      gd = new FakeGuardDuty();
      source = new GuardDutySource(guardDutyClients(), REGIONS);
    } else {
      const http = await new GuardDutyHttpStandIn().start();
      gd = http;
      source = new GuardDutySource(guardDutyClients(http.endpoint), REGIONS);
    }
    seed(gd);
  });
  afterAll(async () => {
    if (gd instanceof FakeGuardDuty) gd.restore();
    else await gd.close();
  });

  test('counts open findings of exactly the band, per account, largest first', async () => {
    const critical = await source.countOpenByAccount('us-east-1', 'critical', 100);
    expect(critical).toEqual({
      counts: [
        { accountId: A, count: 2 },
        { accountId: B, count: 1 },
      ],
      truncated: false,
    });
    const high = await source.countOpenByAccount('us-east-1', 'high', 100);
    expect(byAccount(high.counts)).toEqual({ [B]: 2, [A]: 1 });
    expect(high.counts[0]?.accountId).toBe(B);
    expect(byAccount((await source.countOpenByAccount('us-west-2', 'high', 100)).counts)).toEqual({ [A]: 1 });
    expect(byAccount((await source.countOpenByAccount('us-east-1', 'medium', 100)).counts)).toEqual({ [A]: 1 });
    expect(gd.calls.GetFindingsStatistics).toBeGreaterThanOrEqual(4);
  });

  test('asking for fewer accounts than have findings says the counts are cut', async () => {
    const one = await source.countOpenByAccount('us-east-1', 'critical', 1);
    expect(one).toEqual({ counts: [{ accountId: A, count: 2 }], truncated: true });
  });

  test('the request is the one GuardDuty documents: grouped by account, severity range and open only', async () => {
    if (!(gd instanceof GuardDutyHttpStandIn)) return;
    gd.resetCalls();
    await source.countOpenByAccount('us-east-1', 'high', 100);
    const [req] = gd.requestsTo('GetFindingsStatistics');
    expect(req?.body).toEqual({
      findingCriteria: {
        criterion: { severity: { greaterThanOrEqual: 7, lessThan: 9 }, 'service.archived': { equals: ['false'] } },
      },
      groupBy: 'ACCOUNT',
      orderBy: 'DESC',
      maxResults: 100,
    });
  });

  test('a region outside the configuration is refused before any call', async () => {
    gd.resetCalls();
    await expect(source.countOpenByAccount('eu-west-1', 'high', 100)).rejects.toBeInstanceOf(RegionNotConfiguredError);
    expect(gd.calls.GetFindingsStatistics).toBe(0);
  });

  test('the people-facing cache passes it through, one call per ask within its TTL', async () => {
    gd.resetCalls();
    const cached = new CachedFindingsSource(source);
    expect(cached.countOpenByAccount).toBeDefined();
    const first = await cached.countOpenByAccount?.('us-east-1', 'critical', 100);
    const again = await cached.countOpenByAccount?.('us-east-1', 'critical', 100);
    expect(again).toEqual(first);
    expect(gd.calls.GetFindingsStatistics).toBe(1);
  });
});

test('a source without GetFindingsStatistics gives a cache without it', () => {
  const inner = new GuardDutySource(() => new GuardDutyClient({ region: 'us-east-1', credentials: TEST_CREDENTIALS }), REGIONS);
  const bare = {
    regions: REGIONS,
    list: inner.list.bind(inner),
    listIds: inner.listIds.bind(inner),
    get: inner.get.bind(inner),
    findById: inner.findById.bind(inner),
    archive: inner.archive.bind(inner),
    feedback: inner.feedback.bind(inner),
  };
  expect(new CachedFindingsSource(bare).countOpenByAccount).toBeUndefined();
});
