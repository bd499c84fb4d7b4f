import type { KnownBlock } from '@slack/types';
import type { Finding } from '../domain/finding';
import type { CardChannel, CardRecord, ChatMessage, DigestItem, Observation } from '../domain/ports';
import { activitySummary } from './blocks/activity';
import { digestBlocks, digestText } from './blocks/digest';
import { channelCardOptions } from './card-options';
import type { SlackMessenger } from './messenger';

/** The findings channel in Slack: renders cards, activity replies and digests as Block Kit. */
export class SlackCardChannel implements CardChannel {
  constructor(private readonly messenger: SlackMessenger) {}

  postCard(channel: string, finding: Finding, options: { mention?: string } = {}): Promise<string> {
    return this.messenger.postCard(channel, finding, channelCardOptions(finding), options.mention);
  }

  updateCard(channel: string, ts: string, finding: Finding, record?: CardRecord): Promise<void> {
    return this.messenger.updateCard(channel, ts, finding, channelCardOptions(finding, record));
  }

  findCard(channel: string, findingId: string, sinceS: number): Promise<string | undefined> {
    return this.messenger.findCard(channel, findingId, sinceS);
  }

  deleteMessage(channel: string, ts: string): Promise<void> {
    return this.messenger.deleteMessage(channel, ts);
  }

  postActivity(channel: string, threadTs: string, finding: Finding, before: Observation): Promise<string> {
    return this.messenger.postInThread(channel, threadTs, activitySummary(finding, before));
  }

  postInThread(channel: string, threadTs: string, message: ChatMessage): Promise<string> {
    return this.messenger.postInThread(channel, threadTs, message.text, message.blocks as KnownBlock[] | undefined);
  }

  postDigest(channel: string, digestId: string, items: readonly DigestItem[], intervalMinutes: number): Promise<string> {
    return this.messenger.post(channel, digestText(items), digestBlocks(digestId, items, intervalMinutes));
  }
}
