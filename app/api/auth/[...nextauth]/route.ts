// GET/POST /api/auth/* - Auth.js sign-in, callback and sign-out endpoints.
import { handlers } from "@/lib/auth/auth";
import { withRouteMetrics } from "@/lib/web/route-metrics";

export const GET = withRouteMetrics("/api/auth/[...nextauth]", handlers.GET);
export const POST = withRouteMetrics("/api/auth/[...nextauth]", handlers.POST);
