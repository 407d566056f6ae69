import { describe, expect, it } from "vitest";
import { AppError } from "./errors";
import {
  actorMayTriggerGrantEvent,
  approvalWindowOpen,
  assertAllowed,
  deriveRequestStep,
  extensionMayBeDecided,
  holdsAccess,
  isRunning,
  planRequestStep,
  requestAwaitsDecision,
  requesterMayExtend,
  type ActorKind,
  actorMayTriggerRequestEvent,
  canTransitionGrant,
  canTransitionRequest,
  deriveRequestStatus,
  GRANT_EVENTS,
  GRANT_STATUSES,
  GRANT_TRANSITIONS,
  isTerminalGrantStatus,
  isTerminalRequestStatus,
  REQUEST_EVENTS,
  REQUEST_STATUSES,
  REQUEST_TRANSITIONS,
  requesterMayCancel,
  requesterMayRelease,
  transitionGrant,
  type GrantEvent,
  type GrantStatus,
  type RequestEvent,
  type RequestStatus,
} from "./request-lifecycle";

const lookupActor = (event: RequestEvent): ActorKind =>
  Object.hasOwn(REQUEST_TRANSITIONS, event) ? REQUEST_TRANSITIONS[event].actors[0]! : "system";
// The step any actor kind the table lists would get; planRequestStep is the only way a verb moves a request.
const transitionRequest = (from: RequestStatus, event: RequestEvent) =>
  planRequestStep(lookupActor(event), from, event).to;

const validRequestTransitions: [RequestStatus, RequestEvent, RequestStatus][] = [
  ["PENDING", "approve-quorum-reached", "APPROVED"],
  ["PENDING", "deny", "DENIED"],
  ["PENDING", "cancel", "CANCELLED"],
  ["APPROVED", "cancel", "CANCELLED"],
  ["PENDING", "expire-pending", "EXPIRED"],
  ["APPROVED", "activate", "ACTIVE"],
  ["APPROVED", "complete", "COMPLETED"],
  ["ACTIVE", "complete", "COMPLETED"],
  ["APPROVED", "revoke", "REVOKED"],
  ["ACTIVE", "revoke", "REVOKED"],
  ["APPROVED", "fail", "FAILED"],
  ["ACTIVE", "fail", "FAILED"],
];

const validGrantTransitions: [GrantStatus, GrantEvent, GrantStatus][] = [
  ["SCHEDULED", "start-provisioning", "PROVISIONING"],
  ["PROVISIONING", "provisioned", "ACTIVE"],
  ["SCHEDULED", "provisioning-failed", "FAILED"],
  ["PROVISIONING", "provisioning-failed", "FAILED"],
  ["SCHEDULED", "cancel", "CANCELLED"],
  ["PROVISIONING", "cancel", "CANCELLED"],
  ["PROVISIONING", "start-removal", "REMOVING"],
  ["ACTIVE", "start-removal", "REMOVING"],
  ["ACTIVE", "end-without-removal", "REMOVED"],
  ["PROVISIONING", "end-without-removal", "REMOVED"],
  ["REMOVAL_FAILED", "end-without-removal", "REMOVED"],
  ["REMOVING", "removal-verified", "REMOVED"],
  ["REMOVING", "removal-failed", "REMOVAL_FAILED"],
  ["REMOVAL_FAILED", "retry-removal", "REMOVING"],
  ["ACTIVE", "assignment-lost", "FAILED"],
  ["ACTIVE", "recreate-assignment", "PROVISIONING"],
];

