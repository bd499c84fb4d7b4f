import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { CachedFindingsSource } from '../../src/aws/cached-findings-source';
import { GuardDutySource } from '../../src/aws/guardduty-source';
import type { CardPublisher } from '../../src/feed/card-publisher';
import type { ChannelQueue } from '../../src/feed/channel-queue';
import { ACTION, BLOCK } from '../../src/slack/ids';
import { UserRateLimit } from '../../src/slack/user-rate-limit';
import { decodeFindingRef, decodeReassignRef, decodeVersionedRef, encodeAssignBlock } from '../../src/slack/values';
import { DynamoStateStore } from '../../src/store/dynamo-state-store';
import { guardDutyClients, startBot, type Bot } from '../../support/helpers/bot-harness';
import { startTestDynamo, type TestDynamo } from '../../support/helpers/dynalite';
import { variant } from '../../support/helpers/fixtures';
import { GuardDutyHttpStandIn } from '../../support/fakes/guardduty/http';
import { blockAction, interaction, slashCommand } from '../../support/helpers/signed-request';
import { SlackStandIn, type ResponseUrlPost } from '../../support/helpers/slack-stand-in';

/*
 * Ownership and status through signed requests into the real Bolt app: GuardDuty over HTTP (the REST-JSON stand-in,
 * real SDK client), the store in dynalite, Slack's Web API and response_url stand-in.
 */

const CHANNEL = 'C0OWNERS01';
const APPROVER = 'U0APPROVE1';
const ALICE = 'U0ALICE001';
const BOB = 'U0BOB00001';
const CAROL = 'U0CAROL001';
const DAVE = 'U0DAVE0001';
const ERIN = 'U0ERIN0001';
const REGIONS = ['us-east-1', 'us-west-2'];

