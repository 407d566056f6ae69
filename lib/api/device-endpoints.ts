import { clientFromHeaders } from "../auth/client-info";
import { isAppError } from "../domain/errors";
import { errorFields, log } from "../log";
import type { ServiceContext } from "../services/context";
import { exchangeDeviceCode } from "../services/devices/exchange-device-code";
import { startDeviceAuthorization } from "../services/devices/start-device-authorization";
import { API_CHANNEL } from "../services/devices/user-actor";
import { errorResponse, isTooLarge, jsonResponse, readApiBody, type ApiDeps } from "./handle-api";

// The two unauthenticated endpoints of `jit login` (RFC 8628); the token endpoint answers in the RFC's error shape.

function anonymousContext(deps: ApiDeps, request: Request): ServiceContext {
  return {
    actor: { type: "anonymous", ...clientFromHeaders(request.headers), userAgent: API_CHANNEL },
    db: deps.db,
    now: deps.now,
  };
}

// POST /api/v1/device/code - a device asks for a code pair to show its user.
export async function handleDeviceCode(deps: ApiDeps, request: Request): Promise<Response> {
  try {
    const body = await readApiBody(request);
    return jsonResponse(
      await startDeviceAuthorization({ ctx: anonymousContext(deps, request), input: body, appUrl: deps.appUrl }),
    );
  } catch (error) {
    if (isTooLarge(error)) return errorResponse(error, {}, 413);
    if (!isAppError(error)) log.error({ route: "/api/v1/device/code", err: errorFields(error) }, "device code failed");
    return errorResponse(error);
  }
}

// POST /api/v1/device/token - the device polls until its user approved, then receives its token once.
export async function handleDeviceToken(deps: ApiDeps, request: Request): Promise<Response> {
  try {
    const body = await readApiBody(request);
    const answer = await exchangeDeviceCode({
      ctx: anonymousContext(deps, request),
      input: body,
      tokenTtlMinutes: deps.tokenTtlMinutes,
    });
    if (answer.ok)
      return jsonResponse({
        access_token: answer.access_token,
        token_type: answer.token_type,
        expires_in: answer.expires_in,
      });
    return jsonResponse({ error: answer.error, error_description: answer.error_description }, 400);
  } catch (error) {
    if (isTooLarge(error))
      return jsonResponse({ error: "invalid_request", error_description: "The body is too large." }, 413);
    if (isAppError(error)) return jsonResponse({ error: "invalid_request", error_description: error.message }, 400);
    log.error({ route: "/api/v1/device/token", err: errorFields(error) }, "device token failed");
    return jsonResponse({ error: "temporarily_unavailable", error_description: "Try again in a minute." }, 503);
  }
}
