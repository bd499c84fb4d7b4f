import type { ActionsBlock, Button, KnownBlock } from '@slack/types';
import { isExpired, type Proposal } from '../../domain/proposal';
import { canRevert, decidedBy } from '../../domain/remediation/proposal-rules';
import { stepPlaybookFor } from '../../domain/remediation/registry';
import { portsText } from '../../domain/remediation/rules';
import { shortDigest } from '../../domain/remediation/seal';
import { sourceText } from '../../domain/remediation/trusted-source';
import { isStepPlan, isStepResult } from '../../domain/remediation/steps';
import type { AnyPlan, RemediationPlan } from '../../domain/remediation/types';
import { ACTION } from '../ids';
import { encodeProposalRef } from '../values';
import { changeLines, ruleLine } from './rule-lines';
import { stepPlanBlocks, stepResultText, stepSubject } from './step-plan';
import { LIMITS, bullets, button, code, context, mrkdwn, plain, section, truncate, userMention, utc } from './text';

function subject(plan: AnyPlan): string {
  if (isStepPlan(plan)) return stepSubject(plan);
  const instance = plan.instanceId ? ` on instance ${code(plan.instanceId, 40)}` : '';
  return `${portsText(plan.ports)}${instance} (account ${code(plan.accountId, 20)}, ${mrkdwn(plan.region, 30)})`;
}

/** A few plain words for what the plan acts on: "port 22", "bucket logs". */
function whatOf(plan: AnyPlan): string {
  return isStepPlan(plan) ? mrkdwn(plan.target.label, 100) : portsText(plan.ports);
}

function kindWord(p: Pick<Proposal, 'kind'>): string {
  return p.kind === 'revert' ? 'Revert' : 'Fix';
}

function label(p: Pick<Proposal, 'kind' | 'id'>): string {
  return `${kindWord(p)} ${code(p.id, 40)}`;
}

/** Who decided it, as a mention. */
function decider(p: Proposal): string {
  const by = decidedBy(p);
  return by ? userMention(by) : 'someone';
}

// ---------------------------------------------------------------- the proposal message in the thread

