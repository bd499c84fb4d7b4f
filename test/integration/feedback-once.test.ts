import { GuardDutyClient } from '@aws-sdk/client-guardduty';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { CachedFindingsSource } from '../../src/aws/cached-findings-source';
import { GuardDutySource } from '../../src/aws/guardduty-source';
import { CardPublisher } from '../../src/feed/card-publisher';
import { ChannelQueue } from '../../src/feed/channel-queue';
import type { ChannelDeps } from '../../src/slack/deps';
import { ACTION } from '../../src/slack/ids';
import { SlackMessenger } from '../../src/slack/messenger';
import { CARD_NOTES_KEPT, DynamoStateStore } from '../../src/store/dynamo-state-store';
import { TEST_CREDENTIALS, guardDutyClients, startBot, type Bot } from '../../support/helpers/bot-harness';
import { startTestDynamo, type TestDynamo } from '../../support/helpers/dynalite';
import { variant } from '../../support/helpers/fixtures';
import { GuardDutyHttpStandIn } from '../../support/fakes/guardduty/http';
import { click } from '../../support/helpers/signed-request';
import { SlackStandIn, type ResponseUrlPost } from '../../support/helpers/slack-stand-in';

/*
 * One person, one effect, through the real flows: signed clicks into the real Bolt app, GuardDuty over HTTP
 * (the REST-JSON stand-in, real SDK client), the state in dynalite, Slack's Web API stand-in.
 */

const CHANNEL = 'C0FEEDBACK1';
const APPROVER = 'U0APPROVE1';
/** The channel queue's spacing here (1,050 ms in production), and the stand-in's 429 threshold just under it. */
const INTERVAL_MS = 400;
const REGIONS = ['us-east-1', 'us-west-2'];

