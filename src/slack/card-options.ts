import type { Finding } from '../domain/finding';
import type { TriageFields } from '../domain/ownership';
import type { CardRecord } from '../domain/ports';
import { applicablePlaybooks } from '../domain/remediation/registry';
import { cardHistory, type CardOptions } from './blocks/finding-card';

/** The buttons and notes of a finding's card in the channel, with its owner and status. */
export function channelCardOptions(
  finding: Finding,
  record?: Pick<CardRecord, 'notes' | 'notesTotal' | 'feedback' | keyof TriageFields>,
): CardOptions {
  return {
    actions: [...(applicablePlaybooks(finding).length > 0 ? (['propose'] as const) : []), 'suppress', 'triage', 'archive', 'feedback'],
    ...cardHistory(record),
  };
}
