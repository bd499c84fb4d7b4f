/*
 * Over 300 lines on purpose: the EC2 steps of one remediation (read before any write, authorize, revoke, verify)
 * stay in one place, because how a Duplicate or NotFound answer is attributed depends on their order.
 */
import {
  AuthorizeSecurityGroupIngressCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupRulesCommand,
  RevokeSecurityGroupIngressCommand,
  paginateDescribeSecurityGroupRules,
  type DescribeSecurityGroupRulesCommandInput,
  type EC2Client,
  type RevokeSecurityGroupIngressCommandInput,
} from '@aws-sdk/client-ec2';
import { ChatOpsError, NotFoundError, describeError } from '../domain/errors';
import type { ExecutionJournal, RemediationExecutor } from '../domain/ports';
import { addedByThisExecution, attributionOf, revokedByThisRun, type Attribution } from '../domain/remediation/attribution';
import { assertSafePlan, assertWellFormedPlan, type UndoBasis } from '../domain/remediation/plan-safety';
import { exposingRules } from '../domain/remediation/exposure';
import { RESTRICT_INGRESS } from '../domain/remediation/playbooks';
import { describeRule, sameRule } from '../domain/remediation/rules';
import type { SourceLimits } from '../domain/remediation/trusted-source';
import type { ExecutionResult, IngressRule, RemediationPlan } from '../domain/remediation/types';
import { awsAttempts, awsErrorCode, awsErrorMessage, callAws } from './aws-errors';
import { toIngressRule, toIpPermission } from './ec2-rule-mapping';

const AUTHORIZE = 'ec2:AuthorizeSecurityGroupIngress';
const REVOKE = 'ec2:RevokeSecurityGroupIngress';
const DUPLICATE = 'InvalidPermission.Duplicate';
/** Revoke errors that mean the rule (or its whole group) is already gone. */
const ALREADY_GONE = new Set(['InvalidPermission.NotFound', 'InvalidSecurityGroupRuleId.NotFound', 'InvalidGroup.NotFound']);
const GROUP_FILTER_MAX = 200;

type StepError = { code: string; message: string };

/** Applies remediation plans to EC2 security groups with the client's credentials and region. */
export class Ec2Remediator implements RemediationExecutor {
  constructor(
    private readonly ec2: EC2Client,
    private readonly limits?: SourceLimits,
  ) {}

