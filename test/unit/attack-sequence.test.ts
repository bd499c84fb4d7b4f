/**
 * Issue 12, attack sequences: the mapper reads `service.detection.sequence` whatever is missing, and the card
 * tells it as a story (description, tactics in order, signals by first seen, actors and resources, "and N more").
 */
import type { Finding as SdkFinding } from '@aws-sdk/client-guardduty';
import type { KnownBlock } from '@slack/types';
import { toFinding } from '../../src/aws/finding-mapper';
import type { AttackSequence, Finding, SequenceSignal } from '../../src/domain/finding';
import { attackSequenceBlocks, signalsByFirstSeen, tacticsInOrder } from '../../src/slack/blocks/attack-sequence';
import { findingCard } from '../../src/slack/blocks/finding-card';
import { assertNoUnescaped, assertValidMessage, collectTexts } from '../../support/helpers/block-kit';
import { loadFixture } from '../../support/helpers/fixtures';

const NAME = 'attacksequence-iam-compromisedcredentials';
const FORBIDDEN = /undefined|null|NaN|Invalid Date|\[object Object\]/;
const NOTES = Array.from({ length: 20 }, (_, i) => `Note ${i + 1} by <@U0123ABCD>`);
const ACTIONS = ['propose', 'archive', 'feedback', 'post'] as const;

function raw(): SdkFinding {
  return loadFixture(NAME);
}

/** The fixture with its sequence replaced by `sequence` (wire form: any shape at all). */
function withSequence(sequence: unknown): SdkFinding {
  const f = raw() as unknown as { Service: { Detection: unknown } };
  f.Service.Detection = { Sequence: sequence };
  return f as unknown as SdkFinding;
}

function text(blocks: readonly KnownBlock[]): string {
  return collectTexts(blocks)
    .map((t) => t.text)
    .join('\n');
}

function storySections(blocks: readonly KnownBlock[]): string[] {
  return blocks.flatMap((b) => (b.type === 'section' && b.text ? [b.text.text] : []));
}

function fullCard(finding: Finding): KnownBlock[] {
  const blocks = findingCard(finding, { actions: [...ACTIONS], notes: NOTES, feedback: { useful: 2, notUseful: 1 } });
  assertValidMessage(blocks);
  assertNoUnescaped(blocks);
  return blocks;
}

function signal(i: number, patch: Record<string, unknown> = {}): Record<string, unknown> {
  const at = new Date(Date.UTC(2026, 10, 1, 0, i)).toISOString();
  return {
    Uid: `sig-${i}`,
    Type: 'CLOUD_TRAIL',
    Name: `iam:Call${String(i).padStart(2, '0')}`,
    CreatedAt: at,
    UpdatedAt: at,
    FirstSeenAt: at,
    LastSeenAt: at,
    Count: i + 1,
    ...patch,
  };
}

