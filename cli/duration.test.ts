import { describe, expect, it } from "vitest";
import { parseDuration, parseStart } from "./duration";

describe("parseDuration", () => {
  it.each([
    ["1h", 60],
    ["30m", 30],
    ["90m", 90],
    ["1h30m", 90],
    ["2h5m", 125],
    ["1H30M", 90],
    [" 45m ", 45],
    ["0h15m", 15],
    ["720h", 43_200],
  ])("reads %j as %i minutes", (text, minutes) => {
    expect(parseDuration(text)).toEqual({ ok: true, value: minutes });
  });

  it.each([
    ["", "not a duration"],
    ["h", "not a duration"],
    ["90", "not a duration"],
    ["1.5h", "not a duration"],
    ["-1h", "not a duration"],
    ["30m1h", "not a duration"],
    ["1h 30m", "not a duration"],
    ["1d", "not a duration"],
    ["0x10m", "not a duration"],
    ["1e1m", "not a duration"],
    ["１h", "not a duration"],
    ["0m", "at least one minute"],
    ["0h0m", "at least one minute"],
    ["721h", "at most 30 days"],
    ["99999h", "at most 30 days"],
  ])("refuses %j (%s)", (text, reason) => {
    const parsed = parseDuration(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toContain(reason);
  });
});

describe("parseStart", () => {
  const now = new Date("2026-12-05T10:00:00Z");

  it.each([
    ["+2h", "2026-12-05T12:00:00.000Z"],
    ["+1h30m", "2026-12-05T11:30:00.000Z"],
    ["2026-12-05T14:00Z", "2026-12-05T14:00:00.000Z"],
    ["2026-12-05T14:00:30+01:00", "2026-12-05T13:00:30.000Z"],
  ])("reads %j", (text, iso) => {
    const parsed = parseStart(text, now);
    expect(parsed.ok && parsed.value.toISOString()).toBe(iso);
  });

  it.each(["tomorrow", "14:00", "2026-12-05T14:00", "2026-12-05", "+", "+2", "2026-13-45T99:00Z"])(
    "refuses %j (no zone, no date or no duration)",
    (text) => {
      expect(parseStart(text, now).ok).toBe(false);
    },
  );
});