const id = (n: number) => `feedbac${String(n).padStart(25, '0')}`;
const user = (n: number) => `U0USER${String(n).padStart(4, '0')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('feedback once per person, audit notes kept, button replies through the channel queue, per-person limit', () => {
  let slack: SlackStandIn;
  let gd: GuardDutyHttpStandIn;
  let dynamo: TestDynamo;
  let store: DynamoStateStore;
  let messenger: SlackMessenger;
  let queue: ChannelQueue;
  let publisher: CardPublisher;
  let source: GuardDutySource;
  let bot: Bot;
  let clickNo = 0;

  /** Clicks and returns the response_url path the answer (if any) goes to. */
  async function press(actionId: string, findingId: string, userId: string): Promise<string> {
    const name = `c${++clickNo}`;
    const res = await click(bot.events, {
      actionId,
      value: `us-east-1 ${findingId}`,
      userId,
      channelId: CHANNEL,
      responseUrl: slack.responseUrl(name),
    });
    expect(res.status).toBe(200);
    return `/respond/${name}`;
  }
  const answerTo = async (path: string): Promise<ResponseUrlPost> =>
    slack.waitFor(() => slack.responses.find((r) => r.path === path), 5000, `answer on ${path}`);
  const answerText = async (path: string): Promise<string> => String((await answerTo(path)).body.text);
  const threadPosts = (ts: string) => slack.callsTo('chat.postMessage').filter((c) => c.body.thread_ts === ts);
  const cardMessage = (ts: string) => JSON.stringify(slack.channelMessages(CHANNEL).find((m) => m.ts === ts)?.blocks ?? []);

  /** Notes as the bot used to let them grow: appended until DynamoDB refuses even one more character. */
  async function fillNotesToTheLimit(findingId: string): Promise<number> {
    const Key = { pk: `finding#${findingId}`, sk: 'card' };
    const update = (UpdateExpression: string, notes: string[]) =>
      dynamo.doc.send(
        new UpdateCommand({ TableName: dynamo.tableName, Key, UpdateExpression, ExpressionAttributeValues: { ':n': notes } }),
      );
    let count = 360;
    await update(
      'SET notes = :n',
      Array.from({ length: count }, (_, i) => `:thumbsup: <@${user(i)}> marked this finding useful ${'x'.repeat(1000)}`),
    );
    for (const size of [1000, 100, 10, 1]) {
      for (;;) {
        try {
          await update('SET notes = list_append(notes, :n)', ['z'.repeat(size)]);
          count++;
        } catch (err) {
          if ((err as Error).name !== 'ValidationException') throw err;
          break;
        }
      }
    }
    return count;
  }

  async function postCard(findingId: string): Promise<string> {
    const finding = await source.findById(findingId, 'us-east-1');
    if (!finding) throw new Error(`no finding ${findingId}`);
    const record = await publisher.ensureCard(finding);
    return record.ts ?? '';
  }

  beforeAll(async () => {
    slack = await new SlackStandIn().start();
    gd = await new GuardDutyHttpStandIn().start();
    for (let n = 0; n < 10; n++) gd.put(variant('unauthorizedaccess-ec2-sshbruteforce', { id: id(n), severity: 8 }));
    dynamo = await startTestDynamo();
    store = new DynamoStateStore(dynamo.doc, dynamo.tableName);
    source = new GuardDutySource(guardDutyClients(gd.endpoint), REGIONS);
    bot = await startBot(
      slack,
      {
        FINDINGS_CHANNEL: CHANNEL,
        POST_MIN_SEVERITY: 'low',
        APPROVER_USER_IDS: APPROVER,
        GUARDDUTY_REGIONS: REGIONS.join(','),
        LOG_LEVEL: 'warn',
      },
      { store, findings: new CachedFindingsSource(source), postIntervalMs: INTERVAL_MS, claimSeconds: 30 },
    );
    ({ queue } = bot.composed);
    publisher = bot.composed.publisher as CardPublisher;
    messenger = (bot.deps.channel as ChannelDeps).messenger;
  });
  afterAll(async () => {
    await bot?.stop();
    await queue?.idle();
    await dynamo?.stop();
    await gd?.close();
    await slack?.close();
  });

  test('one person clicking Useful 12 times: one UpdateFindingsFeedback, no thread post, then "already marked", then "too fast"', async () => {
    const ts = await postCard(id(0));
    gd.resetCalls();
    const mallory = user(1);
    const texts: string[] = [];
    for (let i = 0; i < 11; i++) texts.push(await answerText(await press(ACTION.feedbackUseful, id(0), mallory)));
    const twelfth = await press(ACTION.feedbackUseful, id(0), mallory);

    expect(texts[0]).toContain('Recorded: you marked this finding useful');
    for (const text of texts.slice(1, 10)) {
      expect(text).toContain('You already marked this finding useful');
      expect(text).toContain('nothing was changed');
    }
    expect(texts[10]).toMatch(/You're doing that too fast; nothing was changed\. Try again in \d+ s\./);
    expect(gd.calls.UpdateFindingsFeedback).toBe(1);
    expect(gd.requestsTo('UpdateFindingsFeedback')[0]?.body).toMatchObject({ findingIds: [id(0)], feedback: 'USEFUL' });

    await sleep(300);
    // A refused click after the notice is acked and left quiet: the person was told when to try again.
    expect(slack.responses.find((r) => r.path === twelfth)).toBeUndefined();
    expect(threadPosts(ts)).toEqual([]);
    expect(cardMessage(ts)).toContain('Feedback: 1 useful, 0 not useful');
    expect((await store.getCard(id(0)))?.feedback).toMatchObject({ useful: 1, notUseful: 0 });
  });

  test('the same person clicking 8 times at once: the conditional write lets exactly one through', async () => {
    await postCard(id(1));
    gd.resetCalls();
    const paths = await Promise.all(
      Array.from({ length: 8 }, (_, i) => press(i % 2 === 0 ? ACTION.feedbackUseful : ACTION.feedbackNotUseful, id(1), user(2))),
    );
    const texts = await Promise.all(paths.map(answerText));
    expect(texts.filter((t) => t.includes('Recorded: you marked'))).toHaveLength(1);
    expect(texts.filter((t) => t.includes('You already marked this finding'))).toHaveLength(7);
    expect(gd.calls.UpdateFindingsFeedback).toBe(1);
    const card = await store.getCard(id(1));
    expect((card?.feedback?.useful ?? 0) + (card?.feedback?.notUseful ?? 0)).toBe(1);
  });

  test('two people: two UpdateFindingsFeedback calls, the card counts "2 useful"', async () => {
    const ts = await postCard(id(2));
    gd.resetCalls();
    expect(await answerText(await press(ACTION.feedbackUseful, id(2), user(3)))).toContain('Feedback so far: 1 useful, 0 not useful');
    expect(await answerText(await press(ACTION.feedbackUseful, id(2), user(4)))).toContain('Feedback so far: 2 useful, 0 not useful');
    expect(gd.calls.UpdateFindingsFeedback).toBe(2);
    expect(gd.requestsTo('UpdateFindingsFeedback').map((r) => r.body.comments)).toEqual([
      `via Slack by ${user(3)}`,
      `via Slack by ${user(4)}`,
    ]);
    expect(cardMessage(ts)).toContain('Feedback: 2 useful, 0 not useful');
  });

  test('a failed GuardDuty call takes the vote back: the person can try again', async () => {
    await postCard(id(3));
    gd.faults.UpdateFindingsFeedback = { name: 'InternalServerErrorException', status: 500, times: 1 };
    expect(await answerText(await press(ACTION.feedbackNotUseful, id(3), user(5)))).toContain('Feedback was not recorded');
    expect(await answerText(await press(ACTION.feedbackNotUseful, id(3), user(5)))).toContain(
      'Recorded: you marked this finding not useful',
    );
    expect((await store.getCard(id(3)))?.feedback).toMatchObject({ useful: 0, notUseful: 1 });
  });

  test('the archive note stays on the card after 50 people gave feedback', async () => {
    const ts = await postCard(id(4));
    await press(ACTION.archive, id(4), APPROVER);
    const archiveNote = `Archived in GuardDuty by <@${APPROVER}>`;
    await slack.waitFor(() => cardMessage(ts).includes(archiveNote), 5000, 'the archive note on the card');
    gd.resetCalls();
    const voters = Array.from({ length: 50 }, (_, i) => user(100 + i));
    for (let i = 0; i < 49; i += 7)
      await Promise.all(voters.slice(i, Math.min(i + 7, 49)).map(async (u) => answerText(await press(ACTION.feedbackUseful, id(4), u))));
    await answerText(await press(ACTION.feedbackUseful, id(4), voters[49] ?? ''));

    expect(gd.calls.UpdateFindingsFeedback).toBe(50);
    const card = await store.getCard(id(4));
    expect(card?.feedback).toMatchObject({ useful: 50, notUseful: 0 });
    expect(card?.notes).toEqual([`:file_cabinet: ${archiveNote}`]);
    const shown = cardMessage(ts);
    expect(shown).toContain(archiveNote);
    expect(shown).toContain('Feedback: 50 useful, 0 not useful');
    // Feedback adds no thread post; the archive added one (through the channel queue, so it may still be on its way).
    await slack.waitFor(() => threadPosts(ts).length > 0, 5000, 'the archive thread post');
    expect(threadPosts(ts).map((c) => c.body.text)).toEqual([`:file_cabinet: ${archiveNote}`]);
  });

  test("a card whose notes had grown to DynamoDB's 400 KB item limit: archiving succeeds, says so, and trims them", async () => {
    const ts = await postCard(id(5));
    const legacy = await fillNotesToTheLimit(id(5));
    const archived = await press(ACTION.archive, id(5), APPROVER);
    const note = `:file_cabinet: Archived in GuardDuty by <@${APPROVER}>`;
    await slack.waitFor(() => cardMessage(ts).includes(note), 5000, 'the archive note on the card');

    expect(gd.archived.at(-1)?.ids).toEqual([id(5)]);
    const card = await store.getCard(id(5));
    expect(card?.notes).toHaveLength(CARD_NOTES_KEPT);
    expect(card?.notes?.at(-1)).toBe(note);
    expect(card?.notesTotal).toBe(legacy + 1);
    expect(cardMessage(ts)).toContain(`${legacy + 1 - CARD_NOTES_KEPT} earlier entries are in the thread`);
    await sleep(200);
    // On the card, so no ephemeral answer, and certainly no "not archived".
    expect(slack.responses.filter((r) => r.path === archived)).toEqual([]);
  });

  test('500 note writes, 10 at a time: the stored notes stay at the cap and the item stays small', async () => {
    await postCard(id(6));
    for (let i = 0; i < 500; i += 10) {
      await Promise.all(
        Array.from({ length: 10 }, (_, j) => store.addCardNote(id(6), `note ${i + j} ${'y'.repeat(j === 0 ? 5000 : 100)}`)),
      );
    }
    const card = await store.getCard(id(6));
    const kept = card?.notes ?? [];
    expect(kept.length).toBeGreaterThanOrEqual(CARD_NOTES_KEPT);
    expect(kept.length).toBeLessThanOrEqual(30);
    // Only the newest: at most the last three batches of 10.
    expect(Math.min(...kept.map((n) => Number(/^note (\d+)/.exec(n)?.[1])))).toBeGreaterThanOrEqual(470);
    expect(card?.notesTotal).toBe(500);
    expect(Math.max(...(card?.notes ?? []).map((n) => n.length))).toBeLessThanOrEqual(1000);
    const item = (await dynamo.doc.send(new GetCommand({ TableName: dynamo.tableName, Key: { pk: `finding#${id(6)}`, sk: 'card' } }))).Item;
    const bytes = Buffer.byteLength(JSON.stringify(item));
    expect(bytes).toBeLessThan(30_000);
    // dynalite runs in this process: 1,500+ writes and reads take seconds on a busy machine.
  }, 60_000);

  test("a button's thread reply goes through the channel queue: spaced from the feed's posts, ahead of waiting ones", async () => {
    const ts = await postCard(id(7));
    await queue.idle();
    slack.postIntervalMs = INTERVAL_MS - 50;
    const feedPost = (n: number) => queue.submit(CHANNEL, 8, () => messenger.postInThread(CHANNEL, ts, `feed reply ${n}`));
    // The first feed post waits (up to 3 s) until two more feed posts and the button's reply are queued behind it.
    const first = queue.submit(CHANNEL, 8, async () => {
      for (let waited = 0; queue.pending(CHANNEL) < 3 && waited < 3000; waited += 10) await sleep(10);
      return messenger.postInThread(CHANNEL, ts, 'feed reply 1');
    });
    const feed = [first, feedPost(2), feedPost(3)];
    await press(ACTION.archive, id(7), APPROVER);
    await Promise.all(feed);
    await queue.idle();
    slack.postIntervalMs = 0;

    const posts = slack.callsTo('chat.postMessage').filter((c) => c.body.channel === CHANNEL && c.body.thread_ts === ts);
    expect(posts.map((c) => String(c.body.text))).toEqual([
      'feed reply 1',
      `:file_cabinet: Archived in GuardDuty by <@${APPROVER}>`,
      'feed reply 2',
      'feed reply 3',
    ]);
    const gaps = posts.slice(1).map((c, i) => c.at - (posts[i]?.at ?? 0));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(INTERVAL_MS - 50);
    expect(slack.rateLimited).toBe(0);
  });

  test('the per-person limit refuses the 11th side-effect click within a minute, never View, and not other people', async () => {
    await postCard(id(8));
    const busy = user(9);
    for (let i = 0; i < 10; i++)
      expect(await answerText(await press(ACTION.postToChannel, id(8), busy))).toContain("The finding's card is in the channel");
    expect(await answerText(await press(ACTION.postToChannel, id(8), busy))).toMatch(
      /^:hourglass: You're doing that too fast; nothing was changed\. Try again in [1-6] s\.$/,
    );
    const feedbackCalls = gd.calls.UpdateFindingsFeedback;
    const quiet = await press(ACTION.feedbackUseful, id(8), busy);
    for (let i = 0; i < 15; i++) {
      const view = await answerTo(await press(ACTION.viewFinding, id(8), busy));
      expect(JSON.stringify(view.body.blocks)).toContain(id(8));
    }
    expect(slack.responses.find((r) => r.path === quiet)).toBeUndefined();
    expect(gd.calls.UpdateFindingsFeedback).toBe(feedbackCalls);
    expect(await answerText(await press(ACTION.postToChannel, id(8), user(10)))).toContain("The finding's card is in the channel");
  });
});

