/**
 * Issue 12, attack sequences in the feed: the sequence's card and its signals' cards link to each other's threads
 * whichever is posted first, and a sequence that gains signals says so once in its thread. Real GuardDuty adapter
 * (SDK against the in-memory model), real WebClient to the Slack stand-in, the store on dynalite.
 */
import type { Finding as SdkFinding } from '@aws-sdk/client-guardduty';
import { LogLevel, WebClient } from '@slack/web-api';
import pino from 'pino';
import { GuardDutySource } from '../../src/aws/guardduty-source';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CardPublisher, keepsSequenceLinks, type SequenceLinkStore } from '../../src/feed/card-publisher';
import { ChannelQueue } from '../../src/feed/channel-queue';
import { FeedPoller } from '../../src/feed/feed-poller';
import { OutboxDrainer } from '../../src/feed/outbox-drainer';
import { sequenceGrowthMessage } from '../../src/slack/blocks/attack-sequence';
import { SlackCardChannel } from '../../src/slack/slack-card-channel';
import { SlackMessenger } from '../../src/slack/messenger';
import { undiciFetch } from '../../src/slack/undici-fetch';
import { DynamoStateStore } from '../../src/store/dynamo-state-store';
import { SequenceLinkRepository } from '../../src/store/sequence-link-repository';
import { TableClient, storeDocumentClient } from '../../src/store/table-client';
import { ACTION } from '../../src/slack/ids';
import { assertNoUnescaped, assertValidMessage } from '../../support/helpers/block-kit';
import { guardDutyClients, startBot, testConfig, type Bot } from '../../support/helpers/bot-harness';
import { click, slashCommand } from '../../support/helpers/signed-request';
import { CHANNEL, isoMinutesAgo, useFeedWorld } from '../../support/helpers/feed-harness';
import { variant } from '../../support/helpers/fixtures';
import type { SlackStandIn } from '../../support/helpers/slack-stand-in';

const SEQUENCE = 'attacksequence-iam-compromisedcredentials';
const SEQUENCE_ID = '3333444455556666777788889999dddd';
/** The fixture's FINDING signal: its Uid is this finding's ID. */
const SIGNAL_ID = 'f1e2d3c4b5a6978812345678abcdef01';
const SEQUENCE_TITLE = 'Potential credential compromise of AWS resources in account 123456789012.';
const REGIONS = ['us-east-1', 'us-west-2'];

/**
 * The store with the link methods dynamo-state-store.ts is asked to delegate to SequenceLinkRepository (see the
 * report): the real repository on the same table. Once it delegates, these own methods do what its own would.
 */
function linkingStore(client: DynamoDBClient | DynamoDBDocumentClient, tableName: string): LinkingStore {
  const links = new SequenceLinkRepository(new TableClient(storeDocumentClient(client), tableName));
  return Object.assign(new DynamoStateStore(client, tableName), {
    recordSequenceLinks: links.recordSequenceLinks.bind(links),
    sequencesOfSignal: links.sequencesOfSignal.bind(links),
    mergeCardLinks: links.mergeCardLinks.bind(links),
    claimSequenceParts: links.claimSequenceParts.bind(links),
  } satisfies SequenceLinkStore);
}

type LinkingStore = DynamoStateStore & SequenceLinkStore;

