import { decideOnGrantEnd, type GrantEndDecision, type TupleGrant } from "./refcount";
import { isTerminalGrantStatus, type GrantEvent, type GrantStatus } from "./request-lifecycle";

// The pure half of the grant state machine (lib/services/grants/README.md draws it); the grant verbs execute these answers.

/** The request follows its grants only when one settles (ACTIVE or terminal); in-between moves cannot change it. */
export function grantMoveMaySettleRequest(to: GrantStatus): boolean {
  return to === "ACTIVE" || isTerminalGrantStatus(to);
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
