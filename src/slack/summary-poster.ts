import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { ChatMessage } from '../domain/ports';
import type { ChannelQueue } from '../feed/channel-queue';
import type { SummaryPoster } from '../feed/weekly-summary';

export const SUMMARY_EVENT_TYPE = 'guardduty_summary';

/** Posts periodic summaries through the channel's queue (1 message a second), marked with their slot for recovery. */
export class SlackSummaryPoster implements SummaryPoster {
  constructor(
    private readonly client: WebClient,
    private readonly queue: ChannelQueue,
  ) {}

  postSummary(channel: string, slotS: number, message: ChatMessage): Promise<string> {
    return this.queue.submit(channel, 0, async () => {
      const res = await this.client.chat.postMessage({
        channel,
        text: message.text,
        ...(message.blocks ? { blocks: message.blocks as KnownBlock[] } : {}),
        unfurl_links: false,
        unfurl_media: false,
        metadata: { event_type: SUMMARY_EVENT_TYPE, event_payload: { slot: slotS } },
      });
      if (!res.ts) throw new Error('chat.postMessage returned no ts');
      return res.ts;
    });
  }

  /** The ts of this slot's summary posted since `sinceS` (epoch seconds), after a holder stopped between posting and recording it. */
  async findSummary(channel: string, slotS: number, sinceS: number): Promise<string | undefined> {
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const res = await this.client.conversations.history({
        channel,
        oldest: String(Math.max(0, sinceS - 5)),
        include_all_metadata: true,
        limit: 200,
        cursor,
      });
      for (const m of res.messages ?? []) {
        const payload: Record<string, unknown> | undefined = m.metadata?.event_payload;
        if (m.metadata?.event_type === SUMMARY_EVENT_TYPE && payload?.['slot'] === slotS && m.ts) return m.ts;
      }
      cursor = res.response_metadata?.next_cursor || undefined;
      if (!res.has_more || !cursor) return undefined;
    }
    return undefined;
  }
}
