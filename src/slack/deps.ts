import type pino from 'pino';
import type { Config } from '../config';
import type { CardPublisher } from '../feed/card-publisher';
import type { ApproverPolicy, FindingsSource, StateStore } from '../domain/ports';
import type { RemediationService } from '../remediation/remediation-service';
import type { SlackMessenger } from './messenger';
import type { WorkQueue } from './work-queue';
import type { UserRateLimit } from './user-rate-limit';

/** Present when a store and FINDINGS_CHANNEL are configured: cards in the channel, threads, proposals. */
export interface ChannelDeps {
  store: StateStore;
  messenger: SlackMessenger;
  publisher: CardPublisher;
  /** FINDINGS_CHANNEL */
  channel: string;
  /** This process's identity in claims and leases. */
  owner: string;
}

export interface RemediationDeps {
  /** The propose → approve → execute → revert use cases, built by the composition root. */
  service: RemediationService;
  /** Who may approve (also used by access control for approver-only buttons). */
  approvers: ApproverPolicy;
}

/** What the Slack listeners need; main.ts builds it, tests build it with stand-ins behind the ports. */
export interface SlackDeps {
  config: Config;
  logger: pino.Logger;
  findings: FindingsSource;
  channel?: ChannelDeps;
  remediation?: RemediationDeps;
  /** Bounds the work done after acks; createApp supplies one when absent. */
  work?: WorkQueue;
  /** The state store also without FINDINGS_CHANNEL (feedback counts once per person in it); else `channel.store`. */
  store?: StateStore;
  /** Per-person limit on side-effect buttons; createApp supplies one when absent. */
  actionLimit?: UserRateLimit;
}
