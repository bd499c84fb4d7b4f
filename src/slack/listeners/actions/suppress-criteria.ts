import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type pino from 'pino';
import { describeError } from '../../../domain/errors';
import type { Finding } from '../../../domain/finding';
import {
  DEFAULT_EXPIRY_DAYS,
  SUPPRESS_SIMILAR,
  choiceData,
  readCriterionTokens,
  suppressionCriteria,
  type CriterionKey,
  type SuppressionSurvey,
} from '../../../domain/remediation/containment/suppress-similar';
import { suppressModal, type MatchPreview } from '../../blocks/suppress-modal';
import type { RemediationContext } from '../../remediation-context';
import { decodeContainmentMeta } from '../../values';

type Args = SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs;

/** The open findings the criteria match now, through the playbook's own survey (the same ListFindings criteria). */
export async function countMatches(
  ctx: RemediationContext,
  finding: Finding,
  keys: CriterionKey[],
  requester: string,
  log: pino.Logger,
): Promise<MatchPreview> {
  try {
    const surveyed = await ctx.service.surveyContainment(
      finding,
      SUPPRESS_SIMILAR,
      choiceData({ keys, reason: 'counting matches', days: DEFAULT_EXPIRY_DAYS, archiveCurrent: false, requester, nowMs: Date.now() }),
    );
    if (!surveyed.ok) return { kind: 'refused', message: surveyed.message };
    return { kind: 'counted', count: (surveyed.survey as SuppressionSurvey).openMatchCount };
  } catch (err) {
    log.warn({ err }, 'matches not counted');
    return { kind: 'error', message: describeError(err) };
  }
}

/** A criterion ticked or unticked in the Suppress similar modal: the match count is recomputed and the modal updated. */
export function suppressCriteriaChanged(ctx: RemediationContext) {
  return async ({ ack, action, body, client }: Args): Promise<void> => {
    await ack();
    const view = body.view;
    const meta = decodeContainmentMeta(view?.private_metadata);
    if (!view || !meta || meta.playbook !== SUPPRESS_SIMILAR) return;
    const tokens = ((action as { selected_options?: { value?: string }[] }).selected_options ?? []).map((o) => o.value);
    const log = ctx.logger.child({ action: 'suppress-criteria', findingId: meta.findingId, user: body.user.id });
    try {
      const finding = await ctx.findings.findById(meta.findingId, meta.region);
      if (!finding) return;
      const { keys } = readCriterionTokens(finding, tokens);
      const matches = await countMatches(ctx, finding, keys, body.user.id, log);
      const modal = suppressModal({
        finding,
        criteria: suppressionCriteria(finding),
        selected: keys,
        metadata: view.private_metadata,
        matches,
      });
      // The hash makes Slack refuse this update if a newer change already replaced the view: the newest count wins.
      await client.views.update({ view_id: view.id, hash: view.hash, view: modal });
    } catch (err) {
      log.info({ err: describeError(err) }, 'match count not updated');
    }
  };
}
