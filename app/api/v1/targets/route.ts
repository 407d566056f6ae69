// GET /api/v1/targets - see lib/api/endpoints.ts (bearer token, same verbs as the pages).
import { targetsEndpoint } from "@/lib/api/endpoints";
import { serveApi } from "@/lib/web/api-route";

export const dynamic = "force-dynamic";

export const GET = serveApi(targetsEndpoint);