describe("request transitions", () => {
  it.each(validRequestTransitions)("%s --%s--> %s", (from, event, to) => {
    expect(transitionRequest(from, event)).toBe(to);
    expect(canTransitionRequest(from, event)).toBe(true);
  });

  it("the table holds exactly the listed transitions; every other pair throws INVALID_TRANSITION", () => {
    const listed = new Set(validRequestTransitions.map(([from, event]) => `${from}|${event}`));
    for (const from of REQUEST_STATUSES) {
      for (const event of REQUEST_EVENTS) {
        if (listed.has(`${from}|${event}`)) continue;
        expect(canTransitionRequest(from, event), `${from} ${event}`).toBe(false);
        expect(() => transitionRequest(from, event)).toThrowError(
          expect.objectContaining({ code: "INVALID_TRANSITION" }),
        );
      }
    }
    const tableSize = Object.values(REQUEST_TRANSITIONS).reduce((n, rule) => n + Object.keys(rule.edges).length, 0);
    expect(tableSize).toBe(validRequestTransitions.length);
  });

  it.each(REQUEST_STATUSES.filter(isTerminalRequestStatus))("terminal %s has no way out", (status) => {
    for (const event of REQUEST_EVENTS) expect(canTransitionRequest(status, event)).toBe(false);
  });

  it("a started request cannot be cancelled (release it instead)", () => {
    expect(() => transitionRequest("ACTIVE", "cancel")).toThrow(AppError);
  });

  it("a denied request cannot be approved later by a late quorum", () => {
    expect(() => transitionRequest("DENIED", "approve-quorum-reached")).toThrow(AppError);
  });

  it("the thrown error is user-safe and keeps the internal detail apart", () => {
    try {
      transitionRequest("COMPLETED", "activate");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).message).toBe("A completed request cannot be activated.");
      expect((error as AppError).detail).toContain("activate");
    }
  });

  it.each(["constructor", "__proto__", "toString", "hasOwnProperty"])(
    "untyped input %s resolves to nothing",
    (sneaky) => {
      expect(canTransitionRequest(sneaky as RequestStatus, "approve-quorum-reached")).toBe(false);
      expect(canTransitionRequest("PENDING", sneaky as RequestEvent)).toBe(false);
      expect(() => transitionRequest("PENDING", sneaky as RequestEvent)).toThrow(AppError);
      expect(() => planRequestStep("admin", sneaky as RequestStatus, "revoke")).toThrow(AppError);
      expect(canTransitionGrant("SCHEDULED", sneaky as GrantEvent)).toBe(false);
      expect(actorMayTriggerRequestEvent("requester", sneaky as RequestEvent)).toBe(false);
    },
  );
});

describe("grant transitions", () => {
  it.each(validGrantTransitions)("%s --%s--> %s", (from, event, to) => {
    expect(transitionGrant(from, event)).toBe(to);
  });

  it("the table holds exactly the listed transitions; every other pair throws INVALID_TRANSITION", () => {
    const listed = new Set(validGrantTransitions.map(([from, event]) => `${from}|${event}`));
    for (const from of GRANT_STATUSES) {
      for (const event of GRANT_EVENTS) {
        if (listed.has(`${from}|${event}`)) continue;
        expect(() => transitionGrant(from, event), `${from} ${event}`).toThrowError(
          expect.objectContaining({ code: "INVALID_TRANSITION" }),
        );
      }
    }
    const tableSize = Object.values(GRANT_TRANSITIONS).reduce((n, row) => n + Object.keys(row).length, 0);
    expect(tableSize).toBe(validGrantTransitions.length);
  });

  it.each(GRANT_STATUSES.filter(isTerminalGrantStatus))("terminal %s has no way out", (status) => {
    for (const event of GRANT_EVENTS) expect(canTransitionGrant(status, event)).toBe(false);
  });

  it("an active grant cannot be cancelled: only a verified removal ends it", () => {
    expect(() => transitionGrant("ACTIVE", "cancel")).toThrow(AppError);
  });

  it("a removal that failed is never marked removed without retrying", () => {
    expect(() => transitionGrant("REMOVAL_FAILED", "removal-verified")).toThrow(AppError);
  });

  it("the message reads naturally for two-word statuses", () => {
    expect(() => transitionGrant("REMOVAL_FAILED", "provisioned")).toThrow(
      "A removal failed grant cannot be changed that way.",
    );
  });
});

