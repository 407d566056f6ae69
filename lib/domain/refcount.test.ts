import { describe, expect, it } from "vitest";
import {
  decideOnGrantEnd,
  decideOnGrantStart,
  shouldDeleteOnGrantEnd,
  type GrantEndDecision,
  type TupleGrant,
} from "./refcount";
import { GRANT_STATUSES, type GrantStatus } from "./request-lifecycle";

const now = new Date("2030-01-15T10:00:00.000Z");
const at = (minutes: number) => new Date(now.getTime() + minutes * 60_000);
const grant = (id: string, status: GrantStatus, startsAt = at(-60), endsAt = at(60)): TupleGrant => ({
  id,
  status,
  startsAt,
  endsAt,
});

describe("decideOnGrantStart", () => {
  it.each([
    [false, "create"],
    [true, "wait-for-removal"],
  ] as const)("removal in flight: %s → %s", (tupleHasRemovalInFlight, expected) => {
    expect(decideOnGrantStart({ tupleHasRemovalInFlight })).toBe(expected);
  });
});

describe("decideOnGrantEnd", () => {
  it.each<[string, boolean, TupleGrant[], GrantEndDecision]>([
    ["the only grant ends: delete", false, [], { action: "delete", reason: "no-other-holder" }],
    [
      "a standing assignment is never deleted",
      true,
      [],
      { action: "keep", reason: "standing-assignment", coveringGrantIds: [] },
    ],
    [
      "standing wins even when nothing else holds the tuple",
      true,
      [grant("g2", "REMOVED")],
      { action: "keep", reason: "standing-assignment", coveringGrantIds: [] },
    ],
    [
      "another active grant keeps it",
      false,
      [grant("g2", "ACTIVE")],
      { action: "keep", reason: "covered-by-active-grant", coveringGrantIds: ["g2"] },
    ],
    [
      "overlapping active grants are all listed",
      false,
      [grant("g2", "ACTIVE"), grant("g3", "ACTIVE", at(-5), at(300))],
      { action: "keep", reason: "covered-by-active-grant", coveringGrantIds: ["g2", "g3"] },
    ],
    [
      "an active grant past its own end still covers: its own removal will delete",
      false,
      [grant("g2", "ACTIVE", at(-120), at(-1))],
      { action: "keep", reason: "covered-by-active-grant", coveringGrantIds: ["g2"] },
    ],
    ["a failed grant does not count", false, [grant("g2", "FAILED")], { action: "delete", reason: "no-other-holder" }],
    [
      "a cancelled grant does not count",
      false,
      [grant("g2", "CANCELLED")],
      { action: "delete", reason: "no-other-holder" },
    ],
    [
      "a removed grant does not count",
      false,
      [grant("g2", "REMOVED")],
      { action: "delete", reason: "no-other-holder" },
    ],
    [
      "a grant already removing does not count (both deletes are idempotent)",
      false,
      [grant("g2", "REMOVING")],
      { action: "delete", reason: "no-other-holder" },
    ],
    [
      "a grant whose removal failed does not count",
      false,
      [grant("g2", "REMOVAL_FAILED")],
      { action: "delete", reason: "no-other-holder" },
    ],
    [
      "a provisioning grant does not take over: it may still fail and never remove",
      false,
      [grant("g2", "PROVISIONING")],
      { action: "delete", reason: "no-other-holder" },
    ],
    [
      "a scheduled grant overlapping now does not take over: it may be cancelled and never remove",
      false,
      [grant("g2", "SCHEDULED", at(-1), at(60))],
      { action: "delete", reason: "no-other-holder" },
    ],
    [
      "a future scheduled grant does not count",
      false,
      [grant("g2", "SCHEDULED", at(60), at(120))],
      { action: "delete", reason: "no-other-holder" },
    ],
    [
      "the ending grant itself, if passed in, never covers for itself",
      false,
      [grant("g1", "ACTIVE")],
      { action: "delete", reason: "no-other-holder" },
    ],
    [
      "a mix: only the active one covers",
      false,
      [grant("g2", "FAILED"), grant("g3", "PROVISIONING"), grant("g4", "ACTIVE"), grant("g5", "REMOVED")],
      { action: "keep", reason: "covered-by-active-grant", coveringGrantIds: ["g4"] },
    ],
  ])("%s", (_label, tupleIsStanding, otherGrants, expected) => {
    expect(decideOnGrantEnd({ endingGrantId: "g1", tupleIsStanding, otherGrants, now })).toEqual(expected);
  });

  it("only ACTIVE among all statuses keeps a non-standing assignment", () => {
    for (const status of GRANT_STATUSES) {
      expect(
        shouldDeleteOnGrantEnd({
          endingGrantId: "g1",
          tupleIsStanding: false,
          otherGrants: [grant("g2", status)],
          now,
        }),
        status,
      ).toBe(status !== "ACTIVE");
      expect(
        shouldDeleteOnGrantEnd({ endingGrantId: "g1", tupleIsStanding: true, otherGrants: [grant("g2", status)], now }),
        `standing ${status}`,
      ).toBe(false);
    }
  });

  it("two overlapping grants ending one after the other delete exactly once, at the last", () => {
    // g1 ends first while g2 is active: kept, g1 becomes REMOVED; then g2 ends and sees g1 REMOVED: delete.
    const first = decideOnGrantEnd({
      endingGrantId: "g1",
      tupleIsStanding: false,
      otherGrants: [grant("g2", "ACTIVE")],
      now,
    });
    const second = decideOnGrantEnd({
      endingGrantId: "g2",
      tupleIsStanding: false,
      otherGrants: [grant("g1", "REMOVED")],
      now: at(30),
    });
    expect([first.action, second.action]).toEqual(["keep", "delete"]);
  });
});
