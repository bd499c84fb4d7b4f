/**
 * Regions are configuration: `region:` in commands, button values, page values and the propose modal's
 * metadata may name only GUARDDUTY_REGIONS, and the GuardDuty clients stay one per configured region
 * whatever requests name (each new region used to cost a GuardDutyClient kept forever).
 */
import { GuardDutyClient } from '@aws-sdk/client-guardduty';
import { CachedFindingsSource } from '../../src/aws/cached-findings-source';
import { GuardDutySource } from '../../src/aws/guardduty-source';
import { ChatOpsError } from '../../src/domain/errors';
import type { FindingQuery, FindingsSource } from '../../src/domain/ports';
import { RegionNotConfiguredError } from '../../src/domain/regions';
import { ACTION } from '../../src/slack/ids';
import { encodePage } from '../../src/slack/values';
import { TEST_CREDENTIALS, startBot, testConfig, type Bot } from '../../support/helpers/bot-harness';
import { FakeGuardDuty } from '../../support/fakes/guardduty/sdk-mock';
import { variant } from '../../support/helpers/fixtures';
import { RH, proposeSubmission, startRemediationRig, type RemediationRig } from '../../support/helpers/remediation-harness';
import { click, interaction, slashCommand, type SignedResponse } from '../../support/helpers/signed-request';
import { SlackStandIn } from '../../support/helpers/slack-stand-in';
import { noGuardDutyCalls as noCalls } from '../../support/fakes/guardduty/model';

const ENV = { GUARDDUTY_REGIONS: 'us-east-1,eu-west-1' };
const CONFIGURED = ['us-east-1', 'eu-west-1'];
const EAST_ID = '0cbd1f0e8a9b3c2d4e5f60718293a4b5';
const WEST_ID = 'eeee000000000000000000000000000e';
/** A finding that exists in an unconfigured region: reading it would need a client for eu-west-3. */
const PARIS_ID = 'ffff000000000000000000000000000f';
const NOT_CONFIGURED =
  'The bot is not configured for region eu-west-3. Configured regions: us-east-1, eu-west-1; write one like region:us-east-1.';
const QUERY: FindingQuery = { minBand: 'low', sortBy: 'severity', order: 'DESC' };

/** `zz-fake<letters>-1`: a well-formed region name, distinct for each `i`, never a real one. */
function fakeRegion(i: number): string {
  let letters = '';
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(97 + ((n - 1) % 26)) + letters;
  return `zz-fake${letters}-1`;
}

async function inBatches<T, R>(items: readonly T[], size: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map((item, j) => fn(item, i + j)))));
  return out;
}

const noGuardDutyCalls = noCalls();