describe('toFinding: service.detection.sequence', () => {
  const f = toFinding(raw());

  it('reads the description, signals, actors, resources, endpoints and indicators', () => {
    const seq = f.sequence;
    expect(seq?.uid).toBe('a1b2c3d4e5f60718293a4b5c6d7e8f90');
    expect(seq?.description).toMatch(/^A sequence of actions involving 4 signals/);
    expect(seq?.signals.map((s) => s.name)).toEqual([
      'iam:CreateAccessKey',
      'UnauthorizedAccess:IAMUser/TorIPCaller',
      'cloudtrail:StopLogging',
      'iam:ListUsers',
    ]);
    expect(seq?.signals[1]).toEqual({
      uid: 'f1e2d3c4b5a6978812345678abcdef01',
      type: 'FINDING',
      name: 'UnauthorizedAccess:IAMUser/TorIPCaller',
      description: 'An API was invoked from a Tor exit node IP address.',
      severity: 5,
      count: 7,
      firstSeen: '2017-12-12T10:00:00.000Z',
      lastSeen: '2017-12-12T10:20:00.000Z',
      resourceUids: ['AKIAI44QH8DHBEXAMPLE'],
      actorIds: ['actor-ops-automation'],
      endpointIds: ['endpoint-198-51-100-23'],
      indicators: [
        { key: 'ATTACK_TACTIC', values: ['Initial Access'] },
        { key: 'ATTACK_TECHNIQUE', values: ['T1078.004 - Valid Accounts: Cloud Accounts'] },
        { key: 'TOR_IP', values: ['198.51.100.23'] },
      ],
    });
    expect(seq?.actors).toEqual([
      {
        id: 'actor-ops-automation',
        userName: 'ops-automation',
        userType: 'IAMUser',
        accountId: '123456789012',
        credentialUid: 'AKIAI44QH8DHBEXAMPLE',
        mfa: 'Disabled',
      },
    ]);
    expect(seq?.resources.map((r) => [r.resourceType, r.uid, r.name])).toEqual([
      ['AccessKey', 'AKIAI44QH8DHBEXAMPLE', 'ops-automation'],
      ['CloudTrail', 'arn:aws:cloudtrail:us-east-1:123456789012:trail/org-trail', 'org-trail'],
    ]);
    expect(seq?.endpoints).toEqual([
      {
        id: 'endpoint-198-51-100-23',
        ip: '198.51.100.23',
        city: 'Frankfurt am Main',
        country: 'Germany',
        asName: 'Example Tor Hosting',
      },
    ]);
    expect(seq?.indicators.map((i) => i.key)).toEqual(['ATTACK_TACTIC', 'ATTACK_TECHNIQUE', 'TOR_IP', 'HIGH_RISK_API']);
    expect(seq?.indicators[0]).toEqual({
      key: 'ATTACK_TACTIC',
      title: 'MITRE ATT&CK tactics observed',
      values: ['Persistence', 'Defense Evasion', 'Discovery', 'Initial Access'],
    });
  });

  it('takes the SDK’s Date objects as ISO times', () => {
    const f = toFinding(
      withSequence({ Uid: 'u', Description: 'd', Signals: [signal(1, { FirstSeenAt: new Date('2026-11-02T03:04:05Z') })] }),
    );
    expect(f.sequence?.signals[0]?.firstSeen).toBe('2026-11-02T03:04:05.000Z');
  });

  it('has no sequence on other findings, nor when detection or sequence is null', () => {
    expect(toFinding(loadFixture('recon-ec2-portprobe-ssh')).sequence).toBeUndefined();
    expect(toFinding(withSequence(null)).sequence).toBeUndefined();
    const f = raw() as unknown as { Service: { Detection: unknown } };
    f.Service.Detection = null;
    expect(toFinding(f as unknown as SdkFinding).sequence).toBeUndefined();
  });

  it('keeps what it can when every part is missing, null or the wrong type', () => {
    expect(toFinding(withSequence({})).sequence).toEqual({
      uid: undefined,
      description: '',
      signals: [],
      actors: [],
      resources: [],
      endpoints: [],
      indicators: [],
    });
    const f = toFinding(
      withSequence({
        Uid: 42,
        Description: null,
        Signals: [null, {}, { Name: null, Type: 'FINDING', Count: 'x', FirstSeenAt: 'soon', SignalIndicators: 'x' }],
        Actors: [null, {}, { Id: 'a', User: null, Session: 'x' }],
        Resources: 'x',
        Endpoints: [{ Id: 'e', Port: 70000, Location: null }],
        SequenceIndicators: [null, { Key: null }, { Key: 'ATTACK_TACTIC', Values: [null, 3, 'Impact'] }],
      }),
    );
    expect(f.sequence).toEqual({
      uid: undefined,
      description: '',
      signals: [
        {
          uid: undefined,
          type: 'FINDING',
          name: 'FINDING',
          description: undefined,
          severity: undefined,
          count: undefined,
          firstSeen: 'soon',
          lastSeen: undefined,
          resourceUids: [],
          actorIds: [],
          endpointIds: [],
          indicators: [],
        },
      ],
      actors: [{ id: 'a' }],
      resources: [],
      endpoints: [{ id: 'e' }],
      indicators: [{ key: 'ATTACK_TACTIC', values: ['Impact'] }],
    });
  });
});

