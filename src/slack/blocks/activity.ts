import type { Finding } from '../../domain/finding';
import type { Observation } from '../../domain/ports';
import { formatTime, mrkdwn } from './text';

/** The thread reply about a recurring finding: what grew since `before`. */
export function activitySummary(finding: Finding, before: Observation): string {
  const parts: string[] = [];
  if (finding.count > before.count) parts.push(`count ${before.count} → ${finding.count}`);
  if (finding.severity !== before.severity) parts.push(`severity ${before.severity.toFixed(1)} → ${finding.severity.toFixed(1)}`);
  parts.push(`last seen ${formatTime(finding.lastSeen ?? finding.updatedAt)}`);
  if (finding.archived && !before.archived) parts.push('archived in GuardDuty');
  const actor = finding.action?.remoteIps[0];
  const from = actor ? ` from ${mrkdwn(actor.ip, 45)}${actor.country ? ` (${mrkdwn(actor.country, 60)})` : ''}` : '';
  return `:repeat: New activity${from}: ${parts.join(', ')}.`;
}