/** One bot process's feed, wired as compose.ts is asked to wire it: the publisher with permalinks and GuardDuty. */
function linkedFeed(store: LinkingStore, slack: SlackStandIn, owner = `test-${Math.random().toString(36).slice(2, 8)}`) {
  const config = testConfig(slack, { FINDINGS_CHANNEL: CHANNEL, GUARDDUTY_REGIONS: REGIONS.join(','), LOG_LEVEL: 'silent' });
  const logger = pino({ level: 'silent' });
  const web = new WebClient('xoxb-test-token', {
    slackApiUrl: slack.apiUrl,
    fetch: undiciFetch(),
    retryConfig: { retries: 0 },
    logLevel: LogLevel.ERROR,
  });
  const messenger = new SlackMessenger(web);
  const findings = new GuardDutySource(guardDutyClients(), REGIONS);
  const publisher = new CardPublisher(
    store,
    new SlackCardChannel(messenger),
    new ChannelQueue(0),
    {
      channel: CHANNEL,
      minBand: 'medium',
      owner,
      claimSeconds: 60,
      sequences: { permalink: (channel, ts) => messenger.permalink(channel, ts), findings, growthMessage: sequenceGrowthMessage },
    },
    logger,
  );
  const poller = new FeedPoller(
    findings,
    store,
    publisher,
    {
      regions: REGIONS,
      pollIntervalSeconds: config.feed.pollIntervalSeconds,
      backfillHours: config.feed.backfillHours,
      listingLagSeconds: config.feed.listingLagSeconds,
      owner,
    },
    logger,
  );
  const outbox = new OutboxDrainer(store, findings, publisher, { channels: [CHANNEL], owner }, logger);
  return {
    poller,
    async poll(region = 'us-east-1') {
      const stats = await poller.pollOnce(region);
      await outbox.drain(CHANNEL);
      return stats;
    },
  };
}

/** The signal: an UnauthorizedAccess:IAMUser/TorIPCaller finding built from the IAM fixture (medium, its own card). */
function signalFinding(updatedAt: string, count = 7): SdkFinding {
  const f = variant('unauthorizedaccess-iamuser-credential-exfiltration', {
    id: SIGNAL_ID,
    severity: 5,
    count,
    updatedAt,
    title: 'API ListUsers was invoked from a Tor exit node IP address.',
  });
  f.Type = 'UnauthorizedAccess:IAMUser/TorIPCaller';
  f.Arn = `arn:aws:guardduty:us-east-1:123456789012:detector/aaabbbcccdddeeefff01234567890123/finding/${SIGNAL_ID}`;
  return f;
}

function sequenceFinding(updatedAt: string, extraSignals: { uid: string; name: string }[] = []): SdkFinding {
  const f = variant(SEQUENCE, { id: SEQUENCE_ID, severity: 9.2, updatedAt });
  const seq = f.Service?.Detection?.Sequence;
  if (!seq?.Signals) throw new Error('fixture has no signals');
  seq.Signals.push(
    ...extraSignals.map((s, i) => ({
      Uid: s.uid,
      Type: 'CLOUD_TRAIL' as const,
      Name: s.name,
      CreatedAt: new Date(Date.UTC(2017, 11, 12, 12, i)),
      UpdatedAt: new Date(Date.UTC(2017, 11, 12, 12, i)),
      FirstSeenAt: new Date(Date.UTC(2017, 11, 12, 12, i)),
      LastSeenAt: new Date(Date.UTC(2017, 11, 12, 12, i)),
      Severity: 6,
      Count: 1,
    })),
  );
  return f;
}

function card(slack: SlackStandIn, findingId: string): { ts: string; text: string } {
  const m = slack
    .channelMessages(CHANNEL)
    .find((x) => (x.metadata as { event_payload?: { finding_id?: string } })?.event_payload?.finding_id === findingId);
  if (!m) throw new Error(`no card for ${findingId}`);
  return { ts: m.ts, text: JSON.stringify(m.blocks) };
}

function permalink(ts: string): string {
  return `https://example.slack.com/archives/${CHANNEL}/p${ts.replace('.', '')}`;
}

function partOfLine(seqTs: string): string {
  return `:link: Part of attack sequence *${SEQUENCE_TITLE}* — <${permalink(seqTs)}|open its thread>`;
}

function signalLink(signalTs: string): string {
  return `• <${permalink(signalTs)}|UnauthorizedAccess:IAMUser/TorIPCaller>`;
}

/** As it appears inside the blocks' JSON. */
function json(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}

