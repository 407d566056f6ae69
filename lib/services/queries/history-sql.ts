import type { Db } from "../../db";
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

/**
 * What the filters resolve to before the page query: emails and OUs become ids (an unknown one matches nothing),
 * and each related-table filter is marked selective when it matches few rows.
 */
export interface HistoryPlan {
  requesterIds?: string[];
  approverIds?: string[];
  ouAccountIds?: string[];
  /** Selective filters drive the query from their own index; broad ones are checked per row while walking (createdAt, id). */
  selective: { target: boolean; approver: boolean; event: boolean };
}

export const NO_PLAN: HistoryPlan = { selective: { target: false, approver: false, event: false } };

/**
 * Below this many matches, collecting the matching request ids first beats walking the newest-first index and probing
 * every row (the planner assumes matches are spread evenly and walks, which is slow for a rare account or approver).
 */
export const SELECTIVE_MATCHES = 2_000;

const anyOf = (column: Prisma.Sql, ids: string[]) =>
  ids.length === 0
    ? Prisma.sql`FALSE`
    : ids.length === 1
      ? Prisma.sql`${column} = ${ids[0]}`
      : Prisma.sql`${column} = ANY(${ids}::text[])`;

export async function planHistoryQuery(db: Db, filters: HistoryFilters): Promise<HistoryPlan> {
  const plan: HistoryPlan = { selective: { target: false, approver: false, event: false } };
  if (filters.requester || filters.approver || filters.ou) {
    const [row] = await db.$queryRaw<{ requesterIds: string[]; approverIds: string[]; ouAccountIds: string[] }[]>`
      SELECT ARRAY(SELECT u.id FROM "User" u WHERE lower(u.email) = ${filters.requester ?? null}) AS "requesterIds",
             ARRAY(SELECT u.id FROM "User" u WHERE lower(u.email) = ${filters.approver ?? null}) AS "approverIds",
             ARRAY(SELECT a.id FROM "AwsAccount" a WHERE ${filters.ou ?? null}::text = ANY(a."ouIds")) AS "ouAccountIds"`;
    if (filters.requester) plan.requesterIds = row!.requesterIds;
    if (filters.approver) plan.approverIds = row!.approverIds;
    if (filters.ou) plan.ouAccountIds = row!.ouAccountIds;
  }
  const target = targetConditions(filters, plan, "t");
  const probes: Prisma.Sql[] = [];
  const capped = (from: Prisma.Sql) =>
    Prisma.sql`(SELECT count(*)::int FROM (SELECT 1 FROM ${from} LIMIT ${SELECTIVE_MATCHES + 1}) x)`;
  probes.push(
    target.length > 0
      ? capped(Prisma.sql`"RequestTarget" t WHERE ${Prisma.join(target, " AND ")}`)
      : Prisma.sql`NULL::int`,
  );
  probes.push(
    plan.approverIds
      ? capped(Prisma.sql`"ApprovalDecision" d WHERE ${anyOf(Prisma.sql`d."approverId"`, plan.approverIds)}`)
      : Prisma.sql`NULL::int`,
  );
  probes.push(
    filters.event
      ? capped(Prisma.sql`"AuditEvent" e WHERE e.action = ${filters.event} AND e."requestId" IS NOT NULL`)
      : Prisma.sql`NULL::int`,
  );
  if (target.length > 0 || plan.approverIds || filters.event) {
    const [counts] = await db.$queryRaw<{ target: number | null; approver: number | null; event: number | null }[]>`
      SELECT ${probes[0]!} AS target, ${probes[1]!} AS approver, ${probes[2]!} AS event`;
    const small = (n: number | null | undefined) => n !== null && n !== undefined && n <= SELECTIVE_MATCHES;
    plan.selective = { target: small(counts?.target), approver: small(counts?.approver), event: small(counts?.event) };
  }
  return plan;
}

/**
 * Conditions on `"AccessRequest" r`; `withTime: false` leaves out the time range (for "right now" figures).
 * `paged: true` is for a LIMITed walk in (createdAt, id) order: a lone broad filter is then probed row by row as the
 * walk goes, because Postgres would otherwise turn it into a semi-join over every matching row before the first page.
 */
