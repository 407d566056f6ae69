import { describe, expect, it } from "vitest";
import {
  accessWasUsed,
  describeWindow,
  durationInWords,
  keptAssignmentText,
  requestHeadline,
  requestTitle,
  sessionNotice,
  type SessionFacts,
  timelineEventTitle,
  ungrantedTargetText,
  type GrantPresentation,
  type KeptAssignment,
  type WindowFacts,
} from "./request-presentation";
import type { RequestStatus } from "./request-lifecycle";

const start = new Date("2026-03-02T09:00:00Z");
const at = (minutes: number) => new Date(start.getTime() + minutes * 60_000);
const facts = (over: Partial<WindowFacts>): WindowFacts => ({
  status: "ACTIVE",
  startsAt: start,
  endsAt: at(60),
  durationMinutes: 60,
  maxDurationMinutes: 120,
  startedImmediately: true,
  grants: [{ status: "ACTIVE", createIssuedAt: start }],
  ...over,
});

describe("the window text never claims access that was not used", () => {
  it.each<[string, Partial<WindowFacts>, string]>([
    [
      "a pending request cancelled after 5 min (its end moved to the cancel time)",
      { status: "CANCELLED", endsAt: at(5), grants: [] },
      "1 h asked; never started, no access was used; policy max 2 h",
    ],
    [
      "an approved scheduled request cancelled before its start",
      {
        status: "CANCELLED",
        endsAt: at(5),
        startedImmediately: false,
        grants: [{ status: "CANCELLED", createIssuedAt: null }],
      },
      "1 h asked; never started, no access was used; policy max 2 h",
    ],
    [
      "an expired request",
      { status: "EXPIRED", grants: [] },
      "1 h asked; never started, no access was used; policy max 2 h",
    ],
    [
      "a denied request",
      { status: "DENIED", grants: [] },
      "1 h asked; never started, no access was used; policy max 2 h",
    ],
    [
      "a failed request whose create never reached AWS",
      { status: "FAILED", grants: [{ status: "FAILED", createIssuedAt: null }] },
      "1 h asked; never started, no access was used; policy max 2 h",
    ],
    [
      "a released request that ran 20 min",
      { status: "COMPLETED", endsAt: at(20), grants: [{ status: "REMOVED", createIssuedAt: start }] },
      "1 h asked, 20 min used, starts when approved; policy max 2 h",
    ],
    [
      "a revoked request that ran 5 min",
      { status: "REVOKED", endsAt: at(5), grants: [{ status: "REMOVING", createIssuedAt: start }] },
      "1 h asked, 5 min used, starts when approved; policy max 2 h",
    ],
    [
      "a failed grant whose create was sent may have given access",
      { status: "FAILED", endsAt: at(5), grants: [{ status: "FAILED", createIssuedAt: start }] },
      "1 h asked, 5 min used, starts when approved; policy max 2 h",
    ],
    ["a running request", {}, "1 h, starts when approved; policy max 2 h"],
    [
      "a pending scheduled request",
      { status: "PENDING", startedImmediately: false, grants: [] },
      "1 h, scheduled; policy max 2 h",
    ],
  ])("%s", (_label, over, expected) => {
    expect(describeWindow(facts(over))).toBe(expected);
  });

  it("counts a grant as used once it reached AWS or holds an assignment", () => {
    expect(accessWasUsed([{ status: "SCHEDULED", createIssuedAt: null }])).toBe(false);
    expect(accessWasUsed([{ status: "CANCELLED", createIssuedAt: null }])).toBe(false);
    expect(accessWasUsed([{ status: "PROVISIONING", createIssuedAt: null }])).toBe(true);
    expect(accessWasUsed([{ status: "REMOVED", createIssuedAt: null }])).toBe(true);
  });
});

describe("a target without a grant", () => {
  it.each<[RequestStatus, string]>([
    ["PENDING", "after approval"],
    ["APPROVED", "after approval"],
    ["CANCELLED", "not granted"],
    ["EXPIRED", "not granted"],
    ["DENIED", "not granted"],
    ["FAILED", "not granted"],
    ["REVOKED", "not granted"],
    ["COMPLETED", "not granted"],
  ])("on a %s request reads %s", (status, text) => {
    expect(ungrantedTargetText(status)).toBe(text);
  });
});

