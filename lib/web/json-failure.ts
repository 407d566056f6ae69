import { toUserError, type AppErrorCode } from "../domain/errors";

// Route handlers answer a refusal with its status and safe message; anything unexpected is a 500 with a generic message.
const STATUS: Partial<Record<AppErrorCode, number>> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  VALIDATION: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  INVALID_TRANSITION: 409,
  POLICY_DENIED: 403,
  SELF_APPROVAL: 403,
  RATE_LIMITED: 429,
  UPSTREAM: 503,
};

/** The JSON answer of a route handler for an error: its code, safe message and field errors, never an internal message. */
export function jsonFailure(error: unknown): Response {
  const safe = toUserError(error);
  return Response.json(
    {
      ok: false,
      code: safe.code,
      message: safe.message,
      ...(safe.fieldErrors ? { fieldErrors: safe.fieldErrors } : {}),
    },
    { status: STATUS[safe.code] ?? 500, headers: { "cache-control": "no-store" } },
  );
}
