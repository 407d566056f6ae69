// GET /api/ready - readiness: the database answers and every migration is applied.
import { checkReadiness } from "@/lib/services/queries/readiness";
import { withRouteMetrics } from "@/lib/web/route-metrics";

export const dynamic = "force-dynamic";

export const GET = withRouteMetrics("/api/ready", async () => {
  const readiness = await checkReadiness();
  return Response.json(readiness, { status: readiness.ready ? 200 : 503 });
});
