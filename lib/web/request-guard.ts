import { clientFromHeaders } from "../auth/client-info";
import { getPrisma } from "../db";
import { getEnv } from "../env";
import { recordRefusal } from "../services/refusals/record-refusal";

// Checks proxy.ts makes before Next reads a POST: Next answers both of these with a bare HTTP 500 of its own.

/** Next's default serverActions.bodySizeLimit ("1 MB" = 1024 × 1024 bytes); every form of the portal is far smaller. */
export const BODY_LIMIT_BYTES = 1024 * 1024;
export const BODY_TOO_LARGE_MESSAGE = "The form is larger than 1 MB and was not read. Shorten it and try again.";
export const CROSS_SITE_MESSAGE = "This form was sent from another site and was refused.";

const BODY_METHODS = new Set(["POST", "PUT", "PATCH"]);

/** The declared body size decides when there is one (Node rejects a body longer than its Content-Length); a chunked body is counted. */
export async function bodyExceedsLimit(request: Request, limit = BODY_LIMIT_BYTES): Promise<boolean> {
  if (!BODY_METHODS.has(request.method)) return false;
  const declared = request.headers.get("content-length");
  if (declared !== null) return !/^\d+$/.test(declared.trim()) || Number(declared) > limit;
  if (!request.body) return false;
  // Proxy reads a copy of the body that Next buffers anyway; stop as soon as the limit is passed.
  const reader = request.body.getReader();
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return false;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return true;
    }
  }
}

/** A server action POST whose Origin is not the portal's own (APP_URL); a missing Origin is not a browser, so it carries no victim's cookie. */
export function isCrossSiteAction(request: { method: string; headers: Headers }, appUrl: string): boolean {
  if (request.method !== "POST" || !request.headers.has("next-action")) return false;
  const origin = request.headers.get("origin");
  if (origin === null) return false;
  try {
    return new URL(origin).host !== new URL(appUrl).host;
  } catch {
    return true;
  }
}

function refusal(status: number, code: string, message: string): Response {
  return Response.json({ ok: false, code, message }, { status, headers: { "cache-control": "no-store" } });
}

/** Null to let the request through; otherwise the answer (413 or 403), with a cross-site attempt recorded as a refusal. */
export async function guardRequest(request: Request): Promise<Response | null> {
  if (isCrossSiteAction(request, getEnv().APP_URL)) {
    // The session is not read here: the cookie a cross-site form carries is the victim's, not the sender's.
    await recordRefusal(
      { actor: { type: "anonymous", ...clientFromHeaders(request.headers) }, db: getPrisma(), now: () => new Date() },
      { verb: "server-action", target: request.headers.get("origin"), code: "FORBIDDEN", reason: CROSS_SITE_MESSAGE },
    ).catch((error: unknown) => console.error("[proxy] could not audit a cross-site action", error));
    return refusal(403, "FORBIDDEN", CROSS_SITE_MESSAGE);
  }
  if (await bodyExceedsLimit(request)) return refusal(413, "VALIDATION", BODY_TOO_LARGE_MESSAGE);
  return null;
}
