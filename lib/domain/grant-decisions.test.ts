import { describe, expect, it } from "vitest";
import {
  activationStep,
  decideOnTupleEnd,
  deactivationStep,
  EARLY_TOLERANCE_MS,
  decideUnactivatedEnd,
  grantEndEvent,
  grantMoveMaySettleRequest,
  type DeactivationStep,
  type TupleEndDecision,
  type UnactivatedEnd,
} from "./grant-decisions";
import type { GrantEndDecision, TupleGrant } from "./refcount";
import {
  deriveRequestStep,
  transitionGrant,
  type GrantEvent,
  type GrantStatus,
  type RequestStatus,
} from "./request-lifecycle";

const now = new Date("2030-01-15T10:00:00.000Z");
const at = (ms: number) => new Date(now.getTime() + ms);
const other = (id: string, status: GrantStatus, endsAt = at(3_600_000)): TupleGrant => ({
  id,
  status,
  startsAt: at(-3_600_000),
  endsAt,
});

describe("the grant moves the services make", () => {
  it.each<[GrantStatus, GrantEvent, GrantStatus]>([
    ["PROVISIONING", "end-without-removal", "REMOVED"],
    ["REMOVAL_FAILED", "end-without-removal", "REMOVED"],
    ["PROVISIONING", "cancel", "CANCELLED"],
  ])("the table allows %s --%s--> %s", (from, event, to) => {
    expect(transitionGrant(from, event)).toBe(to);
  });

  it.each<[GrantStatus, GrantEvent]>([
    ["REMOVED", "start-removal"],
    ["CANCELLED", "start-provisioning"],
    ["FAILED", "retry-removal"],
    ["SCHEDULED", "end-without-removal"],
    ["REMOVING", "cancel"],
    ["ACTIVE", "provisioned"],
    ["SCHEDULED", "constructor" as GrantEvent],
    ["__proto__" as GrantStatus, "cancel"],
    ["PROVISIONING", "__proto__" as GrantEvent],
  ])("refuses %s --%s--> with INVALID_TRANSITION", (from, event) => {
    expect(() => transitionGrant(from, event)).toThrow(expect.objectContaining({ code: "INVALID_TRANSITION" }));
  });
});

describe("grantMoveMaySettleRequest", () => {
  it.each<[GrantStatus, boolean]>([
    ["SCHEDULED", false],
    ["PROVISIONING", false],
    ["ACTIVE", true],
    ["REMOVING", false],
    ["REMOVAL_FAILED", false],
    ["REMOVED", true],
    ["FAILED", true],
    ["CANCELLED", true],
  ])("%s → %s", (to, expected) => {
    expect(grantMoveMaySettleRequest(to)).toBe(expected);
  });
});

describe("deriveRequestStep (the request follows its grants)", () => {
  it.each<[RequestStatus, GrantStatus[], string | null]>([
    ["APPROVED", ["ACTIVE"], "activate"],
    ["APPROVED", ["SCHEDULED", "PROVISIONING"], null],
    ["ACTIVE", ["ACTIVE", "REMOVED"], null],
    ["ACTIVE", ["REMOVED", "REMOVED"], "complete"],
    ["APPROVED", ["CANCELLED"], "complete"],
    ["ACTIVE", ["FAILED"], "fail"],
    ["APPROVED", ["FAILED", "CANCELLED"], "fail"],
    ["ACTIVE", ["FAILED", "REMOVED"], "complete"],
    ["REVOKED", ["REMOVED"], null],
    ["COMPLETED", ["ACTIVE"], null],
    ["ACTIVE", ["REMOVAL_FAILED"], null],
  ])("%s with %j → %s", (current, grants, expected) => {
    expect(deriveRequestStep(current, grants)?.event ?? null).toBe(expected);
  });
});

describe("activationStep", () => {
  it.each<[GrantStatus, ReturnType<typeof activationStep>]>([
    ["SCHEDULED", { step: "start", earlierAttempt: false }],
    ["PROVISIONING", { step: "resume", earlierAttempt: true }],
    ["ACTIVE", { step: "skip" }],
    ["REMOVING", { step: "skip" }],
    ["REMOVAL_FAILED", { step: "skip" }],
    ["REMOVED", { step: "skip" }],
    ["FAILED", { step: "skip" }],
    ["CANCELLED", { step: "skip" }],
  ])("%s → %j", (status, expected) => {
    expect(activationStep(status)).toEqual(expected);
  });
});

