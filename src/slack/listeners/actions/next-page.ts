import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { describeError } from '../../../domain/errors';
import { listFindings } from '../../../domain/list-findings';
import { findingsList } from '../../blocks/findings-list';
import { noticeBlocks } from '../../blocks/help';
import { mrkdwn } from '../../blocks/text';
import type { SlackDeps } from '../../deps';
import { afterAck } from '../../work-queue';
import { decodePage } from '../../values';

type Args = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

/** "Next 10" under a list: replaces the list with the following page. */
export function nextPage(deps: SlackDeps) {
  return async ({ ack, action, body, respond }: Args): Promise<void> => {
    await ack();
    const page = decodePage(action.value, deps.config.aws.regions);
    if (!page) {
      await respond({
        response_type: 'ephemeral',
        replace_original: false,
        text: 'That button is not valid any more. Run /guardduty findings again.',
      });
      return;
    }
    try {
      await afterAck(deps.work, async () => {
        const listing = await listFindings(deps.findings, page.filter, page.page);
        await respond({
          response_type: 'ephemeral',
          replace_original: true,
          text: `${listing.findings.length} findings`,
          blocks: findingsList(page.filter, listing),
        });
      });
    } catch (err) {
      if (deps.work?.quietBusy(err, body.user.id)) return;
      const text = `:warning: ${mrkdwn(describeError(err), 1000)}`;
      await respond({ response_type: 'ephemeral', replace_original: false, text, blocks: noticeBlocks(text) });
    }
  };
}
