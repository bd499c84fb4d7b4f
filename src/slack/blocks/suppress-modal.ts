import type { KnownBlock, ModalView, Option, PlainTextOption } from '@slack/types';
import type { Finding } from '../../domain/finding';
import {
  DEFAULT_EXPIRY_DAYS,
  EXPIRY_DAYS,
  MAX_ARCHIVED,
  REASON_MAX,
  criterionToken,
  matchCountText,
  type CriterionKey,
  type SuppressionCriterion,
} from '../../domain/remediation/containment/suppress-similar';
import { ACTION, BLOCK, VIEW } from '../ids';
import { LIMITS, code, context, mrkdwn, plain, section } from './text';

/** How many open findings the chosen criteria match now, or why it is not known. */
export type MatchPreview =
  | { kind: 'loading' }
  | { kind: 'counted'; count: number }
  | { kind: 'error'; message: string }
  /** The choice cannot make a rule (no criterion, the account alone). */
  | { kind: 'refused'; message: string };

export interface SuppressModalInput {
  finding: Finding;
  criteria: SuppressionCriterion[];
  /** The criteria ticked now. */
  selected: CriterionKey[];
  metadata: string;
  matches: MatchPreview;
}

/** Option texts are plain and cut to Slack's 75 characters; the full values are in the section above. */
function criterionOption(c: SuppressionCriterion): Option {
  return { text: { type: 'plain_text', text: plain(`${c.label}: ${c.value}`, 75) }, value: criterionToken(c) };
}

function criteriaSection(criteria: SuppressionCriterion[]): string {
  return criteria.map((c) => `*${mrkdwn(c.label, 30)}*: ${code(c.value, 300)}`).join('\n');
}

function matchesText(matches: MatchPreview): string {
  switch (matches.kind) {
    case 'loading':
      return ':hourglass_flowing_sand: Counting the open findings these criteria match (ListFindings)…';
    case 'counted':
      return matches.count === 1
        ? ':mag: *1 open finding* matches these criteria now (this one).'
        : `:mag: *${matchCountText(matches.count)} open findings* match these criteria now.`;
    case 'error':
      return `:warning: Could not count the matches: ${mrkdwn(matches.message, 500)}`;
    case 'refused':
      return `:no_entry: ${mrkdwn(matches.message, 500)}`;
  }
}

const dayOption = (days: number): PlainTextOption => ({ text: { type: 'plain_text', text: `${days} days` }, value: String(days) });

/**
 * Suppress similar…: the rule's criteria from the finding (each removable; changing them recounts the matches),
 * a reason, an expiry, whether to archive what matches now. Nothing is created until a second person approves.
 */
export function suppressModal(input: SuppressModalInput): ModalView {
  const { finding, criteria, selected, matches } = input;
  const options = criteria.map(criterionOption);
  const initial = options.filter((_, i) => criteria[i] && selected.includes(criteria[i].key));
  const blocks: KnownBlock[] = [
    section(
      `*Suppress findings like this one* (${mrkdwn(finding.type, 150)} in ${mrkdwn(finding.accountId, 20)}, ${mrkdwn(finding.region, 20)})\n` +
        'GuardDuty will archive new findings that match every criterion you keep, until the rule expires. ' +
        "Nothing is created until a second person approves the proposal in the finding's thread.",
    ),
    section(`*This finding's values*\n${criteriaSection(criteria)}`),
    {
      type: 'input',
      block_id: BLOCK.suppressCriteria,
      dispatch_action: true,
      label: { type: 'plain_text', text: 'Match findings with' },
      element: {
        type: 'checkboxes',
        action_id: ACTION.suppressCriteria,
        options,
        ...(initial.length > 0 ? { initial_options: initial } : {}),
      },
      hint: { type: 'plain_text', text: 'Untick a criterion to make the rule broader; the count below follows.' },
    },
    context(matchesText(matches)),
    {
      type: 'input',
      block_id: BLOCK.suppressReason,
      label: { type: 'plain_text', text: 'Why are these findings noise?' },
      element: {
        type: 'plain_text_input',
        action_id: BLOCK.suppressReasonInput,
        max_length: REASON_MAX,
        placeholder: { type: 'plain_text', text: 'e.g. our vulnerability scanner at 203.0.113.10' },
      },
    },
    {
      type: 'input',
      block_id: BLOCK.suppressExpiry,
      label: { type: 'plain_text', text: 'Expires after' },
      element: {
        type: 'static_select',
        action_id: BLOCK.suppressExpiryInput,
        options: EXPIRY_DAYS.map(dayOption),
        initial_option: dayOption(DEFAULT_EXPIRY_DAYS),
      },
    },
    {
      type: 'input',
      block_id: BLOCK.suppressArchive,
      optional: true,
      label: { type: 'plain_text', text: 'Findings open now' },
      element: {
        type: 'checkboxes',
        action_id: BLOCK.suppressArchiveInput,
        options: [
          {
            text: { type: 'plain_text', text: `Also archive the open findings that match now (at most ${MAX_ARCHIVED})` },
            value: 'archive',
          },
        ],
      },
    },
  ];
  return {
    type: 'modal',
    callback_id: VIEW.proposeSuppression,
    private_metadata: input.metadata.slice(0, LIMITS.privateMetadata),
    title: { type: 'plain_text', text: plain('Suppress similar', LIMITS.modalTitle) },
    submit: { type: 'plain_text', text: plain('Propose', LIMITS.modalTitle) },
    close: { type: 'plain_text', text: plain('Cancel', LIMITS.modalTitle) },
    blocks: blocks.slice(0, LIMITS.blocksPerModal),
  };
}
