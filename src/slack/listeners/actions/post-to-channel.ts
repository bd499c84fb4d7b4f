import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { describeError } from '../../../domain/errors';
import { mrkdwn } from '../../blocks/text';
import type { SlackDeps } from '../../deps';
import { afterAck } from '../../work-queue';
import { decodeFindingRef } from '../../values';

type Args = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

/** "Post to channel": gives a finding with no card its card (exactly once) so the team can discuss it in a thread. */
export function postToChannel(deps: SlackDeps) {
  return async ({ ack, action, body, respond }: Args): Promise<void> => {
    await ack();
    const say = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
    const ref = decodeFindingRef(action.value, deps.config.aws.regions);
    if (!ref) return void (await say('That button is not valid any more.'));
    const channel = deps.channel;
    if (!channel) return void (await say('Cards need FINDINGS_CHANNEL to be configured; ask whoever runs the bot to set it.'));
    try {
      await afterAck(deps.work, async () => {
        const finding = await deps.findings.findById(ref.id, ref.region);
        if (!finding) return void (await say(`Finding ${mrkdwn(ref.id, 130)} is no longer in GuardDuty.`));
        const card = await channel.publisher.ensureCard(finding);
        const link = card.channel && card.ts ? await channel.messenger.permalink(card.channel, card.ts) : undefined;
        await say(
          link
            ? `:white_check_mark: The finding's card is in the channel: <${link}|open its thread>.`
            : ':white_check_mark: The finding has its card in the channel.',
        );
      });
    } catch (err) {
      if (deps.work?.quietBusy(err, body.user.id)) return;
      await say(`:warning: The card was not posted: ${mrkdwn(describeError(err), 800)}`);
    }
  };
}
