import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeGuardDuty } from '../../support/fakes/guardduty/sdk-mock';
import { variant } from '../../support/helpers/fixtures';
import { slashCommand } from '../../support/helpers/signed-request';
import { SlackStandIn } from '../../support/helpers/slack-stand-in';
import { startBot, type Bot } from '../../support/helpers/bot-harness';

const FALLBACK = 'C0FINDINGS1';
const PAYMENTS = 'C0PAYMENTS1';
const SECURITY = 'C0SECURITY1';
const STAGING = 'C0STAGING01';
const ROUTES = {
  rules: [
    { accounts: ['222222222222'], channel: PAYMENTS, mention: { usergroup: 'S0PAYONCALL', minSeverity: 'critical' } },
    { minSeverity: 'high', typePrefix: 'UnauthorizedAccess:', channel: SECURITY, mention: { usergroup: 'S0SECONCALL' } },
    { regions: ['us-west-2'], tag: 'env=staging', channel: STAGING },
    { tag: 'team=<!channel>', channel: 'C0TAGGED01' },
  ],
};
const PAYMENTS_ID = 'aaaa000000000000000000000000000a';
const SSH_ID = 'bbbb000000000000000000000000000b';
const STAGING_ID = 'cccc000000000000000000000000000c';
const S3_ID = 'dddd000000000000000000000000000d';

interface Reply {
  text: string;
  blocks: string;
}

