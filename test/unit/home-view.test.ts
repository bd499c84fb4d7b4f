import type { CardRecord } from '../../src/domain/ports';
import type { Proposal } from '../../src/domain/proposal';
import type { RemediationPlan } from '../../src/domain/remediation/types';
import { HOME_BLOCKS_MAX, HOME_WAITING_MAX, homeRefusalView, homeView, type HomeModel } from '../../src/slack/blocks/home';
import { assertNoUnescaped, assertValidMessage, collectTexts } from '../../support/helpers/block-kit';

const NOW = 1_795_000_000;
const EVIL = '<!channel> <https://evil.example|click> & `x` <@U0ALICE001> *bold*';

function plan(findingId: string): RemediationPlan {
  return {
    playbook: 'restrict-ingress',
    findingId,
    accountId: '123456789012',
    region: 'us-east-1',
    instanceId: 'i-012345678aabbccdd',
    ports: [22],
    trustedSources: [{ kind: 'cidr', cidr: '203.0.113.0/24', version: 4 }],
    revoke: [],
    authorize: [],
    untouched: [],
  };
}

function proposal(i: number, requester = 'U0ALICE001'): Proposal {
  const findingId = `f${String(i).padStart(31, '0')}`;
  return {
    id: `p${String(i).padStart(15, '0')}`,
    findingId,
    kind: 'remediate',
    state: 'proposed',
    requester,
    plan: plan(findingId),
    planDigest: 'a'.repeat(64),
    createdAt: NOW - 60,
    expiresAt: NOW + 3600,
    channel: 'C0FIND0001',
    threadTs: '1795000000.000001',
    messageTs: `1795000000.${String(i).padStart(6, '0')}`,
    history: [],
  };
}

function card(i: number): CardRecord {
  return {
    findingId: `f${String(i).padStart(31, '0')}`,
    region: 'us-east-1',
    accountId: '123456789012',
    state: 'posted',
    channel: 'C0FIND0001',
    ts: `1795000000.${String(i).padStart(6, '0')}`,
    severity: 8,
    updatedAtMs: NOW * 1000,
    count: 1,
    archived: false,
    owner: 'U0BOB00001',
    status: i % 2 === 0 ? 'investigating' : 'resolved',
    ...(i % 2 === 0 ? {} : { resolution: 'false_positive' as const }),
  };
}

const info = (i: number) => ({
  title: `${EVIL} ${'long title '.repeat(100)}`,
  type: `Recon:EC2/${EVIL}`,
  severity: 8.5,
  accountId: `1234567890${String(i % 100).padStart(2, '0')}`,
  region: 'us-east-1',
});

function model(waiting: number, owned: number, accounts: number): HomeModel {
  return {
    userId: 'U0BOB00001',
    notice: ':no_entry: You proposed this fix; another approver must approve it.',
    remediationOn: true,
    waiting: Array.from({ length: waiting }, (_, i) => ({
      proposal: proposal(i, i % 3 === 0 ? 'U0BOB00001' : 'U0ALICE001'),
      canDecide: i % 3 !== 0,
      finding: info(i),
      link: `https://example.slack.com/archives/C0FIND0001/p1795000000${String(i).padStart(6, '0')}`,
    })),
    waitingMore: 0,
    ownershipOn: true,
    owned: Array.from({ length: owned }, (_, i) => ({ card: card(i), finding: info(i) })),
    ownedMore: 0,
    now: {
      counts: Array.from({ length: accounts }, (_, i) => ({
        band: i % 2 === 0 ? ('critical' as const) : ('high' as const),
        accountId: String(100000000000 + i),
        count: i + 1,
      })),
      source: `Counted by ${EVIL}`,
      sequences: Array.from({ length: 8 }, (_, i) => ({ finding: { ...info(i), updatedAt: new Date(NOW * 1000).toISOString() } })),
    },
    nowS: NOW,
  };
}

describe('homeView', () => {
  test('stays within 100 blocks and Block Kit limits, escaped, however much there is', () => {
    for (const [w, o, a] of [
      [0, 0, 0],
      [1, 1, 1],
      [HOME_WAITING_MAX, 15, 40],
      [200, 500, 400],
    ] as const) {
      const view = homeView(model(w, o, a));
      expect(view.type).toBe('home');
      expect(view.blocks.length).toBeLessThanOrEqual(HOME_BLOCKS_MAX);
      assertValidMessage(view.blocks, { home: true });
      assertNoUnescaped(view.blocks);
      const text = collectTexts(view.blocks)
        .map((t) => t.text)
        .join('\n');
      // The Now section is always there, whatever the size of the others.
      expect(text).toContain('Open findings by band and account');
      if (w > HOME_WAITING_MAX) expect(text).toContain(`… and ${w - HOME_WAITING_MAX} more waiting`);
      if (o > 15) expect(text).toContain(`… and ${o - 15} more.`);
    }
  });

  test('a proposal the person may decide offers Approve and Reject; their own offers Cancel only', () => {
    const view = homeView(model(2, 0, 0));
    const actions = view.blocks.filter((b) => b.type === 'actions') as { block_id: string; elements: { action_id: string }[] }[];
    expect(actions.map((a) => a.elements.map((e) => e.action_id))).toEqual([
      ['remediation_cancel'],
      ['remediation_approve', 'remediation_reject'],
    ]);
    expect(new Set(actions.map((a) => a.block_id)).size).toBe(actions.length);
  });

  test('a link that is not a plain https URL is shown as text', () => {
    const m = model(1, 0, 0);
    const first = m.waiting[0];
    if (!first) throw new Error('no item');
    first.link = 'javascript:alert(1)|x>';
    const text = JSON.stringify(homeView(m).blocks);
    expect(text).not.toContain('javascript:');
    expect(text).toContain('thread `1795000000.000001` in `C0FIND0001`');
  });

  test('Now shows the chart as an image of the uploaded file after the counts, or says in one line why it is missing', () => {
    const m = model(0, 0, 2);
    m.now.readAtS = NOW;
    const blocks = (chart: HomeModel['now']['chart']) => homeView({ ...m, now: { ...m.now, ...(chart ? { chart } : {}) } }).blocks;
    const withChart = blocks({ fileId: 'F0CHART0001', altText: 'Findings per day, last 14 days: 3 high' });
    const at = withChart.findIndex((b) => b.type === 'image');
    expect(withChart[at]).toEqual({ type: 'image', slack_file: { id: 'F0CHART0001' }, alt_text: 'Findings per day, last 14 days: 3 high' });
    expect(JSON.stringify(withChart[at - 1])).toContain('Open findings by band and account');

    const missing = blocks({ unavailable: `Slack refused the upload: ${EVIL}` });
    expect(missing.some((b) => b.type === 'image')).toBe(false);
    assertValidMessage(missing, { home: true });
    assertNoUnescaped(missing);
    const lines = collectTexts(missing).filter((t) => t.text.includes('chart'));
    expect(lines).toHaveLength(1);
    expect(lines[0]?.text).toMatch(/^:warning: The findings-per-day chart is not shown: Slack refused the upload: &lt;!channel&gt;/);

    const none = blocks(undefined);
    expect(none.some((b) => b.type === 'image')).toBe(false);
    expect(JSON.stringify(none)).not.toMatch(/chart/i);
    // The footer says when GuardDuty was read.
    expect(JSON.stringify(none)).toContain('Read from GuardDuty at 2026-11-18 11:06 UTC.');
  });

  test('the refusal view escapes its reason', () => {
    const view = homeRefusalView(EVIL);
    assertValidMessage(view.blocks, { home: true });
    assertNoUnescaped(view.blocks);
  });
});
