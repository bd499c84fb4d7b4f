import type { HomeView, KnownBlock } from '@slack/types';
import { RESOLUTION_LABEL, triageOf } from '../../domain/ownership';
import type { CardRecord } from '../../domain/ports';
import type { Proposal } from '../../domain/proposal';
import { stepPlaybookFor } from '../../domain/remediation/registry';
import { isStepPlan } from '../../domain/remediation/steps';
import { portsText } from '../../domain/remediation/rules';
import { SEVERITY_BANDS, bandOf, type SeverityBand } from '../../domain/severity';
import { chartImageBlock } from '../chart-upload';
import { ACTION } from '../ids';
import { proposalDecisionElements } from './proposal-message';
import { bullets, code, context, mrkdwn, section, truncate, userMention, utc } from './text';

/** Slack's limit on the blocks of a Home tab view. */
export const HOME_BLOCKS_MAX = 100;
/** Proposals shown under "Waiting for you" (two blocks each). */
export const HOME_WAITING_MAX = 15;
/** Owned findings listed under "Yours" (one line each, in one block). */
export const HOME_OWNED_MAX = 15;
/** Attack sequences listed under "Now". */
export const HOME_SEQUENCES_MAX = 5;

/** What a finding is, as far as the Home tab shows it (from GuardDuty; absent when it could not be read). */
export interface HomeFindingInfo {
  title: string;
  type: string;
  severity: number;
  accountId: string;
  region: string;
}

export interface HomeProposalItem {
  proposal: Proposal;
  finding?: HomeFindingInfo;
  /** The thread's permalink, when Slack gave one. */
  link?: string;
  /** An approver other than the requester: Approve and Reject are offered. */
  canDecide: boolean;
}

export interface HomeOwnedItem {
  card: CardRecord;
  finding?: HomeFindingInfo;
  link?: string;
}

export interface HomeCount {
  band: SeverityBand;
  accountId: string;
  count: number;
}

export interface HomeSequence {
  finding: HomeFindingInfo & { updatedAt: string };
}

/** The findings-per-day chart: a file the bot uploaded, or why there is none (plain text, escaped when shown). */
export type HomeChart = { fileId: string; altText: string } | { unavailable: string };

export interface HomeNow {
  counts: HomeCount[];
  /** Where the counts come from, said in the section's footer. */
  source: string;
  sequences: HomeSequence[];
  /** GuardDuty could not be read (the reason, already safe for mrkdwn). */
  error?: string;
  /** Absent when the findings source cannot count findings per day. */
  chart?: HomeChart;
  /** Epoch seconds when GuardDuty was read (every Home shares the reading for a while). */
  readAtS?: number;
}

export interface HomeModel {
  userId: string;
  /** The outcome of the person's last click on this tab (mrkdwn-safe), shown at the top. */
  notice?: string;
  remediationOn: boolean;
  waiting: HomeProposalItem[];
  /** Waiting proposals left out by the limit. */
  waitingMore: number;
  ownershipOn: boolean;
  owned: HomeOwnedItem[];
  ownedMore: number;
  now: HomeNow;
  /** Epoch seconds. */
  nowS: number;
}

function header(text: string): KnownBlock {
  return { type: 'header', text: { type: 'plain_text', text } };
}

function findingLine(f: HomeFindingInfo | undefined, findingId: string): string {
  if (!f) return `finding ${code(findingId, 80)}`;
  return `*${mrkdwn(f.title, 200)}* (${code(f.type, 120)}, ${bandOf(f.severity)}) · account ${code(f.accountId, 20)} · ${mrkdwn(f.region, 30)}`;
}

function linkText(link: string | undefined, label: string, fallback: string): string {
  // Only well-formed https links become links; anything else is shown as text.
  if (link && /^https:\/\/[^\s<>|]+$/.test(link) && link.length <= 2500) return `<${link}|${label}>`;
  return fallback;
}

function whatOf(p: Proposal): string {
  const plan = p.plan;
  if (isStepPlan(plan)) return `${mrkdwn(stepPlaybookFor(plan.playbook)?.title ?? plan.playbook, 100)}: ${mrkdwn(plan.target.label, 100)}`;
  return `restrict ${portsText(plan.ports)}`;
}

function proposalBlocks(item: HomeProposalItem, index: number, nowS: number): KnownBlock[] {
  const p = item.proposal;
  const kind = p.kind === 'revert' ? 'Revert' : 'Fix';
  const thread = linkText(item.link, 'Open the thread', `thread ${code(p.threadTs, 30)} in ${code(p.channel, 30)}`);
  const who = item.canDecide ? `proposed by ${userMention(p.requester)}` : 'proposed by you: it needs another approver';
  const left = Math.max(0, Math.round((p.expiresAt - nowS) / 60));
  const text = [
    `${kind} ${code(p.id, 40)} · ${whatOf(p)}`,
    findingLine(item.finding, p.findingId),
    `${who} · approve by ${utc(p.expiresAt)} (${left} min left) · ${thread}`,
  ].join('\n');
  const wanted: string[] = item.canDecide ? [ACTION.approve, ACTION.reject] : [ACTION.cancel];
  const elements = proposalDecisionElements(p).filter((e) => 'action_id' in e && wanted.includes(String(e.action_id)));
  return [section(text), { type: 'actions', block_id: `home_proposal_${index}`, elements }];
}

