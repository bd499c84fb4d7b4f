import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import { lastDays } from '../domain/daily-counts';
import type { ChatMessage } from '../domain/ports';
import type { StatsReport } from '../domain/stats';
import type { ChannelQueue } from '../feed/channel-queue';
import type { SummaryPoster } from '../feed/weekly-summary';
import { uploadChart } from './chart-upload';

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

  /**
   * The findings-per-day chart of the summary's period, uploaded into the channel in the summary's thread (needs
   * files:write). The period starts at the slot's time of day, so its 7 days touch 8 UTC dates: all 8 are drawn.
   */
  async postChart(channel: string, threadTs: string, report: StatsReport): Promise<void> {
    const { findingsPerDayAltText } = await import('../charts/findings-per-day');
    const { renderFindingsPerDayPng } = await import('../charts/render-png');
    const toMs = report.toMs - 1;
    const days = lastDays(toMs, Math.ceil((toMs - report.fromMs) / 86_400_000) + 1, report.days);
    const title = `GuardDuty findings per day by severity, ${days[0]?.date ?? ''} to ${days[days.length - 1]?.date ?? ''} (UTC)`;
    const png = renderFindingsPerDayPng(days, title);
    await this.queue.submit(channel, 0, () =>
      uploadChart(this.client, png, {
        filename: 'findings-per-day.png',
        title,
        altText: findingsPerDayAltText(days),
        channelId: channel,
        threadTs,
      }),
    );
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
