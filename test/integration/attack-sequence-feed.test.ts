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
import { guardDutyClients, testConfig } from '../../support/helpers/bot-harness';
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
 * The store as dynamo-state-store.ts is asked to delegate to SequenceLinkRepository (see the report): the same
 * table, the real repository.
 */
class LinkingStore extends DynamoStateStore implements SequenceLinkStore {
  private readonly links: SequenceLinkRepository;
  constructor(client: DynamoDBClient | DynamoDBDocumentClient, tableName: string) {
    super(client, tableName);
    this.links = new SequenceLinkRepository(new TableClient(storeDocumentClient(client), tableName));
  }
  recordSequenceLinks(...args: Parameters<SequenceLinkStore['recordSequenceLinks']>) {
    return this.links.recordSequenceLinks(...args);
  }
  sequencesOfSignal(findingId: string) {
    return this.links.sequencesOfSignal(findingId);
  }
  mergeCardLinks(...args: Parameters<SequenceLinkStore['mergeCardLinks']>) {
    return this.links.mergeCardLinks(...args);
  }
  claimSequenceParts(findingId: string, parts: readonly string[]) {
    return this.links.claimSequenceParts(findingId, parts);
  }
}

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
    store = new LinkingStore(world.db.doc, world.db.tableName);
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
