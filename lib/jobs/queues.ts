import { z } from "zod";

// Queue names and their payloads; handlers parse payloads with these schemas (a job row is untrusted input).
export const QUEUES = {
  activateGrant: "grant-activate",
  deactivateGrant: "grant-deactivate",
  /** Temporary Identity Center group memberships (GroupGrant); payload GrantJob with the group grant's id. */
  activateGroupGrant: "group-grant-activate",
  deactivateGroupGrant: "group-grant-deactivate",
  reconcileGroupMemberships: "group-memberships-reconcile",
  expirePendingRequest: "request-expire-pending",
  escalateRequest: "request-escalate",
  sweepGrants: "grant-sweep",
  syncInventory: "inventory-sync",
  reconcileAssignments: "assignments-reconcile",
  unassignDrift: "drift-unassign",
  checkRemovalAlerts: "alerts-check-removals",
  summarizeRefusals: "refusals-summarize",
  cleanSessionRevocations: "sessions-clean-revocations",
  checkBreakGlassReviews: "breakglass-check-reviews",
  refreshIdentityCenterGroups: "users-refresh-identity-center-groups",
  sweepIdentityCenterGroups: "users-sweep-identity-center-groups",
  scorecardSnapshot: "scorecard-snapshot",
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export const GrantJob = z.object({ grantId: z.string().min(1).max(64) }).strict();
export type GrantJob = z.infer<typeof GrantJob>;

export const RequestJob = z.object({ requestId: z.string().min(1).max(64) }).strict();
export type RequestJob = z.infer<typeof RequestJob>;

export const UserJob = z.object({ userId: z.string().min(1).max(64) }).strict();
export type UserJob = z.infer<typeof UserJob>;

export const DriftJob = z.object({ findingId: z.string().min(1).max(64) }).strict();
export type DriftJob = z.infer<typeof DriftJob>;

export const EmptyJob = z.object({}).strict();
export type EmptyJob = z.infer<typeof EmptyJob>;

/** requestedBy: the admin who asked (their user id); absent for the daily schedule. */
export const ScorecardJob = z.object({ requestedBy: z.string().min(1).max(64).optional() }).strict();
export type ScorecardJob = z.infer<typeof ScorecardJob>;
