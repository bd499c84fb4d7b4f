import pino from 'pino';
import { GuardDutySource } from '../../src/aws/guardduty-source';
import { DynamoStateStore } from '../../src/store/dynamo-state-store';
import { FeedPoller } from '../../src/feed/feed-poller';
import { FakeGuardDuty } from '../../support/fakes/guardduty/sdk-mock';
import { variant } from '../../support/helpers/fixtures';
import { guardDutyClients } from '../../support/helpers/bot-harness';
import { CHANNEL, feedInstance, isoMinutesAgo, type FeedInstance, useFeedWorld } from '../../support/helpers/feed-harness';
import { SlackStandIn } from '../../support/helpers/slack-stand-in';

const id = (n: number) => `idle${String(n).padStart(28, '0')}`;
const REGIONS = ['us-east-1', 'us-west-2'];

function cardFindingIds(slack: SlackStandIn): string[] {
  return slack
    .channelMessages(CHANNEL)
    .map((m) => (m.metadata as { event_payload?: { finding_id?: string } } | undefined)?.event_payload?.finding_id)
    .filter((x): x is string => typeof x === 'string');
}

describe('idle feed polls cost one ListFindings and no GetFindings, and miss nothing', () => {
  let store: DynamoStateStore;
  let slack: SlackStandIn;
  let gd: FakeGuardDuty;

  const world = useFeedWorld();
  beforeEach(() => ({ store, slack, gd } = world));

  /** The same feed with another listing lag: as if that much more time had passed since the findings' UpdatedAt. */
  function pollerWithLag(feed: FeedInstance, listingLagSeconds: number): FeedPoller {
    return new FeedPoller(
      new GuardDutySource(guardDutyClients(), REGIONS),
      store,
      feed.publisher,
      { regions: REGIONS, pollIntervalSeconds: 60, backfillHours: 24, owner: feed.owner, listingLagSeconds },
      pino({ level: 'silent' }),
    );
  }

  async function idlePollCalls(poller: FeedPoller, region: string): Promise<{ list: number; get: number }> {
    gd.resetCalls();
    const stats = await poller.pollOnce(region);
    expect(stats.outcomes).toMatchObject({ queued: 0, digest: 0, updated: 0, failed: 0 });
    return { list: gd.calls.ListFindings, get: gd.calls.GetFindings };
  }

  it('an idle poll makes exactly one ListFindings and no GetFindings per region', async () => {
    gd.put(
      variant('unauthorizedaccess-ec2-sshbruteforce', { id: id(1), severity: 8, updatedAt: isoMinutesAgo(30) }),
      variant('recon-ec2-portprobe-ssh', { id: id(2), severity: 6, updatedAt: isoMinutesAgo(30) }),
      variant('attacksequence-iam-compromisedcredentials', { id: id(3), severity: 9, region: 'us-west-2', updatedAt: isoMinutesAgo(20) }),
    );
    const feed = feedInstance(store, slack);
    for (const region of REGIONS) await feed.poll(region);
    expect(cardFindingIds(slack).sort()).toEqual([id(1), id(2), id(3)]);

    for (const region of REGIONS) {
      expect(await idlePollCalls(feed.poller, region)).toEqual({ list: 1, get: 0 });
      expect(await idlePollCalls(feed.poller, region)).toEqual({ list: 1, get: 0 });
    }
    expect(cardFindingIds(slack)).toHaveLength(3);
  });

  it('a finding updated in the same millisecond as the cursor, appearing after the cursor was recorded, is posted', async () => {
    const at = isoMinutesAgo(1);
    gd.put(variant('unauthorizedaccess-ec2-sshbruteforce', { id: id(10), severity: 8, updatedAt: at }));
    const feed = feedInstance(store, slack);
    const first = await feed.poll('us-east-1');
    expect(first.cursorMs).toBe(Date.parse(at));

    // GuardDuty shows another finding with the very same UpdatedAt only now.
    gd.put(variant('recon-ec2-portprobe-ssh', { id: id(11), severity: 6, updatedAt: at }));
    const second = await feed.poll('us-east-1');
    expect(second.outcomes).toMatchObject({ queued: 1, failed: 0 });
    expect(cardFindingIds(slack).sort()).toEqual([id(10), id(11)]);

    // Within the listing lag the millisecond stays open: its findings are read again, and nothing is posted twice.
    expect(await idlePollCalls(feed.poller, 'us-east-1')).toEqual({ list: 1, get: 1 });
    expect(await store.getCursor('us-east-1')).toBe(Date.parse(at));

    // One more arrives in that millisecond; the first listing made after the lag reads it, then closes the millisecond.
    gd.put(variant('recon-ec2-portprobe-ssh', { id: id(12), severity: 6, updatedAt: at }));
    const later = pollerWithLag(feed, 30);
    const closing = await later.pollOnce('us-east-1');
    expect(closing.outcomes).toMatchObject({ queued: 1, failed: 0 });
    expect(closing.cursorMs).toBe(Date.parse(at) + 1);
    await feed.outbox.drain(CHANNEL);
    expect(cardFindingIds(slack).sort()).toEqual([id(10), id(11), id(12)]);
    expect(await idlePollCalls(later, 'us-east-1')).toEqual({ list: 1, get: 0 });
  });

  it('a millisecond is not closed by a listing that started before the lag had passed', async () => {
    const at = isoMinutesAgo(1);
    gd.put(variant('unauthorizedaccess-ec2-sshbruteforce', { id: id(20), severity: 8, updatedAt: at }));
    const feed = feedInstance(store, slack);
    const stats = await pollerWithLag(feed, 61).pollOnce('us-east-1');
    expect(stats.cursorMs).toBe(Date.parse(at));
  });

  it('a remembered finding that recurs (newer UpdatedAt, higher count) updates its card', async () => {
    gd.put(variant('unauthorizedaccess-ec2-sshbruteforce', { id: id(30), severity: 8, count: 2, updatedAt: isoMinutesAgo(30) }));
    gd.put(variant('recon-ec2-portprobe-ssh', { id: id(31), severity: 6, count: 1, updatedAt: isoMinutesAgo(1) }));
    const feed = feedInstance(store, slack);
    await feed.poll('us-east-1');
    const closed = await store.getCard(id(30));

    // id(30) sits behind a closed millisecond, id(31) at the open cursor: both recur.
    gd.update('us-east-1', id(30), (f) => {
      f.Service = { ...f.Service, Count: 7 };
      f.UpdatedAt = isoMinutesAgo(0.5);
    });
    gd.update('us-east-1', id(31), (f) => {
      f.Service = { ...f.Service, Count: 4 };
      f.UpdatedAt = isoMinutesAgo(0.4);
    });
    const again = await feed.poll('us-east-1');
    expect(again.outcomes).toMatchObject({ queued: 0, updated: 2, failed: 0 });
    expect(cardFindingIds(slack).sort()).toEqual([id(30), id(31)]);
    const updates = slack.callsTo('chat.update');
    expect(updates.map((u) => u.body.ts)).toContain(closed?.ts);
    expect(await store.getCard(id(30))).toMatchObject({ count: 7 });
    expect(await store.getCard(id(31))).toMatchObject({ count: 4 });
  });
});
