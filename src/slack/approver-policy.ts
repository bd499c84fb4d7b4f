import type { WebClient } from '@slack/web-api';
import { ChatOpsError } from '../domain/errors';
import type { ApproverPolicy } from '../domain/ports';

export const USERGROUP_CACHE_MS = 60_000;

export class ApproverLookupError extends ChatOpsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('APPROVER_LOOKUP', message, options);
  }
}

export interface SlackApproverPolicyOptions {
  /** APPROVER_USER_IDS */
  userIds: readonly string[];
  /** APPROVER_USERGROUP_ID */
  usergroupId?: string;
  client: WebClient;
  cacheMs?: number;
  now?: () => number;
}

type Members = { users: Set<string>; fetchedAtMs: number };

/** False when neither APPROVER_USER_IDS nor APPROVER_USERGROUP_ID is set: nobody may approve. */
export function hasApprovers(approvers: { userIds: readonly string[]; usergroupId?: string }): boolean {
  return approvers.userIds.length > 0 || approvers.usergroupId !== undefined;
}

/**
 * Approvers are the listed users and the members of one user group (read with `usergroups.users.list`,
 * cached for a minute). With neither configured nobody may approve. A failed lookup refuses (fails closed).
 */
export class SlackApproverPolicy implements ApproverPolicy {
  private readonly userIds: ReadonlySet<string>;
  private readonly cacheMs: number;
  private readonly now: () => number;
  private members?: Members;
  private inFlight?: Promise<Members>;

  constructor(private readonly options: SlackApproverPolicyOptions) {
    this.userIds = new Set(options.userIds);
    this.cacheMs = options.cacheMs ?? USERGROUP_CACHE_MS;
    this.now = options.now ?? Date.now;
  }

  get configured(): boolean {
    return hasApprovers(this.options);
  }

  async isApprover(userId: string): Promise<boolean> {
    if (this.userIds.has(userId)) return true;
    if (!this.options.usergroupId) return false;
    return (await this.groupMembers(this.options.usergroupId)).users.has(userId);
  }

  private async groupMembers(usergroup: string): Promise<Members> {
    const cached = this.members;
    if (cached && this.now() - cached.fetchedAtMs < this.cacheMs) return cached;
    this.inFlight ??= this.fetch(usergroup).finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async fetch(usergroup: string): Promise<Members> {
    let users: string[];
    try {
      const res = await this.options.client.usergroups.users.list({ usergroup });
      users = res.users ?? [];
    } catch (err) {
      const detail = (err as { data?: { error?: string } }).data?.error ?? (err instanceof Error ? err.message : String(err));
      throw new ApproverLookupError(
        `Could not read the members of user group ${usergroup} (APPROVER_USERGROUP_ID): ${detail}. The bot needs the usergroups:read scope.`,
        { cause: err },
      );
    }
    this.members = { users: new Set(users), fetchedAtMs: this.now() };
    return this.members;
  }
}
