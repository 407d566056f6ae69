import { AppError } from "./errors";

// The strings match the Prisma enums so rows and domain values need no mapping.
export const REQUEST_STATUSES = [
  "PENDING",
  "APPROVED",
  "ACTIVE",
  "COMPLETED",
  "DENIED",
  "CANCELLED",
  "EXPIRED",
  "REVOKED",
  "FAILED",
] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

export const GRANT_STATUSES = [
  "SCHEDULED",
  "PROVISIONING",
  "ACTIVE",
  "FAILED",
  "REMOVING",
  "REMOVED",
  "REMOVAL_FAILED",
  "CANCELLED",
] as const;
export type GrantStatus = (typeof GRANT_STATUSES)[number];

export const REQUEST_EVENTS = [
  "approve-quorum-reached",
  "deny",
  "cancel",
  "expire-pending",
  "activate",
  "complete",
  "revoke",
  "fail",
] as const;
export type RequestEvent = (typeof REQUEST_EVENTS)[number];

export const GRANT_EVENTS = [
  "start-provisioning",
  "provisioned",
  "provisioning-failed",
  "cancel",
  "start-removal",
  "end-without-removal",
  "removal-verified",
  "removal-failed",
  "retry-removal",
  "assignment-lost",
  "recreate-assignment",
] as const;
export type GrantEvent = (typeof GRANT_EVENTS)[number];

type TransitionTable<Event extends string, Status extends string> = {
  readonly [E in Event]: Readonly<Partial<Record<Status, Status>>>;
};

export const ACTOR_KINDS = ["requester", "approver", "admin", "system"] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];

/** One request event: which status it leaves for which, who may trigger it, and the audit action it writes. */
export interface RequestEventRule {
  readonly edges: Readonly<Partial<Record<RequestStatus, RequestStatus>>>;
  /** Ownership and routing are checked by the verbs and by policy; this is the kind of actor. */
  readonly actors: readonly ActorKind[];
  readonly audit: string;
  /** Completes "A pending request cannot be …" when the event is refused. */
  readonly refused: string;
}

/** The request lifecycle; anything not listed is an invalid transition. */
export const REQUEST_TRANSITIONS: { readonly [E in RequestEvent]: RequestEventRule } = {
  // system: auto-approval by policy.
  "approve-quorum-reached": {
    edges: { PENDING: "APPROVED" },
    actors: ["approver", "admin", "system"],
    audit: "request.approved",
    refused: "approved",
  },
  deny: { edges: { PENDING: "DENIED" }, actors: ["approver", "admin"], audit: "request.denied", refused: "denied" },
  // An approved request can still be withdrawn while none of its grants has started (requesterMayCancel).
  cancel: {
    edges: { PENDING: "CANCELLED", APPROVED: "CANCELLED" },
    actors: ["requester"],
    audit: "request.cancelled",
    refused: "cancelled",
  },
  "expire-pending": {
    edges: { PENDING: "EXPIRED" },
    actors: ["system"],
    audit: "request.expired",
    refused: "expired",
  },
  // The audit action names the status reached, as the worker has always written it.
  activate: { edges: { APPROVED: "ACTIVE" }, actors: ["system"], audit: "request.active", refused: "activated" },
  // APPROVED → COMPLETED: every grant was cancelled (released before start, window missed).
  complete: {
    edges: { APPROVED: "COMPLETED", ACTIVE: "COMPLETED" },
    actors: ["system"],
    audit: "request.completed",
    refused: "completed",
  },
  revoke: {
    edges: { APPROVED: "REVOKED", ACTIVE: "REVOKED" },
    actors: ["approver", "admin"],
    audit: "request.revoked",
    refused: "revoked",
  },
  fail: {
    edges: { APPROVED: "FAILED", ACTIVE: "FAILED" },
    actors: ["system"],
    audit: "request.failed",
    refused: "failed",
  },
};

export const GRANT_TRANSITIONS: TransitionTable<GrantEvent, GrantStatus> = {
  "start-provisioning": { SCHEDULED: "PROVISIONING" },
  provisioned: { PROVISIONING: "ACTIVE" },
  // From SCHEDULED too: the principal can be missing before any AWS call is made.
  "provisioning-failed": { SCHEDULED: "FAILED", PROVISIONING: "FAILED" },
  // From PROVISIONING too: this attempt's window closed while it waited for a create slot, before it created anything.
  cancel: { SCHEDULED: "CANCELLED", PROVISIONING: "CANCELLED" },
  // From PROVISIONING too: a create may have landed, so only a verified removal ends it safely.
  "start-removal": { PROVISIONING: "REMOVING", ACTIVE: "REMOVING" },
  // Another active grant or a standing assignment still needs the assignment, so nothing is deleted. From PROVISIONING
  // (window closed mid-create) and REMOVAL_FAILED (a retry finds another holder) too: endGrantInTx keeps it the same way.
  "end-without-removal": { ACTIVE: "REMOVED", PROVISIONING: "REMOVED", REMOVAL_FAILED: "REMOVED" },
  "removal-verified": { REMOVING: "REMOVED" },
  "removal-failed": { REMOVING: "REMOVAL_FAILED" },
  "retry-removal": { REMOVAL_FAILED: "REMOVING" },
  // The reconciler found an active grant's assignment deleted outside the portal: fail it, or create it again.
  "assignment-lost": { ACTIVE: "FAILED" },
  "recreate-assignment": { ACTIVE: "PROVISIONING" },
};

