import { sameRule } from './rules';
import type { IngressRule, RemediationPlan } from './types';

/**
 * Which writes an execution may claim as its own. EC2 answers a write whose earlier answer was lost (the SDK
 * retried) the same way as one someone else made: Duplicate for an add, NotFound for a remove. Only a rule's state
 * before the execution's first write tells them apart, and only when the SDK made more than one attempt.
 */
export interface Attribution {
  /** The plan's rules in place before the execution's first write; undefined when they could not be read. */
  before?: IngressRule[];
  /** An earlier run of this execution may have written already (it recorded `before`, then stopped). */
  resumed: boolean;
}

/** A resumed run uses what its predecessor recorded; a first run, the plan's rules among the live ones. */
export function attributionOf(plan: RemediationPlan, recorded: IngressRule[] | undefined, live: IngressRule[] | undefined): Attribution {
  return { before: recorded ?? (live && rulesOfPlan(plan, live)), resumed: recorded !== undefined };
}

/**
 * A Duplicate for a rule that was absent before the execution's first write is this execution's own: the SDK
 * retried after an answer that was lost (`attempts` > 1), or this run resumes one that crashed after adding it.
 */
export function addedByThisExecution(attempts: number, attribution: Attribution, rule: IngressRule): boolean {
  if (!attribution.before || (!attribution.resumed && attempts <= 1)) return false;
  return !attribution.before.some((r) => sameRule(r, rule));
}

/**
 * A rule found gone that was there before is this run's own revoke only when the SDK retried within this run.
 * A resumed run does not claim it: the rule may have been removed by someone else since the crash, and claiming
 * it would make Revert open it to the world again.
 */
export function revokedByThisRun(attempts: number, attribution: Attribution, rule: IngressRule): boolean {
  if (!attribution.before || attempts <= 1) return false;
  return attribution.before.some((r) => sameRule(r, rule));
}

/** The plan's rules (to add and to remove) among `rules`. */
function rulesOfPlan(plan: RemediationPlan, rules: IngressRule[]): IngressRule[] {
  return rules.filter((r) => plan.authorize.some((a) => sameRule(r, a)) || plan.revoke.some((v) => sameRule(r, v)));
}
