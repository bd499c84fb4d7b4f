import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { describeError } from '../../../domain/errors';
import type { Finding } from '../../../domain/finding';
import { playbookFor, RESTRICT_INGRESS } from '../../../domain/remediation/playbooks';
import { stepPlaybookFor } from '../../../domain/remediation/registry';
import { containmentModal, type ContainmentPreview } from '../../blocks/containment-modal';
import { proposeModal, type ModalPreview } from '../../blocks/propose-modal';
import { mrkdwn } from '../../blocks/text';
import type { RemediationContext } from '../../remediation-context';
import { decodePlaybookRef, encodeContainmentMeta, encodeModalMeta } from '../../values';

type Args = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

/**
 * "Propose fix" on a card (the button names its playbook): opens the modal at once (the trigger_id lives 3 s),
 * then reads what exists now (read-only) and updates the modal with the preview.
 */
export function proposeFix(ctx: RemediationContext) {
  return async (args: Args): Promise<void> => {
    const { ack, action, body, client, respond } = args;
    await ack();
    const say = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
    // A button carries its value; the menu shown when several playbooks apply carries the chosen option's.
    const chosen = action as { selected_option?: { value?: string } };
    const ref = decodePlaybookRef(chosen.selected_option?.value ?? action.value, ctx.config.aws.regions);
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
      if (ref.playbook && ref.playbook !== RESTRICT_INGRESS) {
        await proposeContainment(ctx, args, finding, ref.playbook);
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

async function proposeContainment(
  ctx: RemediationContext,
  { body, client, respond }: Args,
  finding: Finding,
  playbookId: string,
): Promise<void> {
  const log = ctx.logger.child({ action: 'propose-fix', findingId: finding.id, playbook: playbookId, user: body.user.id });
  const playbook = stepPlaybookFor(playbookId);
  const target = playbook?.id === playbookId ? playbook.appliesTo(finding) : undefined;
  if (!playbook || !target) {
    const why = playbook?.unavailable?.(finding);
    await respond({
      response_type: 'ephemeral',
      replace_original: false,
      text: why
        ? `:information_source: ${mrkdwn(why, 500)}`
        : `:information_source: That fix does not apply to ${mrkdwn(finding.type, 200)} findings.`,
    });
    return;
  }
  const modal = (preview: ContainmentPreview) =>
    containmentModal({
      finding,
      playbook,
      targetLabel: target.label,
      metadata: encodeContainmentMeta({
        region: finding.region,
        findingId: finding.id,
        playbook: playbook.id,
        ...(body.channel?.id ? { channel: body.channel.id } : {}),
      }),
      preview,
    });
  const opened = await client.views.open({ trigger_id: body.trigger_id, view: modal({ kind: 'loading' }) });
  let preview: ContainmentPreview;
  try {
    const planned = await ctx.service.planContainment(finding, playbook.id);
    preview = planned.ok ? { kind: 'ready', plan: planned.plan } : { kind: 'refused', message: planned.message };
  } catch (err) {
    log.warn({ err }, 'containment preview failed');
    preview = { kind: 'error', message: describeError(err) };
  }
  const viewId = opened.view?.id;
  if (viewId)
    await client.views.update({ view_id: viewId, view: modal(preview) }).catch((err: unknown) => log.info({ err }, 'modal not updated'));
}