export const GRANT_EVENT_ACTORS: { readonly [E in GrantEvent]: readonly ActorKind[] } = {
  "start-provisioning": ["system"],
  provisioned: ["system"],
  "provisioning-failed": ["system"],
  // requester: cancel or release before start; approver/admin: revoke before start; system: window missed.
  cancel: ["requester", "approver", "admin", "system"],
  // requester: release; approver/admin: revoke; system: expiry.
  "start-removal": ["requester", "approver", "admin", "system"],
  "end-without-removal": ["system"],
  "removal-verified": ["system"],
  "removal-failed": ["system"],
  // An admin may push a stuck removal from the admin page.
  "retry-removal": ["system", "admin"],
  "assignment-lost": ["system"],
  "recreate-assignment": ["system"],
};

export const TERMINAL_REQUEST_STATUSES: readonly RequestStatus[] = [
  "COMPLETED",
  "DENIED",
  "CANCELLED",
  "EXPIRED",
  "REVOKED",
  "FAILED",
];
export const TERMINAL_GRANT_STATUSES: readonly GrantStatus[] = ["REMOVED", "FAILED", "CANCELLED"];
/** Grant statuses in which an AWS assignment may exist because of the grant. */
export const ASSIGNMENT_MAY_EXIST_STATUSES: readonly GrantStatus[] = [
  "PROVISIONING",
  "ACTIVE",
  "REMOVING",
  "REMOVAL_FAILED",
];

export function isTerminalRequestStatus(status: RequestStatus): boolean {
  return TERMINAL_REQUEST_STATUSES.includes(status);
}

export function isTerminalGrantStatus(status: GrantStatus): boolean {
  return TERMINAL_GRANT_STATUSES.includes(status);
}

// Own-property lookups only: "constructor" or "__proto__" arriving from untyped input must not resolve to anything.
function lookup<Key extends string, Value>(row: Readonly<Partial<Record<Key, Value>>>, key: Key): Value | undefined {
  return Object.hasOwn(row, key) ? row[key] : undefined;
}

function nextRequestStatus(from: RequestStatus, event: RequestEvent): RequestStatus | undefined {
  const rule = lookup(REQUEST_TRANSITIONS, event);
  return rule ? lookup(rule.edges, from) : undefined;
}

function nextGrantStatus(from: GrantStatus, event: GrantEvent): GrantStatus | undefined {
  const row = lookup(GRANT_TRANSITIONS, event);
  return row ? lookup(row, from) : undefined;
}

export function canTransitionRequest(from: RequestStatus, event: RequestEvent): boolean {
  return nextRequestStatus(from, event) !== undefined;
}

export function canTransitionGrant(from: GrantStatus, event: GrantEvent): boolean {
  return nextGrantStatus(from, event) !== undefined;
}

export function transitionGrant(from: GrantStatus, event: GrantEvent): GrantStatus {
  const to = nextGrantStatus(from, event);
  if (!to)
    throw new AppError(
      "INVALID_TRANSITION",
      `A ${from.toLowerCase().replace("_", " ")} grant cannot be changed that way.`,
      { detail: `grant ${from} --${event}--> (none)` },
    );
  return to;
}

export function actorMayTriggerRequestEvent(actor: ActorKind, event: RequestEvent): boolean {
  const rule = lookup(REQUEST_TRANSITIONS, event);
  return rule !== undefined && rule.actors.includes(actor);
}

export function actorMayTriggerGrantEvent(actor: ActorKind, event: GrantEvent): boolean {
  const actors = lookup(GRANT_EVENT_ACTORS, event);
  return actors !== undefined && actors.includes(actor);
}

/** A request status change a verb is allowed to make: compare-and-set on `from`, write `to`, audit `audit`. */
export interface RequestStep {
  event: RequestEvent;
  from: RequestStatus;
  to: RequestStatus;
  audit: string;
}

/** The one gate for a request status change: the actor kind may trigger the event and the table has an edge from `from`. */
export function planRequestStep(actor: ActorKind, from: RequestStatus, event: RequestEvent): RequestStep {
  if (!actorMayTriggerRequestEvent(actor, event))
    throw new AppError("FORBIDDEN", "You are not allowed to do that.", {
      detail: `request ${event} by ${actor}`,
    });
  const rule = REQUEST_TRANSITIONS[event];
  const to = nextRequestStatus(from, event);
  if (!to)
    throw new AppError("INVALID_TRANSITION", `A ${from.toLowerCase()} request cannot be ${rule.refused}.`, {
      detail: `request ${from} --${event}--> (none)`,
    });
  return { event, from, to, audit: rule.audit };
}

