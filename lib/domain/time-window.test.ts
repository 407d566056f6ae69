import { describe, expect, it } from "vitest";
import {
  checkDuration,
  formatMinutes,
  MAX_DURATION_MINUTES,
  minutesUntil,
  pendingApprovalExpiresAt,
  resolveExtension,
  resolveWindow,
  sessionOutlivesGrant,
  type WindowInput,
} from "./time-window";

const now = new Date("2030-01-15T10:00:00.000Z");
const minutes = (n: number) => new Date(now.getTime() + n * 60_000);

describe("resolveWindow", () => {
  const base: WindowInput = { now, startMode: "now", durationMinutes: 60, maxDurationMinutes: 240 };

  it.each<[string, Partial<WindowInput>, { startsAt: Date; endsAt: Date }]>([
    ["start now: end = now + duration", {}, { startsAt: now, endsAt: minutes(60) }],
    ["start now ignores a smuggled startsAt", { startsAt: minutes(-600) }, { startsAt: now, endsAt: minutes(60) }],
    [
      "scheduled in an hour",
      { startMode: "scheduled", startsAt: minutes(60) },
      { startsAt: minutes(60), endsAt: minutes(120) },
    ],
    [
      "scheduled exactly a minute ago (clock skew) reads as now",
      { startMode: "scheduled", startsAt: minutes(-1) },
      { startsAt: now, endsAt: minutes(60) },
    ],
    [
      "scheduled exactly 30 days ahead",
      { startMode: "scheduled", startsAt: minutes(30 * 24 * 60) },
      { startsAt: minutes(30 * 24 * 60), endsAt: minutes(30 * 24 * 60 + 60) },
    ],
    ["duration exactly at the policy maximum", { durationMinutes: 240 }, { startsAt: now, endsAt: minutes(240) }],
    ["duration exactly at the minimum", { durationMinutes: 1 }, { startsAt: now, endsAt: minutes(1) }],
  ])("accepts: %s", (_label, change, expected) => {
    expect(resolveWindow({ ...base, ...change })).toEqual({ ok: true, ...expected });
  });

  it.each<[string, Partial<WindowInput>, string, string]>([
    ["one minute over the policy maximum", { durationMinutes: 241 }, "durationMinutes", "at most 4 h"],
    ["zero (below the minimum)", { durationMinutes: 0 }, "durationMinutes", "at least 1 minute."],
    ["negative", { durationMinutes: -60 }, "durationMinutes", "at least 1 minute"],
    ["fractional minutes", { durationMinutes: 30.5 }, "durationMinutes", "whole minutes"],
    ["NaN", { durationMinutes: Number.NaN }, "durationMinutes", "whole minutes"],
    ["Infinity", { durationMinutes: Number.POSITIVE_INFINITY }, "durationMinutes", "whole minutes"],
    ["a broken policy maximum is not unlimited", { maxDurationMinutes: Number.NaN }, "durationMinutes", "at most"],
    [
      "a huge policy maximum is capped at 30 days",
      { maxDurationMinutes: 10 ** 9, durationMinutes: MAX_DURATION_MINUTES + 1 },
      "durationMinutes",
      "at most 720 h",
    ],
    ["scheduled without a time", { startMode: "scheduled" }, "startsAt", "Pick a start time"],
    [
      "scheduled with an invalid date",
      { startMode: "scheduled", startsAt: new Date("nope") },
      "startsAt",
      "Pick a start time",
    ],
    [
      "scheduled in the past beyond the skew",
      { startMode: "scheduled", startsAt: minutes(-3) },
      "startsAt",
      "in the past",
    ],
    [
      "scheduled one second beyond the one-minute skew",
      { startMode: "scheduled", startsAt: new Date(now.getTime() - 61_000) },
      "startsAt",
      "in the past",
    ],
    [
      "scheduled more than 30 days ahead",
      { startMode: "scheduled", startsAt: minutes(30 * 24 * 60 + 1) },
      "startsAt",
      "30 days",
    ],
    ["an unknown start mode", { startMode: "yesterday" as "now" }, "startMode", "Start now"],
  ])("rejects: %s", (_label, change, field, message) => {
    const result = resolveWindow({ ...base, ...change });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.fieldErrors[field]?.join(" ")).toContain(message);
  });

  it("reports duration and start problems together", () => {
    const result = resolveWindow({ ...base, startMode: "scheduled", startsAt: minutes(-60), durationMinutes: 0 });
    expect(result.ok ? null : Object.keys(result.fieldErrors).sort()).toEqual(["durationMinutes", "startsAt"]);
  });
});

