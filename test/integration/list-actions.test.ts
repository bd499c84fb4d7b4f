import { FakeGuardDuty } from '../../support/fakes/guardduty/sdk-mock';
import { variant } from '../../support/helpers/fixtures';
import { click, slashCommand } from '../../support/helpers/signed-request';
import { SlackStandIn } from '../../support/helpers/slack-stand-in';
import { startBot, type Bot } from '../../support/helpers/bot-harness';

type Block = { type: string; accessory?: { value: string; action_id: string }; elements?: { action_id: string; value: string }[] };

describe('list buttons: View and Next', () => {
  let slack: SlackStandIn;
  let gd: FakeGuardDuty;
  let bot: Bot;

  beforeAll(async () => {
    slack = await new SlackStandIn().start();
    gd = new FakeGuardDuty();
    // 25 high findings: severities 7.0 … 9.4, in two regions.
    for (let i = 0; i < 25; i++) {
      gd.put(
        variant('unauthorizedaccess-ec2-sshbruteforce', {
          id: `f${String(i).padStart(31, '0')}`,
          severity: 7 + i / 10,
          region: i % 2 === 0 ? 'us-east-1' : 'us-west-2',
          updatedAt: `2026-11-27T${String(i % 24).padStart(2, '0')}:00:00.000Z`,
        }),
      );
    }
    bot = await startBot(slack);
  });
  afterAll(async () => {
    await bot.stop();
    gd.restore();
    await slack.close();
  });

  it('pages through every finding exactly once, most severe first, and View opens a card', async () => {
    await slashCommand(bot.events, { text: 'findings high', responseUrl: slack.responseUrl('list') });
    let reply = await slack.waitFor(() => slack.responses[0], 5000, 'first page');
    const seen: string[] = [];
    for (let page = 0; page < 5; page++) {
      const blocks = reply.body.blocks as Block[];
      seen.push(...blocks.filter((b) => b.accessory).map((b) => b.accessory?.value ?? ''));
      const next = blocks.find((b) => b.type === 'actions')?.elements?.[0];
      if (!next) break;
      expect(reply.body.replace_original ?? true).toBeTruthy();
      const before = slack.responses.length;
      await click(bot.events, { actionId: next.action_id, value: next.value, responseUrl: slack.responseUrl(`page${page}`) });
      reply = await slack.waitFor(() => slack.responses[before], 5000, `page ${page + 1}`);
    }
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);
    const expectedOrder = Array.from({ length: 25 }, (_, i) => 24 - i).map(
      (i) => `${i % 2 === 0 ? 'us-east-1' : 'us-west-2'} f${String(i).padStart(31, '0')}`,
    );
    expect(seen).toEqual(expectedOrder);

    const before = slack.responses.length;
    await click(bot.events, { actionId: 'finding_view', value: expectedOrder[3] ?? '', responseUrl: slack.responseUrl('view') });
    const card = await slack.waitFor(() => slack.responses[before], 5000, 'card');
    expect(card.body.replace_original).toBe(false);
    expect(JSON.stringify(card.body.blocks)).toContain('f0000000000000000000000000000021');
  });

  it('a forged button value is answered, not executed', async () => {
    const before = slack.responses.length;
    const calls = gd.calls.GetFindings;
    await click(bot.events, { actionId: 'finding_view', value: 'us-east-1 <!channel>', responseUrl: slack.responseUrl('forged') });
    const reply = await slack.waitFor(() => slack.responses[before], 5000, 'reply');
    expect(String(reply.body.text)).toContain('not valid');
    expect(gd.calls.GetFindings).toBe(calls);
  });

  it('a button with an unknown action_id is acked at once and does nothing', async () => {
    const before = slack.responses.length;
    const calls = { ...gd.calls };
    const res = await click(bot.events, {
      actionId: 'made_up_action',
      value: 'us-east-1 f0000000000000000000000000000001',
      responseUrl: slack.responseUrl('unknown'),
    });
    expect(res.status).toBe(200);
    // Acked by the router, not by the receiver's unhandled-request timeout (2.9 s).
    expect(res.latencyMs).toBeLessThan(2000);
    const view = await click(bot.events, {
      actionId: 'finding_view',
      value: 'us-east-1 f0000000000000000000000000000001',
      responseUrl: slack.responseUrl('after-unknown'),
    });
    expect(view.status).toBe(200);
    await slack.waitFor(() => slack.responses.find((r) => r.path === '/respond/after-unknown'), 5000, 'the View answer');
    expect(slack.responses.filter((r) => r.path === '/respond/unknown')).toHaveLength(0);
    expect(gd.calls.ArchiveFindings).toBe(calls.ArchiveFindings);
    expect(slack.responses.length).toBe(before + 1);
  });
});
