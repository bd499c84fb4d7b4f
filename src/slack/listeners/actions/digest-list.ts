import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { describeError } from '../../../domain/errors';
import { digestListMessage } from '../../blocks/digest';
import { mrkdwn } from '../../blocks/text';
import type { SlackDeps } from '../../deps';
import { afterAck } from '../../work-queue';

type Args = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

/** "List them" on a digest: the digest's findings, each with a View button, ephemeral. */
export function digestList(deps: SlackDeps) {
  return async ({ ack, action, body, respond }: Args): Promise<void> => {
    await ack();
    const say = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
    const channel = deps.channel;
    if (!channel || !/^[0-9a-f-]{36}$/.test(action.value ?? '')) return void (await say('That digest is not available.'));
    try {
      await afterAck(deps.work, async () => {
        const items = await channel.store.getDigest(action.value ?? '');
        if (!items || items.length === 0) return void (await say('That digest is no longer kept (digests are kept 30 days).'));
        await respond({ response_type: 'ephemeral', replace_original: false, ...digestListMessage(items) });
      });
    } catch (err) {
      if (deps.work?.quietBusy(err, body.user.id)) return;
      await say(`:warning: ${mrkdwn(describeError(err), 800)}`);
    }
  };
}
