import type { KnownBlock } from '@slack/types';
import type { StepPlan, StepRunResult } from '../../domain/remediation/steps';
import { bullets, code, context, mrkdwn, section } from './text';

/** "bucket `logs` (account `1234…`, eu-west-1)": a containment plan's subject, mrkdwn-safe. */
export function stepSubject(plan: StepPlan): string {
  return `${mrkdwn(plan.target.label, 200)} (account ${code(plan.accountId, 20)}, ${mrkdwn(plan.region, 30)})`;
}

/** Before → after for each step, in the playbook's own terms. */
export function stepChangeLines(plan: StepPlan): string[] {
  return plan.steps.map(
    (s) =>
      `${mrkdwn(s.label, 200)}: ${mrkdwn(s.beforeText, 300)} → *${mrkdwn(s.afterText, 300)}*${s.revertible ? '' : ' _(kept on revert)_'}`,
  );
}

/** The proposal's body for a containment plan: changes, what is left alone, warnings, the permission check. */
export function stepPlanBlocks(plan: StepPlan): KnownBlock[] {
  const blocks: KnownBlock[] = [
    section(`*What changes (before → after)*\n${bullets(stepChangeLines(plan), 15)}\nNothing else is touched.`),
  ];
  if (plan.untouched.length > 0) {
    blocks.push(
      section(
        `*Not touched*\n${bullets(
          plan.untouched.map((u) => `${mrkdwn(u.label, 200)}: ${mrkdwn(u.reason, 300)}`),
          10,
        )}`,
      ),
    );
  }
  if (plan.warnings.length > 0)
    blocks.push(
      section(
        `:warning: *Before you approve*\n${bullets(
          plan.warnings.map((w) => mrkdwn(w, 400)),
          8,
        )}`,
      ),
    );
  if (plan.dryRun) {
    const icon = plan.dryRun.checked === false ? ':grey_question:' : plan.dryRun.ok ? ':white_check_mark:' : ':warning:';
    blocks.push(context(`${icon} Permission check: ${mrkdwn(plan.dryRun.message, 1000)}`));
  }
  return blocks;
}

/** What a containment run did, mrkdwn-safe. */
export function stepResultText(r: StepRunResult): string {
  const lines: string[] = [];
  if (r.error) lines.push(`*Error:* ${mrkdwn(`${r.error.code}: ${r.error.message}`, 1200)}`);
  const changed = r.steps.filter((s) => s.outcome === 'changed').map((s) => mrkdwn(s.label, 200));
  const already = r.steps.filter((s) => s.outcome === 'unchanged').map((s) => mrkdwn(s.label, 200));
  const refused = r.steps.filter((s) => s.outcome === 'refused').map((s) => `${mrkdwn(s.label, 200)}: ${mrkdwn(s.detail ?? '', 300)}`);
  if (changed.length > 0) lines.push(`*${r.ok ? 'Changed' : 'Changed before it stopped'}:*\n${bullets(changed, 10)}`);
  else lines.push('Nothing was changed.');
  if (already.length > 0 && r.ok) lines.push(`*Already as planned:*\n${bullets(already, 10)}`);
  if (refused.length > 0) lines.push(`*Not as planned, so not changed:*\n${bullets(refused, 10)}`);
  if (r.kept.length > 0)
    lines.push(
      `*Kept:*\n${bullets(
        r.kept.map((k) => `${mrkdwn(k.label, 100)} ${code(k.id, 60)}`),
        10,
      )}`,
    );
  if (r.ok) lines.push(`Verified by reading back (${r.awsCalls} AWS calls).`);
  return lines.join('\n');
}
