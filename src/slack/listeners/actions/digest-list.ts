import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import { describeError } from '../../../domain/errors';
import { bandOf } from '../../../domain/severity';
import { BAND_EMOJI } from '../../blocks/finding-card';
import { LIMITS, mrkdwn } from '../../blocks/text';
import type { SlackDeps } from '../../deps';
import { afterAck } from '../../work-queue';
import { ACTION } from '../../ids';
import { decodeFindingRef, encodeFindingRef } from '../../values';

type Args = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;
const MAX_ROWS = 40;

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
        const rows: KnownBlock[] = [...items]
          .sort((a, b) => b.severity - a.severity)
          .slice(0, MAX_ROWS)
          .map((i): KnownBlock => {
            const ref = encodeFindingRef({ region: i.region, id: i.findingId });
            return {
              type: 'section',
              text: {
                type: 'mrkdwn',
                text: `${BAND_EMOJI[bandOf(i.severity)]} *${i.severity.toFixed(1)}* ${mrkdwn(i.title, 300)}\n${mrkdwn(i.type, 200)} · ${mrkdwn(i.accountId, 20)} / ${mrkdwn(i.region, 30)}`,
              },
              ...(decodeFindingRef(ref)
                ? {
                    accessory: {
                      type: 'button' as const,
                      text: { type: 'plain_text' as const, text: 'View' },
                      action_id: ACTION.viewFinding,
                      value: ref,
                    },
                  }
                : {}),
            };
          });
        const more = items.length > MAX_ROWS ? ` (first ${MAX_ROWS}; use /guardduty findings low for the rest)` : '';
        await respond({
          response_type: 'ephemeral',
          replace_original: false,
          text: `${items.length} findings in this digest`,
          blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `*${items.length} findings in this digest*${more}` } }, ...rows].slice(
            0,
            LIMITS.blocksPerMessage,
          ),
        });
      });
    } catch (err) {
      if (deps.work?.quietBusy(err, body.user.id)) return;
      await say(`:warning: ${mrkdwn(describeError(err), 800)}`);
    }
  };
}
