import { decideReopen, triageOf } from '../../../domain/ownership';
import { userMention } from '../../blocks/text';
import type { SlackDeps } from '../../deps';
import { NO_CARD, STALE_BUTTON, announce, nowS, reply, runOwnershipAction } from '../../ownership-actions';
import { decodeFindingRef } from '../../values';
import type { ButtonArgs } from '../action-router';

/** "Reopen" on a resolved card: back to investigating (same owner), pinned on the version read; the thread says who. */
export function reopenFinding(deps: SlackDeps) {
  return async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const ref = decodeFindingRef(args.action.value, deps.config.aws.regions);
    if (!ref) return void (await reply(args.respond).say(STALE_BUTTON));
    await runOwnershipAction(deps, args, 'reopen', async ({ store, user, out, log }) => {
      const card = await store.getCard(ref.id);
      if (!card) return out.say(NO_CARD);
      const triage = triageOf(card);
      if (decideReopen(triage).kind !== 'reopen') return out.say(':mag: This finding is not resolved; nothing was changed.');
      const change = await store.reopenFinding(ref.id, user, triage.version, nowS());
      if (!change.ok)
        return out.say(':twisted_rightwards_arrows: Someone changed this finding at the same moment; nothing was changed. Try again.');
      log.info({ findingId: ref.id }, 'finding reopened');
      await announce(deps, store, ref, `:arrows_counterclockwise: ${userMention(user)} reopened this finding: investigating`, log);
      return out.say(':arrows_counterclockwise: Reopened: the finding is being investigated again.');
    });
  };
}
