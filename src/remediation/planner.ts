import type pino from 'pino';
import { describeError } from '../domain/errors';
import type { Finding } from '../domain/finding';
import type { RemediationExecutor, RemediationExecutorFactory, StepExecutorFactory } from '../domain/ports';
import { isPlanRefusal, type PlaybookTarget, type StepPlaybook } from '../domain/remediation/containment/playbook';
import { stepPlaybookFor } from '../domain/remediation/registry';
import { isStepPlan, isStepResult, type StepPlan } from '../domain/remediation/steps';
import { planPreview, type PlanPreview } from '../domain/remediation/exposure';
import { playbookFor, type Playbook } from '../domain/remediation/playbooks';
import type { UndoBasis } from '../domain/remediation/plan-safety';
import { describeRule } from '../domain/remediation/rules';
import { parseTrustedSources, type ParseTrustedSourcesResult, type SourceLimits } from '../domain/remediation/trusted-source';
import type { AnyPlan, AnyResult, DryRunOutcome, RemediationPlan, TrustedSource } from '../domain/remediation/types';
import { RemediationError } from './errors';

export type ProposeResult =
  | { ok: true; plan: RemediationPlan }
  | { ok: false; code: 'INVALID_SOURCES' | 'NO_PLAYBOOK'; message: string }
  /** Nothing opens the port to the world any more; `plan.untouched` may still list broader rules. */
  | { ok: false; code: 'NOTHING_TO_CHANGE'; message: string; plan: RemediationPlan };

/** A containment plan from a live survey, with its permission check; or why there is none. */
export type ContainmentPlanResult = { ok: true; plan: StepPlan } | { ok: false; code: string; message: string };

/** Plans from the instance's live security groups, with the EC2 dry run. Stores nothing. */
export class RemediationPlanner {
  constructor(
    private readonly executors: RemediationExecutorFactory,
    private readonly limits: SourceLimits,
    private readonly log: pino.Logger,
    private readonly steps?: StepExecutorFactory,
  ) {}

  /**
   * A containment playbook's plan for the finding: the survey (read-only calls), the plan, the permission check.
   * Stores nothing; the modal shows it as the preview, and the submission computes it again before storing it.
   */
  async planContainment(finding: Finding, playbookId: string, choice?: Record<string, string>): Promise<ContainmentPlanResult> {
    const surveyed = await this.surveyContainment(finding, playbookId, choice);
    if (!surveyed.ok) return surveyed;
    const { playbook, target, survey } = surveyed;
    const plan = playbook.plan(finding, target, survey);
    if (isPlanRefusal(plan)) return { ok: false, code: plan.code, message: plan.message };
    plan.dryRun = await this.permissionCheck(plan);
    this.log.info(
      { findingId: finding.id, playbook: playbook.id, steps: plan.steps.length, dryRunOk: plan.dryRun.ok },
      'containment plan computed',
    );
    return { ok: true, plan };
  }

  /**
   * The read-only survey a containment plan is made from (e.g. how many findings a suppression rule would match),
   * for modals that show it while the person is still choosing. `choice` is the form's fields for a playbook that
   * needs one.
   */
  async surveyContainment(
    finding: Finding,
    playbookId: string,
    choice?: Record<string, string>,
  ): Promise<{ ok: true; playbook: StepPlaybook; target: PlaybookTarget; survey: unknown } | { ok: false; code: string; message: string }> {
    const playbook = stepPlaybookFor(playbookId);
    let target = playbook?.appliesTo(finding);
    if (!playbook || !target || playbook.id !== playbookId) return { ok: false, code: 'NO_PLAYBOOK', message: noPlaybook(finding) };
    if (playbook.choose) {
      const chosen = playbook.choose(finding, target, choice ?? {});
      if (isPlanRefusal(chosen)) return { ok: false, code: chosen.code, message: chosen.message };
      target = chosen;
    }
    if (!this.steps) return { ok: false, code: 'NO_EXECUTOR', message: 'This bot is not set up to run containment playbooks.' };
    const executor = await this.steps.forPlaybook(playbook.id, finding.accountId, finding.region);
    return { ok: true, playbook, target, survey: await executor.survey(target) };
  }

  /** Synchronous, no I/O: for the modal's field error before the submission is acknowledged. */
  validateSources(text: string): ParseTrustedSourcesResult {
    return parseTrustedSources(text, this.limits);
  }

  async preview(finding: Finding): Promise<PlanPreview> {
    const { ports } = this.playbookOf(finding);
    const executor = await this.executors.forTarget(finding.accountId, finding.region);
    const groupIds = await this.liveGroupIds(executor, finding);
    return planPreview(groupIds, ports, await executor.ingressRules(groupIds));
  }

