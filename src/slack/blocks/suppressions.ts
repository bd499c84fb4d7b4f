import type { KnownBlock } from '@slack/types';
import { criteriaText, matchCountText } from '../../domain/remediation/containment/suppress-similar';
import type { SuppressionRuleView, SuppressionRules } from '../../remediation/suppression-rules';
import { LIMITS, code, context, mrkdwn, section, userMention } from './text';

const STATUS: Record<SuppressionRuleView['status'], string> = {
  active: ':mute: active, as approved',
  changed: ':warning: *changed in GuardDuty since it was approved* (the bot will not delete it at expiry; check it in the console)',
  deleted: ':white_check_mark: deleted (reverted, expired or removed in the console)',
  unreadable: ':grey_question: could not be read from GuardDuty',
};

function ruleLines(r: SuppressionRuleView): string {
  const who = `proposed by ${userMention(r.requester)}${r.approver ? `, approved by ${userMention(r.approver)}` : ''}`;
  const archived = (r.archivedMatches ?? 0) >= 50 ? '50 or more' : String(r.archivedMatches ?? 0);
  const matches =
    r.openMatches === undefined
      ? ''
      : ` · matches ${archived} archived and ${matchCountText(r.openMatches)} open finding${r.openMatches === 1 ? '' : 's'}`;
  return [
    `${code(r.filterName, 80)} in ${mrkdwn(r.region, 20)}: ${STATUS[r.status]}`,
    `Archives findings where ${mrkdwn(criteriaText({ action: 'ARCHIVE', criteria: r.criteria, description: '', tags: {} }), 900)}`,
    `Expires ${mrkdwn(r.expires, 12)} · ${who}${matches} · from finding ${code(r.findingId, 140)}`,
    ...(r.error ? [`:warning: ${mrkdwn(r.error, 300)}`] : []),
  ].join('\n');
}

/** `/guardduty suppressions`: each rule the bot created, compared with GuardDuty now; look-alikes it did not create. */
export function suppressionsMessage(found: SuppressionRules): { text: string; blocks: KnownBlock[] } {
  const live = found.rules.filter((r) => r.status !== 'deleted');
  const blocks: KnownBlock[] = [
    section(
      live.length === 0
        ? '*Suppression rules created through the bot*: none in force.'
        : `*Suppression rules created through the bot*: ${live.length} in force. Revert one in its finding's thread; each is deleted on its expiry date.`,
    ),
  ];
  const all = [...live, ...found.rules.filter((r) => r.status === 'deleted')];
  const shown = all.slice(0, LIMITS.blocksPerMessage - 5);
  for (const rule of shown) blocks.push(section(ruleLines(rule)));
  if (all.length > shown.length || found.truncated)
    blocks.push(
      context(
        `${all.length > shown.length ? `…and ${all.length - shown.length} more rules not shown. ` : ''}${found.truncated ? 'The bot read only its first 50 rule records (soonest expiry first): there are more.' : ''}`,
      ),
    );
  if (found.lookalikes.length > 0) {
    const shownLookalikes = found.lookalikes.slice(0, 10).map((l) => {
      const past = l.pastExpiry ? `, *past the expiry date its name gives (${mrkdwn(l.pastExpiry, 12)})*` : '';
      return `${code(l.name, 80)} (${mrkdwn(l.region, 20)}${past})`;
    });
    blocks.push(
      section(
        `:rotating_light: GuardDuty has ${found.lookalikes.length} filter${found.lookalikes.length === 1 ? '' : 's'} named like the bot's without an approved record of the bot's: ${shownLookalikes.join(', ')}${found.lookalikes.length > 10 ? `, and ${found.lookalikes.length - 10} more` : ''}. Someone else made ${found.lookalikes.length === 1 ? 'it' : 'them'}, or the bot's record was removed from its state table: find out who, since a suppression rule can hide an attack, and delete ${found.lookalikes.length === 1 ? 'it' : 'them'} in the GuardDuty console if not wanted.`,
      ),
    );
  }
  if (found.unreadRegions.length > 0)
    blocks.push(context(`:warning: The filters of ${found.unreadRegions.map((r) => mrkdwn(r, 20)).join(', ')} could not be listed.`));
  if (found.tampered > 0)
    blocks.push(context(`:warning: ${found.tampered} rule record(s) fail the bot's seal (altered outside the bot) and are not shown.`));
  return { text: `${live.length} suppression rules in force`, blocks };
}
