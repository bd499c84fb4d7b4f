import type { KnownBlock } from '@slack/types';
import type { ChatMessage } from '../../domain/ports';
import { SEVERITY_BANDS } from '../../domain/severity';
import { formatDuration, type DurationSummary, type Ranked, type StatsReport } from '../../domain/stats';
import { BAND_EMOJI } from './finding-card';
import { LIMITS, bullets, code, context, mrkdwn, plain, section, utc } from './text';

const BAND_LABEL = { low: 'Low', medium: 'Medium', high: 'High', critical: 'Critical' } as const;

function durations(what: string, d: DurationSummary): string {
  if (d.count === 0 || d.medianS === undefined || d.p90S === undefined) return `${what}: —`;
  return `${what}: median *${formatDuration(d.medianS)}*, p90 *${formatDuration(d.p90S)}* (${d.count} card${d.count === 1 ? '' : 's'})`;
}

function ranked(title: string, rows: readonly Ranked[], none: string): string {
  if (rows.length === 0) return `*${title}*\n${none}`;
  return `*${title}*\n${bullets(
    rows.map((r) => `${code(r.key, 120)} ${r.count}`),
    rows.length,
  )}`;
}

export interface StatsMessageOptions {
  /** The header, e.g. "GuardDuty numbers: last 7 days". */
  title: string;
  /** Whose cards the records part covers (a channel mention for a summary); every channel when undefined. */
  channelId?: string;
}

/**
 * The numbers of a period as one message: GuardDuty's counts by band, account and type, then the posted cards'
 * times from the bot's records, then the open unowned high/critical findings. Every finding-derived string escaped.
 */
export function statsMessage(report: StatsReport, options: StatsMessageOptions): ChatMessage & { blocks: KnownBlock[] } {
  const blocks: KnownBlock[] = [{ type: 'header', text: { type: 'plain_text', text: plain(options.title, LIMITS.headerText) } }];
  const period = `${utc(Math.floor(report.fromMs / 1000))} – ${utc(Math.floor(report.toMs / 1000))}`;
  if (report.noStatistics) {
    blocks.push(section(`:information_source: GuardDuty's counts are not available here (no GetFindingsStatistics). ${period}`));
  } else {
    const bands = [...SEVERITY_BANDS]
      .reverse()
      .map((b) => `${BAND_EMOJI[b]} ${BAND_LABEL[b]} *${report.bands[b]}*`)
      .join(' · ');
    blocks.push(
      section(
        `*${report.total} finding${report.total === 1 ? '' : 's'}* updated ${period} (archived included${options.channelId ? '; every channel' : ''})\n${bands}`,
      ),
      section(ranked('By account', report.accounts, 'None.')),
      section(ranked('Noisiest types', report.types, 'None.')),
    );
  }
  const cards = report.cards;
  if (cards) {
    const where = options.channelId ? ` in <#${options.channelId}>` : '';
    blocks.push(
      section(
        [
          `*Cards posted${where}*: *${cards.posted}*${cards.truncated ? ' (the earliest; more were posted)' : ''} · taken ${cards.owned} · resolved ${cards.resolved}`,
          durations('Time to own (card → first owner)', cards.timeToOwn),
          durations('Time to resolve (card → Resolve)', cards.timeToResolve),
          ...(options.channelId ? [`Open high/critical cards nobody owns: *${cards.openUnownedHigh}*`] : []),
        ].join('\n'),
      ),
    );
  }
  if (!cards) {
    blocks.push(
      section(
        ':information_source: Time to own and to resolve come from the records the bot keeps of its cards; this state store keeps none.',
      ),
    );
  }
  if (report.openUnowned) {
    const { count, more } = report.openUnowned;
    blocks.push(section(`*Open high/critical findings nobody owns*: *${count}${more ? '+' : ''}* (all of GuardDuty, any age)`));
  }
  const notes = ['Median and p90 by nearest rank.'];
  if (report.groupsTruncated) notes.push('GuardDuty returned the largest 100 groups of a region: smaller ones are left out.');
  if (report.failures.length > 0) {
    notes.push(
      `:warning: Left out: ${report.failures
        .slice(0, 5)
        .map((f) => `${mrkdwn(f.region, 30)} (${mrkdwn(f.message, 200)})`)
        .join('; ')}`,
    );
  }
  blocks.push(context(notes.join(' ')));
  const text = report.noStatistics
    ? options.title
    : `${options.title}: ${report.total} findings (${[...SEVERITY_BANDS]
        .reverse()
        .map((b) => `${report.bands[b]} ${b}`)
        .join(', ')})`;
  return { text: mrkdwn(text, 500), blocks };
}
