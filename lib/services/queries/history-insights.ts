import { z } from "zod";
import { Prisma } from "../../generated/prisma/client";
import { requireUser } from "../authorize";
import type { ServiceContext } from "../context";
import { parseInput } from "../parse-input";
import { assertRangeMakesSense, HistoryFilters, lowerBound, upperBound } from "./history-filters";
import { historyConditions, planHistoryQuery, targetConditions, whereClause } from "./history-sql";

// Aggregates for the auditor charts, computed in SQL over the same filtered rows as the dashboard.

const HHMM = z.string().regex(/^([01]\d|2[0-4]):[0-5]\d$/, "Use HH:MM, e.g. 08:00.");
const DayList = z
  .string()
  .regex(/^[1-7](-[1-7])?(,[1-7](-[1-7])?)*$/, "Use ISO weekdays, e.g. 1-5 for Monday to Friday.")
  .transform((text) => {
    const days = new Set<number>();
    for (const part of text.split(",")) {
      const [a, b = a] = part.split("-").map(Number) as [number, number?];
      for (let d = a; d <= b!; d++) days.add(d);
    }
    return [...days].sort();
  });
const TimeZone = z
  .string()
  .max(64)
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat("en", { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, "Use an IANA time zone such as UTC or Europe/Paris.");

export const InsightSettings = z.object({
  fast: z.coerce.number().int().min(1).max(3600).default(10),
  hoursFrom: HHMM.default("08:00"),
  hoursTo: HHMM.default("18:00"),
  days: DayList.default([1, 2, 3, 4, 5]),
  tz: TimeZone.default("UTC"),
});
export type InsightSettings = z.infer<typeof InsightSettings>;
export const INSIGHT_SETTING_KEYS = ["fast", "hoursFrom", "hoursTo", "days", "tz"] as const;

export const HistoryInsightsInput = HistoryFilters.extend(InsightSettings.shape);

/** Without a time range the charts cover this many days back. */
export const DEFAULT_INSIGHT_DAYS = 30;

export const OUTCOMES = ["granted", "revoked", "denied", "cancelled", "expired", "failed", "pending"] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface DayOutcomes extends Record<Outcome, number> {
  day: string;
  total: number;
  selfService: number;
  /** Emergency access requests (break-glass), never counted as self-service. */
  breakGlass: number;
}

export interface RankedItem {
  key: string;
  label: string;
  count: number;
}

export interface ElevationItem {
  requestId: string;
  requesterEmail: string | null;
  accountName: string;
  permissionSetName: string;
  at: Date;
  /** Wall-clock time where the business hours apply, e.g. "Sat 02:14". */
  local: string;
}

export interface FastApprovalItem {
  requestId: string;
  approverEmail: string | null;
  requesterEmail: string | null;
  seconds: number;
  at: Date;
}

export interface HistoryInsights {
  window: { from: Date; to: Date | null; defaulted: boolean };
  settings: InsightSettings;
  perDay: DayOutcomes[];
  totals: { requests: number; selfService: number; breakGlass: number };
  timeToApprove: {
    p50Seconds: number | null;
    p90Seconds: number | null;
    approved: number;
    perDay: { day: string; p50: number | null; p90: number | null }[];
  };
  activeNow: { count: number; items: ElevationItem[] };
  top: { accounts: RankedItem[]; permissionSets: RankedItem[]; requesters: RankedItem[] };
  offHours: { count: number; started: number; items: ElevationItem[] };
  fastApprovals: { count: number; approvals: number; byApprover: RankedItem[]; items: FastApprovalItem[] };
}

const TOP = 10;
const LIST = 20;
const APPROVED = Prisma.sql`r."decidedAt" IS NOT NULL AND r.status <> 'DENIED'`;
const dayOf = (column: Prisma.Sql) => Prisma.sql`to_char(date_trunc('day', ${column}), 'YYYY-MM-DD')`;
const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));