describe("timeline titles", () => {
  const removed: GrantPresentation = { label: "ReadOnly on sandbox", kept: null };
  const kept: GrantPresentation = {
    label: "PowerUser on payments-prod",
    kept: { reason: "covered-by-active-grant", coveringRequestIds: ["req-other"] },
  };
  const event = (action: string, title: string, entityId = "req-1") => ({
    action,
    title,
    entityType: entityId.startsWith("g-") ? "grant" : "request",
    entityId,
  });

  it("says all access was removed only when no assignment was kept", () => {
    const grants = new Map([["g-1", removed]]);
    expect(timelineEventTitle(event("request.completed", "Completed: all access removed"), grants)).toBe(
      "Completed: all access removed",
    );
  });

  it("names the other active grant when an assignment stayed for it", () => {
    const grants = new Map([
      ["g-1", removed],
      ["g-2", kept],
    ]);
    expect(timelineEventTitle(event("request.completed", "Completed: all access removed"), grants)).toBe(
      "Completed: access ended; PowerUser on payments-prod stays assigned for the other active grant of request req-other",
    );
    expect(
      timelineEventTitle(
        event("grant.ended_assignment_kept", "Ended; assignment kept for other access", "g-2"),
        grants,
      ),
    ).toBe(
      "Access ended: PowerUser on payments-prod; the assignment stays for the other active grant of request req-other",
    );
  });

  it("says a standing assignment stays because it is standing", () => {
    expect(keptAssignmentText({ reason: "standing-assignment", coveringRequestIds: [] })).toBe(
      "Access ended; the assignment stays because it is a standing assignment outside the portal.",
    );
  });

  it("names the target of a grant event, not its id", () => {
    const grants = new Map([["g-1", removed]]);
    expect(timelineEventTitle(event("grant.activated", "Assignment active (verified)", "g-1"), grants)).toBe(
      "Assignment active (verified): ReadOnly on sandbox",
    );
    expect(timelineEventTitle(event("grant.activated", "Assignment active (verified)", "g-unknown"), grants)).toBe(
      "Assignment active (verified)",
    );
    expect(timelineEventTitle(event("request.created", "Requested"), grants)).toBe("Requested");
  });

  it("names the target whose live sessions a revocation event cut", () => {
    const revocation = {
      action: "session.revocation_verified",
      title: "Live AWS sessions cut (provisioning succeeded)",
      entityType: "session_revocation",
      entityId: "rev-1",
    };
    expect(timelineEventTitle({ ...revocation, targetLabel: "ReadOnly on sandbox" }, new Map())).toBe(
      "Live AWS sessions cut (provisioning succeeded): ReadOnly on sandbox",
    );
    expect(timelineEventTitle({ ...revocation, targetLabel: null }, new Map())).toBe(
      "Live AWS sessions cut (provisioning succeeded)",
    );
  });
});

describe("group targets", () => {
  it.each<[string, { permissionSetName: string; accountName: string }[], string[], string]>([
    ["one account target", [{ permissionSetName: "ReadOnly", accountName: "sandbox" }], [], "ReadOnly on sandbox"],
    ["one group", [], ["prod-db-admins"], "prod-db-admins (Identity Center group)"],
    ["two groups", [], ["prod-db-admins", "analysts"], "prod-db-admins (Identity Center group) and 1 more"],
    [
      "accounts first",
      [{ permissionSetName: "ReadOnly", accountName: "sandbox" }],
      ["prod-db-admins"],
      "ReadOnly on sandbox and 1 more",
    ],
    ["nothing left to name", [], [], "Access request"],
  ])("a request title with %s", (_name, accounts, groups, title) => {
    expect(requestTitle(accounts, groups)).toBe(title);
  });

  it.each<[string, KeptAssignment, string, string]>([
    [
      "a standing membership",
      { reason: "standing-assignment", coveringRequestIds: [], kind: "membership" },
      "Access ended; the membership stays because it is a standing membership outside the portal.",
      "Completed: access ended; prod-db-admins (Identity Center group) stays a member because it is a standing membership outside the portal",
    ],
    [
      "a membership another grant still needs",
      { reason: "covered-by-active-grant", coveringRequestIds: ["req-2"], kind: "membership" },
      "Access ended; the membership stays for the other active grant of request req-2.",
      "Completed: access ended; prod-db-admins (Identity Center group) stays a member for the other active grant of request req-2",
    ],
  ])("a kept group membership (%s) says membership, not assignment", (_name, kept, note, completed) => {
    const grants = new Map<string, GrantPresentation>([
      ["gg-1", { label: "prod-db-admins (Identity Center group)", kept }],
    ]);
    expect(keptAssignmentText(kept)).toBe(note);
    expect(
      timelineEventTitle(
        { action: "request.completed", title: "Completed: all access removed", entityType: "request", entityId: "r" },
        grants,
      ),
    ).toBe(completed);
    expect(
      timelineEventTitle(
        {
          action: "group_grant.ended_membership_kept",
          title: "Ended; membership kept for other access",
          entityType: "group_grant",
          entityId: "gg-1",
        },
        grants,
      ),
    ).toBe(`Access ended: prod-db-admins (Identity Center group); ${note.slice("Access ended; ".length, -1)}`);
  });

  it("names the group of a group grant event, and never takes an account grant's label for it", () => {
    const grants = new Map<string, GrantPresentation>([
      ["gg-1", { label: "prod-db-admins (Identity Center group)", kept: null }],
    ]);
    const event = (entityType: string) => ({
      action: "group_grant.activated",
      title: "Membership active (verified)",
      entityType,
      entityId: "gg-1",
    });
    expect(timelineEventTitle(event("group_grant"), grants)).toBe(
      "Membership active (verified): prod-db-admins (Identity Center group)",
    );
    expect(timelineEventTitle(event("request"), grants)).toBe("Membership active (verified)");
  });
});

