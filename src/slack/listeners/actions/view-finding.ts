import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { describeError } from '../../../domain/errors';
import { findingCardText } from '../../blocks/finding-card';
import { noticeBlocks } from '../../blocks/help';
import { mrkdwn } from '../../blocks/text';
import type { SlackDeps } from '../../deps';
import { afterAck } from '../../work-queue';
import { findingAnswer } from '../../finding-answer';
import { decodeFindingRef } from '../../values';

type Args = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

/** "View" on a list row: the full card, ephemeral, below the list. */
export function viewFinding(deps: SlackDeps) {
  return async ({ ack, action, body, respond }: Args): Promise<void> => {
    await ack();
    const ref = decodeFindingRef(action.value, deps.config.aws.regions);
    if (!ref) {
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: 'That button is not valid any more. Run /guardduty findings again.',
      });
      return;
    }
    try {
      await afterAck(deps.work, async () => {
        const finding = await deps.findings.findById(ref.id, ref.region);
        if (!finding) {
          const text = `:grey_question: Finding ${mrkdwn(ref.id, 130)} is no longer in GuardDuty.`;
          await respond({ response_type: 'ephemeral', replace_original: false, text, blocks: noticeBlocks(text) });
          return;
        }
        await respond({
          response_type: 'ephemeral',
          replace_original: false,
          text: findingCardText(finding),
          blocks: await findingAnswer(deps, finding),
        });
      });
    } catch (err) {
      if (deps.work?.quietBusy(err, body.user.id)) return;
      const text = `:warning: ${mrkdwn(describeError(err), 1000)}`;
      await respond({ response_type: 'ephemeral', replace_original: false, text, blocks: noticeBlocks(text) });
    }
  };
}