describe('attack sequence cards and their signals’ cards', () => {
  const world = useFeedWorld();
  let store: LinkingStore;
  beforeEach(() => {
    store = linkingStore(world.db.doc, world.db.tableName);
    expect(keepsSequenceLinks(store)).toBe(true);
  });

  it('signal first: the sequence’s card links to the signal’s thread, and the signal’s card is updated to say it is part of the sequence', async () => {
    const { slack, gd } = world;
    const feed = linkedFeed(store, slack);
    gd.put(signalFinding(isoMinutesAgo(30)));
    await feed.poll();
    const signalBefore = card(slack, SIGNAL_ID);
    expect(signalBefore.text).not.toContain('Part of attack sequence');

    gd.put(sequenceFinding(isoMinutesAgo(20)));
    await feed.poll();
    const sequence = card(slack, SEQUENCE_ID);
    const signal = card(slack, SIGNAL_ID);
    expect(signal.ts).toBe(signalBefore.ts);
    expect(signal.text).toContain(json(partOfLine(sequence.ts)));
    expect(sequence.text).toContain(json(signalLink(signal.ts)));
    expect(sequence.text).toContain('CRITICAL 9.2');

    // A redraw from the record (the signal recurs) keeps the line; nothing is posted twice.
    gd.put(signalFinding(isoMinutesAgo(5), 9));
    await feed.poll();
    expect(card(slack, SIGNAL_ID).text).toContain(json(partOfLine(sequence.ts)));
    expect(card(slack, SIGNAL_ID).text).toContain('*Count*\\n9');
    expect(slack.channelMessages(CHANNEL)).toHaveLength(2);
  });

  it('sequence first: the signal’s card posted later says it is part of the sequence, and the sequence’s card links to it at once', async () => {
    const { slack, gd } = world;
    const feed = linkedFeed(store, slack);
    gd.put(sequenceFinding(isoMinutesAgo(30)));
    await feed.poll();
    const before = card(slack, SEQUENCE_ID);
    expect(before.text).not.toContain('Signals with cards of their own');

    gd.put(signalFinding(isoMinutesAgo(20)));
    await feed.poll();
    const signal = card(slack, SIGNAL_ID);
    expect(signal.text).toContain(json(partOfLine(before.ts)));
    const sequence = card(slack, SEQUENCE_ID);
    expect(sequence.ts).toBe(before.ts);
    expect(sequence.text).toContain(json(signalLink(signal.ts)));
  });

  it('both in one poll: the critical sequence is posted first, and both cards end up linked', async () => {
    const { slack, gd } = world;
    gd.put(signalFinding(isoMinutesAgo(30)), sequenceFinding(isoMinutesAgo(20)));
    await linkedFeed(store, slack).poll();
    const order = slack
      .channelMessages(CHANNEL)
      .map((m) => (m.metadata as { event_payload: { finding_id: string } }).event_payload.finding_id);
    expect(order).toEqual([SEQUENCE_ID, SIGNAL_ID]);
    const sequence = card(slack, SEQUENCE_ID);
    const signal = card(slack, SIGNAL_ID);
    expect(signal.text).toContain(json(partOfLine(sequence.ts)));
    expect(sequence.text).toContain(json(signalLink(signal.ts)));
  });

  it('a sequence that grows: its card is updated and its thread says once what was added, even with two replicas polling', async () => {
    const { slack, gd } = world;
    const a = linkedFeed(store, slack, 'replica-a');
    const b = linkedFeed(store, slack, 'replica-b');
    gd.put(sequenceFinding(isoMinutesAgo(30)));
    await a.poll();
    const { ts } = card(slack, SEQUENCE_ID);
    const grew = () => slack.threadReplies(CHANNEL, ts).filter((r) => String(r.text).includes('grew'));
    expect(grew()).toHaveLength(0);

    gd.put(
      sequenceFinding(isoMinutesAgo(10), [
        { uid: 'sig-5', name: 's3:GetObject <!channel>' },
        { uid: 'sig-6', name: 'iam:DeleteUser' },
      ]),
    );
    await Promise.all([a.poll(), b.poll(), a.poll()]);
    await a.poll();
    expect(card(slack, SEQUENCE_ID).text).toContain('Attack sequence* of 6 signals');
    expect(grew().map((r) => String(r.text))).toEqual([
      ':chart_with_upwards_trend: The attack sequence grew: 2 new signals: s3:GetObject &lt;!channel&gt;, iam:DeleteUser',
    ]);

    // The next change is announced too, once, and only what it added.
    gd.put(
      sequenceFinding(isoMinutesAgo(2), [
        { uid: 'sig-5', name: 's3:GetObject <!channel>' },
        { uid: 'sig-6', name: 'iam:DeleteUser' },
        { uid: 'sig-7', name: 'kms:ScheduleKeyDeletion' },
      ]),
    );
    await Promise.all([a.poll(), b.poll()]);
    expect(grew().map((r) => String(r.text))).toEqual([
      ':chart_with_upwards_trend: The attack sequence grew: 2 new signals: s3:GetObject &lt;!channel&gt;, iam:DeleteUser',
      ':chart_with_upwards_trend: The attack sequence grew: 1 new signal: kms:ScheduleKeyDeletion',
    ]);
  });
});

