import { performance } from 'node:perf_hooks';
import { ChatOpsError } from '../domain/errors';

export const BUSY_MESSAGE = 'The bot is busy answering many requests right now. Nothing was changed; try again in a minute.';

export class BusyError extends ChatOpsError {
  constructor() {
    super('BOT_BUSY', BUSY_MESSAGE);
  }
}

/** How busy this process is: the share (0–1) of the recent past its event loop spent running code. */
export interface LoadProbe {
  utilization(): number;
}

/** Event-loop utilization (Node's own measure) over windows of `windowMs`, read on demand: no timer runs. */
export class EventLoopLoad implements LoadProbe {
  private mark = performance.eventLoopUtilization();
  private markAt = performance.now();
  private value = 0;

  constructor(private readonly windowMs = 200) {}

  utilization(): number {
    const now = performance.now();
    if (now - this.markAt >= this.windowMs) {
      const current = performance.eventLoopUtilization();
      this.value = performance.eventLoopUtilization(current, this.mark).utilization;
      this.mark = current;
      this.markAt = now;
    }
    return this.value;
  }
}

export interface WorkQueueOptions {
  concurrency?: number;
  maxQueued?: number;
  /** Above this event-loop utilization the process is saturated: only `saturatedConcurrency` tasks, no queue. */
  saturation?: number;
  saturatedConcurrency?: number;
  load?: LoadProbe;
  /** A person refused as busy is told so once in this long; their further refused clicks get no new notice. */
  busyNoticeMs?: number;
}

/**
 * Runs the work that follows an ack with bounded concurrency, so that a burst of commands cannot starve the
 * event loop of the next request's ack (Slack gives up after 3 s). Past `maxQueued` waiting tasks, or at once
 * while the event loop is saturated, it refuses (BusyError): an answer "busy, try again" costs far less than
 * the answer itself, and every ack stays prompt.
 */
export class WorkQueue {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly concurrency: number;
  private readonly maxQueued: number;
  private readonly saturation: number;
  private readonly saturatedConcurrency: number;
  private readonly load: LoadProbe;
  private readonly busyNoticeMs: number;
  private readonly busyToldAt = new Map<string, number>();

  constructor(options: WorkQueueOptions = {}) {
    this.concurrency = options.concurrency ?? 16;
    this.maxQueued = options.maxQueued ?? 200;
    this.saturation = options.saturation ?? 0.9;
    this.saturatedConcurrency = Math.max(1, options.saturatedConcurrency ?? 2);
    this.load = options.load ?? new EventLoopLoad();
    this.busyNoticeMs = options.busyNoticeMs ?? 10_000;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    const saturated = this.saturated();
    if (this.active >= this.limit(saturated)) {
      if (saturated || this.waiting.length >= this.maxQueued) throw new BusyError();
      // The releaser counts this task as active before waking it.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active++;
    }
    try {
      // Start after the event loop's I/O phase, so requests already waiting are read (and acked) first.
      await new Promise<void>((resolve) => setImmediate(resolve));
      return await task();
    } finally {
      this.active--;
      this.release();
    }
  }

  /**
   * True when `err` is a busy refusal and `userId` was already told "busy" within `busyNoticeMs`: the caller
   * stays quiet instead of piling identical notices on someone clicking through an overload.
   */
  quietBusy(err: unknown, userId: string | undefined): boolean {
    if (!(err instanceof BusyError) || !userId) return false;
    const now = Date.now();
    const told = this.busyToldAt.get(userId);
    if (told !== undefined && now - told < this.busyNoticeMs) return true;
    if (this.busyToldAt.size >= 10_000) this.busyToldAt.clear();
    this.busyToldAt.set(userId, now);
    return false;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** True when a new task would be refused: callers can say so in their ack instead of a later message. */
  get full(): boolean {
    const saturated = this.saturated();
    return this.active >= this.limit(saturated) && (saturated || this.waiting.length >= this.maxQueued);
  }

  private saturated(): boolean {
    return this.load.utilization() >= this.saturation;
  }

  private limit(saturated: boolean): number {
    return saturated ? this.saturatedConcurrency : this.concurrency;
  }

  /** Queued tasks start while there is room; at least one always can, so the queue drains even when saturated. */
  private release(): void {
    const limit = this.limit(this.saturated());
    while (this.waiting.length > 0 && this.active < limit) {
      this.active++;
      this.waiting.shift()?.();
    }
  }
}

/** Runs `task` through the deps' work queue (or directly when there is none). */
export function afterAck<T>(work: WorkQueue | undefined, task: () => Promise<T>): Promise<T> {
  return work ? work.run(task) : task();
}
