// GET /api/metrics - Prometheus gauges (alerts, grants, overdue removals, drift), queue gauges and this web process's histograms, for an admin session or the METRICS_TOKEN bearer.
import { getActor } from "@/lib/auth/actor";
import { getPrisma } from "@/lib/db";
import { getEnv } from "@/lib/env";
import { errorFields, log } from "@/lib/log";
import { readQueueStats } from "@/lib/metrics/queue-stats";
import { getMetrics } from "@/lib/metrics/registry";
import { systemActor } from "@/lib/services/context";
import { checkMetricsAccess, formatPrometheus, readPortalMetrics } from "@/lib/services/queries/portal-metrics";
import { withRouteMetrics } from "@/lib/web/route-metrics";

export const dynamic = "force-dynamic";

export const GET = withRouteMetrics("/api/metrics", async (request: Request) => {
  const env = getEnv();
  const authorization = request.headers.get("authorization");
  const actor = authorization === null ? await getActor() : null;
  const access = checkMetricsAccess({ authorization, token: env.METRICS_TOKEN, actor });
  if (!access.ok) {
    return new Response(`${access.message}\n`, {
      status: access.status,
      headers: {
        "content-type": "text/plain; charset=utf-8",
        "cache-control": "no-store",
        ...(access.status === 401 ? { "www-authenticate": 'Bearer realm="metrics"' } : {}),
      },
    });
  }
  try {
    const metrics = await readPortalMetrics({
      ctx: { actor: actor ?? systemActor("metrics-scrape"), db: getPrisma(), now: () => new Date() },
      input: { alertAfterSeconds: env.REMOVAL_ALERT_AFTER_SECONDS },
    });
    const registry = getMetrics();
    registry.setQueueStatsSource(() => readQueueStats(getPrisma()));
    return new Response(`${formatPrometheus(metrics)}${await registry.registry.metrics()}`, {
      headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8", "cache-control": "no-store" },
    });
  } catch (error) {
    log.error({ verb: "metrics.read", err: errorFields(error) }, "metrics unavailable");
    return new Response("Metrics are unavailable right now.\n", {
      status: 503,
      headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
    });
  }
});
