// GET /api/request-targets?q= - the request form's search: the signed-in requester's eligible targets matching q, capped.
import type { NextRequest } from "next/server";
import { getActor } from "@/lib/auth/actor";
import { clientFromHeaders } from "@/lib/auth/client-info";
import { getPrisma } from "@/lib/db";
import { AppError, isAppError } from "@/lib/domain/errors";
import { errorFields, log } from "@/lib/log";
import { searchRequestTargets } from "@/lib/services/queries/request-form-options";
import { withRefusalAudit } from "@/lib/services/refusals/with-refusal-audit";
import { jsonFailure } from "@/lib/web/json-failure";
import { withRouteMetrics } from "@/lib/web/route-metrics";

export const dynamic = "force-dynamic";

export const GET = withRouteMetrics("/api/request-targets", async (request: NextRequest) => {
  const user = await getActor();
  const ctx = {
    actor: user ?? { type: "anonymous" as const, ...clientFromHeaders(request.headers) },
    db: getPrisma(),
    now: () => new Date(),
  };
  try {
    const result = await withRefusalAudit("targets.read", ctx, null, () => {
      if (!user) throw new AppError("UNAUTHENTICATED", "Sign in first.");
      return searchRequestTargets({ ctx, input: { q: request.nextUrl.searchParams.get("q") ?? "" } });
    });
    return Response.json({ ok: true, result }, { headers: { "cache-control": "no-store" } });
  } catch (error) {
    if (!isAppError(error))
      log.error({ verb: "targets.read", err: errorFields(error) }, "unexpected error in the request form's search");
    return jsonFailure(error);
  }
});
