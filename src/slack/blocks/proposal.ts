import type { ActionsBlock, Button, KnownBlock, ModalView } from '@slack/types';
import { FINDING_ID_PATTERN, REGION_PATTERN } from '../../domain/command';
import type { Finding } from '../../domain/finding';
import { isExpired, type Proposal } from '../../domain/proposal';
import { describeRule } from '../../domain/remediation/rules';
import { DEFAULT_SOURCE_LIMITS, type SourceLimits } from '../../domain/remediation/trusted-source';
import { PLAN_DIGEST_PATTERN, shortDigest } from '../../domain/remediation/seal';
import type { IngressRule, RemediationPlan } from '../../domain/remediation/types';
import type { PlanPreview } from '../../domain/remediation/exposure';
import { PROPOSAL_ID_PATTERN, canRevert, decidedBy, type Refusal } from '../../domain/remediation/proposal-rules';
import { ACTION, BLOCK, VIEW } from '../ids';
import { LIMITS, button, code, mrkdwn, plain, truncate, userMention } from './text';

const MAX_LIST_LINES = 15;
const CHANNEL_PATTERN = /^[CGD][A-Z0-9]{2,}$/;

// ---------------------------------------------------------------- values (forgeable: decoded strictly)

export interface ProposalRef {
  findingId: string;
  proposalId: string;
  /** On Approve: the digest of the plan the message showed; the approval is bound to it. */
  planDigest?: string;
}

export function encodeProposalRef(ref: ProposalRef): string {
  return [ref.findingId, ref.proposalId, ...(ref.planDigest ? [ref.planDigest] : [])].join(' ');
}

export function decodeProposalRef(value: string | undefined): ProposalRef | undefined {
  const parts = (value ?? '').split(' ');
  const [findingId, proposalId, digest] = parts;
  if (parts.length > 3 || !findingId || !proposalId) return undefined;
  if (!FINDING_ID_PATTERN.test(findingId) || !PROPOSAL_ID_PATTERN.test(proposalId)) return undefined;
  if (digest !== undefined && !PLAN_DIGEST_PATTERN.test(digest)) return undefined;
  return { findingId, proposalId, ...(digest ? { planDigest: digest } : {}) };
}

/** What the propose modal carries in `private_metadata`: the finding and the channel the button was in. */
export interface ProposeModalMeta {
  region: string;
  findingId: string;
  channel?: string;
}

export function encodeModalMeta(meta: ProposeModalMeta): string {
  return [meta.region, meta.findingId, ...(meta.channel ? [meta.channel] : [])].join(' ');
}

export function decodeModalMeta(value: string | undefined): ProposeModalMeta | undefined {
  const parts = (value ?? '').split(' ');
  const [region, findingId, channel] = parts;
  if (parts.length > 3 || !region || !findingId || !REGION_PATTERN.test(region) || !FINDING_ID_PATTERN.test(findingId)) return undefined;
  if (channel !== undefined && !CHANNEL_PATTERN.test(channel)) return undefined;
  return { region, findingId, ...(channel ? { channel } : {}) };
}

// ---------------------------------------------------------------- small helpers

