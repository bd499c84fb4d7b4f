import type { KnownBlock } from '@slack/types';
import type { DigestItem } from '../../domain/ports';
import { bandOf } from '../../domain/severity';
import { ACTION } from '../ids';
import { BAND_EMOJI } from './finding-card';
import { viewAccessory } from './findings-list';
import { LIMITS, mrkdwn, truncate } from './text';

const SHOWN = 10;

/**
 * A digest item, with the family's resource in a few words (`familyResourceName` of the finding) when the feed
 * gave it: "EKS cluster prod (pod kube-system/web)", "Lambda function pay:3".
 */
export type DigestRow = DigestItem & { resource?: string };

function resourcePart(item: DigestRow): string {
  const resource = typeof item.resource === 'string' ? mrkdwn(item.resource, 120) : '';
  return resource.trim() !== '' ? ` · ${resource}` : '';
}

/** One line of a digest: band, severity, title, account / region and the family's resource. */
export function digestLine(item: DigestRow): string {
  return `${BAND_EMOJI[bandOf(item.severity)]} *${item.severity.toFixed(1)}* ${mrkdwn(item.title, 200)} · ${mrkdwn(item.accountId, 20)} / ${mrkdwn(item.region, 30)}${resourcePart(item)}`;
}

export function digestText(items: readonly DigestItem[]): string {
  return `${items.length} new finding${items.length === 1 ? '' : 's'} below the posting threshold`;
}

export function digestBlocks(digestId: string, items: readonly DigestRow[], intervalMinutes: number): KnownBlock[] {
  const sorted = [...items].sort((a, b) => b.severity - a.severity);
  const band = bandOf(sorted[0]?.severity ?? 1);
  const lines = sorted.slice(0, SHOWN).map(digestLine);
  if (sorted.length > SHOWN) lines.push(`… and ${sorted.length - SHOWN} more`);
  return [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `${BAND_EMOJI[band]} *${items.length} new finding${items.length === 1 ? '' : 's'} below the posting threshold* in the last ${intervalMinutes} min`,
      },
    },
    { type: 'section', text: { type: 'mrkdwn', text: truncate(lines.join('\n'), LIMITS.sectionText) } },
    {
      type: 'actions',
      elements: [{ type: 'button', text: { type: 'plain_text', text: 'List them' }, action_id: ACTION.digestList, value: digestId }],
    },
  ];
}

const MAX_LISTED = 40;

/** "List them" on a digest: its findings, most severe first, each with a View button. */
export function digestListMessage(items: readonly DigestRow[]): { text: string; blocks: KnownBlock[] } {
  const rows = [...items]
    .sort((a, b) => b.severity - a.severity)
    .slice(0, MAX_LISTED)
    .map((i): KnownBlock => ({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `${BAND_EMOJI[bandOf(i.severity)]} *${i.severity.toFixed(1)}* ${mrkdwn(i.title, 300)}\n${mrkdwn(i.type, 200)} · ${mrkdwn(i.accountId, 20)} / ${mrkdwn(i.region, 30)}${resourcePart(i)}`,
      },
      ...viewAccessory(i.region, i.findingId),
    }));
  const more = items.length > MAX_LISTED ? ` (first ${MAX_LISTED}; use /guardduty findings low for the rest)` : '';
  return {
    text: `${items.length} findings in this digest`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${items.length} findings in this digest*${more}` } } as KnownBlock,
      ...rows,
    ].slice(0, LIMITS.blocksPerMessage),
  };
}