describe("who may trigger what", () => {
  it.each([
    ["requester", "cancel", true],
    ["requester", "approve-quorum-reached", false],
    ["requester", "deny", false],
    ["requester", "revoke", false],
    ["requester", "activate", false],
    ["approver", "approve-quorum-reached", true],
    ["approver", "deny", true],
    ["approver", "revoke", true],
    ["approver", "cancel", false],
    ["admin", "revoke", true],
    ["admin", "expire-pending", false],
    ["system", "approve-quorum-reached", true],
    ["system", "expire-pending", true],
    ["system", "activate", true],
    ["system", "complete", true],
    ["system", "fail", true],
    ["system", "deny", false],
    ["system", "revoke", false],
  ] as const)("request: %s may %s → %s", (actor, event, allowed) => {
    expect(actorMayTriggerRequestEvent(actor, event)).toBe(allowed);
  });

  it.each([
    ["requester", "start-removal", true],
    ["requester", "cancel", true],
    ["requester", "provisioned", false],
    ["requester", "removal-verified", false],
    ["requester", "retry-removal", false],
    ["approver", "start-removal", true],
    ["approver", "end-without-removal", false],
    ["admin", "retry-removal", true],
    ["system", "provisioned", true],
    ["system", "removal-verified", true],
  ] as const)("grant: %s may %s → %s", (actor, event, allowed) => {
    expect(actorMayTriggerGrantEvent(actor, event)).toBe(allowed);
  });

  it("every event has at least one actor", () => {
    for (const event of REQUEST_EVENTS)
      expect(
        ["requester", "approver", "admin", "system"].some((a) => actorMayTriggerRequestEvent(a as "system", event)),
      ).toBe(true);
    for (const event of GRANT_EVENTS)
      expect(
        ["requester", "approver", "admin", "system"].some((a) => actorMayTriggerGrantEvent(a as "system", event)),
      ).toBe(true);
  });
});

describe("requester cancel and release", () => {
  const now = new Date("2030-01-01T12:00:00Z");
  const later = new Date("2030-01-01T13:00:00Z");
  it.each<[RequestStatus, GrantStatus[], boolean, boolean]>([
    ["PENDING", [], true, false],
    ["APPROVED", [], true, true],
    ["APPROVED", ["SCHEDULED", "SCHEDULED"], true, true],
    ["APPROVED", ["SCHEDULED", "PROVISIONING"], false, true],
    ["APPROVED", ["FAILED", "SCHEDULED"], false, true],
    ["ACTIVE", ["ACTIVE", "SCHEDULED"], false, true],
    ["ACTIVE", ["REMOVING", "REMOVED"], false, true],
    ["REVOKED", ["ACTIVE"], false, false],
    ["COMPLETED", ["REMOVED"], false, false],
    ["DENIED", [], false, false],
  ])("%s with grants %j: cancel %s, release %s", (status, grants, cancel, release) => {
    expect(requesterMayCancel(status, grants).ok).toBe(cancel);
    expect(requesterMayRelease(status, later, now).ok).toBe(release);
  });

  it("cancelling started access says to release it; other refusals name the status", () => {
    expect(requesterMayCancel("ACTIVE", ["ACTIVE"])).toEqual({
      ok: false,
      code: "INVALID_TRANSITION",
      message: "This access is active: release it instead.",
    });
    expect(requesterMayCancel("APPROVED", ["PROVISIONING"])).toMatchObject({
      message: "A approved request cannot be cancelled.",
    });
    expect(requesterMayCancel("DENIED", [])).toMatchObject({ message: "A denied request cannot be cancelled." });
  });

  it("access whose window already closed is ending, not releasable (a conflict, not an invalid step)", () => {
    expect(requesterMayRelease("ACTIVE", now, now)).toEqual({
      ok: false,
      code: "CONFLICT",
      message: "This access is already ending; its removal is in progress.",
    });
    expect(requesterMayRelease("EXPIRED", later, now)).toMatchObject({ code: "INVALID_TRANSITION" });
  });

  it("cancel is allowed exactly where the table has a cancel edge and nothing started", () => {
    for (const status of REQUEST_STATUSES)
      expect(requesterMayCancel(status, ["SCHEDULED"]).ok, status).toBe(canTransitionRequest(status, "cancel"));
  });

  it("release, extend and revoke share one notion of holding access", () => {
    for (const status of REQUEST_STATUSES) {
      expect(requesterMayRelease(status, later, now).ok, status).toBe(holdsAccess(status));
      expect(requesterMayExtend(status).ok, status).toBe(holdsAccess(status));
      expect(canTransitionRequest(status, "revoke"), status).toBe(holdsAccess(status));
      expect(isRunning(status, later, now)).toBe(holdsAccess(status));
      expect(isRunning(status, now, now)).toBe(false);
    }
  });

  it("approvers decide only PENDING requests inside their window", () => {
    expect(requestAwaitsDecision("PENDING").ok).toBe(true);
    expect(requestAwaitsDecision("CANCELLED")).toMatchObject({
      code: "CONFLICT",
      message: "This request is already cancelled.",
    });
    expect(approvalWindowOpen(null, now).ok).toBe(true);
    expect(approvalWindowOpen(later, now).ok).toBe(true);
    expect(approvalWindowOpen(now, now)).toMatchObject({ code: "CONFLICT" });
    expect(extensionMayBeDecided("COMPLETED")).toMatchObject({ message: "The access already ended." });
  });

  it("assertAllowed throws the refusal as a user-safe AppError", () => {
    expect(() => assertAllowed(requesterMayExtend("DENIED"))).toThrowError(
      expect.objectContaining({
        code: "INVALID_TRANSITION",
        message: "Only approved or active access can be extended.",
      }),
    );
    expect(() => assertAllowed(requesterMayExtend("ACTIVE"))).not.toThrow();
  });
});

