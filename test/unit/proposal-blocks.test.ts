import { toFinding } from '../../src/aws/finding-mapper';
import type { Proposal, ProposalState } from '../../src/domain/proposal';
import type { IngressRule, RemediationPlan } from '../../src/domain/remediation/types';
import { cardNote, outcomeReply, proposalHistory, proposalMessage } from '../../src/slack/blocks/proposal-message';
import { proposeModal } from '../../src/slack/blocks/propose-modal';
import { refusalText } from '../../src/slack/blocks/refusals';
import { decodeModalMeta, decodeProposalRef, encodeModalMeta, encodeProposalRef } from '../../src/slack/values';
import { assertNoUnescaped, assertValidMessage, findUnescaped } from '../../support/helpers/block-kit';
import { variant } from '../../support/helpers/fixtures';

const NOW = 1_795_000_000;
const SG = 'sg-0a1b2c3d4e5f60718';
const EVIL = '<!channel> <https://evil.example|click> & `x`';

function rule(i: number, extra: Partial<IngressRule> = {}): IngressRule {
  return {
    groupId: SG,
    ruleId: `sgr-${String(i).padStart(17, '0')}`,
    protocol: 'tcp',
    fromPort: 22,
    toPort: 22,
    cidrIpv4: `10.${i % 250}.0.0/16`,
    description: EVIL,
    ...extra,
  };
}

function plan(size: number): RemediationPlan {
  return {
    playbook: 'restrict-ingress',
    findingId: 'f0123456789abcdef',
    accountId: '123456789012',
    region: 'us-east-1',
    instanceId: 'i-012345678aabbccdd',
    ports: [22],
    trustedSources: [{ kind: 'cidr', cidr: '203.0.113.0/24', version: 4 }],
    revoke: Array.from({ length: size }, (_, i) => rule(i, { cidrIpv4: '0.0.0.0/0', groupId: `sg-${String(i).padStart(17, '0')}` })),
    authorize: Array.from({ length: size }, (_, i) =>
      rule(i, { cidrIpv4: '203.0.113.0/24', groupId: `sg-${String(i).padStart(17, '0')}` }),
    ),
    untouched: Array.from({ length: size }, (_, i) => ({
      rule: rule(i, { fromPort: 0, toPort: 65535 }),
      reason: `${EVIL} also exposes port 22; not changed`,
    })),
    dryRun: { ok: false, message: EVIL.repeat(50) },
  };
}

function proposal(state: ProposalState, size = 3, extra: Partial<Proposal> = {}): Proposal {
  const p = plan(size);
  return {
    id: '0123456789abcdef',
    findingId: p.findingId,
    kind: 'remediate',
    state,
    requester: 'U0ALICE001',
    ...(state === 'executing' || state === 'executed' || state === 'failed' ? { approver: 'U0BOB00001' } : {}),
    plan: p,
    createdAt: NOW,
    expiresAt: NOW + 3600,
    channel: 'C0FIND0001',
    threadTs: '1795000000.000001',
    messageTs: '1795000000.000002',
    ...(state === 'executed' || state === 'failed'
      ? {
          result: {
            ok: state === 'executed',
            authorized: p.authorize,
            revoked: p.revoke,
            remainingOpen: state === 'failed' ? p.revoke : [],
            ec2Calls: 5,
            ...(state === 'failed' ? { error: { code: 'UnauthorizedOperation', message: EVIL.repeat(100) } } : {}),
          },
        }
      : {}),
    history: [
      { at: NOW, actor: 'U0ALICE001', action: 'proposed' },
      ...(state === 'rejected' ? [{ at: NOW + 5, actor: 'U0CAROL001', action: 'rejected' as const }] : []),
      ...(state === 'cancelled' ? [{ at: NOW + 5, actor: 'U0ALICE001', action: 'cancelled' as const }] : []),
    ],
    ...extra,
  };
}

