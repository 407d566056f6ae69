import { groupTargetShortLabel } from "./group-targets";
import type { SessionRevocationMode } from "./policy";
import {
  ASSIGNMENT_MAY_EXIST_STATUSES,
  isTerminalRequestStatus,
  type GrantStatus,
  type RequestStatus,
} from "./request-lifecycle";
import { formatMinutes } from "./time-window";

// What a request page says about a request: each text follows from the data here, so a page never claims more than happened.

/** "1 hour", "2 hours 30 minutes", "45 minutes": for sentences, where "1 h" reads like a typo. */
export function durationInWords(minutes: number): string {
  const m = Math.max(0, Math.round(minutes));
  const hours = Math.floor(m / 60);
  const rest = m % 60;
  const part = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`;
  if (hours === 0) return part(rest, "minute");
  return rest === 0 ? part(hours, "hour") : `${part(hours, "hour")} ${part(rest, "minute")}`;
}

export interface GrantTrace {
  status: GrantStatus;
  /** Set once a create was sent to AWS: from then on the access may have been usable. */
  createIssuedAt: Date | null;
}

/** True when some grant reached AWS; a request cancelled, denied or expired before that never gave any access. */
export function accessWasUsed(grants: readonly GrantTrace[]): boolean {
  return grants.some(
    (g) => g.createIssuedAt !== null || g.status === "REMOVED" || ASSIGNMENT_MAY_EXIST_STATUSES.includes(g.status),
  );
}

export interface WindowFacts {
  status: RequestStatus;
  startsAt: Date;
  endsAt: Date;
  durationMinutes: number;
  maxDurationMinutes: number;
  startedImmediately: boolean;
  grants: readonly GrantTrace[];
}

/** The text beside a request's window: how long was asked, how long was used, or that it never started. */
export function describeWindow(facts: WindowFacts): string {
  const policyMax = `policy max ${formatMinutes(facts.maxDurationMinutes)}`;
  if (isTerminalRequestStatus(facts.status) && !accessWasUsed(facts.grants))
    return `${formatMinutes(facts.durationMinutes)} asked; never started, no access was used; ${policyMax}`;
  const windowMinutes = Math.max(0, Math.round((facts.endsAt.getTime() - facts.startsAt.getTime()) / 60_000));
  const length =
    windowMinutes === facts.durationMinutes
      ? formatMinutes(windowMinutes)
      : `${formatMinutes(facts.durationMinutes)} asked, ${formatMinutes(windowMinutes)} used`;
  return `${length}${facts.startedImmediately ? ", starts when approved" : ", scheduled"}; ${policyMax}`;
}

/** A target without a grant: it gets one at approval while the request can still be approved, never after. */
export function ungrantedTargetText(status: RequestStatus): string {
  return status === "PENDING" || status === "APPROVED" ? "after approval" : "not granted";
}

export type KeptReason = "standing-assignment" | "covered-by-active-grant";

/** Why an ended grant left its AWS assignment (or group membership) in place, and which requests' grants hold it now. */
export interface KeptAssignment {
  reason: KeptReason;
  coveringRequestIds: readonly string[];
  /** What was kept: an account assignment (the default) or an Identity Center group membership. */
  kind?: "assignment" | "membership";
}

/** Why the assignment outlived a grant: "for the other active grant of request …" or "because it is a standing assignment …". */
export function keptAssignmentReason(kept: KeptAssignment): string {
  if (kept.reason === "standing-assignment")
    return `because it is a standing ${kept.kind ?? "assignment"} outside the portal`;
  const ids = kept.coveringRequestIds;
  if (ids.length === 0) return "for another active grant";
  return `for the other active grant of request ${ids.join(", ")}`;
}

/** The note beside a grant whose assignment was kept. */
export function keptAssignmentText(kept: KeptAssignment): string {
  return `Access ended; the ${kept.kind ?? "assignment"} stays ${keptAssignmentReason(kept)}.`;
}

/** A request's heading: its first target ("PowerUser on payments-prod" or a group's label) and how many more. */
export function requestTitle(
  accountTargets: readonly { permissionSetName: string; accountName: string }[],
  groupNames: readonly string[],
): string {
  const labels = [
    ...accountTargets.map((t) => `${t.permissionSetName} on ${t.accountName}`),
    ...groupNames.map(groupTargetShortLabel),
  ];
  const [first] = labels;
  if (first === undefined) return "Access request";
  return labels.length === 1 ? first : `${first} and ${labels.length - 1} more`;
}

export interface GrantPresentation {
  /** "PowerUser on payments-prod". */
  label: string;
  kept: KeptAssignment | null;
}

export interface TimelineEventFacts {
  action: string;
  /** The generic title of the action (lib/audit/actions.ts). */
  title: string;
  entityType: string;
  entityId: string;
  /** For an event about a target but not a grant (a session revocation): "PowerUser on payments-prod". */
  targetLabel?: string | null;
}

/** A timeline row's title: grant and group grant events name their target, and an end that kept an assignment says so instead of "all access removed". */
export function timelineEventTitle(event: TimelineEventFacts, grants: ReadonlyMap<string, GrantPresentation>): string {
  const grant =
    event.entityType === "grant" || event.entityType === "group_grant" ? grants.get(event.entityId) : undefined;
  if (event.action === "request.completed") {
    const kept = [...grants.values()].filter((g) => g.kept);
    if (kept.length === 0) return event.title;
    return `Completed: access ended; ${kept.map((g) => `${g.label} stays ${g.kept!.kind === "membership" ? "a member" : "assigned"} ${keptAssignmentReason(g.kept!)}`).join("; ")}`;
  }
  if (
    grant?.kept &&
    (event.action === "grant.ended_assignment_kept" || event.action === "group_grant.ended_membership_kept")
  )
    return `Access ended: ${grant.label}; the ${grant.kept.kind ?? "assignment"} stays ${keptAssignmentReason(grant.kept)}`;
  const label = grant?.label ?? event.targetLabel;
  return label ? `${event.title}: ${label}` : event.title;
}

/** The request status shown in the header; while access is still being removed it says so, as the banner does. */
export function requestHeadline(status: RequestStatus, ending: boolean): { key: string; label: string | null } {
  if (!ending) return { key: status, label: null };
  return { key: "ENDING", label: `${status === "REVOKED" ? "Revoked" : "Ending"}: removal in progress` };
}

export type { SessionRevocationMode };

export interface SessionFacts {
  /** "PowerUser": named when some of a request's sessions are cut and others are not. */
  permissionSetName: string;
  /** The permission set's session duration; null when the inventory does not know it. */
  sessionDurationMinutes: number | null;
  /** What the portal does to sessions still open when the access ends (the rule's sessionRevocation). */
  sessionRevocation: SessionRevocationMode;
}

export interface SessionNotice {
  /** "cut": every session ends with the access; "outlives": some can stay valid after it. */
  kind: "cut" | "outlives";
  text: string;
}

const SIGN_OUT = "Sign out of the AWS console when you are done.";

/**
 * What happens to AWS console and CLI sessions when the access ends, in one notice per request (never one per target): how long
 * a session could outlive the window (the longest session duration) and whether the portal cuts it; null when nothing is known.
 */
export function sessionNotice(targets: readonly SessionFacts[]): SessionNotice | null {
  const longest = (of: readonly SessionFacts[]) => {
    const known = of.map((t) => t.sessionDurationMinutes).filter((m): m is number => m !== null && m > 0);
    return known.length === 0 ? null : Math.max(...known);
  };
  const cut = targets.filter((t) => t.sessionRevocation === "deny-on-end");
  const kept = targets.filter((t) => t.sessionRevocation !== "deny-on-end");
  const keptLongest = longest(kept);
  if (keptLongest === null) {
    if (cut.length === 0) return null;
    const cutLongest = longest(cut);
    const outlive =
      cutLongest === null
        ? ""
        : ` could otherwise stay valid for up to ${durationInWords(cutLongest)} after it ends, but it`;
    return {
      kind: "cut",
      text: `An AWS session opened during this access${outlive} is cut off when the access ends (it can take a few minutes to reach every AWS region).`,
    };
  }
  const stays = `can stay valid for up to ${durationInWords(keptLongest)} after it ends`;
  if (cut.length === 0)
    return {
      kind: "outlives",
      text: `An AWS session opened during this access ${stays}: removing the assignment does not end sessions already open. ${SIGN_OUT}`,
    };
  const names = [...new Set(kept.map((t) => t.permissionSetName))].join(", ");
  return {
    kind: "outlives",
    text: `An AWS session opened during this access is cut off when the access ends, except a ${names} session, which ${stays}. ${SIGN_OUT}`,
  };
}
