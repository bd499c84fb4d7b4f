import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebClient, WebClientEvent } from '@slack/web-api';
import { undiciFetch } from '../../src/slack/undici-fetch';
import { freePort } from '../../support/helpers/free-port';

describe('undiciFetch: the fetch the WebClient and respond() use', () => {
  let server: Server;
  let base = '';
  const seen: { method?: string; url?: string; headers: Record<string, unknown>; body: string }[] = [];
  let rateLimitOnce = true;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body });
        if (req.url === '/empty') return void res.writeHead(204).end();
        if (req.url === '/reset') return void res.writeHead(205).end();
        if (req.url === '/slow') return void setTimeout(() => res.end('late'), 2000);
        if (req.url === '/api/chat.postMessage' && rateLimitOnce) {
          rateLimitOnce = false;
          return void res
            .writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' })
            .end('{"ok":false,"error":"ratelimited"}');
        }
        res.setHeader('set-cookie', ['a=1', 'b=2']);
        res.writeHead(req.url === '/missing' ? 404 : 200, {
          'content-type': 'application/json',
          'x-echo': String(req.headers['x-test'] ?? ''),
        });
        res.end(req.url?.startsWith('/api/') ? '{"ok":true,"ts":"1.2"}' : JSON.stringify({ got: body }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const f = undiciFetch();

  it('sends method, headers and body; answers status, headers (repeated ones too) and body', async () => {
    const res = await f(`${base}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-test': 'yes' },
      body: '{"text":"hi"}',
    });
    expect(res.status).toBe(200);
    expect(res.ok).toBe(true);
    expect(res.headers.get('x-echo')).toBe('yes');
    expect(res.headers.get('set-cookie')).toBe('a=1, b=2');
    expect(await res.json()).toEqual({ got: '{"text":"hi"}' });
    expect(seen.at(-1)).toMatchObject({ method: 'POST', url: '/echo', body: '{"text":"hi"}' });
  });

  it('takes a URL object and Headers; a 404 is a response, not an error; a 204 has no body', async () => {
    const missing = await f(new URL(`${base}/missing`), { headers: new Headers({ 'x-test': 'h' }) });
    expect(missing.status).toBe(404);
    expect(missing.ok).toBe(false);
    expect(missing.headers.get('x-echo')).toBe('h');
    expect(missing.statusText).toBe('Not Found');
    const empty = await f(`${base}/empty`, { method: 'POST', body: 'x' });
    expect(empty.status).toBe(204);
    expect(await empty.text()).toBe('');
    const reset = await f(`${base}/reset`, { method: 'POST', body: 'x' });
    expect(reset.status).toBe(205);
  });

  it('hands what it does not carry itself (multipart, URLSearchParams, header pairs) to the built-in fetch', async () => {
    const form = new FormData();
    form.append('file', new Blob([Buffer.from('hello')]), 'a.txt');
    const multipart = await f(`${base}/echo`, { method: 'POST', body: form });
    expect(multipart.status).toBe(200);
    expect(String(seen.at(-1)?.headers['content-type'])).toMatch(/^multipart\/form-data; boundary=/);
    expect(seen.at(-1)?.body).toContain('hello');
    await f(`${base}/echo`, { method: 'POST', body: new URLSearchParams({ a: '1' }), headers: [['x-test', 'pairs']] });
    expect(seen.at(-1)).toMatchObject({ body: 'a=1', headers: expect.objectContaining({ 'x-test': 'pairs' }) });
  });

  it('honours an abort signal and rejects when nothing listens', async () => {
    await expect(f(`${base}/slow`, { signal: AbortSignal.timeout(100) })).rejects.toThrow();
    const closed = await freePort();
    await expect(f(`http://127.0.0.1:${closed}/`)).rejects.toThrow();
  });

  it('carries the WebClient, including its wait on Retry-After after a 429', async () => {
    const client = new WebClient('xoxb-test', {
      slackApiUrl: `${base}/api/`,
      fetch: f,
      retryConfig: { retries: 2, factor: 1, minTimeout: 10, maxTimeout: 20 },
    });
    const limited: number[] = [];
    client.on(WebClientEvent.RATE_LIMITED, (seconds: number) => limited.push(seconds));
    const started = Date.now();
    const out = await client.chat.postMessage({ channel: 'C1', text: 'hello <world>' });
    expect(out.ok).toBe(true);
    expect(out.ts).toBe('1.2');
    expect(limited).toEqual([1]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    const posts = seen.filter((s) => s.url === '/api/chat.postMessage');
    expect(posts).toHaveLength(2);
    expect(posts[1]?.headers.authorization).toBe('Bearer xoxb-test');
    expect(new URLSearchParams(posts[1]?.body).get('text')).toBe('hello <world>');
  });
});
