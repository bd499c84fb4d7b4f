/** What the Slack stand-in's recorded calls are: cards, outcome replies in a thread, card notes. */
import type { ApiCall } from '../slack-stand-in';

export function cardFindingId(call: ApiCall): string | undefined {
  const meta = call.body.metadata as { event_type?: string; event_payload?: { finding_id?: unknown } } | undefined;
  const id = meta?.event_type === 'guardduty_finding' ? meta.event_payload?.finding_id : undefined;
  return typeof id === 'string' && call.body.thread_ts === undefined ? id : undefined;
}

export const isOutcomeReply = (c: ApiCall) =>
  c.body.thread_ts !== undefined && /(executed by the bot|failed \(approved by)/.test(String(c.body.text));

export const isCardNoteUpdate = (c: ApiCall) =>
  (c.body.metadata as { event_type?: string } | undefined)?.event_type === 'guardduty_finding' &&
  JSON.stringify(c.body.blocks).includes('executed · approved by');
