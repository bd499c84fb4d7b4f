import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { describeError } from '../../../domain/errors';
import type { FeedbackCounts } from '../../../domain/ports';
import { mrkdwn } from '../../blocks/text';
import { redrawCard } from '../../card-activity';
import type { SlackDeps } from '../../deps';
import { afterAck } from '../../work-queue';
import { ACTION } from '../../ids';
import { decodeFindingRef } from '../../values';

type Args = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

/** "Useful" / "Not useful": once per person per finding (a conditional write), then UpdateFindingsFeedback; the card shows the counts. */
export function findingFeedback(deps: SlackDeps) {
  return async ({ ack, action, body, respond }: Args): Promise<void> => {
    await ack();
    const ref = decodeFindingRef(action.value, deps.config.aws.regions);
    const useful = action.action_id === ACTION.feedbackUseful;
    const user = body.user.id;
    const say = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
    if (!ref) return void (await say('That button is not valid any more.'));
    const store = deps.store ?? deps.channel?.store;
    if (!store)
      return void (await say(
        "Feedback counts once per person, which needs the bot's state store; ask whoever runs the bot to configure it.",
      ));
    const log = deps.logger.child({ action: 'feedback', findingId: ref.id, user });
    try {
      await afterAck(deps.work, async () => {
        const finding = await deps.findings.findById(ref.id, ref.region);
        if (!finding) return void (await say(`Finding ${mrkdwn(ref.id, 130)} is no longer in GuardDuty.`));
        const vote = await store.recordFeedback(finding.id, user, useful, Math.floor(Date.now() / 1000));
        if (!vote.recorded) {
          return void (await say(
            `You already marked this finding ${verdict(vote.useful)}; feedback counts once per person, so nothing was changed. ${counts(vote.counts)}`,
          ));
        }
        try {
          await deps.findings.feedback(finding.region, [finding.id], useful, `via Slack by ${user}`);
        } catch (err) {
          await store
            .withdrawFeedback(finding.id, user, useful)
            .catch((e: unknown) => log.warn({ err: e }, 'vote not withdrawn after a failed feedback call'));
          throw err;
        }
        log.info({ useful }, 'feedback recorded');
        if (deps.channel)
          await redrawCard(deps.channel, finding, vote.card).catch((err: unknown) =>
            log.warn({ err }, 'card not redrawn with the feedback counts'),
          );
        await say(`${useful ? ':thumbsup:' : ':thumbsdown:'} Recorded: you marked this finding ${verdict(useful)}. ${counts(vote.counts)}`);
      });
    } catch (err) {
      if (deps.work?.quietBusy(err, user)) return;
      await say(`:warning: Feedback was not recorded: ${mrkdwn(describeError(err), 800)}`);
    }
  };
}

const verdict = (useful: boolean) => (useful ? 'useful' : 'not useful');

function counts(c: FeedbackCounts): string {
  return `Feedback so far: ${c.useful} useful, ${c.notUseful} not useful.`;
}
