import type { Db } from "../../db";
import type { RequestStatus } from "../../generated/prisma/enums";
import type { ServiceContext } from "../context";
import { parseInput } from "../parse-input";
import {
  assertRangeMakesSense,
  encodeCursor,
  HistoryPageInput,
  type HistoryCursor,
  type HistoryFilters,
} from "./history-filters";
import {
  historyConditions,
  historyScope,
  keysetPage,
  planHistoryQuery,
  whereClause,
  type HistoryScope,
  type KeysetDirection,
  type HistoryPlan,
} from "./history-sql";
import { summarizeGroupTarget, type GroupTargetSummary } from "./support";

export interface HistoryTarget {
  accountId: string;
  accountName: string;
  ouPath: string;
  permissionSetArn: string;
  permissionSetName: string;
}

export interface HistoryDecision {
  approverEmail: string | null;
  approverName: string | null;
  decision: "APPROVE" | "DENY";
  comment: string | null;
  at: Date;
}

export interface HistoryRow {
  id: string;
  createdAt: Date;
  status: RequestStatus;
  requester: { id: string; email: string | null; name: string | null };
  justification: string;
  ticket: string | null;
  startsAt: Date;
  endsAt: Date;
  decidedAt: Date | null;
  closedAt: Date | null;
  closeReason: string | null;
  requiredApprovals: number;
  /** Approved by policy without a person (self-service). */
  autoApproved: boolean;
  /** Emergency access granted by a break-glass rule, reviewed afterwards. */
  breakGlass: boolean;
  targets: HistoryTarget[];
  /** Identity Center group memberships asked for (a request has targets or groups). */
  groups: GroupTargetSummary[];
  decisions: HistoryDecision[];
}

export interface HistoryPage {
  rows: HistoryRow[];
  /** Keyset positions for the next (further in reading order) and previous pages; null at either end. */
  nextCursor: string | null;
  prevCursor: string | null;
  scope: HistoryScope["kind"];
}

interface PageRow {
  id: string;
  createdAt: Date;
  status: RequestStatus;
  requesterId: string;
  requesterEmail: string | null;
  requesterName: string | null;
  justification: string;
  ticket: string | null;
  startsAt: Date;
  endsAt: Date;
  decidedAt: Date | null;
  closedAt: Date | null;
  closeReason: string | null;
  requiredApprovals: number;
  breakGlass: boolean;
}

type TargetRow = HistoryTarget & { requestId: string };
type DecisionRow = HistoryDecision & { requestId: string };

/** One keyset page in reading order; the newest/oldest index on (createdAt, id) keeps deep pages as cheap as the first. */
export async function fetchHistoryRows(
  db: Db,
  query: { filters: HistoryFilters; scope: HistoryScope; plan: HistoryPlan },
  cursor: HistoryCursor | undefined,
  direction: KeysetDirection,
  limit: number,
): Promise<HistoryRow[]> {
  const { filters } = query;
  const keyset = keysetPage(filters.sort, cursor, direction);
  const conditions = historyConditions(filters, query.scope, query.plan, { paged: true });
  if (keyset.condition) conditions.push(keyset.condition);
  const page = await db.$queryRaw<PageRow[]>`
    WITH page AS (
      SELECT r.id, r."createdAt", r.status, r."requesterId", r.justification, r.ticket, r."startsAt", r."endsAt", r."decidedAt", r."closedAt", r."closeReason", r."requiredApprovals", r."breakGlass"
      FROM "AccessRequest" r
      ${whereClause(conditions)}
      ORDER BY ${keyset.order}
      LIMIT ${limit}
    )
    SELECT r.*, u.email AS "requesterEmail", u.name AS "requesterName"
    FROM page r JOIN "User" u ON u.id = r."requesterId"
    ORDER BY ${keyset.order}`;
  if (page.length === 0) return [];
  // Targets and decisions come as plain rows and are grouped here: aggregating them into JSON in SQL cost several times more per export page.
  const ids = page.map((r) => r.id);
  const [targets, groupTargets, decisions] = await Promise.all([
    db.$queryRaw<TargetRow[]>`
      SELECT t."requestId", t."accountId", coalesce(a.name, t."accountId") AS "accountName", coalesce(a."ouPath", '') AS "ouPath",
             t."permissionSetArn", coalesce(ps.name, t."permissionSetArn") AS "permissionSetName"
      FROM "RequestTarget" t
      LEFT JOIN "AwsAccount" a ON a.id = t."accountId"
      LEFT JOIN "PermissionSet" ps ON ps.arn = t."permissionSetArn"
      WHERE t."requestId" = ANY(${ids}::text[])
      ORDER BY t.id`,
    db.groupRequestTarget.findMany({
      where: { requestId: { in: ids } },
      select: { requestId: true, groupName: true },
      orderBy: { groupName: "asc" },
    }),
    db.$queryRaw<DecisionRow[]>`
      SELECT d."requestId", au.email AS "approverEmail", au.name AS "approverName", d.decision, d.comment, d."createdAt" AS at
      FROM "ApprovalDecision" d JOIN "User" au ON au.id = d."approverId"
      WHERE d."requestId" = ANY(${ids}::text[])
      ORDER BY d."createdAt", d.id`,
  ]);
  const targetsOf = groupBy(targets, (t): HistoryTarget => ({
    accountId: t.accountId,
    accountName: t.accountName,
    ouPath: t.ouPath,
    permissionSetArn: t.permissionSetArn,
    permissionSetName: t.permissionSetName,
  }));
  const decisionsOf = groupBy(decisions, (d): HistoryDecision => ({
    approverEmail: d.approverEmail,
    approverName: d.approverName,
    decision: d.decision,
    comment: d.comment,
    at: d.at,
  }));
  const groupsOf = groupBy(groupTargets, summarizeGroupTarget);
  const rows = page.map((r) =>
    toRow(r, targetsOf.get(r.id) ?? [], groupsOf.get(r.id) ?? [], decisionsOf.get(r.id) ?? []),
  );
  return direction === "forward" ? rows : rows.reverse();
}

