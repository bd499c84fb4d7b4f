import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

function frame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x80 | opcode, len]) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (len >= 126) {
    head[0] = 0x80 | opcode;
    if (len < 65536) {
      head[1] = 126;
      head.writeUInt16BE(len, 2);
    } else {
      head[1] = 127;
      head.writeBigUInt64BE(BigInt(len), 2);
    }
  }
  return Buffer.concat([head, payload]);
}

/**
 * Slack's Socket Mode end, on loopback: a minimal WebSocket server (RFC 6455, text frames, ping/pong, close)
 * that the real SocketModeClient connects to after `apps.connections.open`. Sends `hello`, then whatever
 * envelopes a test writes (as raw text, the way Slack writes them), and records the client's acks.
 */
export class SocketModeStandIn {
  /** Messages the client sent (acks), parsed. */
  readonly received: Record<string, unknown>[] = [];
  private server?: Server;
  private socket?: Duplex;
  private connected?: () => void;
  readonly connection = new Promise<void>((resolve) => (this.connected = resolve));
  private disconnected?: () => void;
  /** Resolves when the client's connection has closed (after the close handshake, on `app.stop()`). */
  readonly disconnection = new Promise<void>((resolve) => (this.disconnected = resolve));

  /** The URL `apps.connections.open` answers with; the ticket is a secret Slack puts in it. */
  url(ticket: string): string {
    const { port } = this.server?.address() as AddressInfo;
    return `ws://127.0.0.1:${port}/link/?ticket=${ticket}&app_id=A0APP00001`;
  }

  async start(): Promise<this> {
    this.server = createServer((_req, res) => res.writeHead(404).end());
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
      const accept = createHash('sha1')
        .update(`${String(req.headers['sec-websocket-key'])}${GUID}`)
        .digest('base64');
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
      );
      this.socket = socket;
      let buffered = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        for (;;) {
          const parsed = this.parse(buffered);
          if (!parsed) break;
          buffered = buffered.subarray(parsed.consumed);
        }
      });
      socket.on('error', () => undefined);
      socket.once('close', () => this.disconnected?.());
      this.send(
        JSON.stringify({
          type: 'hello',
          num_connections: 1,
          debug_info: { host: 'applink-stand-in' },
          connection_info: { app_id: 'A0APP00001' },
        }),
      );
      this.connected?.();
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return this;
  }

  /** One client frame from the front of `buf` (masked, as clients send), or undefined if incomplete. */
  private parse(buf: Buffer): { consumed: number } | undefined {
    if (buf.length < 2) return undefined;
    const opcode = (buf[0] as number) & 0x0f;
    let len = (buf[1] as number) & 0x7f;
    let offset = 2;
    if (len === 126) {
      if (buf.length < 4) return undefined;
      len = buf.readUInt16BE(2);
      offset = 4;
    } else if (len === 127) {
      if (buf.length < 10) return undefined;
      len = Number(buf.readBigUInt64BE(2));
      offset = 10;
    }
    const masked = ((buf[1] as number) & 0x80) !== 0;
    const mask = masked ? buf.subarray(offset, offset + 4) : undefined;
    offset += masked ? 4 : 0;
    if (buf.length < offset + len) return undefined;
    const payload = Buffer.from(buf.subarray(offset, offset + len));
    if (mask) for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] as number) ^ (mask[i % 4] as number);
    if (opcode === 0x1) this.received.push(JSON.parse(payload.toString('utf8')) as Record<string, unknown>);
    if (opcode === 0x9) this.socket?.write(frame(0xa, payload));
    if (opcode === 0x8) {
      this.socket?.write(frame(0x8, payload));
      this.socket?.end();
    }
    return { consumed: offset + len };
  }

  /** Sends one text frame as is (Slack's raw JSON, slashes escaped and all). */
  send(text: string): void {
    this.socket?.write(frame(0x1, Buffer.from(text, 'utf8')));
  }

  /** Resolves once the client has acked `envelopeId`. */
  async ackOf(envelopeId: string, timeoutMs = 5000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ack = this.received.find((m) => m.envelope_id === envelopeId);
      if (ack) return ack;
      if (Date.now() > deadline) throw new Error(`no ack for ${envelopeId} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async close(): Promise<void> {
    this.socket?.destroy();
    await new Promise<void>((resolve) => {
      this.server?.closeAllConnections();
      this.server?.close(() => resolve());
    });
  }
}
