// GET /api/v1/requests / POST /api/v1/requests - see lib/api/endpoints.ts (bearer token, same verbs as the pages).
import { createRequestEndpoint, listRequestsEndpoint } from "@/lib/api/endpoints";
import { serveApi } from "@/lib/web/api-route";

export const dynamic = "force-dynamic";

export const GET = serveApi(listRequestsEndpoint);
export const POST = serveApi(createRequestEndpoint);
