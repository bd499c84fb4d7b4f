import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { describeError } from '../../../domain/errors';
import { mrkdwn, userMention } from '../../blocks/text';
import { recordOnCard } from '../../card-activity';
import type { SlackDeps } from '../../deps';
import { afterAck } from '../../work-queue';
import { decodeFindingRef } from '../../values';

type Args = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

/** "Archive": ArchiveFindings in GuardDuty, then the card and thread say who archived it. */
export function archiveFinding(deps: SlackDeps) {
  return async ({ ack, action, body, respond }: Args): Promise<void> => {
    await ack();
    const ref = decodeFindingRef(action.value);
    const say = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
    if (!ref) return void (await say('That button is not valid any more.'));
    const log = deps.logger.child({ action: 'archive', findingId: ref.id, user: body.user.id });
    try {
      await afterAck(deps.work, async () => {
        await deps.findings.archive(ref.region, [ref.id]);
        log.info('finding archived');
        const finding = await deps.findings.findById(ref.id, ref.region);
        const note = `:file_cabinet: Archived in GuardDuty by ${userMention(body.user.id)}`;
        const onCard = finding && deps.channel ? await recordOnCard(deps.channel, finding, note) : false;
        if (!onCard) await say(`${note}.`);
      });
    } catch (err) {
      if (deps.work?.quietBusy(err, body.user.id)) return;
      log.warn({ err }, 'archive failed');
      await say(`:warning: The finding was not archived: ${mrkdwn(describeError(err), 800)}`);
    }
  };
}
