import type { KnownBlock } from '@slack/types';
import { describeError } from '../domain/errors';
import type { Finding } from '../domain/finding';
import { applicablePlaybooks } from '../domain/remediation/registry';
import { allSignalsButton } from './blocks/attack-sequence';
import { cardHistory, findingCard, type CardOptions } from './blocks/finding-card';
import { proposalHistory } from './blocks/proposal-message';
import { LIMITS, mrkdwn } from './blocks/text';
import type { SlackDeps } from './deps';

/**
 * The card answered to `/guardduty finding <id>` or "View": with a link to the finding's thread when it
 * has a card in the channel, else a "Post to channel" button. A store outage degrades to the bare card.
 * An attack sequence whose card cannot list every signal gets "All N signals" under its card (paged, see
 * sequence-signals.ts).
 */
export async function findingAnswer(deps: SlackDeps, finding: Finding): Promise<KnownBlock[]> {
  const { card, after } = await answer(deps, finding);
  const pages = allSignalsButton(finding);
  const withPages = pages ? [...card.slice(0, LIMITS.blocksPerMessage - 1), pages] : card;
  return [...withPages, ...after].slice(0, LIMITS.blocksPerMessage);
}

async function answer(deps: SlackDeps, finding: Finding): Promise<{ card: KnownBlock[]; after: KnownBlock[] }> {
  const actions: NonNullable<CardOptions['actions']> = [
    ...(applicablePlaybooks(finding).length > 0 ? (['propose'] as const) : []),
    'suppress',
    'archive',
    'feedback',
  ];
  if (!deps.channel) return { card: findingCard(finding, { actions }), after: [] };
  try {
    const { card: record, proposals } = await deps.channel.store.getFindingRecord(finding.id);
    const history = proposals.length > 0 ? proposalHistory(proposals, Math.floor(Date.now() / 1000)) : [];
    if (record?.state === 'posted' && record.channel && record.ts) {
      const threadLink = await deps.channel.messenger.permalink(record.channel, record.ts).catch(() => undefined);
      return { card: findingCard(finding, { actions, threadLink, ...cardHistory(record) }), after: history };
    }
    return { card: findingCard(finding, { actions: ['post', ...actions] }), after: history };
  } catch (err) {
    deps.logger.warn({ err, findingId: finding.id }, 'card record unavailable');
    const card = findingCard(finding, {
      actions,
      notes: [
        `:warning: The bot's state store did not answer (${mrkdwn(describeError(err), 300)}): thread link and proposals are unavailable right now.`,
      ],
    });
    return { card, after: [] };
  }
}
