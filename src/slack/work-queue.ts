import { ChatOpsError } from '../domain/errors';

export class BusyError extends ChatOpsError {
  constructor() {
    super('BOT_BUSY', 'The bot is busy answering many requests right now. Nothing was changed; try again in a minute.');
  }
}

/**
 * Runs the work that follows an ack with bounded concurrency, so that a burst of commands cannot starve the
 * event loop of the next request's ack; past `maxQueued` waiting tasks it refuses at once (BusyError).
 */
export class WorkQueue {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly concurrency = 16,
    private readonly maxQueued = 200,
  ) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.concurrency) {
      if (this.waiting.length >= this.maxQueued) throw new BusyError();
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.active++;
    try {
      // Start after the event loop's I/O phase, so requests already waiting are read (and acked) first.
      await new Promise<void>((resolve) => setImmediate(resolve));
      return await task();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** True when a new task would be refused: callers can say so in their ack instead of a later message. */
  get full(): boolean {
    return this.active >= this.concurrency && this.waiting.length >= this.maxQueued;
  }
}

/** Runs `task` through the deps' work queue (or directly when there is none). */
export function afterAck<T>(work: WorkQueue | undefined, task: () => Promise<T>): Promise<T> {
  return work ? work.run(task) : task();
}
