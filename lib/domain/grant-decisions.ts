import { decideOnGrantEnd, type GrantEndDecision, type TupleGrant } from "./refcount";
import {
  canTransitionGrant,
  deriveRequestStatus,
  isTerminalGrantStatus,
  transitionGrant,
  type GrantEvent,
  type GrantStatus,
  type RequestEvent,
  type RequestStatus,
} from "./request-lifecycle";

// The pure half of the grant state machine (lib/services/grants/README.md draws it); the grant verbs execute these answers.

/**
 * Moves the services really make that GRANT_TRANSITIONS does not list yet; each is reported to the table's owner and
 * goes away once the table lists it (grant-decisions.test.ts fails when it does, so the copy cannot outlive the gap).
 */
export const GRANT_MOVES_MISSING_FROM_TABLE: {
  readonly [E in GrantEvent]?: Readonly<Partial<Record<GrantStatus, GrantStatus>>>;
} = {
  // A PROVISIONING grant whose earlier attempt may hold the assignment, or a REMOVAL_FAILED one decided again, hands it to another holder.
  "end-without-removal": { PROVISIONING: "REMOVED", REMOVAL_FAILED: "REMOVED" },
  // This attempt moved the grant to PROVISIONING, then its window closed while it waited for a create slot.
  cancel: { PROVISIONING: "CANCELLED" },
};

/** The status a grant moves to; an event not allowed from `from` throws INVALID_TRANSITION (transitionGrant). */
export function nextGrantStatus(from: GrantStatus, event: GrantEvent): GrantStatus {
  if (canTransitionGrant(from, event)) return transitionGrant(from, event);
  const missing = Object.hasOwn(GRANT_MOVES_MISSING_FROM_TABLE, event)
    ? GRANT_MOVES_MISSING_FROM_TABLE[event]
    : undefined;
  if (missing && Object.hasOwn(missing, from)) return missing[from]!;
  return transitionGrant(from, event);
}

/** The request follows its grants only when one settles (ACTIVE or terminal); in-between moves cannot change it. */
export function grantMoveMaySettleRequest(to: GrantStatus): boolean {
  return to === "ACTIVE" || isTerminalGrantStatus(to);
}

const REQUEST_EVENT_FOR_DERIVED: Partial<Record<RequestStatus, RequestEvent>> = {
  ACTIVE: "activate",
  COMPLETED: "complete",
  FAILED: "fail",
};

/** The request event its grants call for now, or null when the request stays as it is. */
export function requestEventFromGrants(
  current: RequestStatus,
  grantStatuses: readonly GrantStatus[],
): RequestEvent | null {
  const derived = deriveRequestStatus(current, grantStatuses);
  if (derived === current) return null;
  const event = REQUEST_EVENT_FOR_DERIVED[derived];
  if (!event) throw new Error(`no request event leads to ${derived}`);
  return event;
}

export type ActivationStep =
  { step: "start"; earlierAttempt: false } | { step: "resume"; earlierAttempt: true } | { step: "skip" };

/** A PROVISIONING grant met by the activation job is an earlier attempt that stopped midway: it may have created the assignment. */
export function activationStep(status: GrantStatus): ActivationStep {
  if (status === "SCHEDULED") return { step: "start", earlierAttempt: false };
  if (status === "PROVISIONING") return { step: "resume", earlierAttempt: true };
  return { step: "skip" };
}

export type UnactivatedEnd =
  { path: "end"; event: Extract<GrantEvent, "cancel" | "provisioning-failed"> } | { path: "keep-or-remove" };

/**
 * A grant that will not become ACTIVE (window missed, create failed) simply ends when nothing can have been created (still
 * SCHEDULED, or this attempt's own create was the only one); after an earlier attempt a create may have landed, so it ends
 * like any holder of the assignment: kept for another holder, or removed.
 */
export function decideUnactivatedEnd(input: {
  status: GrantStatus;
  earlierAttempt: boolean;
  hasPrincipal: boolean;
  why: "window-missed" | "failed";
}): UnactivatedEnd {
  if (input.status === "PROVISIONING" && input.earlierAttempt && input.hasPrincipal) return { path: "keep-or-remove" };
  return { path: "end", event: input.why === "window-missed" ? "cancel" : "provisioning-failed" };
}

// A job may fire a little early (clock skew between workers); anything sooner than this is treated as due.
export const EARLY_TOLERANCE_MS = 1_000;

export type DeactivationStep = "not-due" | "cancel" | "wait-for-activation" | "keep-or-remove" | "remove" | "skip";

/** What the removal job does with a grant it finds in `status`, `endsAt` being the grant's current end. */
export function deactivationStep(grant: { status: GrantStatus; endsAt: Date }, now: Date): DeactivationStep {
  const due = grant.endsAt.getTime() <= now.getTime() + EARLY_TOLERANCE_MS;
  switch (grant.status) {
    case "SCHEDULED":
      return due ? "cancel" : "not-due";
    case "PROVISIONING":
      return "wait-for-activation";
    // An extension moved the end: the job for the new end time will do the work.
    case "ACTIVE":
      return due ? "keep-or-remove" : "not-due";
    // A failed removal is decided again: another grant may have taken the assignment over meanwhile.
    case "REMOVAL_FAILED":
      return "keep-or-remove";
    case "REMOVING":
      return "remove";
    default:
      return "skip";
  }
}

export type TupleEndDecision = { action: "wait" } | GrantEndDecision;

/**
 * Keep or remove, for a grant leaving the assignment. It waits while another grant of the tuple with an open window is
 * being created, whose create our delete could overtake; a PROVISIONING grant whose window also closed is not waited for
 * (two of them would wait on each other), since it either fails or becomes ACTIVE and removes itself.
 */
export function decideOnTupleEnd(input: {
  endingGrantId: string;
  tupleIsStanding: boolean;
  otherGrants: readonly TupleGrant[];
  now: Date;
}): TupleEndDecision {
  const others = input.otherGrants.filter((grant) => grant.id !== input.endingGrantId);
  if (others.some((grant) => grant.status === "PROVISIONING" && grant.endsAt > input.now)) return { action: "wait" };
  return decideOnGrantEnd({ ...input, otherGrants: others });
}

/** The grant event that carries out a keep-or-remove verdict from `from`. */
export function grantEndEvent(from: GrantStatus, decision: GrantEndDecision): GrantEvent {
  if (decision.action === "keep") return "end-without-removal";
  return from === "REMOVAL_FAILED" ? "retry-removal" : "start-removal";
}
