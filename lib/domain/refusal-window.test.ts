import { describe, expect, it } from "vitest";
import {
  isAuditedRefusal,
  planRefusal,
  summarizeWindow,
  windowIsOpen,
  type RefusalWindowState,
} from "./refusal-window";

const t0 = new Date("2030-01-15T10:00:00.000Z");
const at = (ms: number) => new Date(t0.getTime() + ms);
const refusal = (ms: number, target: string | null = "req-1") => ({
  at: at(ms),
  target,
  code: "FORBIDDEN",
  reason: "Your role does not allow this.",
});
const open = (count: number, change: Partial<RefusalWindowState> = {}): RefusalWindowState => ({
  windowStart: t0,
  count,
  firstTarget: "req-0",
  lastTarget: "req-0",
  lastCode: "NOT_FOUND",
  lastReason: "gone",
  ...change,
});

describe("planRefusal", () => {
  it.each<
    [
      string,
      RefusalWindowState | null,
      number,
      { recordNow: boolean; count: number; windowStart: Date; summaryCount: number | null },
    ]
  >([
    [
      "the first refusal ever is recorded at once",
      null,
      0,
      { recordNow: true, count: 1, windowStart: t0, summaryCount: null },
    ],
    [
      "a second refusal in the minute only counts",
      open(1),
      1_000,
      { recordNow: false, count: 2, windowStart: t0, summaryCount: null },
    ],
    [
      "the last millisecond of the window still counts",
      open(7),
      59_999,
      { recordNow: false, count: 8, windowStart: t0, summaryCount: null },
    ],
    [
      "exactly one minute later opens a new window and summarizes the old",
      open(7),
      60_000,
      { recordNow: true, count: 1, windowStart: at(60_000), summaryCount: 7 },
    ],
    [
      "a new window after a lone refusal writes no summary",
      open(1),
      3_600_000,
      { recordNow: true, count: 1, windowStart: at(3_600_000), summaryCount: null },
    ],
    [
      "a refusal stamped just before the window start (raced to the lock) joins it and moves the start back",
      open(3, { windowStart: at(10) }),
      0,
      { recordNow: false, count: 4, windowStart: t0, summaryCount: null },
    ],
  ])("%s", (_label, current, ms, expected) => {
    const plan = planRefusal(current, refusal(ms, "req-9"));
    expect({
      recordNow: plan.recordNow,
      count: plan.window.count,
      windowStart: plan.window.windowStart,
      summaryCount: plan.summary?.count ?? null,
    }).toEqual(expected);
  });

  it("remembers the first and the latest target and reason of a window", () => {
    const first = planRefusal(null, refusal(0, "req-a")).window;
    const second = planRefusal(first, {
      at: at(5),
      target: "req-b",
      code: "NOT_FOUND",
      reason: "That request does not exist.",
    }).window;
    expect(second).toMatchObject({
      firstTarget: "req-a",
      lastTarget: "req-b",
      lastCode: "NOT_FOUND",
      lastReason: "That request does not exist.",
      count: 2,
    });
  });

  it("50 refusals in a minute: one immediate record, then one summary counting all 50", () => {
    let window: RefusalWindowState | null = null;
    let recorded = 0;
    for (let i = 0; i < 50; i++) {
      const plan = planRefusal(window, refusal(i * 1000));
      window = plan.window;
      if (plan.recordNow) recorded++;
      expect(plan.summary).toBeNull();
    }
    expect(recorded).toBe(1);
    const next = planRefusal(window, refusal(61_000));
    expect(next.summary).toMatchObject({ count: 50, windowStart: t0, windowEnd: at(60_000) });
  });
});

describe("weighted refusals (a burst folded in memory before it is recorded)", () => {
  const at = new Date("2026-01-01T10:00:00Z");
  const refusal = { target: null, code: "FORBIDDEN", reason: "cross-site" };
  it("opens a window counting the whole burst and records its first refusal at once", () => {
    const plan = planRefusal(null, { ...refusal, at, weight: 7 });
    expect(plan.recordNow).toBe(true);
    expect(plan.window.count).toBe(7);
  });
  it("adds the whole burst to an open window without recording again", () => {
    const open = planRefusal(null, { ...refusal, at }).window;
    const plan = planRefusal(open, { ...refusal, at: new Date(at.getTime() + 1_000), weight: 5 });
    expect(plan.recordNow).toBe(false);
    expect(plan.window.count).toBe(6);
  });
});

describe("summarizeWindow and windowIsOpen", () => {
  it.each([
    [0, null],
    [1, null],
    [2, 2],
    [50, 50],
  ])("a window of %i refusals summarizes as %j", (count, expected) => {
    expect(summarizeWindow(open(count))?.count ?? null).toBe(expected);
  });
  it.each([
    [-1, true],
    [0, true],
    [59_999, true],
    [60_000, false],
  ])("%i ms after the start the window is open: %s", (ms, expected) => {
    expect(windowIsOpen(open(1), at(ms))).toBe(expected);
  });
});

describe("isAuditedRefusal", () => {
  it.each([
    ["UNAUTHENTICATED", true],
    ["FORBIDDEN", true],
    ["NOT_FOUND", true],
    ["INVALID_TRANSITION", true],
    ["CONFLICT", true],
    ["SELF_APPROVAL", true],
    ["POLICY_DENIED", true],
    ["VALIDATION", false],
    ["RATE_LIMITED", false],
    ["UPSTREAM", false],
    ["INTERNAL", false],
  ])("%s: %s", (code, expected) => {
    expect(isAuditedRefusal(code)).toBe(expected);
  });
});
