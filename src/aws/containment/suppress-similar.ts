import {
  ArchiveFindingsCommand,
  CreateFilterCommand,
  DeleteFilterCommand,
  GetFilterCommand,
  GetFindingsCommand,
  ListDetectorsCommand,
  ListFiltersCommand,
  ListFindingsCommand,
  UnarchiveFindingsCommand,
  type Condition,
  type GuardDutyClient,
} from '@aws-sdk/client-guardduty';
import { createHash } from 'node:crypto';
import { ChatOpsError } from '../../domain/errors';
import type { StepExecutor } from '../../domain/ports';
import type { PlaybookTarget } from '../../domain/remediation/containment/playbook';
import {
  ARCHIVE_STEP,
  FILTER_STEP,
  MATCH_COUNT_CAP,
  MAX_ARCHIVED,
  type FilterState,
  type SuppressionSurvey,
} from '../../domain/remediation/containment/suppress-similar';
import { canonicalJson } from '../../domain/remediation/seal';
import type { Json, PlanStep, StepPlan } from '../../domain/remediation/steps';
import type { DryRunOutcome } from '../../domain/remediation/types';
import { awsErrorCode } from '../aws-errors';
import { AwsCalls } from './aws-calls';

/** How GuardDuty answers GetFilter/DeleteFilter for a name it does not have (a 400, not a 404). */
export function isNoSuchFilter(err: unknown): boolean {
  return awsErrorCode(err) === 'BadRequestException' && /no such resource|does not exist|not found/i.test(String((err as Error)?.message));
}

/** The survey keeps this many matching IDs; every page is still counted. */
const KEPT_IDS = MAX_ARCHIVED + 1;

/**
 * GuardDuty side of suppress-similar: the administrator's detector in the region holds the filter (so it applies to
 * every member account's findings). Creates or deletes the filter; archives or unarchives the current matches.
 */
export class SuppressSimilarAdapter implements StepExecutor {
  private readonly calls: AwsCalls;
  private detector?: Promise<string>;

  constructor(
    private readonly guardDuty: GuardDutyClient,
    private readonly region: string,
  ) {
    this.calls = new AwsCalls('GuardDuty', region);
  }

  /** Without criteria in the target (`data.criteria`), only the detector's filter names are read. */
  async survey(target: PlaybookTarget): Promise<SuppressionSurvey> {
    if (target.data.criteria === undefined)
      return { existing: null, openMatches: [], openMatchCount: 0, filterNames: await this.filterNames() };
    const criteria = parseCriteria(target.data.criteria);
    const name = target.data.filterName ?? target.id;
    const [existing, open, archived, filterNames] = await Promise.all([
      this.filter(name),
      this.matches(criteria, false, MATCH_COUNT_CAP),
      // What the rule has archived is shown, not acted on: one page is enough ("50 or more").
      this.matches(criteria, true, 50),
      this.filterNames(),
    ]);
    return { existing, openMatches: open.ids, openMatchCount: open.count, archivedMatchCount: archived.count, filterNames };
  }

  async read(step: PlanStep): Promise<Json> {
    if (step.action === FILTER_STEP) return this.filter(step.resource);
    if (step.action === ARCHIVE_STEP) {
      const detectorId = await this.detectorId();
      const out = await this.calls.run(() =>
        this.guardDuty.send(new GetFindingsCommand({ DetectorId: detectorId, FindingIds: [step.resource] })),
      );
      const finding = out.Findings?.find((f) => f.Id === step.resource);
      return finding ? { archived: finding.Service?.Archived === true } : { archived: null };
    }
    throw new ChatOpsError('UNSAFE_PLAN', `Not a suppression step: ${step.action}`);
  }

  resolve(step: PlanStep): Json {
    return step.after;
  }

  async write(step: PlanStep, target: Json): Promise<{ kept?: { label: string; id: string }[] }> {
    const detectorId = await this.detectorId();
    if (step.action === FILTER_STEP) {
      if (target === null) {
        await this.calls.run(() => this.guardDuty.send(new DeleteFilterCommand({ DetectorId: detectorId, FilterName: step.resource })));
        return {};
      }
      const state = target as FilterState;
      await this.calls.run(() =>
        this.guardDuty.send(
          new CreateFilterCommand({
            DetectorId: detectorId,
            Name: step.resource,
            Description: state.description,
            Action: 'ARCHIVE',
            FindingCriteria: {
              Criterion: Object.fromEntries(
                Object.entries(state.criteria).map(([field, values]) => [field, { Equals: values } satisfies Condition]),
              ),
            },
            Tags: state.tags,
            ClientToken: createHash('sha256')
              .update(canonicalJson({ name: step.resource, state }))
              .digest('hex')
              .slice(0, 64),
          }),
        ),
      );
      return {};
    }
    if (step.action === ARCHIVE_STEP) {
      const archived = (target as { archived?: unknown } | null)?.archived;
      const input = { DetectorId: detectorId, FindingIds: [step.resource] };
      if (archived === true) await this.calls.run(() => this.guardDuty.send(new ArchiveFindingsCommand(input)));
      else if (archived === false) await this.calls.run(() => this.guardDuty.send(new UnarchiveFindingsCommand(input)));
      else throw new ChatOpsError('UNSAFE_PLAN', `No archive state to set on finding ${step.resource}`);
      return {};
    }
    throw new ChatOpsError('UNSAFE_PLAN', `Not a suppression step: ${step.action}`);
  }

