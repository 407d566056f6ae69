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

interface InsightsRow {
  perDay: DayOutcomes[];
  approveAll: { p50: number | null; p90: number | null; n: number };
  approveDaily: { day: string; p50: number | null; p90: number | null }[];
  activeCount: number;
  activeItems: (Omit<ElevationItem, "at"> & { at: string })[];
  accounts: RankedItem[];
  permissionSets: RankedItem[];
  requesters: RankedItem[];
  offHours: { started: number; outside: number };
  offHoursItems: (Omit<ElevationItem, "at"> & { at: string })[];
  fastTotals: { approvals: number; fast: number };
  fastByApprover: RankedItem[];
  fastItems: (Omit<FastApprovalItem, "at"> & { at: string })[];
}

const TOP = 10;
const LIST = 20;

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
  const grantTargets = targetConditions(filters, plan, "g");
  const db = ctx.db;

  // Whole-minute bounds, so comparing the local time of day equals comparing its hour * 60 + minute; '24:00' is a valid time.
  const localTime = Prisma.sql`((g."createVerifiedAt" AT TIME ZONE 'UTC') AT TIME ZONE ${tz})`;
  const insideHours = Prisma.sql`(extract(isodow FROM l.at)::int = ANY(${days}::int[]) AND l.at::time >= ${hoursFrom}::time AND l.at::time < ${hoursTo}::time)`;
  const activeWhere = whereClause([
    ...historyConditions(filters, scope, plan, { withTime: false }),
    Prisma.sql`g.status = 'ACTIVE'`,
    ...grantTargets,
  ]);
  const day = Prisma.sql`date_trunc('day', "createdAt")`;
  const iso = (column: Prisma.Sql) => Prisma.sql`to_char(${column}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  const ranked = (rows: Prisma.Sql) =>
    Prisma.sql`(SELECT coalesce(json_agg(json_build_object('key', x.key, 'label', x.label, 'count', x.count) ORDER BY x.count DESC, x.key), '[]') FROM (${rows}) x)`;
  // The newest LIST rows are picked first and only they are joined to names.
  const elevationList = (rows: Prisma.Sql, order: Prisma.Sql) => Prisma.sql`(
    SELECT coalesce(json_agg(json_build_object('requestId', g."requestId", 'requesterEmail', u.email, 'accountName', coalesce(a.name, g."accountId"), 'permissionSetName', coalesce(ps.name, g."permissionSetArn"),
        'at', ${iso(Prisma.sql`coalesce(g."createVerifiedAt", g."startsAt")`)},
        'local', to_char((coalesce(g."createVerifiedAt", g."startsAt") AT TIME ZONE 'UTC') AT TIME ZONE ${tz}, 'Dy HH24:MI')) ORDER BY ${order}), '[]')
    FROM (${rows} ORDER BY ${order} LIMIT ${LIST}) g
    LEFT JOIN "User" u ON u.id = g."userId" LEFT JOIN "AwsAccount" a ON a.id = g."accountId" LEFT JOIN "PermissionSet" ps ON ps.arn = g."permissionSetArn")`;

  // Each statement reads the window's requests once and computes its charts from them; the four run side by side.
  const req = Prisma.sql`req AS MATERIALIZED (
      SELECT r.id, r."createdAt", r.status, r."requiredApprovals", r."decidedAt", r."breakGlass", r."requesterId"
      FROM "AccessRequest" r ${where})`;
  const [[outcomeRow], [targetRow], [grantRow], [approvalRow]] = await Promise.all([
    db.$queryRaw<Pick<InsightsRow, "perDay" | "approveAll" | "approveDaily" | "requesters">[]>`
      WITH ${req},
      approved AS MATERIALIZED (
        SELECT ${day} AS day, extract(epoch FROM "decidedAt" - "createdAt")::float8 AS s
        FROM req WHERE "requiredApprovals" > 0 AND "decidedAt" IS NOT NULL AND status <> 'DENIED'
      )
      SELECT
        (SELECT coalesce(json_agg(x ORDER BY x.day), '[]') FROM (
          SELECT to_char(${day}, 'YYYY-MM-DD') AS day, count(*)::int AS total,
            count(*) FILTER (WHERE status IN ('APPROVED', 'ACTIVE', 'COMPLETED'))::int AS granted,
            count(*) FILTER (WHERE status = 'REVOKED')::int AS revoked,
            count(*) FILTER (WHERE status = 'DENIED')::int AS denied,
            count(*) FILTER (WHERE status = 'CANCELLED')::int AS cancelled,
            count(*) FILTER (WHERE status = 'EXPIRED')::int AS expired,
            count(*) FILTER (WHERE status = 'FAILED')::int AS failed,
            count(*) FILTER (WHERE status = 'PENDING')::int AS pending,
            count(*) FILTER (WHERE "requiredApprovals" = 0 AND "decidedAt" IS NOT NULL AND NOT "breakGlass")::int AS "selfService",
            count(*) FILTER (WHERE "breakGlass")::int AS "breakGlass"
          FROM req GROUP BY ${day}) x) AS "perDay",
        (SELECT json_build_object('p50', percentile_cont(0.5) WITHIN GROUP (ORDER BY s), 'p90', percentile_cont(0.9) WITHIN GROUP (ORDER BY s), 'n', count(*)) FROM approved) AS "approveAll",
        (SELECT coalesce(json_agg(x ORDER BY x.day), '[]') FROM (
          SELECT to_char(day, 'YYYY-MM-DD') AS day, percentile_cont(0.5) WITHIN GROUP (ORDER BY s) AS p50, percentile_cont(0.9) WITHIN GROUP (ORDER BY s) AS p90
          FROM approved GROUP BY day) x) AS "approveDaily",
        ${ranked(Prisma.sql`SELECT y.key, coalesce(u.email, y.key) AS label, y.count FROM (SELECT "requesterId" AS key, count(*)::int AS count FROM req GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ${TOP}) y JOIN "User" u ON u.id = y.key`)} AS requesters`,
    db.$queryRaw<Pick<InsightsRow, "accounts" | "permissionSets">[]>`
      WITH ${req},
      targets AS MATERIALIZED (
        SELECT t."accountId", t."permissionSetArn" FROM req r JOIN "RequestTarget" t ON t."requestId" = r.id
      )
      SELECT
        ${ranked(Prisma.sql`SELECT t."accountId" AS key, coalesce(max(a.name), t."accountId") AS label, count(*)::int AS count FROM targets t LEFT JOIN "AwsAccount" a ON a.id = t."accountId" GROUP BY t."accountId" ORDER BY count DESC, key LIMIT ${TOP}`)} AS accounts,
        ${ranked(Prisma.sql`SELECT t."permissionSetArn" AS key, coalesce(max(ps.name), t."permissionSetArn") AS label, count(*)::int AS count FROM targets t LEFT JOIN "PermissionSet" ps ON ps.arn = t."permissionSetArn" GROUP BY t."permissionSetArn" ORDER BY count DESC, key LIMIT ${TOP}`)} AS "permissionSets"`,
    db.$queryRaw<Pick<InsightsRow, "activeCount" | "activeItems" | "offHours" | "offHoursItems">[]>`
      WITH ${req},
      started AS MATERIALIZED (
        SELECT g.id, g."requestId", g."userId", g."accountId", g."permissionSetArn", g."createVerifiedAt", g."startsAt", NOT ${insideHours} AS outside
        FROM req r JOIN "Grant" g ON g."requestId" = r.id CROSS JOIN LATERAL (SELECT ${localTime} AS at) l
        ${whereClause([Prisma.sql`g."createVerifiedAt" IS NOT NULL`, ...grantTargets])}
      )
      SELECT
        (SELECT count(*)::int FROM "Grant" g JOIN "AccessRequest" r ON r.id = g."requestId" ${activeWhere}) AS "activeCount",
        ${elevationList(Prisma.sql`SELECT g.* FROM "Grant" g JOIN "AccessRequest" r ON r.id = g."requestId" ${activeWhere}`, Prisma.sql`g."createVerifiedAt" DESC NULLS LAST, g.id DESC`)} AS "activeItems",
        (SELECT json_build_object('started', count(*), 'outside', count(*) FILTER (WHERE outside)) FROM started) AS "offHours",
        ${elevationList(Prisma.sql`SELECT g.* FROM started g WHERE outside`, Prisma.sql`g."createVerifiedAt" DESC, g.id DESC`)} AS "offHoursItems"`,
    db.$queryRaw<Pick<InsightsRow, "fastTotals" | "fastByApprover" | "fastItems">[]>`
      WITH ${req},
      approvals AS MATERIALIZED (
        SELECT d.id, d."approverId", d."createdAt", r.id AS "requestId", r."requesterId", d."createdAt" - r."createdAt" AS waited
        FROM req r JOIN "ApprovalDecision" d ON d."requestId" = r.id WHERE d.decision = 'APPROVE'
      ),
      fast AS MATERIALIZED (SELECT * FROM approvals WHERE waited < make_interval(secs => ${fast}))
      SELECT
        (SELECT json_build_object('approvals', count(*), 'fast', (SELECT count(*) FROM fast)) FROM approvals) AS "fastTotals",
        ${ranked(Prisma.sql`SELECT f."approverId" AS key, coalesce(max(u.email), f."approverId") AS label, count(*)::int AS count FROM fast f LEFT JOIN "User" u ON u.id = f."approverId" GROUP BY f."approverId" ORDER BY count DESC, key LIMIT ${TOP}`)} AS "fastByApprover",
        (SELECT coalesce(json_agg(json_build_object('requestId', f."requestId", 'approverEmail', au.email, 'requesterEmail', ru.email, 'seconds', extract(epoch FROM f.waited)::float8, 'at', ${iso(Prisma.sql`f."createdAt"`)}) ORDER BY f."createdAt" DESC, f.id DESC), '[]')
         FROM (SELECT * FROM fast ORDER BY "createdAt" DESC, id DESC LIMIT ${LIST}) f
         LEFT JOIN "User" au ON au.id = f."approverId" LEFT JOIN "User" ru ON ru.id = f."requesterId") AS "fastItems"`,
  ]);
  const row: InsightsRow = { ...outcomeRow!, ...targetRow!, ...grantRow!, ...approvalRow! };
  const { perDay, approveAll, approveDaily, offHours, fastTotals } = row;
  const activeItems = row.activeItems.map(withDate);
  const offHoursItems = row.offHoursItems.map(withDate);
  const fastItems = row.fastItems.map(withDate);
  const { accounts, permissionSets, requesters, fastByApprover } = row;

  const outcomes = fillDays(perDay, from, parsed.to ? upperBound(parsed.to) : now);
  const overall = approveAll;
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
    activeNow: { count: row.activeCount, items: activeItems },
    top: { accounts, permissionSets, requesters },
    offHours: { count: offHours.outside, started: offHours.started, items: offHoursItems },
    fastApprovals: {
      count: fastTotals.fast,
      approvals: fastTotals.approvals,
      byApprover: fastByApprover,
      items: fastItems,
    },
  };
}

/** JSON carries timestamps as ISO text (UTC, to the millisecond, as stored). */
function withDate<T extends { at: string }>(item: T): Omit<T, "at"> & { at: Date } {
  return { ...item, at: new Date(item.at) };
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
