// GET /api/audit/export - the access history (per request, or per audit event with per=event) as a CSV or JSONL download, with the dashboard's filters and authorization.
import { exportAccessHistory } from "@/lib/services/queries/history-export";
import { historyInputFromParams } from "@/lib/services/queries/history-filters";
import { downloadRoute } from "@/lib/web/download-route";

export const dynamic = "force-dynamic";

export const GET = downloadRoute("/api/audit/export", "history.export", async (ctx, request) => {
  const download = await exportAccessHistory({
    ctx,
    input: historyInputFromParams(request.nextUrl.searchParams, ["format", "per"]),
  });
  return { body: download.stream, contentType: download.contentType, filename: download.filename };
});
