import {
  DeleteRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import type { StepExecutor } from '../../domain/ports';
import type { PlaybookTarget } from '../../domain/remediation/containment/playbook';
import {
  AT_APPROVAL,
  REVOKE_POLICY_NAME,
  issuedBeforeOf,
  revokePolicyDocument,
  revokePolicyState,
  type RoleSurvey,
} from '../../domain/remediation/containment/role-sessions';
import type { Json, PlanStep, RunContext, StepPlan } from '../../domain/remediation/steps';
import type { DryRunOutcome } from '../../domain/remediation/types';
import { AwsCalls } from './aws-calls';

const NO_SUCH_ENTITY = new Set(['NoSuchEntity', 'NoSuchEntityException']);

/** IAM answers policy documents URL-encoded (RFC 3986). */
function decodeDocument(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/**
 * IAM side of revoke-role-sessions: reads the role and its inline policy {@link REVOKE_POLICY_NAME}; writes that
 * policy with the approval time as cut-off, or deletes it on a revert. It calls no other write, on no other policy.
 */
export class RoleSessionsAdapter implements StepExecutor {
  private readonly calls: AwsCalls;

  constructor(
    private readonly iam: IAMClient,
    region: string,
  ) {
    this.calls = new AwsCalls('IAM', region);
  }

  async survey(target: PlaybookTarget): Promise<RoleSurvey> {
    const roleName = target.id;
    const role = await this.calls.runOrNone(() => this.iam.send(new GetRoleCommand({ RoleName: roleName })), NO_SUCH_ENTITY);
    if (!role?.Role) return { roleName, roleArn: null, existing: null };
    const names: string[] = [];
    let marker: string | undefined;
    do {
      const out = await this.calls.run(() =>
        this.iam.send(new ListRolePoliciesCommand({ RoleName: roleName, ...(marker ? { Marker: marker } : {}) })),
      );
      names.push(...(out.PolicyNames ?? []));
      marker = out.IsTruncated ? out.Marker : undefined;
    } while (marker);
    const document = names.includes(REVOKE_POLICY_NAME) ? await this.document(roleName) : null;
    return {
      roleName,
      roleArn: role.Role.Arn ?? null,
      ...(role.Role.Path ? { rolePath: role.Role.Path } : {}),
      existing: document === null ? null : { document },
    };
  }

  async read(step: PlanStep): Promise<Json> {
    return revokePolicyState(await this.document(step.resource));
  }

  /** `@approval` in the step's `after` becomes this run's approval time. */
  resolve(step: PlanStep, ctx: RunContext): Json {
    const after = step.after as { policy?: unknown; issuedBefore?: unknown } | null;
    if (after?.policy === 'revoke-sessions' && after.issuedBefore === AT_APPROVAL) {
      return { policy: 'revoke-sessions', issuedBefore: issuedBeforeOf(ctx.approvedAt) };
    }
    return step.after;
  }

  async write(step: PlanStep, target: Json): Promise<{ kept?: { label: string; id: string }[] }> {
    const t = target as { policy?: unknown; issuedBefore?: unknown } | null;
    const roleName = step.resource;
    if (t?.policy === null) {
      await this.calls.run(() => this.iam.send(new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: REVOKE_POLICY_NAME })));
      return {};
    }
    const issuedBefore = t?.issuedBefore;
    if (t?.policy !== 'revoke-sessions' || typeof issuedBefore !== 'string' || issuedBefore === AT_APPROVAL) {
      throw new Error(`No revoke-sessions policy to write on role ${roleName}`);
    }
    const document = JSON.stringify(revokePolicyDocument(issuedBefore));
    // What is written must read back as the target, or the run would not verify: refuse a cut-off the template rejects.
    const written = revokePolicyState(document) as { issuedBefore?: unknown };
    if (written.issuedBefore !== issuedBefore) throw new Error(`${JSON.stringify(issuedBefore)} is not a cut-off time`);
    await this.calls.run(() =>
      this.iam.send(new PutRolePolicyCommand({ RoleName: roleName, PolicyName: REVOKE_POLICY_NAME, PolicyDocument: document })),
    );
    return {};
  }

  permissionCheck(_plan: StepPlan): Promise<DryRunOutcome> {
    return Promise.resolve({
      ok: true,
      checked: false,
      message:
        'IAM has no dry run: the role was readable; iam:PutRolePolicy is checked when the fix runs (iam:SimulatePrincipalPolicy is not used).',
    });
  }

  awsCalls(): number {
    return this.calls.made;
  }

  /** The URL-decoded document of the role's {@link REVOKE_POLICY_NAME}, or null when there is none. */
  private async document(roleName: string): Promise<string | null> {
    const out = await this.calls.runOrNone(
      () => this.iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: REVOKE_POLICY_NAME })),
      NO_SUCH_ENTITY,
    );
    return out?.PolicyDocument === undefined ? null : decodeDocument(out.PolicyDocument);
  }
}
