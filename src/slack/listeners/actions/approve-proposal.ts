import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { describeError } from '../../../domain/errors';
import { homeReply } from '../../app-home';
import { outcomeReply } from '../../blocks/proposal-message';
import { refusalText } from '../../blocks/refusals';
import { mrkdwn } from '../../blocks/text';
import { hasApprovers } from '../../approver-policy';
import type { RemediationContext } from '../../remediation-context';
import { decodeProposalRef } from '../../values';

type Args = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

/**
 * "Approve": one conditional write claims the proposal (approver, not the requester, not expired, still
 * proposed); only the click that wins it runs EC2. Every other click, retry or replay gets the reason.
 */
export function approveProposal(ctx: RemediationContext) {
  return async ({ ack, action, body, respond, client }: Args): Promise<void> => {
    await ack();
    // From the App Home: the reply is the clicker's re-published Home (the same rules decided the click).
    const home = homeReply(ctx, client, body, body.user.id);
    const say = (text: string) => (home ? home(text) : respond({ response_type: 'ephemeral', replace_original: false, text }));
    const ref = decodeProposalRef(action.value);
    if (!ref) {
      await say('That button is not valid.');
      return;
    }
    const log = ctx.logger.child({ action: 'approve', findingId: ref.findingId, proposalId: ref.proposalId, user: body.user.id });
    try {
      const claimed = await ctx.service.claim(ref.findingId, ref.proposalId, body.user.id, ref.planDigest);
      if (!claimed.ok) {
        await say(refusalText(claimed.refusal, { approversConfigured: hasApprovers(ctx.config.approval) }));
        if (claimed.refusal.reason === 'expired' && claimed.proposal) await ctx.messages.show(claimed.proposal);
        return;
      }
      // Show "applying" while EC2 runs; the final redraw waits for it so the two updates cannot swap.
      const applying = ctx.messages.show(claimed.proposal).catch((err: unknown) => log.warn({ err }, 'proposal message not updated'));
      const finished = await ctx.service.execute(claimed.proposal);
      await applying;
      await ctx.messages.settle(finished);
      if (home) await home(outcomeReply(finished));
    } catch (err) {
      log.error({ err }, 'approval failed');
      await say(`:warning: ${mrkdwn(describeError(err), 1000)}`);
    }
  };
}
