import type pino from 'pino';
import type { Finding } from '../domain/finding';
import type { CardRecord } from '../domain/ports';
import type { ChannelDeps } from './deps';
import { channelCardOptions } from './card-options';

/**
 * Records what someone did on a finding where the team sees it: a note on the card (kept in the store,
 * so it survives later card updates), the card re-rendered, and a line in the finding's thread (through the
 * channel's queue; not awaited, a failure is logged). `note` must already be mrkdwn-safe.
 * Returns false when the finding has no card in the channel.
 */
export async function recordOnCard(channel: ChannelDeps, finding: Finding, note: string, log: pino.Logger): Promise<boolean> {
  const record = await channel.store.addCardNote(finding.id, note);
  if (!(await redrawCard(channel, finding, record)) || !record?.channel || !record.ts) return false;
  channel.publisher
    .replyInThread(record.channel, record.ts, { text: note })
    .catch((err: unknown) => log.warn({ err, findingId: finding.id }, 'thread reply not posted'));
  return true;
}

/** Redraws the finding's card from its record; false when the finding has no card in the channel. */
export async function redrawCard(channel: ChannelDeps, finding: Finding, record: CardRecord | undefined): Promise<boolean> {
  if (!record || record.state !== 'posted' || !record.channel || !record.ts) return false;
  await channel.messenger.updateCard(record.channel, record.ts, finding, channelCardOptions(finding, record));
  return true;
}
