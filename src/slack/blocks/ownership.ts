import type { KnownBlock } from '@slack/types';
import type { FindingsFilter } from '../../domain/command';
import type { Finding } from '../../domain/finding';
import { RESOLUTION_LABEL, RESOLUTIONS, RESOLUTION_NOTE_MAX, offersArchive, triageOf, type Resolution } from '../../domain/ownership';
import type { CardRecord } from '../../domain/ports';
import { ACTION, BLOCK } from '../ids';
import { encodeFindingRef, encodeReassignRef, encodeVersionedRef, type FindingRef } from '../values';
import { BAND_EMOJI, findingResourceLine, triageLine } from './finding-card';
import { describeFilter, viewAccessory } from './findings-list';
import { LIMITS, button, code, context, formatTime, mrkdwn, plain, section, truncate, userMention, utc } from './text';

export interface OwnershipMessage {
  text: string;
  blocks: KnownBlock[];
}

/** Rows shown by `/guardduty mine` (each row one block, within Slack's 50 a message). */
export const MINE_ROWS = 40;

const since = (s: number | undefined) => (s === undefined ? '' : ` since ${utc(s)}`);

/**
 * "Owned by <@U…> since …; Reassign?": the Reassign button's write is pinned on that owner, so of two people
 * reassigning at once one wins and the other is told who has it now. `to` is who would get it.
 */
export function ownedPrompt(ref: FindingRef, owner: string, ownedSince: number | undefined, to: string, actor: string): OwnershipMessage {
  const whom = to === actor ? 'you' : userMention(to);
  const text = `:bust_in_silhouette: This finding is owned by ${userMention(owner)}${since(ownedSince)}. Reassign it to ${whom}?`;
  return {
    text,
    blocks: [
      section(text),
      {
        type: 'actions',
        elements: [
          button(to === actor ? 'Reassign to me' : 'Reassign', ACTION.reassign, encodeReassignRef({ ...ref, from: owner, to }), 'primary'),
        ],
      },
    ],
  };
}

/** The resolve form, shown to the person only: a reason (required) and a note; its button pins the version it was shown for. */
export function resolveForm(finding: Pick<Finding, 'region' | 'id' | 'title'>, version: number): OwnershipMessage {
  const text = `Resolve ${mrkdwn(finding.title, 200)}`;
  return {
    text,
    blocks: [
      section(`*Resolve this finding*\n${mrkdwn(finding.title, 500)} (${code(finding.id, 140)})`),
      {
        type: 'input',
        block_id: BLOCK.resolveReason,
        label: { type: 'plain_text', text: 'Reason' },
        element: {
          type: 'static_select',
          action_id: BLOCK.resolveReasonInput,
          placeholder: { type: 'plain_text', text: 'Pick a reason' },
          options: RESOLUTIONS.map((r) => ({ text: { type: 'plain_text', text: plain(capitalised(r), 75) }, value: r })),
        },
      },
      {
        type: 'input',
        block_id: BLOCK.resolveNote,
        optional: true,
        label: { type: 'plain_text', text: 'Note' },
        element: {
          type: 'plain_text_input',
          action_id: BLOCK.resolveNoteInput,
          multiline: true,
          max_length: RESOLUTION_NOTE_MAX,
          placeholder: { type: 'plain_text', text: 'Why (optional): the fix, the ticket, the duplicate' },
        },
      },
      {
        type: 'actions',
        elements: [button('Resolve', ACTION.resolve, encodeVersionedRef({ region: finding.region, id: finding.id, version }), 'primary')],
      },
    ],
  };
}