  async propose(input: { finding: Finding; requester: string; sourcesText?: string; sources?: TrustedSource[] }): Promise<ProposeResult> {
    const { finding, requester } = input;
    const match = playbookFor(finding);
    if (!match) return { ok: false, code: 'NO_PLAYBOOK', message: noPlaybook(finding) };
    let sources = input.sources;
    if (!sources) {
      const parsed = this.validateSources(input.sourcesText ?? '');
      if (!parsed.ok) return { ok: false, code: 'INVALID_SOURCES', message: parsed.error };
      sources = parsed.sources;
    }
    const executor = await this.executors.forTarget(finding.accountId, finding.region);
    const groupIds = await this.liveGroupIds(executor, finding);
    const rules = await executor.ingressRules(groupIds);
    const plan = match.playbook.plan({ finding, ports: match.ports, rules, sources });
    const log = this.log.child({ findingId: finding.id, requester });
    if (plan.revoke.length === 0) {
      log.info({ groupIds, untouched: plan.untouched.length }, 'nothing world-open to replace');
      const ports = plan.ports.join(', ');
      const still = plan.untouched.map((u) => describeRule(u.rule));
      const reachable =
        still.length > 0
          ? ` Port ${ports} is still reachable through ${still.slice(0, 5).join('; ')}${still.length > 5 ? ` and ${still.length - 5} more` : ''}: change those by hand.`
          : '';
      return {
        ok: false,
        code: 'NOTHING_TO_CHANGE',
        message: `No rule opens port ${ports} to 0.0.0.0/0 or ::/0 any more.${reachable}`,
        plan,
      };
    }
    plan.dryRun = await this.dryRun(executor, plan);
    log.info({ revoke: plan.revoke.length, authorize: plan.authorize.length, dryRunOk: plan.dryRun.ok }, 'plan computed');
    return { ok: true, plan };
  }

  /** The EC2 dry run of a plan on its target; a failure to reach EC2 is a failed dry run, not an error. */
  async dryRunOnTarget(plan: AnyPlan, undo?: AnyResult): Promise<DryRunOutcome> {
    if (isStepPlan(plan)) return this.permissionCheck(plan);
    if (isStepResult(undo)) return { ok: false, message: 'The revert does not match the run it undoes.' };
    try {
      const executor = await this.executors.forTarget(plan.accountId, plan.region);
      return await this.dryRun(executor, plan, undo);
    } catch (err) {
      return { ok: false, message: describeError(err) };
    }
  }

  private async permissionCheck(plan: StepPlan): Promise<DryRunOutcome> {
    try {
      if (!this.steps) return { ok: false, message: 'This bot is not set up to run containment playbooks.' };
      return await (await this.steps.forPlaybook(plan.playbook, plan.accountId, plan.region)).permissionCheck(plan);
    } catch (err) {
      return { ok: false, message: describeError(err) };
    }
  }

  private playbookOf(finding: Finding): { playbook: Playbook; ports: number[] } {
    const match = playbookFor(finding);
    if (!match) throw new RemediationError('NO_PLAYBOOK', noPlaybook(finding));
    return match;
  }

  /** The instance's groups now (DescribeInstances); the finding's own list when the instance cannot be read. */
  private async liveGroupIds(executor: RemediationExecutor, finding: Finding): Promise<string[]> {
    const fromFinding = finding.resource.kind === 'instance' ? finding.resource.securityGroups.map((g) => g.id) : [];
    const instanceId = finding.resource.kind === 'instance' ? finding.resource.instanceId : undefined;
    if (instanceId) {
      try {
        const live = await executor.instanceGroupIds(instanceId);
        if (live.length > 0) return live;
      } catch (err) {
        this.log.warn(
          { findingId: finding.id, instanceId, err: describeError(err) },
          "instance not readable; using the finding's security groups",
        );
      }
    }
    if (fromFinding.length === 0)
      throw new RemediationError('NO_SECURITY_GROUPS', `No security group is known for the instance of finding ${finding.id}.`);
    return fromFinding;
  }

  private async dryRun(executor: RemediationExecutor, plan: RemediationPlan, undo?: UndoBasis): Promise<DryRunOutcome> {
    try {
      return await executor.dryRun(plan, undo);
    } catch (err) {
      return { ok: false, message: describeError(err) };
    }
  }
}

function noPlaybook(finding: Finding): string {
  return `There is no automatic fix for ${finding.type} findings.`;
}
