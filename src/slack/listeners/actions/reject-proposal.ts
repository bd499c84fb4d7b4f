import type { RemediationContext } from '../../remediation-context';
import { proposalButton } from './proposal-button';

/** "Reject": an approver other than the requester ends the proposal; nothing is changed in AWS. */
export function rejectProposal(ctx: RemediationContext) {
  return proposalButton(
    ctx,
    'reject',
    (ref, user) => ctx.service.reject(ref.findingId, ref.proposalId, user),
    (p) => ctx.messages.settle(p),
  );
}