describe('feedback without FINDINGS_CHANNEL: still once per person, in the state store', () => {
  let slack: SlackStandIn;
  let gd: GuardDutyHttpStandIn;
  let dynamo: TestDynamo;
  let bot: Bot;

  beforeAll(async () => {
    slack = await new SlackStandIn().start();
    gd = await new GuardDutyHttpStandIn().start();
    gd.put(variant('recon-ec2-portprobe-ssh', { id: id(50), severity: 5 }));
    dynamo = await startTestDynamo();
    const client = new GuardDutyClient({ region: 'us-east-1', endpoint: gd.endpoint, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    bot = await startBot(
      slack,
      { GUARDDUTY_REGIONS: 'us-east-1', LOG_LEVEL: 'warn' },
      { store: new DynamoStateStore(dynamo.doc, dynamo.tableName), findings: new GuardDutySource(() => client, ['us-east-1']) },
    );
  });
  afterAll(async () => {
    await bot?.stop();
    await dynamo?.stop();
    await gd?.close();
    await slack?.close();
  });

  test('the second click says so and makes no GuardDuty call; the record holds no card', async () => {
    const answer = async (name: string, actionId: string) => {
      await click(bot.events, { actionId, value: `us-east-1 ${id(50)}`, userId: user(60), responseUrl: slack.responseUrl(name) });
      return String((await slack.waitFor(() => slack.responses.find((r) => r.path === `/respond/${name}`), 5000, name)).body.text);
    };
    expect(await answer('first', ACTION.feedbackNotUseful)).toContain(
      'Recorded: you marked this finding not useful. Feedback so far: 0 useful, 1 not useful.',
    );
    expect(await answer('second', ACTION.feedbackUseful)).toContain('You already marked this finding not useful');
    expect(gd.calls.UpdateFindingsFeedback).toBe(1);
    const store = new DynamoStateStore(dynamo.doc, dynamo.tableName);
    expect(await store.getCard(id(50))).toBeUndefined();
  });
});
