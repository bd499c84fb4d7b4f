import type { CardRecord } from './ports';
import { bandOf, isAtLeast } from './severity';

/**
 * Reminders about high and critical cards nobody acts on. Pure rules: what is due when, for whom, and with which
 * text; the sweeper (feed/reminder-sweeper.ts) reads the card record, asks `nextReminder`, and the store records
 * each reminder with one conditional write on the card record before it is posted (see ports.ts `ReminderStore`).
 *
 * - No owner `firstAfterS` after the card was posted: one thread reply mentioning the on-call group (when set).
 * - Still no owner: one more every `escalateEveryS`, at most `escalationMax` of them.
 * - Owned but not resolved `ownedAfterS` after the owner got it: one reminder to the owner.
 * - Resolved or archived findings, and findings below high, get none.
 */

export interface ReminderRules {
  /** REMINDER_MINUTES in seconds: from the card's post to the first reminder. */
  firstAfterS: number;
  /** ESCALATION_MINUTES in seconds: between reminders while the card has no owner. */
  escalateEveryS: number;
  /** ESCALATION_MAX: reminders after the first one, at most. */
  escalationMax: number;
  /** OWNED_REMINDER_HOURS in seconds: from taking a finding to the owner's reminder. */
  ownedAfterS: number;
  /** ONCALL_USERGROUP_ID: the user group (S…) each unowned reminder mentions; none without it. */
  oncallUsergroupId?: string;
}

export const DEFAULT_REMINDER_RULES: ReminderRules = {
  firstAfterS: 30 * 60,
  escalateEveryS: 60 * 60,
  escalationMax: 3,
  ownedAfterS: 24 * 3600,
};

/** A reminder decided and recorded on the card record, not yet known to be posted. */
export interface PendingReminder {
  /** `unowned#<n>` or `owned#<ownedSince>`: what the write recorded, so that clearing it clears only this one. */
  id: string;
  kind: 'unowned' | 'owned';
  /** The thread reply, already safe for the chat's markup (only IDs and numbers the bot wrote). */
  text: string;
  /** The owner reminded (kind `owned`). */
  owner?: string;
  /** Process posting it now, and until when (epoch seconds) nobody else may. */
  postingBy?: string;
  postingUntil?: number;
}

/** What the reminder rules keep on the card record (written only by the reminder store). */
export interface ReminderFields {
  /** Epoch seconds from which the card's time without an owner counts (when its post was claimed). */
  reminderBase?: number;
  /** Unowned reminders sent so far (the first and the escalations). */
  remindersSent?: number;
  /** The `ownedSince` of the ownership the owner's reminder was sent for. */
  ownedReminderFor?: number;
  pendingReminder?: PendingReminder;
}

export type ReminderCard = CardRecord & ReminderFields;

/** What the conditional write of a reminder pins on the card record (what the decision was made on). */
export type ReminderPin = { kind: 'unowned'; sentBefore: number; sent: number } | { kind: 'owned'; owner: string; ownedSince: number };

export type ReminderDecision =
  /** Nothing more, ever: the index entry is removed. */
  | { kind: 'done'; why: string }
  /** Nothing now: look again at `dueS`. */
  | { kind: 'wait'; dueS: number }
  /** Send this one now (after its conditional write). */
  | { kind: 'send'; reminder: PendingReminder; pin: ReminderPin };

/** Only high and critical cards get reminders. */
export function wantsReminders(severity: number): boolean {
  return isAtLeast(severity, 'high');
}

/** When the first reminder of a card posted (claimed) at `baseS` is due. */
export function firstReminderDue(baseS: number, rules: ReminderRules): number {
  return baseS + rules.firstAfterS;
}

/** When the `n`th unowned reminder (1 = the first, 2… = escalations) is due. */
export function unownedReminderDue(baseS: number, n: number, rules: ReminderRules): number {
  return baseS + rules.firstAfterS + (n - 1) * rules.escalateEveryS;
}

/**
 * The next step for a card. A sweeper that was away does not send a backlog: the latest reminder due is sent (its
 * number says how far it is), the ones it skipped are not. A card whose reminders are all sent is still looked at
 * every `escalateEveryS`, so that someone taking it later gets the owner's reminder on time.
 */
