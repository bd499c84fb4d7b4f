import { ACTION } from '../../src/slack/ids';
import { SIDE_EFFECT_ACTIONS, UserRateLimit } from '../../src/slack/user-rate-limit';

describe('UserRateLimit: a token bucket per person', () => {
  let now = 0;
  const limit = (options = {}) => new UserRateLimit({ now: () => now, ...options });
  beforeEach(() => {
    now = 1_000_000;
  });

  it('lets 10 through, refuses the 11th with the wait until the next token, told once', () => {
    const l = limit();
    for (let i = 0; i < 10; i++) expect(l.take('U1')).toEqual({ ok: true });
    expect(l.take('U1')).toEqual({ ok: false, retryInS: 6, tell: true });
    now += 1000;
    expect(l.take('U1')).toEqual({ ok: false, retryInS: 5, tell: false });
    now += 5000;
    expect(l.take('U1')).toEqual({ ok: true });
    expect(l.take('U1')).toEqual({ ok: false, retryInS: 6, tell: true });
  });

  it('counts each person on their own', () => {
    const l = limit({ capacity: 2 });
    expect(l.take('U1').ok).toBe(true);
    expect(l.take('U1').ok).toBe(true);
    expect(l.take('U1').ok).toBe(false);
    expect(l.take('U2').ok).toBe(true);
  });

  it('refills to the capacity, not beyond', () => {
    const l = limit({ capacity: 3, refillMs: 3000 });
    for (let i = 0; i < 3; i++) l.take('U1');
    now += 60_000;
    for (let i = 0; i < 3; i++) expect(l.take('U1').ok).toBe(true);
    expect(l.take('U1').ok).toBe(false);
  });

  it('forgets people whose bucket has refilled once it tracks maxUsers, and keeps the ones still limited', () => {
    const l = limit({ capacity: 1, refillMs: 10_000, maxUsers: 3 });
    l.take('U1');
    l.take('U2');
    now += 20_000;
    l.take('U3');
    l.take('U4');
    // U1 and U2 were forgotten (full again); U3 is still spent.
    expect(l.take('U3').ok).toBe(false);
    expect(l.take('U1').ok).toBe(true);
  });

  it('limits the buttons that change something, not View, paging, links or digests', () => {
    expect([...SIDE_EFFECT_ACTIONS].sort()).toEqual(
      [
        ACTION.archive,
        ACTION.feedbackUseful,
        ACTION.feedbackNotUseful,
        ACTION.postToChannel,
        ACTION.proposeFix,
        // Opening Suppress similar… counts matches in GuardDuty (ListFindings pages).
        ACTION.suppressSimilar,
        ACTION.approve,
        ACTION.reject,
        ACTION.cancel,
        ACTION.revert,
        ACTION.take,
        ACTION.assign,
        ACTION.reassign,
        ACTION.resolve,
        ACTION.reopen,
      ].sort(),
    );
    // Resolve… only shows the person a form; the form's Resolve button is the change.
    for (const free of [ACTION.viewFinding, ACTION.nextPage, ACTION.openConsole, ACTION.digestList, ACTION.resolveForm])
      expect(SIDE_EFFECT_ACTIONS.has(free)).toBe(false);
  });
});