  permissionCheck(_plan: StepPlan): Promise<DryRunOutcome> {
    return Promise.resolve({
      ok: true,
      checked: false,
      message:
        'GuardDuty has no dry run: its filters and findings were readable; guardduty:CreateFilter is checked when the rule is created.',
    });
  }

  awsCalls(): number {
    return this.calls.made;
  }

  private detectorId(): Promise<string> {
    this.detector ??= this.calls
      .run(() => this.guardDuty.send(new ListDetectorsCommand({})))
      .then((out) => {
        const id = out.DetectorIds?.[0];
        if (!id) throw new ChatOpsError('NO_DETECTOR', `GuardDuty has no detector in ${this.region}.`);
        return id;
      });
    this.detector.catch(() => (this.detector = undefined));
    return this.detector;
  }

  /** The filter as a step state; null when GuardDuty has none of that name. */
  private async filter(name: string): Promise<FilterState | null> {
    const detectorId = await this.detectorId();
    const out = await this.calls.runOrNone(
      () => this.guardDuty.send(new GetFilterCommand({ DetectorId: detectorId, FilterName: name })),
      isNoSuchFilter,
    );
    if (!out) return null;
    const criteria: Record<string, string[]> = {};
    for (const [field, condition] of Object.entries(out.FindingCriteria?.Criterion ?? {})) {
      criteria[field] = [...(condition.Equals ?? condition.Eq ?? [])];
      // Any other operator makes the filter something the bot did not write: kept visible in the state.
      const others = Object.keys(condition).filter(
        (k) => k !== 'Equals' && k !== 'Eq' && (condition as Record<string, unknown>)[k] !== undefined,
      );
      if (others.length > 0) criteria[`${field} (${others.sort().join(', ')})`] = [];
    }
    return {
      action: out.Action ?? 'NOOP',
      criteria,
      description: out.Description ?? '',
      tags: { ...(out.Tags ?? {}) },
    };
  }

  /** Every filter name of the detector (ListFilters, all pages). */
  private async filterNames(): Promise<string[]> {
    const detectorId = await this.detectorId();
    const names: string[] = [];
    let token: string | undefined;
    do {
      const out = await this.calls.run(() =>
        this.guardDuty.send(new ListFiltersCommand({ DetectorId: detectorId, MaxResults: 50, NextToken: token })),
      );
      names.push(...(out.FilterNames ?? []));
      token = out.NextToken || undefined;
    } while (token && names.length < 1000);
    return names;
  }

  /** Open (or archived) findings matching the criteria: every page counted, the first IDs kept. */
  private async matches(criteria: Record<string, string[]>, archived: boolean, cap: number): Promise<{ ids: string[]; count: number }> {
    const detectorId = await this.detectorId();
    const Criterion: Record<string, Condition> = { 'service.archived': { Equals: [String(archived)] } };
    for (const [field, values] of Object.entries(criteria)) Criterion[field] = { Equals: values };
    const ids: string[] = [];
    let count = 0;
    let token: string | undefined;
    do {
      const out = await this.calls.run(() =>
        this.guardDuty.send(
          new ListFindingsCommand({ DetectorId: detectorId, FindingCriteria: { Criterion }, MaxResults: 50, NextToken: token }),
        ),
      );
      const page = out.FindingIds ?? [];
      count += page.length;
      for (const id of page) if (ids.length < KEPT_IDS) ids.push(id);
      token = out.NextToken || undefined;
    } while (token && count < cap);
    return { ids, count };
  }
}

function parseCriteria(text: string | undefined): Record<string, string[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text ?? '');
  } catch {
    parsed = undefined;
  }
  if (!parsed || typeof parsed !== 'object') throw new ChatOpsError('BAD_CHOICE', 'The suppression rule has no criteria.');
  const out: Record<string, string[]> = {};
  for (const [field, values] of Object.entries(parsed as Record<string, unknown>)) {
    if (Array.isArray(values) && values.every((v) => typeof v === 'string')) out[field] = values;
  }
  if (Object.keys(out).length === 0) throw new ChatOpsError('BAD_CHOICE', 'The suppression rule has no criteria.');
  return out;
}
