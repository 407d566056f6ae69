// GET /api/health - liveness: the process answers.
import { withRouteMetrics } from "@/lib/web/route-metrics";

export const dynamic = "force-dynamic";

export const GET = withRouteMetrics("/api/health", () => Response.json({ status: "ok" }));
