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

/** event → (from → to); anything not listed is an invalid transition. */
export const REQUEST_TRANSITIONS: TransitionTable<RequestEvent, RequestStatus> = {
  "approve-quorum-reached": { PENDING: "APPROVED" },
  deny: { PENDING: "DENIED" },
  // An approved request can still be withdrawn while none of its grants has started.
  cancel: { PENDING: "CANCELLED", APPROVED: "CANCELLED" },
  "expire-pending": { PENDING: "EXPIRED" },
  activate: { APPROVED: "ACTIVE" },
  // APPROVED → COMPLETED: every grant was cancelled (released before start, window missed).
  complete: { APPROVED: "COMPLETED", ACTIVE: "COMPLETED" },
  revoke: { APPROVED: "REVOKED", ACTIVE: "REVOKED" },
  fail: { APPROVED: "FAILED", ACTIVE: "FAILED" },
};

export const GRANT_TRANSITIONS: TransitionTable<GrantEvent, GrantStatus> = {
  "start-provisioning": { SCHEDULED: "PROVISIONING" },
  provisioned: { PROVISIONING: "ACTIVE" },
  // From SCHEDULED too: the principal can be missing before any AWS call is made.
  "provisioning-failed": { SCHEDULED: "FAILED", PROVISIONING: "FAILED" },
  cancel: { SCHEDULED: "CANCELLED" },
  // From PROVISIONING too: a create may have landed, so only a verified removal ends it safely.
  "start-removal": { PROVISIONING: "REMOVING", ACTIVE: "REMOVING" },
  // Another active grant or a standing assignment still needs the assignment, so nothing is deleted.
  "end-without-removal": { ACTIVE: "REMOVED" },
  "removal-verified": { REMOVING: "REMOVED" },
  "removal-failed": { REMOVING: "REMOVAL_FAILED" },
  "retry-removal": { REMOVAL_FAILED: "REMOVING" },
  // The reconciler found an active grant's assignment deleted outside the portal: fail it, or create it again.
  "assignment-lost": { ACTIVE: "FAILED" },
  "recreate-assignment": { ACTIVE: "PROVISIONING" },
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
function nextStatus<Event extends string, Status extends string>(
  table: TransitionTable<Event, Status>,
  from: Status,
  event: Event,
): Status | undefined {
  if (!Object.hasOwn(table, event)) return undefined;
  const row: Partial<Record<Status, Status>> = table[event];
  return Object.hasOwn(row, from) ? row[from] : undefined;
}

export function canTransitionRequest(from: RequestStatus, event: RequestEvent): boolean {
  return nextStatus(REQUEST_TRANSITIONS, from, event) !== undefined;
}

export function canTransitionGrant(from: GrantStatus, event: GrantEvent): boolean {
  return nextStatus(GRANT_TRANSITIONS, from, event) !== undefined;
}

export function transitionRequest(from: RequestStatus, event: RequestEvent): RequestStatus {
  const to = nextStatus(REQUEST_TRANSITIONS, from, event);
  if (!to)
    throw new AppError("INVALID_TRANSITION", `A ${from.toLowerCase()} request cannot be changed that way.`, {
      detail: `request ${from} --${event}--> (none)`,
    });
  return to;
}

export function transitionGrant(from: GrantStatus, event: GrantEvent): GrantStatus {
  const to = nextStatus(GRANT_TRANSITIONS, from, event);
  if (!to)
    throw new AppError(
      "INVALID_TRANSITION",
      `A ${from.toLowerCase().replace("_", " ")} grant cannot be changed that way.`,
      { detail: `grant ${from} --${event}--> (none)` },
    );
  return to;
}

export const ACTOR_KINDS = ["requester", "approver", "admin", "system"] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];

/** Who may trigger each request event; ownership and routing are checked by the verbs and by policy. */
export const REQUEST_EVENT_ACTORS: { readonly [E in RequestEvent]: readonly ActorKind[] } = {
  // system: auto-approval by policy.
  "approve-quorum-reached": ["approver", "admin", "system"],
  deny: ["approver", "admin"],
  cancel: ["requester"],
  "expire-pending": ["system"],
  activate: ["system"],
  complete: ["system"],
  revoke: ["approver", "admin"],
  fail: ["system"],
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

export function actorMayTriggerRequestEvent(actor: ActorKind, event: RequestEvent): boolean {
  return Object.hasOwn(REQUEST_EVENT_ACTORS, event) && REQUEST_EVENT_ACTORS[event].includes(actor);
}

export function actorMayTriggerGrantEvent(actor: ActorKind, event: GrantEvent): boolean {
  return Object.hasOwn(GRANT_EVENT_ACTORS, event) && GRANT_EVENT_ACTORS[event].includes(actor);
}

/** The requester may cancel while nothing has started: PENDING, or APPROVED with every grant still SCHEDULED. */
export function requesterMayCancel(status: RequestStatus, grantStatuses: readonly GrantStatus[]): boolean {
  if (status === "PENDING") return true;
  return status === "APPROVED" && grantStatuses.every((grantStatus) => grantStatus === "SCHEDULED");
}

/** The requester may release (end early) once access has started; scheduled siblings are cancelled, live ones removed. */
export function requesterMayRelease(status: RequestStatus, grantStatuses: readonly GrantStatus[]): boolean {
  return (
    (status === "ACTIVE" || status === "APPROVED") &&
    grantStatuses.some((grantStatus) => grantStatus === "PROVISIONING" || grantStatus === "ACTIVE")
  );
}

/**
 * Rule: decided or closed requests never change; otherwise ACTIVE once any grant is ACTIVE, unchanged while any grant is still
 * moving (scheduled, provisioning, removing, removal failed), and once all grants are settled FAILED if some failed and none
 * delivered access (REMOVED), else COMPLETED.
 */
export function deriveRequestStatus(current: RequestStatus, grantStatuses: readonly GrantStatus[]): RequestStatus {
  if (current !== "APPROVED" && current !== "ACTIVE") return current;
  if (grantStatuses.length === 0) return current;
  if (grantStatuses.includes("ACTIVE")) return "ACTIVE";
  if (grantStatuses.some((status) => !isTerminalGrantStatus(status))) return current;
  if (grantStatuses.includes("FAILED") && !grantStatuses.includes("REMOVED")) return "FAILED";
  return "COMPLETED";
}
