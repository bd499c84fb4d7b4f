import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ApiCall {
  method: string;
  body: Record<string, unknown>;
  /** Epoch ms when the stand-in received it. */
  at: number;
}

export interface ResponseUrlPost {
  path: string;
  body: Record<string, unknown>;
}

type Handler = (
  body: Record<string, unknown>,
  call: ApiCall,
) => Record<string, unknown> | { status: number; headers?: Record<string, string>; body: Record<string, unknown> };

function parseBody(raw: string, type: string | undefined): Record<string, unknown> {
  if (!raw) return {};
  if (type?.includes('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    out[k] = /^[[{]/.test(v) ? safeJson(v) : v;
  }
  return out;
}

function safeJson(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

function read(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The file's bytes from an upload POST: the first file part of a multipart form (as the WebClient sends it), else the raw body. */
async function uploadedBytes(raw: Buffer, type: string | undefined): Promise<Buffer> {
  if (!type?.startsWith('multipart/form-data')) return raw;
  const form = await new Request('http://stand-in/upload', { method: 'POST', headers: { 'content-type': type }, body: raw }).formData();
  for (const [, value] of form) if (typeof value !== 'string') return Buffer.from(await value.arrayBuffer());
  return Buffer.alloc(0);
}

/** A file as the stand-in holds it through files.getUploadURLExternal → POST to its upload URL → files.completeUploadExternal. */
export interface StandInUpload {
  fileId: string;
  filename: string;
  /** The length declared to files.getUploadURLExternal. */
  length: number;
  altText?: string;
  /** What was POSTed to the upload URL (undefined until then). */
  bytes?: Buffer;
  /** Set by files.completeUploadExternal. */
  completed: boolean;
  title?: string;
  channelId?: string;
  threadTs?: string;
}

/**
 * A local HTTP server standing in for Slack's Web API (`/api/<method>`) and for `response_url`s
 * (`/respond/<anything>`). Records every call; answers like Slack; can enforce Slack's
 * 1 message/second/channel limit on chat.postMessage with HTTP 429 and Retry-After.
 */
export class SlackStandIn {
  readonly calls: ApiCall[] = [];
  readonly responses: ResponseUrlPost[] = [];
  readonly handlers = new Map<string, Handler>();
  /** When set, chat.postMessage faster than this per channel gets 429 with Retry-After: 1. */
  postIntervalMs = 0;
  rateLimited = 0;
  private readonly lastPost = new Map<string, number>();
  private tsCounter = 0;
  private server?: Server;
  private port = 0;
  /** Messages posted (and updated, deleted) per channel, as conversations.history returns them. */
  readonly messages = new Map<string, { ts: string; text?: unknown; blocks?: unknown; metadata?: unknown; thread_ts?: unknown }[]>();
  teamId = 'T0TEAM0001';
  botUserId = 'U0BOT00001';
  /** Files by ID, in the order their upload URL was asked for. */
  readonly uploads = new Map<string, StandInUpload>();
  private fileCounter = 0;

  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api/`;
  }

  responseUrl(name = 'r'): string {
    return `http://127.0.0.1:${this.port}/respond/${name}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void (async () => {
        const bytes = await read(req);
        const raw = bytes.toString('utf8');
        const url = req.url ?? '';
        const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
          res.writeHead(status, { 'content-type': 'application/json', ...headers });
          res.end(JSON.stringify(body));
        };
        if (url.startsWith('/respond/')) {
          this.responses.push({ path: url, body: parseBody(raw, req.headers['content-type']) });
          reply(200, { ok: true });
          return;
        }
        if (url.startsWith('/upload/')) {
          // Like files.slack.com: the bytes for a file ID handed out by files.getUploadURLExternal, answered in text.
          const upload = this.uploads.get(decodeURIComponent(url.slice('/upload/'.length).split('?')[0] ?? ''));
          if (!upload || upload.completed) {
            res.writeHead(404, { 'content-type': 'text/plain' });
            res.end('not found');
            return;
          }
          upload.bytes = await uploadedBytes(bytes, req.headers['content-type']);
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end(`OK - ${upload.bytes.length}`);
          return;
        }
        const method = url.replace(/^\/api\//, '').split('?')[0] ?? '';
        const body = parseBody(raw, req.headers['content-type']);
        const call: ApiCall = { method, body, at: Date.now() };
        if (method === 'chat.postMessage' && this.postIntervalMs > 0) {
          const channel = String(body.channel);
          const last = this.lastPost.get(channel) ?? 0;
          if (call.at - last < this.postIntervalMs) {
            this.rateLimited++;
            reply(
              429,
              { ok: false, error: 'ratelimited' },
              { 'retry-after': String(Math.ceil((this.postIntervalMs - (call.at - last)) / 1000)) },
            );
            return;
          }
          this.lastPost.set(channel, call.at);
        }
        this.calls.push(call);
        const handler = this.handlers.get(method);
        const out = handler ? handler(body, call) : this.defaultAnswer(method, body);
        if ('status' in out && typeof out.status === 'number' && 'body' in out) {
          reply(out.status, out.body, (out as { headers?: Record<string, string> }).headers);
        } else {
          reply(200, out);
        }
      })().catch((err: unknown) => {
        res.writeHead(500);
        res.end(String(err));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  nextTs(): string {
    this.tsCounter++;
    return `${Math.floor(Date.now() / 1000)}.${String(this.tsCounter).padStart(6, '0')}`;
  }

  private defaultAnswer(method: string, body: Record<string, unknown>): Record<string, unknown> {
    switch (method) {
      case 'auth.test':
        return { ok: true, team_id: this.teamId, user_id: this.botUserId, bot_id: 'B0BOT00001', team: 'Test', user: 'guardduty' };
      case 'chat.postMessage': {
        const ts = this.nextTs();
        const list = this.messages.get(String(body.channel)) ?? [];
        list.push({ ts, text: body.text, blocks: body.blocks, metadata: body.metadata, thread_ts: body.thread_ts });
        this.messages.set(String(body.channel), list);
        return { ok: true, channel: body.channel, ts, message: { text: body.text } };
      }
      case 'chat.update': {
        const m = this.messages.get(String(body.channel))?.find((x) => x.ts === body.ts);
        if (!m) return { ok: false, error: 'message_not_found' };
        Object.assign(m, { text: body.text, blocks: body.blocks, ...(body.metadata ? { metadata: body.metadata } : {}) });
        return { ok: true, channel: body.channel, ts: body.ts };
      }
      case 'chat.delete': {
        const list = this.messages.get(String(body.channel)) ?? [];
        const at = list.findIndex((x) => x.ts === body.ts);
        if (at === -1) return { ok: false, error: 'message_not_found' };
        list.splice(at, 1);
        return { ok: true, channel: body.channel, ts: body.ts };
      }
      case 'chat.postEphemeral':
        return { ok: true, message_ts: this.nextTs() };
      case 'chat.getPermalink':
        return {
          ok: true,
          channel: body.channel,
          permalink: `https://example.slack.com/archives/${String(body.channel)}/p${String(body.message_ts).replace('.', '')}`,
        };
      case 'views.open':
        return { ok: true, view: { id: 'V0VIEW0001' } };
      case 'views.publish': {
        // As Slack does: an image block may show only a file whose upload was completed.
        const blocks = ((body.view as { blocks?: unknown[] } | undefined)?.blocks ?? []) as {
          type?: string;
          slack_file?: { id?: string };
        }[];
        const bad = blocks.findIndex((b) => b.type === 'image' && b.slack_file && !this.uploads.get(String(b.slack_file.id))?.completed);
        if (bad !== -1)
          return { ok: false, error: 'invalid_blocks', errors: [`invalid slack file [json-pointer:/blocks/${bad}/slack_file]`] };
        return { ok: true, view: { id: `V0HOME${String(body.user_id)}`, type: 'home' } };
      }
      case 'files.getUploadURLExternal': {
        const length = Number(body.length);
        const filename = body.filename;
        if (typeof filename !== 'string' || !filename || !Number.isSafeInteger(length) || length <= 0) {
          return { ok: false, error: 'invalid_arguments' };
        }
        this.fileCounter++;
        const fileId = `F0CHART${String(this.fileCounter).padStart(4, '0')}`;
        this.uploads.set(fileId, {
          fileId,
          filename,
          length,
          ...(typeof body.alt_text === 'string' ? { altText: body.alt_text } : {}),
          completed: false,
        });
        return { ok: true, upload_url: `http://127.0.0.1:${this.port}/upload/${fileId}`, file_id: fileId };
      }
      case 'files.completeUploadExternal': {
        const files = Array.isArray(body.files) ? (body.files as { id?: unknown; title?: unknown }[]) : [];
        const uploads = files.map((f) => this.uploads.get(String(f.id)));
        if (files.length === 0 || uploads.some((u) => !u?.bytes)) return { ok: false, error: 'file_not_found' };
        if (uploads.some((u) => u?.bytes?.length !== u?.length)) return { ok: false, error: 'file_size_mismatch' };
        return {
          ok: true,
          files: uploads.map((u, i) => {
            const upload = u as StandInUpload;
            const title = files[i]?.title;
            Object.assign(upload, {
              completed: true,
              ...(typeof title === 'string' ? { title } : {}),
              ...(typeof body.channel_id === 'string' ? { channelId: body.channel_id } : {}),
              ...(typeof body.thread_ts === 'string' ? { threadTs: body.thread_ts } : {}),
            });
            return { id: upload.fileId, name: upload.filename, title: upload.title ?? upload.filename, size: upload.length };
          }),
        };
      }
      case 'conversations.history': {
        const oldest = Number(body.oldest ?? 0);
        const list = (this.messages.get(String(body.channel)) ?? []).filter((m) => !m.thread_ts && Number(m.ts) >= oldest);
        return { ok: true, messages: [...list].reverse().map((m) => ({ type: 'message', ...m })), has_more: false };
      }
      case 'usergroups.users.list':
        return { ok: true, users: [] };
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  /** Top-level messages (cards, digests) in a channel, oldest first. */
  channelMessages(channel: string): { ts: string; text?: unknown; blocks?: unknown; metadata?: unknown }[] {
    return (this.messages.get(channel) ?? []).filter((m) => !m.thread_ts);
  }

  threadReplies(channel: string, threadTs: string): { ts: string; text?: unknown; blocks?: unknown }[] {
    return (this.messages.get(channel) ?? []).filter((m) => m.thread_ts === threadTs);
  }

  /** Files whose upload was completed, oldest first. */
  completedUploads(): StandInUpload[] {
    return [...this.uploads.values()].filter((u) => u.completed);
  }

  callsTo(method: string): ApiCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Waits until `predicate` holds (polling), or fails after `timeoutMs`. */
  async waitFor<T>(predicate: () => T | undefined | false, timeoutMs = 5000, what = 'condition'): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = predicate();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.closeAllConnections();
      this.server?.close(() => resolve());
    });
  }
}
