import type { Proposal } from '../../src/domain/proposal';
import { isStepPlan, isStepResult, type StepPlan, type StepRunResult } from '../../src/domain/remediation/steps';
import type { ExecutionResult, RemediationPlan } from '../../src/domain/remediation/types';

/** The proposal's restrict-ingress plan; throws on a containment plan (the test expected the other kind). */
export function ingressPlan(p: Pick<Proposal, 'plan'>): RemediationPlan {
  if (isStepPlan(p.plan)) throw new Error(`expected a restrict-ingress plan, got ${p.plan.playbook}`);
  return p.plan;
}

export function ingressResult(p: Pick<Proposal, 'result'> | undefined): ExecutionResult | undefined {
  const r = p?.result;
  if (isStepResult(r)) throw new Error('expected a restrict-ingress result, got a containment one');
  return r;
}

export function stepPlan(p: Pick<Proposal, 'plan'>): StepPlan {
  if (!isStepPlan(p.plan)) throw new Error(`expected a containment plan, got ${p.plan.playbook}`);
  return p.plan;
}

export function stepResult(p: Pick<Proposal, 'result'> | undefined): StepRunResult | undefined {
  const r = p?.result;
  if (r !== undefined && !isStepResult(r)) throw new Error('expected a containment result, got a restrict-ingress one');
  return r;
}
