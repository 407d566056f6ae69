// POST /api/v1/device/token - device sign-in for `jit login` (RFC 8628); no token needed.
import { handleDeviceToken } from "@/lib/api/device-endpoints";
import { apiDeps } from "@/lib/web/api-route";
import { withRouteMetrics } from "@/lib/web/route-metrics";

export const dynamic = "force-dynamic";

export const POST = withRouteMetrics("/api/v1/device/token", (request: Request) =>
  handleDeviceToken(apiDeps(), request),
);
