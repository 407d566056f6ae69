// GET /api/policy/history - every policy load and change with its diff, as a JSON lines download.
import type { NextRequest } from "next/server";
import { getActor } from "@/lib/auth/actor";
import { clientFromHeaders } from "@/lib/auth/client-info";
import { getPrisma } from "@/lib/db";
import { AppError, isAppError, toUserError, type AppErrorCode } from "@/lib/domain/errors";
import { errorFields, log } from "@/lib/log";
import { exportPolicyHistory } from "@/lib/services/queries/policy-history";
import { withRefusalAudit } from "@/lib/services/refusals/with-refusal-audit";
import { withRouteMetrics } from "@/lib/web/route-metrics";

export const dynamic = "force-dynamic";

const STATUS: Partial<Record<AppErrorCode, number>> = { UNAUTHENTICATED: 401, FORBIDDEN: 403, RATE_LIMITED: 429 };

export const GET = withRouteMetrics("/api/policy/history", async (request: NextRequest) => {
  const user = await getActor();
  const ctx = {
    actor: user ?? { type: "anonymous" as const, ...clientFromHeaders(request.headers) },
    db: getPrisma(),
    now: () => new Date(),
  };
  try {
    const body = await withRefusalAudit("policy.history", ctx, null, () => {
      if (!user) throw new AppError("UNAUTHENTICATED", "Sign in first.");
      return exportPolicyHistory({ ctx });
    });
    return new Response(body, {
      headers: {
        "content-type": "application/x-ndjson; charset=utf-8",
        "content-disposition": `attachment; filename="policy-history-${ctx.now().toISOString().slice(0, 10)}.jsonl"`,
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
      },
    });
  } catch (error) {
    if (!isAppError(error))
      log.error({ verb: "policy.history", err: errorFields(error) }, "unexpected error in policy history export");
    const safe = toUserError(error);
    return Response.json(
      { ok: false, code: safe.code, message: safe.message },
      { status: STATUS[safe.code] ?? 503, headers: { "cache-control": "no-store" } },
    );
  }
});
