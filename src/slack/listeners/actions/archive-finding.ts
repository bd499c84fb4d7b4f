import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { describeError } from '../../../domain/errors';
import type { Finding } from '../../../domain/finding';
import { mrkdwn, userMention } from '../../blocks/text';
import { recordOnCard } from '../../card-activity';
import type { SlackDeps } from '../../deps';
import { afterAck } from '../../work-queue';
import { decodeFindingRef } from '../../values';

type Args = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

/**
 * "Archive": ArchiveFindings in GuardDuty, then the card notes who archived it. A finding already archived is
 * not archived (or noted) again; a failure after GuardDuty archived is reported as such, not as "not archived".
 */
export function archiveFinding(deps: SlackDeps) {
  return async ({ ack, action, body, respond }: Args): Promise<void> => {
    await ack();
    const ref = decodeFindingRef(action.value, deps.config.aws.regions);
    const say = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
    if (!ref) return void (await say('That button is not valid any more.'));
    const log = deps.logger.child({ action: 'archive', findingId: ref.id, user: body.user.id });
    try {
      await afterAck(deps.work, async () => {
        const finding = await deps.findings.findById(ref.id, ref.region);
        if (!finding) return void (await say(`Finding ${mrkdwn(ref.id, 130)} is no longer in GuardDuty.`));
        if (finding.archived) return void (await say(':file_cabinet: This finding is already archived in GuardDuty; nothing was changed.'));
        await deps.findings.archive(finding.region, [finding.id]);
        log.info('finding archived');
        await tell({ ...finding, archived: true });
      });
    } catch (err) {
      if (deps.work?.quietBusy(err, body.user.id)) return;
      log.warn({ err }, 'archive failed');
      await say(`:warning: The finding was not archived: ${mrkdwn(describeError(err), 800)}`);
    }

    async function tell(archived: Finding): Promise<void> {
      const note = `:file_cabinet: Archived in GuardDuty by ${userMention(body.user.id)}`;
      try {
        const onCard = deps.channel ? await recordOnCard(deps.channel, archived, note, log) : false;
        if (!onCard) await say(`${note}.`);
      } catch (err) {
        log.warn({ err }, 'archived, but the card was not updated');
        await say(`${note}. The card could not be updated: ${mrkdwn(describeError(err), 800)}`);
      }
    }
  };
}
