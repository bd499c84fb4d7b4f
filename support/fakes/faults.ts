/** What every stand-in's faults have in common: which calls they hit, and how many times. */
export interface QueuedFault<C> {
  times?: number;
  when?: (call: C) => boolean;
}

/**
 * The first fault queued for the call's operation that applies to it; a fault with `times` is used up after that many
 * calls. Faults of one operation are used in the order queued.
 */
export function takeFault<C extends { op: string }, F extends QueuedFault<C>>(faults: Map<string, F[]>, call: C): F | undefined {
  const list = faults.get(call.op);
  const at = list?.findIndex((f) => !f.when || f.when(call)) ?? -1;
  if (!list || at === -1) return undefined;
  const fault = list[at] as F;
  if (fault.times !== undefined && --fault.times <= 0) list.splice(at, 1);
  return fault;
}
