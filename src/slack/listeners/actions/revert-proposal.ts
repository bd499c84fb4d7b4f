import type { RemediationContext } from '../../remediation-context';
import { proposalButton } from './proposal-button';

/** "Revert" on an executed fix: proposes undoing exactly what it changed; a second person must approve it. */
export function revertProposal(ctx: RemediationContext) {
  return proposalButton(
    ctx,
    'revert',
    (ref, user) => ctx.service.proposeRevert(ref.findingId, ref.proposalId, user),
    (p) => ctx.messages.post(p),
  );
}
