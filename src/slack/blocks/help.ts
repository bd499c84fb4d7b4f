import type { KnownBlock } from '@slack/types';
import { HELP_EXAMPLES } from '../../domain/command';
import { mrkdwn } from './text';

export const GRAMMAR = [
  '`/guardduty findings [low|medium|high|critical] [region:&lt;region&gt;] [account:&lt;12 digits&gt;] [type:&lt;type or prefix&gt;] [archived] [unowned]`',
  '  lists findings at or above a severity (default medium), most severe first, ten a page; `unowned` leaves out those someone has taken.',
  '`/guardduty mine` lists the findings you own (Take or Assign… on a card), open ones first.',
  '`/guardduty finding &lt;id&gt; [region:&lt;region&gt;]` shows one finding in full, with its thread and proposals.',
  '`/guardduty stats [24h|7d|30d]` shows the numbers of a period (default 7d): findings by severity, account and type, time to own and to resolve, open high/critical nobody owns.',
  '`/guardduty suppressions` lists the suppression rules made with Suppress similar… on a card: criteria, expiry, who proposed and approved, matches, and whether GuardDuty still has them as approved.',
  '`/guardduty routes` shows the routing rules (ROUTES_FILE) and the fallback channel.',
  "`/guardduty routes test &lt;id&gt; [region:&lt;region&gt;]` says where that finding's card would go, and why.",
  '`/guardduty help` shows this.',
].join('\n');

export function helpBlocks(problem?: string): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  if (problem) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `:warning: ${mrkdwn(problem, 1000)}` } });
  blocks.push(
    { type: 'section', text: { type: 'mrkdwn', text: `*How to use /guardduty*\n${GRAMMAR}` } },
    { type: 'section', text: { type: 'mrkdwn', text: `*Examples*\n${HELP_EXAMPLES.map((e) => `\`${e}\``).join('\n')}` } },
  );
  return blocks;
}

/** A one-section message for errors and confirmations; `text` must already be mrkdwn-safe. */
export function noticeBlocks(text: string): KnownBlock[] {
  return [{ type: 'section', text: { type: 'mrkdwn', text: text.slice(0, 3000) } }];
}
