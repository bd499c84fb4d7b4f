import { DynamoStateStore } from '../../src/store/dynamo-state-store';
import type { StateStore } from '../../src/domain/ports';
import { FakeGuardDuty } from '../../support/fakes/guardduty/sdk-mock';
import { variant } from '../../support/helpers/fixtures';
import { CHANNEL, feedInstance, isoMinutesAgo, useFeedWorld } from '../../support/helpers/feed-harness';
import { SlackStandIn } from '../../support/helpers/slack-stand-in';

const id = (n: number) => `feed${String(n).padStart(28, '0')}`;

function cardFindingIds(slack: SlackStandIn): string[] {
  return slack
    .channelMessages(CHANNEL)
    .map((m) => (m.metadata as { event_payload?: { finding_id?: string } } | undefined)?.event_payload?.finding_id)
    .filter((x): x is string => typeof x === 'string');
}

describe('finding feed against dynalite, the Slack stand-in and in-memory GuardDuty', () => {
  let store: DynamoStateStore;
  let slack: SlackStandIn;
  let gd: FakeGuardDuty;

  const world = useFeedWorld();
  beforeEach(() => ({ store, slack, gd } = world));

  it('posts one card per new finding at or above the threshold and gathers the rest for the digest', async () => {
    gd.put(
      variant('unauthorizedaccess-ec2-sshbruteforce', { id: id(1), severity: 8, updatedAt: isoMinutesAgo(30) }),
      variant('recon-ec2-portprobe-ssh', { id: id(2), severity: 5, updatedAt: isoMinutesAgo(20) }),
      variant('attacksequence-iam-compromisedcredentials', { id: id(3), severity: 9.5, region: 'us-west-2', updatedAt: isoMinutesAgo(10) }),
      variant('policy-s3-bucketblockpublicaccessdisabled', { id: id(4), severity: 2, updatedAt: isoMinutesAgo(5) }),
      variant('policy-s3-bucketblockpublicaccessdisabled', { id: id(5), severity: 3, updatedAt: isoMinutesAgo(25 * 60) }),
    );
    const feed = feedInstance(store, slack);
    const east = await feed.poll('us-east-1');
    const west = await feed.poll('us-west-2');
    expect(east.outcomes).toMatchObject({ queued: 2, digest: 1, failed: 0 });
    expect(west.outcomes).toMatchObject({ queued: 1, failed: 0 });
    expect(cardFindingIds(slack).sort()).toEqual([id(1), id(2), id(3)]);
    // id(5) is older than the 24 h backfill: never posted, not even in the digest.
    expect((await store.listDigestItems(CHANNEL)).map((i) => [i.findingId, i.resource])).toEqual([
      [id(4), 'S3 bucket example-logs-bucket'],
    ]);
    const card = await store.getCard(id(1));
    expect(card).toMatchObject({ state: 'posted', channel: CHANNEL });
    expect(slack.channelMessages(CHANNEL).map((m) => m.ts)).toContain(card?.ts);

    // A second poll changes nothing.
    const again = await feed.poll('us-east-1');
    expect(again.outcomes).toMatchObject({ queued: 0, digest: 0, updated: 0 });
    expect(cardFindingIds(slack)).toHaveLength(3);

    expect(await feed.digest.publishOnce()).toBe(1);
    expect(await feed.digest.publishOnce()).toBe(0);
    const digests = slack.channelMessages(CHANNEL).filter((m) => String(m.text).includes('below the posting threshold'));
    expect(digests).toHaveLength(1);
  });

  it('a recurrence updates the card in place and replies in its thread at most once per 15 minutes', async () => {
    gd.put(variant('unauthorizedaccess-ec2-sshbruteforce', { id: id(1), severity: 8, count: 3, updatedAt: isoMinutesAgo(30) }));
    const feed = feedInstance(store, slack);
    await feed.poll('us-east-1');
    const card = await store.getCard(id(1));

    gd.put(variant('unauthorizedaccess-ec2-sshbruteforce', { id: id(1), severity: 8, count: 9, updatedAt: isoMinutesAgo(2) }));
    const second = await feed.poll('us-east-1');
    expect(second.outcomes.updated).toBe(1);
    gd.put(variant('unauthorizedaccess-ec2-sshbruteforce', { id: id(1), severity: 8.5, count: 12, updatedAt: isoMinutesAgo(1) }));
    await feed.poll('us-east-1');

    expect(cardFindingIds(slack)).toEqual([id(1)]);
    const updates = slack.callsTo('chat.update');
    expect(updates).toHaveLength(2);
    expect(updates.every((u) => u.body.ts === card?.ts)).toBe(true);
    expect(JSON.stringify(updates[1]?.body.blocks)).toContain('*Count*\\n12');
    await slack.waitFor(() => slack.threadReplies(CHANNEL, card?.ts ?? '').length > 0, 2000, 'thread reply');
    await new Promise((r) => setTimeout(r, 100));
    const replies = slack.threadReplies(CHANNEL, card?.ts ?? '');
    expect(replies).toHaveLength(1);
    expect(String(replies[0]?.text)).toContain('count 3 → 9');
    expect(await store.getCard(id(1))).toMatchObject({ count: 12, severity: 8.5 });
  });

  it('a finding archived in GuardDuty shows as archived on its card', async () => {
    gd.put(variant('recon-ec2-portprobe-ssh', { id: id(7), severity: 5, updatedAt: isoMinutesAgo(30) }));
    const feed = feedInstance(store, slack);
    await feed.poll('us-east-1');
    gd.put(variant('recon-ec2-portprobe-ssh', { id: id(7), severity: 5, archived: true, updatedAt: isoMinutesAgo(1) }));
    await feed.poll('us-east-1');
    const update = slack.callsTo('chat.update')[0];
    expect(JSON.stringify(update?.body.blocks)).toContain('Archived');
    expect(await store.getCard(id(7))).toMatchObject({ archived: true });
  });

  it('a Slack failure while posting: the cursor has moved past what is recorded; the outbox keeps the rest for the next holder, nothing twice', async () => {
    for (let i = 0; i < 6; i++)
      gd.put(variant('unauthorizedaccess-ec2-sshbruteforce', { id: id(10 + i), severity: 7 + i / 10, updatedAt: isoMinutesAgo(60 - i) }));
    let posts = 0;
    slack.handlers.set('chat.postMessage', (body) => {
      posts++;
      if (posts === 3) return { status: 500, body: { ok: false, error: 'internal_error' } };
      const ts = slack.nextTs();
      const list = slack.messages.get(String(body.channel)) ?? [];
      list.push({ ts, text: body.text, metadata: body.metadata });
      slack.messages.set(String(body.channel), list);
      return { ok: true, channel: body.channel, ts };
    });
    const first = feedInstance(store, slack, { claimSeconds: 1 });
    const stats = await first.poller.pollOnce('us-east-1');
    expect(stats.outcomes).toMatchObject({ queued: 6, failed: 0 });
    // Recorded, so the cursor is past all six although none is posted yet.
    expect(await store.getCursor('us-east-1')).toBeGreaterThan(Date.parse(isoMinutesAgo(56)));
    // One band (high): oldest first.
    expect((await store.nextInOutbox(CHANNEL, 10)).map((e) => e.findingId)).toEqual([10, 11, 12, 13, 14, 15].map(id));
    await expect(first.outbox.drain(CHANNEL)).rejects.toThrow();
    expect(cardFindingIds(slack)).toHaveLength(2);
    await first.outbox.stop(); // a clean stop hands the channel over (a crash: after the lease expires)

    slack.handlers.delete('chat.postMessage');
    await new Promise((r) => setTimeout(r, 1100)); // the failed post's claim expires
    const second = feedInstance(store, slack, { claimSeconds: 1 });
    expect(await second.outbox.drain(CHANNEL)).toBe(4);
    expect(cardFindingIds(slack).sort()).toEqual([10, 11, 12, 13, 14, 15].map(id).sort());
    expect(await store.nextInOutbox(CHANNEL, 10)).toEqual([]);
    // A poll now finds nothing new to queue.
    expect((await second.poll('us-east-1')).outcomes.queued).toBe(0);
  });

  it('a crash between posting a card and recording it is recovered from the message metadata, not posted again', async () => {
    gd.put(variant('unauthorizedaccess-ec2-sshbruteforce', { id: id(20), severity: 8, updatedAt: isoMinutesAgo(10) }));
    // The process "dies" right after chat.postMessage: its markPosted never happens, and it never releases its lease.
    const crashing: StateStore = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop === 'markPosted') return () => Promise.reject(new Error('process died'));
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    const first = feedInstance(crashing, slack, { claimSeconds: 1, outboxLeaseSeconds: 1 });
    await first.poller.pollOnce('us-east-1');
    await expect(first.outbox.drain(CHANNEL)).rejects.toThrow('process died');
    expect(cardFindingIds(slack)).toEqual([id(20)]);
    expect(await store.getCard(id(20))).toMatchObject({ state: 'claimed' });

    const second = feedInstance(store, slack, { claimSeconds: 1 });
    const deadline = Date.now() + 10_000;
    let drained = 0;
    // The dead process's lease holds the channel until it expires (1 s here); then the next holder posts it.
    while (drained === 0 && Date.now() < deadline) {
      drained = await second.outbox.drain(CHANNEL);
      if (drained === 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(drained).toBe(1);
    expect(cardFindingIds(slack)).toEqual([id(20)]);
    const record = await store.getCard(id(20));
    expect(record).toMatchObject({ state: 'posted' });
    expect(record?.ts).toBe(slack.channelMessages(CHANNEL)[0]?.ts);
    expect(await store.nextInOutbox(CHANNEL, 10)).toEqual([]);
  });

  it('a critical finding found while a medium backlog drains is posted before the rest of the backlog', async () => {
    for (let i = 0; i < 8; i++)
      gd.put(variant('recon-ec2-portprobe-ssh', { id: id(300 + i), severity: 5, updatedAt: isoMinutesAgo(50 - i) }));
    const feed = feedInstance(store, slack, { postIntervalMs: 60 });
    await feed.poller.pollOnce('us-east-1');
    const draining = feed.outbox.drain(CHANNEL);
    await slack.waitFor(() => cardFindingIds(slack).length >= 2, 5000, 'two medium cards');
    gd.put(variant('unauthorizedaccess-ec2-sshbruteforce', { id: id(399), severity: 9.5, updatedAt: isoMinutesAgo(1) }));
    expect((await feed.poller.pollOnce('us-east-1')).outcomes.queued).toBe(1);
    await draining;
    const order = cardFindingIds(slack);
    expect(order).toHaveLength(9);
    const critical = order.indexOf(id(399));
    expect(critical).toBeGreaterThan(1);
    expect(critical).toBeLessThanOrEqual(3); // at most the post already in flight went before it
    expect(order.filter((x) => x !== id(399))).toEqual([300, 301, 302, 303, 304, 305, 306, 307].map(id));
  });

  it('two replicas drain one channel: one holder at a time, band then age order, no duplicates', async () => {
    for (let i = 0; i < 12; i++)
      gd.put(variant('recon-ec2-portprobe-ssh', { id: id(400 + i), severity: i % 3 === 0 ? 8 : 5, updatedAt: isoMinutesAgo(60 - i) }));
    const a = feedInstance(store, slack, { owner: 'replica-a', postIntervalMs: 5 });
    const b = feedInstance(store, slack, { owner: 'replica-b', postIntervalMs: 5 });
    await Promise.all([a.poller.pollOnce('us-east-1'), b.poller.pollOnce('us-east-1')]);
    const [fromA, fromB] = await Promise.all([a.outbox.drain(CHANNEL), b.outbox.drain(CHANNEL)]);
    expect([fromA, fromB].sort((x, y) => x - y)[0]).toBe(0);
    const ids = cardFindingIds(slack);
    const high = [0, 3, 6, 9].map((i) => id(400 + i));
    const medium = [1, 2, 4, 5, 7, 8, 10, 11].map((i) => id(400 + i));
    expect(ids).toEqual([...high, ...medium]);
  });

  it('two feed processes on one table post exactly one card per finding', async () => {
    for (let i = 0; i < 30; i++)
      gd.put(variant('recon-ec2-portprobe-ssh', { id: id(100 + i), severity: 4 + (i % 6), updatedAt: isoMinutesAgo(90 - i) }));
    const a = feedInstance(store, slack, { owner: 'replica-a' });
    const b = feedInstance(store, slack, { owner: 'replica-b' });
    await Promise.all([a.poll('us-east-1'), b.poll('us-east-1'), a.poll('us-east-1')]);
    const ids = cardFindingIds(slack);
    expect(ids).toHaveLength(30);
    expect(new Set(ids).size).toBe(30);
  });

  it('only one process holds a region lease at a time', async () => {
    const a = feedInstance(store, slack, { owner: 'replica-a' });
    const b = feedInstance(store, slack, { owner: 'replica-b' });
    const now = Math.floor(Date.now() / 1000);
    expect(await store.acquireLease('feed#us-east-1', a.owner, a.poller.leaseSeconds, now)).toBe(true);
    expect(await store.acquireLease('feed#us-east-1', b.owner, b.poller.leaseSeconds, now)).toBe(false);
    expect(await store.acquireLease('feed#us-east-1', b.owner, b.poller.leaseSeconds, now + a.poller.leaseSeconds)).toBe(true);
  });

  it('HTTP 429 with Retry-After: every card is delivered exactly once, the high card first, then the medium ones oldest first', async () => {
    slack.postIntervalMs = 300;
    for (let i = 0; i < 4; i++)
      gd.put(variant('recon-ec2-portprobe-ssh', { id: id(200 + i), severity: 4 + i, updatedAt: isoMinutesAgo(30 - i) }));
    const feed = feedInstance(store, slack, { slackRetries: 5, postIntervalMs: 0 });
    await feed.poll('us-east-1');
    expect(slack.rateLimited).toBeGreaterThan(0);
    // Band first (203 is the only high one), then oldest first within the band.
    expect(cardFindingIds(slack)).toEqual([id(203), id(200), id(201), id(202)]);
  });
});
