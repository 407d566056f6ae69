import type { RoleMap, RoleName } from "../env";

const ROLE_ORDER: RoleName[] = ["REQUESTER", "APPROVER", "AUDITOR", "ADMIN"];

/** The groups claim may be a list, a single string or absent; anything else counts as no groups. */
export function readGroupsClaim(claims: Record<string, unknown>, claimName: string): string[] {
  const raw = claims[claimName];
  if (typeof raw === "string") return raw ? [raw] : [];
  if (Array.isArray(raw)) return [...new Set(raw.filter((g): g is string => typeof g === "string" && g.length > 0))];
  return [];
}

/** Deny by default: a user gets only the roles their IdP groups map to. */
export function rolesForGroups(groups: string[], roleMap: RoleMap): RoleName[] {
  const roles = new Set<RoleName>();
  for (const group of groups)
    if (Object.hasOwn(roleMap, group)) for (const role of roleMap[group] ?? []) roles.add(role);
  return ROLE_ORDER.filter((role) => roles.has(role));
}