function statusBlock(p: Proposal, nowS: number): KnownBlock {
  const approver = decider(p);
  switch (p.state) {
    case 'proposed':
      if (isExpired(p, nowS))
        return section(
          `:hourglass: *Expired* at ${utc(p.expiresAt)} without approval. Nothing was changed; propose it again if still needed.`,
        );
      return context(
        `Proposed by ${userMention(p.requester)} · approve by ${utc(p.expiresAt)} · needs a second person: an approver who did not propose it`,
      );
    case 'executing':
      return section(`:hourglass_flowing_sand: *Approved* by ${approver} (proposed by ${userMention(p.requester)}); applying now…`);
    case 'executed':
      return section(
        `:white_check_mark: *Executed* by the bot · approved by ${approver} · proposed by ${userMention(p.requester)}\n${resultText(p)}`,
      );
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
  if (isStepResult(r)) return stepResultText(r);
  const plan = p.plan as RemediationPlan;
  const lines: string[] = [];
  if (r.error) lines.push(`*Error:* ${mrkdwn(`${r.error.code}: ${r.error.message}`, 1200)}`);
  const changed = changeLines(r.revoked, r.authorized);
  if (changed.length > 0) lines.push(`*${r.ok ? 'Changed' : 'Changed before it stopped'}:*\n${bullets(changed, 10)}`);
  else lines.push('Nothing was changed.');
  const exposed = r.stillExposed ?? [];
  if (r.ok && exposed.length > 0) {
    lines.push(
      `:warning: *Restricted, but ${portsText(plan.ports)} still reachable* through rules this fix does not change (read back, ${r.ec2Calls} EC2 calls):\n${bullets(exposed.map(ruleLine), 10)}`,
    );
  } else if (r.ok) lines.push(`Verified by reading the groups back (${r.ec2Calls} EC2 calls).`);
  else if (r.remainingOpen.length > 0) lines.push(`*Still present:*\n${bullets(r.remainingOpen.map(ruleLine), 10)}`);
  return lines.join('\n');
}

function decisionButtons(p: Proposal): ActionsBlock {
  const value = encodeProposalRef({ findingId: p.findingId, proposalId: p.id });
  const approveValue = encodeProposalRef({
    findingId: p.findingId,
    proposalId: p.id,
    ...(p.planDigest ? { planDigest: p.planDigest } : {}),
  });
  const approve: Button = {
    ...button('Approve', ACTION.approve, approveValue, 'primary'),
    confirm: {
      title: { type: 'plain_text', text: plain(p.kind === 'revert' ? 'Apply this revert now?' : 'Apply this fix now?', 100) },
      text: {
        type: 'plain_text',
        text: plain(confirmText(p.plan), 300),
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

function confirmText(plan: AnyPlan): string {
  if (isStepPlan(plan)) {
    const n = plan.steps.length;
    return `This makes ${n} change${n === 1 ? '' : 's'} to ${plan.target.label} in account ${plan.accountId} as soon as you confirm.`;
  }
  const removes = plan.revoke.length;
  const adds = plan.authorize.length;
  const groups = [...new Set([...plan.revoke, ...plan.authorize].map((r) => r.groupId))].join(', ');
  return `This removes ${removes} rule${removes === 1 ? '' : 's'} and adds ${adds} on ${groups} in account ${plan.accountId} as soon as you confirm.`;
}

/** The proposal as shown in the finding's thread, in every state: buttons while it can be decided, the outcome after. */
export function proposalMessage(p: Proposal, nowS: number): { text: string; blocks: KnownBlock[] } {
  const plan = p.plan;
  const blocks: KnownBlock[] = [];
  if (p.kind === 'revert') {
    blocks.push(
      section(
        `:leftwards_arrow_with_hook: *Revert proposed* by ${userMention(p.requester)}: undo fix ${code(p.revertOf ?? '?', 40)} on ${subject(plan)}`,
      ),
    );
  } else if (isStepPlan(plan)) {
    const title = stepPlaybookFor(plan.playbook)?.title ?? plan.playbook;
    blocks.push(section(`:shield: *Fix proposed* by ${userMention(p.requester)}: ${mrkdwn(title, 150)}: ${subject(plan)}`));
  } else {
    const trusted = plan.trustedSources.map((s) => code(sourceText(s), 60)).join(', ');
    blocks.push(section(`:shield: *Fix proposed* by ${userMention(p.requester)}: restrict ${subject(plan)} to ${trusted}`));
  }
  if (isStepPlan(plan)) blocks.push(...stepPlanBlocks(plan));
  else blocks.push(...ingressPlanBlocks(plan));
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

function ingressPlanBlocks(plan: RemediationPlan): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  const changes = changeLines(plan.revoke, plan.authorize);
  blocks.push(section(`*What changes (before → after)*\n${bullets(changes)}\nNo other rule is touched.`));
  if (plan.untouched.length > 0) {
    blocks.push(
      section(
        `*Not changed* (broader rules a person has to decide about):\n${bullets(plan.untouched.map((u) => `${code(u.rule.groupId, 40)} ${mrkdwn(u.reason, 300)}`))}`,
      ),
    );
  }
  if (plan.dryRun) {
    const icon = plan.dryRun.ok ? ':white_check_mark:' : ':warning:';
    blocks.push(context(`${icon} EC2 dry run: ${mrkdwn(plan.dryRun.message, 1000)}`));
  }
  return blocks;
}

function messageText(p: Proposal, nowS: number): string {
  const what = kindWord(p);
  const ports = whatOf(p.plan);
  if (p.state === 'proposed') {
    return isExpired(p, nowS)
      ? `${what} for ${ports} expired`
      : `${what} proposed by ${userMention(p.requester)} for ${ports}: needs approval`;
  }
  return `${what} for ${ports}: ${p.state}`;
}

// ---------------------------------------------------------------- outcome: thread reply and card note

/** The thread reply once a proposal left `proposed` for good. */
export function outcomeReply(p: Proposal): string {
  const who = decider(p);
  switch (p.state) {
    case 'executed':
      return truncate(
        `:white_check_mark: ${label(p)} executed by the bot: approved by ${who}, proposed by ${userMention(p.requester)}.\n${resultText(p)}`,
        LIMITS.messageText,
      );
    case 'failed':
      return truncate(
        `:x: ${label(p)} failed (approved by ${who}, proposed by ${userMention(p.requester)}).\n${resultText(p)}`,
        LIMITS.messageText,
      );
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
  const who = decider(p);
  const ports = whatOf(p.plan);
  const when = p.history.length > 0 ? ` · ${utc((p.history[p.history.length - 1] as { at: number }).at)}` : '';
  const what = p.kind === 'revert' ? `Revert of ${ports} restriction` : `Fix for ${ports}`;
  switch (p.state) {
    case 'executed':
      if (p.result && !isStepResult(p.result) && (p.result.stillExposed ?? []).length > 0) {
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
    return `${label(p)} (${whatOf(p.plan)}): *${state}*\n    ${trail}`;
  });
  const more = proposals.length > recent.length ? `\n… and ${proposals.length - recent.length} older` : '';
  return [section(`*Remediation proposals*\n${lines.join('\n')}${more}`)];
}

/**
 * The thread's own decision buttons (Approve with its confirm and plan digest, Reject, Cancel), for the App Home:
 * the same action IDs and values, so the same listeners and rules decide a click from either place.
 */
export function proposalDecisionElements(p: Proposal): ActionsBlock['elements'] {
  return decisionButtons(p).elements;
}
