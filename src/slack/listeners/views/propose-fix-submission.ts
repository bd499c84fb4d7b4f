import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { describeError } from '../../../domain/errors';
import { code, mrkdwn, truncate } from '../../blocks/text';
import { BLOCK } from '../../ids';
import type { RemediationContext } from '../../remediation-context';
import { decodeModalMeta } from '../../values';
import { proposeInThread, requesterNotice } from './propose-in-thread';

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/** Slack shows field errors on one or two lines; longer ones are cut. */
const FIELD_ERROR_MAX = 300;

/**
 * The propose modal's submission. The trusted sources are checked before the ack (no I/O), so a bad
 * entry is shown on the field; then the plan is computed from the live groups, stored, and posted in
 * the finding's thread (the card is posted first when the finding has none).
 */
export function proposeFixSubmission(ctx: RemediationContext) {
  return async ({ ack, body, view, client }: Args): Promise<void> => {
    const fieldError = (message: string) =>
      ack({ response_action: 'errors', errors: { [BLOCK.trustedSources]: truncate(message, FIELD_ERROR_MAX) } });
    const meta = decodeModalMeta(view.private_metadata);
    if (!meta) {
      await fieldError('This form is out of date. Close it and click Propose fix on the card again.');
      return;
    }
    const text = view.state.values[BLOCK.trustedSources]?.[BLOCK.trustedSourcesInput]?.value ?? '';
    const parsed = ctx.service.validateSources(text);
    if (!parsed.ok) {
      await fieldError(parsed.error);
      return;
    }
    await ack();

    const requester = body.user.id;
    const log = ctx.logger.child({ view: 'propose-fix', findingId: meta.findingId, user: requester });
    const tell = requesterNotice(ctx, client, meta.channel, requester, log);
    try {
      const finding = await ctx.findings.findById(meta.findingId, meta.region);
      if (!finding) {
        await tell(`:grey_question: Finding ${code(meta.findingId, 140)} is no longer in GuardDuty; nothing was proposed.`);
        return;
      }
      const planned = await ctx.service.propose({ finding, requester, sources: parsed.sources });
      if (!planned.ok) {
        const broader =
          planned.code === 'NOTHING_TO_CHANGE' ? planned.plan.untouched.map((u) => `\n• ${mrkdwn(u.reason, 300)}`).join('') : '';
        const note = broader ? `\nThese broader rules still expose it and need a person to change them:${broader}` : '';
        await tell(`:information_source: ${mrkdwn(planned.message, 500)} Nothing was proposed.${note}`);
        return;
      }
      await proposeInThread(ctx, { finding, plan: planned.plan, requester, viewId: view.id, log });
    } catch (err) {
      log.warn({ err }, 'proposal not created');
      await tell(`:warning: The fix was not proposed: ${mrkdwn(describeError(err), 1000)}`);
    }
  };
}
