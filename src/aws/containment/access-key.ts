import {
  GetAccessKeyLastUsedCommand,
  ListAccessKeysCommand,
  UpdateAccessKeyCommand,
  type AccessKeyMetadata,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { ChatOpsError } from '../../domain/errors';
import type { StepExecutor } from '../../domain/ports';
import { keyState, type AccessKeyStatus, type AccessKeySurvey, type SurveyedKey } from '../../domain/remediation/containment/access-key';
import type { PlaybookTarget } from '../../domain/remediation/containment/playbook';
import type { Json, PlanStep, StepPlan } from '../../domain/remediation/steps';
import type { DryRunOutcome } from '../../domain/remediation/types';
import { AwsCalls } from './aws-calls';

/** IAM's "there is no such user" (the SDK names the error NoSuchEntityException; the wire code is NoSuchEntity). */
const NO_SUCH_ENTITY = new Set(['NoSuchEntity', 'NoSuchEntityException']);
/** GetAccessKeyLastUsed's "never used": ServiceName and Region are `N/A`. */
const NA = 'N/A';

function status(value: unknown): AccessKeyStatus | undefined {
  return value === 'Active' || value === 'Inactive' ? value : undefined;
}

/**
 * IAM side of deactivate-access-key: lists a user's keys (with their last use), reads one key's status and sets it
 * with UpdateAccessKey. Never deletes a key: it calls no other write.
 */
export class AccessKeyAdapter implements StepExecutor {
  private readonly calls: AwsCalls;

  constructor(
    private readonly iam: IAMClient,
    region: string,
  ) {
    this.calls = new AwsCalls('IAM', region);
  }

  async survey(target: PlaybookTarget): Promise<AccessKeySurvey> {
    const userName = target.id;
    const listed = await this.listKeys(userName);
    if (listed === undefined) return { userName, keys: [], userMissing: true };
    const keys = await Promise.all(
      listed.flatMap((k) => {
        const s = status(k.Status);
        if (!k.AccessKeyId || !s) return [];
        return [this.surveyKey(k.AccessKeyId, s, k.CreateDate)];
      }),
    );
    return { userName, keys };
  }

  async read(step: PlanStep): Promise<Json> {
    const userName = this.userOf(step);
    const listed = await this.listKeys(userName);
    const key = listed?.find((k) => k.AccessKeyId === step.resource);
    const s = status(key?.Status);
    if (!key || !s) {
      throw new ChatOpsError(
        'NO_SUCH_KEY',
        listed === undefined
          ? `There is no IAM user ${userName} any more, so access key ${step.resource} cannot be read.`
          : `Access key ${step.resource} is no longer one of IAM user ${userName}'s keys (deleted?).`,
      );
    }
    return keyState(userName, s);
  }

  resolve(step: PlanStep): Json {
    return step.after;
  }

  async write(step: PlanStep, target: Json): Promise<{ kept?: { label: string; id: string }[] }> {
    const t = target as { userName?: unknown; status?: unknown } | null;
    const s = status(t?.status);
    if (!s || typeof t?.userName !== 'string' || t.userName === '') throw new Error(`No access key status to set on ${step.resource}`);
    const userName = t.userName;
    await this.calls.run(() => this.iam.send(new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: step.resource, Status: s })));
    return {};
  }

  permissionCheck(_plan: StepPlan): Promise<DryRunOutcome> {
    return Promise.resolve({
      ok: true,
      checked: false,
      message:
        "IAM has no dry run: the user's keys were readable; iam:UpdateAccessKey is checked when the fix runs (iam:SimulatePrincipalPolicy is not used).",
    });
  }

  awsCalls(): number {
    return this.calls.made;
  }

  /** The user whose key the step changes: carried in its states, checked against the plan's target by the playbook. */
  private userOf(step: PlanStep): string {
    for (const state of [step.before, step.after]) {
      const user = (state as { userName?: unknown } | null)?.userName;
      if (typeof user === 'string' && user !== '') return user;
    }
    throw new ChatOpsError('NO_SUCH_KEY', `The step for access key ${step.resource} names no IAM user.`);
  }

  /** Every key of the user (all pages); undefined when IAM has no such user. */
  private async listKeys(userName: string): Promise<AccessKeyMetadata[] | undefined> {
    const keys: AccessKeyMetadata[] = [];
    let marker: string | undefined;
    do {
      const out = await this.calls.runOrNone(
        () => this.iam.send(new ListAccessKeysCommand({ UserName: userName, ...(marker ? { Marker: marker } : {}) })),
        NO_SUCH_ENTITY,
      );
      if (out === undefined) return undefined;
      keys.push(...(out.AccessKeyMetadata ?? []));
      marker = out.IsTruncated ? out.Marker : undefined;
    } while (marker);
    return keys;
  }

  private async surveyKey(accessKeyId: string, s: AccessKeyStatus, created: Date | undefined): Promise<SurveyedKey> {
    const out = await this.calls.run(() => this.iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId })));
    const u = out.AccessKeyLastUsed;
    const date = u?.LastUsedDate?.toISOString();
    const service = u?.ServiceName && u.ServiceName !== NA ? u.ServiceName : undefined;
    const region = u?.Region && u.Region !== NA ? u.Region : undefined;
    return {
      accessKeyId,
      status: s,
      ...(created ? { createdAt: created.toISOString() } : {}),
      ...(date || service || region
        ? { lastUsed: { ...(date ? { date } : {}), ...(service ? { service } : {}), ...(region ? { region } : {}) } }
        : {}),
    };
  }
}
