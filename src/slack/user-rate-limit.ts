import { ACTION } from './ids';
import type { ActionRoutes, ButtonHandler } from './listeners/action-router';

/** Buttons that change something (GuardDuty, the store, the channel, EC2); View, paging and links are free. */
export const SIDE_EFFECT_ACTIONS: ReadonlySet<string> = new Set([
  ACTION.archive,
  ACTION.feedbackUseful,
  ACTION.feedbackNotUseful,
  ACTION.postToChannel,
  ACTION.proposeFix,
  ACTION.suppressSimilar,
  ACTION.approve,
  ACTION.reject,
  ACTION.cancel,
  ACTION.revert,
  ACTION.take,
  ACTION.assign,
  ACTION.reassign,
  ACTION.resolve,
  ACTION.reopen,
]);

export interface UserRateLimitOptions {
  /** Actions a person may take in a burst. */
  capacity?: number;
  /** Time in which a spent bucket fills up again. */
  refillMs?: number;
  /** Past this many people tracked, full buckets are forgotten. */
  maxUsers?: number;
  now?: () => number;
}

export type Admission = { ok: true } | { ok: false; retryInS: number; tell: boolean };

interface Bucket {
  tokens: number;
  at: number;
  /** A refusal before this instant is not told again (the person was told when to try again). */
  quietUntil: number;
}

/**
 * A token bucket per person: `capacity` actions, refilled evenly over `refillMs` (default 10 a minute).
 * Kept in this process's memory: each replica counts on its own, and a restart forgets.
 */
export class UserRateLimit {
  private readonly buckets = new Map<string, Bucket>();
  private readonly capacity: number;
  private readonly refillMs: number;
  private readonly maxUsers: number;
  private readonly now: () => number;

  constructor(options: UserRateLimitOptions = {}) {
    this.capacity = options.capacity ?? 10;
    this.refillMs = options.refillMs ?? 60_000;
    this.maxUsers = options.maxUsers ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  take(userId: string): Admission {
    const now = this.now();
    const bucket = this.bucket(userId, now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    const waitMs = ((1 - bucket.tokens) * this.refillMs) / this.capacity;
    const tell = now >= bucket.quietUntil;
    if (tell) bucket.quietUntil = now + waitMs;
    return { ok: false, retryInS: Math.max(1, Math.ceil(waitMs / 1000)), tell };
  }

  private bucket(userId: string, now: number): Bucket {
    let bucket = this.buckets.get(userId);
    if (bucket) {
      bucket.tokens = Math.min(this.capacity, bucket.tokens + ((now - bucket.at) * this.capacity) / this.refillMs);
      bucket.at = now;
      return bucket;
    }
    if (this.buckets.size >= this.maxUsers) this.forgetFull(now);
    bucket = { tokens: this.capacity, at: now, quietUntil: 0 };
    this.buckets.set(userId, bucket);
    return bucket;
  }

  /** A bucket that would be full by now is the same as no bucket. */
  private forgetFull(now: number): void {
    for (const [user, b] of this.buckets) {
      if (b.tokens + ((now - b.at) * this.capacity) / this.refillMs >= this.capacity) this.buckets.delete(user);
    }
  }
}

/** The routes with the side-effect buttons behind the per-person limit; a refused click is acked and told once. */
export function limitSideEffects(routes: ActionRoutes, limit: UserRateLimit): Map<string, ButtonHandler> {
  return new Map(
    [...routes].map(([actionId, handler]): [string, ButtonHandler] => {
      if (!SIDE_EFFECT_ACTIONS.has(actionId)) return [actionId, handler];
      return [
        actionId,
        async (args) => {
          const admission = limit.take(args.body.user.id);
          if (admission.ok) return handler(args);
          await args.ack();
          if (!admission.tell) return;
          await args.respond({
            response_type: 'ephemeral',
            replace_original: false,
            text: `:hourglass: You're doing that too fast; nothing was changed. Try again in ${admission.retryInS} s.`,
          });
        },
      ];
    }),
  );
}
