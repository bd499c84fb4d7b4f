/** One ingress permission of a security group with a single source, as EC2 reports it. */
export interface IngressRule {
  groupId: string;
  /** `sgr-…` when known. */
  ruleId?: string;
  /** `tcp`, `udp`, `icmp`, `icmpv6` or `-1` (all). */
  protocol: string;
  fromPort: number;
  toPort: number;
  cidrIpv4?: string;
  cidrIpv6?: string;
  referencedGroupId?: string;
  prefixListId?: string;
  description?: string;
}

/** Where the proposer wants the port to be reachable from instead of the whole internet. */
export type TrustedSource = { kind: 'cidr'; cidr: string; version: 4 | 6 } | { kind: 'securityGroup'; groupId: string };

export interface UntouchedRule {
  rule: IngressRule;
  /** Why the plan leaves it alone, e.g. "port range 0-65535 also exposes port 22; not changed". */
  reason: string;
}

export interface DryRunOutcome {
  ok: boolean;
  /** "DryRunOperation: request would have succeeded" or the missing permission. */
  message: string;
  /** False when the service has no dry run and the permission could not be checked before approval. */
  checked?: boolean;
}

/** What a remediation will do. Computed from live security groups, stored on the proposal. */
export interface RemediationPlan {
  playbook: string;
  findingId: string;
  accountId: string;
  region: string;
  instanceId?: string;
  ports: number[];
  trustedSources: TrustedSource[];
  /** World-open rules for exactly these ports (tcp) that will be removed. */
  revoke: IngressRule[];
  /** Rules allowing the trusted sources on the same groups and ports that will be added. */
  authorize: IngressRule[];
  /** Rules that also expose a port but are not changed, shown to the approver. */
  untouched: UntouchedRule[];
  dryRun?: DryRunOutcome;
}

/** What an execution actually changed; a revert restores exactly this. */
export interface ExecutionResult {
  ok: boolean;
  /** Rules this run added (not ones that already existed). */
  authorized: IngressRule[];
  /** Rules this run removed (not ones that were already gone). */
  revoked: IngressRule[];
  /** World-open rules on the port still present after the run (must be empty for ok). */
  remainingOpen: IngressRule[];
  /**
   * Rules the plan does not change through which a port is still reachable from (most of) the internet after
   * the run: world-open ranges, broad ranges, prefix lists. The run restricted what it could, but not all.
   */
  stillExposed?: IngressRule[];
  ec2Calls: number;
  error?: { code: string; message: string };
}

/** A plan of either engine: restrict-ingress (security group rules) or a containment playbook (steps). */
export type AnyPlan = RemediationPlan | import('./steps').StepPlan;
export type AnyResult = ExecutionResult | import('./steps').StepRunResult;
