import { AppError } from "../domain/errors";
import type { Role } from "../generated/prisma/enums";
import type { Actor, UserActor } from "./context";

// Who may attempt which verb; finer checks (own request, routed approver, policy) live in the verb itself.
export const PERMISSIONS = {
  // Admins hold no standing access: they elevate through a request like everyone else.
  "request.create": ["REQUESTER", "ADMIN"],
  "request.cancel": ["REQUESTER", "APPROVER", "ADMIN", "AUDITOR"],
  "request.extend": ["REQUESTER", "APPROVER", "ADMIN", "AUDITOR"],
  "grant.release": ["REQUESTER", "APPROVER", "ADMIN", "AUDITOR"],
  "request.decide": ["APPROVER", "ADMIN"],
  "grant.revoke": ["APPROVER", "ADMIN"],
  "history.read-all": ["AUDITOR", "ADMIN"],
  "policy.read": ["REQUESTER", "APPROVER", "AUDITOR", "ADMIN"],
  "admin.read": ["ADMIN"],
  "drift.read": ["AUDITOR", "ADMIN"],
  "drift.manage": ["ADMIN"],
  "alert.acknowledge": ["ADMIN"],
  "notification.retry": ["ADMIN"],
  "inventory.read": ["ADMIN"],
  "inventory.refresh": ["ADMIN"],
  "grants.read-active": ["AUDITOR", "ADMIN"],
  // Zero-standing-credentials scorecard: auditors read it; only admins measure on demand or remove standing access.
  "scorecard.read": ["AUDITOR", "ADMIN"],
  "scorecard.manage": ["ADMIN"],
  // Device sign-in (jit login): anyone may sign their own devices in and out; admins may sign anyone's out.
  "device.authorize": ["REQUESTER", "APPROVER", "AUDITOR", "ADMIN"],
  "device.revoke-any": ["ADMIN"],
  // Break-glass: the policy's breakGlass rules decide who may use it; approvers, auditors and admins review every use.
  "breakglass.use": ["REQUESTER", "APPROVER", "AUDITOR", "ADMIN"],
  "breakglass.review": ["APPROVER", "AUDITOR", "ADMIN"],
  "breakglass.read": ["APPROVER", "AUDITOR", "ADMIN"],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

/** For UI gates (links, buttons, page guards): the same table the verbs check. */
export function rolesAllow(roles: readonly string[], permission: Permission): boolean {
  const allowed: readonly string[] = PERMISSIONS[permission];
  return roles.some((role) => allowed.includes(role));
}

export function hasPermission(actor: Actor, permission: Permission): boolean {
  if (actor.type === "system") return true;
  if (actor.type !== "user") return false;
  return rolesAllow(actor.roles, permission);
}

/** The first line of every user-facing verb. System actors (the worker) are trusted callers. */
export function authorize(actor: Actor, permission: Permission): void {
  if (actor.type === "anonymous") throw new AppError("UNAUTHENTICATED", "Sign in first.");
  if (!hasPermission(actor, permission)) throw new AppError("FORBIDDEN", "Your role does not allow this.");
}

export function requireUser(actor: Actor, permission: Permission): UserActor {
  authorize(actor, permission);
  if (actor.type !== "user") throw new AppError("FORBIDDEN", "Only a signed-in person can do this.");
  return actor;
}
