/** action_id and callback_id values, shared by the block builders and the listeners. */
export const ACTION = {
  viewFinding: 'finding_view',
  nextPage: 'findings_next_page',
  openConsole: 'finding_open_console',
  archive: 'finding_archive',
  feedbackUseful: 'finding_feedback_useful',
  feedbackNotUseful: 'finding_feedback_not_useful',
  postToChannel: 'finding_post_to_channel',
  proposeFix: 'remediation_propose',
  approve: 'remediation_approve',
  reject: 'remediation_reject',
  cancel: 'remediation_cancel',
  revert: 'remediation_revert',
  digestList: 'digest_list',
  take: 'finding_take',
  assign: 'finding_assign',
  reassign: 'finding_reassign',
  resolveForm: 'finding_resolve_form',
  resolve: 'finding_resolve',
  reopen: 'finding_reopen',
  suppressSimilar: 'finding_suppress_similar',
  suppressCriteria: 'suppress_criteria',
  sequenceSignals: 'sequence_signals_page',
} as const;

export const VIEW = {
  proposeFix: 'remediation_propose_view',
  proposeContainment: 'remediation_containment_view',
  proposeSuppression: 'remediation_suppression_view',
} as const;

export const BLOCK = {
  trustedSources: 'trusted_sources',
  trustedSourcesInput: 'trusted_sources_input',
  resolveReason: 'resolve_reason',
  resolveReasonInput: 'resolve_reason_input',
  resolveNote: 'resolve_note',
  resolveNoteInput: 'resolve_note_input',
  suppressCriteria: 'suppress_criteria',
  suppressReason: 'suppress_reason',
  suppressReasonInput: 'suppress_reason_input',
  suppressExpiry: 'suppress_expiry',
  suppressExpiryInput: 'suppress_expiry_input',
  suppressArchive: 'suppress_archive',
  suppressArchiveInput: 'suppress_archive_input',
} as const;