describe("planRequestStep: allowed from which status, by which actor kind, producing which audit action", () => {
  it.each<[ActorKind, RequestStatus, RequestEvent, RequestStatus, string]>([
    ["requester", "PENDING", "cancel", "CANCELLED", "request.cancelled"],
    ["requester", "APPROVED", "cancel", "CANCELLED", "request.cancelled"],
    ["approver", "PENDING", "approve-quorum-reached", "APPROVED", "request.approved"],
    ["admin", "PENDING", "deny", "DENIED", "request.denied"],
    ["system", "PENDING", "expire-pending", "EXPIRED", "request.expired"],
    ["admin", "ACTIVE", "revoke", "REVOKED", "request.revoked"],
    ["approver", "APPROVED", "revoke", "REVOKED", "request.revoked"],
    ["system", "APPROVED", "activate", "ACTIVE", "request.active"],
    ["system", "ACTIVE", "complete", "COMPLETED", "request.completed"],
    ["system", "APPROVED", "fail", "FAILED", "request.failed"],
  ])("%s: %s --%s--> %s, audited as %s", (actor, from, event, to, audit) => {
    expect(planRequestStep(actor, from, event)).toEqual({ event, from, to, audit });
  });

  it("an actor kind the table does not list is FORBIDDEN, whatever the status", () => {
    expect(() => planRequestStep("requester", "ACTIVE", "revoke")).toThrowError(
      expect.objectContaining({ code: "FORBIDDEN" }),
    );
    expect(() => planRequestStep("approver", "PENDING", "cancel")).toThrowError(
      expect.objectContaining({ code: "FORBIDDEN" }),
    );
    expect(() => planRequestStep("system", "PENDING", "deny")).toThrowError(
      expect.objectContaining({ code: "FORBIDDEN" }),
    );
  });

  it("a missing edge is INVALID_TRANSITION with the event's own wording", () => {
    expect(() => planRequestStep("admin", "COMPLETED", "revoke")).toThrowError(
      expect.objectContaining({ code: "INVALID_TRANSITION", message: "A completed request cannot be revoked." }),
    );
    expect(() => planRequestStep("requester", "ACTIVE", "cancel")).toThrow("A active request cannot be cancelled.");
  });

  it("every event names a distinct request.* audit action and at least one actor", () => {
    const actions = REQUEST_EVENTS.map((event) => REQUEST_TRANSITIONS[event].audit);
    expect(new Set(actions).size).toBe(REQUEST_EVENTS.length);
    for (const action of actions) expect(action).toMatch(/^request\.[a-z_]+$/);
  });

  it("deriveRequestStep plans the worker's step with the table's audit action", () => {
    expect(deriveRequestStep("APPROVED", ["ACTIVE"])).toEqual({
      event: "activate",
      from: "APPROVED",
      to: "ACTIVE",
      audit: "request.active",
    });
    expect(deriveRequestStep("ACTIVE", ["REMOVED"])).toMatchObject({ to: "COMPLETED", audit: "request.completed" });
    expect(deriveRequestStep("APPROVED", ["FAILED"])).toMatchObject({ to: "FAILED", audit: "request.failed" });
    expect(deriveRequestStep("ACTIVE", ["ACTIVE"])).toBeNull();
    expect(deriveRequestStep("REVOKED", ["REMOVED"])).toBeNull();
  });
});

