import pg from "pg";
import { handleApiCall, type ApiDeps, type ApiEndpoint } from "../api/handle-api";
import { getPrisma } from "../db";
import { getEnv, requireDatabaseUrl } from "../env";
import { createGuessLimiter, type DeviceCodeGuessLimiter } from "../services/devices/guess-limiter";
import { getWebJobQueue } from "./job-queue";
import { withRouteMetrics } from "./route-metrics";

/** What every /api/v1 route of this process uses. */
export function apiDeps(): ApiDeps {
  const env = getEnv();
  return {
    db: getPrisma(),
    queue: getWebJobQueue,
    now: () => new Date(),
    appUrl: env.APP_URL,
    tokenTtlMinutes: env.API_TOKEN_TTL_MINUTES,
  };
}

type RouteContext = { params: Promise<Record<string, string | string[]>> };

/** An App Router handler for one endpoint, timed under its route pattern. */
export function serveApi<Body>(endpoint: ApiEndpoint<Body>) {
  return withRouteMetrics(endpoint.path, async (request: Request, context?: RouteContext) => {
    // Next passes params as a promise, resolving to undefined on a route without dynamic segments.
    const raw = (context ? await context.params : undefined) ?? {};
    const params = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Array.isArray(v) ? v.join("/") : v]));
    return handleApiCall(endpoint, apiDeps(), request, params);
  });
}

const holder = globalThis as unknown as { deviceGuessLimiter?: DeviceCodeGuessLimiter };

/** The user-code guess limiter on a small pool of its own, so a guessing burst never takes the app's connections. */
export function deviceGuessLimiter(): DeviceCodeGuessLimiter {
  holder.deviceGuessLimiter ??= createGuessLimiter(new pg.Pool({ connectionString: requireDatabaseUrl(), max: 2 }));
  return holder.deviceGuessLimiter;
}
