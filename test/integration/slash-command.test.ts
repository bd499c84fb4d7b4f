import { FakeGuardDuty } from '../../support/fakes/guardduty/sdk-mock';
import { loadFixture, variant } from '../../support/helpers/fixtures';
import { slashCommand, sign, signedPost, SIGNING_SECRET } from '../../support/helpers/signed-request';
import { SlackStandIn } from '../../support/helpers/slack-stand-in';
import { startBot, type Bot } from '../../support/helpers/bot-harness';

const HIGH_ID = '0cbd1f0e8a9b3c2d4e5f60718293a4b5';

describe('/guardduty over signed HTTP to the real Bolt receiver', () => {
  let slack: SlackStandIn;
  let gd: FakeGuardDuty;
  let bot: Bot;

  beforeAll(async () => {
    slack = await new SlackStandIn().start();
  });
  afterAll(async () => {
    await slack.close();
  });
  beforeEach(async () => {
    slack.responses.length = 0;
    slack.calls.length = 0;
    gd = new FakeGuardDuty();
    gd.put(
      variant('unauthorizedaccess-ec2-sshbruteforce', { id: HIGH_ID, severity: 8, updatedAt: '2026-11-27T10:00:00.000Z' }),
      variant('recon-ec2-portprobe-ssh', { id: 'aaaa000000000000000000000000000a', severity: 5, updatedAt: '2026-11-27T11:00:00.000Z' }),
      variant('attacksequence-iam-compromisedcredentials', { id: 'bbbb000000000000000000000000000b', severity: 9.2, region: 'us-west-2' }),
      variant('policy-s3-bucketblockpublicaccessdisabled', { id: 'cccc000000000000000000000000000c', severity: 2 }),
    );
    bot = await startBot(slack);
  });
  afterEach(async () => {
    await bot.stop();
    gd.restore();
  });

  async function command(text: string) {
    const res = await slashCommand(bot.events, { text, responseUrl: slack.responseUrl(text.replace(/\W+/g, '-') || 'empty') });
    return res;
  }

  it('`findings high` lists high and critical findings from every region, most severe first', async () => {
    const res = await command('findings high');
    expect(res.status).toBe(200);
    const reply = await slack.waitFor(() => slack.responses[0], 5000, 'response_url post');
    expect(reply.body.response_type).toBe('ephemeral');
    const blocks = reply.body.blocks as { type: string; text?: { text: string }; accessory?: { value: string } }[];
    const rows = blocks.filter((b) => b.accessory);
    expect(rows.map((b) => b.accessory?.value)).toEqual(['us-west-2 bbbb000000000000000000000000000b', `us-east-1 ${HIGH_ID}`]);
    expect(rows[0]?.text?.text).toContain('9.2');
    const list = gd.mock.commandCalls((await import('@aws-sdk/client-guardduty')).ListFindingsCommand);
    expect(list).toHaveLength(2);
    for (const call of list) {
      expect(call.args[0].input.FindingCriteria?.Criterion?.severity).toEqual({ GreaterThanOrEqual: 7 });
      expect(call.args[0].input.SortCriteria).toEqual({ AttributeName: 'severity', OrderBy: 'DESC' });
    }
  });

  it('`finding <id>` answers with the full card', async () => {
    await command(`finding ${HIGH_ID}`);
    const reply = await slack.waitFor(() => slack.responses[0], 5000, 'card');
    const json = JSON.stringify(reply.body.blocks);
    expect(json).toContain('UnauthorizedAccess:EC2/SSHBruteForce');
    expect(json).toContain(HIGH_ID);
    expect(json).toContain('console.aws.amazon.com/guardduty');
  });

  it('an unknown finding ID gets a clear answer, not silence', async () => {
    await command('finding ffffffffffffffffffffffffffffffff');
    const reply = await slack.waitFor(() => slack.responses[0], 5000, 'reply');
    expect(String(reply.body.text)).toContain('No finding ffffffffffffffffffffffffffffffff');
  });

  it('help and an empty command answer in the ack itself with the grammar', async () => {
    for (const text of ['help', '']) {
      const res = await command(text);
      expect(res.status).toBe(200);
      expect(res.json?.response_type).toBe('ephemeral');
      expect(JSON.stringify(res.json?.blocks)).toContain('/guardduty findings');
    }
    expect(slack.responses).toHaveLength(0);
  });

  it('bad input gets a short error plus the grammar in the ack', async () => {
    const cases: [string, string][] = [
      ['frobnicate', 'Unknown command'],
      ['findings extreme', 'I don\'t understand "extreme"'],
      ['findings high region:mars', 'is not a region'],
      ['finding <!channel>', 'is not a finding ID'],
      ['findings type:Nonsense', 'No GuardDuty finding type starts with'],
    ];
    for (const [text, expected] of cases) {
      const res = await command(text);
      expect(res.status).toBe(200);
      const blocks = JSON.stringify(res.json?.blocks);
      expect(blocks).toContain(expected.replace(/"/g, '\\"'));
      expect(blocks).toContain('How to use /guardduty');
      expect(blocks).not.toContain('<!channel>');
    }
  });

  it('a GuardDuty failure in one region is named, the other region is still listed', async () => {
    gd.faults.ListFindings = { name: 'ThrottlingException', message: 'Rate exceeded', times: 1 };
    await command('findings medium');
    const reply = await slack.waitFor(() => slack.responses[0], 5000, 'reply');
    const json = JSON.stringify(reply.body.blocks);
    expect(json).toMatch(/GuardDuty in us-(east-1|west-2) did not answer: ThrottlingException/);
    expect(json).toContain('Findings from other regions are still listed');
  });

  it('when every region fails the user is told, never left in silence', async () => {
    gd.faults.ListDetectors = { name: 'AccessDeniedException', message: 'not authorized' };
    await command('findings high');
    const reply = await slack.waitFor(() => slack.responses[0], 5000, 'reply');
    expect(JSON.stringify(reply.body)).toContain('did not answer: AccessDeniedException');
  });

  it('forged, stale and unsigned requests are refused with 401 and do nothing', async () => {
    const form = {
      command: '/guardduty',
      text: 'findings high',
      response_url: slack.responseUrl('forged'),
      user_id: 'U0MALLORY1',
      team_id: 'T0TEAM0001',
      channel_id: 'C0CHAN0001',
    };
    const forged = await signedPost(bot.events, form, { secret: 'wrong-secret' });
    const stale = await signedPost(bot.events, form, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    const ts = Math.floor(Date.now() / 1000);
    const tampered = await signedPost(
      bot.events,
      { ...form, text: 'findings low' },
      { timestamp: ts, signature: sign(SIGNING_SECRET, ts, 'command=%2Fguardduty') },
    );
    expect([forged.status, stale.status, tampered.status]).toEqual([401, 401, 401]);
    await new Promise((r) => setTimeout(r, 100));
    expect(slack.responses).toHaveLength(0);
    expect(gd.calls.ListFindings).toBe(0);
  });

  it('GET /healthz answers 200', async () => {
    const res = await fetch(`${bot.base}/healthz`);
    expect(res.status).toBe(200);
  });

  it('never logs the bot token, the signing secret or the response_url', async () => {
    await command('findings high');
    await slack.waitFor(() => slack.responses[0], 5000, 'reply');
    const logs = bot.logs.text;
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).not.toContain('xoxb-test-token');
    expect(logs).not.toContain(SIGNING_SECRET);
    expect(logs).not.toContain(slack.responseUrl('findings-high'));
  });
});

describe('fixture sanity', () => {
  it('loads the SSH brute force fixture', () => {
    expect(loadFixture('unauthorizedaccess-ec2-sshbruteforce').Type).toBe('UnauthorizedAccess:EC2/SSHBruteForce');
  });
});
