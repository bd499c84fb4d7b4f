import { ChatOpsError } from '../errors';
import { isExactTcp, isWorldOpen } from './exposure';
import { RESTRICT_INGRESS } from './playbooks';
import { REVERT_PLAYBOOK } from './revert';
import { describeRule, sameRule } from './rules';
import { DEFAULT_SOURCE_LIMITS, parseTrustedSources, sourceText, type SourceLimits } from './trusted-source';
import type { ExecutionResult, IngressRule, RemediationPlan } from './types';

/** The executor refused a plan on its own rules, whatever the store or the caller said; nothing was called. */
export class UnsafePlanError extends ChatOpsError {
  constructor(readonly problems: string[]) {
    super('UNSAFE_PLAN', `The plan was refused before any AWS call: ${problems.join('; ')}.`);
  }
}

/** What a revert may undo: the changes a sealed execution result says its run made. */
export type UndoBasis = Pick<ExecutionResult, 'authorized' | 'revoked'>;

export interface SafetyOptions {
  limits?: SourceLimits;
  /** Required for a revert plan; a revert without it is refused. */
  undo?: UndoBasis;
}

const MAX_RULES = 200;

/**
 * Why the executor must not run this plan, or an empty list. Restrict-ingress: every added source passes the
 * modal's trusted-source rules, only the plan's ports are touched, and only world-open rules are removed. A revert may only restore what the run removed and remove what it added.
 */
export function planProblems(plan: RemediationPlan, options: SafetyOptions = {}): string[] {
  if (plan.authorize.length + plan.revoke.length > MAX_RULES) return [`the plan changes more than ${MAX_RULES} rules`];
  if (plan.playbook === RESTRICT_INGRESS) return restrictIngressProblems(plan, options.limits ?? DEFAULT_SOURCE_LIMITS);
  if (plan.playbook === REVERT_PLAYBOOK) return revertProblems(plan, options.undo);
  return [`unknown playbook ${JSON.stringify(plan.playbook)}`];
}

export function assertSafePlan(plan: RemediationPlan, options: SafetyOptions = {}): void {
  const problems = planProblems(plan, options);
  if (problems.length > 0) throw new UnsafePlanError(problems);
}

function restrictIngressProblems(plan: RemediationPlan, limits: SourceLimits): string[] {
  const problems: string[] = [];
  if (plan.ports.length === 0 || plan.ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) {
    problems.push('the plan names no valid port');
  }
  const onPlanPort = (rule: IngressRule): boolean => plan.ports.some((p) => isExactTcp(rule, p));

  for (const rule of plan.revoke) {
    if (!onPlanPort(rule)) problems.push(`it would remove ${describeRule(rule)}, which is not a single port of the plan`);
    else if (!isWorldOpen(rule)) problems.push(`it would remove ${describeRule(rule)}, which is not open to the world`);
  }
  const groupSources = new Set<string>();
  for (const rule of plan.authorize) {
    if (!onPlanPort(rule)) problems.push(`it would add ${describeRule(rule)}, which is not a single port of the plan`);
    const source = sourceProblem(rule, limits);
    if (source) problems.push(source);
    if (rule.referencedGroupId) groupSources.add(rule.referencedGroupId);
  }
  if (groupSources.size > 1) problems.push('it would trust more than one security group');
  return problems;
}

/** The same check as the modal's: a CIDR no broader than the limits, in canonical form, or one sg- ID. */
function sourceProblem(rule: IngressRule, limits: SourceLimits): string | undefined {
  if (rule.prefixListId !== undefined) return `it would add ${describeRule(rule)}: a prefix list is not a trusted source the bot adds`;
  const text = rule.cidrIpv4 ?? rule.cidrIpv6 ?? rule.referencedGroupId;
  if (text === undefined) return `it would add a rule on ${rule.groupId} without a source`;
  const parsed = parseTrustedSources(text, limits);
  const source = parsed.ok && parsed.sources.length === 1 ? parsed.sources[0] : undefined;
  const canonical = source && sourceText(source);
  if (!parsed.ok) return `it would add ${describeRule(rule)}: ${parsed.error}`;
  if (canonical !== text) return `it would add ${describeRule(rule)}, whose source is not in canonical form`;
  if (rule.cidrIpv4 !== undefined && source?.kind === 'cidr' && source.version !== 4) return `it would add ${describeRule(rule)} as IPv4`;
  if (rule.cidrIpv6 !== undefined && source?.kind === 'cidr' && source.version !== 6) return `it would add ${describeRule(rule)} as IPv6`;
  return undefined;
}

function revertProblems(plan: RemediationPlan, undo: UndoBasis | undefined): string[] {
  if (!undo) return ['a revert needs the sealed result of the run it undoes'];
  const problems: string[] = [];
  for (const rule of plan.authorize) {
    if (!undo.revoked.some((r) => sameRule(r, rule)))
      problems.push(`it would add ${describeRule(rule)} on ${rule.groupId}, which the run did not remove`);
  }
  for (const rule of plan.revoke) {
    if (!undo.authorized.some((r) => sameRule(r, rule)))
      problems.push(`it would remove ${describeRule(rule)} on ${rule.groupId}, which the run did not add`);
  }
  return problems;
}

/** A malformed plan is a bug in the caller, not an AWS failure: refuse it before any call. */
export function assertWellFormedPlan(plan: RemediationPlan): void {
  for (const rule of [...plan.authorize, ...plan.revoke]) {
    const sources = [rule.cidrIpv4, rule.cidrIpv6, rule.referencedGroupId, rule.prefixListId].filter((s) => s !== undefined && s !== '');
    if (!/^sg-[0-9a-f]+$/.test(rule.groupId))
      throw new Error(`Plan rule has an invalid security group ID: ${JSON.stringify(rule.groupId)}`);
    if (sources.length !== 1) throw new Error(`Plan rule on ${rule.groupId} must have exactly one source, has ${sources.length}`);
    if (!Number.isInteger(rule.fromPort) || !Number.isInteger(rule.toPort))
      throw new Error(`Plan rule on ${rule.groupId} has non-integer ports`);
  }
}