/** Approved or active: the request's grants are scheduled, live or ending, so it can be released, extended or revoked. */
export function holdsAccess(status: RequestStatus): boolean {
  return status === "APPROVED" || status === "ACTIVE";
}

/** Holds access and its window is still open; released and revoked requests moved their end to now and are only ending. */
export function isRunning(status: RequestStatus, endsAt: Date, now: Date): boolean {
  return holdsAccess(status) && endsAt > now;
}

/** A yes, or a no with the code and the message the user sees; the verbs throw it, the pages hide the button. */
export type LifecycleVerdict = { ok: true } | { ok: false; code: "INVALID_TRANSITION" | "CONFLICT"; message: string };

const allowed: LifecycleVerdict = { ok: true };
const refused = (code: "INVALID_TRANSITION" | "CONFLICT", message: string): LifecycleVerdict => ({
  ok: false,
  code,
  message,
});

/** The requester may cancel while nothing has started: PENDING, or APPROVED with every grant still SCHEDULED. */
export function requesterMayCancel(status: RequestStatus, grantStatuses: readonly GrantStatus[]): LifecycleVerdict {
  if (canTransitionRequest(status, "cancel") && grantStatuses.every((grantStatus) => grantStatus === "SCHEDULED"))
    return allowed;
  return refused(
    "INVALID_TRANSITION",
    status === "ACTIVE"
      ? "This access is active: release it instead."
      : `A ${status.toLowerCase()} request cannot be cancelled.`,
  );
}

/**
 * The requester may release (end early) an approved or active request whose window is still open; its scheduled grants
 * are cancelled and its live ones removed. Where cancelling is also allowed, pages offer cancel instead.
 */
export function requesterMayRelease(status: RequestStatus, endsAt: Date, now: Date): LifecycleVerdict {
  if (!holdsAccess(status))
    return refused("INVALID_TRANSITION", `A ${status.toLowerCase()} request has no access to release.`);
  if (endsAt <= now) return refused("CONFLICT", "This access is already ending; its removal is in progress.");
  return allowed;
}

/** The requester may ask for more time on approved or active access (policy and the window decide the rest). */
export function requesterMayExtend(status: RequestStatus): LifecycleVerdict {
  return holdsAccess(status)
    ? allowed
    : refused("INVALID_TRANSITION", "Only approved or active access can be extended.");
}

/** Approvers may decide while the request is PENDING and its approval window is open. */
export function requestAwaitsDecision(status: RequestStatus): LifecycleVerdict {
  return canTransitionRequest(status, "approve-quorum-reached")
    ? allowed
    : refused("CONFLICT", `This request is already ${status.toLowerCase()}.`);
}

/** A pending request past its approval window is expiring: no more decisions count. */
export function approvalWindowOpen(approvalExpiresAt: Date | null, now: Date): LifecycleVerdict {
  return approvalExpiresAt && approvalExpiresAt <= now
    ? refused("CONFLICT", "This request waited too long for approval and has expired.")
    : allowed;
}

/** An extension can be decided only while the access it extends has not ended. */
export function extensionMayBeDecided(status: RequestStatus): LifecycleVerdict {
  return holdsAccess(status) ? allowed : refused("INVALID_TRANSITION", "The access already ended.");
}

/** Throws a refusal as the AppError the user sees. */
export function assertAllowed(verdict: LifecycleVerdict): void {
  if (!verdict.ok) throw new AppError(verdict.code, verdict.message);
}

/**
 * Rule: decided or closed requests never change; otherwise ACTIVE once any grant is ACTIVE, unchanged while any grant is still
 * moving (scheduled, provisioning, removing, removal failed), and once all grants are settled FAILED if some failed and none
 * delivered access (REMOVED), else COMPLETED.
 */
export function deriveRequestStatus(current: RequestStatus, grantStatuses: readonly GrantStatus[]): RequestStatus {
  if (!holdsAccess(current)) return current;
  if (grantStatuses.length === 0) return current;
  if (grantStatuses.includes("ACTIVE")) return "ACTIVE";
  if (grantStatuses.some((status) => !isTerminalGrantStatus(status))) return current;
  if (grantStatuses.includes("FAILED") && !grantStatuses.includes("REMOVED")) return "FAILED";
  return "COMPLETED";
}

/** The worker's step for a request whose grants moved (deriveRequestStatus), or null when the request stays as it is. */
export function deriveRequestStep(current: RequestStatus, grantStatuses: readonly GrantStatus[]): RequestStep | null {
  const next = deriveRequestStatus(current, grantStatuses);
  if (next === current) return null;
  const event = REQUEST_EVENTS.find((candidate) => nextRequestStatus(current, candidate) === next);
  if (!event) throw new AppError("INVALID_TRANSITION", "The request cannot follow its grants that way.");
  return planRequestStep("system", current, event);
}
