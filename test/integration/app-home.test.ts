import type { Proposal } from '../../src/domain/proposal';
import { PENDING_PROPOSALS_PK } from '../../src/store/pending-proposals-repository';
import { assertNoUnescaped, assertValidMessage, collectTexts } from '../../support/helpers/block-kit';
import type { Bot } from '../../support/helpers/bot-harness';
import { variant } from '../../support/helpers/fixtures';
import { RH, eventually, proposeSubmission, startRemediationRig, type RemediationRig } from '../../support/helpers/remediation-harness';
import { appHomeOpened, interaction } from '../../support/helpers/signed-request';
import type { ApiCall, SlackStandIn } from '../../support/helpers/slack-stand-in';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { WebClient } from '@slack/web-api';
import { GuardDutySource } from '../../src/aws/guardduty-source';
import { composeBot } from '../../src/compose';
import type { FindingsSource } from '../../src/domain/ports';
import { createLogger } from '../../src/logger';
import { WorkQueue } from '../../src/slack/work-queue';
import { FakeGuardDuty } from '../../support/fakes/guardduty/sdk-mock';
import { LogCapture, guardDutyClients, testConfig } from '../../support/helpers/bot-harness';
import { freePort } from '../../support/helpers/free-port';
import { SlackStandIn as SlackApi } from '../../support/helpers/slack-stand-in';
import { SocketModeStandIn } from '../../support/helpers/socket-mode-stand-in';
import { CHART_HEIGHT, CHART_WIDTH } from '../../src/charts/findings-per-day';
import { CHART_PNG_SCALE, renderFindingsPerDayPng } from '../../src/charts/render-png';
import { lastDays, type DayBandCount } from '../../src/domain/daily-counts';
import { AppHome, HOME_NOW_TTL_MS } from '../../src/slack/app-home';
import { noGuardDutyCalls } from '../../support/fakes/guardduty/model';
import { startBot } from '../../support/helpers/bot-harness';

const FINDING_ID = 'bbbbccccddddeeee1234567890123456';
const HIGH_ID = 'aaaa1111bbbb2222cccc3333dddd4444';
const OTHER_ACCOUNT = '210987654321';
const HOSTILE = '<!channel> Port probe <https://evil.example|click me> & *bold* <@U0ALICE001>';
const { channel: CHANNEL, alice: ALICE, bob: BOB, carol: CAROL, mallory: MALLORY } = RH;
const OUTSIDER = 'U0OUTSIDE1';

type Block = {
  type: string;
  block_id?: string;
  text?: { text: string };
  elements?: { action_id?: string; value?: string; confirm?: unknown; text?: { text: string } }[];
};
type View = { type: string; blocks: Block[] };

/**
 * Block Kit checks of a Home view. Its image block (the chart) is checked here, as Slack documents it, and stands
 * as a divider for the shared checker, which does not know image blocks.
 */
function assertValidHome(blocks: Block[]): void {
  for (const image of blocks.filter((b) => b.type === 'image') as ImageBlockJson[]) {
    expect(Object.keys(image).sort()).toEqual(['alt_text', 'slack_file', 'type']);
    expect(image.slack_file).toEqual({ id: expect.stringMatching(/^F[A-Z0-9]{8,}$/) });
    expect(image.alt_text.length).toBeGreaterThan(0);
    expect(image.alt_text.length).toBeLessThanOrEqual(2000);
  }
  assertValidMessage(
    blocks.map((b) => (b.type === 'image' ? { type: 'divider' } : b)),
    { home: true },
  );
}

type ImageBlockJson = { type: 'image'; slack_file: { id: string }; alt_text: string };

function imagesOf(blocks: Block[]): ImageBlockJson[] {
  return blocks.filter((b) => b.type === 'image') as unknown as ImageBlockJson[];
}

function buttonsOf(blocks: Block[]): { action_id?: string; value?: string; confirm?: unknown }[] {
  return blocks.filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []);
}

function textOf(blocks: unknown): string {
  return collectTexts(blocks)
    .map((t) => t.text)
    .join('\n');
}

