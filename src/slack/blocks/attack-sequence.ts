import type { KnownBlock } from '@slack/types';
import type { AttackSequence, SequenceActor, SequenceEndpoint, SequenceResource, SequenceSignal } from '../../domain/finding';
import { LIMITS, code, formatTime, mrkdwn, section } from './text';

/** MITRE ATT&CK's enterprise tactics in kill-chain order: the order a story of an attack reads in. */
const MITRE_ORDER = [
  'reconnaissance',
  'resource development',
  'initial access',
  'execution',
  'persistence',
  'privilege escalation',
  'defense evasion',
  'credential access',
  'discovery',
  'lateral movement',
  'collection',
  'command and control',
  'exfiltration',
  'impact',
];

const SIGNALS_SHOWN = 15;
const PARTIES_SHOWN = 5;
const TECHNIQUES_SHOWN = 10;
/** MITRE has 14 enterprise tactics: more are names GuardDuty may add. */
const TACTICS_SHOWN = 14;

function ms(iso: string | undefined): number {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
}

/** Signals by first seen, earliest first; those without a readable time last, in the order GuardDuty gave. */
export function signalsByFirstSeen(signals: readonly SequenceSignal[]): SequenceSignal[] {
  return signals
    .map((signal, i) => ({ signal, i, at: ms(signal.firstSeen) }))
    .sort((a, b) => (a.at === b.at ? a.i - b.i : a.at < b.at ? -1 : 1))
    .map((x) => x.signal);
}

function mitreRank(tactic: string): number {
  const i = MITRE_ORDER.indexOf(tactic.trim().toLowerCase());
  return i === -1 ? MITRE_ORDER.length : i;
}

function values(sequenceOrSignal: Pick<AttackSequence, 'indicators'>, key: string): string[] {
  return sequenceOrSignal.indicators.filter((i) => i.key === key).flatMap((i) => i.values);
}

/**
 * The tactics in the order they happened: by the first signal that showed each; tactics no signal carries
 * follow in kill-chain order (unknown names last, as given).
 */
export function tacticsInOrder(sequence: AttackSequence): string[] {
  const seen = new Map<string, string>();
  const add = (tactic: string) => {
    const key = tactic.trim().toLowerCase();
    if (key !== '' && !seen.has(key)) seen.set(key, tactic.trim());
  };
  for (const signal of signalsByFirstSeen(sequence.signals)) values(signal, 'ATTACK_TACTIC').forEach(add);
  const rest = values(sequence, 'ATTACK_TACTIC')
    .map((tactic, i) => ({ tactic, i, rank: mitreRank(tactic) }))
    .sort((a, b) => a.rank - b.rank || a.i - b.i);
  rest.forEach((r) => add(r.tactic));
  return [...seen.values()];
}

/** Lines joined under `budget` characters, the last line saying how many did not fit. */
function within(lines: readonly string[], max: number, more: (n: number) => string, budget: number = LIMITS.sectionText): string {
  const kept: string[] = [];
  let used = 0;
  for (const line of lines.slice(0, max)) {
    // Room for this line and for the "and N more" line that may follow it.
    if (used + line.length + 1 + more(lines.length).length + 1 > budget) break;
    kept.push(line);
    used += line.length + 1;
  }
  const hidden = lines.length - kept.length;
  if (hidden > 0) kept.push(more(hidden));
  return kept.join('\n');
}

function signalLine(signal: SequenceSignal): string {
  const count = signal.count !== undefined ? ` ×${signal.count}` : '';
  const when = signal.firstSeen || signal.lastSeen ? ` · ${formatTime(signal.firstSeen)} → ${formatTime(signal.lastSeen)}` : '';
  const kind = signal.type ? ` (${mrkdwn(signal.type.toLowerCase().replace(/_/g, ' '), 30)})` : '';
  return `• ${mrkdwn(signal.name, 150)}${kind}${count}${when}`;
}

