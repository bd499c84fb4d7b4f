import { DynamoStateStore } from '../../src/store/dynamo-state-store';
import { FakeGuardDuty } from '../../support/fakes/guardduty/sdk-mock';
import { variant } from '../../support/helpers/fixtures';
import { CHANNEL, feedInstance, isoMinutesAgo, useFeedWorld } from '../../support/helpers/feed-harness';
import { SlackStandIn } from '../../support/helpers/slack-stand-in';

const id = (n: number) => `route${String(n).padStart(27, '0')}`;
const PAYMENTS = 'C0PAYMENTS1';
const SEARCH = 'C0SEARCH01';
const ROUTES = {
  rules: [
    { accounts: ['222222222222'], channel: PAYMENTS },
    { accounts: ['333333333333'], channel: SEARCH },
  ],
};

function cardIds(slack: SlackStandIn, channel: string): string[] {
  return slack
    .channelMessages(channel)
    .map((m) => (m.metadata as { event_payload?: { finding_id?: string } } | undefined)?.event_payload?.finding_id)
    .filter((x): x is string => typeof x === 'string')
    .sort();
}

function postTimes(slack: SlackStandIn, channel: string): number[] {
  return slack
    .callsTo('chat.postMessage')
    .filter((c) => c.body.channel === channel)
    .map((c) => c.at);
}

describe('routing new cards by ROUTES_FILE', () => {
  let store: DynamoStateStore;
  let slack: SlackStandIn;
  let gd: FakeGuardDuty;

  const world = useFeedWorld();
  beforeEach(() => ({ store, slack, gd } = world));

  it("posts each account's findings in its channel and the unmatched in FINDINGS_CHANNEL; updates stay in the card's thread", async () => {
    gd.put(
      variant('unauthorizedaccess-ec2-sshbruteforce', { id: id(1), severity: 8, accountId: '222222222222', updatedAt: isoMinutesAgo(30) }),
      variant('unauthorizedaccess-ec2-sshbruteforce', { id: id(2), severity: 8, accountId: '333333333333', updatedAt: isoMinutesAgo(20) }),
      variant('unauthorizedaccess-ec2-sshbruteforce', { id: id(3), severity: 8, accountId: '444444444444', updatedAt: isoMinutesAgo(10) }),
    );
    const feed = feedInstance(store, slack, { routes: ROUTES, regions: ['us-east-1'] });
    const polled = await feed.poll('us-east-1');
    expect(polled.outcomes).toMatchObject({ queued: 3, failed: 0 });
    expect(cardIds(slack, PAYMENTS)).toEqual([id(1)]);
    expect(cardIds(slack, SEARCH)).toEqual([id(2)]);
    expect(cardIds(slack, CHANNEL)).toEqual([id(3)]);
    expect(await store.getCard(id(2))).toMatchObject({ state: 'posted', channel: SEARCH });

    // A new occurrence: the card is updated and the reply goes to its thread, in the routed channel.
    gd.put(
      variant('unauthorizedaccess-ec2-sshbruteforce', {
        id: id(2),
        severity: 8,
        accountId: '333333333333',
        count: 5,
        updatedAt: isoMinutesAgo(1),
      }),
    );
    expect((await feed.poll('us-east-1')).outcomes).toMatchObject({ updated: 1 });
    await feed.queue.idle();
    const card = await store.getCard(id(2));
    const replies = slack.callsTo('chat.postMessage').filter((c) => c.body.thread_ts !== undefined);
    expect(replies.map((c) => [c.body.channel, c.body.thread_ts])).toEqual([[SEARCH, card?.ts]]);
    expect(slack.callsTo('chat.update').map((c) => c.body.channel)).toEqual([SEARCH]);
  });

  it('keeps a queue per channel: two channels post in parallel, each at most once per interval', async () => {
    const interval = 400;
    for (let n = 0; n < 3; n++) {
      gd.put(
        variant('unauthorizedaccess-ec2-sshbruteforce', {
          id: id(10 + n),
          severity: 8,
          accountId: '222222222222',
          updatedAt: isoMinutesAgo(30 - n),
        }),
        variant('unauthorizedaccess-ec2-sshbruteforce', {
          id: id(20 + n),
          severity: 8,
          accountId: '333333333333',
          updatedAt: isoMinutesAgo(30 - n),
        }),
      );
    }
    const feed = feedInstance(store, slack, { routes: ROUTES, regions: ['us-east-1'], postIntervalMs: interval });
    const started = Date.now();
    expect((await feed.poll('us-east-1')).outcomes).toMatchObject({ queued: 6, failed: 0 });
    await feed.queue.idle();
    const elapsed = Date.now() - started;

    const payments = postTimes(slack, PAYMENTS);
    const search = postTimes(slack, SEARCH);
    expect(payments).toHaveLength(3);
    expect(search).toHaveLength(3);
    for (const times of [payments, search]) {
      for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(interval - 20);
    }
    // Side by side, not one after the other: each channel's n-th post near the other's.
    for (let i = 0; i < 3; i++) expect(Math.abs(payments[i]! - search[i]!)).toBeLessThan(interval / 2);
    // One shared queue would need five intervals for six posts; two need two.
    expect(elapsed).toBeLessThan(interval * 4);
  });
});
