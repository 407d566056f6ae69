// POST /api/v1/device/sign-out - see lib/api/endpoints.ts (revokes the bearer token it is called with).
import { signOutEndpoint } from "@/lib/api/endpoints";
import { serveApi } from "@/lib/web/api-route";

export const dynamic = "force-dynamic";

export const POST = serveApi(signOutEndpoint);