describe('`/guardduty finding <id>` for a sequence of 60 signals, over signed HTTP to the real Bolt receiver', () => {
  const world = useFeedWorld();
  let bot: Bot | undefined;
  afterEach(async () => {
    await bot?.stop();
    bot = undefined;
  });

  /** The fixture's four signals and 56 CloudTrail signals made up here, one a minute from noon. */
  function sixtySignals(): SdkFinding {
    const f = sequenceFinding(
      isoMinutesAgo(5),
      Array.from({ length: 56 }, (_, i) => ({ uid: `sig-extra-${i}`, name: `s3:GetObject-${String(i).padStart(2, '0')}` })),
    );
    return f;
  }

  function button(blocks: unknown): { text: string; value: string } | undefined {
    const actions = (blocks as { type: string; elements?: { action_id?: string; value?: string; text?: { text: string } }[] }[]).flatMap(
      (b) => (b.type === 'actions' ? (b.elements ?? []) : []),
    );
    const b = actions.find((e) => e.action_id === ACTION.sequenceSignals);
    return b?.value && b.text ? { text: b.text.text, value: b.value } : undefined;
  }

  it('the card offers all 60 signals; they come a page at a time, each page valid, in first-seen order', async () => {
    const { slack, gd } = world;
    gd.put(sixtySignals());
    bot = await startBot(slack, { LOG_LEVEL: 'silent' });
    await slashCommand(bot.events, { text: `finding ${SEQUENCE_ID}`, responseUrl: slack.responseUrl('card') });
    const answer = await slack.waitFor(() => slack.responses.find((r) => r.path.endsWith('/card')), 5000, 'card');
    assertValidMessage(answer.body.blocks as unknown[]);
    let next = button(answer.body.blocks);
    expect(next?.text).toBe('All 60 signals');

    const names: string[] = [];
    const replaced: unknown[] = [];
    for (let page = 0; next && page < 5; page++) {
      const path = `page-${page}`;
      await click(bot.events, { actionId: ACTION.sequenceSignals, value: next.value, responseUrl: slack.responseUrl(path) });
      const reply = await slack.waitFor(() => slack.responses.find((r) => r.path.endsWith(`/${path}`)), 5000, path);
      const blocks = reply.body.blocks as { type: string; text?: { text: string } }[];
      assertValidMessage(blocks);
      assertNoUnescaped(blocks);
      replaced.push(reply.body.replace_original);
      for (const b of blocks) {
        const m = /^\*(\d+)\.\* (\S+)/.exec(b.text?.text ?? '');
        if (m?.[2]) names.push(m[2]);
      }
      next = button(blocks);
    }
    expect(replaced).toEqual([false, true, true]);
    expect(names).toHaveLength(60);
    expect(new Set(names).size).toBe(60);
    expect(names.slice(0, 4)).toEqual([
      'UnauthorizedAccess:IAMUser/TorIPCaller',
      'iam:ListUsers',
      'iam:CreateAccessKey',
      'cloudtrail:StopLogging',
    ]);
    expect(names.slice(4)).toEqual(Array.from({ length: 56 }, (_, i) => `s3:GetObject-${String(i).padStart(2, '0')}`));
  });

  it('a forged page value is refused', async () => {
    const { slack, gd } = world;
    gd.put(sixtySignals());
    bot = await startBot(slack, { LOG_LEVEL: 'silent' });
    await click(bot.events, {
      actionId: ACTION.sequenceSignals,
      value: `eu-west-3 ${SEQUENCE_ID} 1`,
      responseUrl: slack.responseUrl('forged'),
    });
    const reply = await slack.waitFor(() => slack.responses.find((r) => r.path.endsWith('/forged')), 5000, 'refusal');
    expect(String(reply.body.text)).toContain('not valid any more');
  });
});

