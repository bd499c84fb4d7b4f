import type { SlackDeps } from '../../deps';
import { STALE_BUTTON, reply, runOwnershipAction, takeOrAssign } from '../../ownership-actions';
import { decodeFindingRef } from '../../values';
import type { ButtonArgs } from '../action-router';

/** "Take" on a card: the clicker owns the finding (status investigating), unless someone does already (then Reassign is offered). */
export function takeFinding(deps: SlackDeps) {
  return async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const ref = decodeFindingRef(args.action.value, deps.config.aws.regions);
    if (!ref) return void (await reply(args.respond).say(STALE_BUTTON));
    await runOwnershipAction(deps, args, 'take', ({ store, user, out, log }) =>
      takeOrAssign(deps, store, ref, user, user, out, log.child({ findingId: ref.id })),
    );
  };
}
