import { describe, expect, it } from "vitest";
import {
  accessWasUsed,
  describeWindow,
  durationInWords,
  keptAssignmentText,
  requestHeadline,
  sessionWarningText,
  timelineEventTitle,
  ungrantedTargetText,
  type GrantPresentation,
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

describe("the session warning", () => {
  it.each<[string, (number | null)[], string | null]>([
    ["one 1 h target", [60], "An AWS session opened during this access can stay valid for up to 1 hour after it ends."],
    [
      "several targets: one sentence with the longest session",
      [60, 720, null],
      "An AWS session opened during this access can stay valid for up to 12 hours after it ends.",
    ],
    [
      "90 min",
      [90],
      "An AWS session opened during this access can stay valid for up to 1 hour 30 minutes after it ends.",
    ],
    ["no known session length", [null], null],
    ["no targets", [], null],
  ])("%s", (_label, minutes, expected) => {
    expect(sessionWarningText(minutes)).toBe(expected);
  });

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
