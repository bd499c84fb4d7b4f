import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { describeError } from '../../../domain/errors';
import { decodeProposalRef, refusalText } from '../../blocks/proposal';
import { mrkdwn } from '../../blocks/text';
import { approversConfigured, type RemediationContext } from '../../remediation-context';

type Args = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

/** "Revert" on an executed fix: proposes undoing exactly what it changed; a second person must approve it. */
export function revertProposal(ctx: RemediationContext) {
  return async ({ ack, action, body, respond }: Args): Promise<void> => {
    await ack();
    const say = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
    const ref = decodeProposalRef(action.value);
    if (!ref) {
      await say('That button is not valid.');
      return;
    }
    try {
      const proposed = await ctx.service.proposeRevert(ref.findingId, ref.proposalId, body.user.id);
      if (!proposed.ok) {
        await say(refusalText(proposed.refusal, { approversConfigured: approversConfigured(ctx.config) }));
        return;
      }
      await ctx.messages.post(proposed.proposal);
    } catch (err) {
      ctx.logger.error({ err, findingId: ref.findingId, proposalId: ref.proposalId }, 'revert not proposed');
      await say(`:warning: ${mrkdwn(describeError(err), 1000)}`);
    }
  };
}
