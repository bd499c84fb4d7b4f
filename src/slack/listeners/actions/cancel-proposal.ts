import type { RemediationContext } from '../../remediation-context';
import { proposalButton } from './proposal-button';

/** "Cancel": only the requester may withdraw their proposal (enforced by the conditional write). */
export function cancelProposal(ctx: RemediationContext) {
  return proposalButton(
    ctx,
    'cancel',
    (ref, user) => ctx.service.cancel(ref.findingId, ref.proposalId, user),
    (p) => ctx.messages.settle(p),
  );
}
