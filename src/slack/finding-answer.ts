import type { KnownBlock } from '@slack/types';
import { describeError } from '../domain/errors';
import type { Finding } from '../domain/finding';
import { applicablePlaybooks } from '../domain/remediation/registry';
import { cardHistory, findingCard, type CardOptions } from './blocks/finding-card';
import { proposalHistory } from './blocks/proposal-message';
import { LIMITS, mrkdwn } from './blocks/text';
import type { SlackDeps } from './deps';

/**
 * The card answered to `/guardduty finding <id>` or "View": with a link to the finding's thread when it
 * has a card in the channel, else a "Post to channel" button. A store outage degrades to the bare card.
 */
export async function findingAnswer(deps: SlackDeps, finding: Finding): Promise<KnownBlock[]> {
  const actions: NonNullable<CardOptions['actions']> = [
    ...(applicablePlaybooks(finding).length > 0 ? (['propose'] as const) : []),
    'archive',
    'feedback',
  ];
  if (!deps.channel) return findingCard(finding, { actions });
  try {
    const { card: record, proposals } = await deps.channel.store.getFindingRecord(finding.id);
    const history = proposals.length > 0 ? proposalHistory(proposals, Math.floor(Date.now() / 1000)) : [];
    if (record?.state === 'posted' && record.channel && record.ts) {
      const threadLink = await deps.channel.messenger.permalink(record.channel, record.ts).catch(() => undefined);
      return [...findingCard(finding, { actions, threadLink, ...cardHistory(record) }), ...history].slice(0, LIMITS.blocksPerMessage);
    }
    return [...findingCard(finding, { actions: ['post', ...actions] }), ...history].slice(0, LIMITS.blocksPerMessage);
  } catch (err) {
    deps.logger.warn({ err, findingId: finding.id }, 'card record unavailable');
    return findingCard(finding, {
      actions,
      notes: [
        `:warning: The bot's state store did not answer (${mrkdwn(describeError(err), 300)}): thread link and proposals are unavailable right now.`,
      ],
    });
  }
}
