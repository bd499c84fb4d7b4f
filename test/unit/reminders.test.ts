import {
  DEFAULT_REMINDER_RULES,
  duration,
  nextReminder,
  stillRelevant,
  unownedReminderDue,
  wantsReminders,
  type ReminderCard,
  type ReminderRules,
} from '../../src/domain/reminders';

const BASE = 1_800_000_000;
const MIN = 60;
const rules: ReminderRules = { ...DEFAULT_REMINDER_RULES, oncallUsergroupId: 'S0ONCALL01' };

function card(overrides: Partial<ReminderCard> = {}): ReminderCard {
  return {
    findingId: 'f1',
    region: 'us-east-1',
    accountId: '111122223333',
    severity: 8,
    updatedAtMs: 0,
    count: 1,
    archived: false,
    state: 'posted',
    channel: 'C0FINDINGS1',
    ts: `${BASE}.000001`,
    reminderBase: BASE,
    ...overrides,
  };
}

describe('reminder rules', () => {
  it('only high and critical findings get reminders', () => {
    expect([1, 3.9, 4, 6.9, 7, 8.9, 9, 10].map(wantsReminders)).toEqual([false, false, false, false, true, true, true, true]);
    for (const severity of [2, 5, 6.9]) expect(nextReminder(card({ severity }), rules, BASE + 10_000)).toMatchObject({ kind: 'done' });
  });

  it('the first reminder is due REMINDER_MINUTES after the post, with the on-call mention', () => {
    expect(nextReminder(card(), rules, BASE + 29 * MIN)).toEqual({ kind: 'wait', dueS: BASE + 30 * MIN });
    const due = nextReminder(card(), rules, BASE + 30 * MIN);
    expect(due).toMatchObject({
      kind: 'send',
      reminder: { id: 'unowned#1', kind: 'unowned' },
      pin: { kind: 'unowned', sentBefore: 0, sent: 1 },
    });
    const text = due.kind === 'send' ? due.reminder.text : '';
    expect(text.startsWith('<!subteam^S0ONCALL01> ')).toBe(true);
    expect(text).toContain('high finding has had no owner for 30 min');
  });

  it('without ONCALL_USERGROUP_ID the reminder mentions nobody', () => {
    const due = nextReminder(card({ severity: 9.5 }), DEFAULT_REMINDER_RULES, BASE + 30 * MIN);
    expect(due.kind === 'send' && due.reminder.text).toMatch(/^:alarm_clock: This critical finding has had no owner for 30 min/);
  });

  it('escalates every ESCALATION_MINUTES, at most ESCALATION_MAX times, then only watches', () => {
    const times: number[] = [];
    const texts: string[] = [];
    let sent = 0;
    for (let t = BASE; t <= BASE + 10 * 3600; t += MIN) {
      const decision = nextReminder(card({ remindersSent: sent }), rules, t);
      if (decision.kind === 'send') {
        expect(decision.pin).toEqual({ kind: 'unowned', sentBefore: sent, sent: sent + 1 });
        sent += 1;
        times.push(t - BASE);
        texts.push(decision.reminder.text);
      }
    }
    expect(times).toEqual([30 * MIN, 90 * MIN, 150 * MIN, 210 * MIN]);
    expect(texts[1]).toContain('Escalation 1 of 3: this high finding still has no owner after 1 h 30 min');
    expect(texts[3]).toContain('Escalation 3 of 3');
    expect(texts.every((t) => t.startsWith('<!subteam^S0ONCALL01>'))).toBe(true);
    // All sent: looked at again later (someone may take it), never another unowned reminder.
    expect(nextReminder(card({ remindersSent: 4 }), rules, BASE + 100 * 3600)).toEqual({ kind: 'wait', dueS: BASE + 101 * 3600 });
  });

  it('honours a different maximum and interval', () => {
    const two: ReminderRules = { ...rules, escalateEveryS: 15 * MIN, escalationMax: 1 };
    expect(unownedReminderDue(BASE, 2, two)).toBe(BASE + 45 * MIN);
    expect(nextReminder(card({ remindersSent: 1 }), two, BASE + 45 * MIN)).toMatchObject({ kind: 'send', reminder: { id: 'unowned#2' } });
    expect(nextReminder(card({ remindersSent: 2 }), two, BASE + 46 * MIN)).toMatchObject({ kind: 'wait' });
    const none: ReminderRules = { ...rules, escalationMax: 0 };
    expect(nextReminder(card({ remindersSent: 1 }), none, BASE + 10 * 3600)).toEqual({ kind: 'wait', dueS: BASE + 11 * 3600 });
  });

  it('a sweeper that was away sends the latest reminder due, not a backlog', () => {
    const late = nextReminder(card(), rules, BASE + 160 * MIN);
    expect(late).toMatchObject({ kind: 'send', reminder: { id: 'unowned#3' }, pin: { sentBefore: 0, sent: 3 } });
    expect(late.kind === 'send' && late.reminder.text).toContain('Escalation 2 of 3');
    expect(nextReminder(card(), rules, BASE + 1000 * MIN)).toMatchObject({ pin: { sentBefore: 0, sent: 4 } });
  });

  it('an owned finding not resolved after OWNED_REMINDER_HOURS gets one reminder to its owner', () => {
    const owned = card({ owner: 'U0ALICE001', ownedSince: BASE + 10 * MIN, status: 'investigating' });
    expect(nextReminder(owned, rules, BASE + 40 * MIN)).toEqual({ kind: 'wait', dueS: BASE + 10 * MIN + 24 * 3600 });
    const due = nextReminder(owned, rules, BASE + 10 * MIN + 24 * 3600);
    expect(due).toMatchObject({
      kind: 'send',
      reminder: { kind: 'owned', owner: 'U0ALICE001', id: `owned#${BASE + 10 * MIN}` },
      pin: { kind: 'owned', owner: 'U0ALICE001', ownedSince: BASE + 10 * MIN },
    });
    expect(due.kind === 'send' && due.reminder.text).toMatch(/^<@U0ALICE001> .*owned this high finding for 24 h and it is not resolved/);
    expect(due.kind === 'send' && due.reminder.text).not.toContain('subteam');
    // Sent for this ownership: never again (only watched, in case it is reassigned).
    expect(nextReminder({ ...owned, ownedReminderFor: BASE + 10 * MIN }, rules, BASE + 50 * 3600)).toMatchObject({ kind: 'wait' });
    // Reassigned later: the new owner gets their own a day after.
    const reassigned = { ...owned, owner: 'U0BOB00001', ownedSince: BASE + 30 * 3600, ownedReminderFor: BASE + 10 * MIN };
    expect(nextReminder(reassigned, rules, BASE + 54 * 3600)).toMatchObject({ kind: 'send', reminder: { owner: 'U0BOB00001' } });
  });

  it('taking a finding stops the unowned reminders', () => {
    const taken = card({ owner: 'U0ALICE001', ownedSince: BASE + 35 * MIN, remindersSent: 1 });
    const decision = nextReminder(taken, rules, BASE + 90 * MIN);
    expect(decision).toEqual({ kind: 'wait', dueS: BASE + 35 * MIN + 24 * 3600 });
  });

  it('resolved or archived findings, and missing cards, get none', () => {
    expect(nextReminder(card({ status: 'resolved', resolution: 'fixed' }), rules, BASE + 30 * MIN)).toEqual({
      kind: 'done',
      why: 'resolved',
    });
    expect(nextReminder(card({ status: 'resolved', owner: 'U0ALICE001', ownedSince: BASE }), rules, BASE + 48 * 3600)).toMatchObject({
      kind: 'done',
    });
    expect(nextReminder(card({ archived: true }), rules, BASE + 30 * MIN)).toEqual({ kind: 'done', why: 'archived' });
    expect(nextReminder(undefined, rules, BASE)).toMatchObject({ kind: 'done' });
  });

  it('a card not posted yet, or with a reminder pending, is looked at again later', () => {
    expect(nextReminder(card({ state: 'claimed', ts: undefined }), rules, BASE + 40 * MIN)).toEqual({
      kind: 'wait',
      dueS: BASE + 41 * MIN,
    });
    const pending = card({ pendingReminder: { id: 'unowned#1', kind: 'unowned', text: 'x', postingUntil: BASE + 32 * MIN } });
    expect(nextReminder(pending, rules, BASE + 31 * MIN)).toEqual({ kind: 'wait', dueS: BASE + 32 * MIN });
  });

  it('a recorded reminder is dropped when the card changed before it was posted', () => {
    const unowned = { id: 'unowned#1', kind: 'unowned' as const, text: 'x' };
    expect(stillRelevant(unowned, card())).toBe(true);
    expect(stillRelevant(unowned, card({ owner: 'U0ALICE001' }))).toBe(false);
    expect(stillRelevant(unowned, card({ archived: true }))).toBe(false);
    const owned = { id: 'owned#1', kind: 'owned' as const, text: 'x', owner: 'U0ALICE001' };
    expect(stillRelevant(owned, card({ owner: 'U0ALICE001' }))).toBe(true);
    expect(stillRelevant(owned, card({ owner: 'U0BOB00001' }))).toBe(false);
    expect(stillRelevant(owned, card({ owner: 'U0ALICE001', status: 'resolved' }))).toBe(false);
  });

  it('says durations the way people do', () => {
    expect([30 * MIN, 60 * MIN, 90 * MIN, 24 * 3600, 48 * 3600].map(duration)).toEqual(['30 min', '1 h', '1 h 30 min', '24 h', '2 d']);
  });
});