/** "2026-11-27 14:05 UTC" */
export function utc(epochS: number): string {
  return `${new Date(epochS * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) } };
}

function context(text: string): KnownBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) }] };
}

function bullets(lines: readonly string[], max = MAX_LIST_LINES): string {
  const shown = lines.slice(0, max).map((l) => `• ${l}`);
  if (lines.length > max) shown.push(`… and ${lines.length - max} more`);
  return shown.join('\n');
}

function ruleLine(rule: IngressRule): string {
  const desc = rule.description ? ` _(${mrkdwn(rule.description, 100)})_` : '';
  return `${code(rule.groupId, 40)} ${mrkdwn(describeRule(rule), 200)}${desc}`;
}

function portsText(ports: readonly number[]): string {
  return `${ports.length === 1 ? 'port' : 'ports'} ${ports.join(', ')}`;
}

function sourceList(rules: readonly IngressRule[]): string {
  return rules.map((r) => code(r.cidrIpv4 ?? r.cidrIpv6 ?? r.referencedGroupId ?? r.prefixListId ?? '?', 60)).join(', ');
}

function portKey(rule: IngressRule): string {
  return `${rule.groupId}|${rule.protocol}|${rule.fromPort}|${rule.toPort}`;
}

function portLabel(rule: IngressRule): string {
  if (rule.protocol === '-1') return 'all traffic';
  return `${mrkdwn(rule.protocol, 10)} ${rule.fromPort === rule.toPort ? rule.fromPort : `${rule.fromPort}-${rule.toPort}`}`;
}

/** One line per group and port: the sources removed → the sources added. */
export function changeLines(removed: readonly IngressRule[], added: readonly IngressRule[]): string[] {
  const keys = [...new Set([...removed, ...added].map(portKey))];
  return keys.map((key) => {
    const before = removed.filter((r) => portKey(r) === key);
    const after = added.filter((r) => portKey(r) === key);
    const sample = (before[0] ?? after[0]) as IngressRule;
    const from = before.length > 0 ? sourceList(before) : '_nothing_';
    const to = after.length > 0 ? sourceList(after) : '_removed_';
    return `${code(sample.groupId, 40)} ${portLabel(sample)} from ${from} → ${to}`;
  });
}

function subject(plan: RemediationPlan): string {
  const instance = plan.instanceId ? ` on instance ${code(plan.instanceId, 40)}` : '';
  return `${portsText(plan.ports)}${instance} (account ${code(plan.accountId, 20)}, ${mrkdwn(plan.region, 30)})`;
}

function label(p: Pick<Proposal, 'kind' | 'id'>): string {
  return `${p.kind === 'revert' ? 'Revert' : 'Fix'} ${code(p.id, 40)}`;
}

// ---------------------------------------------------------------- the propose modal

export type ModalPreview = { kind: 'loading' } | { kind: 'ready'; preview: PlanPreview } | { kind: 'error'; message: string };

export interface ProposeModalInput {
  finding: Finding;
  ports: readonly number[];
  /** TRUSTED_CIDRS */
  suggestions: readonly string[];
  metadata: string;
  preview: ModalPreview;
  limits?: SourceLimits;
}

export function proposeModal(input: ProposeModalInput): ModalView {
  const { finding, ports } = input;
  const limits = input.limits ?? DEFAULT_SOURCE_LIMITS;
  const instanceId = finding.resource.kind === 'instance' ? finding.resource.instanceId : undefined;
  const blocks: KnownBlock[] = [
    section(
      `*${mrkdwn(finding.title, 300)}*\nReplace the rules that open ${portsText(ports)}${instanceId ? ` of instance ${code(instanceId, 40)}` : ''} ` +
        `to the whole internet (0.0.0.0/0, ::/0) with rules for the networks you trust. Nothing changes until someone else approves.`,
    ),
  ];
  const p = input.preview;
  if (p.kind === 'loading') blocks.push(context(':hourglass_flowing_sand: Reading the security groups of the instance…'));
  if (p.kind === 'error') blocks.push(section(`:warning: Could not read the security groups: ${mrkdwn(p.message, 1500)}`));
  if (p.kind === 'ready') {
    const groups = p.preview.groupIds.map((g) => code(g, 40)).join(', ');
    if (p.preview.replaced.length > 0) {
      blocks.push(section(`*World-open now* (replaced by this fix) in ${groups}:\n${bullets(p.preview.replaced.map(ruleLine))}`));
    } else {
      blocks.push(section(`:information_source: No rule in ${groups} opens ${portsText(ports)} to the whole internet on its own any more.`));
    }
    if (p.preview.broader.length > 0) {
      blocks.push(section(`*Also exposes the port, not changed by this fix* (change by hand if needed):\n${bullets(p.preview.broader.map(ruleLine))}`));
    }
  }
  const suggestions = input.suggestions.filter((s) => s.trim() !== '');
  blocks.push({
    type: 'input',
    block_id: BLOCK.trustedSources,
    label: { type: 'plain_text', text: 'Trusted networks' },
    element: {
      type: 'plain_text_input',
      action_id: BLOCK.trustedSourcesInput,
      placeholder: { type: 'plain_text', text: '203.0.113.0/24, 2001:db8:1234::/48 or sg-0123456789abcdef0' },
      max_length: 1000,
      ...(suggestions.length > 0 ? { initial_value: truncate(suggestions.join(', '), 1000) } : {}),
    },
    hint: {
      type: 'plain_text',
      text: plain(
        `IPv4/IPv6 CIDRs or one security group ID, separated by commas. Nothing broader than /${limits.minPrefixV4} (IPv4) or /${limits.minPrefixV6} (IPv6).`,
        2000,
      ),
    },
  });
  if (suggestions.length > 0) {
    blocks.push(context(`Suggested (TRUSTED_CIDRS): ${suggestions.slice(0, 10).map((s) => code(s, 60)).join(', ')}`));
  }
  return {
    type: 'modal',
    callback_id: VIEW.proposeFix,
    private_metadata: input.metadata.slice(0, LIMITS.privateMetadata),
    title: { type: 'plain_text', text: plain('Propose fix', LIMITS.modalTitle) },
    submit: { type: 'plain_text', text: plain('Propose', LIMITS.modalTitle) },
    close: { type: 'plain_text', text: plain('Cancel', LIMITS.modalTitle) },
    blocks: blocks.slice(0, LIMITS.blocksPerModal),
  };
}

// ---------------------------------------------------------------- the proposal message in the thread

function statusBlock(p: Proposal, nowS: number): KnownBlock {
  const by = decidedBy(p);
  const approver = by ? userMention(by) : 'someone';
  switch (p.state) {
    case 'proposed':
      if (isExpired(p, nowS)) return section(`:hourglass: *Expired* at ${utc(p.expiresAt)} without approval. Nothing was changed; propose it again if still needed.`);
      return context(`Proposed by ${userMention(p.requester)} · approve by ${utc(p.expiresAt)} · needs a second person: an approver who did not propose it`);
    case 'executing':
      return section(`:hourglass_flowing_sand: *Approved* by ${approver} (proposed by ${userMention(p.requester)}); applying now…`);
    case 'executed':
      return section(`:white_check_mark: *Executed* by the bot · approved by ${approver} · proposed by ${userMention(p.requester)}\n${resultText(p)}`);
    case 'failed':
      return section(`:x: *Failed* · approved by ${approver} · proposed by ${userMention(p.requester)}\n${resultText(p)}`);
    case 'rejected':
      return section(`:no_entry_sign: *Rejected* by ${approver}. Nothing was changed.`);
    case 'cancelled':
      return section(`:wastebasket: *Cancelled* by ${approver}. Nothing was changed.`);
  }
}

/** What a run changed (or why it failed), mrkdwn-safe. */
export function resultText(p: Proposal): string {
  const r = p.result;
  if (!r) return '';
  const lines: string[] = [];
  if (r.error) lines.push(`*Error:* ${mrkdwn(`${r.error.code}: ${r.error.message}`, 1200)}`);
  const changed = changeLines(r.revoked, r.authorized);
  if (changed.length > 0) lines.push(`*${r.ok ? 'Changed' : 'Changed before it stopped'}:*\n${bullets(changed, 10)}`);
  else lines.push('Nothing was changed.');
  const exposed = r.stillExposed ?? [];
  if (r.ok && exposed.length > 0) {
    lines.push(`:warning: *Restricted, but ${portsText(p.plan.ports)} still reachable* through rules this fix does not change (read back, ${r.ec2Calls} EC2 calls):\n${bullets(exposed.map(ruleLine), 10)}`);
  } else if (r.ok) lines.push(`Verified by reading the groups back (${r.ec2Calls} EC2 calls).`);
  else if (r.remainingOpen.length > 0) lines.push(`*Still present:*\n${bullets(r.remainingOpen.map(ruleLine), 10)}`);
  return lines.join('\n');
}

function decisionButtons(p: Proposal): ActionsBlock {
  const value = encodeProposalRef({ findingId: p.findingId, proposalId: p.id });
  const approveValue = encodeProposalRef({ findingId: p.findingId, proposalId: p.id, ...(p.planDigest ? { planDigest: p.planDigest } : {}) });
  const removes = p.plan.revoke.length;
  const adds = p.plan.authorize.length;
  const groups = [...new Set([...p.plan.revoke, ...p.plan.authorize].map((r) => r.groupId))].join(', ');
  const approve: Button = {
    ...button('Approve', ACTION.approve, approveValue, 'primary'),
    confirm: {
      title: { type: 'plain_text', text: plain(p.kind === 'revert' ? 'Apply this revert now?' : 'Apply this fix now?', 100) },
      text: {
        type: 'plain_text',
        text: plain(`This removes ${removes} rule${removes === 1 ? '' : 's'} and adds ${adds} on ${groups} in account ${p.plan.accountId} as soon as you confirm.`, 300),
      },
      confirm: { type: 'plain_text', text: 'Approve and apply' },
      deny: { type: 'plain_text', text: 'Back' },
      style: 'primary',
    },
  };
  return {
    type: 'actions',
    block_id: 'proposal_decision',
    elements: [approve, button('Reject', ACTION.reject, value, 'danger'), button('Cancel', ACTION.cancel, value)],
  };
}

/** The proposal as shown in the finding's thread, in every state: buttons while it can be decided, the outcome after. */
export function proposalMessage(p: Proposal, nowS: number): { text: string; blocks: KnownBlock[] } {
  const plan = p.plan;
  const blocks: KnownBlock[] = [];
  if (p.kind === 'revert') {
    blocks.push(section(`:leftwards_arrow_with_hook: *Revert proposed* by ${userMention(p.requester)}: undo fix ${code(p.revertOf ?? '?', 40)} on ${subject(plan)}`));
  } else {
    const trusted = plan.trustedSources.map((s) => code(s.kind === 'cidr' ? s.cidr : s.groupId, 60)).join(', ');
    blocks.push(section(`:shield: *Fix proposed* by ${userMention(p.requester)}: restrict ${subject(plan)} to ${trusted}`));
  }
  const changes = changeLines(plan.revoke, plan.authorize);
  blocks.push(section(`*What changes (before → after)*\n${bullets(changes)}\nNo other rule is touched.`));
  if (plan.untouched.length > 0) {
    blocks.push(section(`*Not changed* (broader rules a person has to decide about):\n${bullets(plan.untouched.map((u) => `${code(u.rule.groupId, 40)} ${mrkdwn(u.reason, 300)}`))}`));
  }
  if (plan.dryRun) {
    const icon = plan.dryRun.ok ? ':white_check_mark:' : ':warning:';
    blocks.push(context(`${icon} EC2 dry run: ${mrkdwn(plan.dryRun.message, 1000)}`));
  }
  blocks.push(statusBlock(p, nowS));
  if (p.state === 'proposed' && !isExpired(p, nowS)) blocks.push(decisionButtons(p));
  if (canRevert(p)) {
    blocks.push({
      type: 'actions',
      block_id: 'proposal_revert',
      elements: [button('Revert', ACTION.revert, encodeProposalRef({ findingId: p.findingId, proposalId: p.id }))],
    });
  }
  const digest = p.planDigest ? ` · plan ${code(shortDigest(p.planDigest), 20)}` : '';
  blocks.push(context(`${label(p)}${digest} · finding ${code(p.findingId, 140)}`));
  return { text: messageText(p, nowS), blocks: blocks.slice(0, LIMITS.blocksPerMessage) };
}

function messageText(p: Proposal, nowS: number): string {
  const what = p.kind === 'revert' ? 'Revert' : 'Fix';
  const ports = portsText(p.plan.ports);
  if (p.state === 'proposed') {
    return isExpired(p, nowS) ? `${what} for ${ports} expired` : `${what} proposed by ${userMention(p.requester)} for ${ports}: needs approval`;
  }
  return `${what} for ${ports}: ${p.state}`;
}

// ---------------------------------------------------------------- outcome: thread reply and card note

/** The thread reply once a proposal left `proposed` for good. */
export function outcomeReply(p: Proposal): string {
  const by = decidedBy(p);
  const who = by ? userMention(by) : 'someone';
  switch (p.state) {
    case 'executed':
      return truncate(`:white_check_mark: ${label(p)} executed by the bot: approved by ${who}, proposed by ${userMention(p.requester)}.\n${resultText(p)}`, LIMITS.messageText);
    case 'failed':
      return truncate(`:x: ${label(p)} failed (approved by ${who}, proposed by ${userMention(p.requester)}).\n${resultText(p)}`, LIMITS.messageText);
    case 'rejected':
      return `:no_entry_sign: ${label(p)} rejected by ${who}. Nothing was changed.`;
    case 'cancelled':
      return `:wastebasket: ${label(p)} cancelled by ${who}. Nothing was changed.`;
    case 'executing':
      return `:hourglass_flowing_sand: ${label(p)} approved by ${who}; applying.`;
    case 'proposed':
      return `${label(p)} is waiting for approval.`;
  }
}

/** A line for the finding's card, or undefined when the card need not change. */
export function cardNote(p: Proposal): string | undefined {
  const by = decidedBy(p);
  const who = by ? userMention(by) : 'someone';
  const ports = portsText(p.plan.ports);
  const when = p.history.length > 0 ? ` · ${utc((p.history[p.history.length - 1] as { at: number }).at)}` : '';
  const what = p.kind === 'revert' ? `Revert of ${ports} restriction` : `Fix for ${ports}`;
  switch (p.state) {
    case 'executed':
      if ((p.result?.stillExposed ?? []).length > 0) {
        return `:warning: ${what} executed, but ${ports} still reachable through other rules · approved by ${who}, proposed by ${userMention(p.requester)}${when} · see the thread`;
      }
      return `:white_check_mark: ${what} executed · approved by ${who}, proposed by ${userMention(p.requester)}${when}`;
    case 'failed':
      return `:x: ${what} failed · approved by ${who}${when} · see the thread`;
    case 'rejected':
      return `:no_entry_sign: ${what} rejected by ${who}${when}`;
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------- history for /guardduty finding <id>

export function proposalHistory(proposals: readonly Proposal[], nowS: number): KnownBlock[] {
  if (proposals.length === 0) return [context('No fix has been proposed for this finding.')];
  const recent = proposals.slice(-10);
  const lines = recent.map((p) => {
    const state = p.state === 'proposed' && isExpired(p, nowS) ? 'expired' : p.state;
    const trail = p.history
      .slice(-6)
      .map((h) => `${h.action} ${h.actor === 'bot' ? 'by the bot' : userMention(h.actor)} ${utc(h.at)}`)
      .join(' → ');
    return `${label(p)} (${portsText(p.plan.ports)}): *${state}*\n    ${trail}`;
  });
  const more = proposals.length > recent.length ? `\n… and ${proposals.length - recent.length} older` : '';
  return [section(`*Remediation proposals*\n${lines.join('\n')}${more}`)];
}

// ---------------------------------------------------------------- refusals (ephemeral)

export function refusalText(refusal: Refusal, opts: { approversConfigured: boolean }): string {
  switch (refusal.reason) {
    case 'own-proposal':
      return ':raised_hand: You proposed this, so someone else has to decide it (two-person rule). Use Cancel to withdraw it.';
    case 'not-approver':
      return opts.approversConfigured
        ? ':lock: You are not an approver for remediations. Approvers are the users in APPROVER_USER_IDS and the members of APPROVER_USERGROUP_ID.'
        : ':lock: No approvers are configured, so nobody can approve fixes yet. Set APPROVER_USER_IDS (comma-separated Slack user IDs, e.g. U0123ABCD) or APPROVER_USERGROUP_ID and restart the bot.';
    case 'expired':
      return ':hourglass: This proposal expired without approval. Nothing was changed; propose the fix again if it is still needed.';
    case 'not-found':
      return ':grey_question: This proposal does not exist (any more).';
    case 'plan-changed':
      return ':warning: The plan changed since it was shown (its digest no longer matches this message), so nothing was approved. Ask for the fix to be proposed again and check the new message.';
    case 'tampered':
      return ':rotating_light: This proposal was altered outside the bot (it fails the bot\'s seal), so it cannot be approved. Nothing was changed. Tell your security team; propose the fix again if it is still needed.';
    case 'already-decided': {
      const by = refusal.by ? ` by ${userMention(refusal.by)}` : '';
      switch (refusal.state) {
        case 'executing':
          return `:hourglass_flowing_sand: Already approved${by}; it is being applied now.`;
        case 'executed':
          return `:white_check_mark: Already approved${by} and executed.`;
        case 'failed':
          return `:x: Already approved${by}; the run failed (see the thread).`;
        case 'rejected':
          return `:no_entry_sign: Already rejected${by}.`;
        case 'cancelled':
          return `:wastebasket: Already cancelled${by}.`;
        case 'proposed':
          return ':grey_question: The proposal changed meanwhile; try again.';
      }
      break;
    }
    case 'not-requester':
      return `:raised_hand: Only ${userMention(refusal.requester)}, who proposed it, can cancel it. Approvers can Reject it.`;
    case 'not-revertible':
      return `:information_source: ${mrkdwn(refusal.detail, 500)}`;
    case 'revert-exists':
      return `:information_source: A revert of this fix is already ${refusal.proposal.state} (${code(refusal.proposal.id, 40)}, proposed by ${userMention(refusal.proposal.requester)}).`;
  }
  return ':grey_question: Not possible.';
}
