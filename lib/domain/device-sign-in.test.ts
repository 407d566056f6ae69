import { describe, expect, it } from "vitest";
import {
  answerPoll,
  apiTokenExpiresAt,
  apiTokenUsable,
  displayUserCode,
  normalizeUserCode,
  USER_CODE_ALPHABET,
  userCodeFromBytes,
  WEB_SESSION_MAX_AGE_MINUTES,
} from "./device-sign-in";

const now = new Date("2030-01-01T10:00:00Z");
const later = (s: number) => new Date(now.getTime() + s * 1000);

describe("user codes", () => {
  it.each([
    ["bcdf-ghjk", "BCDFGHJK"],
    [" BCDF GHJK ", "BCDFGHJK"],
    ["BCDFGHJK", "BCDFGHJK"],
    ["BCDF-GHJ", null],
    ["BCDF-GHJKL", null],
    ["ABCD-EFGH", null], // vowels are never issued
    ["BCDF-GHJ0", null],
    ["ＢＣＤＦ-ＧＨＪＫ", null], // full-width look-alikes
    ["BCDF\u200bGHJK", null],
    ["", null],
  ])("normalizes %j to %j", (typed, expected) => {
    expect(normalizeUserCode(typed)).toBe(expected);
  });

  it("draws only alphabet letters, skipping biased bytes, and shows them as ABCD-EFGH", () => {
    const code = userCodeFromBytes(Uint8Array.from([240, 255, 0, 1, 2, 3, 4, 5, 6, 19, 20]));
    expect(code).toBe("BCDFGHJZ");
    expect([...code!].every((c) => USER_CODE_ALPHABET.includes(c))).toBe(true);
    expect(displayUserCode(code!)).toBe("BCDF-GHJZ");
    expect(userCodeFromBytes(Uint8Array.from([250, 251, 1]))).toBeNull();
  });
});

describe("answerPoll (RFC 8628 section 3.5)", () => {
  const base = { status: "PENDING" as const, expiresAt: later(600), lastPolledAt: null };
  it.each([
    ["unknown code", null, "invalid_grant"],
    ["already used", { ...base, status: "CONSUMED" as const }, "invalid_grant"],
    ["denied", { ...base, status: "DENIED" as const }, "access_denied"],
    ["denied and expired", { ...base, status: "DENIED" as const, expiresAt: later(-1) }, "access_denied"],
    ["expired pending", { ...base, expiresAt: now }, "expired_token"],
    ["approved but expired", { ...base, status: "APPROVED" as const, expiresAt: later(-1) }, "expired_token"],
    ["approved", { ...base, status: "APPROVED" as const }, "issue"],
    ["first poll", base, "authorization_pending"],
    ["polled 5 s ago", { ...base, lastPolledAt: later(-5) }, "authorization_pending"],
    ["polled 4 s ago (timer slack)", { ...base, lastPolledAt: later(-4) }, "authorization_pending"],
    ["polled 1 s ago", { ...base, lastPolledAt: later(-1) }, "slow_down"],
    ["approved, polled too fast", { ...base, status: "APPROVED" as const, lastPolledAt: later(-1) }, "issue"],
  ] as const)("%s → %s", (_name, authorization, answer) => {
    expect(answerPoll(authorization, now)).toBe(answer);
  });
});

describe("API token lifetime", () => {
  it.each([
    [60, 60],
    [480, 480],
    [10_000, WEB_SESSION_MAX_AGE_MINUTES],
    [0, 1],
  ])("a setting of %i minutes gives a token of %i minutes", (setting, minutes) => {
    expect(apiTokenExpiresAt(now, setting).getTime() - now.getTime()).toBe(minutes * 60_000);
  });

  it.each([
    [{ revokedAt: null, expiresAt: later(1) }, true],
    [{ revokedAt: null, expiresAt: now }, false],
    [{ revokedAt: later(-10), expiresAt: later(100) }, false],
  ])("usable(%o) is %s", (token, usable) => {
    expect(apiTokenUsable(token, now)).toBe(usable);
  });
});
