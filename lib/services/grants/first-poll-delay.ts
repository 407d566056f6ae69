/**
 * Learns how long AWS usually takes to finish an assignment operation, so the first status lookup lands just after it:
 * each lookup costs the shared ~20 requests/s budget. Too early (still IN_PROGRESS) waits longer next time; a hit shortens it.
 */
export function createFirstPollDelay(options: { initialMs: number; minMs: number; maxMs: number }) {
  let current = options.initialMs;
  return {
    get ms() {
      return Math.round(current);
    },
    observe(firstLookupWasFinal: boolean) {
      current = firstLookupWasFinal ? Math.max(options.minMs, current * 0.95) : Math.min(options.maxMs, current * 1.25);
    },
  };
}
export type FirstPollDelay = ReturnType<typeof createFirstPollDelay>;
