import type { Button, KnownBlock, StaticSelect, UsersSelect } from '@slack/types';
import type { Finding, ResourceSummary, SequenceLink } from '../../domain/finding';
import { readSequenceLinks } from '../../domain/finding';
import { RESOLUTION_LABEL, triageOf, type TriageFields } from '../../domain/ownership';
import type { CardRecord, FeedbackCounts } from '../../domain/ports';
import { applicablePlaybooks, unavailablePlaybooks } from '../../domain/remediation/registry';
import type { SeverityBand } from '../../domain/severity';
import { ACTION } from '../ids';
import { encodeAssignBlock, encodeFindingRef, encodePlaybookRef } from '../values';
import { attackSequenceBlocks, partOfSequenceBlock, signalThreadsBlock } from './attack-sequence';
import { familyBlocks, familyResourceText } from './family-section';
import { LIMITS, button, code, formatTime, mrkdwn, plain, truncate, userMention, utc } from './text';

export const BAND_EMOJI: Record<SeverityBand, string> = {
  critical: ':red_circle:',
  high: ':large_orange_circle:',
  medium: ':large_yellow_circle:',
  low: ':large_blue_circle:',
};

const BAND_LABEL: Record<SeverityBand, string> = { critical: 'Critical', high: 'High', medium: 'Medium', low: 'Low' };

export function severityText(finding: Pick<Finding, 'band' | 'severity'>): string {
  return `${BAND_EMOJI[finding.band]} ${BAND_LABEL[finding.band]} (${finding.severity.toFixed(1)})`;
}

/** One line naming the resource, escaped. */
export function resourceLine(resource: ResourceSummary): string {
  switch (resource.kind) {
    case 'instance': {
      const name = resource.name ? ` (${mrkdwn(resource.name, 100)})` : '';
      return `Instance ${mrkdwn(resource.instanceId ?? 'unknown', 60)}${name}`;
    }
    case 'accessKey':
      return `Access key ${mrkdwn(resource.accessKeyId ?? 'unknown', 60)}${resource.userName ? ` of ${mrkdwn(resource.userName, 100)}` : ''}`;
    case 's3Bucket':
      return `S3 bucket${resource.buckets.length > 1 ? 's' : ''} ${resource.buckets
        .slice(0, 3)
        .map((b) => mrkdwn(b, 100))
        .join(', ')}${resource.buckets.length > 3 ? ` and ${resource.buckets.length - 3} more` : ''}`;
    case 'other':
      return mrkdwn(resource.resourceType, 100);
  }
}

/**
 * One line naming what the finding is about, escaped: the resource summary's line, or the family's own resource
 * (EKS cluster and workload, ECS task, RDS instance, Lambda function, S3 object) where it says more.
 */
export function findingResourceLine(finding: Pick<Finding, 'resource' | 'details'>): string {
  const base = resourceLine(finding.resource);
  const family = familyResourceText(finding.details);
  if (!family) return base;
  // An instance or access key stays named (the EKS node, the EC2 host of a process or scan); the family adds to it.
  if (finding.resource.kind === 'instance' || finding.resource.kind === 'accessKey') return `${base} · ${family}`;
  return family;
}

function resourceDetail(finding: Finding): string {
  const resource = finding.resource;
  const lines = [findingResourceLine(finding)];
  if (resource.kind === 'other' && finding.details) lines.push(`Type: ${mrkdwn(resource.resourceType, 60)}`);
  if (resource.kind === 'instance') {
    if (resource.securityGroups.length > 0) {
      const groups = resource.securityGroups.slice(0, 5).map((g) => `${mrkdwn(g.id, 40)}${g.name ? ` (${mrkdwn(g.name, 60)})` : ''}`);
      lines.push(`SG: ${groups.join(', ')}${resource.securityGroups.length > 5 ? ` +${resource.securityGroups.length - 5}` : ''}`);
    }
    if (resource.vpcId) lines.push(`VPC: ${mrkdwn(resource.vpcId, 40)}`);
    if (resource.publicIps.length > 0)
      lines.push(
        `Public IP: ${resource.publicIps
          .slice(0, 3)
          .map((ip) => mrkdwn(ip, 45))
          .join(', ')}`,
      );
  }
  if (resource.kind === 'accessKey' && resource.userType) lines.push(`Type: ${mrkdwn(resource.userType, 60)}`);
  return lines.join('\n');
}

