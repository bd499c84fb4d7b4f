import type { Finding } from '../domain/finding';
import type { ChannelDeps } from './deps';
import { channelCardOptions } from './card-options';

/**
 * Records what someone did on a finding where the team sees it: a note on the card (kept in the store,
 * so it survives later card updates), the card re-rendered, and a line in the finding's thread.
 * `note` must already be mrkdwn-safe. Returns false when the finding has no card in the channel.
 */
export async function recordOnCard(channel: ChannelDeps, finding: Finding, note: string): Promise<boolean> {
  const record = await channel.store.addCardNote(finding.id, note);
  if (!record || record.state !== 'posted' || !record.channel || !record.ts) return false;
  await channel.messenger.updateCard(record.channel, record.ts, finding, channelCardOptions(finding, record));
  await channel.messenger.postInThread(record.channel, record.ts, note);
  return true;
}
