import fc from 'fast-check';
import { toFinding } from '../../src/aws/finding-mapper';
import { parseCommand } from '../../src/domain/command';
import { CommandSyntaxError } from '../../src/domain/errors';
import {
  RESOLUTIONS,
  ResolutionInvalidError,
  checkResolution,
  compareForMine,
  decideReassign,
  decideReopen,
  decideResolve,
  decideTake,
  offersArchive,
  triageOf,
  type TriageFields,
} from '../../src/domain/ownership';
import type { CardRecord } from '../../src/domain/ports';
import { findingCard } from '../../src/slack/blocks/finding-card';
import { ownedList, ownedPrompt, resolveForm, resolvedMessage } from '../../src/slack/blocks/ownership';
import { channelCardOptions } from '../../src/slack/card-options';
import { ACTION, BLOCK } from '../../src/slack/ids';
import {
  decodeAssignBlock,
  decodeReassignRef,
  decodeUserId,
  decodeVersionedRef,
  encodeAssignBlock,
  encodeReassignRef,
  encodeVersionedRef,
  readResolveForm,
} from '../../src/slack/values';
import { assertNoUnescaped, assertValidMessage, collectTexts } from '../../support/helpers/block-kit';
import { loadFixture } from '../../support/helpers/fixtures';

const ALICE = 'U0ALICE001';
const BOB = 'U0BOB00001';
const REGIONS = ['us-east-1', 'us-west-2'];
const ID = '0cbd1f0e8a9b3c2d4e5f60718293a4b5';

const texts = (blocks: unknown) =>
  collectTexts(blocks)
    .map((t) => t.text)
    .join('\n');

describe('ownership rules (pure)', () => {
  it('a record without ownership fields is new and unowned; an owner without a status is investigating', () => {
    expect(triageOf(undefined)).toEqual({ status: 'new', version: 0 });
    expect(triageOf({ owner: ALICE }).status).toBe('investigating');
    expect(triageOf({ owner: ALICE, status: 'resolved', triageVersion: 4 })).toMatchObject({ status: 'resolved', version: 4 });
  });

  it('take: unowned → take; owned by me → already; owned by someone else → Reassign offered with who and since when', () => {
    expect(decideTake(triageOf({}), ALICE)).toEqual({ kind: 'take' });
    expect(decideTake(triageOf({ owner: ALICE }), ALICE)).toEqual({ kind: 'already-owner' });
    expect(decideTake(triageOf({ owner: BOB, ownedSince: 1700 }), ALICE)).toEqual({ kind: 'owned', owner: BOB, since: 1700 });
  });

  it('reassign is pinned on the owner offered: changed when someone else holds it now, nothing when already the target', () => {
    expect(decideReassign(triageOf({ owner: BOB }), BOB, ALICE)).toEqual({ kind: 'reassign' });
    expect(decideReassign(triageOf({ owner: ALICE }), BOB, ALICE)).toEqual({ kind: 'already-owner' });
    expect(decideReassign(triageOf({ owner: 'U0CAROL001', ownedSince: 5 }), BOB, ALICE)).toEqual({
      kind: 'changed',
      owner: 'U0CAROL001',
      since: 5,
    });
    expect(decideReassign(triageOf({}), BOB, ALICE)).toEqual({ kind: 'changed', owner: undefined, since: undefined });
  });

  it('resolve: the owner, or anyone when unowned (who then owns it), or an approver; never twice', () => {
    expect(decideResolve(triageOf({}), ALICE, false)).toEqual({ kind: 'resolve', takesOwnership: true });
    expect(decideResolve(triageOf({ owner: ALICE }), ALICE, false)).toEqual({ kind: 'resolve', takesOwnership: false });
    expect(decideResolve(triageOf({ owner: BOB, ownedSince: 9 }), ALICE, false)).toEqual({ kind: 'not-owner', owner: BOB, since: 9 });
    expect(decideResolve(triageOf({ owner: BOB }), ALICE, true)).toEqual({ kind: 'resolve', takesOwnership: false });
    expect(decideResolve(triageOf({ owner: BOB, status: 'resolved', resolution: 'fixed', statusBy: BOB }), BOB, true)).toMatchObject({
      kind: 'already-resolved',
      resolution: 'fixed',
      by: BOB,
    });
  });

  it('reopen only a resolved finding', () => {
    expect(decideReopen(triageOf({ owner: ALICE, status: 'resolved' }))).toEqual({ kind: 'reopen' });
    expect(decideReopen(triageOf({ owner: ALICE }))).toEqual({ kind: 'not-resolved', status: 'investigating' });
    expect(decideReopen(triageOf({}))).toEqual({ kind: 'not-resolved', status: 'new' });
  });

  it('archive is offered for false positive and accepted risk only', () => {
    expect(RESOLUTIONS.filter(offersArchive)).toEqual(['false_positive', 'accepted_risk']);
  });

  it('the resolve form is checked: a known reason, a note within 500 characters (trimmed, empty dropped)', () => {
    expect(checkResolution('fixed', '  patched in PR 12 ')).toEqual({ reason: 'fixed', note: 'patched in PR 12' });
    expect(checkResolution('duplicate', '   ')).toEqual({ reason: 'duplicate' });
    expect(checkResolution('accepted_risk', undefined)).toEqual({ reason: 'accepted_risk' });
    for (const [reason, note] of [
      [undefined, 'x'],
      ['', undefined],
      ['wontfix', undefined],
      ['fixed', 'x'.repeat(501)],
      ['fixed', 42],
      [{ value: 'fixed' }, undefined],
    ] as [unknown, unknown][])
      expect(() => checkResolution(reason, note)).toThrow(ResolutionInvalidError);
  });

  it('mine sorts open before resolved, then most recent first', () => {
    const rows: TriageFields[] = [
      { owner: ALICE, status: 'resolved', statusSince: 50 },
      { owner: ALICE, status: 'investigating', statusSince: 10 },
      { owner: ALICE, status: 'investigating', statusSince: 30 },
    ];
    expect(
      rows
        .map(triageOf)
        .sort(compareForMine)
        .map((t) => [t.status, t.statusSince]),
    ).toEqual([
      ['investigating', 30],
      ['investigating', 10],
      ['resolved', 50],
    ]);
  });
});

