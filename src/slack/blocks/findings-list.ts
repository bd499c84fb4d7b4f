import type { Button, KnownBlock } from '@slack/types';
import type { FindingsFilter } from '../../domain/command';
import type { FindingsListing } from '../../domain/list-findings';
import { PAGE_SIZE } from '../../domain/list-findings';
import { ACTION } from '../ids';
import { decodeFindingRef, encodeFindingRef, encodePage } from '../values';
import { BAND_EMOJI, findingResourceLine } from './finding-card';
import { LIMITS, button, code, formatTime, mrkdwn, plain, truncate } from './text';

export function describeFilter(filter: FindingsFilter): string {
  const parts = [`at or above *${filter.band}*`];
  if (filter.region) parts.push(`in ${mrkdwn(filter.region, 30)}`);
  if (filter.accountId) parts.push(`in account ${mrkdwn(filter.accountId, 20)}`);
  if (filter.typeFilter) parts.push(`of type ${code(filter.typeFilter, 120)}`);
  parts.push(filter.archived ? '(archived)' : '(not archived)');
  return parts.join(' ');
}

/** One page of the `/guardduty findings` answer: a row per finding with a View button, and Next. */
export function findingsList(filter: FindingsFilter, listing: FindingsListing): KnownBlock[] {
  const first = listing.page * PAGE_SIZE + 1;
  const heading =
    listing.findings.length === 0
      ? `No findings ${describeFilter(filter)}.`
      : `Findings ${describeFilter(filter)}, most severe first: ${first}–${first + listing.findings.length - 1}${listing.hasMore ? '' : ' (all)'}`;
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: heading } }];
  for (const f of listing.findings) {
    const line1 = `${BAND_EMOJI[f.band]} *${f.severity.toFixed(1)}* ${mrkdwn(f.title, 300)}`;
    const line2 = `${mrkdwn(f.accountId, 20)} / ${mrkdwn(f.region, 30)} · ${findingResourceLine(f)} · last seen ${formatTime(f.lastSeen ?? f.updatedAt)}${f.archived ? ' · archived' : ''}`;
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: truncate(`${line1}\n${line2}`, LIMITS.sectionText) },
      ...viewAccessory(f.region, f.id),
    });
  }
  for (const failure of listing.failures) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `:warning: ${mrkdwn(failure.message, 500)} Findings from other regions are still listed.` }],
    });
  }
  if (listing.hasMore) {
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          text: { type: 'plain_text', text: plain(`Next ${PAGE_SIZE}`, LIMITS.buttonText) },
          action_id: ACTION.nextPage,
          value: encodePage(filter, listing.page + 1),
        },
      ],
    });
  }
  return blocks.slice(0, LIMITS.blocksPerMessage);
}

/** A View button for the finding, unless its region or ID is not well-formed (it could not be looked up again). */
export function viewAccessory(region: string, id: string): { accessory?: Button } {
  const ref = encodeFindingRef({ region, id });
  return decodeFindingRef(ref) ? { accessory: button('View', ACTION.viewFinding, ref) } : {};
}
