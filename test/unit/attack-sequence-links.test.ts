/**
 * Issue 12, attack sequences: which signals are GuardDuty findings, the links between a sequence's card and its
 * signals' cards as the card shows them, the growth reply, and every signal of a long sequence page by page.
 */
import type { Finding as SdkFinding } from '@aws-sdk/client-guardduty';
import type { KnownBlock } from '@slack/types';
import { toFinding } from '../../src/aws/finding-mapper';
import { sequenceParts, signalFindingId, signalFindingIds, type AttackSequence, type Finding } from '../../src/domain/finding';
import {
  SIGNALS_PER_PAGE,
  allSignalsButton,
  cardListsAllSignals,
  decodeSignalsPage,
  encodeSignalsPage,
  sequenceGrowthText,
  sequenceSignalsPage,
} from '../../src/slack/blocks/attack-sequence';
import { cardHistory, findingCard } from '../../src/slack/blocks/finding-card';
import { ACTION } from '../../src/slack/ids';
import { assertNoUnescaped, assertValidMessage, collectTexts } from '../../support/helpers/block-kit';
import { loadFixture } from '../../support/helpers/fixtures';

const NAME = 'attacksequence-iam-compromisedcredentials';
const SIGNAL_ID = 'f1e2d3c4b5a6978812345678abcdef01';
const REGIONS = ['us-east-1', 'us-west-2'];
const EVIL = '<!channel> <https://evil.example|click> & <@U999> *bold*';
const THREAD = (ts: string) => `https://example.slack.com/archives/C0FINDINGS1/p${ts}`;

function text(blocks: readonly KnownBlock[]): string {
  return collectTexts(blocks)
    .map((t) => t.text)
    .join('\n');
}

/** The fixture with `n` signals: its own four, then CloudTrail signals made up here, given newest first. */
function sequenceOf(n: number, patch: (i: number) => Record<string, unknown> = () => ({})): SdkFinding {
  const f = loadFixture(NAME) as unknown as { Service: { Detection: { Sequence: { Signals: unknown[] } } } };
  const own = f.Service.Detection.Sequence.Signals;
  const extra = Array.from({ length: Math.max(0, n - own.length) }, (_, k) => {
    const i = n - own.length - 1 - k;
    const at = new Date(Date.UTC(2017, 11, 12, 12, i)).toISOString();
    return {
      Uid: `sig-extra-${i}`,
      Type: 'CLOUD_TRAIL',
      Name: `s3:GetObject-${String(i).padStart(2, '0')}`,
      Description: `Object read number ${i}. ${'Long detail. '.repeat(60)}`,
      CreatedAt: at,
      UpdatedAt: at,
      FirstSeenAt: at,
      LastSeenAt: at,
      Severity: 5,
      Count: i + 1,
      ResourceUids: [`arn:aws:s3:::bucket-${i}`],
      SignalIndicators: [{ Key: 'ATTACK_TACTIC', Values: ['Collection'] }],
      ...patch(i),
    };
  });
  f.Service.Detection.Sequence.Signals = [...own, ...extra];
  return f as unknown as SdkFinding;
}

describe('which signals are GuardDuty findings', () => {
  it.each([
    ['the finding ID', SIGNAL_ID, SIGNAL_ID],
    [
      'the finding ARN',
      `arn:aws:guardduty:us-east-1:123456789012:detector/aaabbbcccdddeeefff01234567890123/finding/${SIGNAL_ID}`,
      SIGNAL_ID,
    ],
    ['an ARN in another partition', `arn:aws-us-gov:guardduty:us-gov-west-1:123456789012:detector/d1/finding/${SIGNAL_ID}`, SIGNAL_ID],
    ['a Uid that is neither', 'sig-3', undefined],
    ['an ARN of something else', `arn:aws:iam::123456789012:user/${SIGNAL_ID}`, undefined],
    ['markup', `${SIGNAL_ID}<@U1>`, undefined],
  ])('a FINDING signal whose Uid is %s', (_, uid, id) => {
    expect(signalFindingId({ type: 'FINDING', uid })).toBe(id);
  });

  it('only FINDING signals, each once', () => {
    expect(signalFindingId({ type: 'CLOUD_TRAIL', uid: SIGNAL_ID })).toBeUndefined();
    const sequence = toFinding(loadFixture(NAME)).sequence as AttackSequence;
    expect(signalFindingIds(sequence)).toEqual([SIGNAL_ID]);
    expect(signalFindingIds({ signals: [...sequence.signals, ...sequence.signals] })).toEqual([SIGNAL_ID]);
  });
});

describe('an attack sequence is critical', () => {
  it('the fixture maps to the critical band and its card says so', () => {
    const f = toFinding(loadFixture(NAME));
    expect(f.band).toBe('critical');
    const header = findingCard(f)[0];
    expect(header?.type === 'header' && header.text.text).toMatch(/^CRITICAL 9\.2 · /);
  });

  it('stays critical whatever severity the wire gives it; other types keep their band', () => {
    const low = { ...loadFixture(NAME), Severity: 5 };
    expect(toFinding(low).band).toBe('critical');
    expect(toFinding({ ...loadFixture('unauthorizedaccess-ec2-sshbruteforce'), Severity: 5 }).band).toBe('medium');
  });
});