describe('attack sequence card', () => {
  const f = toFinding(raw());
  const blocks = fullCard(f);
  const all = text(blocks);

  it('tells the sequence: description, then tactics in the order they happened', () => {
    expect(all).toContain(':link: *Attack sequence* of 4 signals from 2017-12-12 10:00 UTC to 2017-12-12 11:29 UTC');
    expect(all).toContain('Behaviours: 4 MITRE ATT&amp;CK tactics');
    expect(all).toContain('*Tactics:* Initial Access → Discovery → Persistence → Defense Evasion');
    expect(all).toContain('*Techniques:* T1078.004 - Valid Accounts: Cloud Accounts, T1087.004');
  });

  it('lists the signals by first seen, with count and first and last seen', () => {
    const signals = storySections(blocks).find((t) => t.startsWith('*Signals*'));
    expect(signals?.split('\n')).toEqual([
      '*Signals* (by first seen)',
      '• UnauthorizedAccess:IAMUser/TorIPCaller (finding) ×7 · 2017-12-12 10:00 UTC → 2017-12-12 10:20 UTC',
      '• iam:ListUsers (cloud trail) ×12 · 2017-12-12 10:30 UTC → 2017-12-12 10:33 UTC',
      '• iam:CreateAccessKey (cloud trail) ×2 · 2017-12-12 10:40 UTC → 2017-12-12 10:41 UTC',
      '• cloudtrail:StopLogging (cloud trail) ×1 · 2017-12-12 11:29 UTC → 2017-12-12 11:29 UTC',
    ]);
  });

  it('names the actors, resources and endpoints involved', () => {
    const sections = storySections(blocks);
    expect(sections).toContain('*Actors*\n• ops-automation (IAMUser, account 123456789012, key AKIAI44QH8DHBEXAMPLE, MFA disabled)');
    expect(sections).toContain(
      '*Resources*\n• AccessKey `AKIAI44QH8DHBEXAMPLE` (ops-automation) in 123456789012 us-east-1\n' +
        '• CloudTrail `arn:aws:cloudtrail:us-east-1:123456789012:trail/org-trail` (org-trail) in 123456789012 us-east-1',
    );
    expect(sections).toContain('*Endpoints*\n• `198.51.100.23` (Frankfurt am Main, Germany, Example Tor Hosting)');
  });

  it('comes after the description and before the notes, keeping the card’s buttons', () => {
    const at = (pred: (b: KnownBlock) => boolean) => blocks.findIndex(pred);
    const story = at((b) => b.type === 'section' && !!b.text?.text.startsWith(':link: *Attack sequence*'));
    const note = at((b) => b.type === 'context' && JSON.stringify(b).includes('Note 1 by'));
    expect(story).toBeGreaterThan(1);
    expect(note).toBeGreaterThan(story);
    expect(blocks.some((b) => b.type === 'actions')).toBe(true);
  });

  it('leaves the sequence’s description out when it repeats the finding’s', () => {
    const seq = f.sequence as AttackSequence;
    const story = attackSequenceBlocks({ ...seq, description: f.description }, f.description);
    expect(text(story)).not.toContain('involving 4 signals');
  });

  it('has no story on other findings', () => {
    expect(text(findingCard(toFinding(loadFixture('recon-ec2-portprobe-ssh'))))).not.toContain('Attack sequence');
  });
});

describe('a long sequence', () => {
  const many = (n: number, make: (i: number) => Record<string, unknown>) => Array.from({ length: n }, (_, i) => make(i));
  const long = 'x'.repeat(400);
  // Given in reverse, so the card must sort them.
  const sequence = {
    Uid: 'big',
    Description: `Sixty signals. ${'A long story. '.repeat(400)}`,
    Signals: many(60, (i) => signal(59 - i, { Name: `${long}-${59 - i}`, Description: long })),
    Actors: many(60, (i) => ({ Id: `actor-${i}-${long}`, User: { Name: `${long}-${i}`, Uid: 'u', Type: 'IAMUser' } })),
    Resources: many(60, (i) => ({ Uid: `arn:aws:s3:::${long}-${i}`, ResourceType: 'S3Bucket', Name: long })),
    Endpoints: many(60, (i) => ({ Id: `e${i}`, Domain: `${long}.example.com`, Port: 443 })),
    SequenceIndicators: [
      { Key: 'ATTACK_TACTIC', Values: Array.from({ length: 60 }, (_, i) => `Tactic ${i} ${long}`) },
      { Key: 'ATTACK_TECHNIQUE', Values: Array.from({ length: 60 }, (_, i) => `T${1000 + i} ${long}`) },
    ],
  };
  const f = toFinding(withSequence(sequence));
  const blocks = fullCard(f);
  const sections = storySections(blocks);

  it('stays a valid message with every action and 20 notes', () => {
    expect(blocks.length).toBeLessThanOrEqual(50);
    for (const b of blocks) if (b.type === 'section' && b.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);
    expect(blocks.some((b) => b.type === 'actions')).toBe(true);
    expect(text(blocks)).toContain('Note 20 by');
  });

  it('shows the first signals by first seen and says how many more', () => {
    const signals = sections.find((t) => t.startsWith('*Signals*')) ?? '';
    const lines = signals.split('\n').slice(1);
    const shown = lines.length - 1;
    expect(shown).toBeGreaterThan(0);
    expect(lines[0]).toContain('-0');
    expect(lines[lines.length - 1]).toBe(`… and ${60 - shown} more signals`);
    expect(text(blocks)).toContain(':link: *Attack sequence* of 60 signals');
  });

  it('says "and N more" for actors, resources, endpoints and techniques', () => {
    for (const [label, word] of [
      ['*Actors*', 'actors'],
      ['*Resources*', 'resources'],
      ['*Endpoints*', 'endpoints'],
    ] as const) {
      const section = sections.find((t) => t.startsWith(label)) ?? '';
      expect(section.split('\n').pop()).toMatch(new RegExp(`^… and \\d+ more ${word}$`));
    }
    expect(text(blocks)).toMatch(/\*Tactics:\*.* and 46 more\n\*Techniques:\*.* and 50 more$/m);
  });
});

