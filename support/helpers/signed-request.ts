import { createHmac } from 'node:crypto';

export const SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';

export function sign(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface SignedOptions {
  secret?: string;
  /** Epoch seconds; defaults to now. */
  timestamp?: number;
  /** Overrides the computed signature (forgery tests). */
  signature?: string;
  retryNum?: number;
}

export interface SignedResponse {
  status: number;
  body: string;
  json?: Record<string, unknown>;
  latencyMs: number;
}

/** A form body and the headers Slack would send with it, signed. */
export function signedForm(form: Record<string, string>, options: SignedOptions = {}): { body: string; headers: Record<string, string> } {
  const body = new URLSearchParams(form).toString();
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': options.signature ?? sign(options.secret ?? SIGNING_SECRET, timestamp, body),
  };
  if (options.retryNum !== undefined) {
    headers['x-slack-retry-num'] = String(options.retryNum);
    headers['x-slack-retry-reason'] = 'http_timeout';
  }
  return { body, headers };
}

/** POSTs a form body to the Bolt receiver, signed the way Slack signs it. */
export async function signedPost(url: string, form: Record<string, string>, options: SignedOptions = {}): Promise<SignedResponse> {
  const { body, headers } = signedForm(form, options);
  const started = performance.now();
  const res = await fetch(url, { method: 'POST', headers, body });
  const text = await res.text();
  const latencyMs = performance.now() - started;
  let json: Record<string, unknown> | undefined;
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, body: text, json, latencyMs };
}

export interface CommandOptions {
  text: string;
  userId?: string;
  channelId?: string;
  teamId?: string;
  responseUrl: string;
}

/** The form Slack posts for a slash command. */
export function commandForm(c: CommandOptions): Record<string, string> {
  return {
    token: 'legacy-verification-token',
    team_id: c.teamId ?? 'T0TEAM0001',
    team_domain: 'test',
    channel_id: c.channelId ?? 'C0CHAN0001',
    channel_name: 'security',
    user_id: c.userId ?? 'U0ALICE001',
    user_name: 'alice',
    command: '/guardduty',
    text: c.text,
    api_app_id: 'A0APP00001',
    is_enterprise_install: 'false',
    response_url: c.responseUrl,
    trigger_id: '1234.5678.abcdef',
  };
}

export function slashCommand(url: string, c: CommandOptions, options?: SignedOptions): Promise<SignedResponse> {
  return signedPost(url, commandForm(c), options);
}

export interface ButtonClick {
  actionId: string;
  value: string;
  userId?: string;
  channelId?: string;
  teamId?: string;
  responseUrl: string;
  /** The message the button is on (ts, thread_ts). */
  message?: { ts: string; thread_ts?: string; blocks?: unknown[] };
  container?: Record<string, unknown>;
}

export function blockAction(c: ButtonClick): Record<string, unknown> {
  return {
    type: 'block_actions',
    team: { id: c.teamId ?? 'T0TEAM0001', domain: 'test' },
    user: { id: c.userId ?? 'U0ALICE001', username: 'alice', team_id: c.teamId ?? 'T0TEAM0001' },
    api_app_id: 'A0APP00001',
    token: 'legacy-verification-token',
    trigger_id: '1234.5678.abcdef',
    container: c.container ?? {
      type: 'message',
      message_ts: c.message?.ts ?? '1700000000.000001',
      channel_id: c.channelId ?? 'C0CHAN0001',
      is_ephemeral: !c.message,
    },
    channel: { id: c.channelId ?? 'C0CHAN0001', name: 'security' },
    message: c.message ? { type: 'message', text: '', ...c.message } : undefined,
    response_url: c.responseUrl,
    actions: [{ type: 'button', action_id: c.actionId, block_id: 'b', value: c.value, action_ts: String(Date.now() / 1000) }],
  };
}

export function interaction(url: string, payload: Record<string, unknown>, options?: SignedOptions): Promise<SignedResponse> {
  return signedPost(url, { payload: JSON.stringify(payload) }, options);
}

export function click(url: string, c: ButtonClick, options?: SignedOptions): Promise<SignedResponse> {
  return interaction(url, blockAction(c), options);
}

/** An Events API request (`event_callback`) as Slack posts it: a JSON body, signed. */
export async function signedEvent(
  url: string,
  event: Record<string, unknown>,
  options: SignedOptions & { teamId?: string } = {},
): Promise<SignedResponse> {
  const body = JSON.stringify({
    token: 'legacy-verification-token',
    team_id: options.teamId ?? 'T0TEAM0001',
    api_app_id: 'A0APP00001',
    event,
    type: 'event_callback',
    event_id: `Ev${Math.random().toString(36).slice(2, 12).toUpperCase()}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: options.teamId ?? 'T0TEAM0001', user_id: 'U0BOT00001', is_bot: true }],
  });
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': options.signature ?? sign(options.secret ?? SIGNING_SECRET, timestamp, body),
  };
  const started = performance.now();
  const res = await fetch(url, { method: 'POST', headers, body });
  const text = await res.text();
  return { status: res.status, body: text, latencyMs: performance.now() - started };
}

/** The `app_home_opened` event of a person opening the bot's Home tab. */
export function appHomeOpened(
  url: string,
  userId: string,
  options: SignedOptions & { teamId?: string; tab?: string } = {},
): Promise<SignedResponse> {
  return signedEvent(
    url,
    { type: 'app_home_opened', user: userId, channel: 'D0HOME0001', tab: options.tab ?? 'home', event_ts: String(Date.now() / 1000) },
    options,
  );
}
