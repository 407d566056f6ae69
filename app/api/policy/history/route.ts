// GET /api/policy/history - every policy load and change with its diff, as a JSON lines download.
import { exportPolicyHistory } from "@/lib/services/queries/policy-history";
import { downloadRoute } from "@/lib/web/download-route";

export const dynamic = "force-dynamic";

export const GET = downloadRoute("/api/policy/history", "policy.history", async (ctx) => ({
  body: await exportPolicyHistory({ ctx }),
  contentType: "application/x-ndjson; charset=utf-8",
  filename: `policy-history-${ctx.now().toISOString().slice(0, 10)}.jsonl`,
}));
