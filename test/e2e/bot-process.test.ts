import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  ArchiveFindingsCommand,
  GetFindingsCommand,
  GuardDutyClient,
  ListDetectorsCommand,
  ListFindingsCommand,
  UpdateFindingsFeedbackCommand,
  type Finding as SdkFinding,
} from '@aws-sdk/client-guardduty';
import { GuardDutySource } from '../../src/aws/guardduty-source';
import { allFixtures, variant } from '../../support/helpers/fixtures';
import { GuardDutyHttpStandIn } from '../../support/fakes/guardduty/http';
import { toWire } from '../../support/fakes/guardduty/wire';
import { SIGNING_SECRET, slashCommand } from '../../support/helpers/signed-request';
import { SlackStandIn } from '../../support/helpers/slack-stand-in';
import { freePort } from '../../support/helpers/free-port';

/*
 * End-to-end: the compiled bot (`dist/main.js`, what `npm start` runs) as a child process, talking to a local
 * Slack Web API stand-in and a local GuardDuty REST-JSON stand-in through the SDK's own endpoint variables.
 */

const ROOT = resolve(__dirname, '..', '..');
const MAIN = join(ROOT, 'dist', 'main.js');
const BOT_TOKEN = 'xoxb-e2e-0000000001-0000000002-e2eBotTokenDoNotLog';
const CHANNEL = 'C0E2EFEED1';
const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'AKIDE2ESTANDIN', secretAccessKey: 'e2e-secret-access-key' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, timeoutMs: number, probe: () => T | undefined | false | Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

function build(): Promise<void> {
  return new Promise((done, fail) => {
    execFile('npm', ['run', 'build', '--silent'], { cwd: ROOT, timeout: 90_000 }, (err, stdout, stderr) => {
      if (err) fail(new Error(`npm run build failed (is another src/ change in progress?):\n${stdout}${stderr}`));
      else done();
    });
  });
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** performance.now() at exit. */
  at: number;
}

class BotProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;
  exit?: Exit;

  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (c: Buffer) => (this.stdout += c.toString('utf8')));
    child.stderr?.on('data', (c: Buffer) => (this.stderr += c.toString('utf8')));
    this.exited = new Promise((done) =>
      child.once('exit', (code, signal) => {
        this.exit = { code, signal, at: performance.now() };
        done(this.exit);
      }),
    );
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** Waits for the exit, bounded; SIGKILLs it when the bound passes. */
  async waitExit(timeoutMs: number): Promise<Exit> {
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  async kill(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

const children: BotProcess[] = [];

function spawnBot(env: Record<string, string>, cwd: string): BotProcess {
  const bot = new BotProcess(spawn(process.execPath, [MAIN], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] }));
  children.push(bot);
  return bot;
}

async function killAll(): Promise<void> {
  await Promise.all(children.map((c) => c.kill()));
}

function topLevelPosts(slack: SlackStandIn, channel: string) {
  return slack.callsTo('chat.postMessage').filter((c) => c.body.channel === channel && !c.body.thread_ts);
}

interface CardMetadata {
  event_type?: string;
  event_payload?: { finding_id?: string };
}

function cardMetadata(m: { metadata?: unknown }): CardMetadata {
  return typeof m.metadata === 'object' && m.metadata !== null ? m.metadata : {};
}

function sdkClient(endpoint: string, region = REGION): GuardDutyClient {
  return new GuardDutyClient({ region, endpoint, credentials: CREDENTIALS, maxAttempts: 1 });
}

