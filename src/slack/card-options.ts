import type { Finding } from '../domain/finding';
import type { CardRecord } from '../domain/ports';
import { playbookFor } from '../domain/remediation/playbooks';
import { cardHistory, type CardOptions } from './blocks/finding-card';

/** The buttons and notes of a finding's card in the channel. */
export function channelCardOptions(finding: Finding, record?: Pick<CardRecord, 'notes' | 'notesTotal' | 'feedback'>): CardOptions {
  return {
    actions: [...(playbookFor(finding) ? (['propose'] as const) : []), 'archive', 'feedback'],
    ...cardHistory(record),
  };
}