describe('regions are configuration (GUARDDUTY_REGIONS=us-east-1,eu-west-1)', () => {
  let slack: SlackStandIn;
  let gd: FakeGuardDuty;
  let bot: Bot;
  /** Every GuardDutyClient the bot created, by region, and every region a client was asked for. */
  const clients = new Map<string, GuardDutyClient>();
  const asked: string[] = [];
  let source: GuardDutySource;
  let cached: CachedFindingsSource;

  beforeAll(async () => {
    slack = await new SlackStandIn().start();
    gd = new FakeGuardDuty();
    gd.put(
      variant('unauthorizedaccess-ec2-sshbruteforce', { id: EAST_ID, severity: 8 }),
      variant('recon-ec2-portprobe-ssh', { id: WEST_ID, severity: 7.5, region: 'eu-west-1' }),
      variant('attacksequence-iam-compromisedcredentials', { id: PARIS_ID, severity: 9.5, region: 'eu-west-3' }),
    );
    // As main.ts wires it: one GuardDutySource over the configured regions, read through the cache by Slack.
    const { regions } = testConfig(slack, ENV).aws;
    source = new GuardDutySource((region) => {
      asked.push(region);
      let c = clients.get(region);
      if (!c) clients.set(region, (c = new GuardDutyClient({ region, credentials: TEST_CREDENTIALS, maxAttempts: 1 })));
      return c;
    }, regions);
    cached = new CachedFindingsSource(source);
    bot = await startBot(slack, { ...ENV, APPROVER_USER_IDS: 'U0ALICE001', LOG_LEVEL: 'warn' }, { findings: cached });
    expect(bot.config.aws.regions).toEqual(CONFIGURED);
  });
  afterAll(async () => {
    await bot.stop();
    gd.restore();
    await slack.close();
  });
  beforeEach(() => {
    gd.resetCalls();
  });

  const command = (text: string, name: string) => slashCommand(bot.events, { text, responseUrl: slack.responseUrl(name) });
  const press = (actionId: string, value: string, name: string) =>
    click(bot.events, { actionId, value, responseUrl: slack.responseUrl(name) });
  const answer = async (name: string) =>
    (await slack.waitFor(() => slack.responses.find((r) => r.path === `/respond/${name}`), 5000, `answer to ${name}`)).body;
  const settle = () => new Promise((r) => setTimeout(r, 150));

  it('`findings high region:eu-west-3` is answered in the ack: not configured, with the configured regions; GuardDuty is not called', async () => {
    const res = await command('findings high region:eu-west-3', 'paris');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ response_type: 'ephemeral', text: NOT_CONFIGURED });
    const blocks = JSON.stringify(res.json?.blocks);
    expect(blocks).toContain(NOT_CONFIGURED);
    expect(blocks).toContain('How to use /guardduty');
    await settle();
    expect(slack.responses.filter((r) => r.path === '/respond/paris')).toEqual([]);
    expect(gd.calls).toEqual(noGuardDutyCalls);
    expect(asked).not.toContain('eu-west-3');
    expect(clients.has('eu-west-3')).toBe(false);
  });

  it('`finding <id> region:eu-west-3` is refused the same way, even for a finding that exists there', async () => {
    const res = await command(`finding ${PARIS_ID} region:EU-WEST-3`, 'paris-one');
    expect(res.json).toMatchObject({ response_type: 'ephemeral', text: NOT_CONFIGURED });
    await settle();
    expect(gd.calls).toEqual(noGuardDutyCalls);
    expect(asked).not.toContain('eu-west-3');
  });

  it('a configured region is accepted in any case and only that region is read', async () => {
    await command('findings low region:EU-WEST-1', 'west');
    const reply = await answer('west');
    expect(JSON.stringify(reply.blocks)).toContain(`eu-west-1 ${WEST_ID}`);
    expect(JSON.stringify(reply.blocks)).not.toContain(EAST_ID);
    const listed = gd.mock.commandCalls((await import('@aws-sdk/client-guardduty')).ListFindingsCommand);
    expect(listed).toHaveLength(1);
    expect(await listed[0]?.thisValue.config.region()).toBe('eu-west-1');
  });

  it('without region: every configured region is listed, and the eu-west-3 finding is never shown', async () => {
    await command('findings low', 'all');
    const json = JSON.stringify((await answer('all')).blocks);
    expect(json).toContain(`us-east-1 ${EAST_ID}`);
    expect(json).toContain(`eu-west-1 ${WEST_ID}`);
    expect(json).not.toContain(PARIS_ID);
  });

  it('forged button values naming eu-west-3 are refused as invalid and reach no GuardDuty call', async () => {
    const forged = `eu-west-3 ${PARIS_ID}`;
    const buttons = [ACTION.viewFinding, ACTION.archive, ACTION.feedbackUseful, ACTION.feedbackNotUseful, ACTION.postToChannel];
    for (const actionId of buttons) {
      const res = await press(actionId, forged, `forged-${actionId}`);
      expect(res.status).toBe(200);
      expect(String((await answer(`forged-${actionId}`)).text)).toContain('That button is not valid any more');
    }
    await settle();
    expect(gd.calls).toEqual(noGuardDutyCalls);
    expect(gd.get('eu-west-3', PARIS_ID)?.Service?.Archived).not.toBe(true);
    expect(asked).not.toContain('eu-west-3');
  });

  it('a forged page value naming eu-west-3 is refused as invalid; the same page of eu-west-1 is listed', async () => {
    const forged = encodePage({ band: 'low', region: 'eu-west-3', archived: false }, 0);
    await press(ACTION.nextPage, forged, 'page-paris');
    expect(String((await answer('page-paris')).text)).toContain('That button is not valid any more');
    await settle();
    expect(gd.calls).toEqual(noGuardDutyCalls);

    await press(ACTION.nextPage, encodePage({ band: 'low', region: 'eu-west-1', archived: false }, 0), 'page-west');
    expect(JSON.stringify((await answer('page-west')).blocks)).toContain(`eu-west-1 ${WEST_ID}`);
  });

  it('the sources themselves refuse an unconfigured region with REGION_NOT_CONFIGURED, before any client', async () => {
    const before = asked.length;
    const sources: [string, FindingsSource][] = [
      ['GuardDutySource', source],
      ['CachedFindingsSource', cached],
    ];
    for (const [name, s] of sources) {
      const calls: [string, () => Promise<unknown>][] = [
        ['list', () => s.list('eu-west-3', QUERY, 10)],
        ['listIds', () => s.listIds('eu-west-3', QUERY)],
        ['get', () => s.get('eu-west-3', [PARIS_ID])],
        ['get (no IDs)', () => s.get('eu-west-3', [])],
        ['findById', () => s.findById(PARIS_ID, 'eu-west-3')],
        ['archive', () => s.archive('eu-west-3', [PARIS_ID])],
        ['feedback', () => s.feedback('eu-west-3', [PARIS_ID], true)],
        ['list (upper case)', () => s.list('US-EAST-1', QUERY, 10)],
      ];
      for (const [what, call] of calls) {
        const err = await call().then(
          () => new Error(`${name}.${what} answered`),
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(RegionNotConfiguredError);
        expect(err).toBeInstanceOf(ChatOpsError);
        expect((err as ChatOpsError).code).toBe('REGION_NOT_CONFIGURED');
        expect((err as ChatOpsError).message).toMatch(
          /^The bot is not configured for region (eu-west-3|US-EAST-1); it reads us-east-1, eu-west-1 \(GUARDDUTY_REGIONS\)\.$/,
        );
      }
    }
    await expect(source.detectorId('eu-west-3')).rejects.toBeInstanceOf(RegionNotConfiguredError);
    expect(asked.slice(before)).toEqual([]);
    expect(gd.calls).toEqual(noGuardDutyCalls);
    // findById without a preferred region searches only the configured ones.
    await expect(source.findById(PARIS_ID)).resolves.toBeUndefined();
    expect(new Set(asked.slice(before))).toEqual(new Set(CONFIGURED));
  });

  it('3,000 commands with distinct fake regions (and forged values, and direct source calls) create no client beyond the configured regions', async () => {
    const N = 3000;
    const regions = Array.from({ length: N }, (_, i) => fakeRegion(i));
    expect(new Set(regions).size).toBe(N);
    const acks: SignedResponse[] = await inBatches(regions, 50, (region, i) =>
      command(i % 2 === 0 ? `findings high region:${region}` : `finding ${PARIS_ID} region:${region}`, `flood-${i}`),
    );
    acks.forEach((ack, i) => {
      if (ack.status !== 200 || !String(ack.json?.text).startsWith(`The bot is not configured for region ${regions[i]}.`)) {
        throw new Error(`command #${i} (${regions[i]}) got ${ack.status} ${ack.body.slice(0, 200)}`);
      }
    });
    // Forged button and page values naming fresh regions.
    const clicks = regions.slice(0, 300);
    await inBatches(clicks, 50, (region, i) =>
      i % 2 === 0
        ? press(ACTION.viewFinding, `${region} ${PARIS_ID}`, `flood-btn-${i}`)
        : press(ACTION.nextPage, encodePage({ band: 'low', region, archived: false }, 0), `flood-btn-${i}`),
    );
    await slack.waitFor(
      () => clicks.every((_, i) => slack.responses.some((r) => r.path === `/respond/flood-btn-${i}`)),
      20_000,
      'an answer to every forged click',
    );
    // And straight at the sources, as the propose modal's metadata reaches them.
    for (const region of regions) {
      await expect(cached.findById(PARIS_ID, region)).rejects.toBeInstanceOf(RegionNotConfiguredError);
      await expect(source.list(region, QUERY, 10)).rejects.toBeInstanceOf(RegionNotConfiguredError);
    }
    expect(gd.calls).toEqual(noGuardDutyCalls);

    // The configured regions still answer, through their own clients.
    await command('findings low', 'after-flood');
    await answer('after-flood');
    expect([...clients.keys()].sort()).toEqual([...CONFIGURED].sort());
    expect(clients.size).toBe(CONFIGURED.length);
    expect(asked.filter((r) => !CONFIGURED.includes(r))).toEqual([]);
  }, 120_000);
});