describe("checkDuration", () => {
  it.each([
    [0, 60, "Ask for at least 1 minute."],
    [1, 60, null],
    [5, 60, null],
    [60, 60, null],
    [61, 60, "The policy allows at most 1 h for this access."],
    [90, 100, null],
    [101, 100, "The policy allows at most 1 h 40 min for this access."],
  ])("%i min under a %i min maximum", (duration, max, expected) => {
    expect(checkDuration(duration, max)).toBe(expected);
  });
});

describe("resolveExtension", () => {
  const base = { now, startsAt: minutes(-30), currentEndsAt: minutes(30), maxDurationMinutes: 240 };

  it.each([
    ["a simple extension", 60, minutes(90)],
    ["up to exactly the policy maximum in total", 180, minutes(210)],
  ])("accepts %s", (_label, extraMinutes, endsAt) => {
    expect(resolveExtension({ ...base, extraMinutes })).toEqual({ ok: true, endsAt });
  });

  it.each<[string, Partial<Parameters<typeof resolveExtension>[0]>, string]>([
    ["one minute over the total maximum", { extraMinutes: 181 }, "extend by 180 minutes or less"],
    ["already at the maximum", { maxDurationMinutes: 60, extraMinutes: 5 }, "already has the 1 h"],
    ["zero", { extraMinutes: 0 }, "at least 5"],
    ["negative (would move the end earlier)", { extraMinutes: -30 }, "at least 5"],
    ["fractional", { extraMinutes: 7.5 }, "whole minutes"],
    ["NaN", { extraMinutes: Number.NaN }, "whole minutes"],
    ["the access already ended", { currentEndsAt: minutes(0), extraMinutes: 30 }, "already ended"],
    [
      "a window that ends before it starts",
      { startsAt: minutes(60), currentEndsAt: minutes(30), extraMinutes: 30 },
      "no valid window",
    ],
    ["a broken policy maximum is not unlimited", { maxDurationMinutes: Number.NaN, extraMinutes: 30 }, "already has"],
  ])("rejects %s", (_label, change, message) => {
    const result = resolveExtension({ ...base, extraMinutes: 30, ...change });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.fieldErrors.extraMinutes?.join(" ")).toContain(message);
  });

  it("the new end is always after the current end", () => {
    for (const extraMinutes of [5, 6, 59, 180]) {
      const result = resolveExtension({ ...base, extraMinutes });
      expect(result.ok && result.endsAt > base.currentEndsAt).toBe(true);
    }
  });
});

describe("pendingApprovalExpiresAt", () => {
  const day = 24 * 60;
  it.each<[string, { startedImmediately: boolean; startsAt: Date; approvalWindowMinutes: number }, Date]>([
    [
      "a 1-minute start-now request still waits the whole day (its window begins at approval)",
      { startedImmediately: true, startsAt: now, approvalWindowMinutes: day },
      minutes(day),
    ],
    [
      "a start-now request under a rule's short window",
      { startedImmediately: true, startsAt: now, approvalWindowMinutes: 30 },
      minutes(30),
    ],
    [
      "a scheduled request expires at its start when that comes first",
      { startedImmediately: false, startsAt: minutes(90), approvalWindowMinutes: day },
      minutes(90),
    ],
    [
      "a scheduled request far ahead expires after the window",
      { startedImmediately: false, startsAt: minutes(3 * day), approvalWindowMinutes: day },
      minutes(day),
    ],
    [
      "a scheduled start that is now leaves no time to approve",
      { startedImmediately: false, startsAt: now, approvalWindowMinutes: day },
      now,
    ],
    ["a negative window is no window", { startedImmediately: true, startsAt: now, approvalWindowMinutes: -5 }, now],
  ])("%s", (_label, input, expected) => {
    expect(pendingApprovalExpiresAt({ now, ...input })).toEqual(expected);
  });
});

describe("sessions that outlive the grant", () => {
  it.each([
    [60, 120, false],
    [60, 60, false],
    [60, 59, true],
    [720, 30, true],
  ])("a %i min session with %i min left → %s", (session, remaining, outlives) => {
    expect(sessionOutlivesGrant(session, remaining)).toBe(outlives);
  });

  it("counts whole minutes left and never goes negative", () => {
    expect(minutesUntil(new Date(now.getTime() + 90_500), now)).toBe(1);
    expect(minutesUntil(minutes(-5), now)).toBe(0);
  });

  it.each([
    [5, "5 min"],
    [60, "1 h"],
    [90, "1 h 30 min"],
  ])("formats %i minutes as %s", (value, text) => {
    expect(formatMinutes(value)).toBe(text);
  });
});