/** Who or what acted: remote IPs with city, country and organisation, the actor's port, the API or domain, the local ports. */
export function actorText(finding: Finding): string {
  const a = finding.action;
  if (!a) return '—';
  const lines: string[] = [mrkdwn(a.actionType, 60)];
  for (const ip of a.remoteIps.slice(0, 3)) {
    const where = [ip.city, ip.country, ip.org].filter(Boolean).map((s) => mrkdwn(s, 80));
    lines.push(`${mrkdwn(ip.ip, 45)}${where.length ? ` (${where.join(', ')})` : ''}`);
  }
  if (a.remoteIps.length > 3) lines.push(`… and ${a.remoteIps.length - 3} more addresses`);
  if (a.remotePort) lines.push(`Remote port ${a.remotePort.port}${a.remotePort.name ? ` ${mrkdwn(a.remotePort.name, 30)}` : ''}`);
  if (a.localPorts.length > 0) {
    lines.push(
      `Port${a.localPorts.length > 1 ? 's' : ''} ${a.localPorts
        .slice(0, 8)
        .map((p) => `${p.port}${p.name ? ` ${mrkdwn(p.name, 30)}` : ''}`)
        .join(', ')}`,
    );
  }
  if (a.api) lines.push(`API ${mrkdwn(a.api, 100)}${a.serviceName ? ` on ${mrkdwn(a.serviceName, 100)}` : ''}`);
  if (a.domain) lines.push(`Domain ${code(a.domain, 260)}`);
  if (a.userAgent) lines.push(`User agent ${code(a.userAgent, 300)}`);
  return lines.join('\n');
}

const LISTS_SHOWN = 3;
const THREAT_NAMES_SHOWN = 5;

/** One line naming the threat lists that matched and their threat names; undefined when none did. */
export function threatIntelText(finding: Pick<Finding, 'threatIntel'>): string | undefined {
  const visible = (text: string) => text.trim() !== '';
  const lists = (finding.threatIntel ?? []).filter((list) => visible(mrkdwn(list.listName, 100)));
  if (lists.length === 0) return undefined;
  const parts = lists.slice(0, LISTS_SHOWN).map((list) => {
    const all = list.threatNames.map((name) => mrkdwn(name, 100)).filter(visible);
    const names = all.slice(0, THREAT_NAMES_SHOWN);
    const more = all.length > THREAT_NAMES_SHOWN ? ` +${all.length - THREAT_NAMES_SHOWN}` : '';
    return `${mrkdwn(list.listName, 100)}${names.length > 0 ? ` (${names.join(', ')}${more})` : ''}`;
  });
  const hidden = lists.length - LISTS_SHOWN;
  const more = hidden > 0 ? ` and ${hidden} more list${hidden > 1 ? 's' : ''}` : '';
  return `:warning: *Threat intel:* ${parts.join('; ')}${more}`;
}

/** A `*Label*\nvalue` field; a value with nothing visible (an account ID of spaces) shows as a dash, never blank. */
function field(label: string, value: string) {
  return { type: 'mrkdwn' as const, text: truncate(`*${label}*\n${value.trim() === '' ? '—' : value}`, LIMITS.fieldText) };
}

export interface CardOptions {
  /** Buttons to show; none when omitted. */
  actions?: ('propose' | 'suppress' | 'archive' | 'feedback' | 'post' | 'triage')[];
  /** Lines (already mrkdwn-safe) about what people did: "Archived by <@U…>", a remediation outcome; oldest first. */
  notes?: string[];
  /** Notes older than `notes` that are no longer kept (they were posted in the thread). */
  notesDropped?: number;
  /** Shown as one line of counts: feedback never takes a note's place. */
  feedback?: FeedbackCounts;
  /** A permalink to the finding's thread, shown when the card is answered elsewhere. */
  threadLink?: string;
  /** Owner and status from the card record; shown as one line when given (or with the `triage` buttons). */
  triage?: TriageFields;
  /** Attack sequences this finding is a signal of, with their threads (kept on the card record by the feed). */
  partOf?: SequenceLink[];
  /** This attack sequence's signals that have cards of their own, with their threads (kept on the card record). */
  signalThreads?: SequenceLink[];
}

/** At most as many notes as the store keeps (20): with the other blocks, well within Slack's 50 a message. */
const NOTES_SHOWN = 20;

/** The thread links the feed keeps on a card record (card-publisher.ts), read loosely: anything malformed is left out. */
interface CardLinkFields {
  partOfSequences?: unknown;
  signalThreads?: unknown;
}