describe('GuardDuty HTTP stand-in through the real SDK client', () => {
  let gd: GuardDutyHttpStandIn;
  let client: GuardDutyClient;

  beforeAll(async () => {
    gd = await new GuardDutyHttpStandIn().start();
    client = sdkClient(gd.endpoint);
  });
  afterAll(async () => {
    client.destroy();
    await gd.close();
  });

  it('round-trips every fixture through GetFindings intact (wire names from the SDK schema)', async () => {
    const fixtures = allFixtures().map((f) => ({ ...f, Region: REGION }));
    gd.put(...fixtures);
    const { DetectorIds } = await client.send(new ListDetectorsCommand({}));
    expect(DetectorIds).toEqual([gd.detectorId]);
    const out = await client.send(new GetFindingsCommand({ DetectorId: gd.detectorId, FindingIds: fixtures.map((f) => f.Id ?? '') }));
    // As JSON: the SDK returns timestamp members (e.g. S3BucketDetails[].CreatedAt) as Dates, a fixture file holds ISO strings.
    const byId = new Map((out.Findings ?? []).map((f) => [f.Id, JSON.parse(JSON.stringify(f)) as unknown]));
    expect(byId.size).toBe(fixtures.length);
    for (const f of fixtures) expect(byId.get(f.Id)).toEqual(f);
    const s3 = out.Findings?.find((f) => f.Resource?.S3BucketDetails?.[0]?.CreatedAt);
    expect(s3?.Resource?.S3BucketDetails?.[0]?.CreatedAt).toBeInstanceOf(Date);
  });

  it('uses GuardDuty wire names (lowerCamel jsonName, with the schema exceptions)', () => {
    const f = allFixtures().find((x) => x.Resource?.InstanceDetails?.NetworkInterfaces?.length) as SdkFinding;
    const wire = toWire(f) as {
      accountId?: string;
      service: { eventLastSeen?: string };
      resource: { instanceDetails: { networkInterfaces: { securityGroups: { groupId?: string }[] }[] } };
    };
    expect(wire.accountId).toBe(f.AccountId);
    expect(wire.service.eventLastSeen).toBe(f.Service?.EventLastSeen);
    expect(wire.resource.instanceDetails.networkInterfaces[0]?.securityGroups[0]?.groupId).toBe(
      f.Resource?.InstanceDetails?.NetworkInterfaces?.[0]?.SecurityGroups?.[0]?.GroupId,
    );
    expect(
      toWire({ Code: 'abc', ProductType: 'marketplace' }, [
        3,
        'x',
        'ProductCode',
        0,
        ['Code', 'ProductType'],
        [
          [0, { jsonName: 'productCodeId' }],
          [0, { jsonName: 'productCodeType' }],
        ],
      ]),
    ).toEqual({
      productCodeId: 'abc',
      productCodeType: 'marketplace',
    });
    expect(() => toWire({ NoSuchMember: 1 })).toThrow(/no member NoSuchMember/);
  });

  it('filters, sorts and pages ListFindings; the bot adapter reads it; archive and feedback are recorded', async () => {
    gd.regions.clear();
    const now = Date.now();
    for (let i = 0; i < 60; i++) {
      gd.put(
        variant('recon-ec2-portprobe-ssh', {
          id: `page${String(i).padStart(3, '0')}`,
          region: REGION,
          severity: i % 2 ? 8 : 2,
          updatedAt: new Date(now - i * 1000).toISOString(),
        }),
      );
    }
    gd.resetCalls();
    const high = await client.send(
      new ListFindingsCommand({
        DetectorId: gd.detectorId,
        FindingCriteria: {
          Criterion: {
            severity: { Gte: 7 },
            'service.archived': { Eq: ['false'] },
            accountId: { Equals: ['123456789012'] },
            type: { Equals: ['Recon:EC2/PortProbeUnprotectedPort'] },
          },
        },
        SortCriteria: { AttributeName: 'updatedAt', OrderBy: 'DESC' },
        MaxResults: 20,
      }),
    );
    expect(high.FindingIds).toHaveLength(20);
    expect(high.FindingIds?.[0]).toBe('page001');
    expect(high.NextToken).toBeTruthy();
    const rest = await client.send(
      new ListFindingsCommand({
        DetectorId: gd.detectorId,
        FindingCriteria: { Criterion: { severity: { GreaterThanOrEqual: 7 } } },
        SortCriteria: { AttributeName: 'updatedAt', OrderBy: 'DESC' },
        MaxResults: 20,
        NextToken: high.NextToken,
      }),
    );
    expect(rest.FindingIds).toHaveLength(10);
    expect(rest.NextToken).toBeUndefined();
    expect(gd.requestsTo('ListFindings')[0]?.body).toMatchObject({
      findingCriteria: {
        criterion: { severity: { gte: 7 }, 'service.archived': { eq: ['false'] }, accountId: { equals: ['123456789012'] } },
      },
      sortCriteria: { attributeName: 'updatedAt', orderBy: 'DESC' },
      maxResults: 20,
    });
    await expect(client.send(new ListFindingsCommand({ DetectorId: gd.detectorId, MaxResults: 51 }))).rejects.toMatchObject({
      name: 'BadRequestException',
    });
    await expect(
      client.send(new GetFindingsCommand({ DetectorId: gd.detectorId, FindingIds: Array.from({ length: 51 }, (_, i) => `x${i}`) })),
    ).rejects.toMatchObject({
      name: 'BadRequestException',
    });

    // The bot's own adapter: cursor-style listing (updatedAt Gte, ASC, pages of 50) and batched gets.
    const source = new GuardDutySource(() => client, [REGION]);
    const ids = await source.listIds(REGION, { updatedSinceMs: now - 9_000, sortBy: 'updatedAt', order: 'ASC' });
    expect(ids).toEqual(Array.from({ length: 10 }, (_, i) => `page${String(9 - i).padStart(3, '0')}`));
    const all = await source.listIds(REGION, { updatedSinceMs: now - 3_600_000, sortBy: 'updatedAt', order: 'ASC' });
    expect(all).toHaveLength(60);
    expect((await source.get(REGION, all)).map((f) => f.id)).toEqual(all);

    await client.send(new ArchiveFindingsCommand({ DetectorId: gd.detectorId, FindingIds: ['page001'] }));
    await client.send(
      new UpdateFindingsFeedbackCommand({ DetectorId: gd.detectorId, FindingIds: ['page003'], Feedback: 'USEFUL', Comments: 'ok' }),
    );
    expect(gd.get(REGION, 'page001')?.Service?.Archived).toBe(true);
    expect(gd.feedback).toEqual([{ region: REGION, ids: ['page003'], feedback: 'USEFUL', comments: 'ok' }]);
    expect(gd.calls).toMatchObject({ ListDetectors: 1, ListFindings: 6, GetFindings: 3, ArchiveFindings: 1, UpdateFindingsFeedback: 1 });
  });

  it('tells the region from the request signature and refuses an unknown detector', async () => {
    const west = sdkClient(gd.endpoint, 'us-west-2');
    try {
      gd.put(variant('recon-ec2-portprobe-ssh', { id: 'west0001', region: 'us-west-2' }));
      const out = await west.send(new ListFindingsCommand({ DetectorId: gd.detectorId }));
      expect(out.FindingIds).toEqual(['west0001']);
      await expect(west.send(new GetFindingsCommand({ DetectorId: 'nope', FindingIds: ['west0001'] }))).rejects.toMatchObject({
        name: 'BadRequestException',
      });
    } finally {
      west.destroy();
    }
  });
});