describe('hostile strings', () => {
  const evil = '<!channel> <https://evil.example|click> & <@U999> *bold*';
  const f = toFinding(
    withSequence({
      Uid: evil,
      Description: evil,
      Signals: [
        signal(1, {
          Name: evil,
          Type: evil,
          FirstSeenAt: evil,
          LastSeenAt: evil,
          SignalIndicators: [{ Key: 'ATTACK_TACTIC', Values: [evil] }],
        }),
      ],
      Actors: [{ Id: evil, User: { Name: evil, Type: evil, CredentialUid: evil, Account: { Uid: evil } }, Process: { Name: `\`${evil}` } }],
      Resources: [{ Uid: evil, Name: evil, ResourceType: evil, AccountId: evil, Region: evil }],
      Endpoints: [{ Id: evil, Domain: evil, Location: { City: evil, Country: evil }, AutonomousSystem: { Name: evil } }],
      SequenceIndicators: [
        { Key: 'ATTACK_TACTIC', Values: [evil] },
        { Key: 'ATTACK_TECHNIQUE', Values: [evil] },
      ],
    }),
  );
  const blocks = fullCard(f);

  it('are escaped everywhere in the story', () => {
    const story = text(attackSequenceBlocks(f.sequence as AttackSequence));
    expect(story).not.toContain('<!channel>');
    expect(story).not.toContain('<https://evil');
    expect(story).not.toContain('<@U999>');
    expect(story).toContain('&lt;!channel&gt;');
    expect(story).toContain('*Tactics:* &lt;!channel&gt;');
    assertNoUnescaped(blocks);
  });
});

describe('a sequence with every optional part missing', () => {
  it.each([
    ['an empty sequence', {}],
    ['only signals with nothing but a type', { Signals: [{ Type: 'FINDING' }, { Type: 'CLOUD_TRAIL', FirstSeenAt: null }] }],
    ['null lists', { Description: '', Signals: null, Actors: null, Resources: null, Endpoints: null, SequenceIndicators: null }],
  ])('%s still renders, with no empty or broken text', (_, sequence) => {
    const f = toFinding(withSequence(sequence));
    const blocks = fullCard(f);
    const story = attackSequenceBlocks(f.sequence as AttackSequence);
    expect(story.length).toBeGreaterThan(0);
    expect(text(story)).toMatch(/^:link: \*Attack sequence\* of \d+ signals?/);
    for (const t of collectTexts(blocks)) {
      expect(t.text.trim()).not.toBe('');
      expect(t.text).not.toMatch(FORBIDDEN);
    }
  });
});

describe('ordering', () => {
  const s = (name: string, firstSeen?: string, tactics: string[] = []): SequenceSignal => ({
    name,
    firstSeen,
    resourceUids: [],
    actorIds: [],
    endpointIds: [],
    indicators: tactics.length ? [{ key: 'ATTACK_TACTIC', values: tactics }] : [],
  });

  it('sorts signals by first seen, unreadable times last in their given order', () => {
    const sorted = signalsByFirstSeen([s('late', '2026-01-03T00:00:00Z'), s('none'), s('early', '2026-01-01T00:00:00Z'), s('bad', 'soon')]);
    expect(sorted.map((x) => x.name)).toEqual(['early', 'late', 'none', 'bad']);
  });

  it('orders tactics by their first signal, then the rest in kill-chain order, unknown ones last', () => {
    const sequence: AttackSequence = {
      description: '',
      signals: [s('b', '2026-01-02T00:00:00Z', ['Impact']), s('a', '2026-01-01T00:00:00Z', ['Exfiltration', 'impact'])],
      actors: [],
      resources: [],
      endpoints: [],
      indicators: [{ key: 'ATTACK_TACTIC', values: ['Made Up', 'Discovery', 'Impact', 'Initial Access'] }],
    };
    expect(tacticsInOrder(sequence)).toEqual(['Exfiltration', 'impact', 'Initial Access', 'Discovery', 'Made Up']);
  });
});
