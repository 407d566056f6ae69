import { z } from "zod";
import { csvLine, jsonLine } from "../../audit/export-format";
import { emitAudit } from "../audit";
import type { ServiceContext } from "../context";
import { parseInput } from "../parse-input";
import { HistoryFilters, type HistoryCursor } from "./history-filters";
import { fetchHistoryRows, type HistoryRow } from "./history-list";
import { historyScope, planHistoryQuery } from "./history-sql";

export const EXPORT_FORMATS = ["csv", "jsonl"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const HistoryExportInput = HistoryFilters.extend({ format: z.enum(EXPORT_FORMATS, { message: "Choose csv or jsonl." }) });

export const EXPORT_PAGE_SIZE = 2_000;

export const CSV_COLUMNS = [
  "request_id",
  "created_at",
  "status",
  "requester_email",
  "requester_name",
  "targets",
  "account_ids",
  "permission_sets",
  "decisions",
  "auto_approved",
  "decided_at",
  "starts_at",
  "ends_at",
  "closed_at",
  "close_reason",
  "ticket",
  "justification",
] as const;

export function csvRecord(row: HistoryRow): unknown[] {
  return [
    row.id,
    row.createdAt,
    row.status,
    row.requester.email,
    row.requester.name,
    row.targets.map((t) => `${t.permissionSetName} on ${t.accountName} (${t.accountId})`).join("; "),
    row.targets.map((t) => t.accountId).join("; "),
    row.targets.map((t) => t.permissionSetName).join("; "),
    row.decisions.map((d) => `${d.decision} by ${d.approverEmail ?? "unknown"} at ${d.at.toISOString()}`).join("; "),
    row.autoApproved,
    row.decidedAt,
    row.startsAt,
    row.endsAt,
    row.closedAt,
    row.closeReason,
    row.ticket,
    row.justification,
  ];
}

export interface HistoryExport {
  filename: string;
  contentType: string;
  stream: ReadableStream<Uint8Array>;
}

/** The dashboard's rows as a download, pulled one keyset page at a time so memory stays flat; who exported what is audited first. */
export async function exportAccessHistory({ ctx, input, pageSize = EXPORT_PAGE_SIZE }: { ctx: ServiceContext; input: unknown; pageSize?: number }): Promise<HistoryExport> {
  const scope = historyScope(ctx.actor);
  const { format, ...filters } = parseInput(HistoryExportInput, input);
  const now = ctx.now();
  const query = { filters, scope, plan: await planHistoryQuery(ctx.db, filters) };
  await ctx.db.$transaction((tx) =>
    emitAudit(tx, ctx.actor, { action: "history.exported", entityType: "history", entityId: "access-history", after: { format, scope: scope.kind, filters } }, now),
  );

  const encoder = new TextEncoder();
  const encode = format === "csv" ? (row: HistoryRow) => csvLine(csvRecord(row)) : (row: HistoryRow) => jsonLine(row);
  const fetchAfter = (cursor: HistoryCursor | undefined) => {
    const pending = fetchHistoryRows(ctx.db, query, cursor, "forward", pageSize);
    // A page fetched ahead may fail after the reader has gone; that must not become an unhandled rejection.
    pending.catch(() => undefined);
    return pending;
  };
  let next: Promise<HistoryRow[]> | null = fetchAfter(undefined);
  const stream = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        if (format === "csv") controller.enqueue(encoder.encode(csvLine(CSV_COLUMNS)));
      },
      async pull(controller) {
        if (!next) return;
        const rows = await next;
        // The database reads the next page while this one is encoded: at most two pages are held at once.
        next = rows.length === pageSize ? fetchAfter(rows.at(-1)) : null;
        if (rows.length > 0) controller.enqueue(encoder.encode(rows.map(encode).join("")));
        if (!next) controller.close();
      },
      cancel() {
        next = null;
      },
    },
    // One page in flight ahead of the reader: a slow client slows the queries instead of filling memory.
    { highWaterMark: 1 },
  );
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\..*$/, "Z");
  return {
    filename: `access-history-${stamp}.${format}`,
    contentType: format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
    stream,
  };
}
