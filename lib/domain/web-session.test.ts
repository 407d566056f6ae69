import { describe, expect, it } from "vitest";
import { WEB_SESSION_MAX_AGE_MINUTES } from "./device-sign-in";
import { checkWebSession, WEB_SESSION_UPDATE_AGE_MINUTES } from "./web-session";

const now = new Date("2026-03-02T10:00:00Z");
const minutes = (n: number) => new Date(now.getTime() + n * 60_000);
const full = WEB_SESSION_MAX_AGE_MINUTES;
const update = WEB_SESSION_UPDATE_AGE_MINUTES;

describe("checkWebSession", () => {
  it.each([
    ["a session that ended a minute ago", minutes(-1), { kind: "expired" }],
    ["a session that ends exactly now", minutes(0), { kind: "expired" }],
    ["a session renewed just now", minutes(full), { kind: "valid", renewTo: null }],
    [
      "a session renewed a minute short of the update interval",
      minutes(full - update + 1),
      { kind: "valid", renewTo: null },
    ],
    [
      "a session renewed exactly one update interval ago",
      minutes(full - update),
      { kind: "valid", renewTo: minutes(full) },
    ],
    ["a session about to end", minutes(1), { kind: "valid", renewTo: minutes(full) }],
    // A row written with a longer lifetime than today's (a setting was lowered) is left alone until it is due.
    ["a session from a longer lifetime", minutes(full + 60), { kind: "valid", renewTo: null }],
  ])("%s", (_name, expires, expected) => {
    expect(checkWebSession(expires, now)).toEqual(expected);
  });
});
