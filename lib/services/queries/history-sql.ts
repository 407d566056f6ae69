import { Prisma } from "../../generated/prisma/client";
import { hasPermission } from "../authorize";
import type { Actor } from "../context";
import { lowerBound, upperBound, type HistoryCursor, type HistoryFilters } from "./history-filters";
import { requireViewer } from "./support";

// SQL shared by the history list, its export and its charts, so all three see exactly the same rows.

/** Auditors and admins read everyone's history; everybody else only their own, whatever the filters say. */
export type HistoryScope = { kind: "all" } | { kind: "own"; requesterId: string };

export function historyScope(actor: Actor): HistoryScope {
  const viewer = requireViewer(actor);
  return hasPermission(viewer, "history.read-all") ? { kind: "all" } : { kind: "own", requesterId: viewer.userId };
}

/** Escapes LIKE wildcards so a search for "50%_off" matches those characters literally. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, "\\$&")}%`;
}

const userIdsByEmail = (email: string) => Prisma.sql`ARRAY(SELECT u.id FROM "User" u WHERE lower(u.email) = ${email})`;

/** Conditions on `"AccessRequest" r`; `withTime: false` leaves out the time range (for "right now" figures). */
export function historyConditions(filters: HistoryFilters, scope: HistoryScope, options: { withTime?: boolean } = {}): Prisma.Sql[] {
  const where: Prisma.Sql[] = [];
  if (scope.kind === "own") where.push(Prisma.sql`r."requesterId" = ${scope.requesterId}`);
  if (options.withTime !== false) {
    if (filters.from) where.push(Prisma.sql`r."createdAt" >= ${lowerBound(filters.from)}`);
    if (filters.to) where.push(Prisma.sql`r."createdAt" < ${upperBound(filters.to)}`);
  }
  if (filters.requester) where.push(Prisma.sql`r."requesterId" = ANY(${userIdsByEmail(filters.requester)})`);
  if (filters.status) where.push(Prisma.sql`r.status = ANY(${filters.status}::"RequestStatus"[])`);
  const target = targetConditions(filters, "t");
  if (target.length > 0) where.push(Prisma.sql`EXISTS (SELECT 1 FROM "RequestTarget" t WHERE t."requestId" = r.id AND ${Prisma.join(target, " AND ")})`);
  if (filters.approver) {
    where.push(Prisma.sql`EXISTS (SELECT 1 FROM "ApprovalDecision" d WHERE d."requestId" = r.id AND d."approverId" = ANY(${userIdsByEmail(filters.approver)}))`);
  }
  if (filters.event) where.push(Prisma.sql`EXISTS (SELECT 1 FROM "AuditEvent" e WHERE e."requestId" = r.id AND e.action = ${filters.event})`);
  if (filters.q) {
    const pattern = likePattern(filters.q);
    where.push(Prisma.sql`(r.justification ILIKE ${pattern} ESCAPE '\\' OR r.ticket ILIKE ${pattern} ESCAPE '\\')`);
  }
  return where;
}

/** Account, OU and permission set apply to one target together: "PowerUser on payments-prod", not either anywhere. */
export function targetConditions(filters: HistoryFilters, alias: "t" | "g"): Prisma.Sql[] {
  const col = (name: string) => Prisma.raw(`${alias}."${name}"`);
  const out: Prisma.Sql[] = [];
  if (filters.account) out.push(Prisma.sql`${col("accountId")} = ${filters.account}`);
  if (filters.ou) out.push(Prisma.sql`${col("accountId")} = ANY(ARRAY(SELECT a.id FROM "AwsAccount" a WHERE ${filters.ou} = ANY(a."ouIds")))`);
  if (filters.permissionSet) out.push(Prisma.sql`${col("permissionSetArn")} = ${filters.permissionSet}`);
  return out;
}

export function whereClause(conditions: Prisma.Sql[]): Prisma.Sql {
  return conditions.length === 0 ? Prisma.empty : Prisma.sql`WHERE ${Prisma.join(conditions, " AND ")}`;
}

export type KeysetDirection = "forward" | "backward";

/** Keyset step: rows strictly past the cursor in reading order (or before it, read in reverse). */
export function keysetPage(sort: HistoryFilters["sort"], cursor: HistoryCursor | undefined, direction: KeysetDirection): { condition: Prisma.Sql | null; order: Prisma.Sql } {
  const descending = (sort === "newest") === (direction === "forward");
  const order = descending ? Prisma.sql`r."createdAt" DESC, r.id DESC` : Prisma.sql`r."createdAt" ASC, r.id ASC`;
  if (!cursor) return { condition: null, order };
  const condition = descending ? Prisma.sql`(r."createdAt", r.id) < (${cursor.createdAt}::timestamp(3), ${cursor.id})` : Prisma.sql`(r."createdAt", r.id) > (${cursor.createdAt}::timestamp(3), ${cursor.id})`;
  return { condition, order };
}
