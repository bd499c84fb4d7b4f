import type { Refusal } from '../../domain/remediation/proposal-rules';
import { code, mrkdwn, userMention } from './text';

/** Why a proposal button did nothing, for the clicker alone (ephemeral). */
export function refusalText(refusal: Refusal, opts: { approversConfigured: boolean }): string {
  switch (refusal.reason) {
    case 'own-proposal':
      return ':raised_hand: You proposed this, so someone else has to decide it (two-person rule). Use Cancel to withdraw it.';
    case 'not-approver':
      return opts.approversConfigured
        ? ':lock: You are not an approver for remediations. Approvers are the users in APPROVER_USER_IDS and the members of APPROVER_USERGROUP_ID.'
        : ':lock: No approvers are configured, so nobody can approve fixes yet. Set APPROVER_USER_IDS (comma-separated Slack user IDs, e.g. U0123ABCD) or APPROVER_USERGROUP_ID and restart the bot.';
    case 'expired':
      return ':hourglass: This proposal expired without approval. Nothing was changed; propose the fix again if it is still needed.';
    case 'not-found':
      return ':grey_question: This proposal does not exist (any more).';
    case 'plan-changed':
      return ':warning: The plan changed since it was shown (its digest no longer matches this message), so nothing was approved. Ask for the fix to be proposed again and check the new message.';
    case 'tampered':
      return ":rotating_light: This proposal was altered outside the bot (it fails the bot's seal), so it cannot be approved. Nothing was changed. Tell your security team; propose the fix again if it is still needed.";
    case 'already-decided': {
      const by = refusal.by ? ` by ${userMention(refusal.by)}` : '';
      switch (refusal.state) {
        case 'executing':
          return `:hourglass_flowing_sand: Already approved${by}; it is being applied now.`;
        case 'executed':
          return `:white_check_mark: Already approved${by} and executed.`;
        case 'failed':
          return `:x: Already approved${by}; the run failed (see the thread).`;
        case 'rejected':
          return `:no_entry_sign: Already rejected${by}.`;
        case 'cancelled':
          return `:wastebasket: Already cancelled${by}.`;
        case 'proposed':
          return ':grey_question: The proposal changed meanwhile; try again.';
      }
      break;
    }
    case 'not-requester':
      return `:raised_hand: Only ${userMention(refusal.requester)}, who proposed it, can cancel it. Approvers can Reject it.`;
    case 'not-revertible':
      return `:information_source: ${mrkdwn(refusal.detail, 500)}`;
    case 'revert-exists':
      return `:information_source: A revert of this fix is already ${refusal.proposal.state} (${code(refusal.proposal.id, 40)}, proposed by ${userMention(refusal.proposal.requester)}).`;
  }
  return ':grey_question: Not possible.';
}
