import type { Finding } from '../domain/finding';
import type { CardRecord } from '../domain/ports';
import { playbookFor } from '../domain/remediation/playbooks';
import type { CardOptions } from './blocks/finding-card';

/** The buttons and notes of a finding's card in the channel. */
export function channelCardOptions(finding: Finding, record?: Pick<CardRecord, 'notes'>): CardOptions {
  return {
    actions: [...(playbookFor(finding) ? (['propose'] as const) : []), 'archive', 'feedback'],
    notes: record?.notes,
  };
}