describe('/guardduty routes over signed HTTP', () => {
  let slack: SlackStandIn;
  let gd: FakeGuardDuty;
  let bot: Bot | undefined;
  let dir: string;

  beforeAll(async () => {
    slack = await new SlackStandIn().start();
  });
  afterAll(async () => {
    await slack.close();
  });
  beforeEach(() => {
    slack.responses.length = 0;
    slack.calls.length = 0;
    dir = mkdtempSync(join(tmpdir(), 'routes-command-'));
    gd = new FakeGuardDuty();
    gd.put(
      variant('unauthorizedaccess-ec2-sshbruteforce', { id: PAYMENTS_ID, severity: 8, accountId: '222222222222' }),
      variant('unauthorizedaccess-ec2-sshbruteforce', { id: SSH_ID, severity: 8 }),
      variant('recon-ec2-portprobe-ssh', { id: STAGING_ID, severity: 5, region: 'us-west-2' }),
      variant('policy-s3-bucketblockpublicaccessdisabled', { id: S3_ID, severity: 2 }),
    );
  });
  afterEach(async () => {
    await bot?.stop();
    bot = undefined;
    gd.restore();
    rmSync(dir, { recursive: true, force: true });
  });

  async function withRoutes(routes: unknown = ROUTES): Promise<Bot> {
    const file = join(dir, 'routes.json');
    writeFileSync(file, JSON.stringify(routes));
    return (bot = await startBot(slack, { ROUTES_FILE: file, FINDINGS_CHANNEL: FALLBACK }));
  }

  /** The ack's body when it answers at once, else the response_url post. */
  async function command(text: string): Promise<Reply> {
    const res = await slashCommand(bot!.events, { text, responseUrl: slack.responseUrl(text.replace(/\W+/g, '-')) });
    expect(res.status).toBe(200);
    if (res.json?.response_type) {
      expect(res.json.response_type).toBe('ephemeral');
      return { text: String(res.json.text), blocks: JSON.stringify(res.json.blocks) };
    }
    const reply = await slack.waitFor(() => slack.responses[0], 5000, 'response_url post');
    expect(reply.body.response_type).toBe('ephemeral');
    return { text: String(reply.body.text), blocks: JSON.stringify(reply.body.blocks) };
  }

  it('`routes` lists each rule with its index, matchers and channel, then the fallback, in the ack', async () => {
    await withRoutes();
    const reply = await command('routes');
    const shown = JSON.parse(reply.blocks) as { text: { text: string } }[];
    const text = shown.map((b) => b.text.text).join('\n');
    expect(text).toContain(`*rules[0]* accounts 222222222222 → <#${PAYMENTS}>, mentioning user group \`S0PAYONCALL\` from critical up`);
    expect(text).toContain(`*rules[1]* severity ≥ high · type starts with \`UnauthorizedAccess:\` → <#${SECURITY}>`);
    expect(text).toContain(`*rules[2]* regions us-west-2 · tag \`env=staging\` → <#${STAGING}>`);
    // A tag value from the file is escaped: no channel ping forms.
    expect(text).toContain('*rules[3]* tag `team=&lt;!channel&gt;` → <#C0TAGGED01>');
    expect(text).not.toContain('<!channel>');
    expect(text).toContain(`*Fallback* (FINDINGS_CHANNEL, when no rule matches) → <#${FALLBACK}>`);
    expect(slack.responses).toHaveLength(0);
    expect(gd.calls.ListFindings).toBe(0);
  });

  it("many long rules stay within Slack's block limits", async () => {
    const rules = Array.from({ length: 1000 }, (_, i) => ({ typePrefix: `Recon:EC2/${'X'.repeat(150)}${i}`, channel: 'C0MANY0001' }));
    await withRoutes({ rules });
    const blocks = JSON.parse((await command('routes')).blocks) as { text: { text: string } }[];
    expect(blocks.length).toBeLessThanOrEqual(50);
    for (const b of blocks) expect(b.text.text.length).toBeLessThanOrEqual(3000);
    expect(blocks.at(-2)?.text.text).toBe('… and more rules; see ROUTES_FILE.');
    expect(blocks.at(-1)?.text.text).toContain(`*Fallback* (FINDINGS_CHANNEL, when no rule matches) → <#${FALLBACK}>`);
  });

  it('without ROUTES_FILE, `routes` says every card goes to FINDINGS_CHANNEL', async () => {
    bot = await startBot(slack, { FINDINGS_CHANNEL: FALLBACK });
    const reply = await command('routes');
    expect(reply.text).toBe(`No ROUTES_FILE: every card goes to FINDINGS_CHANNEL (<#${FALLBACK}>).`);
  });

  it('`routes test <id>` names the rule that matched and that its mention waits for a higher band', async () => {
    await withRoutes();
    const reply = await command(`routes test ${PAYMENTS_ID}`);
    expect(reply.blocks).toContain(`→ <#${PAYMENTS}>, because *rules[0]* matched: accounts 222222222222.`);
    expect(reply.blocks).toContain('No mention: the rule mentions `S0PAYONCALL` only from critical up.');
  });

  it('`routes test <id>` says which earlier rules did not match and that the card would mention the group', async () => {
    await withRoutes();
    const reply = await command(`routes test ${SSH_ID}`);
    expect(reply.blocks).toContain(`→ <#${SECURITY}>, because *rules[1]* matched`);
    expect(reply.blocks).toContain('rules[0] did not match.');
    expect(reply.blocks).toContain('Its new card would mention user group `S0SECONCALL`.');
  });

  it('`routes test <id> region:<r>` looks in that region and matches region and tag', async () => {
    await withRoutes();
    const reply = await command(`routes test ${STAGING_ID} region:us-west-2`);
    expect(reply.blocks).toContain(`→ <#${STAGING}>, because *rules[2]* matched: regions us-west-2 · tag \`env=staging\`.`);
    expect(reply.blocks).toContain('rules[0] to rules[1] did not match.');
    expect(reply.blocks).toContain('No mention: the rule names no user group.');
  });

  it('a finding no rule matches goes to the fallback, and the answer says so', async () => {
    await withRoutes();
    const reply = await command(`routes test ${S3_ID}`);
    expect(reply.blocks).toContain(`→ <#${FALLBACK}>, the fallback (FINDINGS_CHANNEL): no rule matched (4 checked). No mention.`);
  });

  it('without ROUTES_FILE, `routes test` names FINDINGS_CHANNEL as the fallback', async () => {
    bot = await startBot(slack, { FINDINGS_CHANNEL: FALLBACK });
    const reply = await command(`routes test ${SSH_ID}`);
    expect(reply.blocks).toContain(`→ <#${FALLBACK}>, the fallback (FINDINGS_CHANNEL): no ROUTES_FILE is set. No mention.`);
  });

  it('an unknown finding ID gets the same answer as `finding <id>`; bad input gets the grammar in the ack', async () => {
    await withRoutes();
    const unknown = await command('routes test ffffffffffffffffffffffffffffffff');
    expect(unknown.text).toContain('No finding ffffffffffffffffffffffffffffffff');
    const bad = await command('routes test <!channel>');
    expect(bad.blocks).toContain('is not a finding ID');
    expect(bad.blocks).toContain('How to use /guardduty');
    expect(bad.blocks).toContain('/guardduty routes test');
  });
});
