// POST /api/v1/requests/{id}/cancel - see lib/api/endpoints.ts (bearer token, same verbs as the pages).
import { cancelEndpoint } from "@/lib/api/endpoints";
import { serveApi } from "@/lib/web/api-route";

export const dynamic = "force-dynamic";

export const POST = serveApi(cancelEndpoint);