describe("decideUnactivatedEnd (earlier-attempt recovery)", () => {
  it.each<[string, Parameters<typeof decideUnactivatedEnd>[0], UnactivatedEnd]>([
    [
      "never started: window missed cancels",
      { status: "SCHEDULED", earlierAttempt: false, hasPrincipal: false, why: "window-missed" },
      { path: "end", event: "cancel" },
    ],
    [
      "never started: no principal fails",
      { status: "SCHEDULED", earlierAttempt: false, hasPrincipal: false, why: "failed" },
      { path: "end", event: "provisioning-failed" },
    ],
    [
      "this attempt's own create failed: nothing else can have landed",
      { status: "PROVISIONING", earlierAttempt: false, hasPrincipal: true, why: "failed" },
      { path: "end", event: "provisioning-failed" },
    ],
    [
      "this attempt waited out its window before creating",
      { status: "PROVISIONING", earlierAttempt: false, hasPrincipal: true, why: "window-missed" },
      { path: "end", event: "cancel" },
    ],
    [
      "an earlier attempt may have created it: keep or remove",
      { status: "PROVISIONING", earlierAttempt: true, hasPrincipal: true, why: "failed" },
      { path: "keep-or-remove" },
    ],
    [
      "an earlier attempt, window missed: keep or remove",
      { status: "PROVISIONING", earlierAttempt: true, hasPrincipal: true, why: "window-missed" },
      { path: "keep-or-remove" },
    ],
    [
      "an earlier attempt without a principal cannot have created anything",
      { status: "PROVISIONING", earlierAttempt: true, hasPrincipal: false, why: "failed" },
      { path: "end", event: "provisioning-failed" },
    ],
    [
      "a smuggled earlierAttempt on a SCHEDULED grant ends it",
      { status: "SCHEDULED", earlierAttempt: true, hasPrincipal: true, why: "window-missed" },
      { path: "end", event: "cancel" },
    ],
  ])("%s", (_name, input, expected) => {
    const end = decideUnactivatedEnd(input);
    expect(end).toEqual(expected);
    // Every plain ending is a move the grant can make from where it is.
    if (end.path === "end") expect(() => transitionGrant(input.status, end.event)).not.toThrow();
  });
});

describe("deactivationStep", () => {
  const due = at(EARLY_TOLERANCE_MS);
  const early = at(EARLY_TOLERANCE_MS + 1);
  it.each<[GrantStatus, Date, DeactivationStep]>([
    ["SCHEDULED", early, "not-due"],
    ["SCHEDULED", due, "cancel"],
    ["SCHEDULED", at(-1), "cancel"],
    ["PROVISIONING", at(-1), "wait-for-activation"],
    ["PROVISIONING", early, "wait-for-activation"],
    ["ACTIVE", early, "not-due"],
    ["ACTIVE", due, "keep-or-remove"],
    ["REMOVAL_FAILED", early, "keep-or-remove"],
    ["REMOVING", early, "remove"],
    ["REMOVED", at(-1), "skip"],
    ["FAILED", at(-1), "skip"],
    ["CANCELLED", at(-1), "skip"],
  ])("%s ending at %s → %s", (status, endsAt, expected) => {
    expect(deactivationStep({ status, endsAt }, now)).toBe(expected);
  });
});

describe("decideOnTupleEnd", () => {
  it.each<[string, boolean, TupleGrant[], TupleEndDecision]>([
    ["alone: delete", false, [], { action: "delete", reason: "no-other-holder" }],
    [
      "another ACTIVE grant takes over",
      false,
      [other("b", "ACTIVE")],
      { action: "keep", reason: "covered-by-active-grant", coveringGrantIds: ["b"] },
    ],
    ["standing: keep", true, [], { action: "keep", reason: "standing-assignment", coveringGrantIds: [] }],
    ["a create in flight with an open window: wait", false, [other("b", "PROVISIONING")], { action: "wait" }],
    ["waiting beats standing (the create could be overtaken)", true, [other("b", "PROVISIONING")], { action: "wait" }],
    [
      "a PROVISIONING grant whose window closed is not waited for",
      false,
      [other("b", "PROVISIONING", now)],
      { action: "delete", reason: "no-other-holder" },
    ],
    [
      "the ending grant itself, smuggled into the list, neither waits nor covers",
      false,
      [other("a", "PROVISIONING"), other("a", "ACTIVE")],
      { action: "delete", reason: "no-other-holder" },
    ],
    [
      "SCHEDULED or REMOVAL_FAILED siblings never cover",
      false,
      [other("b", "SCHEDULED"), other("c", "REMOVAL_FAILED"), other("d", "REMOVING")],
      { action: "delete", reason: "no-other-holder" },
    ],
  ])("%s", (_name, tupleIsStanding, otherGrants, expected) => {
    expect(decideOnTupleEnd({ endingGrantId: "a", tupleIsStanding, otherGrants, now })).toEqual(expected);
  });
});

describe("grantEndEvent", () => {
  const keep: GrantEndDecision = { action: "keep", reason: "standing-assignment", coveringGrantIds: [] };
  const remove: GrantEndDecision = { action: "delete", reason: "no-other-holder" };
  it.each<[GrantStatus, GrantEndDecision, GrantEvent, GrantStatus]>([
    ["ACTIVE", remove, "start-removal", "REMOVING"],
    ["ACTIVE", keep, "end-without-removal", "REMOVED"],
    ["PROVISIONING", remove, "start-removal", "REMOVING"],
    ["PROVISIONING", keep, "end-without-removal", "REMOVED"],
    ["REMOVAL_FAILED", remove, "retry-removal", "REMOVING"],
    ["REMOVAL_FAILED", keep, "end-without-removal", "REMOVED"],
  ])("%s with %j → %s → %s", (from, decision, event, to) => {
    expect(grantEndEvent(from, decision)).toBe(event);
    expect(transitionGrant(from, event)).toBe(to);
  });
});
