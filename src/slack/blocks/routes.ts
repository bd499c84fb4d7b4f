import type { KnownBlock } from '@slack/types';
import type { Finding } from '../../domain/finding';
import type { Route, RouteRule } from '../../domain/routing';
import { LIMITS, code, mrkdwn } from './text';

/** Answers to `/guardduty routes` and `/guardduty routes test <id>`. */

const NO_ROUTES = 'No ROUTES_FILE: every card goes to FINDINGS_CHANNEL';
const MAX_SECTIONS = 45;

/** `<#C0123ABCD>` for a channel ID; anything else escaped. */
export function channelMention(channel: string): string {
  return /^[CG][A-Z0-9]+$/.test(channel) ? `<#${channel}>` : mrkdwn(channel, 80);
}

function fallbackText(fallback: string | undefined): string {
  return fallback ? channelMention(fallback) : '_FINDINGS_CHANNEL is not set: no card is posted_';
}

/** `accounts 111111111111, 222222222222 · severity ≥ high · …`, or `everything` for a rule without matchers. */
export function ruleMatchers(rule: RouteRule): string {
  const parts: string[] = [];
  if (rule.accounts) parts.push(`accounts ${rule.accounts.map((a) => mrkdwn(a, 20)).join(', ')}`);
  if (rule.regions) parts.push(`regions ${rule.regions.map((r) => mrkdwn(r, 30)).join(', ')}`);
  if (rule.minBand) parts.push(`severity ≥ ${rule.minBand}`);
  if (rule.typePrefix !== undefined) parts.push(`type starts with ${code(rule.typePrefix, 200)}`);
  if (rule.tag) parts.push(`tag ${code(`${rule.tag.key}=${rule.tag.value}`, 200)}`);
  return parts.length > 0 ? parts.join(' · ') : 'everything';
}

function mentionText(rule: RouteRule): string {
  return rule.mention ? `, mentioning user group ${code(rule.mention.usergroupId, 40)} from ${rule.mention.minBand} up` : '';
}

function ruleLine(rule: RouteRule, index: number): string {
  return `*rules[${index}]* ${ruleMatchers(rule)} → ${channelMention(rule.channel)}${mentionText(rule)}`;
}

/** Packs lines into sections within Slack's section limit, at most `max` of them (the last saying more were cut). */
function sections(lines: readonly string[], max = MAX_SECTIONS): KnownBlock[] {
  const texts: string[] = [];
  for (const line of lines) {
    const last = texts[texts.length - 1];
    if (last !== undefined && last.length + 1 + line.length <= LIMITS.sectionText) texts[texts.length - 1] = `${last}\n${line}`;
    else texts.push(line.slice(0, LIMITS.sectionText));
  }
  const shown = texts.length > max ? [...texts.slice(0, max - 1), '… and more rules; see ROUTES_FILE.'] : texts;
  return shown.map((text) => ({ type: 'section', text: { type: 'mrkdwn', text } }));
}

/** `/guardduty routes`: each rule in order (first match wins), then the fallback. */
export function routesMessage(
  rules: readonly RouteRule[] | undefined,
  fallback: string | undefined,
): { text: string; blocks: KnownBlock[] } {
  if (!rules) {
    const text = `${NO_ROUTES}${fallback ? ` (${channelMention(fallback)})` : ' (not set: no card is posted)'}.`;
    return { text, blocks: sections([text]) };
  }
  const heading = `*Routing rules* (${rules.length}; the first that matches a finding wins)`;
  const fallbackLine = `*Fallback* (FINDINGS_CHANNEL, when no rule matches) → ${fallbackText(fallback)}`;
  return {
    text: `${rules.length} routing rules`,
    blocks: [...sections([heading, ...rules.map(ruleLine)], MAX_SECTIONS - 1), ...sections([fallbackLine])],
  };
}

/** `/guardduty routes test <id>`: where the finding's new card would go, and why. */
export function routeTestMessage(
  finding: Finding,
  rules: readonly RouteRule[] | undefined,
  route: Route | undefined,
): { text: string; blocks: KnownBlock[] } {
  const what = `${code(finding.id, 140)} (${code(finding.type, 200)}, ${finding.band} ${finding.severity}, account ${mrkdwn(finding.accountId, 20)}, ${mrkdwn(finding.region, 30)})`;
  const lines = [`*Where finding ${what} would go*`];
  if (!route) {
    lines.push(`Nowhere: no rule matched and FINDINGS_CHANNEL is not set, so no card would be posted.`);
  } else if (route.ruleIndex !== undefined && rules?.[route.ruleIndex]) {
    const rule = rules[route.ruleIndex]!;
    lines.push(`→ ${channelMention(route.channel)}, because *rules[${route.ruleIndex}]* matched: ${ruleMatchers(rule)}.`);
    if (route.ruleIndex === 1) lines.push('rules[0] did not match.');
    if (route.ruleIndex > 1) lines.push(`rules[0] to rules[${route.ruleIndex - 1}] did not match.`);
    if (route.mentionUsergroupId) lines.push(`Its new card would mention user group ${code(route.mentionUsergroupId, 40)}.`);
    else if (rule.mention)
      lines.push(`No mention: the rule mentions ${code(rule.mention.usergroupId, 40)} only from ${rule.mention.minBand} up.`);
    else lines.push('No mention: the rule names no user group.');
  } else {
    const why = rules ? `no rule matched (${rules.length} checked)` : 'no ROUTES_FILE is set';
    lines.push(`→ ${channelMention(route.channel)}, the fallback (FINDINGS_CHANNEL): ${why}. No mention.`);
  }
  return { text: lines.join('\n').slice(0, LIMITS.messageText), blocks: sections(lines) };
}
