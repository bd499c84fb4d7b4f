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

function read(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
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

  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api/`;
  }

  responseUrl(name = 'r'): string {
    return `http://127.0.0.1:${this.port}/respond/${name}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void (async () => {
        const raw = await read(req);
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
      case 'views.publish':
        return { ok: true, view: { id: `V0HOME${String(body.user_id)}`, type: 'home' } };
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
