import { ChatOpsError, describeError } from '../domain/errors';
import type { StepExecutor } from '../domain/ports';
import { UnsafePlanError } from '../domain/remediation/plan-safety';
import { stepPlaybookFor } from '../domain/remediation/registry';
import {
  isRevertPlaybook,
  sameState,
  stateKey,
  stepRevertProblems,
  stepShapeProblems,
  type Json,
  type RunContext,
  type StepPlan,
  type StepRecord,
  type StepRunResult,
  type StepState,
  type StepUndoBasis,
} from '../domain/remediation/steps';

const MAX_STEPS = 50;

/** Where a run keeps each step's state before its first write, so that a resumed run knows what it changed. */
export interface StepJournal {
  statesBefore?: StepState[];
  record(states: StepState[]): Promise<void>;
}

/** Why the executor must not run this plan, whatever the store says: the playbook's rules, and a revert's basis. */
export function stepPlanProblems(plan: StepPlan, undo?: StepUndoBasis): string[] {
  const playbook = stepPlaybookFor(plan.playbook);
  if (!playbook) return [`unknown playbook ${JSON.stringify(plan.playbook)}`];
  const problems = stepShapeProblems(plan, MAX_STEPS);
  if (problems.length > 0) return problems;
  if (isRevertPlaybook(plan.playbook)) return stepRevertProblems(plan, undo);
  return playbook.problems(plan);
}

/**
 * Runs a containment plan once: refuses an unsafe plan before any call; reads every step; refuses the whole run,
 * unwritten, when any step is in neither its planned `before` state nor its target; journals the states before the
 * first write; writes each step found in `before`; reads back to verify. Idempotent: a resumed run takes the
 * journal of its predecessor as the states found, so what that run changed is still reported as changed.
 */
export async function runSteps(
  plan: StepPlan,
  executor: StepExecutor,
  journal: StepJournal,
  ctx: RunContext,
  undo?: StepUndoBasis,
): Promise<StepRunResult> {
  const problems = stepPlanProblems(plan, undo);
  if (problems.length > 0) throw new UnsafePlanError(problems);

  const kept: StepRunResult['kept'] = [];
  const targets = plan.steps.map((step) => executor.resolve(step, ctx));
  const fail = (code: string, message: string, steps: StepRecord[]): StepRunResult => ({
    engine: 'steps',
    ok: false,
    steps,
    kept,
    awsCalls: executor.awsCalls(),
    error: { code, message },
  });

  const current: Json[] = [];
  for (const step of plan.steps) current.push(await executor.read(step, ctx));

  const found = journal.statesBefore ?? plan.steps.map((s, i) => ({ action: s.action, resource: s.resource, state: current[i] ?? null }));
  const moved = plan.steps.flatMap((step, i) =>
    sameState(current[i], step.before) || sameState(current[i], targets[i]) ? [] : [{ step, state: current[i] ?? null }],
  );
  if (moved.length > 0) {
    const records = plan.steps.map((step, i): StepRecord => {
      const m = moved.find((x) => x.step === step);
      return {
        action: step.action,
        resource: step.resource,
        label: step.label,
        outcome: m ? 'refused' : 'unchanged',
        before: current[i] ?? null,
        after: current[i] ?? null,
        ...(m ? { detail: `changed since the plan: now ${stateKey(m.state)}, planned from ${stateKey(step.before)}` } : {}),
      };
    });
    return fail(
      'CHANGED_SINCE_PLAN',
      `${moved.map((m) => m.step.label).join('; ')} changed since the plan was approved, so nothing was changed. Look at it again and propose a new fix.`,
      records,
    );
  }

  const needsWrite = plan.steps.some((step, i) => !sameState(current[i], targets[i]));
  if (needsWrite && !journal.statesBefore) await journal.record(found);

  const after: Json[] = [];
  for (const [i, step] of plan.steps.entries()) {
    const target = targets[i] ?? null;
    if (!sameState(current[i], target)) {
      try {
        const written = await executor.write(step, target, ctx);
        kept.push(...(written.kept ?? []));
      } catch (err) {
        const code = err instanceof ChatOpsError ? err.code : 'AWS_ERROR';
        const records = await recordsAfter(plan, executor, ctx, found, targets, i);
        return fail(code, `${step.label}: ${describeError(err)}`, records);
      }
    }
  }
  for (const step of plan.steps) after.push(await executor.read(step, ctx));
  const records = plan.steps.map((step, i) => record(step, found[i]?.state ?? null, after[i] ?? null, targets[i] ?? null));
  const wrong = records.filter((r, i) => !sameState(r.after, targets[i]));
  if (wrong.length > 0) {
    return fail('NOT_VERIFIED', `Read back after the run, ${wrong.map((r) => r.label).join('; ')} is not as planned.`, records);
  }
  return { engine: 'steps', ok: true, steps: records, kept, awsCalls: executor.awsCalls() };
}

function record(step: StepPlan['steps'][number], before: Json, after: Json, target: Json): StepRecord {
  const changed = sameState(after, target) && !sameState(before, target);
  return { action: step.action, resource: step.resource, label: step.label, outcome: changed ? 'changed' : 'unchanged', before, after };
}

/** After a failed write: every step read back, so the result says exactly what the run did change. */
async function recordsAfter(
  plan: StepPlan,
  executor: StepExecutor,
  ctx: RunContext,
  found: StepState[],
  targets: Json[],
  failedAt: number,
): Promise<StepRecord[]> {
  const records: StepRecord[] = [];
  for (const [i, step] of plan.steps.entries()) {
    let now: Json = found[i]?.state ?? null;
    try {
      now = await executor.read(step, ctx);
    } catch {
      // Unreadable now: recorded as found, never as changed.
    }
    const r = record(step, found[i]?.state ?? null, now, targets[i] ?? null);
    if (i === failedAt) r.detail = 'the write failed';
    records.push(r);
  }
  return records;
}