describe('proposal message', () => {
  const states: ProposalState[] = ['proposed', 'executing', 'executed', 'failed', 'rejected', 'cancelled'];

  test.each(states)('%s: valid Block Kit and escaped, even with 200 rules and hostile descriptions', (state) => {
    for (const size of [1, 200]) {
      const { text, blocks } = proposalMessage(proposal(state, size), NOW + 10);
      assertValidMessage(blocks);
      assertNoUnescaped(blocks);
      expect(findUnescaped(text)).toBeUndefined();
      expect(JSON.stringify(blocks)).not.toContain('<!channel>');
    }
  });

  test('buttons: decision buttons only while it can be decided; Revert only after a run that changed something', () => {
    const ids = (p: Proposal, now = NOW + 10) =>
      proposalMessage(p, now).blocks.flatMap((b) =>
        b.type === 'actions' ? b.elements.map((e) => ('action_id' in e ? e.action_id : '')) : [],
      );
    expect(ids(proposal('proposed'))).toEqual(['remediation_approve', 'remediation_reject', 'remediation_cancel']);
    expect(ids(proposal('proposed'), NOW + 3600)).toEqual([]);
    expect(ids(proposal('executing'))).toEqual([]);
    expect(ids(proposal('executed'))).toEqual(['remediation_revert']);
    expect(ids(proposal('executed', 3, { kind: 'revert', revertOf: '0123456789abcdef' }))).toEqual([]);
    expect(ids(proposal('failed'))).toEqual(['remediation_revert']);
    expect(ids(proposal('rejected'))).toEqual([]);
  });

  test('outcome reply, card note and refusals are escaped and name the people', () => {
    expect(outcomeReply(proposal('executed'))).toContain('executed by the bot: approved by <@U0BOB00001>, proposed by <@U0ALICE001>.');
    expect(outcomeReply(proposal('rejected'))).toContain('rejected by <@U0CAROL001>');
    for (const s of ['executed', 'failed', 'rejected', 'cancelled'] as const) {
      expect(findUnescaped(outcomeReply(proposal(s, 200)))).toBeUndefined();
      expect(outcomeReply(proposal(s, 200)).length).toBeLessThanOrEqual(3000);
    }
    expect(cardNote(proposal('executed'))).toMatch(/^:white_check_mark: Fix for port 22 executed · approved by <@U0BOB00001>/);
    expect(cardNote(proposal('cancelled'))).toBeUndefined();
    expect(refusalText({ reason: 'already-decided', state: 'executed', by: 'U0BOB00001' }, { approversConfigured: true })).toBe(
      ':white_check_mark: Already approved by <@U0BOB00001> and executed.',
    );
    expect(refusalText({ reason: 'not-approver' }, { approversConfigured: false })).toContain('Set APPROVER_USER_IDS');
    expect(refusalText({ reason: 'already-decided', state: 'rejected', by: '<!here>' }, { approversConfigured: true })).not.toContain(
      '<!here>',
    );
  });

  test('history lists every proposal with its trail', () => {
    const blocks = proposalHistory([proposal('executed'), proposal('proposed', 1, { id: 'fedcba9876543210' })], NOW + 7200);
    assertValidMessage(blocks);
    const text = JSON.stringify(blocks);
    expect(text).toContain('*executed*');
    expect(text).toContain('*expired*');
  });
});

describe('propose modal', () => {
  test('title, submit and close within 24; private_metadata round-trips; preview escaped', () => {
    const finding = toFinding(variant('recon-ec2-portprobe-ssh', { title: `${EVIL} title` }));
    const meta = encodeModalMeta({ region: 'us-east-1', findingId: finding.id, channel: 'C0FIND0001' });
    const view = proposeModal({
      finding,
      ports: [22],
      suggestions: ['203.0.113.0/24', '2001:db8::/48'],
      metadata: meta,
      preview: {
        kind: 'ready',
        preview: {
          ports: [22],
          groupIds: [SG],
          replaced: Array.from({ length: 300 }, (_, i) => rule(i)),
          broader: [rule(1, { protocol: '-1' })],
        },
      },
    });
    for (const t of [view.title, view.submit, view.close]) expect(t?.text.length).toBeLessThanOrEqual(24);
    assertValidMessage(view.blocks, { modal: true });
    assertNoUnescaped(view.blocks);
    expect(decodeModalMeta(view.private_metadata)).toEqual({ region: 'us-east-1', findingId: finding.id, channel: 'C0FIND0001' });
  });
});

describe('button values', () => {
  test('proposal refs are decoded strictly', () => {
    const ref = { findingId: 'bbbbccccddddeeee1234567890123456', proposalId: '0123456789abcdef' };
    expect(decodeProposalRef(encodeProposalRef(ref))).toEqual(ref);
    expect(decodeProposalRef(`${ref.findingId} 0123456789abcdef-r2`)).toEqual({ ...ref, proposalId: '0123456789abcdef-r2' });
    for (const bad of [
      '',
      ref.findingId,
      `${ref.findingId} ${ref.proposalId} x`,
      `${ref.findingId} <!channel>`,
      `../x ${ref.proposalId}`,
      `${ref.findingId}  ${ref.proposalId}`,
      `${ref.findingId} 0123456789ABCDEF`,
    ]) {
      expect(decodeProposalRef(bad)).toBeUndefined();
    }
    expect(decodeModalMeta('us-east-1 <!channel>')).toBeUndefined();
    expect(decodeModalMeta('us-east-1 bbbbccccddddeeee1234567890123456 U0NOTCHAN1')).toBeUndefined();
  });
});
