// GET /api/v1/requests/{id} - see lib/api/endpoints.ts (bearer token, same verbs as the pages).
import { getRequestEndpoint } from "@/lib/api/endpoints";
import { serveApi } from "@/lib/web/api-route";

export const dynamic = "force-dynamic";

export const GET = serveApi(getRequestEndpoint);
