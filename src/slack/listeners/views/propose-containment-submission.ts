import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { describeError } from '../../../domain/errors';
import { code, mrkdwn } from '../../blocks/text';
import type { RemediationContext } from '../../remediation-context';
import { decodeContainmentMeta } from '../../values';
import { proposeInThread, requesterNotice } from './propose-in-thread';

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/**
 * A containment modal's submission: the plan is computed again from a fresh survey (what is stored is what the
 * approver sees in the thread), stored as a proposal and posted in the finding's thread.
 */
export function proposeContainmentSubmission(ctx: RemediationContext) {
  return async ({ ack, body, view, client }: Args): Promise<void> => {
    await ack();
    const requester = body.user.id;
    const meta = decodeContainmentMeta(view.private_metadata);
    const log = ctx.logger.child({ view: 'propose-containment', findingId: meta?.findingId, playbook: meta?.playbook, user: requester });
    const tell = requesterNotice(ctx, client, meta?.channel, requester, log);
    if (!meta) {
      await tell('That form is out of date; nothing was proposed. Click Propose fix on the card again.');
      return;
    }
    try {
      const finding = await ctx.findings.findById(meta.findingId, meta.region);
      if (!finding) {
        await tell(`:grey_question: Finding ${code(meta.findingId, 140)} is no longer in GuardDuty; nothing was proposed.`);
        return;
      }
      const planned = await ctx.service.planContainment(finding, meta.playbook);
      if (!planned.ok) {
        await tell(`:information_source: ${mrkdwn(planned.message, 800)} Nothing was proposed.`);
        return;
      }
      await proposeInThread(ctx, { finding, plan: planned.plan, requester, viewId: view.id, log });
    } catch (err) {
      log.warn({ err }, 'proposal not created');
      await tell(`:warning: The fix was not proposed: ${mrkdwn(describeError(err), 1000)}`);
    }
  };
}
