// GET /api/audit/export - the access history (per request, or per audit event with per=event) as a CSV or JSONL download, with the dashboard's filters and authorization.
import type { NextRequest } from "next/server";
import { getActor } from "@/lib/auth/actor";
import { getPrisma } from "@/lib/db";
import { errorFields, log } from "@/lib/log";
import { clientFromHeaders } from "@/lib/auth/client-info";
import { AppError, isAppError } from "@/lib/domain/errors";
import { exportAccessHistory } from "@/lib/services/queries/history-export";
import { jsonFailure } from "@/lib/web/json-failure";
import { withRouteMetrics } from "@/lib/web/route-metrics";
import { historyInputFromParams } from "@/lib/services/queries/history-filters";
import { withRefusalAudit } from "@/lib/services/refusals/with-refusal-audit";

export const dynamic = "force-dynamic";

export const GET = withRouteMetrics("/api/audit/export", async (request: NextRequest) => {
  const user = await getActor();
  const ctx = {
    actor: user ?? { type: "anonymous" as const, ...clientFromHeaders(request.headers) },
    db: getPrisma(),
    now: () => new Date(),
  };
  try {
    const download = await withRefusalAudit("history.export", ctx, null, () => {
      if (!user) throw new AppError("UNAUTHENTICATED", "Sign in first.");
      return exportAccessHistory({
        ctx,
        input: historyInputFromParams(request.nextUrl.searchParams, ["format", "per"]),
      });
    });
    return new Response(download.stream, {
      headers: {
        "content-type": download.contentType,
        "content-disposition": `attachment; filename="${download.filename}"`,
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
      },
    });
  } catch (error) {
    if (!isAppError(error))
      log.error({ verb: "audit.export", err: errorFields(error) }, "unexpected error in audit export");
    return jsonFailure(error);
  }
});
