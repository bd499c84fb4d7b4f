import type { AllMiddlewareArgs, App, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { SlackDeps } from '../deps';
import { ACTION, VIEW } from '../ids';
import { remediationContext } from '../remediation-context';
import { approveProposal } from './actions/approve-proposal';
import { cancelProposal } from './actions/cancel-proposal';
import { proposeFix } from './actions/propose-fix';
import { rejectProposal } from './actions/reject-proposal';
import { revertProposal } from './actions/revert-proposal';
import { proposeFixSubmission } from './views/propose-fix-submission';

const NOT_CONFIGURED =
  ':information_source: Remediation is not set up: it needs FINDINGS_CHANNEL (where each fix is discussed in the finding\'s thread) ' +
  'and a state store (DYNAMODB_TABLE, or the embedded store in DATA_DIR), plus AWS access to EC2.';

function notConfigured() {
  return async ({ ack, respond }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    await respond({ response_type: 'ephemeral', replace_original: false, text: NOT_CONFIGURED });
  };
}

/** The two-person remediation buttons and modal; without a store and channel they only explain what is missing. */
export function registerRemediation(app: App, deps: SlackDeps): void {
  const ctx = remediationContext(deps);
  if (!ctx) {
    for (const id of [ACTION.proposeFix, ACTION.approve, ACTION.reject, ACTION.cancel, ACTION.revert]) app.action<BlockButtonAction>(id, notConfigured());
    return;
  }
  app.action<BlockButtonAction>(ACTION.proposeFix, proposeFix(ctx));
  app.view(VIEW.proposeFix, proposeFixSubmission(ctx));
  app.action<BlockButtonAction>(ACTION.approve, approveProposal(ctx));
  app.action<BlockButtonAction>(ACTION.reject, rejectProposal(ctx));
  app.action<BlockButtonAction>(ACTION.cancel, cancelProposal(ctx));
  app.action<BlockButtonAction>(ACTION.revert, revertProposal(ctx));
}