function waitingBlocks(model: HomeModel): KnownBlock[] {
  const blocks: KnownBlock[] = [header('Waiting for you')];
  if (!model.remediationOn) {
    blocks.push(context('Remediation is not set up here, so nothing waits for a decision.'));
    return blocks;
  }
  if (model.waiting.length === 0) {
    blocks.push(context('No proposal is waiting for you: none you may approve, and none of yours is open.'));
    return blocks;
  }
  const shown = model.waiting.slice(0, HOME_WAITING_MAX);
  shown.forEach((item, i) => blocks.push(...proposalBlocks(item, i, model.nowS)));
  const more = model.waitingMore + model.waiting.length - shown.length;
  if (more > 0) blocks.push(context(`… and ${more} more waiting: see the finding channel's threads.`));
  return blocks;
}

function statusText(card: CardRecord): string {
  const t = triageOf(card);
  if (t.status === 'resolved') return `resolved (${t.resolution ? RESOLUTION_LABEL[t.resolution] : 'no reason'})`;
  return t.status;
}

function ownedBlocks(model: HomeModel): KnownBlock[] {
  const blocks: KnownBlock[] = [header('Yours')];
  if (!model.ownershipOn) {
    blocks.push(context('Ownership needs the state store and FINDINGS_CHANNEL; neither is set up here.'));
    return blocks;
  }
  if (model.owned.length === 0) {
    blocks.push(context('You own no finding. Take one with *Take* on its card.'));
    return blocks;
  }
  const lines = model.owned.slice(0, HOME_OWNED_MAX).map(({ card, finding, link }) => {
    const what = finding
      ? `*${mrkdwn(finding.title, 150)}* (${code(finding.type, 100)})`
      : `finding ${code(card.findingId, 80)} (${mrkdwn(card.region, 30)})`;
    const band = bandOf(card.severity);
    return `${what} · ${band} · *${statusText(card)}* · account ${code(card.accountId, 20)} · ${linkText(link, 'card', 'no card')}`;
  });
  blocks.push(section(truncate(bullets(lines, HOME_OWNED_MAX), 2900)));
  const more = model.ownedMore + Math.max(0, model.owned.length - HOME_OWNED_MAX);
  if (more > 0) blocks.push(context(`… and ${more} more.`));
  return blocks;
}

function nowBlocks(now: HomeNow): KnownBlock[] {
  const blocks: KnownBlock[] = [header('Now')];
  if (now.error) {
    blocks.push(context(`:warning: GuardDuty could not be read: ${now.error}`));
    return blocks;
  }
  const lines: string[] = [];
  for (const band of [...SEVERITY_BANDS].reverse()) {
    if (band !== 'critical' && band !== 'high') continue;
    const rows = now.counts.filter((c) => c.band === band).sort((a, b) => b.count - a.count || a.accountId.localeCompare(b.accountId));
    const total = rows.reduce((n, r) => n + r.count, 0);
    const accounts = rows
      .slice(0, 8)
      .map((r) => `${code(r.accountId, 20)} ${r.count}`)
      .join(', ');
    const more = rows.length > 8 ? `, … ${rows.length - 8} more accounts` : '';
    lines.push(`*${band === 'critical' ? 'Critical' : 'High'}*: ${total}${total > 0 ? ` (${accounts}${more})` : ''}`);
  }
  blocks.push(section(`*Open findings by band and account*\n${lines.join('\n')}`));
  if (now.chart && 'fileId' in now.chart) blocks.push(chartImageBlock(now.chart.fileId, now.chart.altText));
  else if (now.chart) blocks.push(context(`:warning: The findings-per-day chart is not shown: ${mrkdwn(now.chart.unavailable, 500)}`));
  if (now.sequences.length === 0) blocks.push(context('No open attack sequence.'));
  else {
    const seq = now.sequences.slice(0, HOME_SEQUENCES_MAX).map(({ finding: f }) => {
      const when = Number.isNaN(Date.parse(f.updatedAt)) ? '' : ` · updated ${utc(Math.floor(Date.parse(f.updatedAt) / 1000))}`;
      return `*${mrkdwn(f.title, 200)}* (${code(f.type, 100)}, ${bandOf(f.severity)}) · account ${code(f.accountId, 20)} · ${mrkdwn(f.region, 30)}${when}`;
    });
    blocks.push(section(`*Newest attack sequences*\n${bullets(seq, HOME_SEQUENCES_MAX)}`));
  }
  const readAt = now.readAtS === undefined ? '' : ` Read from GuardDuty at ${utc(now.readAtS)}.`;
  blocks.push(context(`${mrkdwn(now.source, 1000)}${readAt}`));
  return blocks;
}

/** The Home tab of one person: what waits for them, what they own, and what is open now. At most 100 blocks. */
export function homeView(model: HomeModel): HomeView {
  const blocks: KnownBlock[] = [];
  if (model.notice) blocks.push(section(model.notice));
  blocks.push(
    context(`GuardDuty ChatOps for ${userMention(model.userId)} · as of ${utc(model.nowS)} · reopen the tab to refresh`),
    ...waitingBlocks(model),
    { type: 'divider' },
    ...ownedBlocks(model),
    { type: 'divider' },
    ...nowBlocks(model.now),
  );
  return { type: 'home', blocks: blocks.slice(0, HOME_BLOCKS_MAX) };
}

/** What a person who may not use the bot sees on its Home tab: why (the reason is the access policy's own text). */
export function homeRefusalView(reason: string): HomeView {
  return {
    type: 'home',
    blocks: [header('GuardDuty ChatOps'), section(`:no_entry: ${mrkdwn(reason, 1000)}`)],
  };
}
