import { BusyError, EventLoopLoad, WorkQueue, type LoadProbe } from '../../src/slack/work-queue';

class FixedLoad implements LoadProbe {
  constructor(public value = 0) {}
  utilization(): number {
    return this.value;
  }
}

/** A task that runs until `finish()` is called. */
function gate() {
  let finish = (): void => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  let started = false;
  return {
    task: async () => {
      started = true;
      await done;
    },
    finish: () => finish(),
    get started() {
      return started;
    },
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('WorkQueue', () => {
  it('runs up to `concurrency` tasks, queues up to `maxQueued`, refuses the next with BusyError', async () => {
    const q = new WorkQueue({ concurrency: 2, maxQueued: 1, load: new FixedLoad(0.1) });
    const gates = [gate(), gate(), gate()];
    const runs = gates.map((g) => q.run(g.task));
    await tick();
    expect(gates.map((g) => g.started)).toEqual([true, true, false]);
    expect(q.queued).toBe(1);
    expect(q.full).toBe(true);
    await expect(q.run(async () => 'x')).rejects.toBeInstanceOf(BusyError);
    gates[0]?.finish();
    await runs[0];
    await tick();
    expect(gates[2]?.started).toBe(true);
    expect(q.full).toBe(false);
    gates.forEach((g) => g.finish());
    await Promise.all(runs);
    await expect(q.run(async () => 'done')).resolves.toBe('done');
  });

  it('while the event loop is saturated: only `saturatedConcurrency` tasks and no queue', async () => {
    const load = new FixedLoad(0.95);
    const q = new WorkQueue({ concurrency: 16, maxQueued: 200, saturation: 0.9, saturatedConcurrency: 2, load });
    const gates = [gate(), gate()];
    const runs = gates.map((g) => q.run(g.task));
    expect(q.full).toBe(true);
    await expect(q.run(async () => 'x')).rejects.toBeInstanceOf(BusyError);
    load.value = 0.5;
    expect(q.full).toBe(false);
    const third = gate();
    const run3 = q.run(third.task);
    await tick();
    expect(third.started).toBe(true);
    [...gates, third].forEach((g) => g.finish());
    await Promise.all([...runs, run3]);
  });

  it('tasks queued before saturation still run, one slot at a time, when it sets in', async () => {
    const load = new FixedLoad(0);
    const q = new WorkQueue({ concurrency: 1, maxQueued: 5, saturatedConcurrency: 1, load });
    const first = gate();
    const queued = [gate(), gate(), gate()];
    const runs = [first, ...queued].map((g) => q.run(g.task));
    await tick();
    expect(q.queued).toBe(3);
    load.value = 1;
    first.finish();
    for (const g of queued) {
      await tick();
      await tick();
      expect(g.started).toBe(true);
      g.finish();
    }
    await Promise.all(runs);
    expect(q.queued).toBe(0);
  });

  it('a failing task frees its slot', async () => {
    const q = new WorkQueue({ concurrency: 1, maxQueued: 0, load: new FixedLoad(0) });
    await expect(q.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(q.run(async () => 'next')).resolves.toBe('next');
  });
});

describe('WorkQueue.quietBusy', () => {
  it('lets each person be told "busy" once per busyNoticeMs; other errors are always told', () => {
    const q = new WorkQueue({ busyNoticeMs: 60_000, load: new FixedLoad(0) });
    const busy = new BusyError();
    expect(q.quietBusy(busy, 'U1')).toBe(false);
    expect(q.quietBusy(busy, 'U1')).toBe(true);
    expect(q.quietBusy(busy, 'U2')).toBe(false);
    expect(q.quietBusy(new Error('AccessDenied'), 'U1')).toBe(false);
    expect(q.quietBusy(busy, undefined)).toBe(false);
    const soon = new WorkQueue({ busyNoticeMs: 0, load: new FixedLoad(0) });
    expect(soon.quietBusy(busy, 'U1')).toBe(false);
    expect(soon.quietBusy(busy, 'U1')).toBe(false);
  });
});

describe('EventLoopLoad', () => {
  it('reads near 1 while the loop is kept busy and near 0 while it idles', async () => {
    const load = new EventLoopLoad(50);
    load.utilization();
    await new Promise((r) => setTimeout(r, 120));
    load.utilization();
    await new Promise((r) => setTimeout(r, 60));
    expect(load.utilization()).toBeLessThan(0.5);
    const until = Date.now() + 120;
    while (Date.now() < until) {
      // keep the loop busy
    }
    expect(load.utilization()).toBeGreaterThan(0.8);
  });
});