function actorLine(actor: SequenceActor): string {
  const who = actor.userName ? mrkdwn(actor.userName, 100) : code(actor.id, 100);
  const parts = [
    actor.userType && mrkdwn(actor.userType, 40),
    actor.accountId && `account ${mrkdwn(actor.accountId, 40)}`,
    actor.credentialUid && `key ${mrkdwn(actor.credentialUid, 60)}`,
    actor.mfa && `MFA ${mrkdwn(actor.mfa.toLowerCase(), 20)}`,
    actor.processName && `process ${code(actor.processName, 100)}`,
  ].filter((p): p is string => Boolean(p));
  return `• ${who}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

function resourceLine(resource: SequenceResource): string {
  const type = resource.resourceType ? `${mrkdwn(resource.resourceType, 40)} ` : '';
  const name = resource.name && resource.name !== resource.uid ? ` (${mrkdwn(resource.name, 100)})` : '';
  const where = [resource.accountId, resource.region].filter((p): p is string => Boolean(p)).map((p) => mrkdwn(p, 40));
  return `• ${type}${code(resource.uid, 200)}${name}${where.length ? ` in ${where.join(' ')}` : ''}`;
}

function endpointLine(endpoint: SequenceEndpoint): string {
  const address = endpoint.ip ?? endpoint.domain ?? endpoint.id;
  const port = endpoint.port !== undefined ? ` port ${endpoint.port}` : '';
  const where = [endpoint.city, endpoint.country, endpoint.asName].filter((p): p is string => Boolean(p)).map((p) => mrkdwn(p, 80));
  return `• ${code(address, 260)}${port}${where.length ? ` (${where.join(', ')})` : ''}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function more(word: string): (n: number) => string {
  return (n) => `… and ${n} more ${n === 1 ? word : `${word}s`}`;
}

function partySection(label: string, word: string, lines: string[]): KnownBlock | undefined {
  if (lines.length === 0) return undefined;
  const heading = `*${label}*`;
  return section(`${heading}\n${within(lines, PARTIES_SHOWN, more(word), LIMITS.sectionText - heading.length - 1)}`);
}

/**
 * The attack sequence as a story, in at most six blocks: what happened, the tactics in order,
 * the signals by first seen, then the actors, resources and endpoints involved.
 * `findingDescription` is left out when the sequence's own description says the same.
 */
export function attackSequenceBlocks(sequence: AttackSequence, findingDescription = ''): KnownBlock[] {
  const signals = signalsByFirstSeen(sequence.signals);
  const first = signals.find((s) => s.firstSeen)?.firstSeen;
  const last = signals
    .map((s) => s.lastSeen)
    .filter((t): t is string => t !== undefined && !Number.isNaN(Date.parse(t)))
    .sort((a, b) => Date.parse(a) - Date.parse(b))
    .pop();
  const span = first && last ? ` from ${formatTime(first)} to ${formatTime(last)}` : '';
  const lines = [`:link: *Attack sequence* of ${plural(signals.length, 'signal')}${span}`];
  const description = sequence.description.trim();
  if (description !== '' && description !== findingDescription.trim()) lines.push(mrkdwn(description, 2000));
  const blocks: KnownBlock[] = [section(lines.join('\n'))];

  const tactics = tacticsInOrder(sequence).map((t) => mrkdwn(t, 60));
  const techniques = [...new Set(values(sequence, 'ATTACK_TECHNIQUE').map((t) => t.trim()))].filter(Boolean);
  const mitre: string[] = [];
  if (tactics.length > 0) {
    const hidden = tactics.length - TACTICS_SHOWN;
    mitre.push(`*Tactics:* ${tactics.slice(0, TACTICS_SHOWN).join(' → ')}${hidden > 0 ? ` and ${hidden} more` : ''}`);
  }
  if (techniques.length > 0) {
    const shown = techniques.slice(0, TECHNIQUES_SHOWN).map((t) => mrkdwn(t, 100));
    const hidden = techniques.length - shown.length;
    mitre.push(`*Techniques:* ${shown.join(', ')}${hidden > 0 ? ` and ${hidden} more` : ''}`);
  }
  if (mitre.length > 0) blocks.push(section(mitre.join('\n')));

  if (signals.length > 0) {
    const heading = '*Signals* (by first seen)';
    blocks.push(
      section(`${heading}\n${within(signals.map(signalLine), SIGNALS_SHOWN, more('signal'), LIMITS.sectionText - heading.length - 1)}`),
    );
  }
  for (const party of [
    partySection('Actors', 'actor', sequence.actors.map(actorLine)),
    partySection('Resources', 'resource', sequence.resources.map(resourceLine)),
    partySection('Endpoints', 'endpoint', sequence.endpoints.map(endpointLine)),
  ]) {
    if (party) blocks.push(party);
  }
  return blocks;
}