describe("deriveRequestStatus", () => {
  it.each<[string, RequestStatus, GrantStatus[], RequestStatus]>([
    ["pending requests have no grants to follow", "PENDING", [], "PENDING"],
    ["approved with no grants yet stays approved", "APPROVED", [], "APPROVED"],
    ["all scheduled: still approved", "APPROVED", ["SCHEDULED", "SCHEDULED"], "APPROVED"],
    ["provisioning is not access yet", "APPROVED", ["PROVISIONING"], "APPROVED"],
    ["first grant active activates", "APPROVED", ["ACTIVE", "SCHEDULED"], "ACTIVE"],
    ["one active, one failed: active", "APPROVED", ["ACTIVE", "FAILED"], "ACTIVE"],
    ["active while a sibling is still removing", "ACTIVE", ["ACTIVE", "REMOVING"], "ACTIVE"],
    ["stays active while removal is unverified", "ACTIVE", ["REMOVING", "REMOVED"], "ACTIVE"],
    ["stays active while a removal failed: access may still exist", "ACTIVE", ["REMOVAL_FAILED", "REMOVED"], "ACTIVE"],
    ["never falls back to approved", "ACTIVE", ["REMOVING", "SCHEDULED"], "ACTIVE"],
    ["all removed completes", "ACTIVE", ["REMOVED", "REMOVED"], "COMPLETED"],
    ["removed and cancelled completes", "ACTIVE", ["REMOVED", "CANCELLED"], "COMPLETED"],
    [
      "all cancelled before start completes (released early, window missed)",
      "APPROVED",
      ["CANCELLED", "CANCELLED"],
      "COMPLETED",
    ],
    ["all failed fails", "APPROVED", ["FAILED", "FAILED"], "FAILED"],
    ["failed and cancelled, nothing delivered: failed", "APPROVED", ["FAILED", "CANCELLED"], "FAILED"],
    [
      "some delivered, some failed: completed (the failure shows on the grant)",
      "ACTIVE",
      ["REMOVED", "FAILED"],
      "COMPLETED",
    ],
    ["revoked stays revoked while grants are removed", "REVOKED", ["REMOVING", "REMOVED"], "REVOKED"],
    ["revoked stays revoked when grants are all removed", "REVOKED", ["REMOVED"], "REVOKED"],
    ["cancelled stays cancelled", "CANCELLED", ["CANCELLED"], "CANCELLED"],
    ["completed never reopens", "COMPLETED", ["ACTIVE"], "COMPLETED"],
    ["denied never follows grants", "DENIED", ["ACTIVE"], "DENIED"],
    ["expired never follows grants", "EXPIRED", ["ACTIVE"], "EXPIRED"],
    ["failed stays failed", "FAILED", ["REMOVED"], "FAILED"],
  ])("%s", (_label, current, grants, expected) => {
    expect(deriveRequestStatus(current, grants)).toBe(expected);
  });

  it("every change it derives is a legal transition (all mixtures of up to three grants)", () => {
    const mixtures: GrantStatus[][] = [[]];
    for (let size = 0; size < 3; size += 1)
      for (const mix of [...mixtures])
        if (mix.length === size) for (const status of GRANT_STATUSES) mixtures.push([...mix, status]);
    for (const current of REQUEST_STATUSES) {
      for (const grants of mixtures) {
        const next = deriveRequestStatus(current, grants);
        if (next === current) continue;
        const legal = REQUEST_EVENTS.some(
          (event) => canTransitionRequest(current, event) && transitionRequest(current, event) === next,
        );
        expect(legal, `${current} + [${grants.join(",")}] → ${next}`).toBe(true);
      }
    }
  });
});
