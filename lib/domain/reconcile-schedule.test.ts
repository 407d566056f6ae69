import { describe, expect, it } from "vitest";
import { driftDetectionBoundMs, schedulePairListings, type ListingReason } from "./reconcile-schedule";

const MIN = 60_000;
const now = new Date("2026-12-05T12:00:00Z");
const ago = (minutes: number) => new Date(now.getTime() - minutes * MIN);

interface Case {
  name: string;
  listed?: number;
  write?: number;
  unsettled?: boolean;
  sweepMinutes?: number;
  expected: ListingReason | null;
}

const CASES: Case[] = [
  { name: "a pair never listed is listed", expected: "never-listed" },
  { name: "a pair never listed is listed even with a write", write: 1, expected: "never-listed" },
  { name: "a recent listing, untouched since, is skipped", listed: 5, expected: null },
  { name: "a listing exactly one sweep old is repeated", listed: 30, expected: "sweep" },
  { name: "a listing a minute short of the sweep is skipped", listed: 29, expected: null },
  { name: "a write after the listing lists the pair", listed: 5, write: 2, expected: "portal-write" },
  {
    name: "a write within the grace before the listing lists the pair",
    listed: 5,
    write: 5.5,
    expected: "portal-write",
  },
  { name: "a write well before the listing does not", listed: 5, write: 7, expected: null },
  {
    name: "an open finding or an operation in flight lists the pair",
    listed: 1,
    unsettled: true,
    expected: "unsettled",
  },
  { name: "a sweep interval of 0 lists every pair every cycle", listed: 0, sweepMinutes: 0, expected: "sweep" },
];

describe("schedulePairListings", () => {
  it.each(CASES)("$name", ({ listed, write, unsettled, sweepMinutes = 30, expected }) => {
    const schedule = schedulePairListings({
      pairs: ["p"],
      lastListed: new Map(listed === undefined ? [] : [["p", ago(listed)]]),
      lastWrite: new Map(write === undefined ? [] : [["p", ago(write)]]),
      unsettled: new Set(unsettled ? ["p"] : []),
      now,
      sweepEveryMs: sweepMinutes * MIN,
      graceMs: MIN,
    });
    expect(schedule.list.get("p") ?? null).toBe(expected);
    expect(schedule.skipped).toBe(expected ? 0 : 1);
  });

  it("a pair skipped every cycle is still listed within the bound", () => {
    const sweep = 30 * MIN;
    const cycle = 5 * MIN;
    const listedAt = ago(0);
    let listedAgain: number | null = null;
    for (let t = 0; t <= 60 * MIN && listedAgain === null; t += cycle) {
      const schedule = schedulePairListings({
        pairs: ["p"],
        lastListed: new Map([["p", listedAt]]),
        lastWrite: new Map(),
        unsettled: new Set(),
        now: new Date(listedAt.getTime() + t),
        sweepEveryMs: sweep,
        graceMs: MIN,
      });
      if (schedule.list.has("p")) listedAgain = t;
    }
    expect(listedAgain).not.toBeNull();
    expect(listedAgain!).toBeLessThanOrEqual(driftDetectionBoundMs(sweep, cycle));
  });
});