/** A click on a button of the person's Home tab, as Slack sends it: a view container, no channel, no response_url. */
function homeClick(userId: string, actionId: string, value: string): Record<string, unknown> {
  return {
    type: 'block_actions',
    team: { id: 'T0TEAM0001', domain: 'test' },
    user: { id: userId, username: userId.toLowerCase(), team_id: 'T0TEAM0001' },
    api_app_id: 'A0APP00001',
    token: 'legacy-verification-token',
    trigger_id: '1234.5678.home',
    container: { type: 'view', view_id: `V0HOME${userId}` },
    view: { id: `V0HOME${userId}`, team_id: 'T0TEAM0001', type: 'home', blocks: [], private_metadata: '', callback_id: '', hash: 'h' },
    actions: [{ type: 'button', action_id: actionId, block_id: 'home_proposal_0', value, action_ts: String(Date.now() / 1000) }],
  };
}

describe('App Home through signed app_home_opened events', () => {
  let rig: RemediationRig;
  let slack: SlackStandIn;
  let bot: Bot;
  let proposal: Proposal;
  let threadButtons: { action_id?: string; value?: string; confirm?: unknown }[] = [];

  const publishes = (user: string): ApiCall[] => slack.callsTo('views.publish').filter((c) => c.body.user_id === user);
  /** Opens the Home tab as `user` and returns the view the bot published for them. */
  const openHome = async (user: string): Promise<View> => {
    const before = publishes(user).length;
    const res = await appHomeOpened(bot.events, user);
    expect(res.status).toBe(200);
    const call = await slack.waitFor(() => publishes(user)[before], 5000, `views.publish for ${user}`);
    return call.body.view as View;
  };
  const nextPublish = async (user: string, before: number): Promise<View> =>
    (await slack.waitFor(() => publishes(user)[before], 5000, `views.publish for ${user}`)).body.view as View;

  beforeAll(async () => {
    rig = await startRemediationRig({ ALLOWED_USER_IDS: [ALICE, BOB, CAROL, MALLORY].join(',') });
    ({ slack, bot } = rig);
    const recent = new Date(Date.now() - 60_000).toISOString();
    rig.gd.put(
      variant('recon-ec2-portprobe-ssh', { title: HOSTILE, updatedAt: recent }),
      variant('attacksequence-iam-compromisedcredentials', { updatedAt: recent }),
      variant('unauthorizedaccess-ec2-sshbruteforce', { id: HIGH_ID, severity: 8, accountId: OTHER_ACCOUNT, updatedAt: recent }),
    );
    // Alice proposes a fix through the modal, as in the thread flow.
    const res = await interaction(
      bot.events,
      proposeSubmission(ALICE, '203.0.113.0/24', 'V0VIEW0001', `us-east-1 ${FINDING_ID} ${CHANNEL}`),
    );
    expect(res.status).toBe(200);
    const [created] = await eventually(async () => {
      const list = await rig.store.listProposals(FINDING_ID);
      return list[0]?.messageTs ? list : undefined;
    }, 'the proposal message');
    proposal = created as Proposal;
    const posted = slack.callsTo('chat.postMessage').find((c) => c.body.thread_ts !== undefined && c.body.ts === undefined);
    threadButtons = buttonsOf((posted?.body.blocks ?? []) as Block[]);
    expect(threadButtons.map((b) => b.action_id)).toEqual(['remediation_approve', 'remediation_reject', 'remediation_cancel']);
  });
  afterAll(async () => {
    await rig.stop();
  });

  test('creating a proposal indexes it in its Query-able partition', async () => {
    const out = await rig.dynamo.doc.send(
      new QueryCommand({
        TableName: rig.dynamo.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': PENDING_PROPOSALS_PK },
      }),
    );
    expect(out.Items).toEqual([
      expect.objectContaining({
        findingId: FINDING_ID,
        proposalId: proposal.id,
        sk: expect.stringContaining(`#${FINDING_ID}#${proposal.id}`),
      }),
    ]);
  });

  test('an approver sees the proposal waiting, with Approve/Reject carrying exactly the thread values and a thread link', async () => {
    const view = await openHome(BOB);
    expect(view.type).toBe('home');
    assertValidHome(view.blocks);
    assertNoUnescaped(view.blocks);
    const text = textOf(view.blocks);
    expect(text).toContain('Waiting for you');
    expect(text).toContain(`Fix \`${proposal.id}\``);
    expect(text).toContain('proposed by <@U0ALICE001>');
    const permalink = `https://example.slack.com/archives/${CHANNEL}/p${String(proposal.messageTs).replace('.', '')}`;
    expect(text).toContain(`<${permalink}|Open the thread>`);
    const home = buttonsOf(view.blocks);
    const thread = (id: string) => threadButtons.find((b) => b.action_id === id);
    expect(home).toEqual([thread('remediation_approve'), thread('remediation_reject')]);
    expect(home[0]?.value).toBe(`${FINDING_ID} ${proposal.id} ${proposal.planDigest ?? ''}`);
  });

  test('finding strings are escaped: a hostile title pings nobody and forms no link', async () => {
    const view = await openHome(BOB);
    const text = textOf(view.blocks);
    expect(text).toContain('&lt;!channel&gt; Port probe &lt;https://evil.example|click me&gt; &amp; *bold* &lt;@U0ALICE001&gt;');
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<https://evil.example');
    assertNoUnescaped(view.blocks);
  });

  test('the requester sees their own proposal, with Cancel and no Approve or Reject', async () => {
    const view = await openHome(ALICE);
    assertValidHome(view.blocks);
    const text = textOf(view.blocks);
    expect(text).toContain(`Fix \`${proposal.id}\``);
    expect(text).toContain('proposed by you');
    const ids = buttonsOf(view.blocks).map((b) => b.action_id);
    expect(ids).toEqual(['remediation_cancel']);
    expect(buttonsOf(view.blocks)[0]?.value).toBe(threadButtons.find((b) => b.action_id === 'remediation_cancel')?.value);
  });

  test('a person who is no approver sees nothing waiting', async () => {
    const view = await openHome(MALLORY);
    expect(buttonsOf(view.blocks)).toEqual([]);
    expect(textOf(view.blocks)).toContain('No proposal is waiting for you');
  });

  test('a person not allowed to use the bot sees why instead', async () => {
    const view = await openHome(OUTSIDER);
    assertValidHome(view.blocks);
    const text = textOf(view.blocks);
    expect(text).toContain('You are not on the list of people who may use the GuardDuty bot');
    expect(text).not.toContain('Waiting for you');
    expect(text).not.toContain(proposal.id);
  });

  test('another tab than Home publishes nothing', async () => {
    const before = publishes(CAROL).length;
    await appHomeOpened(bot.events, CAROL, { tab: 'messages' });
    await new Promise((r) => setTimeout(r, 300));
    expect(publishes(CAROL)).toHaveLength(before);
  });

  test('Yours lists the findings the person owns, with status; Now counts open high and critical by account and lists attack sequences', async () => {
    const taken = await rig.store.takeFinding(FINDING_ID, CAROL, Math.floor(Date.now() / 1000));
    expect(taken.ok).toBe(true);
    const view = await openHome(CAROL);
    assertValidHome(view.blocks);
    assertNoUnescaped(view.blocks);
    const text = textOf(view.blocks);
    const yours = text.slice(text.indexOf('Yours'), text.indexOf('Now'));
    expect(yours).toContain('&lt;!channel&gt; Port probe');
    expect(yours).toContain('*investigating*');
    expect(yours).toContain('account `123456789012`');
    expect(yours).toMatch(/<https:\/\/example\.slack\.com\/archives\/C0FIND0001\/p\d+\|card>/);
    const now = text.slice(text.indexOf('Now'));
    expect(now).toContain('*Critical*: 1 (`123456789012` 1)');
    expect(now).toContain(`*High*: 1 (\`${OTHER_ACCOUNT}\` 1)`);
    expect(now).toContain('Potential credential compromise of AWS resources in account 123456789012.');
    expect(now).toContain('`AttackSequence:IAM/CompromisedCredentials`');
    expect(now).toContain('Counted by GuardDuty (GetFindingsStatistics grouped by account) over open findings in us-east-1, us-west-2.');
    expect(rig.gd.calls.GetFindingsStatistics).toBeGreaterThanOrEqual(4);
    // Bob owns nothing.
    expect(textOf((await openHome(BOB)).blocks)).toContain('You own no finding');
  });

  test('Approve from Home follows the same rules: self-approval is refused on the Home, then an approver applies it', async () => {
    const approveValue = String(threadButtons.find((b) => b.action_id === 'remediation_approve')?.value);
    const aliceBefore = publishes(ALICE).length;
    const self = await interaction(bot.events, homeClick(ALICE, 'remediation_approve', approveValue));
    expect(self.status).toBe(200);
    const refusedView = await nextPublish(ALICE, aliceBefore);
    assertValidHome(refusedView.blocks);
    expect(textOf(refusedView.blocks)).toContain('You proposed this');
    expect((await rig.store.getProposal(FINDING_ID, proposal.id))?.state).toBe('proposed');
    expect(rig.ec2.writes()).toEqual([]);

    // A forged or stale Home button with another plan digest is refused the same way as in the thread.
    const bobBefore = publishes(BOB).length;
    await interaction(bot.events, homeClick(BOB, 'remediation_approve', `${FINDING_ID} ${proposal.id} ${'0'.repeat(64)}`));
    expect(textOf((await nextPublish(BOB, bobBefore)).blocks)).toMatch(/changed/i);
    expect((await rig.store.getProposal(FINDING_ID, proposal.id))?.state).toBe('proposed');

    const updatesBefore = slack.callsTo('chat.update').length;
    const approved = await interaction(bot.events, homeClick(BOB, 'remediation_approve', approveValue));
    expect(approved.status).toBe(200);
    const done = await eventually(async () => {
      const p = await rig.store.getProposal(FINDING_ID, proposal.id);
      return p?.state === 'executed' ? p : undefined;
    }, 'the execution');
    expect(done.approver).toBe(BOB);
    // The thread's proposal message shows the outcome, as after a click in the thread.
    await slack.waitFor(
      () =>
        slack
          .callsTo('chat.update')
          .slice(updatesBefore)
          .find((c) => c.body.ts === proposal.messageTs && /executed/i.test(JSON.stringify(c.body))),
      5000,
      'the proposal message updated',
    );
    // Bob's Home is re-published with the outcome and nothing left waiting.
    const after = await slack.waitFor(
      () =>
        publishes(BOB)
          .slice(bobBefore + 1)
          .find((c) => /executed/.test(JSON.stringify(c.body.view))),
      5000,
      "Bob's Home after the approval",
    );
    const view = after.body.view as View;
    assertValidHome(view.blocks);
    expect(buttonsOf(view.blocks)).toEqual([]);
    expect(textOf(view.blocks)).toContain('No proposal is waiting for you');
    // The decided proposal's index item is gone once a listing saw it.
    const out = await rig.dynamo.doc.send(
      new QueryCommand({
        TableName: rig.dynamo.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': PENDING_PROPOSALS_PK },
      }),
    );
    expect(out.Items).toEqual([]);
    // No click from Home went to a response_url (a Home click has none).
    expect(slack.responses).toEqual([]);
  });
});

