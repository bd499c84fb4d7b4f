import { describeRule, portRange, ruleSource } from '../../domain/remediation/rules';
import type { IngressRule } from '../../domain/remediation/types';
import { code, mrkdwn } from './text';

/** "`sg-…` tcp 22 from 0.0.0.0/0 _(description)_", mrkdwn-safe. */
export function ruleLine(rule: IngressRule): string {
  const desc = rule.description ? ` _(${mrkdwn(rule.description, 100)})_` : '';
  return `${code(rule.groupId, 40)} ${mrkdwn(describeRule(rule), 200)}${desc}`;
}

/** One line per group and port: the sources removed → the sources added. */
export function changeLines(removed: readonly IngressRule[], added: readonly IngressRule[]): string[] {
  const keys = [...new Set([...removed, ...added].map(portKey))];
  return keys.map((key) => {
    const before = removed.filter((r) => portKey(r) === key);
    const after = added.filter((r) => portKey(r) === key);
    const sample = (before[0] ?? after[0]) as IngressRule;
    const from = before.length > 0 ? sourceList(before) : '_nothing_';
    const to = after.length > 0 ? sourceList(after) : '_removed_';
    return `${code(sample.groupId, 40)} ${portLabel(sample)} from ${from} → ${to}`;
  });
}

function sourceList(rules: readonly IngressRule[]): string {
  return rules.map((r) => code(ruleSource(r), 60)).join(', ');
}

function portKey(rule: IngressRule): string {
  return `${rule.groupId}|${rule.protocol}|${rule.fromPort}|${rule.toPort}`;
}

function portLabel(rule: IngressRule): string {
  if (rule.protocol === '-1') return 'all traffic';
  return `${mrkdwn(rule.protocol, 10)} ${portRange(rule)}`;
}
