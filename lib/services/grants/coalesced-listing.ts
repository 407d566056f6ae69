import type { AssignmentPrincipal, IdentityCenterPort } from "../../aws/identity-center-port";

/**
 * Removal checks for the same account and permission set that arrive together share one ListAccountAssignments call:
 * during an expiry burst this saves most of the shared ~20 requests/s budget. Each new check pushes the listing back by
 * `windowMs`, at most `maxWaitMs` after the first, so a burst on one pair costs one listing per `maxWaitMs`. A caller
 * only joins a listing that starts after it asked, so every check still sees the state after its own deletion finished.
 */
export function coalesceAssignmentListing(
  port: Pick<IdentityCenterPort, "listAssignments">,
  windowMs = 100,
  maxWaitMs = windowMs,
) {
  interface Pending {
    firstAskedAt: number;
    timer: ReturnType<typeof setTimeout> | undefined;
    listing: Promise<AssignmentPrincipal[]>;
    start(): void;
  }
  const pending = new Map<string, Pending>();
  return (target: { accountId: string; permissionSetArn: string }): Promise<AssignmentPrincipal[]> => {
    const key = `${target.accountId}|${target.permissionSetArn}`;
    const askedAt = Date.now();
    let entry = pending.get(key);
    if (!entry) {
      let start = () => {};
      const listing = new Promise<AssignmentPrincipal[]>((resolve, reject) => {
        start = () => {
          pending.delete(key);
          port.listAssignments(target).then(resolve, reject);
        };
      });
      entry = { firstAskedAt: askedAt, timer: undefined, listing, start };
      pending.set(key, entry);
    }
    clearTimeout(entry.timer);
    const startsAt = Math.min(askedAt + windowMs, entry.firstAskedAt + maxWaitMs);
    entry.timer = setTimeout(entry.start, Math.max(0, startsAt - askedAt));
    return entry.listing;
  };
}

/**
 * For a tuple's first use (was the assignment there before the portal?): a listing of the pair that started at most
 * `maxAgeMs` ago answers for every principal, since the portal has not touched a tuple before its first create. A start
 * burst then lists each pair about once per `maxAgeMs` instead of once per grant.
 */
export function reuseRecentListing(list: IdentityCenterPort["listAssignments"], maxAgeMs: number) {
  const recent = new Map<string, { startedAt: number; listing: Promise<AssignmentPrincipal[]> }>();
  return (target: { accountId: string; permissionSetArn: string }): Promise<AssignmentPrincipal[]> => {
    const key = `${target.accountId}|${target.permissionSetArn}`;
    const now = Date.now();
    const cached = recent.get(key);
    if (cached && now - cached.startedAt <= maxAgeMs) return cached.listing;
    const listing = list(target);
    recent.set(key, { startedAt: now, listing });
    // A failed listing is not reused: the next caller asks again.
    listing.catch(() => recent.get(key)?.listing === listing && recent.delete(key));
    return listing;
  };
}
