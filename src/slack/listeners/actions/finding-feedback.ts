import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { describeError } from '../../../domain/errors';
import { mrkdwn, userMention } from '../../blocks/text';
import { recordOnCard } from '../../card-activity';
import type { SlackDeps } from '../../deps';
import { afterAck } from '../../work-queue';
import { ACTION } from '../../ids';
import { decodeFindingRef } from '../../values';

type Args = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

/** "Useful" / "Not useful": UpdateFindingsFeedback, recorded in the thread with who gave it. */
export function findingFeedback(deps: SlackDeps) {
  return async ({ ack, action, body, respond }: Args): Promise<void> => {
    await ack();
    const ref = decodeFindingRef(action.value);
    const useful = action.action_id === ACTION.feedbackUseful;
    const say = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
    if (!ref) return void (await say('That button is not valid any more.'));
    try {
      await afterAck(deps.work, async () => {
        await deps.findings.feedback(ref.region, [ref.id], useful, `via Slack by ${body.user.id}`);
        const note = `${useful ? ':thumbsup:' : ':thumbsdown:'} ${userMention(body.user.id)} marked this finding ${useful ? 'useful' : 'not useful'}`;
        const finding = deps.channel ? await deps.findings.findById(ref.id, ref.region) : undefined;
        const onCard = finding && deps.channel ? await recordOnCard(deps.channel, finding, note) : false;
        if (!onCard) await say(`${note}.`);
      });
    } catch (err) {
      if (deps.work?.quietBusy(err, body.user.id)) return;
      await say(`:warning: Feedback was not recorded: ${mrkdwn(describeError(err), 800)}`);
    }
  };
}
