// GET /api/v1/openapi.json - the API's OpenAPI 3.1 document, built from the routes' zod schemas.
import { apiDocument } from "@/lib/api/openapi";
import { getEnv } from "@/lib/env";
import { withRouteMetrics } from "@/lib/web/route-metrics";

export const dynamic = "force-dynamic";

export const GET = withRouteMetrics("/api/v1/openapi.json", () => Response.json(apiDocument(getEnv().APP_URL)));
