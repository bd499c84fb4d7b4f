import { canonicalJson } from './seal';
import type { DryRunOutcome } from './types';

/** Plain JSON: a step's states are compared by their canonical JSON. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * One change a containment playbook makes, in its own terms. `before` is the state the preview read, `after` the
 * state the step sets; the runner writes only when the live state is `before`, and verifies `after` by reading back.
 */
export interface PlanStep {
  /** The playbook's kind of change, e.g. `iam:access-key-status`, `ec2:eni-groups`, `s3:public-access-block`. */
  action: string;
  /** What is changed: an access key ID, an ENI ID, a bucket name, a role name. */
  resource: string;
  before: Json;
  after: Json;
  /** For people (plain text; the chat escapes it): what, and its state before and after. */
  label: string;
  beforeText: string;
  afterText: string;
  /** False for what a revert keeps (evidence such as snapshots, a quarantine group, a tag). */
  revertible: boolean;
}

/** What a containment playbook will do, computed from a read-only survey; sealed and approved like any plan. */
export interface StepPlan {
  engine: 'steps';
  playbook: string;
  findingId: string;
  accountId: string;
  region: string;
  /** What the playbook acts on, e.g. `{ kind: 'iam-user', id: 'alice', label: 'IAM user alice' }`. */
  target: { kind: string; id: string; label: string };
  steps: PlanStep[];
  /** What the plan leaves alone on purpose, and why ("AKIA…: another key of alice, not touched"). */
  untouched: { label: string; reason: string }[];
  warnings: string[];
  dryRun?: DryRunOutcome;
}

/** How a step ended: `changed` by this execution, already `unchanged` at `after`, or `refused` (found in another state). */
export type StepOutcome = 'changed' | 'unchanged' | 'refused';

export interface StepRecord {
  action: string;
  resource: string;
  label: string;
  outcome: StepOutcome;
  /** The state found before this execution's first write (from its journal), concrete. */
  before: Json;
  /** The state read back after the run, concrete. */
  after: Json;
  detail?: string;
}

/** What a containment execution did; a revert undoes exactly the `changed` revertible records of a sealed one. */
export interface StepRunResult {
  engine: 'steps';
  ok: boolean;
  steps: StepRecord[];
  /** What the run created and keeps whatever happens next (snapshot IDs, the quarantine group). */
  kept: { label: string; id: string }[];
  awsCalls: number;
  error?: { code: string; message: string };
}

/** A step's state as recorded before the first write of an execution. */
export interface StepState {
  action: string;
  resource: string;
  state: Json;
}

/** What an execution knows besides the plan: the sealed approval (who, when). */
export interface RunContext {
  proposalId: string;
  findingId: string;
  /** Epoch seconds of the sealed approval. */
  approvedAt: number;
}

export const REVERT_SUFFIX = ':revert';

export function isStepPlan<T extends object>(plan: T | StepPlan): plan is StepPlan {
  return (plan as { engine?: unknown }).engine === 'steps';
}

export function isStepResult<T extends object>(result: T | StepRunResult | undefined): result is StepRunResult {
  return (result as { engine?: unknown } | undefined)?.engine === 'steps';
}

export function isRevertPlaybook(id: string): boolean {
  return id.endsWith(REVERT_SUFFIX);
}

export function basePlaybook(id: string): string {
  return isRevertPlaybook(id) ? id.slice(0, -REVERT_SUFFIX.length) : id;
}

/** Canonical JSON of a state, for comparisons: keys sorted, so `{a,b}` equals `{b,a}`. */
export function stateKey(state: Json | undefined): string {
  return canonicalJson(state ?? null);
}

export function sameState(a: Json | undefined, b: Json | undefined): boolean {
  return stateKey(a) === stateKey(b);
}

/**
 * Undoes exactly the revertible steps a run changed: each becomes a step from the state the run left back to the
 * state it found. Evidence (snapshots, tags) and steps that were already in place are not touched.
 */
export function stepRevertPlan(original: StepPlan, result: StepRunResult, warnings: string[] = []): StepPlan {
  const steps: PlanStep[] = [];
  for (const record of result.steps) {
    if (record.outcome !== 'changed') continue;
    const step = original.steps.find((s) => s.action === record.action && s.resource === record.resource);
    if (!step || !step.revertible) continue;
    steps.push({
      action: record.action,
      resource: record.resource,
      before: record.after,
      after: record.before,
      label: step.label,
      beforeText: step.afterText,
      afterText: step.beforeText,
      revertible: true,
    });
  }
  return {
    engine: 'steps',
    playbook: `${basePlaybook(original.playbook)}${REVERT_SUFFIX}`,
    findingId: original.findingId,
    accountId: original.accountId,
    region: original.region,
    target: { ...original.target },
    steps,
    untouched: result.kept.map((k) => ({ label: `${k.label} ${k.id}`, reason: 'kept as evidence' })),
    warnings,
  };
}

/** What a revert may undo: the records of the sealed result of the run it undoes. */
export type StepUndoBasis = Pick<StepRunResult, 'steps'>;

/** A revert step must be the exact inverse of a step the sealed run changed; anything else is refused. */
export function stepRevertProblems(plan: StepPlan, undo: StepUndoBasis | undefined): string[] {
  if (!undo) return ['a revert needs the sealed result of the run it undoes'];
  const problems: string[] = [];
  for (const step of plan.steps) {
    const undone = undo.steps.find(
      (r) =>
        r.outcome === 'changed' &&
        r.action === step.action &&
        r.resource === step.resource &&
        sameState(r.after, step.before) &&
        sameState(r.before, step.after),
    );
    if (!undone) problems.push(`it would set ${step.label} to a state the run did not change it from`);
  }
  return problems;
}

/** Shape checks every step plan passes, whatever its playbook. */
export function stepShapeProblems(plan: StepPlan, maxSteps: number): string[] {
  const problems: string[] = [];
  if (!Array.isArray(plan.steps) || plan.steps.length === 0) return ['the plan has no step'];
  if (plan.steps.length > maxSteps) problems.push(`the plan has more than ${maxSteps} steps`);
  const seen = new Set<string>();
  for (const step of plan.steps) {
    const key = `${step.action}|${step.resource}`;
    if (seen.has(key)) problems.push(`the plan changes ${step.label} twice`);
    seen.add(key);
    if (typeof step.resource !== 'string' || step.resource === '') problems.push('a step names no resource');
  }
  if (!/^\d{12}$/.test(plan.accountId)) problems.push('the plan names no AWS account');
  return problems;
}