const id = (n: number) => `ownersh${String(n).padStart(25, '0')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Answer {
  text: string;
  blocks: string;
  replace?: unknown;
}

describe('ownership and status over signed HTTP', () => {
  let slack: SlackStandIn;
  let gd: GuardDutyHttpStandIn;
  let dynamo: TestDynamo;
  let store: DynamoStateStore;
  let publisher: CardPublisher;
  let queue: ChannelQueue;
  let source: GuardDutySource;
  let bot: Bot;
  let n = 0;

  async function send(payload: Record<string, unknown>, name: string): Promise<string> {
    const res = await interaction(bot.events, payload);
    expect(res.status).toBe(200);
    return `/respond/${name}`;
  }
  /** A button click; resolves to the response_url path its answer goes to. */
  function press(actionId: string, value: string, userId: string): Promise<string> {
    const name = `c${++n}`;
    return send(blockAction({ actionId, value, userId, channelId: CHANNEL, responseUrl: slack.responseUrl(name) }), name);
  }
  function pick(findingId: string, picked: string, userId: string, blockId = encodeAssignBlock({ region: 'us-east-1', id: findingId })) {
    const name = `c${++n}`;
    const payload = blockAction({ actionId: ACTION.assign, value: '', userId, channelId: CHANNEL, responseUrl: slack.responseUrl(name) });
    payload.actions = [{ type: 'users_select', action_id: ACTION.assign, block_id: blockId, selected_user: picked, action_ts: '1' }];
    return send(payload, name);
  }
  /** The resolve form's Resolve button, with the form's fields as Slack sends them in `state.values`. */
  function submitResolve(value: string, userId: string, reason: string | undefined, note?: string): Promise<string> {
    const name = `c${++n}`;
    const payload = blockAction({ actionId: ACTION.resolve, value, userId, channelId: CHANNEL, responseUrl: slack.responseUrl(name) });
    payload.state = {
      values: {
        [BLOCK.resolveReason]: {
          [BLOCK.resolveReasonInput]: {
            type: 'static_select',
            selected_option: reason ? { value: reason, text: { type: 'plain_text', text: reason } } : null,
          },
        },
        [BLOCK.resolveNote]: { [BLOCK.resolveNoteInput]: { type: 'plain_text_input', value: note ?? null } },
      },
    };
    return send(payload, name);
  }
  async function command(text: string, userId: string): Promise<Answer> {
    const name = `cmd${++n}`;
    const res = await slashCommand(bot.events, { text, userId, channelId: CHANNEL, responseUrl: slack.responseUrl(name) });
    expect(res.status).toBe(200);
    return answer(`/respond/${name}`);
  }
  async function answer(path: string): Promise<Answer> {
    const r: ResponseUrlPost = await slack.waitFor(() => slack.responses.find((x) => x.path === path), 8000, `answer on ${path}`);
    return { text: String(r.body.text), blocks: JSON.stringify(r.body.blocks ?? []), replace: r.body.replace_original };
  }
  const ref = (k: number) => `us-east-1 ${id(k)}`;
  const take = async (k: number, user: string) => answer(await press(ACTION.take, ref(k), user));
  const cardMessage = (ts: string) => JSON.stringify(slack.channelMessages(CHANNEL).find((m) => m.ts === ts)?.blocks ?? []);
  const threadTexts = (ts: string) => slack.threadReplies(CHANNEL, ts).map((m) => String(m.text));
  /** Values of the buttons with this action ID in an answer's blocks. */
  const buttonValues = (blocks: string, actionId: string): string[] =>
    [...blocks.matchAll(new RegExp(`"action_id":"${actionId}","value":"([^"]*)"`, 'g'))].map((m) => m[1] ?? '');
  const viewedIds = (blocks: string) => buttonValues(blocks, ACTION.viewFinding).map((v) => decodeFindingRef(v)?.id);

  async function postCard(k: number): Promise<string> {
    const finding = await source.findById(id(k), 'us-east-1');
    if (!finding) throw new Error(`no finding ${id(k)}`);
    const record = await publisher.ensureCard(finding);
    return record.ts ?? '';
  }

  beforeAll(async () => {
    slack = await new SlackStandIn().start();
    gd = await new GuardDutyHttpStandIn().start();
    // All high (7.0 and up); 12–14 never get a card, so nobody owns them.
    for (let k = 0; k < 15; k++) gd.put(variant('unauthorizedaccess-ec2-sshbruteforce', { id: id(k), severity: 8 - k * 0.05 }));
    gd.put(variant('unauthorizedaccess-ec2-sshbruteforce', { id: id(50), severity: 2 }));
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
      // The per-person pace is tested on its own (user-rate-limit, feedback-once): here people click a lot.
      {
        store,
        findings: new CachedFindingsSource(source),
        postIntervalMs: 50,
        claimSeconds: 30,
        actionLimit: new UserRateLimit({ capacity: 1000 }),
      },
    );
    ({ queue } = bot.composed);
    publisher = bot.composed.publisher as CardPublisher;
  }, 60_000);
  afterAll(async () => {
    await bot?.stop();
    await queue?.idle();
    await dynamo?.stop();
    await gd?.close();
    await slack?.close();
  });

  test('Take: one conditional write, the card shows owner and status, a thread line names the person', async () => {
    const ts = await postCard(0);
    expect(cardMessage(ts)).toContain(':bust_in_silhouette: No owner · :new: New');
    expect((await take(0, ALICE)).text).toBe(':raising_hand: You own this finding now.');

    const card = await store.getCard(id(0));
    expect(card).toMatchObject({ owner: ALICE, status: 'investigating', statusBy: ALICE, triageVersion: 1 });
    await slack.waitFor(() => cardMessage(ts).includes(`Owner <@${ALICE}> since`), 5000, 'the owner on the card');
    expect(cardMessage(ts)).toContain(':mag: Investigating since');
    await slack.waitFor(() => threadTexts(ts).length === 1, 5000, 'the thread line');
    expect(threadTexts(ts)).toEqual([`:raising_hand: <@${ALICE}> took this finding: investigating`]);
    expect((await store.listOwned(ALICE)).map((c) => c.findingId)).toEqual([id(0)]);

    // Taking it again changes nothing and adds no line.
    expect((await take(0, ALICE)).text).toBe(':bust_in_silhouette: You already own this finding; nothing was changed.');
    expect((await store.getCard(id(0)))?.triageVersion).toBe(1);
  });

  test('a second Take by someone else: "owned by <@…> since …; Reassign?", nothing changed', async () => {
    const ts = await postCard(1);
    await take(1, ALICE);
    const reply = await take(1, BOB);
    expect(reply.text).toMatch(
      new RegExp(
        `^:bust_in_silhouette: This finding is owned by <@${ALICE}> since \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} UTC\\. Reassign it to you\\?$`,
      ),
    );
    const [value] = buttonValues(reply.blocks, ACTION.reassign);
    expect(decodeReassignRef(value, REGIONS)).toEqual({ region: 'us-east-1', id: id(1), from: ALICE, to: BOB });
    expect((await store.getCard(id(1)))?.owner).toBe(ALICE);
    await queue.idle();
    expect(threadTexts(ts)).toHaveLength(1);

    // Reassign: BOB owns it now; ALICE's index item is gone, BOB's is there.
    expect((await answer(await press(ACTION.reassign, value ?? '', BOB))).text).toBe(':raising_hand: You own this finding now.');
    expect(await store.getCard(id(1))).toMatchObject({ owner: BOB, status: 'investigating' });
    await slack.waitFor(() => threadTexts(ts).length === 2, 5000, 'the reassign line');
    expect(threadTexts(ts)[1]).toBe(`:twisted_rightwards_arrows: <@${BOB}> took this finding over from <@${ALICE}>`);
    expect((await store.listOwned(BOB)).map((c) => c.findingId)).toEqual([id(1)]);
    expect((await store.listOwned(ALICE)).map((c) => c.findingId)).not.toContain(id(1));
  });

  test('two Reassign clicks at the same moment: exactly one owner, one thread line, the other told who has it', async () => {
    for (let round = 0; round < 3; round++) {
      const k = 2 + round;
      const ts = await postCard(k);
      await take(k, ALICE);
      const [carolValue] = buttonValues((await take(k, CAROL)).blocks, ACTION.reassign);
      const [daveValue] = buttonValues((await take(k, DAVE)).blocks, ACTION.reassign);
      const [carol, dave] = await Promise.all([
        press(ACTION.reassign, carolValue ?? '', CAROL).then(answer),
        press(ACTION.reassign, daveValue ?? '', DAVE).then(answer),
      ]);
      const texts = [carol.text, dave.text];
      expect(texts.filter((t) => t === ':raising_hand: You own this finding now.')).toHaveLength(1);
      const loser = texts.find((t) => t !== ':raising_hand: You own this finding now.') ?? '';
      const winner = carol.text === ':raising_hand: You own this finding now.' ? CAROL : DAVE;
      expect(loser).toContain(
        `The owner changed meanwhile; nothing was changed. :bust_in_silhouette: This finding is owned by <@${winner}>`,
      );
      expect((await store.getCard(id(k)))?.owner).toBe(winner);
      await slack.waitFor(() => threadTexts(ts).length >= 2, 5000, 'the winning line');
      await queue.idle();
      await sleep(100);
      expect(threadTexts(ts)).toEqual([
        `:raising_hand: <@${ALICE}> took this finding: investigating`,
        `:twisted_rightwards_arrows: <@${winner}> took this finding over from <@${ALICE}>`,
      ]);
      const loserId = winner === CAROL ? DAVE : CAROL;
      expect((await store.listOwned(winner)).map((c) => c.findingId)).toContain(id(k));
      expect((await store.listOwned(loserId)).map((c) => c.findingId)).not.toContain(id(k));
      expect((await store.listOwned(ALICE)).map((c) => c.findingId)).not.toContain(id(k));
    }
  }, 60_000);

  test('Resolve… shows a form; resolving with a reason and note: the card shows resolved, the reason and the note; Reopen', async () => {
    const ts = await postCard(5);
    await take(5, ERIN);
    const form = await answer(await press(ACTION.resolveForm, ref(5), ERIN));
    expect(form.blocks).toContain(BLOCK.resolveReasonInput);
    const [value] = buttonValues(form.blocks, ACTION.resolve);
    expect(decodeVersionedRef(value, REGIONS)).toEqual({ region: 'us-east-1', id: id(5), version: 1 });

    // No reason: refused, nothing written.
    expect((await answer(await submitResolve(value ?? '', ERIN, undefined))).text).toBe(
      ':warning: Pick a reason to resolve the finding. Nothing was changed.',
    );
    const done = await answer(await submitResolve(value ?? '', ERIN, 'duplicate', 'same as <!channel> #41'));
    expect(done).toMatchObject({ text: ':white_check_mark: Resolved as duplicate.', replace: true });
    expect(done.blocks).not.toContain(ACTION.archive);
    expect(await store.getCard(id(5))).toMatchObject({
      owner: ERIN,
      status: 'resolved',
      resolution: 'duplicate',
      resolutionNote: 'same as <!channel> #41',
      statusBy: ERIN,
    });
    const line = `:white_check_mark: <@${ERIN}> resolved this finding as *duplicate*: same as &lt;!channel&gt; #41`;
    await slack.waitFor(() => threadTexts(ts).includes(line), 5000, 'the resolve line');
    expect(cardMessage(ts)).toContain(`Resolved as *duplicate* by <@${ERIN}> at`);
    expect(cardMessage(ts)).toContain(ACTION.reopen);
    expect(cardMessage(ts)).not.toContain(ACTION.take);

    // The same form again: the version moved on, nothing is written twice.
    expect((await answer(await submitResolve(value ?? '', ERIN, 'fixed'))).text).toContain('The finding changed since this form was shown');
    expect((await store.getCard(id(5)))?.resolution).toBe('duplicate');

    expect((await answer(await press(ACTION.reopen, ref(5), BOB))).text).toBe(
      ':arrows_counterclockwise: Reopened: the finding is being investigated again.',
    );
    const reopened = await store.getCard(id(5));
    expect(reopened).toMatchObject({ owner: ERIN, status: 'investigating', statusBy: BOB });
    expect(reopened?.resolution).toBeUndefined();
    await slack.waitFor(
      () => threadTexts(ts).includes(`:arrows_counterclockwise: <@${BOB}> reopened this finding: investigating`),
      5000,
      'reopen line',
    );
    await slack.waitFor(() => cardMessage(ts).includes(ACTION.take), 5000, 'Take back on the card');
  });

  test('someone else may not resolve what another owns (Reassign offered); an approver may', async () => {
    await postCard(6);
    await take(6, ALICE);
    const refused = await answer(await press(ACTION.resolveForm, ref(6), BOB));
    expect(refused.text).toContain(
      `Only its owner or an approver resolves a finding. :bust_in_silhouette: This finding is owned by <@${ALICE}>`,
    );
    expect(refused.blocks).not.toContain(ACTION.resolve + '"');
    const form = await answer(await press(ACTION.resolveForm, ref(6), APPROVER));
    const [value] = buttonValues(form.blocks, ACTION.resolve);
    expect((await answer(await submitResolve(value ?? '', APPROVER, 'fixed'))).text).toBe(':white_check_mark: Resolved as fixed.');
    expect(await store.getCard(id(6))).toMatchObject({ owner: ALICE, status: 'resolved', resolution: 'fixed', statusBy: APPROVER });
  });

  test('resolving as false positive offers Archive; archiving still needs an approver', async () => {
    await postCard(7);
    await take(7, ALICE);
    const form = await answer(await press(ACTION.resolveForm, ref(7), ALICE));
    const done = await answer(await submitResolve(buttonValues(form.blocks, ACTION.resolve)[0] ?? '', ALICE, 'false_positive'));
    expect(done.text).toBe(':white_check_mark: Resolved as false positive.');
    const [archiveValue] = buttonValues(done.blocks, ACTION.archive);
    expect(decodeFindingRef(archiveValue, REGIONS)).toEqual({ region: 'us-east-1', id: id(7) });
    gd.resetCalls();

    const refused = await answer(await press(ACTION.archive, archiveValue ?? '', ALICE));
    expect(refused.text).toContain(':no_entry: Only approvers may archive a finding');
    await sleep(100);
    expect(gd.calls.ArchiveFindings ?? 0).toBe(0);

    await press(ACTION.archive, archiveValue ?? '', APPROVER);
    await slack.waitFor(() => (gd.calls.ArchiveFindings ?? 0) === 1, 5000, 'ArchiveFindings by the approver');
    expect(gd.archived.at(-1)?.ids).toEqual([id(7)]);
  });

  test('Assign… picks a person: they own it; picking another when owned offers Reassign to them', async () => {
    const ts = await postCard(8);
    expect((await answer(await pick(id(8), CAROL, ALICE))).text).toBe(`:point_right: <@${CAROL}> owns this finding now.`);
    expect((await store.getCard(id(8)))?.owner).toBe(CAROL);
    await slack.waitFor(
      () => threadTexts(ts).includes(`:point_right: <@${ALICE}> assigned this finding to <@${CAROL}>: investigating`),
      5000,
      'assign line',
    );
    const prompt = await answer(await pick(id(8), DAVE, ALICE));
    expect(prompt.text).toContain(`owned by <@${CAROL}>`);
    expect(prompt.text).toContain(`Reassign it to <@${DAVE}>?`);
    expect(decodeReassignRef(buttonValues(prompt.blocks, ACTION.reassign)[0], REGIONS)).toMatchObject({ from: CAROL, to: DAVE });
  });

  test('/guardduty mine lists exactly what the person owns, open first; stale index items are not shown', async () => {
    await postCard(9);
    await postCard(10);
    await take(9, DAVE);
    await take(10, DAVE);
    const form = await answer(await press(ACTION.resolveForm, ref(9), DAVE));
    await answer(await submitResolve(buttonValues(form.blocks, ACTION.resolve)[0] ?? '', DAVE, 'fixed'));
    // An index item whose card names someone else (as a crash between the two writes could leave), written long ago.
    await dynamo.doc.send(
      new PutCommand({
        TableName: dynamo.tableName,
        Item: { pk: `owner#${DAVE}`, sk: `finding#${id(0)}`, findingId: id(0), writtenAtMs: Date.now() - 3_600_000 },
      }),
    );
    const expected = [...(await store.getCards([2, 3, 4, 8, 9, 10].map(id))).values()]
      .filter((c) => c.owner === DAVE)
      .map((c) => c.findingId);
    const mine = await command('mine', DAVE);
    const shown = viewedIds(mine.blocks);
    expect(new Set(shown)).toEqual(new Set(expected));
    expect(shown).toHaveLength(expected.length);
    expect(shown.at(-1)).toBe(id(9)); // resolved last
    expect(shown[0]).not.toBe(id(9));
    expect(mine.text).toBe(`You (<@${DAVE}>) own ${expected.length} findings: ${expected.length - 1} open, 1 resolved.`);
    // The stale item was removed on reading.
    expect((await store.listOwned(DAVE)).map((c) => c.findingId)).not.toContain(id(0));

    const none = await command('mine', 'U0NOBODY01');
    expect(none.text).toBe('You (<@U0NOBODY01>) own no findings. Click *Take* on a card to own one.');
  });

  test('`findings high unowned` leaves out every owned finding; without unowned they are listed', async () => {
    const all15 = Array.from({ length: 15 }, (_, k) => id(k));
    const owned = [...(await store.getCards(all15)).values()].filter((c) => c.owner).map((c) => c.findingId);
    expect(owned.length).toBe(11);
    const unowned = await command('findings high unowned', ALICE);
    const listed = viewedIds(unowned.blocks);
    expect(listed).toEqual(all15.filter((x) => !owned.includes(x)));
    expect(listed).toEqual([id(11), id(12), id(13), id(14)]);
    expect(unowned.blocks).toContain('Unowned findings at or above *high*');
    const all = await command('findings high', ALICE);
    expect(viewedIds(all.blocks)).toContain(id(0));
  });

  test('a finding GuardDuty no longer has: Take still records the owner, one note and one thread line; mine says so', async () => {
    const ts = await postCard(50);
    gd.remove('us-east-1', id(50));
    expect((await take(50, ERIN)).text).toBe(':raising_hand: You own this finding now.');
    const line = `:raising_hand: <@${ERIN}> took this finding: investigating`;
    await slack.waitFor(() => threadTexts(ts).includes(line), 5000, 'the thread line');
    await queue.idle();
    expect(threadTexts(ts)).toEqual([line]);
    expect((await store.getCard(id(50)))?.notes).toEqual([line]);
    const mine = await command('mine', ERIN);
    expect(mine.blocks).toContain(`\`${id(50)}\` in us-east-1 (no longer in GuardDuty)`);
  });

  test('forged values change nothing', async () => {
    await postCard(11);
    const before = await store.getCard(id(11));
    const invalid = 'That button is not valid any more.';
    expect((await answer(await press(ACTION.take, `us-east-1 ${id(11)} extra`, BOB))).text).toBe(invalid);
    expect((await answer(await press(ACTION.take, `eu-west-3 ${id(11)}`, BOB))).text).toBe(invalid);
    expect((await answer(await press(ACTION.reassign, `us-east-1 ${id(11)} <!channel> ${BOB}`, BOB))).text).toBe(invalid);
    // Well-formed but pinned on someone who does not own it: refused by the condition.
    expect((await answer(await press(ACTION.reassign, `us-east-1 ${id(11)} ${ALICE} ${BOB}`, BOB))).text).toContain(
      'Nobody owns this finding now',
    );
    expect((await answer(await press(ACTION.reopen, `us-east-1 ${id(11)}`, BOB))).text).toContain('not resolved');
    expect((await answer(await submitResolve(`us-east-1 ${id(11)} 7`, BOB, 'fixed'))).text).toContain(
      'The finding changed since this form was shown',
    );
    expect((await answer(await submitResolve(`us-east-1 ${id(11)} 0`, BOB, 'wontfix'))).text).toContain('not one of the reasons');
    expect((await answer(await pick(id(11), BOB, BOB, `assign us-east-1 ${id(11)}; drop`))).text).toBe(invalid);
    expect((await answer(await pick(id(11), '<!here>', BOB))).text).toBe(invalid);
    expect(await store.getCard(id(11))).toEqual(before);
    expect((await store.listOwned(BOB)).map((c) => c.findingId)).not.toContain(id(11));
  });
});
