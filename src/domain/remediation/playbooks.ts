import type { Finding } from '../finding';
import { exposingRules, exposureOf, exposureText, isReplaceable } from './exposure';
import { compareRules, describeRule, portsText, ruleKey, sameRule } from './rules';
import type { IngressRule, RemediationPlan, TrustedSource, UntouchedRule } from './types';

export interface PlanInput {
  finding: Finding;
  ports: number[];
  rules: IngressRule[];
  sources: TrustedSource[];
}

export interface Playbook {
  id: string;
  title: string;
  /** The ports the playbook would act on, or undefined when it does not fit the finding. */
  appliesTo(finding: Finding): { ports: number[] } | undefined;
  plan(input: PlanInput): RemediationPlan;
}

export const RESTRICT_INGRESS = 'restrict-ingress';
export const PLAN_DESCRIPTION_PREFIX = 'guardduty-chatops';

const PORT_PROBE = 'Recon:EC2/PortProbeUnprotectedPort';
const BRUTE_FORCE = new Set(['UnauthorizedAccess:EC2/SSHBruteForce', 'UnauthorizedAccess:EC2/RDPBruteForce']);

// ---------------------------------------------------------------- helpers

function normalizePorts(ports: readonly number[]): number[] {
  return [...new Set(ports)].filter((p) => Number.isInteger(p) && p >= 1 && p <= 65535).sort((a, b) => a - b);
}

function dedupeRules(rules: readonly IngressRule[]): IngressRule[] {
  const byKey = new Map<string, IngressRule>();
  for (const rule of rules) if (!byKey.has(ruleKey(rule))) byKey.set(ruleKey(rule), rule);
  return [...byKey.values()];
}

function trustedRule(groupId: string, port: number, source: TrustedSource): IngressRule {
  const rule: IngressRule = {
    groupId,
    protocol: 'tcp',
    fromPort: port,
    toPort: port,
    description: `${PLAN_DESCRIPTION_PREFIX}: replaces world-open ${port}`,
  };
  if (source.kind === 'securityGroup') rule.referencedGroupId = source.groupId;
  else if (source.version === 4) rule.cidrIpv4 = source.cidr;
  else rule.cidrIpv6 = source.cidr;
  return rule;
}

// ---------------------------------------------------------------- restrict-ingress

function restrictIngressPorts(finding: Finding): { ports: number[] } | undefined {
  if (finding.resource.kind !== 'instance' || !finding.resource.instanceId || !finding.action) return undefined;
  if (BRUTE_FORCE.has(finding.type)) {
    // OUTBOUND: the instance is the one brute-forcing someone else; its own ports are not the problem.
    const direction = finding.action.connectionDirection?.toUpperCase();
    if (direction !== undefined && direction !== 'INBOUND' && direction !== 'UNKNOWN') return undefined;
  } else if (finding.type !== PORT_PROBE) {
    return undefined;
  }
  const ports = normalizePorts(finding.action.localPorts.map((p) => p.port));
  return ports.length > 0 ? { ports } : undefined;
}

function restrictIngressPlan({ finding, ports, rules, sources }: PlanInput): RemediationPlan {
  if (sources.length === 0) throw new Error('restrict-ingress needs at least one trusted source, or it would lock everyone out');
  const wanted = normalizePorts(ports);
  const current = dedupeRules(rules);

  const revoke: IngressRule[] = [];
  const authorize: IngressRule[] = [];
  const broad = new Map<string, { rule: IngressRule; ports: number[] }>();

  for (const port of wanted) {
    const exposing = exposingRules(current, [port]);
    const exact = exposing.filter((r) => isReplaceable(r, port));
    for (const rule of exposing) {
      if (exact.includes(rule)) continue;
      const entry = broad.get(ruleKey(rule)) ?? { rule, ports: [] };
      entry.ports.push(port);
      broad.set(ruleKey(rule), entry);
    }
    revoke.push(...exact);
    for (const groupId of new Set(exact.map((r) => r.groupId))) {
      for (const source of sources) {
        const add = trustedRule(groupId, port, source);
        if (!current.some((r) => sameRule(r, add)) && !authorize.some((r) => sameRule(r, add))) authorize.push(add);
      }
    }
  }

  const untouched: UntouchedRule[] = [...broad.values()]
    .sort((a, b) => compareRules(a.rule, b.rule))
    .map(({ rule, ports: exposed }) => ({
      rule,
      reason: `${describeRule(rule)} also exposes ${portsText(exposed)}${why(rule)}; not changed`,
    }));

  const instanceId = finding.resource.kind === 'instance' ? finding.resource.instanceId : undefined;
  return {
    playbook: RESTRICT_INGRESS,
    findingId: finding.id,
    accountId: finding.accountId,
    region: finding.region,
    ...(instanceId ? { instanceId } : {}),
    ports: wanted,
    trustedSources: sources.map((s) => ({ ...s })),
    revoke: revoke.sort(compareRules),
    authorize: authorize.sort(compareRules),
    untouched,
  };
}

/** World-open needs no explanation; a broad range or a prefix list does. */
function why(rule: IngressRule): string {
  const exposure = exposureOf(rule);
  return exposure && exposure !== 'world' ? ` (${exposureText(exposure)})` : '';
}

export const restrictIngress: Playbook = {
  id: RESTRICT_INGRESS,
  title: 'Restrict world-open port to trusted networks',
  appliesTo: restrictIngressPorts,
  plan: restrictIngressPlan,
};

// ---------------------------------------------------------------- registry

export const PLAYBOOKS: readonly Playbook[] = Object.freeze([restrictIngress]);

export function playbookFor(finding: Finding): { playbook: Playbook; ports: number[] } | undefined {
  for (const playbook of PLAYBOOKS) {
    const applies = playbook.appliesTo(finding);
    if (applies) return { playbook, ports: applies.ports };
  }
  return undefined;
}

export function playbookById(id: string): Playbook | undefined {
  return PLAYBOOKS.find((p) => p.id === id);
}
