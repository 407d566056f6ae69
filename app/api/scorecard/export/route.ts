// GET /api/scorecard/export - the latest scorecard snapshot as CSV, one line per account; the verb authorizes.
import type { NextRequest } from "next/server";
import { getActor } from "@/lib/auth/actor";
import { clientFromHeaders } from "@/lib/auth/client-info";
import { getPrisma } from "@/lib/db";
import { AppError, isAppError, toUserError, type AppErrorCode } from "@/lib/domain/errors";
import { errorFields, log } from "@/lib/log";
import { exportScorecard } from "@/lib/services/queries/scorecard-overview";
import { withRefusalAudit } from "@/lib/services/refusals/with-refusal-audit";
import { withRouteMetrics } from "@/lib/web/route-metrics";

export const dynamic = "force-dynamic";

const STATUS: Partial<Record<AppErrorCode, number>> = { UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404 };

export const GET = withRouteMetrics("/api/scorecard/export", async (request: NextRequest) => {
  const user = await getActor();
  const ctx = {
    actor: user ?? { type: "anonymous" as const, ...clientFromHeaders(request.headers) },
    db: getPrisma(),
    now: () => new Date(),
  };
  try {
    const download = await withRefusalAudit("scorecard.export", ctx, null, () => {
      if (!user) throw new AppError("UNAUTHENTICATED", "Sign in first.");
      return exportScorecard({ ctx });
    });
    return new Response(download.body, {
      headers: {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="${download.filename}"`,
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
      },
    });
  } catch (error) {
    if (!isAppError(error))
      log.error({ verb: "scorecard.export", err: errorFields(error) }, "unexpected error in scorecard export");
    const safe = toUserError(error);
    return Response.json(
      { ok: false, code: safe.code, message: safe.message },
      { status: STATUS[safe.code] ?? 400, headers: { "cache-control": "no-store" } },
    );
  }
});