describe('links on the cards', () => {
  const sequence = toFinding(loadFixture(NAME));
  const signal = toFinding(loadFixture('unauthorizedaccess-ec2-sshbruteforce'));

  it('a signal’s card says which sequence it is part of, with a link to the sequence’s thread', () => {
    const record = { notes: [], partOfSequences: [{ findingId: sequence.id, title: sequence.title, url: THREAD('1700000000000100') }] };
    const blocks = findingCard(signal, cardHistory(record));
    assertValidMessage(blocks);
    expect(text(blocks)).toContain(`:link: Part of attack sequence *${sequence.title}* — <${THREAD('1700000000000100')}|open its thread>`);
  });

  it('a sequence’s card links to the threads of its signals that have cards, by name', () => {
    const record = { signalThreads: [{ findingId: SIGNAL_ID, url: THREAD('1700000000000200') }] };
    const blocks = findingCard(sequence, cardHistory(record));
    assertValidMessage(blocks);
    const section = collectTexts(blocks).find((t) => t.text.startsWith('*Signals with cards of their own*'));
    expect(section?.text).toBe(
      `*Signals with cards of their own*\n• <${THREAD('1700000000000200')}|UnauthorizedAccess:IAMUser/TorIPCaller>`,
    );
  });

  it('shows at most 3 sequences and 10 signal threads, then how many more', () => {
    const partOf = Array.from({ length: 5 }, (_, i) => ({
      findingId: `seq${i}0000000`,
      title: `Sequence ${i}`,
      url: THREAD(`17000000000003${String(i).padStart(2, '0')}`),
    }));
    const signalBlocks = findingCard(signal, cardHistory({ partOfSequences: partOf }));
    const line = collectTexts(signalBlocks).find((t) => t.text.includes('Part of attack sequence'))?.text ?? '';
    expect(line.split('\n')).toHaveLength(4);
    expect(line.split('\n')[3]).toBe('… and 2 more attack sequences');

    const f = toFinding(sequenceOf(30, (i) => ({ Type: 'FINDING', Uid: `extra${String(i).padStart(10, '0')}`, Name: `Finding ${i}` })));
    const threads = signalFindingIds(f.sequence as AttackSequence).map((id, i) => ({
      findingId: id,
      url: THREAD(`17000000000004${String(i).padStart(2, '0')}`),
    }));
    expect(threads).toHaveLength(27);
    const blocks = findingCard(f, cardHistory({ signalThreads: threads }));
    assertValidMessage(blocks);
    const list = collectTexts(blocks).find((t) => t.text.startsWith('*Signals with cards of their own*'))?.text ?? '';
    expect(list.split('\n').slice(1, -1)).toHaveLength(10);
    expect(list.split('\n').pop()).toBe('… and 17 more signals');
  });

  it('escapes hostile titles and names, and drops a link that is not a Slack permalink', () => {
    const partOf = [
      { findingId: 'a1234567890', title: EVIL, url: THREAD('1700000000000500') },
      { findingId: 'b1234567890', title: 'x', url: 'https://evil.example/a|b' },
      { findingId: 'c1234567890', title: 'y', url: 'javascript:alert(1)' },
      // https, shaped like a permalink, but not Slack's: someone wrote it into the state table.
      { findingId: 'd1234567890', title: 'z', url: 'https://slack.com.evil.example/archives/C0FINDINGS1/p1700000000000500' },
    ];
    const blocks = findingCard(signal, cardHistory({ partOfSequences: partOf }));
    assertNoUnescaped(blocks);
    const line = collectTexts(blocks).find((t) => t.text.includes('Part of attack sequence'))?.text ?? '';
    expect(line).toContain('*&lt;!channel&gt; &lt;https://evil.example|click&gt; &amp; &lt;@U999&gt; *bold**');
    expect(line.split('\n')).toHaveLength(1);

    const hostile = toFinding(sequenceOf(4, () => ({})));
    (hostile.sequence as AttackSequence).signals[1]!.name = EVIL;
    const seqBlocks = findingCard(hostile, cardHistory({ signalThreads: [{ findingId: SIGNAL_ID, url: THREAD('1700000000000600') }] }));
    assertNoUnescaped(seqBlocks);
    expect(text(seqBlocks)).toContain(`• <${THREAD('1700000000000600')}|&lt;!channel&gt; &lt;https://evil.example¦click&gt;`);
  });

  it('ignores link fields that are not well-formed', () => {
    const options = cardHistory({ partOfSequences: [null, 'x', { findingId: 1, url: 'u' }], signalThreads: { a: 1 } });
    expect(options.partOf).toEqual([]);
    expect(options.signalThreads).toEqual([]);
    expect(text(findingCard(signal, options))).not.toContain('Part of attack sequence');
  });
});