describe('App Home in Socket Mode', () => {
  it('publishes the Home for an app_home_opened envelope; without a store it says what is not set up', async () => {
    const slack = await new SlackApi().start();
    const ws = await new SocketModeStandIn().start();
    const gd = new FakeGuardDuty();
    gd.put(variant('attacksequence-iam-compromisedcredentials', { updatedAt: new Date().toISOString() }));
    slack.handlers.set('apps.connections.open', () => ({ ok: true, url: ws.url('ticket-home') }));
    const config = testConfig(slack, { SLACK_APP_TOKEN: 'xapp-1-A0APP00001-1-home', PORT: String(await freePort()), LOG_LEVEL: 'warn' });
    expect(config.slack.mode).toBe('socket');
    const gdSource = new GuardDutySource(guardDutyClients(), config.aws.regions);
    // A source without GetFindingsStatistics: the Home counts from a bounded listing and says so.
    const findings: FindingsSource = {
      regions: gdSource.regions,
      list: (...a) => gdSource.list(...a),
      listIds: (...a) => gdSource.listIds(...a),
      get: (...a) => gdSource.get(...a),
      findById: (...a) => gdSource.findById(...a),
      archive: (...a) => gdSource.archive(...a),
      feedback: (...a) => gdSource.feedback(...a),
    };
    const { app } = composeBot({
      config,
      logger: createLogger(config.logLevel, new LogCapture()),
      owner: 'home-socket',
      web: new WebClient(config.slack.botToken, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } }),
      findings,
      peopleFindings: findings,
      work: new WorkQueue({ load: { utilization: () => 0 } }),
    });
    try {
      await app.start();
      await ws.connection;
      ws.send(
        JSON.stringify({
          envelope_id: 'env-home-0001',
          type: 'events_api',
          accepts_response_payload: false,
          payload: {
            token: 'legacy-verification-token',
            team_id: 'T0TEAM0001',
            api_app_id: 'A0APP00001',
            type: 'event_callback',
            event_id: 'Ev0HOME0001',
            event_time: Math.floor(Date.now() / 1000),
            event: { type: 'app_home_opened', user: ALICE, channel: 'D0HOME0001', tab: 'home', event_ts: '1700000000.000100' },
          },
        }),
      );
      await ws.ackOf('env-home-0001');
      const call = await slack.waitFor(() => slack.callsTo('views.publish')[0], 5000, 'views.publish');
      expect(call.body.user_id).toBe(ALICE);
      const view = call.body.view as View;
      assertValidHome(view.blocks);
      assertNoUnescaped(view.blocks);
      const text = textOf(view.blocks);
      expect(text).toContain('Remediation is not set up here');
      expect(text).toContain('Ownership needs the state store');
      expect(text).toContain('*Critical*: 1 (`123456789012` 1)');
      expect(text).toContain('Potential credential compromise');
      expect(text).toContain('bounded ListFindings query (not GetFindingsStatistics)');
      expect(gd.calls.GetFindingsStatistics).toBe(0);
      // A source that cannot count by day: no chart, and nothing said about one.
      expect(imagesOf(view.blocks)).toEqual([]);
      expect(text).not.toMatch(/chart/i);
      expect(slack.callsTo('files.getUploadURLExternal')).toEqual([]);
    } finally {
      await app.stop();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([ws.disconnection, new Promise((r) => (timer = setTimeout(r, 3000)))]);
      clearTimeout(timer);
      await ws.close();
      gd.restore();
      await slack.close();
    }
  });
});

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** The findings the chart tests put into GuardDuty: five in the last fortnight (three today), one older. */
function chartFindings(): { puts: ReturnType<typeof variant>[]; found: DayBandCount[] } {
  const now = Date.now();
  const today = new Date(Math.max(Math.floor(now / DAY) * DAY, now - 60_000)).toISOString();
  const twoDaysAgo = new Date(now - 2 * DAY).toISOString();
  const puts = [
    variant('unauthorizedaccess-ec2-sshbruteforce', { id: 'c1'.padEnd(32, '0'), severity: 9.2, updatedAt: today }),
    variant('unauthorizedaccess-ec2-sshbruteforce', { id: 'h1'.padEnd(32, '0'), severity: 8, updatedAt: today }),
    variant('recon-ec2-portprobe-ssh', { id: 'l1'.padEnd(32, '0'), severity: 2, updatedAt: today }),
    variant('unauthorizedaccess-ec2-sshbruteforce', {
      id: 'h2'.padEnd(32, '0'),
      severity: 7.5,
      region: 'us-west-2',
      updatedAt: twoDaysAgo,
    }),
    variant('recon-ec2-portprobe-ssh', { id: 'm1'.padEnd(32, '0'), severity: 5, updatedAt: twoDaysAgo }),
    variant('unauthorizedaccess-ec2-sshbruteforce', {
      id: 'old'.padEnd(32, '0'),
      severity: 9,
      updatedAt: new Date(now - 20 * DAY).toISOString(),
    }),
  ];
  const d = (iso: string) => iso.slice(0, 10);
  const found: DayBandCount[] = [
    { date: d(today), band: 'critical', count: 1 },
    { date: d(today), band: 'high', count: 1 },
    { date: d(today), band: 'low', count: 1 },
    { date: d(twoDaysAgo), band: 'high', count: 1 },
    { date: d(twoDaysAgo), band: 'medium', count: 1 },
  ];
  return { puts, found };
}

