import type { Button, KnownBlock } from '@slack/types';

/** Slack's Block Kit limits that the builders stay within. */
export const LIMITS = {
  blocksPerMessage: 50,
  blocksPerModal: 100,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  headerText: 150,
  buttonText: 75,
  actionId: 255,
  buttonValue: 2000,
  contextElements: 10,
  privateMetadata: 3000,
  modalTitle: 24,
  messageText: 3000,
  url: 3000,
} as const;

// Bidi overrides/isolates and other invisible controls can disguise text (e.g. reverse a file name).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const INVISIBLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\u200B-\u200F\u202A-\u202E\u2060-\u2069\uFEFF]/g;

/** Removes invisible and direction-changing characters. */
export function stripControls(text: string): string {
  return text.replace(INVISIBLE, '');
}

/** Cuts to at most `max` UTF-16 units with an ellipsis, never splitting a surrogate pair or an `&…;` entity. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, Math.max(0, max - 1));
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  cut = cut.replace(/&[a-z]{0,4}$/, '');
  return `${cut}…`;
}

/**
 * Makes an external string safe inside mrkdwn: `&`, `<`, `>` escaped so that no mention,
 * channel ping or disguised link can form, controls stripped, then cut to `max`.
 */
export function mrkdwn(text: string | undefined | null, max: number = LIMITS.sectionText): string {
  const escaped = stripControls(String(text ?? ''))
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
  return truncate(escaped, max);
}

/** For plain_text objects (headers, buttons, modal titles): no entities, just controls stripped and a cut. */
export function plain(text: string | undefined | null, max: number): string {
  const cleaned = stripControls(String(text ?? ''))
    .replace(/\s+/g, ' ')
    .trim();
  return truncate(cleaned || '—', max);
}

/** An inline code span for an external string: backticks would end it early, so they are replaced. */
export function code(text: string | undefined | null, max = 300): string {
  return `\`${mrkdwn(String(text ?? '').replace(/`/g, "'"), max - 2)}\``;
}

/** A Slack user mention, only for well-formed user IDs (anything else is shown escaped). */
export function userMention(userId: string): string {
  return /^[UW][A-Z0-9]{2,20}$/.test(userId) ? `<@${userId}>` : mrkdwn(userId, 40);
}

/** "2017-12-13 02:44 UTC" from an ISO timestamp, or the escaped input when it is not a date. */
export function formatTime(iso: string | undefined): string {
  if (!iso) return '—';
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return mrkdwn(iso, 40);
  return minuteUtc(ms);
}

/** "2026-11-27 14:05 UTC" from epoch seconds. */
export function utc(epochS: number): string {
  return minuteUtc(epochS * 1000);
}

function minuteUtc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A mrkdwn section; `text` must already be escaped. */
export function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) } };
}

/** A context block of one mrkdwn element; `text` must already be escaped. */
export function context(text: string): KnownBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(text, LIMITS.sectionText) }] };
}

/** "• line" per line, at most `max` of them, then how many more. */
export function bullets(lines: readonly string[], max = 15): string {
  const shown = lines.slice(0, max).map((l) => `• ${l}`);
  if (lines.length > max) shown.push(`… and ${lines.length - max} more`);
  return shown.join('\n');
}

/** A button with its text and value cut to Slack's limits. */
export function button(text: string, actionId: string, value: string, style?: 'primary' | 'danger'): Button {
  return {
    type: 'button',
    text: { type: 'plain_text', text: plain(text, LIMITS.buttonText) },
    action_id: actionId,
    value: value.slice(0, LIMITS.buttonValue),
    ...(style ? { style } : {}),
  };
}
