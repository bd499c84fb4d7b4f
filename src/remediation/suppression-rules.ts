import type { StepExecutorFactory } from '../domain/ports';
import { ChatOpsError, describeError } from '../domain/errors';
import {
  FILTER_PREFIX,
  FILTER_STEP,
  SUPPRESS_SIMILAR,
  TAG_REQUESTER,
  isFilterState,
  suppressionExpiry,
  type FilterState,
  type SuppressionSurvey,
} from '../domain/remediation/containment/suppress-similar';
import { TamperedError } from '../domain/remediation/seal';
import { sameState } from '../domain/remediation/steps';
import type { SealedSuppression, SealedSuppressions, SuppressionStore } from '../domain/suppressions';

/** A suppression rule the bot created, as its sealed proposal says and as GuardDuty has it now. */
export interface SuppressionRuleView {
  filterName: string;
  region: string;
  findingId: string;
  proposalId: string;
  criteria: FilterState['criteria'];
  requester: string;
  approver?: string;
  expires: string;
  /** `active`: exactly as approved; `changed`: edited outside the bot; `deleted`: no longer in GuardDuty. */
  status: 'active' | 'changed' | 'deleted' | 'unreadable';
  openMatches?: number;
  archivedMatches?: number;
  error?: string;
  channel: string;
  threadTs: string;
}

export interface SuppressionRules {
  rules: SuppressionRuleView[];
  /** Filters named like the bot's that no sealed proposal of the bot created (someone else made them). */
  lookalikes: { region: string; name: string; /** The date its name gives, when that has passed. */ pastExpiry?: string }[];
  /** Regions whose filters could not be listed. */
  unreadRegions: string[];
  /** Index entries whose record fails the bot's seal. */
  tampered: number;
  /** The index held more entries than were read. */
  truncated: boolean;
}

/**
 * The rules the bot created, read from the index and each one's sealed proposal, then compared with GuardDuty
 * (GetFilter, ListFindings for the matches, ListFilters for look-alikes). Read-only.
 */
export async function listSuppressionRules(
  store: SuppressionStore,
  sealed: SealedSuppressions,
  steps: StepExecutorFactory,
  regions: readonly string[],
  limit = 50,
  nowS = Math.floor(Date.now() / 1000),
): Promise<SuppressionRules> {
  const unreadRegions: string[] = [];
  const rules: SuppressionRuleView[] = [];
  const names = new Map<string, Set<string>>();
  let tampered = 0;
  const entries = await store.listSuppressions(limit);
  const seenProposals = new Set<string>();
  for (const entry of entries) {
    let run: SealedSuppression;
    try {
      run = await sealed.sealedSuppression(entry.findingId, entry.proposalId, nowS);
    } catch (err) {
      if (!(err instanceof TamperedError) && !(err instanceof ChatOpsError && err.code === 'STORE_ITEM_MALFORMED')) throw err;
      tampered++;
      continue;
    }
    // A proposal that was never approved leaves nothing in GuardDuty: its entry is removed, so it does not crowd the list.
    if (run.kind === 'never') await store.removeSuppression(entry);
    if (run.kind !== 'approved' || seenProposals.has(run.proposal.id)) continue;
    seenProposals.add(run.proposal.id);
    const rule = suppressionExpiry(run.plan);
    const step = run.plan.steps.find((s) => s.action === FILTER_STEP);
    if (!rule || !step || !isFilterState(step.after)) continue;
    const view: SuppressionRuleView = {
      filterName: rule.filterName,
      region: run.plan.region,
      findingId: run.proposal.findingId,
      proposalId: run.proposal.id,
      criteria: step.after.criteria,
      requester: run.proposal.requester,
      ...(run.proposal.approver ? { approver: run.proposal.approver } : {}),
      expires: rule.expires,
      status: 'unreadable',
      channel: run.proposal.channel,
      threadTs: run.proposal.threadTs,
    };
    try {
      const executor = await steps.forPlaybook(SUPPRESS_SIMILAR, run.plan.accountId, run.plan.region);
      const survey = (await executor.survey({
        kind: 'guardduty-filter',
        id: rule.filterName,
        label: rule.filterName,
        data: { filterName: rule.filterName, criteria: JSON.stringify(step.after.criteria), [TAG_REQUESTER]: run.proposal.requester },
      })) as SuppressionSurvey;
      view.status = survey.existing === null ? 'deleted' : sameState(survey.existing, step.after) ? 'active' : 'changed';
      view.openMatches = survey.openMatchCount;
      if (survey.archivedMatchCount !== undefined) view.archivedMatches = survey.archivedMatchCount;
      const seen = names.get(view.region) ?? new Set<string>();
      for (const name of survey.filterNames ?? []) seen.add(name);
      names.set(view.region, seen);
    } catch (err) {
      view.error = describeError(err);
    }
    rules.push(view);
  }
  // Every configured region's filters, also where the bot has no rule of its own: a look-alike anywhere is shown.
  for (const region of regions) {
    if (names.has(region)) continue;
    try {
      const executor = await steps.forPlaybook(SUPPRESS_SIMILAR, '', region);
      const survey = (await executor.survey({ kind: 'guardduty-filter', id: '', label: 'filters', data: {} })) as SuppressionSurvey;
      names.set(region, new Set(survey.filterNames ?? []));
    } catch {
      unreadRegions.push(region);
    }
  }
  const today = new Date(nowS * 1000).toISOString().slice(0, 10);
  const ours = new Set(rules.map((r) => `${r.region} ${r.filterName}`));
  const lookalikes = [...names.entries()].flatMap(([region, set]) =>
    [...set]
      .filter((name) => name.startsWith(FILTER_PREFIX) && !ours.has(`${region} ${name}`))
      .map((name) => {
        const date = /^guardduty-chatops-(\d{4})(\d{2})(\d{2})-/.exec(name);
        const expires = date ? `${date[1]}-${date[2]}-${date[3]}` : undefined;
        return { region, name, ...(expires && expires <= today ? { pastExpiry: expires } : {}) };
      }),
  );
  return { rules, lookalikes, tampered, truncated: entries.length >= limit, unreadRegions };
}