export function nextReminder(card: ReminderCard | undefined, rules: ReminderRules, nowS: number): ReminderDecision {
  if (!card) return { kind: 'done', why: 'no card record' };
  if (!wantsReminders(card.severity)) return { kind: 'done', why: 'below high' };
  if (card.archived) return { kind: 'done', why: 'archived' };
  if (card.status === 'resolved') return { kind: 'done', why: 'resolved' };
  const watch: ReminderDecision = { kind: 'wait', dueS: nowS + rules.escalateEveryS };
  // Not posted yet (a post in progress or being recovered): look again shortly.
  if (card.state !== 'posted' || !card.channel || !card.ts) return { kind: 'wait', dueS: nowS + 60 };
  if (card.pendingReminder) return { kind: 'wait', dueS: Math.max(nowS, card.pendingReminder.postingUntil ?? nowS) };

  if (card.owner) {
    const ownedSince = card.ownedSince ?? card.reminderBase ?? nowS;
    if (card.ownedReminderFor === ownedSince) return watch;
    // Counted from the later of the take and the reminder base (a reopening, or the card becoming high).
    const due = Math.max(ownedSince, card.reminderBase ?? 0) + rules.ownedAfterS;
    if (nowS < due) return { kind: 'wait', dueS: due };
    return {
      kind: 'send',
      reminder: { id: `owned#${ownedSince}`, kind: 'owned', owner: card.owner, text: ownedReminderText(card.owner, card.severity, rules) },
      pin: { kind: 'owned', owner: card.owner, ownedSince },
    };
  }

  const base = card.reminderBase ?? tsSeconds(card.ts) ?? nowS;
  const sent = card.remindersSent ?? 0;
  const total = 1 + rules.escalationMax;
  if (sent >= total) return watch;
  let n = sent + 1;
  if (nowS < unownedReminderDue(base, n, rules)) return { kind: 'wait', dueS: unownedReminderDue(base, n, rules) };
  while (n < total && nowS >= unownedReminderDue(base, n + 1, rules)) n++;
  return {
    kind: 'send',
    reminder: { id: `unowned#${n}`, kind: 'unowned', text: unownedReminderText(n, card.severity, rules) },
    pin: { kind: 'unowned', sentBefore: sent, sent: n },
  };
}

/** Whether a recorded reminder still makes sense to post, given the card record as it is now. */
export function stillRelevant(reminder: PendingReminder, card: ReminderCard): boolean {
  if (card.archived || card.status === 'resolved') return false;
  if (reminder.kind === 'unowned') return card.owner === undefined;
  return card.owner === reminder.owner;
}

/** The `n`th reminder about a card without an owner (1: the first; then escalation n-1 of escalationMax). */
export function unownedReminderText(n: number, severity: number, rules: ReminderRules): string {
  const mention = rules.oncallUsergroupId ? `<!subteam^${rules.oncallUsergroupId}> ` : '';
  const band = bandOf(severity);
  const waited = duration(rules.firstAfterS + (n - 1) * rules.escalateEveryS);
  if (n <= 1) return `${mention}:alarm_clock: This ${band} finding has had no owner for ${waited}. Take it (or assign it) from the card.`;
  return (
    `${mention}:rotating_light: Escalation ${n - 1} of ${rules.escalationMax}: this ${band} finding still has no owner ` +
    `after ${waited}. Take it (or assign it) from the card.`
  );
}

export function ownedReminderText(owner: string, severity: number, rules: ReminderRules): string {
  return (
    `<@${owner}> :hourglass: you have owned this ${bandOf(severity)} finding for ${duration(rules.ownedAfterS)} and it is not ` +
    'resolved yet. Resolve it from the card when it is done, or reassign it.'
  );
}

/** 30 min, 1 h, 1 h 30 min, 24 h, 2 d. */
export function duration(seconds: number): string {
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (rest === 0 && hours > 24 && hours % 24 === 0) return `${hours / 24} d`;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

/** A Slack-style message ts (`<epoch seconds>.<sequence>`) as epoch seconds, when it is one. */
function tsSeconds(ts: string | undefined): number | undefined {
  const s = Number((ts ?? '').split('.')[0]);
  return Number.isFinite(s) && s > 0 ? s : undefined;
}
