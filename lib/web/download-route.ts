import type { NextRequest } from "next/server";
import { getActor } from "../auth/actor";
import { clientFromHeaders } from "../auth/client-info";
import { getPrisma } from "../db";
import { AppError, isAppError } from "../domain/errors";
import { errorFields, log } from "../log";
import type { ServiceContext } from "../services/context";
import { withRefusalAudit, type AuditedVerb } from "../services/refusals/with-refusal-audit";
import { jsonFailure } from "./json-failure";
import { withRouteMetrics } from "./route-metrics";

export interface Download {
  body: BodyInit;
  contentType: string;
  filename: string;
}

/**
 * A GET route handler that answers with a file: anonymous callers are refused, every refusal is audited under `verb`,
 * the service verb in `run` authorizes, and an error is JSON with its safe message (lib/web/json-failure.ts).
 */
export function downloadRoute(
  route: string,
  verb: AuditedVerb,
  run: (ctx: ServiceContext, request: NextRequest) => Promise<Download>,
) {
  return withRouteMetrics(route, async (request: NextRequest) => {
    const user = await getActor();
    const ctx: ServiceContext = {
      actor: user ?? { type: "anonymous", ...clientFromHeaders(request.headers) },
      db: getPrisma(),
      now: () => new Date(),
    };
    try {
      const download = await withRefusalAudit(verb, ctx, null, () => {
        if (!user) throw new AppError("UNAUTHENTICATED", "Sign in first.");
        return run(ctx, request);
      });
      return new Response(download.body, {
        headers: {
          "content-type": download.contentType,
          "content-disposition": `attachment; filename="${download.filename}"`,
          "cache-control": "no-store",
          "x-content-type-options": "nosniff",
        },
      });
    } catch (error) {
      if (!isAppError(error)) log.error({ verb, err: errorFields(error) }, `unexpected error in ${route}`);
      return jsonFailure(error);
    }
  });
}
