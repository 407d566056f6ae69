import type { SessionRevocationStatus } from "../../generated/prisma/enums";
import { authorize } from "../authorize";
import type { ServiceContext } from "../context";
import { loadTargetNames } from "./support";

export interface SessionRevocationRow {
  id: string;
  /** The portal user's email, else the Identity Store user id, else null (a user without one cannot be revoked). */
  user: string | null;
  identityStoreUserId: string | null;
  /** Sessions issued before this are denied. */
  cutoff: Date;
  /** When the statement is removed: no session issued before the cutoff can still be valid then. */
  expiresAt: Date;
  status: SessionRevocationStatus;
  attempts: number;
  lastError: string | null;
  appliedAt: Date | null;
  verifiedAt: Date | null;
  cleanedAt: Date | null;
  requestId: string | null;
}

export interface SessionRevocationGroup {
  permissionSetArn: string;
  permissionSetName: string;
  accountId: string;
  accountName: string;
  /** Statements still in the permission set's inline policy for this account (not yet cleaned). */
  live: number;
  rows: SessionRevocationRow[];
}

export interface SessionRevocationsView {
  groups: SessionRevocationGroup[];
  counts: Record<SessionRevocationStatus, number>;
  /** Cleaned rows are shown only this many, most recent first; older ones stay in the audit log. */
  cleanedShown: number;
}

const STATUSES: SessionRevocationStatus[] = ["PENDING", "APPLIED", "VERIFIED", "FAILED", "CLEANED"];
const MAX_LIVE = 500;
const MAX_CLEANED = 50;

/** Admins: the portal-managed deny statements per permission set and account, with whom they cut, until when, and how far they got. */
export async function listSessionRevocations({ ctx }: { ctx: ServiceContext }): Promise<SessionRevocationsView> {
  authorize(ctx.actor, "admin.read");
  const [grouped, live, cleaned] = await Promise.all([
    ctx.db.sessionRevocation.groupBy({ by: ["status"], _count: true }),
    ctx.db.sessionRevocation.findMany({
      where: { status: { not: "CLEANED" } },
      orderBy: [{ expiresAt: "asc" }, { id: "asc" }],
      take: MAX_LIVE,
    }),
    ctx.db.sessionRevocation.findMany({
      where: { status: "CLEANED" },
      orderBy: [{ cleanedAt: "desc" }, { id: "desc" }],
      take: MAX_CLEANED,
    }),
  ]);
  const rows = [...live, ...cleaned];
  const grantIds = [...new Set(rows.flatMap((r) => (r.grantId ? [r.grantId] : [])))];
  const userIds = [...new Set(rows.flatMap((r) => (r.identityStoreUserId ? [r.identityStoreUserId] : [])))];
  const [grants, users, names] = await Promise.all([
    grantIds.length
      ? ctx.db.grant.findMany({
          where: { id: { in: grantIds } },
          select: { id: true, requestId: true, user: { select: { email: true } } },
        })
      : [],
    userIds.length
      ? ctx.db.user.findMany({
          where: { identityStoreUserId: { in: userIds } },
          select: { identityStoreUserId: true, email: true },
        })
      : [],
    loadTargetNames(ctx.db, rows),
  ]);
  const grantById = new Map(grants.map((g) => [g.id, g]));
  const emailByStoreId = new Map(users.map((u) => [u.identityStoreUserId, u.email]));

  const groups = new Map<string, SessionRevocationGroup>();
  for (const row of rows) {
    const key = `${row.permissionSetArn}|${row.accountId}`;
    let group = groups.get(key);
    if (!group) {
      group = {
        permissionSetArn: row.permissionSetArn,
        permissionSetName: names.permissionSet(row.permissionSetArn).name,
        accountId: row.accountId,
        accountName: names.account(row.accountId).name,
        live: 0,
        rows: [],
      };
      groups.set(key, group);
    }
    const grant = row.grantId ? grantById.get(row.grantId) : undefined;
    if (row.status !== "CLEANED") group.live += 1;
    group.rows.push({
      id: row.id,
      user:
        grant?.user.email ??
        (row.identityStoreUserId ? (emailByStoreId.get(row.identityStoreUserId) ?? row.identityStoreUserId) : null),
      identityStoreUserId: row.identityStoreUserId,
      cutoff: row.cutoff,
      expiresAt: row.expiresAt,
      status: row.status,
      attempts: row.attempts,
      lastError: row.lastError,
      appliedAt: row.appliedAt,
      verifiedAt: row.verifiedAt,
      cleanedAt: row.cleanedAt,
      requestId: grant?.requestId ?? null,
    });
  }
  return {
    groups: [...groups.values()].sort(
      (a, b) =>
        a.permissionSetName.localeCompare(b.permissionSetName) ||
        a.accountName.localeCompare(b.accountName) ||
        a.accountId.localeCompare(b.accountId),
    ),
    counts: Object.fromEntries(
      STATUSES.map((status) => [status, grouped.find((g) => g.status === status)?._count ?? 0]),
    ) as Record<SessionRevocationStatus, number>,
    cleanedShown: cleaned.length,
  };
}
