/** Slack allows about one message a second per channel; a little slack absorbs clock and network jitter. */
export const POST_INTERVAL_MS = 1050;
/** Above any severity (the feed's priorities, 0–10): what a person just did is told before waiting feed posts. */
export const PERSON_PRIORITY = 100;

interface Job {
  priority: number;
  seq: number;
  run: () => Promise<void>;
}

/**
 * Serializes chat.postMessage per channel at most once per `minIntervalMs` (Slack allows about one a
 * second per channel), most important first. Nothing is dropped: a job that fails rejects its own
 * promise and the caller decides (the feed keeps its cursor behind it).
 */
export class ChannelQueue {
  private readonly queues = new Map<string, Job[]>();
  private readonly running = new Set<string>();
  private readonly lastEnd = new Map<string, number>();
  private seq = 0;

  constructor(private readonly minIntervalMs = POST_INTERVAL_MS) {}

  /** Higher `priority` runs first; equal priorities in submission order. */
  submit<T>(channel: string, priority: number, task: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const job: Job = {
        priority,
        seq: this.seq++,
        run: () => task().then(resolve, reject),
      };
      const queue = this.queues.get(channel) ?? [];
      const at = queue.findIndex((j) => j.priority < priority);
      if (at === -1) queue.push(job);
      else queue.splice(at, 0, job);
      this.queues.set(channel, queue);
      void this.drain(channel);
    });
  }

  /** Resolves once every queued and running job has finished. */
  async idle(): Promise<void> {
    while (this.pending() > 0 || this.running.size > 0) await new Promise((r) => setTimeout(r, 20));
  }

  pending(channel?: string): number {
    if (channel) return this.queues.get(channel)?.length ?? 0;
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  private async drain(channel: string): Promise<void> {
    if (this.running.has(channel)) return;
    this.running.add(channel);
    try {
      for (;;) {
        const job = this.queues.get(channel)?.shift();
        if (!job) break;
        // Measured from the end of the previous post: its request may have reached Slack late (retries, latency).
        const wait = (this.lastEnd.get(channel) ?? 0) + this.minIntervalMs - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        await job.run();
        this.lastEnd.set(channel, Date.now());
      }
    } finally {
      this.running.delete(channel);
      this.queues.delete(channel);
    }
  }
}
