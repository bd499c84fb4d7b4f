import { createHash } from 'node:crypto';
import type { ImageBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import { ChatOpsError } from '../domain/errors';
import { plain } from './blocks/text';

/** Slack's limit on an image block's alt_text. */
export const ALT_TEXT_MAX = 2000;

/** The chart was not uploaded; `message` is one line safe to show people (no URL, token or stack). */
export class ChartUploadError extends ChatOpsError {
  constructor(
    /** Slack's error code (`missing_scope`, `not_authed`, …), or the kind of failure when Slack gave none. */
    readonly reason: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('CHART_UPLOAD_FAILED', message, options);
  }
}

function safeWord(value: unknown): string | undefined {
  return typeof value === 'string' && /^[a-z0-9_.:-]{1,60}$/i.test(value) ? value : undefined;
}

/** What went wrong, said without the error's own message (it can carry the upload URL). */
export function chartUploadError(err: unknown): ChartUploadError {
  if (err instanceof ChartUploadError) return err;
  const e = err as { code?: unknown; data?: { error?: unknown; needed?: unknown }; statusCode?: unknown };
  const slackError = safeWord(e.data?.error);
  if (e.code === 'slack_webapi_platform_error' && slackError) {
    const needed = safeWord(e.data?.needed);
    const hint =
      slackError === 'missing_scope'
        ? ` (the app needs the ${needed ?? 'files:write'} scope: add it to the app's bot scopes and reinstall the app)`
        : '';
    return new ChartUploadError(slackError, `Slack refused the upload: ${slackError}${hint}.`);
  }
  if (e.code === 'slack_webapi_http_error' && typeof e.statusCode === 'number') {
    return new ChartUploadError('http_error', `Slack answered the upload with HTTP ${e.statusCode}.`);
  }
  if (e.code === 'slack_webapi_rate_limited_error') {
    return new ChartUploadError('ratelimited', 'Slack rate-limited the upload.');
  }
  const code = safeWord(e.code);
  return new ChartUploadError(code ?? 'upload_failed', `The upload did not complete${code ? ` (${code})` : ''}.`);
}

/**
 * Uploads a PNG with `files.uploadV2` (files.getUploadURLExternal, a POST of the bytes to the URL it gives, then
 * files.completeUploadExternal; needs the `files:write` scope) and returns the file's ID. Without `channelId` the
 * file is shared nowhere: only the bot sees it, and it can show it in its own blocks (an image block's
 * `slack_file`). Throws ChartUploadError.
 */
export async function uploadChart(
  client: WebClient,
  png: Buffer,
  opts: { filename: string; title: string; altText: string; channelId?: string; threadTs?: string },
): Promise<string> {
  const destination = opts.channelId
    ? opts.threadTs
      ? { channel_id: opts.channelId, thread_ts: opts.threadTs }
      : { channel_id: opts.channelId }
    : {};
  let result: unknown;
  try {
    result = await client.files.uploadV2({
      file: png,
      filename: opts.filename,
      title: opts.title,
      alt_text: opts.altText.slice(0, ALT_TEXT_MAX),
      ...destination,
    });
  } catch (err) {
    throw chartUploadError(err);
  }
  const completions = (result as { files?: { files?: { id?: unknown }[] }[] }).files ?? [];
  const id = completions.flatMap((c) => c.files ?? []).find((f) => typeof f.id === 'string')?.id;
  if (typeof id !== 'string') throw new ChartUploadError('no_file_id', 'Slack completed the upload without a file ID.');
  return id;
}

/** An image block showing a file the bot uploaded (`slack_file`: the file need not be public). */
export function chartImageBlock(fileId: string, altText: string): ImageBlock {
  return { type: 'image', slack_file: { id: fileId }, alt_text: plain(altText, ALT_TEXT_MAX) };
}

export type ChartOutcome = { fileId: string } | { error: ChartUploadError };

const HOUR_MS = 3_600_000;

interface CacheEntry {
  at: number;
  outcome: Promise<ChartOutcome>;
  /** Set once the upload has succeeded or failed. */
  settled?: ChartOutcome;
}

/**
 * One upload per (UTC hour, data digest): every view built within the hour from the same numbers shows the same
 * file, and a chart is drawn again only when the numbers change. Concurrent asks share one upload. A failure is
 * remembered for `retryMs`, so a missing scope costs one attempt a minute rather than one per view.
 */
export class ChartUploadCache {
  private readonly entries = new Map<string, CacheEntry>();

  constructor(
    private readonly retryMs = 60_000,
    private readonly maxEntries = 8,
  ) {}

  /** `upload` draws and uploads the chart of `data`, returning the file ID; it runs only when nothing is cached. */
  fileFor(data: unknown, nowMs: number, upload: () => Promise<string>): Promise<ChartOutcome> {
    const key = `${Math.floor(nowMs / HOUR_MS)}#${createHash('sha256').update(JSON.stringify(data)).digest('hex')}`;
    const hit = this.entries.get(key);
    const retry = hit?.settled && 'error' in hit.settled && nowMs - hit.at >= this.retryMs;
    return hit && !retry ? hit.outcome : this.start(key, nowMs, upload);
  }

  private start(key: string, nowMs: number, upload: () => Promise<string>): Promise<ChartOutcome> {
    const settle = (outcome: ChartOutcome): ChartOutcome => (entry.settled = outcome);
    const entry: CacheEntry = {
      at: nowMs,
      outcome: Promise.resolve()
        .then(upload)
        .then(
          (fileId) => settle({ fileId }),
          (err: unknown) => settle({ error: chartUploadError(err) }),
        ),
    };
    this.entries.delete(key);
    this.entries.set(key, entry);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return entry.outcome;
  }
}