export function historyConditions(
  filters: HistoryFilters,
  scope: HistoryScope,
  plan: HistoryPlan,
  options: { withTime?: boolean; paged?: boolean } = {},
): Prisma.Sql[] {
  const where: Prisma.Sql[] = [];
  if (scope.kind === "own") where.push(Prisma.sql`r."requesterId" = ${scope.requesterId}`);
  if (options.withTime !== false) {
    if (filters.from) where.push(Prisma.sql`r."createdAt" >= ${lowerBound(filters.from)}`);
    if (filters.to) where.push(Prisma.sql`r."createdAt" < ${upperBound(filters.to)}`);
  }
  if (plan.requesterIds) where.push(anyOf(Prisma.sql`r."requesterId"`, plan.requesterIds));
  if (filters.status) where.push(Prisma.sql`r.status = ANY(${filters.status}::"RequestStatus"[])`);
  if (filters.kind === "break-glass") where.push(Prisma.sql`r."breakGlass"`);
  const target = targetConditions(filters, plan, "t");
  const broad = [
    target.length > 0 && !plan.selective.target,
    Boolean(plan.approverIds) && !plan.selective.approver,
    Boolean(filters.event) && !plan.selective.event,
  ].filter(Boolean).length;
  // Several broad filters together may match rarely, where walking row by row would read far; the planner chooses then.
  const walk = options.paged === true && broad === 1;
  const related = (selective: boolean, table: Prisma.Sql, alias: Prisma.Sql, conditions: Prisma.Sql[]) =>
    selective
      ? Prisma.sql`r.id = ANY(ARRAY(SELECT ${alias}."requestId" FROM ${table} ${alias} WHERE ${Prisma.join(conditions, " AND ")}))`
      : walk
        ? Prisma.sql`coalesce((SELECT true FROM ${table} ${alias} WHERE ${alias}."requestId" = r.id AND ${Prisma.join(conditions, " AND ")} LIMIT 1), false)`
        : Prisma.sql`EXISTS (SELECT 1 FROM ${table} ${alias} WHERE ${alias}."requestId" = r.id AND ${Prisma.join(conditions, " AND ")})`;
  if (target.length > 0) where.push(related(plan.selective.target, Prisma.sql`"RequestTarget"`, Prisma.sql`t`, target));
  if (plan.approverIds)
    where.push(
      related(plan.selective.approver, Prisma.sql`"ApprovalDecision"`, Prisma.sql`d`, [
        anyOf(Prisma.sql`d."approverId"`, plan.approverIds),
      ]),
    );
  if (filters.event)
    where.push(
      related(plan.selective.event, Prisma.sql`"AuditEvent"`, Prisma.sql`e`, [Prisma.sql`e.action = ${filters.event}`]),
    );
  if (filters.q) {
    const pattern = likePattern(filters.q);
    where.push(Prisma.sql`(r.justification ILIKE ${pattern} ESCAPE '\\' OR r.ticket ILIKE ${pattern} ESCAPE '\\')`);
  }
  return where;
}

/** Account, OU and permission set apply to one target together: "PowerUser on payments-prod", not either anywhere. */
export function targetConditions(filters: HistoryFilters, plan: HistoryPlan, alias: "t" | "g"): Prisma.Sql[] {
  const col = (name: string) => Prisma.raw(`${alias}."${name}"`);
  const out: Prisma.Sql[] = [];
  if (filters.account) out.push(Prisma.sql`${col("accountId")} = ${filters.account}`);
  if (plan.ouAccountIds) out.push(anyOf(col("accountId"), plan.ouAccountIds));
  if (filters.permissionSet) out.push(Prisma.sql`${col("permissionSetArn")} = ${filters.permissionSet}`);
  return out;
}

export function whereClause(conditions: Prisma.Sql[]): Prisma.Sql {
  return conditions.length === 0 ? Prisma.empty : Prisma.sql`WHERE ${Prisma.join(conditions, " AND ")}`;
}

export type KeysetDirection = "forward" | "backward";

/** Keyset step: rows strictly past the cursor in reading order (or before it, read in reverse). */
export function keysetPage(
  sort: HistoryFilters["sort"],
  cursor: HistoryCursor | undefined,
  direction: KeysetDirection,
): { condition: Prisma.Sql | null; order: Prisma.Sql } {
  const descending = (sort === "newest") === (direction === "forward");
  const order = descending ? Prisma.sql`r."createdAt" DESC, r.id DESC` : Prisma.sql`r."createdAt" ASC, r.id ASC`;
  if (!cursor) return { condition: null, order };
  const condition = descending
    ? Prisma.sql`(r."createdAt", r.id) < (${cursor.createdAt}::timestamp(3), ${cursor.id})`
    : Prisma.sql`(r."createdAt", r.id) > (${cursor.createdAt}::timestamp(3), ${cursor.id})`;
  return { condition, order };
}
