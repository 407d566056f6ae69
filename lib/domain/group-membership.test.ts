import { describe, expect, it } from "vitest";
import {
  decideMembershipEnd,
  decideMembershipStart,
  planGroupReconcile,
  verifyMembershipCreated,
  verifyMembershipRemoved,
  type MembershipReading,
} from "./group-membership";

const member: MembershipReading = { kind: "member", membershipId: "m-1", inGroup: true };
const notMember: MembershipReading = { kind: "not-member" };
const groupMissing: MembershipReading = { kind: "group-missing" };
const now = new Date("2026-12-05T09:00:00Z");
const grant = (id: string, status: "ACTIVE" | "PROVISIONING" | "SCHEDULED" | "REMOVING") => ({
  id,
  status,
  startsAt: new Date(now.getTime() - 60_000),
  endsAt: new Date(now.getTime() + 60_000),
});

describe("decideMembershipStart", () => {
  it.each<[string, Parameters<typeof decideMembershipStart>[0], string]>([
    [
      "first use, not a member: create",
      { groupName: "g", firstReading: notMember, pairIsStanding: false, pairHasRemovalInFlight: false },
      "create",
    ],
    [
      "first use, already a member: standing, never created or removed",
      { groupName: "g", firstReading: member, pairIsStanding: false, pairHasRemovalInFlight: false },
      "record-standing",
    ],
    [
      "known standing pair: no create",
      { groupName: "g", firstReading: null, pairIsStanding: true, pairHasRemovalInFlight: true },
      "record-standing",
    ],
    [
      "known pair, another grant's removal in flight: wait (its delete could land after our create)",
      { groupName: "g", firstReading: null, pairIsStanding: false, pairHasRemovalInFlight: true },
      "wait-for-removal",
    ],
    [
      "known pair, another grant active: create again (idempotent)",
      { groupName: "g", firstReading: null, pairIsStanding: false, pairHasRemovalInFlight: false },
      "create",
    ],
    [
      "group deleted: fail with a reason",
      { groupName: "prod-db-admins", firstReading: groupMissing, pairIsStanding: false, pairHasRemovalInFlight: false },
      "fail",
    ],
  ])("%s", (_name, input, action) => {
    expect(decideMembershipStart(input).action).toBe(action);
  });

  it("names the deleted group in the failure reason", () => {
    expect(
      decideMembershipStart({
        groupName: "prod-db-admins",
        firstReading: groupMissing,
        pairIsStanding: false,
        pairHasRemovalInFlight: false,
      }),
    ).toEqual({
      action: "fail",
      reason: 'The Identity Center group "prod-db-admins" no longer exists, so the membership could not be granted.',
    });
  });
});

describe("verification", () => {
  it.each<[string, MembershipReading, string]>([
    ["id present and IsMemberInGroups true", member, "verified"],
    ["id present but IsMemberInGroups still false", { kind: "member", membershipId: "m-1", inGroup: false }, "not-yet"],
    ["an empty id", { kind: "member", membershipId: "", inGroup: true }, "not-yet"],
    ["no membership yet", notMember, "not-yet"],
    ["the group was deleted", groupMissing, "failed"],
  ])("after create: %s", (_name, reading, outcome) => {
    expect(verifyMembershipCreated("g", reading).outcome).toBe(outcome);
  });

  it.each<[string, MembershipReading, string]>([
    ["gone", notMember, "verified"],
    ["still listed", member, "not-yet"],
    ["still in the group by IsMemberInGroups", { kind: "member", membershipId: "m-1", inGroup: true }, "not-yet"],
    ["the group was deleted meanwhile (alert)", groupMissing, "failed"],
  ])("after delete: %s", (_name, reading, outcome) => {
    expect(verifyMembershipRemoved("g", reading).outcome).toBe(outcome);
  });
});

describe("decideMembershipEnd (ref-count per user x group, as for assignments)", () => {
  it.each<[string, boolean, ReturnType<typeof grant>[], string]>([
    ["last holder: delete", false, [grant("a", "ACTIVE")], "delete"],
    ["another ACTIVE grant of the same group: keep", false, [grant("a", "ACTIVE"), grant("b", "ACTIVE")], "keep"],
    [
      "only a SCHEDULED or PROVISIONING other grant: delete (it re-creates after our removal)",
      false,
      [grant("a", "ACTIVE"), grant("b", "PROVISIONING"), grant("c", "SCHEDULED")],
      "delete",
    ],
    ["a member before the portal touched the pair: never removed", true, [grant("a", "ACTIVE")], "keep"],
  ])("%s", (_name, pairIsStanding, otherGrants, action) => {
    expect(decideMembershipEnd({ endingGrantId: "a", pairIsStanding, otherGrants, now }).action).toBe(action);
  });
});

describe("planGroupReconcile", () => {
  it("flags out-of-band members, members a sync removed, and deleted groups; standing and moving pairs are left alone", () => {
    const findings = planGroupReconcile({
      groups: [
        { groupName: "prod-db-admins", members: ["u-alice", "u-mallory", "u-standing", "u-starting"] },
        { groupName: "gone-group", members: null },
      ],
      activeGrants: [
        { grantId: "g1", groupName: "prod-db-admins", userId: "u-alice" },
        { grantId: "g2", groupName: "prod-db-admins", userId: "u-erin" },
        { grantId: "g3", groupName: "gone-group", userId: "u-frank" },
      ],
      standing: [{ groupName: "prod-db-admins", userId: "u-standing" }],
      inMotion: [{ groupName: "prod-db-admins", userId: "u-starting" }],
    });
    expect(findings).toEqual([
      { kind: "OUT_OF_BAND", groupName: "prod-db-admins", userId: "u-mallory" },
      { kind: "MISSING", groupName: "prod-db-admins", userId: "u-erin", grantIds: ["g2"] },
      { kind: "GROUP_DELETED", groupName: "gone-group" },
    ]);
  });
});