/** What the person is told after resolving; for a false positive or an accepted risk, the Archive button (approvers only). */
export function resolvedMessage(finding: Pick<Finding, 'region' | 'id' | 'archived'>, reason: Resolution): OwnershipMessage {
  const text = `:white_check_mark: Resolved as ${RESOLUTION_LABEL[reason]}.`;
  const blocks: KnownBlock[] = [section(text)];
  if (offersArchive(reason) && !finding.archived) {
    blocks.push(
      section(
        'Archive it in GuardDuty too? Archiving hides it from everyone; only approvers may archive (APPROVER_USER_IDS or APPROVER_USERGROUP_ID).',
      ),
      {
        type: 'actions',
        elements: [button('Archive in GuardDuty', ACTION.archive, encodeFindingRef({ region: finding.region, id: finding.id }))],
      },
    );
  }
  return { text, blocks };
}

/** `/guardduty mine`: what the person owns, open first; rows for findings GuardDuty no longer has say so. */
export function ownedList(userId: string, owned: readonly { card: CardRecord; finding?: Finding }[]): OwnershipMessage {
  const open = owned.filter((o) => triageOf(o.card).status !== 'resolved').length;
  const heading =
    owned.length === 0
      ? `You (${userMention(userId)}) own no findings. Click *Take* on a card to own one.`
      : `You (${userMention(userId)}) own ${owned.length} finding${owned.length === 1 ? '' : 's'}: ${open} open, ${owned.length - open} resolved.`;
  const blocks: KnownBlock[] = [section(heading)];
  for (const { card, finding } of owned.slice(0, MINE_ROWS)) {
    const status = triageLine(card);
    if (!finding) {
      blocks.push(section(`${code(card.findingId, 140)} in ${mrkdwn(card.region, 30)} (no longer in GuardDuty)\n${status}`));
      continue;
    }
    const line1 = `${BAND_EMOJI[finding.band]} *${finding.severity.toFixed(1)}* ${mrkdwn(finding.title, 300)}`;
    const line2 = `${mrkdwn(finding.accountId, 20)} / ${mrkdwn(finding.region, 30)} · ${findingResourceLine(finding)}`;
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: truncate(`${line1}\n${line2}\n${status}`, LIMITS.sectionText) },
      ...viewAccessory(finding.region, finding.id),
    });
  }
  if (owned.length > MINE_ROWS) blocks.push(context(`… and ${owned.length - MINE_ROWS} more.`));
  return { text: heading, blocks: blocks.slice(0, LIMITS.blocksPerMessage) };
}

/**
 * `/guardduty findings … unowned`: the first rows nobody owns. `more`: rows beyond those shown may exist (the
 * list is not paged: narrow the filter).
 */
export function unownedList(
  filter: FindingsFilter,
  findings: readonly Finding[],
  more: boolean,
  failures: readonly { message: string }[],
): OwnershipMessage {
  const heading =
    findings.length === 0
      ? `No unowned findings ${describeFilter(filter)}.`
      : `Unowned findings ${describeFilter(filter)}, most severe first: ${findings.length}${more ? ' shown' : ' (all)'}`;
  const blocks: KnownBlock[] = [section(heading)];
  for (const f of findings) {
    const line1 = `${BAND_EMOJI[f.band]} *${f.severity.toFixed(1)}* ${mrkdwn(f.title, 300)}`;
    const line2 = `${mrkdwn(f.accountId, 20)} / ${mrkdwn(f.region, 30)} · ${findingResourceLine(f)} · last seen ${formatTime(f.lastSeen ?? f.updatedAt)}`;
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: truncate(`${line1}\n${line2}`, LIMITS.sectionText) },
      ...viewAccessory(f.region, f.id),
    });
  }
  if (more) blocks.push(context('More may be unowned: narrow the filter (a higher severity, region:, account:, type:) to see them.'));
  for (const failure of failures)
    blocks.push(context(`:warning: ${mrkdwn(failure.message, 500)} Findings from other regions are still listed.`));
  return { text: `${findings.length} unowned findings`, blocks: blocks.slice(0, LIMITS.blocksPerMessage) };
}

function capitalised(r: Resolution): string {
  const label = RESOLUTION_LABEL[r];
  return label.charAt(0).toUpperCase() + label.slice(1);
}
