import type { Finding } from '../finding';
import { deactivateAccessKey } from './containment/access-key';
import { blockBucketPublicAccess } from './containment/bucket-public-access';
import { isolateInstance } from './containment/isolate-instance';
import type { PlaybookTarget, StepPlaybook } from './containment/playbook';
import { revokeRoleSessions } from './containment/role-sessions';
import { suppressSimilar } from './containment/suppress-similar';
import { playbookFor } from './playbooks';
import { basePlaybook } from './steps';

/**
 * Every containment playbook. Adding one: its pure part in `containment/<name>.ts`, listed here; its AWS side in
 * `aws/containment/<name>.ts`, listed in `aws/containment/index.ts`. The engine (seal, approval, execution, revert)
 * and the Slack screens work from these two lists.
 */
export const STEP_PLAYBOOKS: readonly StepPlaybook[] = Object.freeze([
  blockBucketPublicAccess,
  deactivateAccessKey,
  revokeRoleSessions,
  isolateInstance,
  suppressSimilar,
]);

/** A playbook that fits a finding, for the card's buttons and the `finding <id>` answer. */
export interface ApplicablePlaybook {
  id: string;
  title: string;
  short: string;
  /** Only for containment playbooks. */
  target?: PlaybookTarget;
}

export const RESTRICT_INGRESS_SUMMARY = { title: 'Restrict the world-open port to trusted networks', short: 'Restrict port' };

export function applicablePlaybooks(finding: Finding): ApplicablePlaybook[] {
  const found: ApplicablePlaybook[] = [];
  const ingress = playbookFor(finding);
  if (ingress) found.push({ id: ingress.playbook.id, ...RESTRICT_INGRESS_SUMMARY });
  for (const playbook of STEP_PLAYBOOKS) {
    if (playbook.offered === false) continue;
    const target = playbook.appliesTo(finding);
    if (target) found.push({ id: playbook.id, title: playbook.title, short: playbook.short, target });
  }
  return found;
}

/** Playbooks that fit the finding's kind but are not offered for it, with why (e.g. a root key). */
export function unavailablePlaybooks(finding: Finding): { id: string; title: string; reason: string }[] {
  return STEP_PLAYBOOKS.flatMap((p) => {
    if (p.offered === false) return [];
    const reason = p.appliesTo(finding) ? undefined : p.unavailable?.(finding);
    return reason ? [{ id: p.id, title: p.title, reason }] : [];
  });
}

/** The containment playbook of a plan (a revert's is its playbook's). */
export function stepPlaybookFor(playbookId: string): StepPlaybook | undefined {
  const id = basePlaybook(playbookId);
  return STEP_PLAYBOOKS.find((p) => p.id === id);
}