/** Charts for auditors: outcomes per day, time to approve, live elevations, top targets and the patterns worth a second look. */
export async function getHistoryInsights({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: unknown;
}): Promise<HistoryInsights> {
  requireUser(ctx.actor, "history.read-all");
  const { fast, hoursFrom, hoursTo, days, tz, ...parsed } = parseInput(HistoryInsightsInput, input);
  assertRangeMakesSense(parsed);
  const settings: InsightSettings = { fast, hoursFrom, hoursTo, days, tz };
  const now = ctx.now();
  const defaulted = !parsed.from && !parsed.to;
  const from = parsed.from
    ? lowerBound(parsed.from)
    : new Date(
        Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - (DEFAULT_INSIGHT_DAYS - 1) * 86_400_000,
      );
  const filters: HistoryFilters = { ...parsed, from: parsed.from ?? from.toISOString() };
  const scope = { kind: "all" } as const;
  const plan = await planHistoryQuery(ctx.db, filters);
  const cond = historyConditions(filters, scope, plan);
  const where = whereClause(cond);
  const and = (...extra: Prisma.Sql[]) => whereClause([...cond, ...extra]);
  const grantTargets = targetConditions(filters, plan, "g");
  const db = ctx.db;

  const local = Prisma.sql`((g."createVerifiedAt" AT TIME ZONE 'UTC') AT TIME ZONE ${tz})`;
  const insideHours = Prisma.sql`(extract(isodow FROM ${local})::int = ANY(${days}::int[]) AND (extract(hour FROM ${local}) * 60 + extract(minute FROM ${local})) >= ${minutesOf(hoursFrom)} AND (extract(hour FROM ${local}) * 60 + extract(minute FROM ${local})) < ${minutesOf(hoursTo)})`;
  const offHoursWhere = and(Prisma.sql`g."createVerifiedAt" IS NOT NULL`, ...grantTargets);
  const fastWhere = and(Prisma.sql`d.decision = 'APPROVE'`);
  const isFast = Prisma.sql`d."createdAt" - r."createdAt" < make_interval(secs => ${fast})`;

  const [
    perDay,
    approveAll,
    approveDaily,
    active,
    activeItems,
    accounts,
    permissionSets,
    requesters,
    offHours,
    offHoursItems,
    fastTotals,
    fastByApprover,
    fastItems,
  ] = await Promise.all([
    db.$queryRaw<DayOutcomes[]>`
      SELECT ${dayOf(Prisma.sql`r."createdAt"`)} AS day, count(*)::int AS total,
        count(*) FILTER (WHERE r.status IN ('APPROVED', 'ACTIVE', 'COMPLETED'))::int AS granted,
        count(*) FILTER (WHERE r.status = 'REVOKED')::int AS revoked,
        count(*) FILTER (WHERE r.status = 'DENIED')::int AS denied,
        count(*) FILTER (WHERE r.status = 'CANCELLED')::int AS cancelled,
        count(*) FILTER (WHERE r.status = 'EXPIRED')::int AS expired,
        count(*) FILTER (WHERE r.status = 'FAILED')::int AS failed,
        count(*) FILTER (WHERE r.status = 'PENDING')::int AS pending,
        count(*) FILTER (WHERE r."requiredApprovals" = 0 AND r."decidedAt" IS NOT NULL AND NOT r."breakGlass")::int AS "selfService",
        count(*) FILTER (WHERE r."breakGlass")::int AS "breakGlass"
      FROM "AccessRequest" r ${where} GROUP BY 1 ORDER BY 1`,
    db.$queryRaw<{ p50: number | null; p90: number | null; n: number }[]>`
      SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY s) AS p50, percentile_cont(0.9) WITHIN GROUP (ORDER BY s) AS p90, count(*)::int AS n
      FROM (SELECT extract(epoch FROM r."decidedAt" - r."createdAt")::float8 AS s FROM "AccessRequest" r ${and(Prisma.sql`r."requiredApprovals" > 0`, APPROVED)}) x`,
    db.$queryRaw<{ day: string; p50: number | null; p90: number | null }[]>`
      SELECT ${dayOf(Prisma.sql`r."createdAt"`)} AS day,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM r."decidedAt" - r."createdAt")::float8) AS p50,
        percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM r."decidedAt" - r."createdAt")::float8) AS p90
      FROM "AccessRequest" r ${and(Prisma.sql`r."requiredApprovals" > 0`, APPROVED)} GROUP BY 1 ORDER BY 1`,
    db.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM "Grant" g JOIN "AccessRequest" r ON r.id = g."requestId"
      ${whereClause([...historyConditions(filters, scope, plan, { withTime: false }), Prisma.sql`g.status = 'ACTIVE'`, ...grantTargets])}`,
    elevations(
      db,
      whereClause([
        ...historyConditions(filters, scope, plan, { withTime: false }),
        Prisma.sql`g.status = 'ACTIVE'`,
        ...grantTargets,
      ]),
      tz,
      Prisma.sql`g."createVerifiedAt" DESC NULLS LAST`,
    ),
    db.$queryRaw<RankedItem[]>`
      SELECT t."accountId" AS key, coalesce(max(a.name), t."accountId") AS label, count(*)::int AS count
      FROM "AccessRequest" r JOIN "RequestTarget" t ON t."requestId" = r.id LEFT JOIN "AwsAccount" a ON a.id = t."accountId"
      ${where} GROUP BY t."accountId" ORDER BY count DESC, key LIMIT ${TOP}`,
    db.$queryRaw<RankedItem[]>`
      SELECT t."permissionSetArn" AS key, coalesce(max(ps.name), t."permissionSetArn") AS label, count(*)::int AS count
      FROM "AccessRequest" r JOIN "RequestTarget" t ON t."requestId" = r.id LEFT JOIN "PermissionSet" ps ON ps.arn = t."permissionSetArn"
      ${where} GROUP BY t."permissionSetArn" ORDER BY count DESC, key LIMIT ${TOP}`,
    db.$queryRaw<RankedItem[]>`
      SELECT x.key, coalesce(u.email, x.key) AS label, x.count FROM (
        SELECT r."requesterId" AS key, count(*)::int AS count FROM "AccessRequest" r ${where} GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ${TOP}
      ) x JOIN "User" u ON u.id = x.key ORDER BY x.count DESC, x.key`,
    db.$queryRaw<{ started: number; outside: number }[]>`
      SELECT count(*)::int AS started, count(*) FILTER (WHERE NOT ${insideHours})::int AS outside
      FROM "Grant" g JOIN "AccessRequest" r ON r.id = g."requestId" ${offHoursWhere}`,
    elevations(
      db,
      and(Prisma.sql`g."createVerifiedAt" IS NOT NULL`, Prisma.sql`NOT ${insideHours}`, ...grantTargets),
      tz,
      Prisma.sql`g."createVerifiedAt" DESC`,
    ),
    db.$queryRaw<{ approvals: number; fast: number }[]>`
      SELECT count(*)::int AS approvals, count(*) FILTER (WHERE ${isFast})::int AS fast
      FROM "ApprovalDecision" d JOIN "AccessRequest" r ON r.id = d."requestId" ${fastWhere}`,
    db.$queryRaw<RankedItem[]>`
      SELECT d."approverId" AS key, coalesce(max(u.email), d."approverId") AS label, count(*)::int AS count
      FROM "ApprovalDecision" d JOIN "AccessRequest" r ON r.id = d."requestId" LEFT JOIN "User" u ON u.id = d."approverId"
      ${and(Prisma.sql`d.decision = 'APPROVE'`, isFast)} GROUP BY d."approverId" ORDER BY count DESC, key LIMIT ${TOP}`,
    db.$queryRaw<(Omit<FastApprovalItem, "seconds"> & { seconds: number })[]>`
      SELECT r.id AS "requestId", au.email AS "approverEmail", ru.email AS "requesterEmail", extract(epoch FROM d."createdAt" - r."createdAt")::float8 AS seconds, d."createdAt" AS at
      FROM "ApprovalDecision" d JOIN "AccessRequest" r ON r.id = d."requestId"
      LEFT JOIN "User" au ON au.id = d."approverId" LEFT JOIN "User" ru ON ru.id = r."requesterId"
      ${and(Prisma.sql`d.decision = 'APPROVE'`, isFast)} ORDER BY d."createdAt" DESC LIMIT ${LIST}`,
  ]);

  const outcomes = fillDays(perDay, from, parsed.to ? upperBound(parsed.to) : now);
  const overall = approveAll[0];
  return {
    window: { from, to: parsed.to ? upperBound(parsed.to) : null, defaulted },
    settings,
    perDay: outcomes,
    totals: {
      requests: outcomes.reduce((n, d) => n + d.total, 0),
      selfService: outcomes.reduce((n, d) => n + d.selfService, 0),
      breakGlass: outcomes.reduce((n, d) => n + d.breakGlass, 0),
    },
    timeToApprove: {
      p50Seconds: overall?.p50 ?? null,
      p90Seconds: overall?.p90 ?? null,
      approved: overall?.n ?? 0,
      perDay: approveDaily,
    },
    activeNow: { count: active[0]?.n ?? 0, items: activeItems },
    top: { accounts, permissionSets, requesters },
    offHours: { count: offHours[0]?.outside ?? 0, started: offHours[0]?.started ?? 0, items: offHoursItems },
    fastApprovals: {
      count: fastTotals[0]?.fast ?? 0,
      approvals: fastTotals[0]?.approvals ?? 0,
      byApprover: fastByApprover,
      items: fastItems,
    },
  };
}

function elevations(
  db: ServiceContext["db"],
  where: Prisma.Sql,
  tz: string,
  order: Prisma.Sql,
): Promise<ElevationItem[]> {
  return db.$queryRaw<ElevationItem[]>`
    SELECT g."requestId", u.email AS "requesterEmail", coalesce(a.name, g."accountId") AS "accountName", coalesce(ps.name, g."permissionSetArn") AS "permissionSetName",
      coalesce(g."createVerifiedAt", g."startsAt") AS at,
      to_char((coalesce(g."createVerifiedAt", g."startsAt") AT TIME ZONE 'UTC') AT TIME ZONE ${tz}, 'Dy HH24:MI') AS local
    FROM "Grant" g JOIN "AccessRequest" r ON r.id = g."requestId"
    LEFT JOIN "User" u ON u.id = g."userId" LEFT JOIN "AwsAccount" a ON a.id = g."accountId" LEFT JOIN "PermissionSet" ps ON ps.arn = g."permissionSetArn"
    ${where} ORDER BY ${order} LIMIT ${LIST}`;
}

/** One entry per UTC day of the window, so quiet days show as zero instead of vanishing from the chart. */
function fillDays(rows: DayOutcomes[], from: Date, to: Date): DayOutcomes[] {
  const byDay = new Map(rows.map((r) => [r.day, r]));
  const out: DayOutcomes[] = [];
  const start = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate());
  const maxDays = 400;
  for (let t = start; t < to.getTime() && out.length < maxDays; t += 86_400_000) {
    const day = new Date(t).toISOString().slice(0, 10);
    out.push(
      byDay.get(day) ?? {
        day,
        total: 0,
        selfService: 0,
        breakGlass: 0,
        granted: 0,
        revoked: 0,
        denied: 0,
        cancelled: 0,
        expired: 0,
        failed: 0,
        pending: 0,
      },
    );
  }
  // Days beyond the cap (a multi-year window) are still reported rather than silently dropped.
  const shown = new Set(out.map((d) => d.day));
  for (const row of rows) if (!shown.has(row.day)) out.push(row);
  return out.sort((a, b) => (a.day < b.day ? -1 : 1));
}
