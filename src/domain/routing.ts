import type { Finding } from './finding';
import { isAtLeast, type SeverityBand } from './severity';

/** One rule of the routing file; every matcher present must match (an absent one matches everything). */
export interface RouteRule {
  accounts?: string[];
  regions?: string[];
  minBand?: SeverityBand;
  typePrefix?: string;
  tag?: { key: string; value: string };
  channel: string;
  /** A user group to mention on new cards of at least `minBand`. */
  mention?: { usergroupId: string; minBand: SeverityBand };
}

export interface Route {
  channel: string;
  /** Index of the rule that matched; undefined when the fallback channel was used. */
  ruleIndex?: number;
  /** The user group to mention on this finding's new card, when its rule asks for one at this band. */
  mentionUsergroupId?: string;
}

function tagsOf(finding: Finding): { key: string; value: string }[] {
  return finding.resource.kind === 'instance' ? finding.resource.tags : [];
}

export function ruleMatches(rule: RouteRule, finding: Finding): boolean {
  if (rule.accounts && !rule.accounts.includes(finding.accountId)) return false;
  if (rule.regions && !rule.regions.includes(finding.region)) return false;
  if (rule.minBand && !isAtLeast(finding.severity, rule.minBand)) return false;
  if (rule.typePrefix !== undefined && !finding.type.startsWith(rule.typePrefix)) return false;
  const tag = rule.tag;
  if (tag && !tagsOf(finding).some((t) => t.key === tag.key && t.value === tag.value)) return false;
  return true;
}

/** The first rule that matches wins; none matching, the finding goes to `fallback` (FINDINGS_CHANNEL). */
export function routeFinding(rules: readonly RouteRule[], fallback: string, finding: Finding): Route {
  for (const [ruleIndex, rule] of rules.entries()) {
    if (!ruleMatches(rule, finding)) continue;
    const mention = rule.mention && isAtLeast(finding.severity, rule.mention.minBand) ? rule.mention.usergroupId : undefined;
    return { channel: rule.channel, ruleIndex, ...(mention ? { mentionUsergroupId: mention } : {}) };
  }
  return { channel: fallback };
}
