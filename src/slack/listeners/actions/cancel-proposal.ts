import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { describeError } from '../../../domain/errors';
import { decodeProposalRef, refusalText } from '../../blocks/proposal';
import { mrkdwn } from '../../blocks/text';
import { approversConfigured, type RemediationContext } from '../../remediation-context';

type Args = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

/** "Cancel": only the requester may withdraw their proposal (enforced by the conditional write). */
export function cancelProposal(ctx: RemediationContext) {
  return async ({ ack, action, body, respond }: Args): Promise<void> => {
    await ack();
    const say = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
    const ref = decodeProposalRef(action.value);
    if (!ref) {
      await say('That button is not valid.');
      return;
    }
    try {
      const decided = await ctx.service.cancel(ref.findingId, ref.proposalId, body.user.id);
      if (!decided.ok) {
        await say(refusalText(decided.refusal, { approversConfigured: approversConfigured(ctx.config) }));
        return;
      }
      await ctx.messages.settle(decided.proposal);
    } catch (err) {
      ctx.logger.error({ err, findingId: ref.findingId, proposalId: ref.proposalId }, 'cancel failed');
      await say(`:warning: ${mrkdwn(describeError(err), 1000)}`);
    }
  };
}
