import { DynamoStateStore } from '../../src/store/dynamo-state-store';
import { FakeGuardDuty } from '../../support/fakes/guardduty/sdk-mock';
import { variant } from '../../support/helpers/fixtures';
import { CHANNEL, feedInstance, isoMinutesAgo, useFeedWorld } from '../../support/helpers/feed-harness';
import { SlackStandIn } from '../../support/helpers/slack-stand-in';

const id = (n: number) => `mention${String(n).padStart(25, '0')}`;
const PAYMENTS = 'C0PAYMENTS1';
const ROUTES = {
  rules: [
    { accounts: ['222222222222'], channel: PAYMENTS, mention: { usergroup: 'S0PAYONCALL', minSeverity: 'high' } },
    { accounts: ['333333333333'], channel: PAYMENTS },
  ],
};

/** The `text` of each new card (not thread replies), by finding ID. */
function cardTexts(slack: SlackStandIn): Record<string, string> {
  const texts: Record<string, string> = {};
  for (const c of slack.callsTo('chat.postMessage')) {
    const findingId = (c.body.metadata as { event_payload?: { finding_id?: string } } | undefined)?.event_payload?.finding_id;
    if (findingId && c.body.thread_ts === undefined) texts[findingId] = String(c.body.text);
  }
  return texts;
}

describe("mentioning the route's user group on new cards", () => {
  let store: DynamoStateStore;
  let slack: SlackStandIn;
  let gd: FakeGuardDuty;

  const world = useFeedWorld();
  beforeEach(() => ({ store, slack, gd } = world));

  it('prefixes the new card of a finding at or above the mention band, and only that one', async () => {
    gd.put(
      variant('unauthorizedaccess-ec2-sshbruteforce', { id: id(1), severity: 8, accountId: '222222222222', updatedAt: isoMinutesAgo(30) }),
      variant('unauthorizedaccess-ec2-sshbruteforce', { id: id(2), severity: 5, accountId: '222222222222', updatedAt: isoMinutesAgo(25) }),
      variant('unauthorizedaccess-ec2-sshbruteforce', { id: id(3), severity: 8, accountId: '333333333333', updatedAt: isoMinutesAgo(20) }),
      variant('unauthorizedaccess-ec2-sshbruteforce', { id: id(4), severity: 8, accountId: '444444444444', updatedAt: isoMinutesAgo(10) }),
    );
    const feed = feedInstance(store, slack, { routes: ROUTES, regions: ['us-east-1'] });
    expect((await feed.poll('us-east-1')).outcomes).toMatchObject({ queued: 4, failed: 0 });
    await feed.queue.idle();

    const texts = cardTexts(slack);
    expect(texts[id(1)]).toMatch(/^<!subteam\^S0PAYONCALL> HIGH 8\.0: /);
    // Below the rule's mention band, a rule without a mention, and the fallback: no mention.
    for (const n of [2, 3, 4]) {
      expect(texts[id(n)]).toBeDefined();
      expect(texts[id(n)]).not.toContain('subteam');
    }
    expect(slack.callsTo('chat.postMessage').find((c) => c.body.channel === CHANNEL)?.body.text).not.toContain('subteam');

    // A new occurrence updates the card and replies in its thread: neither mentions the group again.
    gd.put(
      variant('unauthorizedaccess-ec2-sshbruteforce', {
        id: id(1),
        severity: 8,
        accountId: '222222222222',
        count: 5,
        updatedAt: isoMinutesAgo(1),
      }),
    );
    expect((await feed.poll('us-east-1')).outcomes).toMatchObject({ updated: 1 });
    await feed.queue.idle();
    const later = [...slack.callsTo('chat.update'), ...slack.callsTo('chat.postMessage').filter((c) => c.body.thread_ts !== undefined)];
    expect(later.length).toBeGreaterThanOrEqual(2);
    for (const c of later) expect(JSON.stringify(c.body)).not.toContain('subteam');
    expect(slack.callsTo('chat.postMessage').filter((c) => String(c.body.text).includes('subteam'))).toHaveLength(1);
  });
});
