import { RESOLUTION_LABEL, ResolutionInvalidError, checkResolution, decideResolve, triageOf } from '../../../domain/ownership';
import { ownedPrompt, resolvedMessage } from '../../blocks/ownership';
import { mrkdwn, userMention } from '../../blocks/text';
import type { SlackDeps } from '../../deps';
import { BLOCK } from '../../ids';
import { NO_CARD, STALE_BUTTON, announce, approverPolicy, nowS, reply, runOwnershipAction } from '../../ownership-actions';
import { decodeVersionedRef, readResolveForm } from '../../values';
import type { ButtonArgs } from '../action-router';

const CHANGED =
  ':twisted_rightwards_arrows: The finding changed since this form was shown (someone took, reassigned or resolved it); nothing was changed. Click *Resolve…* on its card again.';

/**
 * The resolve form's Resolve button: the reason and note from the form's fields (checked), then one conditional
 * write pinned on the version the form was shown for. A false positive or an accepted risk offers Archive
 * (approvers only, as everywhere).
 */
export function resolveFinding(deps: SlackDeps) {
  return async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const ref = decodeVersionedRef(args.action.value, deps.config.aws.regions);
    if (!ref) return void (await reply(args.respond).say(STALE_BUTTON));
    const body = args.body as { state?: { values?: unknown } };
    let form: ReturnType<typeof checkResolution>;
    try {
      form = checkResolution(
        ...(Object.values(
          readResolveForm(body.state?.values, {
            reason: BLOCK.resolveReason,
            reasonInput: BLOCK.resolveReasonInput,
            note: BLOCK.resolveNote,
            noteInput: BLOCK.resolveNoteInput,
          }),
        ) as [unknown, unknown]),
      );
    } catch (err) {
      if (!(err instanceof ResolutionInvalidError)) throw err;
      return void (await reply(args.respond).say(`:warning: ${mrkdwn(err.message, 300)} Nothing was changed.`));
    }
    await runOwnershipAction(deps, args, 'resolve', async ({ store, user, out, log }) => {
      const card = await store.getCard(ref.id);
      if (!card) return out.say(NO_CARD);
      const triage = triageOf(card);
      if (triage.version !== ref.version) return out.say(CHANGED);
      const approver = triage.owner && triage.owner !== user ? await approverPolicy(deps, args.client).isApprover(user) : false;
      const decision = decideResolve(triage, user, approver);
      if (decision.kind === 'already-resolved') return out.say(CHANGED);
      if (decision.kind === 'not-owner') return out.show(ownedPrompt(ref, decision.owner, decision.since, user, user));
      const change = await store.resolveFinding(ref.id, user, form.reason, form.note, ref.version, decision.takesOwnership, nowS());
      if (!change.ok) return out.say(CHANGED);
      log.info({ findingId: ref.id, resolution: form.reason }, 'finding resolved');
      const took = decision.takesOwnership ? ' (and owns it)' : '';
      const note = `:white_check_mark: ${userMention(user)} resolved this finding as *${RESOLUTION_LABEL[form.reason]}*${took}${form.note ? `: ${mrkdwn(form.note, 500)}` : ''}`;
      await announce(deps, store, ref, note, log);
      const finding = await deps.findings.findById(ref.id, ref.region).catch(() => undefined);
      return out.show(resolvedMessage({ region: ref.region, id: ref.id, archived: finding?.archived ?? card.archived }, form.reason), true);
    });
  };
}
