import type { ExecutionResult, IngressRule, RemediationPlan } from './types';

export const REVERT_PLAYBOOK = 'restrict-ingress-revert';

/** Undoes exactly what one execution changed: restores what it revoked, removes what it added (and nothing else). */
export function revertPlan(original: RemediationPlan, result: ExecutionResult): RemediationPlan {
  return {
    playbook: REVERT_PLAYBOOK,
    findingId: original.findingId,
    accountId: original.accountId,
    region: original.region,
    ...(original.instanceId ? { instanceId: original.instanceId } : {}),
    ports: [...original.ports],
    trustedSources: original.trustedSources.map((s) => ({ ...s })),
    authorize: result.revoked.map(copy),
    revoke: result.authorized.map(copy),
    untouched: [],
  };
}

function copy(rule: IngressRule): IngressRule {
  return { ...rule };
}