describe("the header status agrees with the banner", () => {
  it.each<[RequestStatus, boolean, { key: string; label: string | null }]>([
    ["ACTIVE", false, { key: "ACTIVE", label: null }],
    ["ACTIVE", true, { key: "ENDING", label: "Ending: removal in progress" }],
    ["APPROVED", true, { key: "ENDING", label: "Ending: removal in progress" }],
    ["REVOKED", true, { key: "ENDING", label: "Revoked: removal in progress" }],
    ["COMPLETED", false, { key: "COMPLETED", label: null }],
  ])("%s, ending %s", (status, ending, expected) => {
    expect(requestHeadline(status, ending)).toEqual(expected);
  });
});

describe("the session notice", () => {
  const set = (
    permissionSetName: string,
    sessionDurationMinutes: number | null,
    sessionRevocation: SessionFacts["sessionRevocation"] = "deny-on-end",
  ): SessionFacts => ({ permissionSetName, sessionDurationMinutes, sessionRevocation });
  const CUT_1H =
    "An AWS session opened during this access could otherwise stay valid for up to 1 hour after it ends, but it is cut off when the access ends (it can take a few minutes to reach every AWS region).";
  it.each<[string, SessionFacts[], ReturnType<typeof sessionNotice>]>([
    [
      "deny-on-end, one 1 h target: how long it could outlive the window, and that it is cut",
      [set("ReadOnly", 60)],
      { kind: "cut", text: CUT_1H },
    ],
    [
      "deny-on-end, several targets: one sentence with the longest session",
      [set("ReadOnly", 60), set("PowerUser", 720), set("Billing", null)],
      {
        kind: "cut",
        text: "An AWS session opened during this access could otherwise stay valid for up to 12 hours after it ends, but it is cut off when the access ends (it can take a few minutes to reach every AWS region).",
      },
    ],
    [
      "deny-on-end with no known session length still says it is cut",
      [set("ReadOnly", null)],
      {
        kind: "cut",
        text: "An AWS session opened during this access is cut off when the access ends (it can take a few minutes to reach every AWS region).",
      },
    ],
    [
      "off: the existing warning, with the longest session",
      [set("ReadOnly", 90, "off"), set("PowerUser", 60, "off")],
      {
        kind: "outlives",
        text: "An AWS session opened during this access can stay valid for up to 1 hour 30 minutes after it ends: removing the assignment does not end sessions already open. Sign out of the AWS console when you are done.",
      },
    ],
    [
      "mixed: cut, except the sets whose rule turned it off, named once, with their longest session only",
      [set("ReadOnly", 720), set("PowerUser", 240, "off"), set("PowerUser", 60, "off")],
      {
        kind: "outlives",
        text: "An AWS session opened during this access is cut off when the access ends, except a PowerUser session, which can stay valid for up to 4 hours after it ends. Sign out of the AWS console when you are done.",
      },
    ],
    [
      "mixed, but the uncut set's length is unknown: only the cut can be promised",
      [set("ReadOnly", 60), set("PowerUser", null, "off")],
      { kind: "cut", text: CUT_1H },
    ],
    ["off with no known session length: nothing to say", [set("ReadOnly", null, "off")], null],
    ["no targets", [], null],
  ])("%s", (_label, targets, expected) => {
    expect(sessionNotice(targets)).toEqual(expected);
  });

  it("never repeats itself per target: one sentence for any number of targets", () => {
    const many = Array.from({ length: 20 }, (_, i) => set(`Set${i}`, 60 + i));
    const notice = sessionNotice(many)!;
    expect(notice.text.match(/AWS session/g)).toHaveLength(1);
    expect(notice.text).not.toContain("Set");
  });
});

describe("durations in words", () => {
  it.each([
    [1, "1 minute"],
    [45, "45 minutes"],
    [60, "1 hour"],
    [61, "1 hour 1 minute"],
    [150, "2 hours 30 minutes"],
  ])("%i min in words: %s", (minutes, words) => {
    expect(durationInWords(minutes)).toBe(words);
  });
});
