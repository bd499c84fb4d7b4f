import type { ApproverPolicy } from '../domain/ports';

/** What a click or command asks to do; each has its own rule. */
export type Capability = 'use' | 'propose' | 'approve' | 'archive';

export type AccessDecision = { ok: true } | { ok: false; reason: string };

export interface AccessPolicyOptions {
  /** ALLOWED_CHANNEL_IDS: empty means every channel. */
  channelIds: readonly string[];
  /** ALLOWED_USER_IDS / ALLOWED_USERGROUP_ID as one membership check; undefined means everyone. */
  allowedUsers?: ApproverPolicy;
  approvers: ApproverPolicy;
}

/**
 * Who may do what, and where. Defaults: everyone may read findings and propose fixes (a proposal changes
 * nothing by itself); only approvers may approve a remediation or archive a finding (archiving hides it).
 */
export class AccessPolicy {
  private readonly channels: ReadonlySet<string>;

  constructor(private readonly options: AccessPolicyOptions) {
    this.channels = new Set(options.channelIds);
  }

  async check(userId: string, channelId: string | undefined, capability: Capability): Promise<AccessDecision> {
    if (this.channels.size > 0 && channelId !== undefined && !this.channels.has(channelId)) {
      return {
        ok: false,
        reason: 'The GuardDuty bot is not available in this channel. Use it in one of the security channels it is set up for.',
      };
    }
    if (this.options.allowedUsers && !(await this.options.allowedUsers.isApprover(userId))) {
      return { ok: false, reason: 'You are not on the list of people who may use the GuardDuty bot. Ask your security team to add you.' };
    }
    if ((capability === 'approve' || capability === 'archive') && !(await this.options.approvers.isApprover(userId))) {
      return {
        ok: false,
        reason:
          capability === 'approve'
            ? 'Only approvers may approve a remediation (APPROVER_USER_IDS or APPROVER_USERGROUP_ID).'
            : 'Only approvers may archive a finding (APPROVER_USER_IDS or APPROVER_USERGROUP_ID): archiving hides it from everyone.',
      };
    }
    return { ok: true };
  }
}
