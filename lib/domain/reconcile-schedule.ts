// Which (account, permission set) pairs one reconciliation cycle lists. Identity Center has no change feed, so a pair
// nobody touched through the portal can still change out of band: skipping it delays that finding, never hides it.

export type ListingReason = "never-listed" | "unsettled" | "portal-write" | "sweep";

export interface ListingScheduleInput {
  /** Keys of the pairs in scope this cycle. */
  pairs: readonly string[];
  /** When each pair's listing last completed cleanly (the start of that cycle). */
  lastListed: ReadonlyMap<string, Date>;
  /** The latest portal write on each pair: a grant, a finding or a standing tuple changed. */
  lastWrite: ReadonlyMap<string, Date>;
  /** Pairs with an open finding or a grant mid-operation, due or ending: always listed. */
  unsettled: ReadonlySet<string>;
  now: Date;
  /** A listing older than this is repeated whatever happened; 0 lists every pair every cycle. */
  sweepEveryMs: number;
  /** A write this close before a listing may not show in it (same grace as planReconcile). */
  graceMs: number;
}

export interface ListingSchedule {
  list: Map<string, ListingReason>;
  skipped: number;
}

/** The pairs to list now and why; the rest were listed within the sweep interval and untouched since. */
export function schedulePairListings(input: ListingScheduleInput): ListingSchedule {
  const list = new Map<string, ListingReason>();
  let skipped = 0;
  for (const key of input.pairs) {
    const reason = listingReason(input, key);
    if (reason) list.set(key, reason);
    else skipped += 1;
  }
  return { list, skipped };
}

function listingReason(input: ListingScheduleInput, key: string): ListingReason | null {
  const listed = input.lastListed.get(key);
  if (!listed) return "never-listed";
  if (input.unsettled.has(key)) return "unsettled";
  const write = input.lastWrite.get(key);
  if (write && write.getTime() >= listed.getTime() - input.graceMs) return "portal-write";
  if (input.now.getTime() - listed.getTime() >= input.sweepEveryMs) return "sweep";
  return null;
}

/** The longest an out-of-band change on a skipped pair goes unseen: a sweep interval, plus the cycle that catches it. */
export function driftDetectionBoundMs(sweepEveryMs: number, cycleEveryMs: number): number {
  return sweepEveryMs + cycleEveryMs;
}
