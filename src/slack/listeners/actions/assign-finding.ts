import type { SlackDeps } from '../../deps';
import { STALE_BUTTON, reply, runOwnershipAction, takeOrAssign } from '../../ownership-actions';
import { decodeAssignBlock, decodeUserId } from '../../values';
import type { ButtonArgs } from '../action-router';

/**
 * "Assign…" on a card (a users_select; its block ID names the finding): the person picked owns the finding,
 * unless someone else does already (then Reassign to them is offered).
 */
export function assignFinding(deps: SlackDeps) {
  return async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const action = args.action as { block_id?: string; selected_user?: unknown };
    const ref = decodeAssignBlock(action.block_id, deps.config.aws.regions);
    const target = decodeUserId(action.selected_user);
    if (!ref || !target) return void (await reply(args.respond).say(STALE_BUTTON));
    await runOwnershipAction(deps, args, 'assign', ({ store, user, out, log }) =>
      takeOrAssign(deps, store, ref, target, user, out, log.child({ findingId: ref.id, target })),
    );
  };
}
