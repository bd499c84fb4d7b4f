import type { KnownBlock } from '@slack/types';
import { FINDING_ID_PATTERN, REGION_PATTERN } from '../../domain/command';
import type {
  AttackSequence,
  Finding,
  SequenceActor,
  SequenceEndpoint,
  SequenceLink,
  SequenceResource,
  SequenceSignal,
} from '../../domain/finding';
import { signalFindingId, signalKey } from '../../domain/finding';
import { isConfiguredRegion } from '../../domain/regions';
import { ACTION } from '../ids';
import { LIMITS, button, code, context, formatTime, mrkdwn, plain, section, truncate } from './text';

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
  return fit(lines, max, more, budget).text;
}

function fit(lines: readonly string[], max: number, more: (n: number) => string, budget: number): { text: string; hidden: number } {
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
  return { text: kept.join('\n'), hidden };
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

const SIGNALS_HEADING = '*Signals* (by first seen)';

function signalsSection(sorted: readonly SequenceSignal[]): { text: string; hidden: number } {
  const { text, hidden } = fit(sorted.map(signalLine), SIGNALS_SHOWN, more('signal'), LIMITS.sectionText - SIGNALS_HEADING.length - 1);
  return { text: `${SIGNALS_HEADING}\n${text}`, hidden };
}

/** Whether the card's story names every signal (else `finding <id>` offers them page by page). */
export function cardListsAllSignals(sequence: Pick<AttackSequence, 'signals'>): boolean {
  return signalsSection(signalsByFirstSeen(sequence.signals)).hidden === 0;
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

  if (signals.length > 0) blocks.push(section(signalsSection(signals).text));
  for (const party of [
    partySection('Actors', 'actor', sequence.actors.map(actorLine)),
    partySection('Resources', 'resource', sequence.resources.map(resourceLine)),
    partySection('Endpoints', 'endpoint', sequence.endpoints.map(endpointLine)),
  ]) {
    if (party) blocks.push(party);
  }
  return blocks;
}

// ---------------------------------------------------------------- links between a sequence's card and its signals' cards

const SEQUENCES_SHOWN = 3;
const SIGNAL_THREADS_SHOWN = 10;

/**
 * A Slack message permalink (`https://<workspace>.slack.com/archives/<channel>/p<ts>`, thread query allowed), as a
 * mrkdwn link target; anything else is refused: the links are read from the state table, which others can write.
 */
const PERMALINK =
  /^https:\/\/[a-z0-9-]+(\.enterprise)?\.slack(-gov)?\.com\/archives\/[A-Z0-9]{6,20}\/p\d{16}(\?[A-Za-z0-9_=&.%-]{0,200})?$/;

function linkTarget(url: string): string | undefined {
  return PERMALINK.test(url) ? url.replace(/&/g, '&amp;') : undefined;
}

/** A link's label: escaped, on one line, without the `|` that ends a link's target (in case a client reads it so). */
function linkLabel(text: string, max: number): string {
  return mrkdwn(text.replace(/\s+/g, ' ').replace(/\|/g, '¦'), max);
}

/** "Part of attack sequence <title> — its thread", one line per sequence the finding is a signal of. */
export function partOfSequenceBlock(links: readonly SequenceLink[]): KnownBlock | undefined {
  const lines = links.flatMap((l) => {
    const target = linkTarget(l.url);
    if (!target) return [];
    return [`:link: Part of attack sequence *${mrkdwn(l.title ?? l.findingId, 200)}* — <${target}|open its thread>`];
  });
  if (lines.length === 0) return undefined;
  const hidden = lines.length - SEQUENCES_SHOWN;
  const shown = lines.slice(0, SEQUENCES_SHOWN);
  if (hidden > 0) shown.push(`… and ${hidden} more attack sequence${hidden === 1 ? '' : 's'}`);
  return context(shown.join('\n'));
}

/** The sequence's signals that have cards of their own, each a link to its thread (by first seen). */
export function signalThreadsBlock(sequence: AttackSequence, links: readonly SequenceLink[]): KnownBlock | undefined {
  const byId = new Map(links.flatMap((l) => (linkTarget(l.url) ? [[l.findingId, l] as const] : [])));
  const lines: string[] = [];
  const listed = new Set<string>();
  for (const signal of signalsByFirstSeen(sequence.signals)) {
    const id = signalFindingId(signal);
    const link = id ? byId.get(id) : undefined;
    if (!id || !link || listed.has(id)) continue;
    listed.add(id);
    lines.push(`• <${linkTarget(link.url) ?? ''}|${linkLabel(signal.name, 150)}>`);
  }
  if (lines.length === 0) return undefined;
  const heading = '*Signals with cards of their own*';
  return section(`${heading}\n${within(lines, SIGNAL_THREADS_SHOWN, more('signal'), LIMITS.sectionText - heading.length - 1)}`);
}

const NAMES_SHOWN = 10;

function named(count: number, word: string, names: readonly string[]): string {
  const shown = names.slice(0, NAMES_SHOWN).join(', ');
  const hidden = names.length - NAMES_SHOWN;
  return `${plural(count, `new ${word}`)}: ${shown}${hidden > 0 ? ` and ${hidden} more` : ''}`;
}

/**
 * The thread reply when a sequence grows: "2 new signals: a, b · 1 new actor: c", from the parts first seen now
 * (keys as `sequenceParts` gives them); undefined when none of them is still in the sequence.
 */
export function sequenceGrowthMessage(sequence: AttackSequence, added: readonly string[]): { text: string } | undefined {
  const text = sequenceGrowthText(sequence, added);
  return text ? { text } : undefined;
}

export function sequenceGrowthText(sequence: AttackSequence, added: readonly string[]): string | undefined {
  const fresh = new Set(added);
  const signals = signalsByFirstSeen(sequence.signals).filter((s) => fresh.has(signalKey(s)));
  const actors = sequence.actors.filter((a) => fresh.has(`actor:${a.id}`));
  const resources = sequence.resources.filter((r) => fresh.has(`resource:${r.uid}`));
  const parts = [
    signals.length > 0 &&
      named(
        signals.length,
        'signal',
        signals.map((s) => mrkdwn(s.name, 150)),
      ),
    actors.length > 0 &&
      named(
        actors.length,
        'actor',
        actors.map((a) => mrkdwn(a.userName ?? a.id, 100)),
      ),
    resources.length > 0 &&
      named(
        resources.length,
        'resource',
        resources.map((r) => code(r.uid, 200)),
      ),
  ].filter((p): p is string => Boolean(p));
  if (parts.length === 0) return undefined;
  return truncate(`:chart_with_upwards_trend: The attack sequence grew: ${parts.join(' · ')}`, LIMITS.messageText);
}

// ---------------------------------------------------------------- every signal, page by page

export const SIGNALS_PER_PAGE = 20;
const PAGE_MAX = 10;

/** A "Next signals" button's value: `<region> <finding id> <page>`. */
export interface SignalsPageRef {
  region: string;
  id: string;
  page: number;
}

export function encodeSignalsPage(ref: SignalsPageRef): string {
  return `${ref.region} ${ref.id} ${ref.page}`;
}

/** Undefined for anything this bot could not have written (button values can be forged), a region not configured included. */
export function decodeSignalsPage(value: string | undefined, regions: readonly string[]): SignalsPageRef | undefined {
  const parts = (value ?? '').split(' ');
  const [region, id, page] = parts;
  if (parts.length !== 3 || !region || !id || !page || !/^\d{1,2}$/.test(page)) return undefined;
  if (!REGION_PATTERN.test(region) || !FINDING_ID_PATTERN.test(id) || !isConfiguredRegion(regions, region)) return undefined;
  const n = Number(page);
  return n <= PAGE_MAX ? { region, id, page: n } : undefined;
}

function indicatorText(signal: SequenceSignal, key: string, label: string): string | undefined {
  const shown = [...new Set(values(signal, key))].slice(0, 5).map((v) => mrkdwn(v, 100));
  return shown.length > 0 ? `${label}: ${shown.join(', ')}` : undefined;
}

function signalDetail(signal: SequenceSignal, n: number): string {
  const lines = [`*${n}.* ${signalLine(signal).slice(2)}`];
  if (signal.severity !== undefined) lines.push(`Severity ${signal.severity.toFixed(1)}`);
  if (signal.description) lines.push(mrkdwn(signal.description, 1000));
  const tactics = indicatorText(signal, 'ATTACK_TACTIC', 'Tactics');
  const techniques = indicatorText(signal, 'ATTACK_TECHNIQUE', 'Techniques');
  if (tactics) lines.push(tactics);
  if (techniques) lines.push(techniques);
  if (signal.resourceUids.length > 0) {
    const hidden = signal.resourceUids.length - 3;
    lines.push(
      `Resources: ${signal.resourceUids
        .slice(0, 3)
        .map((r) => code(r, 200))
        .join(', ')}${hidden > 0 ? ` and ${hidden} more` : ''}`,
    );
  }
  return lines.join('\n');
}

/** The button under the card that opens the signals' first page; undefined when the card already lists them all. */
export function allSignalsButton(finding: Pick<Finding, 'id' | 'region' | 'sequence'>): KnownBlock | undefined {
  const sequence = finding.sequence;
  if (!sequence || cardListsAllSignals(sequence)) return undefined;
  const value = encodeSignalsPage({ region: finding.region, id: finding.id, page: 0 });
  return { type: 'actions', elements: [button(`All ${sequence.signals.length} signals`, ACTION.sequenceSignals, value)] };
}

/**
 * One page of the sequence's signals by first seen, each in full (description, tactics, techniques, resources),
 * with "Next signals" while more follow: at most SIGNALS_PER_PAGE + 2 blocks, every text within Slack's limits.
 */
export function sequenceSignalsPage(finding: Pick<Finding, 'id' | 'region' | 'title' | 'sequence'>, page: number): KnownBlock[] {
  const signals = signalsByFirstSeen(finding.sequence?.signals ?? []);
  const pages = Math.max(1, Math.ceil(signals.length / SIGNALS_PER_PAGE));
  const at = Math.min(Math.max(0, page), pages - 1);
  const from = at * SIGNALS_PER_PAGE;
  const slice = signals.slice(from, from + SIGNALS_PER_PAGE);
  const range = slice.length > 0 ? `signals ${from + 1}–${from + slice.length} of ${signals.length}` : 'no signals';
  const blocks: KnownBlock[] = [
    section(`:link: *Attack sequence* ${mrkdwn(finding.title, 300)}: ${range} (by first seen), page ${at + 1} of ${pages}`),
    ...slice.map((signal, i) => section(signalDetail(signal, from + i + 1))),
  ];
  if (at + 1 < pages && at + 1 <= PAGE_MAX) {
    const value = encodeSignalsPage({ region: finding.region, id: finding.id, page: at + 1 });
    blocks.push({ type: 'actions', elements: [button(plain('Next signals', LIMITS.buttonText), ACTION.sequenceSignals, value)] });
  }
  return blocks;
}