describe('the bot process (node dist/main.js)', () => {
  let slack: SlackStandIn;
  let gd: GuardDutyHttpStandIn;
  let work: string;
  let env: Record<string, string>;
  let base: string;
  let first: BotProcess;
  const iso = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();
  const high = variant('unauthorizedaccess-ec2-sshbruteforce', {
    id: 'e2ehigh0000000000000000000000001',
    region: REGION,
    severity: 8,
    count: 3,
    updatedAt: iso(120_000),
  });
  const medium = variant('recon-ec2-portprobe-ssh', {
    id: 'e2emedium00000000000000000000002',
    region: REGION,
    severity: 5,
    count: 1,
    updatedAt: iso(90_000),
  });
  const low = variant('policy-s3-bucketblockpublicaccessdisabled', {
    id: 'e2elow000000000000000000000000003',
    region: REGION,
    severity: 2,
    count: 1,
    updatedAt: iso(60_000),
  });

  beforeAll(async () => {
    slack = await new SlackStandIn().start();
    gd = await new GuardDutyHttpStandIn().start();
    await build();
    work = mkdtempSync(join(tmpdir(), 'gd-chatops-e2e-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: work,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      PORT: String(port),
      SLACK_API_URL: slack.apiUrl,
      AWS_REGION: REGION,
      GUARDDUTY_REGIONS: REGION,
      AWS_ENDPOINT_URL_GUARDDUTY: gd.endpoint,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_EC2_METADATA_DISABLED: 'true',
      FINDINGS_CHANNEL: CHANNEL,
      POLL_INTERVAL_SECONDS: '1',
      DATA_DIR: join(work, 'data'),
      LOG_LEVEL: 'info',
      NODE_NO_WARNINGS: '1',
    };
  }, 120_000);

  afterEach(async () => {
    // Only the first process is handed on from test to test (a → d); anything else never outlives its test.
    await Promise.all(children.filter((c) => c !== first).map((c) => c.kill()));
  });

  afterAll(async () => {
    // E2E_DUMP=<file>: keep every child's exit, stdout and stderr for a look after the run.
    if (process.env.E2E_DUMP) {
      writeFileSync(
        process.env.E2E_DUMP,
        children.map((c) => `=== exit ${JSON.stringify(c.exit)}\n--- stdout\n${c.stdout}\n--- stderr\n${c.stderr}`).join('\n'),
      );
    }
    await killAll();
    await Promise.all([slack?.close(), gd?.close()]);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  async function healthy(bot: BotProcess): Promise<number> {
    const started = performance.now();
    await until('GET /healthz to answer 200', 20_000, async () => {
      if (!bot.running)
        throw new Error(`the bot exited (${JSON.stringify(bot.exit)}) before it was healthy:\n${bot.stderr}\n${bot.stdout}`);
      try {
        const res = await fetch(`${base}/healthz`);
        return res.status === 200;
      } catch {
        return false;
      }
    });
    return performance.now() - started;
  }

  it('a. answers GET /healthz with 200 once started', async () => {
    first = spawnBot(env, work);
    await healthy(first);
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  }, 30_000);

  it('b. posts one card each for the high and the medium finding, none for the low one', async () => {
    expect(first.running).toBe(true);
    gd.put(high, medium, low);
    await until('two finding cards', 10_000, () => slack.channelMessages(CHANNEL).length >= 2);
    // A few more polls: nothing else may be posted (the low one goes to the hourly digest).
    const listed = gd.calls.ListFindings;
    await until('three more polls', 10_000, () => gd.calls.ListFindings >= listed + 3);
    const cards = slack.channelMessages(CHANNEL);
    expect(cards).toHaveLength(2);
    expect(topLevelPosts(slack, CHANNEL)).toHaveLength(2);
    const meta = cards.map(cardMetadata);
    expect(meta.map((m) => m.event_type)).toEqual(['guardduty_finding', 'guardduty_finding']);
    expect(meta.map((m) => m.event_payload?.finding_id).sort()).toEqual([high.Id, medium.Id].sort());
    expect(JSON.stringify(slack.calls)).not.toContain(low.Id);
    expect(gd.calls.ListDetectors).toBeGreaterThanOrEqual(1);
    for (const r of gd.requestsTo('GetFindings')) expect((r.body.findingIds as string[]).length).toBeLessThanOrEqual(50);
  }, 30_000);

  it('c. acks a signed /guardduty findings high with 200 and answers at its response_url', async () => {
    expect(first.running).toBe(true);
    const responseUrl = slack.responseUrl('findings-high');
    const res = await slashCommand(`${base}/slack/events`, { text: 'findings high', responseUrl });
    expect(res.status).toBe(200);
    const answer = await until('the answer at response_url', 10_000, () =>
      slack.responses.find((r) => r.path === '/respond/findings-high'),
    );
    expect(answer.body.response_type).toBe('ephemeral');
    const text = JSON.stringify(answer.body);
    expect(text).toContain(high.Title);
    expect(text).not.toContain(medium.Title);
    // Filtered in GuardDuty, not in the bot: the severity floor of the band went out as FindingCriteria.
    const severityFloors = gd.requestsTo('ListFindings').map((r) => {
      const c = (r.body.findingCriteria as { criterion?: Record<string, { gte?: number; greaterThanOrEqual?: number }> } | undefined)
        ?.criterion?.severity;
      return c?.greaterThanOrEqual ?? c?.gte;
    });
    expect(severityFloors).toContain(7);
  }, 20_000);

  it('d. exits with code 0 within 10 s of SIGTERM and never logs the token or the signing secret', async () => {
    expect(first.running).toBe(true);
    const sent = performance.now();
    first.child.kill('SIGTERM');
    const exit = await first.waitExit(15_000);
    const elapsedMs = exit.at - sent;
    console.log(`SIGTERM → exit: ${elapsedMs.toFixed(0)} ms (code ${String(exit.code)}, signal ${String(exit.signal)})`);
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(elapsedMs).toBeLessThan(10_000);
    expect(first.stdout).toContain('guardduty-chatops is running');
    for (const out of [first.stdout, first.stderr]) {
      expect(out).not.toContain('xoxb-');
      expect(out).not.toContain(BOT_TOKEN.slice(5));
      expect(out).not.toContain(SIGNING_SECRET);
    }
  }, 20_000);

  it('e. a restarted process on the same DATA_DIR posts nothing again and updates the card of a recurrence', async () => {
    expect(first.running).toBe(false);
    const postsBefore = topLevelPosts(slack, CHANNEL).length;
    expect(postsBefore).toBe(2);
    const highCard = slack.channelMessages(CHANNEL).find((m) => cardMetadata(m).event_payload?.finding_id === high.Id);
    expect(highCard).toBeDefined();
    gd.resetCalls();
    const second = spawnBot(env, work);
    await healthy(second);
    await until('three polls by the restarted process', 15_000, () => gd.calls.ListFindings >= 3);
    expect(topLevelPosts(slack, CHANNEL)).toHaveLength(2);
    expect(slack.channelMessages(CHANNEL)).toHaveLength(2);

    const updatesBefore = slack.callsTo('chat.update').length;
    gd.update(REGION, high.Id ?? '', (f) => {
      f.Service = { ...f.Service, Count: 7, EventLastSeen: new Date().toISOString() };
      f.UpdatedAt = new Date().toISOString();
    });
    const update = await until('chat.update of the high card', 10_000, () =>
      slack
        .callsTo('chat.update')
        .slice(updatesBefore)
        .find((c) => c.body.channel === CHANNEL && c.body.ts === highCard?.ts),
    );
    expect(JSON.stringify(update.body.blocks)).toContain(JSON.stringify('*Count*\n7').slice(1, -1));
    expect(cardMetadata(update.body)).toMatchObject({ event_type: 'guardduty_finding', event_payload: { finding_id: high.Id } });
    // The activity goes into the card's thread, never as a new card.
    await until('the activity reply in the card thread', 10_000, () => slack.threadReplies(CHANNEL, highCard?.ts ?? '').length > 0);
    const listed = gd.calls.ListFindings;
    await until('two more polls', 10_000, () => gd.calls.ListFindings >= listed + 2);
    expect(topLevelPosts(slack, CHANNEL)).toHaveLength(2);
    expect(slack.channelMessages(CHANNEL)).toHaveLength(2);

    second.child.kill('SIGTERM');
    expect(await second.waitExit(15_000)).toMatchObject({ code: 0 });
  }, 45_000);

  it('f. with an empty environment, exits non-zero and says what is missing and how to get it, without a stack trace', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'gd-chatops-e2e-empty-'));
    try {
      const bot = spawnBot({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: empty }, empty);
      const exit = await bot.waitExit(15_000);
      expect(exit.code).not.toBe(0);
      expect(exit.code).not.toBeNull();
      expect(bot.stderr).toContain('SLACK_BOT_TOKEN');
      expect(bot.stderr).toContain('manifest.yml');
      expect(bot.stderr).toContain('.env');
      expect(bot.stderr).not.toMatch(/^\s{4}at /m);
      expect(bot.stdout).not.toMatch(/^\s{4}at /m);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  }, 20_000);

  it('f2. with an empty environment, names every missing required variable at once (README: "names every one that is wrong")', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'gd-chatops-e2e-empty-'));
    try {
      const bot = spawnBot({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: empty }, empty);
      const exit = await bot.waitExit(15_000);
      expect(exit.code).not.toBe(0);
      const named = bot.stderr.slice(0, bot.stderr.indexOf('How to get these values'));
      expect(named).toContain('SLACK_BOT_TOKEN');
      expect(named).toMatch(/SLACK_SIGNING_SECRET|SLACK_APP_TOKEN/);
      expect(named).toContain('AWS_REGION');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  }, 20_000);
});
