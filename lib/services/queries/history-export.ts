import { groupTargetShortLabel } from "../../domain/group-targets";
import { z } from "zod";
import { csvCell, csvLine, jsonLine } from "../../audit/export-format";
import type { Db } from "../../db";
import { Prisma } from "../../generated/prisma/client";
import { emitAudit } from "../audit";
import type { ServiceContext } from "../context";
import { parseInput } from "../parse-input";
import { assertRangeMakesSense, HistoryFilters, type HistoryCursor } from "./history-filters";
import {
  historyConditions,
  historyScope,
  keysetPage,
  planHistoryQuery,
  whereClause,
  type HistoryPlan,
  type HistoryScope,
} from "./history-sql";

export const EXPORT_FORMATS = ["csv", "jsonl"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const EXPORT_GRANULARITIES = ["request", "event"] as const;
export type ExportGranularity = (typeof EXPORT_GRANULARITIES)[number];

export const HistoryExportInput = HistoryFilters.extend({
  format: z.enum(EXPORT_FORMATS, { message: "Choose csv or jsonl." }),
  /** One row per request (the dashboard's rows) or one per audit event of those requests, for a SIEM. */
  per: z.enum(EXPORT_GRANULARITIES, { message: "Choose one row per request or per event." }).default("request"),
});

export const EXPORT_PAGE_SIZE = 4_000;
// Pages the database reads at once while the reader encodes; measured best on 2 cores (bench:audit --only export).
const EXPORT_PAGES_IN_FLIGHT = 3;

export const CSV_COLUMNS = [
  "request_id",
  "created_at",
  "status",
  "requester_email",
  "requester_name",
  "targets",
  "account_ids",
  "permission_sets",
  "groups",
  "decisions",
  "auto_approved",
  "break_glass",
  "decided_at",
  "starts_at",
  "ends_at",
  "closed_at",
  "close_reason",
  "ticket",
  "justification",
  "session_revocations",
] as const;

export const EVENT_CSV_COLUMNS = [
  "seq",
  "occurred_at",
  "actor_type",
  "actor",
  "action",
  "request_id",
  "entity_type",
  "entity_id",
  "target",
  "aws_request_id",
  "hash",
  "prev_hash",
] as const;

export interface HistoryExport {
  filename: string;
  contentType: string;
  stream: ReadableStream<Uint8Array>;
}

// Postgres renders every cell as text (timestamps in Date#toISOString form), so Node converts no dates and parses no JSON.
const iso = (column: Prisma.Sql) => Prisma.sql`to_char(${column}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

// Targets and decisions of the whole page are read by id through their index and grouped per request: a lookup per row, or a join
// Postgres turns into a scan of every target, cost several times more.
const pageTargets = (columns: Prisma.Sql) => Prisma.sql`
  tg AS (
    SELECT t."requestId", ${columns}
    FROM "RequestTarget" t
    LEFT JOIN "AwsAccount" a ON a.id = t."accountId"
    LEFT JOIN "PermissionSet" ps ON ps.arn = t."permissionSetArn"
    WHERE t."requestId" = ANY(ARRAY(SELECT id FROM page))
    GROUP BY t."requestId"
  )`;
// Identity Center group memberships asked for (a request has account targets or groups), by name.
const pageGroups = (columns: Prisma.Sql) => Prisma.sql`
  gt AS (
    SELECT g."requestId", ${columns}
    FROM "GroupRequestTarget" g
    WHERE g."requestId" = ANY(ARRAY(SELECT id FROM page))
    GROUP BY g."requestId"
  )`;
const pageDecisions = (columns: Prisma.Sql) => Prisma.sql`
  dc AS (
    SELECT d."requestId", ${columns}
    FROM "ApprovalDecision" d
    JOIN "User" au ON au.id = d."approverId"
    WHERE d."requestId" = ANY(ARRAY(SELECT id FROM page))
    GROUP BY d."requestId"
  )`;
// The session.revocation_* audit events of the page's requests, read through the (requestId, seq) index.
const pageRevocations = (columns: Prisma.Sql) => Prisma.sql`
  sr AS (
    SELECT e."requestId", ${columns}
    FROM "AuditEvent" e
    LEFT JOIN "AwsAccount" a ON a.id = e.after->>'accountId'
    LEFT JOIN "PermissionSet" ps ON ps.arn = e.after->>'permissionSetArn'
    WHERE e."requestId" = ANY(ARRAY(SELECT id FROM page)) AND e.action LIKE 'session.revocation%'
    GROUP BY e."requestId"
  )`;
const fromPage = Prisma.sql`
  FROM page r
  JOIN "User" u ON u.id = r."requesterId"
  LEFT JOIN tg ON tg."requestId" = r.id
  LEFT JOIN gt ON gt."requestId" = r.id
  LEFT JOIN dc ON dc."requestId" = r.id
  LEFT JOIN sr ON sr."requestId" = r.id`;

/** The CSV cells of a page, named after the columns; several targets or decisions in one cell, joined with "; ". */
function csvSelect(): Prisma.Sql {
  return Prisma.sql`
    ${pageTargets(Prisma.sql`
      string_agg(coalesce(ps.name, t."permissionSetArn") || ' on ' || coalesce(a.name, t."accountId") || ' (' || t."accountId" || ')', '; ' ORDER BY t.id) AS targets,
      string_agg(t."accountId", '; ' ORDER BY t.id) AS account_ids,
      string_agg(coalesce(ps.name, t."permissionSetArn"), '; ' ORDER BY t.id) AS permission_sets`)},
    ${pageGroups(Prisma.sql`string_agg(g."groupName", '; ' ORDER BY g.id) AS groups`)},
    ${pageDecisions(Prisma.sql`
      string_agg(d.decision::text || ' by ' || coalesce(au.email, 'unknown') || ' at ' || ${iso(Prisma.sql`d."createdAt"`)}, '; ' ORDER BY d."createdAt", d.id) AS decisions`)},
    ${pageRevocations(Prisma.sql`
      string_agg('session deny ' || substr(e.action, length('session.revocation_') + 1) || ': ' || coalesce(ps.name, e.after->>'permissionSetArn', '?') || ' on ' || coalesce(a.name, e.after->>'accountId', '?') || ' at ' || ${iso(Prisma.sql`e."occurredAt"`)} || coalesce(' (AWS request ' || (e.after->>'awsRequestId') || ')', ''), '; ' ORDER BY e.seq) AS session_revocations`)}
    SELECT
      r.id AS request_id, ${iso(Prisma.sql`r."createdAt"`)} AS created_at, r.status::text AS status, u.email AS requester_email, u.name AS requester_name,
      tg.targets, tg.account_ids, tg.permission_sets, gt.groups, dc.decisions,
      (r."requiredApprovals" = 0 AND r."decidedAt" IS NOT NULL)::text AS auto_approved, r."breakGlass"::text AS break_glass,
      ${iso(Prisma.sql`r."decidedAt"`)} AS decided_at, ${iso(Prisma.sql`r."startsAt"`)} AS starts_at, ${iso(Prisma.sql`r."endsAt"`)} AS ends_at,
      ${iso(Prisma.sql`r."closedAt"`)} AS closed_at, r."closeReason" AS close_reason, r.ticket, r.justification,
      sr.session_revocations
    ${fromPage}`;
}

/** One JSON document per request, with HistoryRow's keys in HistoryRow's order, then the session revocation events (row_to_json writes the compact form JSON.stringify does). */
function jsonSelect(): Prisma.Sql {
  return Prisma.sql`
    ${pageTargets(Prisma.sql`
      array_to_json(array_agg((
        SELECT y FROM (SELECT t."accountId", coalesce(a.name, t."accountId") AS "accountName", coalesce(a."ouPath", '') AS "ouPath",
                              t."permissionSetArn", coalesce(ps.name, t."permissionSetArn") AS "permissionSetName") y
      ) ORDER BY t.id)) AS json`)},
    ${pageGroups(Prisma.sql`
      array_to_json(array_agg((SELECT y FROM (SELECT g."groupName") y) ORDER BY g.id)) AS json`)},
    ${pageDecisions(Prisma.sql`
      array_to_json(array_agg((
        SELECT y FROM (SELECT au.email AS "approverEmail", au.name AS "approverName", d.decision, d.comment, ${iso(Prisma.sql`d."createdAt"`)} AS at) y
      ) ORDER BY d."createdAt", d.id)) AS json`)},
    ${pageRevocations(Prisma.sql`
      array_to_json(array_agg((
        SELECT y FROM (SELECT e.action, ${iso(Prisma.sql`e."occurredAt"`)} AS at, e.after->>'accountId' AS "accountId",
                              coalesce(ps.name, e.after->>'permissionSetArn') AS "permissionSetName", e.after->>'awsRequestId' AS "awsRequestId") y
      ) ORDER BY e.seq)) AS json`)}
    SELECT row_to_json(x)::text AS line
    ${fromPage}
    CROSS JOIN LATERAL (
      SELECT r.id, ${iso(Prisma.sql`r."createdAt"`)} AS "createdAt", r.status,
             (SELECT y FROM (SELECT r."requesterId" AS id, u.email, u.name) y) AS requester,
             r.justification, r.ticket, ${iso(Prisma.sql`r."startsAt"`)} AS "startsAt", ${iso(Prisma.sql`r."endsAt"`)} AS "endsAt",
             ${iso(Prisma.sql`r."decidedAt"`)} AS "decidedAt", ${iso(Prisma.sql`r."closedAt"`)} AS "closedAt", r."closeReason", r."requiredApprovals",
             (r."requiredApprovals" = 0 AND r."decidedAt" IS NOT NULL) AS "autoApproved", r."breakGlass" AS "breakGlass",
             coalesce(tg.json, '[]') AS targets, coalesce(gt.json, '[]') AS groups, coalesce(dc.json, '[]') AS decisions,
             coalesce(sr.json, '[]') AS "sessionRevocations"
    ) x`;
}

/** One row per audit event of the page's requests, in the page's order and then chain order; a grant event names its target. */
function eventSelect(): Prisma.Sql {
  return Prisma.sql`
    ${pageTargets(Prisma.sql`
      string_agg(coalesce(ps.name, t."permissionSetArn") || ' on ' || coalesce(a.name, t."accountId"), '; ' ORDER BY t.id) AS targets`)},
    ${pageGroups(Prisma.sql`array_agg(g."groupName" ORDER BY g.id) AS names`)}
    SELECT e.seq::text AS seq, ${iso(Prisma.sql`e."occurredAt"`)} AS occurred_at, e."actorType"::text AS actor_type,
      e."actorLabel" AS actor, e.action, e."requestId" AS request_id, e."entityType" AS entity_type, e."entityId" AS entity_id,
      CASE WHEN g.id IS NOT NULL THEN coalesce(gps.name, g."permissionSetArn") || ' on ' || coalesce(ga.name, g."accountId")
           ELSE tg.targets END AS target,
      CASE WHEN gg.id IS NOT NULL THEN ARRAY[gg."groupName"] ELSE gt.names END AS target_groups,
      e.after ->> 'awsRequestId' AS aws_request_id, e.hash, e."prevHash" AS prev_hash
    FROM page r
    JOIN "AuditEvent" e ON e."requestId" = r.id
    LEFT JOIN tg ON tg."requestId" = r.id
    LEFT JOIN gt ON gt."requestId" = r.id
    LEFT JOIN "Grant" g ON e."entityType" = 'grant' AND g.id = e."entityId"
    LEFT JOIN "GroupGrant" gg ON e."entityType" = 'group_grant' AND gg.id = e."entityId"
    LEFT JOIN "AwsAccount" ga ON ga.id = g."accountId"
    LEFT JOIN "PermissionSet" gps ON gps.arn = g."permissionSetArn"`;
}

type ExportQuery = { filters: HistoryFilters; scope: HistoryScope; plan: HistoryPlan };
type ExportRow = Record<string, string | null> & { target_groups?: string[] | null };

/** Keys of every `pageSize`-th row in reading order: each page becomes an independent, bounded query. */
async function pageBoundaries(db: Db, query: ExportQuery, pageSize: number): Promise<HistoryCursor[]> {
  const { order } = keysetPage(query.filters.sort, undefined, "forward");
  const conditions = historyConditions(query.filters, query.scope, query.plan);
  const rows = await db.$queryRaw<{ id: string; at: string }[]>`
    SELECT id, to_char("createdAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at FROM (
      SELECT r.id, r."createdAt", row_number() OVER (ORDER BY ${order}) AS n
      FROM "AccessRequest" r
      ${whereClause(conditions)}
    ) numbered
    WHERE n % ${pageSize} = 0
    ORDER BY n`;
  return rows.map((row) => ({ id: row.id, createdAt: new Date(row.at) }));
}

/** The export rows after `after` up to and including `through` (open-ended for the last page), in reading order. */
async function fetchExportRows(
  db: Db,
  query: ExportQuery,
  format: ExportFormat,
  per: ExportGranularity,
  after: HistoryCursor | undefined,
  through: HistoryCursor | undefined,
): Promise<ExportRow[]> {
  const keyset = keysetPage(query.filters.sort, after, "forward");
  const conditions = historyConditions(query.filters, query.scope, query.plan, { paged: true });
  if (keyset.condition) conditions.push(keyset.condition);
  if (through) {
    const descending = query.filters.sort === "newest";
    conditions.push(
      descending
        ? Prisma.sql`(r."createdAt", r.id) >= (${through.createdAt}::timestamp(3), ${through.id})`
        : Prisma.sql`(r."createdAt", r.id) <= (${through.createdAt}::timestamp(3), ${through.id})`,
    );
  }
  return db.$queryRaw<ExportRow[]>`
    WITH page AS (
      SELECT r.id, r."createdAt", r.status, r."requesterId", r.justification, r.ticket, r."startsAt", r."endsAt", r."decidedAt", r."closedAt", r."closeReason", r."requiredApprovals", r."breakGlass"
      FROM "AccessRequest" r
      ${whereClause(conditions)}
      ORDER BY ${keyset.order}
    ),
    ${per === "event" ? eventSelect() : format === "csv" ? csvSelect() : jsonSelect()}
    ORDER BY ${keyset.order}${per === "event" ? Prisma.sql`, e.seq` : Prisma.empty}`;
}

const encodeCsv = (row: ExportRow) => {
  let line = csvCell(row[CSV_COLUMNS[0]]);
  for (let i = 1; i < CSV_COLUMNS.length; i++) line += `,${csvCell(row[CSV_COLUMNS[i]!])}`;
  return `${line}\r\n`;
};
const encodeJson = (row: ExportRow) => `${row.line}\n`;
// An event of a group membership request names its group(s) as people read them, from the domain's label.
const eventTarget = (row: ExportRow) =>
  row.target_groups?.length ? row.target_groups.map(groupTargetShortLabel).join("; ") : row.target;
const encodeEventCsv = (row: ExportRow) =>
  csvLine(EVENT_CSV_COLUMNS.map((column) => (column === "target" ? eventTarget(row) : row[column])));
const encodeEventJson = (row: ExportRow) =>
  jsonLine({
    seq: Number(row.seq),
    occurredAt: row.occurred_at,
    actorType: row.actor_type,
    actor: row.actor,
    action: row.action,
    requestId: row.request_id,
    entityType: row.entity_type,
    entityId: row.entity_id,
    target: eventTarget(row),
    awsRequestId: row.aws_request_id,
    hash: row.hash,
    prevHash: row.prev_hash,
  });

const ENCODERS: Record<ExportGranularity, Record<ExportFormat, (row: ExportRow) => string>> = {
  request: { csv: encodeCsv, jsonl: encodeJson },
  event: { csv: encodeEventCsv, jsonl: encodeEventJson },
};

/** The dashboard's rows as a download, a few bounded pages in flight at a time so memory stays flat; who exported what is audited first. */
export async function exportAccessHistory({
  ctx,
  input,
  pageSize = EXPORT_PAGE_SIZE,
}: {
  ctx: ServiceContext;
  input: unknown;
  pageSize?: number;
}): Promise<HistoryExport> {
  const scope = historyScope(ctx.actor);
  const { format, per, ...filters } = parseInput(HistoryExportInput, input);
  assertRangeMakesSense(filters);
  const now = ctx.now();
  const query = { filters, scope, plan: await planHistoryQuery(ctx.db, filters) };
  await ctx.db.$transaction((tx) =>
    emitAudit(
      tx,
      ctx.actor,
      {
        action: "history.exported",
        entityType: "history",
        entityId: "access-history",
        after: { format, per, scope: scope.kind, filters },
      },
      now,
    ),
  );

  const encoder = new TextEncoder();
  const encode = ENCODERS[per][format];
  const boundaries = await pageBoundaries(ctx.db, query, pageSize);
  // Page i holds the rows after boundary i-1 through boundary i; the last page is open-ended so rows added meanwhile still show.
  const pageCount = boundaries.length + 1;
  let nextPage = 0;
  const inFlight: Promise<ExportRow[]>[] = [];
  const topUp = () => {
    while (inFlight.length < EXPORT_PAGES_IN_FLIGHT && nextPage < pageCount) {
      const index = nextPage++;
      const pending = fetchExportRows(ctx.db, query, format, per, boundaries[index - 1], boundaries[index]);
      // A page fetched ahead may fail after the reader has gone; that must not become an unhandled rejection.
      pending.catch(() => undefined);
      inFlight.push(pending);
    }
  };
  const stream = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        if (format === "csv")
          controller.enqueue(encoder.encode(csvLine(per === "event" ? EVENT_CSV_COLUMNS : CSV_COLUMNS)));
        topUp();
      },
      async pull(controller) {
        // A page of requests may hold no events; keep reading until something is enqueued, or the stream stalls.
        for (;;) {
          const pending = inFlight.shift();
          if (!pending) return controller.close();
          const rows = await pending;
          // Pages are independent, so the database reads the next ones (one per core) while this one is encoded.
          topUp();
          if (rows.length > 0) {
            let chunk = "";
            for (const row of rows) chunk += encode(row);
            controller.enqueue(encoder.encode(chunk));
          }
          if (inFlight.length === 0) return controller.close();
          if (rows.length > 0) return;
        }
      },
      cancel() {
        nextPage = pageCount;
        inFlight.length = 0;
      },
    },
    // Nothing queued beyond the pages in flight: a slow client slows the queries instead of filling memory.
    { highWaterMark: 1 },
  );
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\..*$/, "Z");
  return {
    filename: `access-history${per === "event" ? "-events" : ""}-${stamp}.${format}`,
    contentType: format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
    stream,
  };
}