/** The audit part of a card's options from its record: notes, how many older ones were dropped, feedback counts. */
export function cardHistory(
  record?: Pick<CardRecord, 'notes' | 'notesTotal' | 'feedback' | keyof TriageFields> & CardLinkFields,
): Pick<CardOptions, 'notes' | 'notesDropped' | 'feedback' | 'triage' | 'partOf' | 'signalThreads'> {
  const notes = record?.notes ?? [];
  return {
    partOf: readSequenceLinks(record?.partOfSequences),
    signalThreads: readSequenceLinks(record?.signalThreads),
    notes,
    notesDropped: Math.max(0, (record?.notesTotal ?? notes.length) - notes.length),
    feedback: record?.feedback,
    triage: record && {
      owner: record.owner,
      ownedSince: record.ownedSince,
      status: record.status,
      statusSince: record.statusSince,
      statusBy: record.statusBy,
      resolution: record.resolution,
      resolutionNote: record.resolutionNote,
      triageVersion: record.triageVersion,
    },
  };
}

/** "Owner <@U…> since … · Investigating since …", or resolved with its reason and note; escaped. */
export function triageLine(fields: TriageFields | undefined): string {
  const t = triageOf(fields);
  const since = (s: number | undefined) => (s === undefined ? '' : ` since ${utc(s)}`);
  const owner = t.owner ? `:bust_in_silhouette: Owner ${userMention(t.owner)}${since(t.ownedSince)}` : ':bust_in_silhouette: No owner';
  if (t.status === 'resolved') {
    const reason = t.resolution ? ` as *${RESOLUTION_LABEL[t.resolution]}*` : '';
    const by = t.statusBy ? ` by ${userMention(t.statusBy)}` : '';
    const when = t.statusSince === undefined ? '' : ` at ${utc(t.statusSince)}`;
    const note = t.resolutionNote ? `: ${mrkdwn(t.resolutionNote, 500)}` : '';
    return `${owner} · :white_check_mark: Resolved${reason}${by}${when}${note}`;
  }
  if (t.status === 'investigating') return `${owner} · :mag: Investigating${since(t.statusSince)}`;
  return `${owner} · :new: New`;
}

/** Take, Resolve… (or Reopen once resolved), and the Assign… menu in a block of its own (its block ID names the finding). */
function triageElements(finding: Finding, fields: TriageFields | undefined): { buttons: Button[]; assign?: KnownBlock } {
  const ref = encodeFindingRef({ region: finding.region, id: finding.id });
  if (triageOf(fields).status === 'resolved') return { buttons: [button('Reopen', ACTION.reopen, ref)] };
  const menu: UsersSelect = {
    type: 'users_select',
    action_id: ACTION.assign,
    placeholder: { type: 'plain_text', text: 'Assign…' },
  };
  return {
    buttons: [button('Take', ACTION.take, ref, 'primary'), button('Resolve…', ACTION.resolveForm, ref)],
    assign: { type: 'actions', block_id: encodeAssignBlock({ region: finding.region, id: finding.id }), elements: [menu] },
  };
}

function historyBlocks(options: CardOptions): KnownBlock[] {
  const lines: string[] = [];
  const { useful = 0, notUseful = 0 } = options.feedback ?? {};
  if (useful + notUseful > 0) lines.push(`:speech_balloon: Feedback: ${useful} useful, ${notUseful} not useful`);
  const notes = options.notes ?? [];
  const hidden = (options.notesDropped ?? 0) + Math.max(0, notes.length - NOTES_SHOWN);
  if (hidden > 0) lines.push(`:scroll: ${hidden} earlier ${hidden === 1 ? 'entry is' : 'entries are'} in the thread`);
  lines.push(...notes.slice(-NOTES_SHOWN).map((note) => note.slice(0, LIMITS.sectionText)));
  return lines.map((text) => ({ type: 'context', elements: [{ type: 'mrkdwn', text }] }));
}

function safeUrl(url: string): string | undefined {
  return /^https:\/\/[^\s<>|]+$/.test(url) && url.length <= LIMITS.url ? url : undefined;
}