  async instanceGroupIds(instanceId: string): Promise<string[]> {
    const region = await this.region();
    const out = await callAws('EC2', region, () => this.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] })));
    const instances = (out.Reservations ?? []).flatMap((r) => r.Instances ?? []);
    if (instances.length === 0) throw new NotFoundError(`Instance ${instanceId} was not found in ${region}.`);
    const ids = new Set<string>();
    for (const instance of instances) {
      for (const eni of instance.NetworkInterfaces ?? []) for (const g of eni.Groups ?? []) if (g.GroupId) ids.add(g.GroupId);
      for (const g of instance.SecurityGroups ?? []) if (g.GroupId) ids.add(g.GroupId);
    }
    return [...ids];
  }

  async ingressRules(groupIds: readonly string[]): Promise<IngressRule[]> {
    const region = await this.region();
    return callAws('EC2', region, () => this.describeIngress(groupIds, () => undefined));
  }

  async dryRun(plan: RemediationPlan, undo?: UndoBasis): Promise<{ ok: boolean; message: string }> {
    this.refuseUnsafe(plan, undo);
    const failures: string[] = [];
    // A Duplicate or NotFound means IAM allowed the call and it would be a no-op, as apply treats it.
    const check = async (action: string, groupId: string, send: () => Promise<unknown>): Promise<void> => {
      try {
        await send();
        failures.push(`${action} on ${groupId} was not a dry run (the endpoint ignored DryRun); check the security group`);
      } catch (err) {
        const code = awsErrorCode(err);
        if (code === 'DryRunOperation' || (action === AUTHORIZE ? code === DUPLICATE : ALREADY_GONE.has(code))) return;
        if (code === 'UnauthorizedOperation') failures.push(`the bot is not allowed ${action} on ${groupId} (UnauthorizedOperation)`);
        else failures.push(`${action} on ${groupId} failed: ${code}`);
      }
    };

    for (const groupId of groupsOf(plan)) {
      const authorize = plan.authorize.filter((r) => r.groupId === groupId);
      const revoke = plan.revoke.filter((r) => r.groupId === groupId);
      if (authorize.length > 0) {
        await check(AUTHORIZE, groupId, () =>
          this.ec2.send(
            new AuthorizeSecurityGroupIngressCommand({
              GroupId: groupId,
              IpPermissions: authorize.map((r) => toIpPermission(r, true)),
              DryRun: true,
            }),
          ),
        );
      }
      if (revoke.length > 0) {
        const byId = revoke.every((r) => r.ruleId !== undefined);
        const input: RevokeSecurityGroupIngressCommandInput = byId
          ? { GroupId: groupId, SecurityGroupRuleIds: revoke.map((r) => r.ruleId ?? ''), DryRun: true }
          : { GroupId: groupId, IpPermissions: revoke.map((r) => toIpPermission(r, false)), DryRun: true };
        await check(REVOKE, groupId, () => this.ec2.send(new RevokeSecurityGroupIngressCommand(input)));
      }
    }

    if (plan.authorize.length === 0 && plan.revoke.length === 0) return { ok: true, message: 'Nothing to change.' };
    if (failures.length > 0) return { ok: false, message: failures.join('; ') };
    return { ok: true, message: 'DryRunOperation: request would have succeeded' };
  }

  async apply(plan: RemediationPlan, journal?: ExecutionJournal, undo?: UndoBasis): Promise<ExecutionResult> {
    this.refuseUnsafe(plan, undo);
    const result: ExecutionResult = { ok: false, authorized: [], revoked: [], remainingOpen: [], ec2Calls: 0 };
    const count = (): void => {
      result.ec2Calls += 1;
    };

    // The rules before any write tell a write whose answer was lost (the retry then meets Duplicate or
    // NotFound), or one made by a run that crashed before this one, from a rule someone else added or removed.
    const read = await this.liveRules(plan, count);
    const live = read.rules;
    const attribution = attributionOf(plan, journal?.rulesBefore, live);
    const { before, resumed } = attribution;
    const unchanged = (code: string, message: string): ExecutionResult => ({
      ...result,
      error: { code, message: `Nothing was changed: ${message}` },
    });
    if (journal && !resumed) {
      // Without the record a later resumed run could not tell its predecessor's changes; the record's conditional
      // write is also the last check that this process still holds the execution.
      if (!before)
        return unchanged(
          awsErrorCode(read.error),
          `the security groups could not be read before changing them (${awsErrorMessage(read.error)}).`,
        );
      try {
        await journal.recordRulesBefore(before);
      } catch (err) {
        return unchanged(err instanceof ChatOpsError ? err.code : awsErrorCode(err), describeError(err));
      }
    }

    let error: StepError | undefined;
    for (const rule of plan.authorize) {
      error = await this.authorizeOne(rule, attribution, result, count);
      if (error) break;
    }

    if (!error) {
      for (const rule of plan.revoke) {
        error = await this.revokeOne(rule, live, attribution, result, count);
        if (error) break;
      }
    }

    return this.verify(plan, result, count, error);
  }

  /** Shape first (a bug in the caller), then the executor's own safety rules: both before any call. */
  private refuseUnsafe(plan: RemediationPlan, undo: UndoBasis | undefined): void {
    assertWellFormedPlan(plan);
    assertSafePlan(plan, { ...(this.limits ? { limits: this.limits } : {}), ...(undo ? { undo } : {}) });
  }

  // ---------------------------------------------------------------- steps

  private async authorizeOne(
    rule: IngressRule,
    attribution: Attribution,
    result: ExecutionResult,
    count: () => void,
  ): Promise<StepError | undefined> {
    count();
    const failed = (code: string, detail: string): StepError => ({
      code,
      message:
        `${AUTHORIZE} of ${describeRule(rule)} on ${rule.groupId} failed: ${sentence(detail)} ` +
        'Nothing was revoked: the world-open rules are still in place.',
    });
    try {
      const out = await this.ec2.send(
        new AuthorizeSecurityGroupIngressCommand({ GroupId: rule.groupId, IpPermissions: [toIpPermission(rule, true)] }),
      );
      if (out.Return === false) return failed('AuthorizeReturnedFalse', 'EC2 answered Return=false');
      const added = withoutRuleId(rule);
      const ruleId = out.SecurityGroupRules?.[0]?.SecurityGroupRuleId;
      if (ruleId) added.ruleId = ruleId;
      result.authorized.push(added);
      return undefined;
    } catch (err) {
      const code = awsErrorCode(err);
      if (code !== DUPLICATE) return failed(code, awsErrorMessage(err));
      if (addedByThisExecution(awsAttempts(err), attribution, rule)) result.authorized.push(withoutRuleId(rule));
      return undefined;
    }
  }

  /** The ingress rules of the plan's groups now, or the error that kept them from being read. */
  private async liveRules(plan: RemediationPlan, count: () => void): Promise<{ rules?: IngressRule[]; error?: unknown }> {
    const groups = groupsOf(plan);
    if (groups.length === 0) return { rules: [] };
    try {
      return { rules: await this.describeIngress(groups, count) };
    } catch (error) {
      return { error };
    }
  }

  private async revokeOne(
    rule: IngressRule,
    live: IngressRule[] | undefined,
    attribution: Attribution,
    result: ExecutionResult,
    count: () => void,
  ): Promise<StepError | undefined> {
    // Rule IDs survive ModifySecurityGroupRules: revoke by ID only while the ID still names this rule's content.
    const current = rule.ruleId ? live?.find((r) => r.ruleId === rule.ruleId) : undefined;
    const input: RevokeSecurityGroupIngressCommandInput =
      rule.ruleId && current && sameRule(current, rule)
        ? { GroupId: rule.groupId, SecurityGroupRuleIds: [rule.ruleId] }
        : { GroupId: rule.groupId, IpPermissions: [toIpPermission(rule, false)] };
    const failed = (code: string, detail: string): StepError => ({
      code,
      message: `${REVOKE} of ${describeRule(rule)} on ${rule.groupId} failed: ${sentence(detail)} Revert to undo the changes made so far.`,
    });
    count();
    try {
      const out = await this.ec2.send(new RevokeSecurityGroupIngressCommand(input));
      if (out.Return === false) return failed('RevokeReturnedFalse', 'EC2 answered Return=false');
      // A by-content revoke of a rule that is not there: success, with the rule listed as unknown.
      if ((out.UnknownIpPermissions ?? []).length > 0) {
        if (revokedByThisRun(awsAttempts(out), attribution, rule)) result.revoked.push({ ...rule });
        return undefined;
      }
      result.revoked.push({ ...rule });
      return undefined;
    } catch (err) {
      const code = awsErrorCode(err);
      if (!ALREADY_GONE.has(code)) return failed(code, awsErrorMessage(err));
      if (code !== 'InvalidGroup.NotFound' && revokedByThisRun(awsAttempts(err), attribution, rule)) result.revoked.push({ ...rule });
      return undefined;
    }
  }

  private async verify(
    plan: RemediationPlan,
    result: ExecutionResult,
    count: () => void,
    error: StepError | undefined,
  ): Promise<ExecutionResult> {
    const groups = groupsOf(plan);
    if (groups.length === 0) return { ...result, ok: !error, ...(error ? { error } : {}) };
    let rules: IngressRule[];
    try {
      rules = await this.describeIngress(groups, count);
    } catch (err) {
      const verifyError = {
        code: awsErrorCode(err),
        message: `Could not read the security groups back to verify: ${awsErrorMessage(err)}`,
      };
      return { ...result, ok: false, error: error ?? verifyError };
    }

    const remainingOpen = rules.filter((r) => plan.revoke.some((t) => sameRule(r, t)));
    const stillExposed =
      plan.playbook === RESTRICT_INGRESS ? exposingRules(rules, plan.ports).filter((r) => !remainingOpen.includes(r)) : [];
    const missing = plan.authorize.filter((a) => !rules.some((r) => sameRule(r, a)));
    let finalError = error;
    if (!finalError && (remainingOpen.length > 0 || missing.length > 0)) {
      const parts = [
        ...remainingOpen.map((r) => `${describeRule(r)} is still on ${r.groupId}`),
        ...missing.map((r) => `${describeRule(r)} is missing on ${r.groupId}`),
      ];
      finalError = { code: 'VerificationFailed', message: `After the run, ${parts.join('; ')}.` };
    }
    return {
      ...result,
      remainingOpen,
      ...(stillExposed.length > 0 ? { stillExposed } : {}),
      ok: !finalError,
      ...(finalError ? { error: finalError } : {}),
    };
  }

  // ---------------------------------------------------------------- reads

  private async describeIngress(groupIds: readonly string[], count: () => void): Promise<IngressRule[]> {
    const unique = [...new Set(groupIds)];
    const rules: IngressRule[] = [];
    // Each request is counted as it is sent (one that fails counts too) and gets an input of its own: the paginator
    // sets the next token on the one input object it is given, which would rewrite what earlier requests recorded.
    const withCommand = (command: { input: DescribeSecurityGroupRulesCommandInput }): DescribeSecurityGroupRulesCommand => {
      count();
      return new DescribeSecurityGroupRulesCommand({ ...command.input });
    };
    const config = { client: this.ec2, pageSize: 1000, withCommand };
    for (let i = 0; i < unique.length; i += GROUP_FILTER_MAX) {
      const values = unique.slice(i, i + GROUP_FILTER_MAX);
      for await (const page of paginateDescribeSecurityGroupRules(config, { Filters: [{ Name: 'group-id', Values: values }] })) {
        for (const r of page.SecurityGroupRules ?? []) {
          const rule = toIngressRule(r);
          if (rule) rules.push(rule);
        }
      }
    }
    return rules;
  }

  private async region(): Promise<string> {
    try {
      return await this.ec2.config.region();
    } catch {
      return 'an unknown region';
    }
  }
}

// ---------------------------------------------------------------- helpers

/** EC2's messages end in a full stop; details of our own do not. */
function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

function withoutRuleId(rule: IngressRule): IngressRule {
  const copy = { ...rule };
  delete copy.ruleId;
  return copy;
}

function groupsOf(plan: RemediationPlan): string[] {
  return [...new Set([...plan.authorize, ...plan.revoke].map((r) => r.groupId))].sort();
}
