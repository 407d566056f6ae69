import { describe, expect, it } from "vitest";
import {
  endingNoticeAt,
  endingNoticeMinutes,
  escalationAt,
  eventMatchesFilter,
  NOTIFICATION_EVENTS,
  planRetry,
  reminderAt,
  stillRelevant,
  type NotificationEventType,
} from "./notifications";

const t = (iso: string) => new Date(iso);
const settings = { baseMs: 5_000, windowMs: 86_400_000, maxAttempts: 12 };
const created = t("2026-12-05T10:00:00Z");

describe("planRetry", () => {
  const cases: [string, Parameters<typeof planRetry>[0], number, string, number | null][] = [
    // name, failure, attempts so far, expected action, expected delay (ms, with random 0.5 => factor 1.0)
    ["first transient failure waits the base", { kind: "transient", error: "HTTP 500" }, 1, "retry", 5_000],
    ["second waits ×4", { kind: "transient", error: "HTTP 500" }, 2, "retry", 20_000],
    ["third waits ×16", { kind: "transient", error: "timeout" }, 3, "retry", 80_000],
    ["backoff is capped at an hour", { kind: "transient", error: "x" }, 11, "retry", 3_600_000],
    ["out of attempts", { kind: "transient", error: "HTTP 502" }, 12, "dead", null],
    ["permanent goes straight to the dead letters", { kind: "permanent", error: "410 Gone" }, 1, "dead", null],
    ["throttled waits what the channel asked", { kind: "throttled", retryAfterMs: 30_000 }, 12, "retry", 30_000],
    ["throttled with a negative wait retries now", { kind: "throttled", retryAfterMs: -5 }, 1, "retry", 0],
  ];
  it.each(cases)("%s", (_name, failure, attempts, action, delay) => {
    const now = t("2026-12-05T10:00:10Z");
    const plan = planRetry(failure, { attempts, createdAt: created }, now, settings, () => 0.5);
    expect(plan.action).toBe(action);
    if (plan.action === "retry") expect(plan.at.getTime() - now.getTime()).toBe(delay);
  });

  it("throttling does not count as an attempt, failures do", () => {
    const now = t("2026-12-05T10:00:10Z");
    expect(
      planRetry({ kind: "throttled", retryAfterMs: 1 }, { attempts: 1, createdAt: created }, now, settings),
    ).toMatchObject({ countsAsAttempt: false });
    expect(
      planRetry({ kind: "transient", error: "x" }, { attempts: 1, createdAt: created }, now, settings),
    ).toMatchObject({ countsAsAttempt: true });
  });

  it("nothing is retried past the window, throttled or not", () => {
    const late = t("2026-12-06T09:59:59Z");
    expect(
      planRetry({ kind: "transient", error: "x" }, { attempts: 2, createdAt: created }, late, settings, () => 0.5)
        .action,
    ).toBe("dead");
    expect(
      planRetry({ kind: "throttled", retryAfterMs: 5_000 }, { attempts: 2, createdAt: created }, late, settings).action,
    ).toBe("dead");
  });

  it("jitter stays within ±20%", () => {
    const now = t("2026-12-05T10:00:10Z");
    for (const r of [0, 0.25, 0.999]) {
      const plan = planRetry(
        { kind: "transient", error: "x" },
        { attempts: 1, createdAt: created },
        now,
        settings,
        () => r,
      );
      const delay = plan.action === "retry" ? plan.at.getTime() - now.getTime() : -1;
      expect(delay).toBeGreaterThanOrEqual(4_000);
      expect(delay).toBeLessThanOrEqual(6_000);
    }
  });
});

describe("scheduling", () => {
  it("reminds at half the approval window and escalates at three quarters unless the rule says when", () => {
    expect(reminderAt(created, t("2026-12-05T12:00:00Z"))).toEqual(t("2026-12-05T11:00:00Z"));
    expect(escalationAt(created, t("2026-12-05T12:00:00Z"))).toEqual(t("2026-12-05T11:30:00Z"));
    expect(escalationAt(created, t("2026-12-05T12:00:00Z"), 20)).toEqual(t("2026-12-05T10:20:00Z"));
  });

  it.each([
    ["an hour's access is told 10 minutes before", "10:00", "11:00", 10, "10:50"],
    ["a 10-minute window gets no ending notice (the active notice says the end)", "10:00", "10:10", 10, null],
    ["a 5-minute window with a 10-minute notice gets none", "10:00", "10:05", 10, null],
    ["an 11-minute window is told at its first minute", "10:00", "10:11", 10, "10:01"],
  ])("%s", (_name, start, end, minutes, expected) => {
    const at = endingNoticeAt(t(`2026-12-05T${start}:00Z`), t(`2026-12-05T${end}:00Z`), minutes as number);
    expect(at).toEqual(expected === null ? null : t(`2026-12-05T${expected}:00Z`));
  });

  it("the earliest notice any matched rule asks for wins; no rule means the default of 10", () => {
    expect(endingNoticeMinutes([{ notify: { endingNoticeMinutes: 5 } }, { notify: { endingNoticeMinutes: 30 } }])).toBe(
      30,
    );
    expect(endingNoticeMinutes([])).toBe(10);
    expect(endingNoticeMinutes([{}])).toBe(10);
  });
});

describe("stillRelevant", () => {
  const endsAt = t("2026-12-05T11:00:00Z");
  const state = (status: string, end = endsAt) => ({ status, endsAt: end, escalatedAt: null });
  it.each([
    ["reminder while pending", "approval.reminder", {}, state("PENDING"), true],
    ["reminder after approval", "approval.reminder", {}, state("APPROVED"), false],
    ["reminder for a vanished request", "approval.reminder", {}, null, false],
    ["escalation notice after denial", "approval.escalated", {}, state("DENIED"), false],
    [
      "ending notice while active with the same end",
      "access.ending",
      { endsAt: endsAt.toISOString() },
      state("ACTIVE"),
      true,
    ],
    [
      "ending notice after an extension moved the end",
      "access.ending",
      { endsAt: endsAt.toISOString() },
      state("ACTIVE", t("2026-12-05T12:00:00Z")),
      false,
    ],
    ["ending notice after release", "access.ending", { endsAt: endsAt.toISOString() }, state("COMPLETED"), false],
    ["ending notice without an announced end", "access.ending", {}, state("ACTIVE"), false],
    ["an immediate event is always relevant", "request.denied", {}, null, true],
  ] as const)("%s", (_name, type, announced, current, expected) => {
    expect(stillRelevant(type as NotificationEventType, announced, current)).toBe(expected);
  });
});

describe("webhook filters", () => {
  it.each([
    ["request.denied", ["*"], true],
    ["request.denied", ["request.*"], true],
    ["request.denied", ["request.approved"], false],
    ["access.ended", ["request.*"], false],
    ["access.ended", ["access.ended"], true],
    ["request.updated", ["*"], false],
    ["requester.x" as never, ["request.*"], false],
  ] as const)("%s with %j: %s", (type, filters, expected) => {
    if (!(type in NOTIFICATION_EVENTS)) return expect(expected).toBe(false);
    expect(eventMatchesFilter(type as NotificationEventType, filters)).toBe(expected);
  });

  it("a family filter does not match a longer family name", () => {
    expect(eventMatchesFilter("request.denied", ["req.*"])).toBe(false);
  });
});
