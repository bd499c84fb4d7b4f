import { randomUUID } from 'node:crypto';
import type { KnownBlock } from '@slack/types';
import type pino from 'pino';
import type { DigestItem, StateStore } from '../domain/ports';
import { BAND_EMOJI } from '../slack/blocks/finding-card';
import { LIMITS, mrkdwn, truncate } from '../slack/blocks/text';
import { ACTION } from '../slack/ids';
import type { SlackMessenger } from '../slack/messenger';
import { bandOf } from '../domain/severity';
import type { ChannelQueue } from './channel-queue';

export const DIGEST_LEASE = 'digest';
const SHOWN = 10;
const nowS = () => Math.floor(Date.now() / 1000);

export function digestBlocks(digestId: string, items: readonly DigestItem[], intervalMinutes: number): KnownBlock[] {
  const sorted = [...items].sort((a, b) => b.severity - a.severity);
  const band = bandOf(sorted[0]?.severity ?? 1);
  const lines = sorted
    .slice(0, SHOWN)
    .map((i) => `${BAND_EMOJI[bandOf(i.severity)]} *${i.severity.toFixed(1)}* ${mrkdwn(i.title, 200)} · ${mrkdwn(i.accountId, 20)} / ${mrkdwn(i.region, 30)}`);
  if (sorted.length > SHOWN) lines.push(`… and ${sorted.length - SHOWN} more`);
  return [
    {
      type: 'section',
      text: { type: 'mrkdwn', text: `${BAND_EMOJI[band]} *${items.length} new finding${items.length === 1 ? '' : 's'} below the posting threshold* in the last ${intervalMinutes} min` },
    },
    { type: 'section', text: { type: 'mrkdwn', text: truncate(lines.join('\n'), LIMITS.sectionText) } },
    {
      type: 'actions',
      elements: [{ type: 'button', text: { type: 'plain_text', text: 'List them' }, action_id: ACTION.digestList, value: digestId }],
    },
  ];
}

/** At most one digest message per interval for findings below POST_MIN_SEVERITY (one process at a time). */
export class DigestPublisher {
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<void>;

  constructor(
    private readonly store: StateStore,
    private readonly messenger: SlackMessenger,
    private readonly queue: ChannelQueue,
    private readonly options: { channel: string; intervalMinutes: number; owner: string },
    private readonly logger: pino.Logger,
  ) {}

  /** Posts the pending items as one digest, if there are any. Returns how many were summed up. */
  async publishOnce(): Promise<number> {
    const { channel, owner, intervalMinutes } = this.options;
    if (!(await this.store.acquireLease(DIGEST_LEASE, owner, intervalMinutes * 60, nowS()))) return 0;
    const items = await this.store.listDigestItems(channel);
    if (items.length === 0) return 0;
    const digestId = randomUUID();
    const text = `${items.length} new finding${items.length === 1 ? '' : 's'} below the posting threshold`;
    await this.queue.submit(channel, 0, () => this.messenger.post(channel, text, digestBlocks(digestId, items, intervalMinutes)));
    // Posted first, closed second: a crash in between repeats these items in the next digest, never drops them.
    await this.store.closeDigest(channel, digestId, items, nowS());
    return items.length;
  }

  start(): void {
    this.timer = setInterval(() => {
      this.inFlight = this.publishOnce().then(
        (n) => void (n > 0 && this.logger.info({ findings: n }, 'digest posted')),
        (err: unknown) => this.logger.warn({ err }, 'digest not posted; will retry next interval'),
      );
    }, this.options.intervalMinutes * 60_000);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.inFlight;
  }
}
