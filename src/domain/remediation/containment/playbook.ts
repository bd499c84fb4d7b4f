import type { Finding } from '../../finding';
import type { StepPlan } from '../steps';

/** What a playbook acts on, found in the finding alone; `data` is what its adapter needs to survey it. */
export interface PlaybookTarget {
  kind: string;
  id: string;
  label: string;
  data: Record<string, string | undefined>;
}

/** The playbook cannot make a plan from what the survey found: nothing is proposed, the person is told why. */
export interface PlanRefusal {
  refused: true;
  code: string;
  message: string;
}

export function refusePlan(code: string, message: string): PlanRefusal {
  return { refused: true, code, message };
}

export function isPlanRefusal(value: unknown): value is PlanRefusal {
  return !!value && typeof value === 'object' && (value as PlanRefusal).refused === true;
}

/**
 * A containment playbook, the pure part: whether it applies, the plan from a read-only survey of the target (done
 * by its adapter in `aws/`), and its own safety rules, which the runner checks before any AWS call whatever the
 * store says. Sealing, approval, exactly-once execution, verification and revert are the engine's.
 */
export interface StepPlaybook {
  id: string;
  /** "Deactivate the exposed access key". */
  title: string;
  /** A button label: "Deactivate key". */
  short: string;
  appliesTo(finding: Finding): PlaybookTarget | undefined;
  /** False for a playbook with its own button on the card (not in the "Propose fix" menu). */
  offered?: boolean;
  /**
   * For a playbook whose plan depends on what the person chose in its modal: the target with the choice (the form's
   * fields as strings) checked and added to its data, or why the choice is refused.
   */
  choose?(finding: Finding, target: PlaybookTarget, choice: Record<string, string>): PlaybookTarget | PlanRefusal;
  /** Why the playbook is not offered for a finding it would otherwise fit (e.g. a root key), shown on the card. */
  unavailable?(finding: Finding): string | undefined;
  /** `survey` is what the playbook's adapter read (its own shape); a shape it does not expect is refused. */
  plan(finding: Finding, target: PlaybookTarget, survey: unknown): StepPlan | PlanRefusal;
  /** Why the executor must not run this plan (a remediation, or a revert already checked against its sealed run). */
  problems(plan: StepPlan): string[];
  /** How permissions are checked before approval: "EC2 DryRun" or why there is none. */
  permissionCheck: string;
  /** Said with every revert proposal of this playbook. */
  revertWarnings: string[];
}
