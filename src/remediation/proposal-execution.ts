import type pino from 'pino';
import { ChatOpsError, describeError } from '../domain/errors';
import type { ProposalStore, RemediationExecutorFactory, StepExecutorFactory } from '../domain/ports';
import type { Proposal } from '../domain/proposal';
import { TamperedError, planDigest } from '../domain/remediation/seal';
import { isStepPlan, isStepResult, type StepPlan, type StepRunResult } from '../domain/remediation/steps';
import type { AnyResult, ExecutionResult, RemediationPlan } from '../domain/remediation/types';
import { OutcomeNotRecordedError } from './errors';
import type { ProposalSeals } from './proposal-seals';
import { runSteps } from './step-runner';

export interface ProposalExecutionDeps {
  store: ProposalStore;
  executors: RemediationExecutorFactory;
  /** Containment playbooks' executors; without them a containment proposal fails before any call. */
  steps?: StepExecutorFactory;
  seals: ProposalSeals;
  /** This process's identity, written as the execution lease owner. */
  owner: string;
  leaseSeconds: number;
  log: pino.Logger;
  /** Epoch milliseconds. */
  now: () => number;
}

/** Runs claimed proposals against EC2 under the execution lease, and resumes the ones a crash left behind. */
export class ProposalExecution {
  constructor(private readonly deps: ProposalExecutionDeps) {}

  private nowS(): number {
    return Math.floor(this.deps.now() / 1000);
  }

  /**
   * Runs a claimed proposal and records the outcome (only while this process owns the lease). Any error
   * (no role, STS, EC2, a bug) ends in `failed` with the error; a partial run is never reported as success.
   */
  async execute(claimed: Proposal): Promise<Proposal> {
    const execOwner = claimed.execOwner ?? this.deps.owner;
    const log = this.deps.log.child({ findingId: claimed.findingId, proposalId: claimed.id, execOwner });
    const started = this.deps.now();
    const digest = planDigest(claimed.plan);
    let result: AnyResult;
    try {
      const { undo } = await this.deps.seals.checkBeforeExecution(claimed, digest, this.nowS());
      const plan = claimed.plan;
      result = isStepPlan(plan)
        ? await this.runSteps(claimed, plan, digest, execOwner, undo)
        : await this.runIngress(claimed, plan, digest, execOwner, undo);
    } catch (err) {
      const code = err instanceof ChatOpsError ? err.code : err instanceof Error ? err.name : 'Error';
      if (err instanceof TamperedError)
        log.error({ err: err.message, planDigest: digest }, 'execution refused: the stored proposal fails its seal; no AWS call made');
      const error = { code, message: describeError(err) };
      result = isStepPlan(claimed.plan)
        ? { engine: 'steps', ok: false, steps: [], kept: [], awsCalls: 0, error }
        : { ok: false, authorized: [], revoked: [], remainingOpen: [], ec2Calls: 0, error };
    }
    const summary = isStepResult(result)
      ? {
          ok: result.ok,
          playbook: claimed.plan.playbook,
          changed: result.steps.filter((s) => s.outcome === 'changed').length,
          refused: result.steps.filter((s) => s.outcome === 'refused').length,
          awsCalls: result.awsCalls,
          errorCode: result.error?.code,
          ms: this.deps.now() - started,
        }
      : {
          ok: result.ok,
          authorized: result.authorized.length,
          revoked: result.revoked.length,
          remainingOpen: result.remainingOpen.length,
          ec2Calls: result.ec2Calls,
          errorCode: result.error?.code,
          ms: this.deps.now() - started,
        };
    let finished;
    try {
      const resultSeal = this.deps.seals.sealResult(claimed, digest, result);
      finished = await this.deps.store.finishExecution(claimed.findingId, claimed.id, execOwner, result, this.nowS(), resultSeal);
    } catch (err) {
      log.error({ err, ...summary }, 'execution finished but its outcome could not be recorded; it will be resumed');
      throw new OutcomeNotRecordedError(
        `The fix ${result.ok ? 'was applied' : 'failed'}, but its outcome could not be recorded (${describeError(err)}). It will be checked again when the bot restarts.`,
        { cause: err },
      );
    }
    if (!finished.ok || !finished.proposal) {
      log.warn(
        { ...summary, state: finished.proposal?.state, owner: finished.proposal?.execOwner },
        'execution lease lost; outcome recorded by another process',
      );
      return finished.proposal ?? claimed;
    }
    if (result.ok) log.info(summary, 'proposal executed');
    else log.warn({ ...summary, error: result.error?.message }, 'proposal execution failed');
    return finished.proposal;
  }

  private async runIngress(
    claimed: Proposal,
    plan: RemediationPlan,
    digest: string,
    execOwner: string,
    undo: AnyResult | undefined,
  ): Promise<ExecutionResult> {
    if (isStepResult(undo)) throw new TamperedError('A security group revert names a containment run. Nothing was changed in AWS.');
    const executor = await this.deps.executors.forTarget(plan.accountId, plan.region);
    return executor.apply(
      plan,
      {
        rulesBefore: claimed.rulesBefore,
        recordRulesBefore: (rules) =>
          this.deps.store.recordRulesBefore(
            claimed.findingId,
            claimed.id,
            execOwner,
            rules,
            this.deps.seals.sealRulesBefore(claimed, digest, rules),
          ),
      },
      undo,
    );
  }

  private async runSteps(
    claimed: Proposal,
    plan: StepPlan,
    digest: string,
    execOwner: string,
    undo: AnyResult | undefined,
  ): Promise<StepRunResult> {
    if (undo !== undefined && !isStepResult(undo))
      throw new TamperedError('A containment revert names a security group run. Nothing was changed in AWS.');
    if (!this.deps.steps) throw new ChatOpsError('NO_EXECUTOR', `The bot has no executor for ${plan.playbook}.`);
    const executor = await this.deps.steps.forPlaybook(plan.playbook, plan.accountId, plan.region);
    const approvedAt = claimed.approvedAt as number;
    return runSteps(
      plan,
      executor,
      {
        statesBefore: claimed.stepsBefore,
        record: (states) =>
          this.deps.store.recordStepsBefore(
            claimed.findingId,
            claimed.id,
            execOwner,
            states,
            this.deps.seals.sealStepsBefore(claimed, digest, states),
          ),
      },
      { proposalId: claimed.id, findingId: claimed.findingId, approvedAt },
      undo,
    );
  }

  /** Start-up: every `executing` proposal whose lease expired is taken over and run again (each step is idempotent). */
  async resumeStalled(): Promise<Proposal[]> {
    const stalled = await this.deps.store.listStalledExecutions(this.nowS());
    const finished: Proposal[] = [];
    for (const p of stalled) {
      const log = this.deps.log.child({ findingId: p.findingId, proposalId: p.id, previousOwner: p.execOwner });
      try {
        const taken = await this.deps.store.takeOverExecution(p.findingId, p.id, this.deps.owner, this.deps.leaseSeconds, this.nowS());
        if (!taken.ok || !taken.proposal) {
          log.info('stalled execution already taken over');
          continue;
        }
        log.info('resuming a stalled execution');
        finished.push(await this.execute(taken.proposal));
      } catch (err) {
        log.error({ err }, 'could not resume a stalled execution');
      }
    }
    return finished;
  }
}
