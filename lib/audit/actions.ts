// The audit actions the portal writes, with how a timeline shows them; unknown actions still display, humanized.

export type AuditTone = "info" | "success" | "error" | "muted";

export const AUDIT_ACTIONS = {
  "request.created": { title: "Requested", tone: "info" },
  "user.identity_center_groups_changed": { title: "Identity Center groups changed", tone: "info" },
  "request.auto_approved": { title: "Approved automatically by policy", tone: "success" },
  "request.approval_given": { title: "Approval given", tone: "success" },
  "request.denial_given": { title: "Denial given", tone: "error" },
  "request.approved": { title: "Request approved", tone: "success" },
  "request.denied": { title: "Request denied", tone: "error" },
  "request.decision_refused": { title: "Decision refused", tone: "error" },
  "request.cancelled": { title: "Cancelled by the requester", tone: "muted" },
  "request.released": { title: "Released early by the requester", tone: "muted" },
  "request.revoked": { title: "Access revoked", tone: "error" },
  "request.expired": { title: "Expired without a decision", tone: "muted" },
  "request.escalated": { title: "Escalated to the fallback approvers", tone: "info" },
  "request.active": { title: "Access is active", tone: "success" },
  "request.completed": { title: "Completed: all access removed", tone: "muted" },
  "request.failed": { title: "Request failed", tone: "error" },
  "request.extension_requested": { title: "Extension requested", tone: "info" },
  "request.extension_approved": { title: "Extension approved", tone: "success" },
  "request.extension_denied": { title: "Extension denied", tone: "error" },
  "request.extension_approval_given": { title: "Extension approval given", tone: "success" },
  "request.extension_denial_given": { title: "Extension denial given", tone: "error" },
  "request.extension_decision_refused": { title: "Extension decision refused", tone: "error" },
  "request.revoke_refused": { title: "Revoke refused", tone: "error" },
  "request.extended": { title: "Window extended", tone: "info" },
  "grant.provisioning": { title: "Granting started", tone: "info" },
  "grant.create_issued": { title: "Assignment create issued to AWS", tone: "info" },
  "grant.activated": { title: "Assignment active (verified)", tone: "success" },
  "grant.failed": { title: "Granting failed", tone: "error" },
  "grant.window_missed": { title: "Window missed before activation", tone: "muted" },
  "grant.cancelled": { title: "Grant cancelled before it started", tone: "muted" },
  "grant.removing": { title: "Removal started", tone: "info" },
  "grant.delete_issued": { title: "Assignment removal issued to AWS", tone: "info" },
  "grant.removed": { title: "Assignment removed (verified)", tone: "muted" },
  "grant.removal_failed": { title: "Removal failed", tone: "error" },
  "grant.removal_retried": { title: "Removal retried", tone: "info" },
  "grant.ended_assignment_kept": { title: "Ended; assignment kept for other access", tone: "muted" },
  "grant.assignment_lost": { title: "Assignment missing in AWS (found by reconciliation)", tone: "error" },
  "grant.recreating": { title: "Missing assignment being re-created", tone: "info" },
  "group_grant.provisioning": { title: "Membership granting started", tone: "info" },
  "group_grant.activated": { title: "Membership active (verified)", tone: "success" },
  "group_grant.failed": { title: "Membership granting failed", tone: "error" },
  "group_grant.window_missed": { title: "Window missed before the membership started", tone: "muted" },
  "group_grant.cancelled": { title: "Group membership cancelled before it started", tone: "muted" },
  "group_grant.removing": { title: "Membership removal started", tone: "info" },
  "group_grant.ended_membership_kept": { title: "Ended; membership kept for other access", tone: "muted" },
  "group_grant.removed": { title: "Membership removed (verified)", tone: "muted" },
  "group_grant.removal_failed": { title: "Membership removal failed", tone: "error" },
  "group_grant.removal_retried": { title: "Membership removal retried", tone: "info" },
  "group_grant.membership_lost": {
    title: "Membership missing in Identity Center (found by reconciliation)",
    tone: "error",
  },
  "session.revocation_applied": { title: "Live AWS sessions: deny written and provisioning started", tone: "info" },
  "session.revocation_verified": { title: "Live AWS sessions cut (provisioning succeeded)", tone: "success" },
  "session.revocation_cleaned": { title: "Session deny removed after every old session expired", tone: "muted" },
  "session.revocation_failed": { title: "Live AWS sessions could not be cut", tone: "error" },
  "session.revocation_missing": {
    title: "Session deny removed outside the portal (applied again)",
    tone: "error",
  },
  "drift.detected": { title: "Drift detected", tone: "error" },
  "drift.resolved": { title: "Drift resolved", tone: "muted" },
  "drift.accepted": { title: "Out-of-band assignment accepted as standing", tone: "info" },
  "drift.removal_requested": { title: "Out-of-band assignment removal requested", tone: "info" },
  "drift.removed": { title: "Out-of-band assignment removed (verified)", tone: "muted" },
  "drift.removal_failed": { title: "Out-of-band assignment removal failed", tone: "error" },
  "drift.removal_skipped": { title: "Out-of-band assignment removal skipped", tone: "muted" },
  "reconcile.baselined": { title: "Standing assignments recorded as baseline", tone: "info" },
  "breakglass.used": { title: "Emergency access used (break-glass)", tone: "error" },
  "breakglass.refused": { title: "Emergency access refused", tone: "error" },
  "breakglass.reviewed": { title: "Emergency access reviewed", tone: "info" },
  "breakglass.review_refused": { title: "Emergency access review refused", tone: "error" },
  "breakglass.review_overdue": { title: "Emergency access not reviewed in time", tone: "error" },
  "breakglass.offline_detected": { title: "Offline emergency access found by reconciliation", tone: "error" },
  "alert.raised": { title: "Alert raised", tone: "error" },
  "alert.acknowledged": { title: "Alert acknowledged", tone: "info" },
  "alert.resolved": { title: "Alert resolved", tone: "muted" },
  "policy.loaded": { title: "Access policy loaded", tone: "info" },
  "policy.changed": { title: "Access policy changed", tone: "info" },
  "notification.retried": { title: "Dead-letter notification retried", tone: "info" },
  "inventory.synced": { title: "AWS inventory synced", tone: "muted" },
  "history.exported": { title: "Access history exported", tone: "info" },
  "device.authorized": { title: "Device sign-in approved", tone: "info" },
  "device.denied": { title: "Device sign-in denied", tone: "muted" },
  "device.token_issued": { title: "Device signed in (API token issued)", tone: "info" },
  "device.token_revoked": { title: "Device signed out (API token revoked)", tone: "muted" },
  "access.refused": { title: "Attempt refused", tone: "error" },
  "access.refused_repeated": { title: "Attempts refused repeatedly (count in details)", tone: "error" },
} as const satisfies Record<string, { title: string; tone: AuditTone }>;

export type KnownAuditAction = keyof typeof AUDIT_ACTIONS;

/** Actions that belong to a request's life, offered as the dashboard's event-type filter. */
export const REQUEST_EVENT_ACTIONS = (Object.keys(AUDIT_ACTIONS) as KnownAuditAction[]).filter(
  (a) =>
    a.startsWith("request.") ||
    a.startsWith("grant.") ||
    a.startsWith("group_grant.") ||
    a.startsWith("session.") ||
    a.startsWith("breakglass."),
);

export function describeAction(action: string): { title: string; tone: AuditTone } {
  if (Object.hasOwn(AUDIT_ACTIONS, action)) return AUDIT_ACTIONS[action as KnownAuditAction];
  const text = action.replace(/^[a-z]+\./, "").replaceAll("_", " ");
  return { title: text.charAt(0).toUpperCase() + text.slice(1), tone: "info" };
}