describe('App Home chart of findings per day, and reopened Homes', () => {
  let rig: RemediationRig;
  let slack: SlackStandIn;
  let bot: Bot;
  let expected: DayBandCount[];

  const publishes = (user: string): ApiCall[] => slack.callsTo('views.publish').filter((c) => c.body.user_id === user);
  const openHome = async (user: string): Promise<View> => {
    const before = publishes(user).length;
    const res = await appHomeOpened(bot.events, user);
    expect(res.status).toBe(200);
    return (await slack.waitFor(() => publishes(user)[before], 5000, `views.publish for ${user}`)).body.view as View;
  };

  beforeAll(async () => {
    // An upload is reused within its UTC hour, and the last test reads the clock two minutes ahead: none may cross an hour.
    const leftInHour = HOUR - (Date.now() % HOUR);
    if (leftInHour < 2 * HOME_NOW_TTL_MS + 15_000) await new Promise((r) => setTimeout(r, leftInHour + 1000));
    rig = await startRemediationRig({ ALLOWED_USER_IDS: [ALICE, BOB, CAROL, MALLORY].join(',') });
    ({ slack, bot } = rig);
    const { puts, found } = chartFindings();
    rig.gd.put(...puts);
    expected = found;
  }, 3 * HOME_NOW_TTL_MS);
  afterAll(async () => {
    await rig.stop();
  });

  test('a burst of first opens by four people reads GuardDuty once and uploads one chart, which every Home shows', async () => {
    rig.gd.resetCalls();
    rig.gd.latencyMs = 50; // the opens overlap while GuardDuty answers
    const people = [ALICE, BOB, CAROL, MALLORY];
    let views: View[];
    try {
      views = await Promise.all(people.map((p) => openHome(p)));
    } finally {
      rig.gd.latencyMs = 0;
    }
    // One reading of the Now section: per region, 2 bands counted by account and 4 bands counted by day; one listing of attack sequences.
    expect(rig.gd.calls.GetFindingsStatistics).toBe(2 * (2 + 4));
    expect(rig.gd.calls.ListFindings).toBe(2);
    expect(slack.callsTo('files.getUploadURLExternal')).toHaveLength(1);
    expect(slack.callsTo('files.completeUploadExternal')).toHaveLength(1);
    const [upload] = slack.completedUploads();
    if (!upload) throw new Error('no upload');
    for (const view of views) {
      assertValidHome(view.blocks);
      assertNoUnescaped(view.blocks);
      expect(imagesOf(view.blocks).map((i) => i.slack_file.id)).toEqual([upload.fileId]);
    }
  });

  test('the upload is a PNG of the chart of GuardDuty’s counts per day, shared nowhere, with the numbers in its alt text', () => {
    const [upload] = slack.completedUploads();
    const bytes = upload?.bytes ?? Buffer.alloc(0);
    expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(bytes.toString('latin1', 12, 16)).toBe('IHDR');
    expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([CHART_WIDTH * CHART_PNG_SCALE, CHART_HEIGHT * CHART_PNG_SCALE]);
    // The same chart the renderer draws from the counts put into GuardDuty (the finding older than 14 days left out).
    expect(bytes.equals(renderFindingsPerDayPng(lastDays(Date.now(), 14, expected)))).toBe(true);
    expect(upload?.channelId).toBeUndefined();
    const today = new Date().toISOString().slice(0, 10);
    expect(upload?.altText).toMatch(new RegExp(`: 1 critical, 2 high, 1 medium, 1 low; 5 in all, most on ${today} \\(3\\)\\.$`));
    const view = publishes(ALICE)[0]?.body.view as View;
    expect(imagesOf(view.blocks)[0]?.alt_text).toBe(upload?.altText);
    expect(textOf(view.blocks)).toMatch(/Read from GuardDuty at \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\./);
  });

  test('a person reopening within seconds is shown the same view again: no GuardDuty call, no upload', async () => {
    const first = publishes(BOB)[0]?.body.view as View;
    rig.gd.resetCalls();
    const uploads = slack.callsTo('files.getUploadURLExternal').length;
    const again = await openHome(BOB);
    const third = await openHome(BOB);
    expect(again).toEqual(first);
    expect(third).toEqual(first);
    expect(rig.gd.calls).toEqual(noGuardDutyCalls());
    expect(slack.callsTo('files.getUploadURLExternal')).toHaveLength(uploads);
  });

  test('another reading within the hour with the same numbers reuses the upload; new numbers draw a new chart', async () => {
    const uploads = slack.callsTo('files.getUploadURLExternal').length;
    const home = new AppHome(bot.deps, () => Date.now() + HOME_NOW_TTL_MS + 1000);
    // A minute later GuardDuty is read again; the numbers are the same, so is the chart.
    const client = new WebClient('xoxb-test-token-0000', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
    rig.gd.resetCalls();
    await home.publish(client, CAROL);
    expect(rig.gd.calls.GetFindingsStatistics).toBe(12);
    expect(slack.callsTo('files.getUploadURLExternal')).toHaveLength(uploads);
    const firstId = slack.completedUploads()[0]?.fileId;
    expect(imagesOf((publishes(CAROL).at(-1)?.body.view as View).blocks)[0]?.slack_file.id).toBe(firstId);
    // A new finding today: a new chart, uploaded once.
    rig.gd.put(
      variant('unauthorizedaccess-ec2-sshbruteforce', { id: 'h3'.padEnd(32, '0'), severity: 8.1, updatedAt: new Date().toISOString() }),
    );
    await new AppHome(bot.deps, () => Date.now() + 2 * (HOME_NOW_TTL_MS + 1000)).publish(client, CAROL);
    expect(slack.callsTo('files.getUploadURLExternal')).toHaveLength(uploads + 1);
    const view = publishes(CAROL).at(-1)?.body.view as View;
    const newId = imagesOf(view.blocks)[0]?.slack_file.id;
    expect(newId).not.toBe(firstId);
    expect(newId).toBe(slack.completedUploads().at(-1)?.fileId);
    expect(imagesOf(view.blocks)[0]?.alt_text).toContain(': 1 critical, 3 high, 1 medium, 1 low; 6 in all');
  });
});

describe('App Home when the chart cannot be uploaded', () => {
  let slack: SlackApi;
  let bot: Bot;
  let gd: FakeGuardDuty;
  beforeAll(async () => {
    slack = await new SlackApi().start();
    gd = new FakeGuardDuty();
    gd.put(...chartFindings().puts);
    // The app was installed without files:write.
    slack.handlers.set('files.getUploadURLExternal', () => ({
      ok: false,
      error: 'missing_scope',
      needed: 'files:write',
      provided: 'chat:write',
    }));
    bot = await startBot(slack, { LOG_LEVEL: 'warn' });
  });
  afterAll(async () => {
    await bot.stop();
    gd.restore();
    await slack.close();
  });

  test('the Home is shown without the chart, saying why in one line; the next people do not retry the upload at once', async () => {
    const open = async (user: string): Promise<View> => {
      const before = slack.callsTo('views.publish').filter((c) => c.body.user_id === user).length;
      expect((await appHomeOpened(bot.events, user)).status).toBe(200);
      return (
        await slack.waitFor(() => slack.callsTo('views.publish').filter((c) => c.body.user_id === user)[before], 5000, 'views.publish')
      ).body.view as View;
    };
    const view = await open(ALICE);
    assertValidHome(view.blocks);
    assertNoUnescaped(view.blocks);
    expect(imagesOf(view.blocks)).toEqual([]);
    const lines = textOf(view.blocks)
      .split('\n')
      .filter((l) => l.includes('chart'));
    expect(lines).toEqual([
      ":warning: The findings-per-day chart is not shown: Slack refused the upload: missing_scope (the app needs the files:write scope: add it to the app's bot scopes and reinstall the app).",
    ]);
    const text = JSON.stringify(view);
    expect(text).not.toMatch(/xoxb|https?:\/\/127|at .*\.ts:\d+/);
    // The rest of Now is there (the finding older than the chart's fortnight is still open).
    expect(textOf(view.blocks)).toContain('*Critical*: 2 (`123456789012` 2)');
    expect(bot.logs.lines.join('\n')).toContain('findings-per-day chart not uploaded');
    // Bob a moment later: the same reason, without another attempt.
    expect(textOf((await open(BOB)).blocks)).toContain('missing_scope');
    expect(slack.callsTo('files.getUploadURLExternal')).toHaveLength(1);
  });

  test('a chart refused by views.publish (invalid_blocks) is left out and the Home published without it', async () => {
    slack.handlers.delete('files.getUploadURLExternal');
    // Slack refuses image blocks here, as for a file that is not ready.
    slack.handlers.set('views.publish', (body) => {
      const blocks = (body.view as { blocks: Block[] }).blocks;
      if (blocks.some((b) => b.type === 'image')) return { ok: false, error: 'invalid_blocks' };
      return { ok: true, view: { id: 'V0HOME', type: 'home' } };
    });
    try {
      // A fresh source: no remembered failure.
      const fresh = new AppHome({ ...bot.deps, findings: new GuardDutySource(guardDutyClients(), bot.config.aws.regions) });
      const client = new WebClient('xoxb-test-token-0000', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
      const before = slack.callsTo('views.publish').length;
      await fresh.publish(client, CAROL);
      const calls = slack.callsTo('views.publish').slice(before);
      expect(calls).toHaveLength(2);
      const shown = calls[1]?.body.view as View;
      expect(imagesOf(shown.blocks)).toEqual([]);
      expect(textOf(shown.blocks)).toContain(
        'The findings-per-day chart is not shown: Slack did not accept the uploaded image (invalid_blocks).',
      );
    } finally {
      slack.handlers.delete('views.publish');
    }
  });
});
