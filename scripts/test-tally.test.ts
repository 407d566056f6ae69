import { describe, expect, it } from "vitest";
import { tally, type StepOutcome } from "./test-tally";

const step = (
  name: string,
  ok: boolean,
  counts: StepOutcome["counts"] = null,
  reportsCounts = counts !== null,
): StepOutcome => ({ name, ok, reportsCounts, counts });

describe("tally", () => {
  it("adds up the runners' counts when every step passed", () => {
    expect(
      tally([
        step("lint", true),
        step("vitest", true, { passed: 900, failed: 0, skipped: 0 }),
        step("playwright", true, { passed: 20, failed: 0, skipped: 1 }),
      ]),
    ).toEqual({ passed: 920, failed: 0, skipped: 1 });
  });

  it("counts a failed step without counts (lint, typecheck, chaos, build) as a failure", () => {
    // The run that printed "920 passed, 0 failed" beside a FAIL.
    const steps = [
      step("lint", true),
      step("vitest", true, { passed: 900, failed: 0, skipped: 0 }),
      step("chaos (quick)", false),
      step("playwright", true, { passed: 20, failed: 0, skipped: 0 }),
    ];
    expect(tally(steps)).toEqual({ passed: 920, failed: 1, skipped: 0 });
    expect(tally([step("typecheck", false), step("build (e2e)", false)]).failed).toBe(2);
  });

  it("counts a runner that failed with all its tests passing (crash, unhandled error) as a failure", () => {
    expect(tally([step("vitest", false, { passed: 900, failed: 0, skipped: 0 })])).toEqual({
      passed: 900,
      failed: 1,
      skipped: 0,
    });
  });

  it("keeps a runner's own failure count when it has one", () => {
    expect(tally([step("vitest", false, { passed: 897, failed: 3, skipped: 0 })]).failed).toBe(3);
  });

  it("counts a runner that left no report as a failure, even if it exited 0", () => {
    expect(tally([step("playwright", true, null, true)]).failed).toBe(1);
    expect(tally([step("playwright", false, null, true)]).failed).toBe(1);
  });
});