/** The full card for one finding: pure, escaped, within Block Kit's limits whatever the finding holds. */
export function findingCard(finding: Finding, options: CardOptions = {}): KnownBlock[] {
  const ref = encodeFindingRef({ region: finding.region, id: finding.id });
  const status = finding.archived ? ':file_cabinet: Archived' : ':eyes: Active';
  const blocks: KnownBlock[] = [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: plain(`${finding.band.toUpperCase()} ${finding.severity.toFixed(1)} · ${finding.title}`, LIMITS.headerText),
        emoji: false,
      },
    },
    {
      type: 'section',
      fields: [
        field('Type', mrkdwn(finding.type, 300)),
        field('Severity', severityText(finding)),
        field('Account', mrkdwn(finding.accountId, 40)),
        field('Region', mrkdwn(finding.region, 40)),
        field('Resource', resourceDetail(finding)),
        field('Actor', actorText(finding)),
        field('Count', String(finding.count)),
        field('Status', status),
        field('First seen', formatTime(finding.firstSeen ?? finding.createdAt)),
        field('Last seen', formatTime(finding.lastSeen ?? finding.updatedAt)),
      ],
    },
  ];
  const description = mrkdwn(finding.description, LIMITS.sectionText);
  if (description.trim() !== '') blocks.push({ type: 'section', text: { type: 'mrkdwn', text: description } });
  const intel = threatIntelText(finding);
  if (intel) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: truncate(intel, LIMITS.sectionText) } });
  const partOf = partOfSequenceBlock(options.partOf ?? []);
  if (partOf) blocks.push(partOf);
  blocks.push(...familyBlocks(finding));
  if (finding.sequence) {
    blocks.push(...attackSequenceBlocks(finding.sequence, finding.description));
    const threads = signalThreadsBlock(finding.sequence, options.signalThreads ?? []);
    if (threads) blocks.push(threads);
  }
  const withTriage = (options.actions ?? []).includes('triage');
  if (withTriage || options.triage) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: triageLine(options.triage) }] });
  blocks.push(...historyBlocks(options));
  if (options.threadLink && safeUrl(options.threadLink)) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: `:thread: <${options.threadLink.replace(/&/g, '&amp;')}|Open the finding's thread>` },
    });
  }
  const elements: (Button | StaticSelect)[] = [];
  const console = safeUrl(finding.consoleUrl);
  if (console) {
    elements.push({ ...button('Open in console', ACTION.openConsole, ref), url: console });
  }
  const triage = withTriage ? triageElements(finding, options.triage) : undefined;
  for (const a of options.actions ?? []) {
    if (a === 'triage' && triage) elements.push(...triage.buttons);
    if (a === 'post') elements.push(button('Post to channel', ACTION.postToChannel, ref, 'primary'));
    if (a === 'propose') elements.push(...proposeElements(finding));
    if (a === 'suppress') elements.push(button('Suppress similar…', ACTION.suppressSimilar, ref));
    if (a === 'archive' && !finding.archived) elements.push(button('Archive', ACTION.archive, ref));
    if (a === 'feedback') {
      elements.push(button('Useful', ACTION.feedbackUseful, ref), button('Not useful', ACTION.feedbackNotUseful, ref));
    }
  }
  const fixes = (options.actions ?? []).includes('propose') ? playbooksLine(finding) : undefined;
  if (fixes) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: fixes }] });
  if (elements.length > 0) blocks.push({ type: 'actions', block_id: 'finding_actions', elements });
  if (triage?.assign) blocks.push(triage.assign);
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `Finding ${code(finding.id, 140)} · updated ${formatTime(finding.updatedAt)}` }],
  });
  return blocks.slice(0, LIMITS.blocksPerMessage);
}

/**
 * Propose fix for the playbook that fits, or a menu to choose when several do (one action per block may use an
 * action ID). Each value names its playbook.
 */
export function proposeElements(finding: Finding, playbooks = applicablePlaybooks(finding)): (Button | StaticSelect)[] {
  const value = (id: string) => encodePlaybookRef({ region: finding.region, id: finding.id, playbook: id });
  const [only] = playbooks;
  if (playbooks.length === 0 || !only) return [];
  if (playbooks.length === 1) return [button('Propose fix', ACTION.proposeFix, value(only.id), 'primary')];
  return [
    {
      type: 'static_select',
      action_id: ACTION.proposeFix,
      placeholder: { type: 'plain_text', text: 'Propose fix…' },
      options: playbooks.slice(0, 10).map((p) => ({ text: { type: 'plain_text', text: plain(p.title, 75) }, value: value(p.id) })),
    },
  ];
}

/** "Fixes: Restrict port · Isolate instance": which playbooks apply, shown with the buttons. */
export function playbooksLine(finding: Finding): string | undefined {
  const playbooks = applicablePlaybooks(finding);
  const lines = unavailablePlaybooks(finding).map((p) => `:no_entry: ${mrkdwn(p.title, 100)}: ${mrkdwn(p.reason, 300)}`);
  if (playbooks.length > 0)
    lines.unshift(`:hammer_and_wrench: Fixes with a second person's approval: ${playbooks.map((p) => mrkdwn(p.title, 100)).join(' · ')}`);
  return lines.length > 0 ? lines.join('\n') : undefined;
}

/** Notification text for the card (also parsed as mrkdwn by Slack, so escaped). */
export function findingCardText(finding: Finding): string {
  return mrkdwn(`${finding.band.toUpperCase()} ${finding.severity.toFixed(1)}: ${finding.title}`, 300);
}
