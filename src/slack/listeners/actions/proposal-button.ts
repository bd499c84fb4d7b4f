import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { describeError } from '../../../domain/errors';
import type { Proposal } from '../../../domain/proposal';
import type { Decision } from '../../../domain/remediation/proposal-rules';
import { homeReply } from '../../app-home';
import { outcomeReply } from '../../blocks/proposal-message';
import { refusalText } from '../../blocks/refusals';
import { mrkdwn } from '../../blocks/text';
import { hasApprovers } from '../../approver-policy';
import type { RemediationContext } from '../../remediation-context';
import { decodeProposalRef, type ProposalRef } from '../../values';

type Args = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

/**
 * The shape every proposal button shares: ack, decode the (forgeable) value, one decision through the
 * service, the refusal's reason to the clicker alone, or `show` of the decided proposal.
 */
export function proposalButton(
  ctx: RemediationContext,
  what: string,
  decide: (ref: ProposalRef, userId: string) => Promise<Decision>,
  show: (proposal: Proposal) => Promise<unknown>,
) {
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
    try {
      const decided = await decide(ref, body.user.id);
      if (!decided.ok) {
        await say(refusalText(decided.refusal, { approversConfigured: hasApprovers(ctx.config.approval) }));
        return;
      }
      await show(decided.proposal);
      if (home) await home(outcomeReply(decided.proposal));
    } catch (err) {
      ctx.logger.error({ err, findingId: ref.findingId, proposalId: ref.proposalId }, `${what} failed`);
      await say(`:warning: ${mrkdwn(describeError(err), 1000)}`);
    }
  };
}
