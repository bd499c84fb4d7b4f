import type { KnownBlock } from '@slack/types';
import type { DigestItem } from '../../domain/ports';
import { bandOf } from '../../domain/severity';
import { ACTION } from '../ids';
import { BAND_EMOJI } from './finding-card';
import { LIMITS, mrkdwn, truncate } from './text';

const SHOWN = 10;

export function digestText(items: readonly DigestItem[]): string {
  return `${items.length} new finding${items.length === 1 ? '' : 's'} below the posting threshold`;
}

export function digestBlocks(digestId: string, items: readonly DigestItem[], intervalMinutes: number): KnownBlock[] {
  const sorted = [...items].sort((a, b) => b.severity - a.severity);
  const band = bandOf(sorted[0]?.severity ?? 1);
  const lines = sorted
    .slice(0, SHOWN)
    .map(
      (i) =>
        `${BAND_EMOJI[bandOf(i.severity)]} *${i.severity.toFixed(1)}* ${mrkdwn(i.title, 200)} · ${mrkdwn(i.accountId, 20)} / ${mrkdwn(i.region, 30)}`,
    );
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