describe('growth reply', () => {
  const before = toFinding(loadFixture(NAME));
  const grown = toFinding(sequenceOf(6, (i) => ({ Name: i === 0 ? 'iam:DeleteUser' : EVIL, Uid: `new-${i}` })));
  const seq = grown.sequence as AttackSequence;
  seq.actors.push({ id: 'actor-2', userName: 'intruder' });

  it('names the signals and actors first seen now', () => {
    const old = new Set(sequenceParts(before.sequence as AttackSequence));
    const added = sequenceParts(seq).filter((p) => !old.has(p));
    expect(added).toEqual(['signal:new-1', 'signal:new-0', 'actor:actor-2']);
    const reply = sequenceGrowthText(seq, added) ?? '';
    expect(reply).toBe(
      ':chart_with_upwards_trend: The attack sequence grew: 2 new signals: iam:DeleteUser, ' +
        '&lt;!channel&gt; &lt;https://evil.example|click&gt; &amp; &lt;@U999&gt; *bold* · 1 new actor: intruder',
    );
  });

  it('says nothing when nothing added is in the sequence', () => {
    expect(sequenceGrowthText(seq, [])).toBeUndefined();
    expect(sequenceGrowthText(seq, ['signal:gone'])).toBeUndefined();
  });
});

describe('every signal, page by page', () => {
  const f: Finding = toFinding(sequenceOf(60));
  const sequence = f.sequence as AttackSequence;

  function pages(): KnownBlock[][] {
    const out: KnownBlock[][] = [];
    for (let page = 0; page < 10; page++) {
      const blocks = sequenceSignalsPage(f, page);
      out.push(blocks);
      const next = blocks.find((b) => b.type === 'actions');
      if (!next) break;
      const value = next.type === 'actions' && next.elements[0]?.type === 'button' ? next.elements[0].value : undefined;
      expect(decodeSignalsPage(value, REGIONS)).toEqual({ region: f.region, id: f.id, page: page + 1 });
    }
    return out;
  }

  it('the card cannot list 60 signals, so the answer offers them all', () => {
    expect(sequence.signals).toHaveLength(60);
    expect(cardListsAllSignals(sequence)).toBe(false);
    const button = allSignalsButton(f);
    expect(button).toMatchObject({ type: 'actions', elements: [{ action_id: ACTION.sequenceSignals, text: { text: 'All 60 signals' } }] });
    expect(allSignalsButton(toFinding(loadFixture(NAME)))).toBeUndefined();
  });

  it('shows all 60 across 3 pages, by first seen, each page within Block Kit’s limits', () => {
    const all = pages();
    expect(all).toHaveLength(Math.ceil(60 / SIGNALS_PER_PAGE));
    const names: string[] = [];
    for (const [i, blocks] of all.entries()) {
      assertValidMessage(blocks);
      assertNoUnescaped(blocks);
      expect(blocks.length).toBeLessThanOrEqual(50);
      for (const b of blocks) if (b.type === 'section' && b.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);
      expect(text(blocks)).toContain(`page ${i + 1} of 3`);
      for (const b of blocks.slice(1)) {
        const m = b.type === 'section' ? /^\*(\d+)\.\* (\S+)/.exec(b.text?.text ?? '') : null;
        if (m?.[2]) names.push(m[2]);
      }
    }
    expect(names).toHaveLength(60);
    expect(new Set(names).size).toBe(60);
    // By first seen: the fixture's own four (10:00 to 11:29), then the made-up ones from 12:00 on.
    expect(names.slice(0, 5)).toEqual([
      'UnauthorizedAccess:IAMUser/TorIPCaller',
      'iam:ListUsers',
      'iam:CreateAccessKey',
      'cloudtrail:StopLogging',
      's3:GetObject-00',
    ]);
    expect(names[59]).toBe('s3:GetObject-55');
    expect(all[2]?.some((b) => b.type === 'actions')).toBe(false);
  });

  it('a page of hostile, over-long signals stays escaped and within limits', () => {
    const long = toFinding(sequenceOf(25, () => ({ Name: `${EVIL}${'n'.repeat(400)}`, Description: EVIL.repeat(200) })));
    const blocks = sequenceSignalsPage(long, 1);
    assertValidMessage(blocks);
    assertNoUnescaped(blocks);
    expect(text(blocks)).toContain('signals 21–25 of 25');
  });

  it('refuses forged page values', () => {
    expect(decodeSignalsPage(encodeSignalsPage({ region: 'us-east-1', id: f.id, page: 2 }), REGIONS)).toEqual({
      region: 'us-east-1',
      id: f.id,
      page: 2,
    });
    for (const value of [
      undefined,
      '',
      `us-east-1 ${f.id}`,
      `eu-west-3 ${f.id} 1`,
      `us-east-1 ${f.id} -1`,
      `us-east-1 ${f.id} 11`,
      `us-east-1 ../x 1`,
      `us-east-1 ${f.id} 1 extra`,
    ]) {
      expect(decodeSignalsPage(value, REGIONS)).toBeUndefined();
    }
  });
});
