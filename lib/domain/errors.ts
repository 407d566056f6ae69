export const APP_ERROR_CODES = [
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "NOT_FOUND",
  "VALIDATION",
  "CONFLICT",
  "INVALID_TRANSITION",
  "POLICY_DENIED",
  "SELF_APPROVAL",
  "RATE_LIMITED",
  "UPSTREAM",
  "INTERNAL",
] as const;
export type AppErrorCode = (typeof APP_ERROR_CODES)[number];

export type FieldErrors = Record<string, string[]>;

export interface AppErrorOptions {
  fieldErrors?: FieldErrors;
  /** Internal explanation for logs and the audit trail; never shown to a user. */
  detail?: string;
  cause?: unknown;
  /** The verb already wrote its own audit event for this refusal, so the central refusal audit skips it. */
  audited?: boolean;
}

export interface UserError {
  code: AppErrorCode;
  message: string;
  fieldErrors?: FieldErrors;
}

export const UNKNOWN_ERROR_MESSAGE = "Something went wrong. The error was logged.";

// A registered symbol survives duplicated module instances (Next bundles, vitest workers) where instanceof does not.
const APP_ERROR_BRAND: unique symbol = Symbol.for("jit-portal.AppError");

/** An expected failure: `message` is safe to show to the user, `detail` is for logs only. */
export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly fieldErrors?: FieldErrors;
  readonly detail?: string;
  readonly audited: boolean;
  readonly [APP_ERROR_BRAND] = true;

  constructor(code: AppErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    if (options.fieldErrors && Object.keys(options.fieldErrors).length > 0)
      this.fieldErrors = copyFieldErrors(options.fieldErrors);
    if (options.detail !== undefined) this.detail = options.detail;
    this.audited = options.audited === true;
  }

  // Keeps `detail` out of anything that serializes the error by accident (JSON responses, job payloads).
  toJSON(): UserError {
    return toUserError(this);
  }
}

export function isAppError(error: unknown): error is AppError {
  return (
    typeof error === "object" &&
    error !== null &&
    (error as Record<symbol, unknown>)[APP_ERROR_BRAND] === true &&
    APP_ERROR_CODES.includes((error as AppError).code)
  );
}

/** What a user may see of any thrown value: coded errors keep their safe message, everything else is generic. */
export function toUserError(error: unknown): UserError {
  if (!isAppError(error)) return { code: "INTERNAL", message: UNKNOWN_ERROR_MESSAGE };
  const message =
    typeof error.message === "string" && error.message.trim() !== "" ? error.message : UNKNOWN_ERROR_MESSAGE;
  return error.fieldErrors
    ? { code: error.code, message, fieldErrors: copyFieldErrors(error.fieldErrors) }
    : { code: error.code, message };
}

function copyFieldErrors(fieldErrors: FieldErrors): FieldErrors {
  return Object.fromEntries(Object.entries(fieldErrors).map(([field, messages]) => [field, [...messages]]));
}