describe('grammar: mine and unowned', () => {
  it('`mine` takes nothing; `findings … unowned` sets the filter in any position and case', () => {
    expect(parseCommand('mine', REGIONS)).toEqual({ kind: 'mine' });
    expect(parseCommand('  MINE ', REGIONS)).toEqual({ kind: 'mine' });
    expect(() => parseCommand('mine high', REGIONS)).toThrow(CommandSyntaxError);
    const parsed = parseCommand('findings UNOWNED high region:us-west-2', REGIONS);
    expect(parsed).toEqual({ kind: 'findings', filter: { band: 'high', archived: false, unowned: true, region: 'us-west-2' } });
    const plain = parseCommand('findings high', REGIONS);
    expect(plain.kind === 'findings' && 'unowned' in plain.filter).toBe(false);
  });

  it('fuzz: anything after mine is refused with a short message that says what to type', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 60 }), (junk) => {
        if (junk.trim() === '') return;
        try {
          parseCommand(`mine ${junk}`, REGIONS);
          throw new Error(`accepted mine ${junk}`);
        } catch (err) {
          if (!(err instanceof CommandSyntaxError)) throw err;
          expect(err.message.length).toBeLessThan(600);
          expect(err.message).toContain('/guardduty findings high unowned');
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('ownership values decode strictly (they can be forged)', () => {
  it('round-trips and refuses malformed references', () => {
    const reassign = { region: 'us-east-1', id: ID, from: BOB, to: ALICE };
    expect(decodeReassignRef(encodeReassignRef(reassign), REGIONS)).toEqual(reassign);
    for (const forged of [
      `us-east-1 ${ID} ${BOB}`,
      `us-east-1 ${ID} ${BOB} ${ALICE} extra`,
      `us-east-1 ${ID} <!channel> ${ALICE}`,
      `us-east-1 ${ID} ${ALICE} ${ALICE}`,
      `eu-west-3 ${ID} ${BOB} ${ALICE}`,
      `us-east-1 ../etc ${BOB} ${ALICE}`,
      '',
    ])
      expect(decodeReassignRef(forged, REGIONS)).toBeUndefined();
    const versioned = { region: 'us-west-2', id: ID, version: 7 };
    expect(decodeVersionedRef(encodeVersionedRef(versioned), REGIONS)).toEqual(versioned);
    for (const forged of [
      `us-west-2 ${ID}`,
      `us-west-2 ${ID} -1`,
      `us-west-2 ${ID} 07`,
      `us-west-2 ${ID} 1e3`,
      `us-west-2 ${ID} 9999999999`,
    ])
      expect(decodeVersionedRef(forged, REGIONS)).toBeUndefined();
    expect(decodeAssignBlock(encodeAssignBlock({ region: 'us-east-1', id: ID }), REGIONS)).toEqual({ region: 'us-east-1', id: ID });
    expect(decodeAssignBlock(`finding_actions`, REGIONS)).toBeUndefined();
    expect(decodeAssignBlock(`assign eu-west-3 ${ID}`, REGIONS)).toBeUndefined();
    expect(decodeUserId(ALICE)).toBe(ALICE);
    for (const bad of ['<!here>', 'C0CHAN0001', '', 42, undefined]) expect(decodeUserId(bad)).toBeUndefined();
  });

  it('reads the resolve form from state.values, and nothing from a payload of another shape', () => {
    const ids = {
      reason: BLOCK.resolveReason,
      reasonInput: BLOCK.resolveReasonInput,
      note: BLOCK.resolveNote,
      noteInput: BLOCK.resolveNoteInput,
    };
    const values = {
      [BLOCK.resolveReason]: { [BLOCK.resolveReasonInput]: { type: 'static_select', selected_option: { value: 'duplicate' } } },
      [BLOCK.resolveNote]: { [BLOCK.resolveNoteInput]: { type: 'plain_text_input', value: 'same as the other one' } },
    };
    expect(readResolveForm(values, ids)).toEqual({ reason: 'duplicate', note: 'same as the other one' });
    for (const odd of [
      undefined,
      null,
      'x',
      [],
      { [BLOCK.resolveReason]: 'fixed' },
      { [BLOCK.resolveReason]: { [BLOCK.resolveReasonInput]: null } },
    ])
      expect(readResolveForm(odd, ids)).toEqual({ reason: undefined, note: undefined });
  });
});

describe('ownership blocks', () => {
  const finding = toFinding(loadFixture('unauthorizedaccess-ec2-sshbruteforce'));
  const record = (fields: TriageFields): CardRecord => ({
    findingId: finding.id,
    region: finding.region,
    accountId: finding.accountId,
    severity: finding.severity,
    updatedAtMs: 0,
    count: 1,
    archived: false,
    state: 'posted',
    ...fields,
  });

  it('a new card shows "No owner · New", Take, Resolve… and the Assign… menu whose block ID names the finding', () => {
    const blocks = findingCard(finding, channelCardOptions(finding));
    assertValidMessage(blocks);
    expect(texts(blocks)).toContain(':bust_in_silhouette: No owner · :new: New');
    const json = JSON.stringify(blocks);
    expect(json).toContain(ACTION.take);
    expect(json).toContain(ACTION.resolveForm);
    expect(json).not.toContain(ACTION.reopen);
    const assign = blocks.find((b) => b.type === 'actions' && b.block_id?.startsWith('assign '));
    expect(decodeAssignBlock(assign?.block_id, REGIONS)).toEqual({ region: finding.region, id: finding.id });
  });

  it('an owned card says who since when; a resolved one says the reason, by whom, the escaped note, and offers Reopen only', () => {
    const owned = findingCard(
      finding,
      channelCardOptions(finding, record({ owner: ALICE, ownedSince: 1_764_000_000, status: 'investigating', statusSince: 1_764_000_000 })),
    );
    expect(texts(owned)).toContain(
      `:bust_in_silhouette: Owner <@${ALICE}> since 2025-11-24 16:00 UTC · :mag: Investigating since 2025-11-24 16:00 UTC`,
    );
    const resolved = findingCard(
      finding,
      channelCardOptions(
        finding,
        record({
          owner: ALICE,
          status: 'resolved',
          statusBy: BOB,
          statusSince: 1_764_000_000,
          resolution: 'false_positive',
          resolutionNote: 'scanner <!channel> & co',
        }),
      ),
    );
    assertValidMessage(resolved);
    assertNoUnescaped(resolved);
    expect(texts(resolved)).toContain(
      `Resolved as *false positive* by <@${BOB}> at 2025-11-24 16:00 UTC: scanner &lt;!channel&gt; &amp; co`,
    );
    const json = JSON.stringify(resolved);
    expect(json).toContain(ACTION.reopen);
    expect(json).not.toContain(ACTION.take);
    expect(json).not.toContain(ACTION.assign);
  });

  it('the prompt, form, resolved message and mine list are valid Block Kit and escaped', () => {
    const ref = { region: finding.region, id: finding.id };
    const prompt = ownedPrompt(ref, BOB, 1_764_000_000, ALICE, ALICE);
    assertValidMessage(prompt.blocks);
    expect(prompt.text).toBe(`:bust_in_silhouette: This finding is owned by <@${BOB}> since 2025-11-24 16:00 UTC. Reassign it to you?`);
    expect(decodeReassignRef(JSON.stringify(prompt.blocks).match(/"value":"([^"]+)"/)?.[1], REGIONS)).toEqual({
      ...ref,
      from: BOB,
      to: ALICE,
    });
    const form = resolveForm({ ...finding, title: 'evil <!channel> title' }, 3);
    assertValidMessage(form.blocks);
    assertNoUnescaped(form.blocks);
    expect(JSON.stringify(form.blocks)).toContain(encodeVersionedRef({ ...ref, version: 3 }));
    const fp = resolvedMessage({ ...ref, archived: false }, 'false_positive');
    assertValidMessage(fp.blocks);
    expect(JSON.stringify(fp.blocks)).toContain(ACTION.archive);
    expect(JSON.stringify(resolvedMessage({ ...ref, archived: true }, 'false_positive').blocks)).not.toContain(ACTION.archive);
    expect(JSON.stringify(resolvedMessage({ ...ref, archived: false }, 'fixed').blocks)).not.toContain(ACTION.archive);
    const many = Array.from({ length: 60 }, (_, i) => ({ card: record({ owner: ALICE }), finding: i % 2 ? finding : undefined }));
    const mine = ownedList(ALICE, many);
    assertValidMessage(mine.blocks);
    expect(mine.text).toBe(`You (<@${ALICE}>) own 60 findings: 60 open, 0 resolved.`);
  });
});
