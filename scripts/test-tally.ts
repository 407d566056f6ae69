// The closing `tests: N passed, N failed` line of `npm test`: pure, so a failed step can never read as all passing.

export interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

export interface StepOutcome {
  name: string;
  ok: boolean;
  /** Whether the step is a test runner that reports counts (vitest, Playwright). */
  reportsCounts: boolean;
  /** What its report said; null when it left none. */
  counts: Counts | null;
}

/** A failed step counts at least one failure: lint, typecheck or chaos have no counts, and a runner can fail beside its tests (a crash, an unhandled error, no report). */
export function tally(steps: readonly StepOutcome[]): Counts {
  const totals: Counts = { passed: 0, failed: 0, skipped: 0 };
  for (const step of steps) {
    const counts = step.reportsCounts ? step.counts : null;
    totals.passed += counts?.passed ?? 0;
    totals.skipped += counts?.skipped ?? 0;
    const failed = counts?.failed ?? (step.reportsCounts ? 1 : 0);
    totals.failed += step.ok ? failed : Math.max(1, failed);
  }
  return totals;
}