function groupBy<T extends { requestId: string }, U>(items: T[], map: (item: T) => U): Map<string, U[]> {
  const out = new Map<string, U[]>();
  for (const item of items) {
    const list = out.get(item.requestId);
    if (list) list.push(map(item));
    else out.set(item.requestId, [map(item)]);
  }
  return out;
}

function toRow(
  r: PageRow,
  targets: HistoryTarget[],
  groups: GroupTargetSummary[],
  decisions: HistoryDecision[],
): HistoryRow {
  return {
    id: r.id,
    createdAt: r.createdAt,
    status: r.status,
    requester: { id: r.requesterId, email: r.requesterEmail, name: r.requesterName },
    justification: r.justification,
    ticket: r.ticket,
    startsAt: r.startsAt,
    endsAt: r.endsAt,
    decidedAt: r.decidedAt,
    closedAt: r.closedAt,
    closeReason: r.closeReason,
    requiredApprovals: r.requiredApprovals,
    autoApproved: r.requiredApprovals === 0 && r.decidedAt !== null,
    breakGlass: r.breakGlass,
    targets,
    groups,
    decisions,
  };
}

/** The access-history dashboard: requests matching the filters, one keyset page at a time; requesters only ever get their own. */
export async function listAccessHistory({ ctx, input }: { ctx: ServiceContext; input: unknown }): Promise<HistoryPage> {
  const scope = historyScope(ctx.actor);
  const { after, before, limit, ...filters } = parseInput(HistoryPageInput, input);
  assertRangeMakesSense(filters);
  const query = { filters, scope, plan: await planHistoryQuery(ctx.db, filters) };
  let direction: KeysetDirection = before ? "backward" : "forward";
  let rows = await fetchHistoryRows(ctx.db, query, before ?? after, direction, limit + 1);
  let more = rows.length > limit;
  // Stepping back onto the first page shows it whole, as if it had been opened directly.
  if (direction === "backward" && !more) {
    direction = "forward";
    rows = await fetchHistoryRows(ctx.db, query, undefined, direction, limit + 1);
    more = rows.length > limit;
  }
  // Going backward the extra row sits at the start (rows come back in reading order).
  const page = more ? (direction === "forward" ? rows.slice(0, limit) : rows.slice(1)) : rows;
  const first = page[0];
  const last = page.at(-1);
  return {
    rows: page,
    nextCursor: last && (direction === "forward" ? more : true) ? encodeCursor(last) : null,
    prevCursor: first && (direction === "forward" ? Boolean(after) : more) ? encodeCursor(first) : null,
    scope: scope.kind,
  };
}

export type { HistoryScope };
