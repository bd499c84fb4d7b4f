import { decideResolve, triageOf } from '../../../domain/ownership';
import { ownedPrompt, resolveForm } from '../../blocks/ownership';
import { mrkdwn, userMention, utc } from '../../blocks/text';
import type { SlackDeps } from '../../deps';
import { NO_CARD, STALE_BUTTON, approverPolicy, reply, runOwnershipAction } from '../../ownership-actions';
import { decodeFindingRef } from '../../values';
import type { ButtonArgs } from '../action-router';
import { RESOLUTION_LABEL } from '../../../domain/ownership';

/**
 * "Resolve…" on a card: shows the person a small form (a reason, an optional note) whose Resolve button pins the
 * ownership version it was shown for. Only the owner or an approver resolves what someone owns.
 */
export function resolveFormAction(deps: SlackDeps) {
  return async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const ref = decodeFindingRef(args.action.value, deps.config.aws.regions);
    if (!ref) return void (await reply(args.respond).say(STALE_BUTTON));
    await runOwnershipAction(deps, args, 'resolve-form', async ({ store, user, out }) => {
      const card = await store.getCard(ref.id);
      if (!card) return out.say(NO_CARD);
      const triage = triageOf(card);
      const approver = triage.owner && triage.owner !== user ? await approverPolicy(deps, args.client).isApprover(user) : false;
      const decision = decideResolve(triage, user, approver);
      if (decision.kind === 'already-resolved') {
        const reason = decision.resolution ? ` as ${RESOLUTION_LABEL[decision.resolution]}` : '';
        const by = decision.by ? ` by ${userMention(decision.by)}` : '';
        const when = decision.since === undefined ? '' : ` at ${utc(decision.since)}`;
        return out.say(
          `:white_check_mark: This finding was resolved${reason}${by}${when}. Click *Reopen* on its card to work on it again.`,
        );
      }
      if (decision.kind === 'not-owner') {
        const prompt = ownedPrompt(ref, decision.owner, decision.since, user, user);
        const text = `Only its owner or an approver resolves a finding. ${prompt.text}`;
        return out.show({ text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }, ...prompt.blocks.slice(1)] });
      }
      const finding = await deps.findings.findById(ref.id, ref.region);
      if (!finding) return out.say(`:grey_question: Finding ${mrkdwn(ref.id, 130)} is no longer in GuardDuty.`);
      return out.show(resolveForm(finding, triage.version));
    });
  };
}