describe('the propose-fix submission: decodeModalMeta checks the region pattern only, the source refuses the region', () => {
  let rig: RemediationRig;
  const FINDING_ID = 'bbbbccccddddeeee1234567890123456';

  beforeAll(async () => {
    rig = await startRemediationRig(ENV);
    rig.gd.put(variant('recon-ec2-portprobe-ssh', {}), variant('recon-ec2-portprobe-ssh', { region: 'eu-west-3' }));
  });
  afterAll(async () => {
    await rig.stop();
  });

  it('a modal whose metadata names eu-west-3 is acked, then refused with the reason; nothing read, proposed or changed', async () => {
    const { bot, slack, gd, ec2, store } = rig;
    expect(bot.config.aws.regions).toEqual(CONFIGURED);
    gd.resetCalls();
    const res = await interaction(
      bot.events,
      proposeSubmission(RH.alice, '203.0.113.0/24', 'V0VIEWPARIS', `eu-west-3 ${FINDING_ID} ${RH.channel}`),
    );
    expect(res.status).toBe(200);
    const told = await slack.waitFor(() => slack.callsTo('chat.postEphemeral')[0], 5000, 'the requester told');
    expect(told.body).toMatchObject({ channel: RH.channel, user: RH.alice });
    expect(String(told.body.text)).toContain(
      'The fix was not proposed: The bot is not configured for region eu-west-3; it reads us-east-1, eu-west-1 (GUARDDUTY_REGIONS).',
    );
    await new Promise((r) => setTimeout(r, 100));
    expect(gd.calls).toEqual(noGuardDutyCalls);
    expect(await store.listProposals(FINDING_ID)).toEqual([]);
    expect(slack.callsTo('chat.postMessage')).toEqual([]);
    expect(ec2.calls).toEqual([]);
  });

  it('the Propose fix button with an eu-west-3 value is refused as invalid before the modal opens', async () => {
    const { bot, slack, gd } = rig;
    gd.resetCalls();
    await click(bot.events, {
      actionId: ACTION.proposeFix,
      value: `eu-west-3 ${FINDING_ID}`,
      userId: RH.alice,
      channelId: RH.channel,
      responseUrl: slack.responseUrl('propose-paris'),
    });
    const reply = await slack.waitFor(() => slack.responses.find((r) => r.path === '/respond/propose-paris'), 5000, 'reply');
    expect(String(reply.body.text)).toContain('That button is not valid any more');
    expect(slack.callsTo('views.open')).toEqual([]);
    expect(gd.calls).toEqual(noGuardDutyCalls);
  });
});
