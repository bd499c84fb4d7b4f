import { decideReassign, triageOf } from '../../../domain/ownership';
import type { CardRecord } from '../../../domain/ports';
import { ownedPrompt } from '../../blocks/ownership';
import { userMention } from '../../blocks/text';
import type { SlackDeps } from '../../deps';
import { NO_CARD, STALE_BUTTON, announce, nowS, reply, runOwnershipAction } from '../../ownership-actions';
import { decodeReassignRef } from '../../values';
import type { ButtonArgs } from '../action-router';

/**
 * "Reassign" (offered when someone else owns the finding): one conditional write pinned on the owner the person
 * was shown, so of two racing Reassigns one wins; the other is told who owns it now and may reassign again.
 */
export function reassignFinding(deps: SlackDeps) {
  return async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const ref = decodeReassignRef(args.action.value, deps.config.aws.regions);
    if (!ref) return void (await reply(args.respond).say(STALE_BUTTON));
    await runOwnershipAction(deps, args, 'reassign', async ({ store, user, out, log }) => {
      const answer = async (current: CardRecord | undefined): Promise<void> => {
        if (!current) return void (await out.say(NO_CARD));
        const decision = decideReassign(triageOf(current), ref.from, ref.to);
        if (decision.kind === 'already-owner') {
          const whom = ref.to === user ? 'You own' : `${userMention(ref.to)} owns`;
          return void (await out.say(`:bust_in_silhouette: ${whom} this finding already; nothing was changed.`));
        }
        if (decision.kind === 'changed' && decision.owner) {
          const prompt = ownedPrompt(ref, decision.owner, decision.since, ref.to, user);
          const text = `:twisted_rightwards_arrows: The owner changed meanwhile; nothing was changed. ${prompt.text}`;
          return void (await out.show({ text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }, ...prompt.blocks.slice(1)] }));
        }
        await out.say(':bust_in_silhouette: Nobody owns this finding now; nothing was changed. Click *Take* on its card.');
      };
      const card = await store.getCard(ref.id);
      if (!card || decideReassign(triageOf(card), ref.from, ref.to).kind !== 'reassign') return answer(card);
      const change = await store.reassignFinding(ref.id, ref.from, ref.to, nowS());
      if (!change.ok) return answer(change.card);
      log.info({ findingId: ref.id, from: ref.from, to: ref.to }, 'finding reassigned');
      const note =
        ref.to === user
          ? `:twisted_rightwards_arrows: ${userMention(user)} took this finding over from ${userMention(ref.from)}`
          : `:twisted_rightwards_arrows: ${userMention(user)} reassigned this finding from ${userMention(ref.from)} to ${userMention(ref.to)}`;
      await announce(deps, store, ref, note, log);
      await out.say(
        ref.to === user ? ':raising_hand: You own this finding now.' : `:point_right: ${userMention(ref.to)} owns this finding now.`,
      );
    });
  };
}
