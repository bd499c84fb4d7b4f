import { FakeGuardDuty } from '../../support/fakes/guardduty/sdk-mock';
import { variant } from '../../support/helpers/fixtures';
import { click, slashCommand } from '../../support/helpers/signed-request';
import { SlackStandIn } from '../../support/helpers/slack-stand-in';
import { startBot, type Bot } from '../../support/helpers/bot-harness';

const FINDING = 'acce55000000000000000000000000aa';

describe('access control in front of every listener', () => {
  let slack: SlackStandIn;
  let gd: FakeGuardDuty;
  let bot: Bot | undefined;

  beforeAll(async () => {
    slack = await new SlackStandIn().start();
    slack.handlers.set('usergroups.users.list', (body) => ({ ok: true, users: body.usergroup === 'S0SECTEAM1' ? ['U0GROUPIE1'] : [] }));
  });
  afterAll(async () => {
    await slack.close();
  });
  beforeEach(() => {
    slack.responses.length = 0;
    gd = new FakeGuardDuty();
    gd.put(variant('unauthorizedaccess-ec2-sshbruteforce', { id: FINDING, severity: 8 }));
  });
  afterEach(async () => {
    await bot?.stop();
    bot = undefined;
    gd.restore();
  });

  const command = (b: Bot, opts: { user?: string; channel?: string; team?: string }) =>
    slashCommand(b.events, {
      text: 'findings high',
      userId: opts.user,
      channelId: opts.channel,
      teamId: opts.team,
      responseUrl: slack.responseUrl(`c-${Math.random()}`),
    });

  it('ALLOWED_CHANNEL_IDS: the command answers only in those channels', async () => {
    bot = await startBot(slack, { ALLOWED_CHANNEL_IDS: 'C0SECURE01' });
    const outside = await command(bot, { channel: 'C0PUBLIC01' });
    expect(outside.status).toBe(200);
    expect(String(outside.json?.text)).toContain('not available in this channel');
    const inside = await command(bot, { channel: 'C0SECURE01' });
    expect(inside.json).toBeUndefined();
    await slack.waitFor(() => slack.responses.length === 1, 5000, 'listing');
    expect(gd.calls.ListFindings).toBeGreaterThan(0);
  });

  it('ALLOWED_USER_IDS and ALLOWED_USERGROUP_ID: others are refused before any AWS call', async () => {
    bot = await startBot(slack, { ALLOWED_USER_IDS: 'U0ALLOWED1', ALLOWED_USERGROUP_ID: 'S0SECTEAM1' });
    const stranger = await command(bot, { user: 'U0STRANGER' });
    expect(String(stranger.json?.text)).toContain('not on the list');
    expect(gd.calls.ListFindings).toBe(0);
    expect((await command(bot, { user: 'U0ALLOWED1' })).json).toBeUndefined();
    expect((await command(bot, { user: 'U0GROUPIE1' })).json).toBeUndefined();
    await slack.waitFor(() => slack.responses.length === 2, 5000, 'two listings');
  });

  it('a request from another workspace is refused', async () => {
    bot = await startBot(slack);
    const res = await command(bot, { team: 'T0OTHERORG' });
    expect(String(res.json?.text)).toContain('only answers its own workspace');
    expect(gd.calls.ListFindings).toBe(0);
  });

  it('archiving needs an approver; the default lets nobody archive', async () => {
    bot = await startBot(slack, { APPROVER_USER_IDS: 'U0APPROVE1' });
    await click(bot.events, {
      actionId: 'finding_archive',
      value: `us-east-1 ${FINDING}`,
      userId: 'U0ALICE001',
      responseUrl: slack.responseUrl('a1'),
    });
    const refused = await slack.waitFor(() => slack.responses[0], 5000, 'refusal');
    expect(String(refused.body.text)).toContain('Only approvers may archive');
    expect(gd.calls.ArchiveFindings).toBe(0);

    await click(bot.events, {
      actionId: 'finding_archive',
      value: `us-east-1 ${FINDING}`,
      userId: 'U0APPROVE1',
      responseUrl: slack.responseUrl('a2'),
    });
    await slack.waitFor(() => slack.responses[1], 5000, 'archived');
    expect(gd.archived.map((a) => a.ids)).toEqual([[FINDING]]);
    expect(String(slack.responses[1]?.body.text)).toContain('Archived in GuardDuty by <@U0APPROVE1>');
  });
});
