import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { describeError } from '../../../domain/errors';
import {
  SUPPRESS_SIMILAR,
  choiceData,
  choiceProblems,
  chosenCriteria,
  readCriterionTokens,
} from '../../../domain/remediation/containment/suppress-similar';
import { isPlanRefusal } from '../../../domain/remediation/containment/playbook';
import { code, mrkdwn, truncate } from '../../blocks/text';
import { BLOCK } from '../../ids';
import type { RemediationContext } from '../../remediation-context';
import { decodeContainmentMeta } from '../../values';
import { proposeInThread, requesterNotice } from './propose-in-thread';

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

type Values = ViewSubmitAction['view']['state']['values'];

/** What the Suppress similar modal holds, as the person left it. */
export function suppressForm(values: Values): { tokens: (string | undefined)[]; reason: string; days: number; archiveCurrent: boolean } {
  const criteria = values[BLOCK.suppressCriteria] ?? {};
  const ticked = Object.values(criteria).flatMap((v) => v.selected_options ?? []);
  return {
    tokens: ticked.map((o) => o.value),
    reason: values[BLOCK.suppressReason]?.[BLOCK.suppressReasonInput]?.value ?? '',
    days: Number(values[BLOCK.suppressExpiry]?.[BLOCK.suppressExpiryInput]?.selected_option?.value),
    archiveCurrent: (values[BLOCK.suppressArchive]?.[BLOCK.suppressArchiveInput]?.selected_options ?? []).some(
      (o) => o.value === 'archive',
    ),
  };
}

/**
 * The Suppress similar modal's submission. The form is checked before the ack (no I/O), so a mistake is shown on
 * its field; then the plan is computed from a fresh survey, stored as a proposal and posted in the finding's thread.
 */
export function proposeSuppressionSubmission(ctx: RemediationContext) {
  return async ({ ack, body, view, client }: Args): Promise<void> => {
    const meta = decodeContainmentMeta(view.private_metadata);
    const form = suppressForm(view.state.values);
    const errors: Record<string, string> = {};
    if (!meta || meta.playbook !== SUPPRESS_SIMILAR)
      errors[BLOCK.suppressReason] = 'This form is out of date. Close it and click Suppress similar… on the card again.';
    const tickedKeys = form.tokens.map((t) => t?.split(':')[0]);
    if (tickedKeys.length === 0)
      errors[BLOCK.suppressCriteria] = 'Keep at least one criterion: a rule without any would suppress every finding.';
    else if (tickedKeys.every((k) => k === 'account'))
      errors[BLOCK.suppressCriteria] =
        'A rule on the account alone would suppress every finding of that account: keep the type or another criterion.';
    for (const problem of choiceProblems(form)) {
      if (problem.startsWith('Choose an expiry')) errors[BLOCK.suppressExpiry] = problem;
      else errors[BLOCK.suppressReason] = problem;
    }
    if (Object.keys(errors).length > 0 || !meta) {
      await ack({ response_action: 'errors', errors: Object.fromEntries(Object.entries(errors).map(([k, v]) => [k, truncate(v, 300)])) });
      return;
    }
    await ack();
    const requester = body.user.id;
    const log = ctx.logger.child({ view: 'propose-suppression', findingId: meta.findingId, user: requester });
    const tell = requesterNotice(ctx, client, meta.channel, requester, log);
    try {
      const finding = await ctx.findings.findById(meta.findingId, meta.region);
      if (!finding)
        return void (await tell(`:grey_question: Finding ${code(meta.findingId, 140)} is no longer in GuardDuty; nothing was proposed.`));
      const { keys, changed } = readCriterionTokens(finding, form.tokens);
      if (changed.length > 0)
        return void (await tell(
          `:twisted_rightwards_arrows: The finding changed since the form was opened (${changed.map((c) => `${mrkdwn(c.label, 30)} is now ${code(c.value, 200)}`).join('; ')}), so nothing was proposed. Click Suppress similar… again to see it as it is now.`,
        ));
      const criteria = chosenCriteria(finding, keys);
      if (isPlanRefusal(criteria)) return void (await tell(`:information_source: ${mrkdwn(criteria.message, 800)} Nothing was proposed.`));
      const planned = await ctx.service.planContainment(
        finding,
        SUPPRESS_SIMILAR,
        choiceData({ keys, reason: form.reason, days: form.days, archiveCurrent: form.archiveCurrent, requester, nowMs: Date.now() }),
      );
      if (!planned.ok) return void (await tell(`:information_source: ${mrkdwn(planned.message, 800)} Nothing was proposed.`));
      await proposeInThread(ctx, { finding, plan: planned.plan, requester, viewId: view.id, log });
    } catch (err) {
      log.warn({ err }, 'suppression not proposed');
      await tell(`:warning: The suppression rule was not proposed: ${mrkdwn(describeError(err), 1000)}`);
    }
  };
}