describe('the links on dynalite, under concurrent writers', () => {
  const world = useFeedWorld();

  async function postedCard(store: LinkingStore, findingId: string): Promise<void> {
    const seen = { severity: 9.2, updatedAtMs: 1, count: 1, archived: false };
    expect(
      await store.claimCard({ findingId, region: 'us-east-1', accountId: '123456789012', state: 'claimed', ...seen }, 'o', 60, 1),
    ).toBe(true);
    expect(await store.markPosted(findingId, 'o', CHANNEL, '1700000000.000100', seen)).toBe(true);
  }

  it('links written at once by several writers are all kept; a repeated link changes nothing', async () => {
    const store = linkingStore(world.db.doc, world.db.tableName);
    await postedCard(store, SEQUENCE_ID);
    const links = Array.from({ length: 6 }, (_, i) => ({ findingId: `signal${i}0000000`, url: permalink(`1700000000.00020${i}`) }));
    await Promise.all(links.map((l) => store.mergeCardLinks(SEQUENCE_ID, 'signalThreads', [l])));
    const record = (await store.getCard(SEQUENCE_ID)) as { signalThreads?: unknown } | undefined;
    expect(new Set((record?.signalThreads as { findingId: string }[]).map((l) => l.findingId))).toEqual(
      new Set(links.map((l) => l.findingId)),
    );
    expect(await store.mergeCardLinks(SEQUENCE_ID, 'signalThreads', [links[3]!])).toBeUndefined();
    // No posted card, no links.
    expect(await store.mergeCardLinks('nocard000000000', 'partOfSequences', links)).toBeUndefined();
  });

  it('each new part of a sequence is claimed by exactly one of several claimers', async () => {
    const store = linkingStore(world.db.doc, world.db.tableName);
    await postedCard(store, SEQUENCE_ID);
    expect(await store.claimSequenceParts(SEQUENCE_ID, ['signal:a', 'signal:b'])).toEqual({ added: ['signal:a', 'signal:b'], first: true });
    const claims = await Promise.all(
      Array.from({ length: 5 }, () => store.claimSequenceParts(SEQUENCE_ID, ['signal:a', 'signal:b', 'signal:c', 'actor:x'])),
    );
    const added = claims.flatMap((c) => c?.added ?? []);
    expect(added.sort()).toEqual(['actor:x', 'signal:c']);
    expect(claims.every((c) => c === undefined || c.first === false)).toBe(true);
    expect(await store.claimSequenceParts(SEQUENCE_ID, ['signal:a', 'signal:c'])).toEqual({ added: [], first: false });
  });
});
