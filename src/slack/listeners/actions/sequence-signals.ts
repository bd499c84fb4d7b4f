import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { describeError } from '../../../domain/errors';
import { decodeSignalsPage, sequenceSignalsPage } from '../../blocks/attack-sequence';
import { noticeBlocks } from '../../blocks/help';
import { mrkdwn } from '../../blocks/text';
import type { SlackDeps } from '../../deps';
import { afterAck } from '../../work-queue';

type Args = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

/**
 * "All N signals" under an attack sequence's card, then "Next signals" on each page: the sequence's signals in full,
 * a page at a time. The first page comes below the card; each next page replaces the one before it.
 */
export function sequenceSignals(deps: SlackDeps) {
  return async ({ ack, action, body, respond }: Args): Promise<void> => {
    await ack();
    const ref = decodeSignalsPage(action.value, deps.config.aws.regions);
    if (!ref) {
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: 'That button is not valid any more. Run /guardduty finding <id> again.',
      });
      return;
    }
    try {
      await afterAck(deps.work, async () => {
        const finding = await deps.findings.findById(ref.id, ref.region);
        if (!finding?.sequence) {
          const text = `:grey_question: Attack sequence ${mrkdwn(ref.id, 130)} is no longer in GuardDuty.`;
          await respond({ response_type: 'ephemeral', replace_original: false, text, blocks: noticeBlocks(text) });
          return;
        }
        await respond({
          response_type: 'ephemeral',
          replace_original: ref.page > 0,
          text: `Signals of ${mrkdwn(finding.title, 200)}`,
          blocks: sequenceSignalsPage(finding, ref.page),
        });
      });
    } catch (err) {
      if (deps.work?.quietBusy(err, body.user.id)) return;
      const text = `:warning: ${mrkdwn(describeError(err), 1000)}`;
      await respond({ response_type: 'ephemeral', replace_original: false, text, blocks: noticeBlocks(text) });
    }
  };
}
