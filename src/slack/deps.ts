import type pino from 'pino';
import type { Config } from '../config';
import type { CardPublisher } from '../feed/card-publisher';
import type { ApproverPolicy, FindingsSource, RemediationExecutorFactory, StateStore } from '../domain/ports';
import type { ApprovalSealer } from '../domain/remediation/seal';
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
  executors: RemediationExecutorFactory;
  approvers: ApproverPolicy;
  /** Holds APPROVAL_SIGNING_KEY: seals approvals and results, verified before any AWS call. */
  sealer: ApprovalSealer;
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
