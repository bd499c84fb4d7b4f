import type { App } from '@slack/bolt';
import type { SlackDeps } from '../deps';
import { ACTION, VIEW } from '../ids';
import type { ButtonArgs, ButtonHandler } from './action-router';
import { remediationContext } from '../remediation-context';
import { approveProposal } from './actions/approve-proposal';
import { cancelProposal } from './actions/cancel-proposal';
import { proposeFix } from './actions/propose-fix';
import { rejectProposal } from './actions/reject-proposal';
import { revertProposal } from './actions/revert-proposal';
import { suppressCriteriaChanged } from './actions/suppress-criteria';
import { suppressSimilarAction } from './actions/suppress-similar';
import { proposeContainmentSubmission } from './views/propose-containment-submission';
import { proposeFixSubmission } from './views/propose-fix-submission';
import { proposeSuppressionSubmission } from './views/propose-suppression-submission';

const NOT_CONFIGURED =
  ":information_source: Remediation is not set up: it needs FINDINGS_CHANNEL (where each fix is discussed in the finding's thread) " +
  'and a state store (DYNAMODB_TABLE, or the embedded store in DATA_DIR), plus AWS access to EC2, IAM or S3.';

function notConfigured(): ButtonHandler {
  return async ({ ack, respond }: ButtonArgs): Promise<void> => {
    await ack();
    await respond({ response_type: 'ephemeral', replace_original: false, text: NOT_CONFIGURED });
  };
}

/**
 * The two-person remediation buttons (by action ID) and the propose modal; without a store and channel the
 * buttons only explain what is missing.
 */
export function registerRemediation(app: App, deps: SlackDeps): [string, ButtonHandler][] {
  const ctx = remediationContext(deps);
  if (!ctx)
    return [ACTION.proposeFix, ACTION.suppressSimilar, ACTION.approve, ACTION.reject, ACTION.cancel, ACTION.revert].map((id) => [
      id,
      notConfigured(),
    ]);
  app.view(VIEW.proposeFix, proposeFixSubmission(ctx));
  app.view(VIEW.proposeContainment, proposeContainmentSubmission(ctx));
  app.view(VIEW.proposeSuppression, proposeSuppressionSubmission(ctx));
  return [
    [ACTION.proposeFix, proposeFix(ctx)],
    [ACTION.suppressSimilar, suppressSimilarAction(ctx)],
    [ACTION.suppressCriteria, suppressCriteriaChanged(ctx)],
    [ACTION.approve, approveProposal(ctx)],
    [ACTION.reject, rejectProposal(ctx)],
    [ACTION.cancel, cancelProposal(ctx)],
    [ACTION.revert, revertProposal(ctx)],
  ];
}
