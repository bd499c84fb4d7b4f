import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { Finding } from '../domain/finding';
import { findingCard, findingCardText, type CardOptions } from './blocks/finding-card';

export const CARD_EVENT_TYPE = 'guardduty_finding';

/** The Slack calls the feed and the listeners make about cards and threads. Takes the WebClient it uses. */
export class SlackMessenger {
  constructor(private readonly client: WebClient) {}

  /**
   * Posts a finding's card with message metadata naming the finding; returns its ts. `mention`, a user group
   * ID (S…), is put before the card's text; anything else is ignored.
   */
  async postCard(channel: string, finding: Finding, options: CardOptions, mention?: string): Promise<string> {
    const prefix = mention && /^S[A-Z0-9]+$/.test(mention) ? `<!subteam^${mention}> ` : '';
    const res = await this.client.chat.postMessage({
      channel,
      text: `${prefix}${findingCardText(finding)}`,
      blocks: findingCard(finding, options),
      unfurl_links: false,
      unfurl_media: false,
      metadata: {
        event_type: CARD_EVENT_TYPE,
        event_payload: { finding_id: finding.id, region: finding.region, account_id: finding.accountId },
      },
    });
    if (!res.ts) throw new Error('chat.postMessage returned no ts');
    return res.ts;
  }

  async updateCard(channel: string, ts: string, finding: Finding, options: CardOptions): Promise<void> {
    await this.client.chat.update({
      channel,
      ts,
      text: findingCardText(finding),
      blocks: findingCard(finding, options),
      metadata: {
        event_type: CARD_EVENT_TYPE,
        event_payload: { finding_id: finding.id, region: finding.region, account_id: finding.accountId },
      },
    });
  }

  /** `text` must already be mrkdwn-safe. */
  async postInThread(channel: string, threadTs: string, text: string, blocks?: KnownBlock[]): Promise<string> {
    const res = await this.client.chat.postMessage({
      channel,
      thread_ts: threadTs,
      text,
      blocks,
      unfurl_links: false,
      unfurl_media: false,
    });
    return res.ts ?? '';
  }

  async post(channel: string, text: string, blocks?: KnownBlock[]): Promise<string> {
    const res = await this.client.chat.postMessage({ channel, text, blocks, unfurl_links: false, unfurl_media: false });
    return res.ts ?? '';
  }

  async update(channel: string, ts: string, text: string, blocks?: KnownBlock[]): Promise<void> {
    await this.client.chat.update({ channel, ts, text, blocks });
  }

  /**
   * Looks for a card of this finding posted since `oldestS` (epoch seconds): after a crash between
   * posting and recording the ts, this finds the message instead of posting a second card.
   */
  async findCard(channel: string, findingId: string, oldestS: number): Promise<string | undefined> {
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const res = await this.client.conversations.history({
        channel,
        oldest: String(Math.max(0, oldestS - 5)),
        include_all_metadata: true,
        limit: 200,
        cursor,
      });
      for (const m of res.messages ?? []) {
        const payload: Record<string, unknown> | undefined = m.metadata?.event_payload;
        if (m.metadata?.event_type === CARD_EVENT_TYPE && payload?.['finding_id'] === findingId && m.ts) return m.ts;
      }
      cursor = res.response_metadata?.next_cursor || undefined;
      if (!res.has_more || !cursor) return undefined;
    }
    return undefined;
  }

  async deleteMessage(channel: string, ts: string): Promise<void> {
    await this.client.chat.delete({ channel, ts });
  }

  async permalink(channel: string, ts: string): Promise<string | undefined> {
    const res = await this.client.chat.getPermalink({ channel, message_ts: ts });
    return res.permalink;
  }
}
