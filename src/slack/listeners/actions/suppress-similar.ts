import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { describeError } from '../../../domain/errors';
import { SUPPRESS_SIMILAR, suppressionCriteria, type CriterionKey } from '../../../domain/remediation/containment/suppress-similar';
import { suppressModal, type MatchPreview } from '../../blocks/suppress-modal';
import { mrkdwn } from '../../blocks/text';
import type { RemediationContext } from '../../remediation-context';
import { decodeFindingRef, encodeContainmentMeta } from '../../values';
import { countMatches } from './suppress-criteria';

type Args = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

/**
 * "Suppress similar…" on a card: opens the modal at once (the trigger_id lives 3 s) with every criterion the
 * finding offers ticked, then counts the open findings they match (ListFindings, read-only) and shows the count.
 */
export function suppressSimilarAction(ctx: RemediationContext) {
  return async ({ ack, action, body, client, respond }: Args): Promise<void> => {
    await ack();
    const say = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
    const ref = decodeFindingRef(action.value, ctx.config.aws.regions);
    if (!ref) return void (await say('That button is not valid any more.'));
    const log = ctx.logger.child({ action: 'suppress-similar', findingId: ref.id, user: body.user.id });
    try {
      const finding = await ctx.findings.findById(ref.id, ref.region);
      if (!finding) return void (await say(`:grey_question: Finding ${mrkdwn(ref.id, 130)} is no longer in GuardDuty.`));
      const criteria = suppressionCriteria(finding);
      const selected: CriterionKey[] = criteria.map((c) => c.key);
      const metadata = encodeContainmentMeta({
        region: finding.region,
        findingId: finding.id,
        playbook: SUPPRESS_SIMILAR,
        ...(body.channel?.id ? { channel: body.channel.id } : {}),
      });
      const modal = (matches: MatchPreview) => suppressModal({ finding, criteria, selected, metadata, matches });
      const opened = await client.views.open({ trigger_id: body.trigger_id, view: modal({ kind: 'loading' }) });
      const matches = await countMatches(ctx, finding, selected, body.user.id, log);
      const viewId = opened.view?.id;
      if (viewId)
        await client.views
          .update({ view_id: viewId, ...(opened.view?.hash ? { hash: opened.view.hash } : {}), view: modal(matches) })
          .catch((err: unknown) => log.info({ err }, 'modal not updated'));
    } catch (err) {
      log.warn({ err }, 'suppress similar failed');
      await say(`:warning: ${mrkdwn(describeError(err), 1000)}`);
    }
  };
}
