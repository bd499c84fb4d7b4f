import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { describeError } from '../../../domain/errors';
import { playbookFor } from '../../../domain/remediation/playbooks';
import { proposeModal, type ModalPreview } from '../../blocks/propose-modal';
import { mrkdwn } from '../../blocks/text';
import type { RemediationContext } from '../../remediation-context';
import { decodeFindingRef, encodeModalMeta } from '../../values';

type Args = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

/**
 * "Propose fix" on a card: opens the modal at once (the trigger_id lives 3 s), then reads the instance's
 * security groups and updates the modal with what is world-open now.
 */
export function proposeFix(ctx: RemediationContext) {
  return async ({ ack, action, body, client, respond }: Args): Promise<void> => {
    await ack();
    const say = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
    const ref = decodeFindingRef(action.value, ctx.config.aws.regions);
    if (!ref) {
      await say('That button is not valid any more.');
      return;
    }
    const log = ctx.logger.child({ action: 'propose-fix', findingId: ref.id, user: body.user.id });
    try {
      const finding = await ctx.findings.findById(ref.id, ref.region);
      if (!finding) {
        await say(`:grey_question: Finding ${mrkdwn(ref.id, 130)} is no longer in GuardDuty.`);
        return;
      }
      const match = playbookFor(finding);
      if (!match) {
        await say(
          `:information_source: There is no automatic fix for ${mrkdwn(finding.type, 200)} findings. ` +
            'The bot can only restrict a world-open port (SSH/RDP probes and brute force) on an EC2 instance.',
        );
        return;
      }
      const modal = (preview: ModalPreview) =>
        proposeModal({
          finding,
          ports: match.ports,
          suggestions: ctx.config.approval.trustedCidrs,
          metadata: encodeModalMeta({
            region: finding.region,
            findingId: finding.id,
            ...(body.channel?.id ? { channel: body.channel.id } : {}),
          }),
          preview,
        });
      const opened = await client.views.open({ trigger_id: body.trigger_id, view: modal({ kind: 'loading' }) });
      const viewId = opened.view?.id;
      let preview: ModalPreview;
      try {
        preview = { kind: 'ready', preview: await ctx.service.preview(finding) };
      } catch (err) {
        log.warn({ err }, 'preview of the security groups failed');
        preview = { kind: 'error', message: describeError(err) };
      }
      // The person may have closed the modal meanwhile: nothing to tell them then.
      if (viewId)
        await client.views
          .update({ view_id: viewId, view: modal(preview) })
          .catch((err: unknown) => log.info({ err }, 'modal not updated'));
    } catch (err) {
      log.warn({ err }, 'propose fix failed');
      await say(`:warning: ${mrkdwn(describeError(err), 1000)}`);
    }
  };
}
