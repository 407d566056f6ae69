/**
 * Learns how long AWS usually takes to finish an assignment operation, so the first status lookup lands just after it:
 * each lookup costs the shared ~20 requests/s budget, and a create holds an in-flight slot until seen finished. Too
 * early (still IN_PROGRESS) waits longer next time; a hit shortens it. Each step is taken from the delay that lookup
 * used, so operations started together (a burst) move it one step, not one step each.
 */
export function createFirstPollDelay(options: { initialMs: number; minMs: number; maxMs: number }) {
  let current = options.initialMs;
  return {
    get ms() {
      return Math.round(current);
    },
    observe(firstLookupWasFinal: boolean, usedMs: number = current) {
      current = firstLookupWasFinal
        ? Math.max(options.minMs, Math.min(current, usedMs * 0.95))
        : Math.min(options.maxMs, Math.max(current, usedMs * 1.25));
    },
  };
}
export type FirstPollDelay = ReturnType<typeof createFirstPollDelay>;
