// GET /api/scorecard/export - the latest scorecard snapshot as CSV, one line per account; the verb authorizes.
import { exportScorecard } from "@/lib/services/queries/scorecard-overview";
import { downloadRoute } from "@/lib/web/download-route";

export const dynamic = "force-dynamic";

export const GET = downloadRoute("/api/scorecard/export", "scorecard.export", async (ctx) => {
  const download = await exportScorecard({ ctx });
  return { body: download.body, contentType: "text/csv; charset=utf-8", filename: download.filename };
});
