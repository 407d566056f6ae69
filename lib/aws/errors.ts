export type AwsPortErrorCode =
  | "THROTTLED"
  | "CONFLICT"
  | "NOT_FOUND"
  | "ACCESS_DENIED"
  | "VALIDATION"
  | "QUOTA_EXCEEDED"
  | "UNAVAILABLE"
  | "UNKNOWN";

const RETRYABLE_CODES: ReadonlySet<AwsPortErrorCode> = new Set(["THROTTLED", "CONFLICT", "UNAVAILABLE"]);

// AWS error names (the wire `__type`) per service, as the SDK sets them on `error.name`.
const CODE_BY_AWS_ERROR_NAME: Readonly<Record<string, AwsPortErrorCode>> = {
  ThrottlingException: "THROTTLED",
  TooManyRequestsException: "THROTTLED",
  Throttling: "THROTTLED",
  ThrottledException: "THROTTLED",
  RequestLimitExceeded: "THROTTLED",
  RequestThrottled: "THROTTLED",
  RequestThrottledException: "THROTTLED",
  SlowDown: "THROTTLED",
  ConflictException: "CONFLICT",
  ConcurrentModificationException: "CONFLICT",
  ResourceNotFoundException: "NOT_FOUND",
  AccountNotFoundException: "NOT_FOUND",
  ChildNotFoundException: "NOT_FOUND",
  ParentNotFoundException: "NOT_FOUND",
  OrganizationalUnitNotFoundException: "NOT_FOUND",
  AccessDeniedException: "ACCESS_DENIED",
  AccessDenied: "ACCESS_DENIED",
  AWSOrganizationsNotInUseException: "ACCESS_DENIED",
  UnrecognizedClientException: "ACCESS_DENIED",
  InvalidClientTokenId: "ACCESS_DENIED",
  InvalidSignatureException: "ACCESS_DENIED",
  SignatureDoesNotMatch: "ACCESS_DENIED",
  MissingAuthenticationTokenException: "ACCESS_DENIED",
  ExpiredToken: "ACCESS_DENIED",
  ExpiredTokenException: "ACCESS_DENIED",
  CredentialsProviderError: "ACCESS_DENIED",
  ValidationException: "VALIDATION",
  InvalidInputException: "VALIDATION",
  SerializationException: "VALIDATION",
  UnknownOperationException: "VALIDATION",
  ServiceQuotaExceededException: "QUOTA_EXCEEDED",
  InternalServerException: "UNAVAILABLE",
  InternalFailure: "UNAVAILABLE",
  InternalServerError: "UNAVAILABLE",
  ServiceException: "UNAVAILABLE",
  ServiceUnavailable: "UNAVAILABLE",
  ServiceUnavailableException: "UNAVAILABLE",
  TimeoutError: "UNAVAILABLE",
  RequestTimeout: "UNAVAILABLE",
  RequestTimeoutException: "UNAVAILABLE",
};

// Node socket failures: AWS was never reached or the connection dropped, so trying again is safe.
const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

const USER_MESSAGES: Readonly<Record<AwsPortErrorCode, string>> = {
  THROTTLED: "AWS is throttling the portal's requests; the portal will try again shortly.",
  CONFLICT: "Another change to the same AWS assignment is still being applied; the portal will try again shortly.",
  NOT_FOUND: "The AWS resource was not found. It may have been deleted, or the change has not propagated yet.",
  ACCESS_DENIED:
    "The portal's AWS role is not allowed to do this, or has no valid credentials. An administrator must check its IAM policy (docs/iam-policy.md).",
  VALIDATION: "AWS rejected the request as invalid.",
  QUOTA_EXCEEDED: "An AWS IAM Identity Center quota was reached.",
  UNAVAILABLE: "AWS is temporarily unavailable; the portal will try again shortly.",
  UNKNOWN: "An unexpected error occurred while calling AWS.",
};

export interface AwsPortErrorInit {
  code: AwsPortErrorCode;
  operation?: string;
  awsErrorName?: string;
  /** The raw AWS message, for logs only: it may name ARNs, accounts and roles. */
  detail?: string;
  httpStatusCode?: number;
  awsRequestId?: string;
  retryAfterMs?: number;
  cause?: unknown;
  /** Overrides the standard user-safe message; must itself be safe to show. */
  message?: string;
}

/** The portal's own AWS error: `message` is safe to show to users, `detail` is for logs. */
export class AwsPortError extends Error {
  readonly code: AwsPortErrorCode;
  readonly retryable: boolean;
  readonly operation?: string;
  readonly awsErrorName?: string;
  readonly detail?: string;
  readonly httpStatusCode?: number;
  readonly awsRequestId?: string;
  readonly retryAfterMs?: number;

  constructor(init: AwsPortErrorInit) {
    super(
      init.message ?? userMessage(init.code, init.operation),
      init.cause === undefined ? undefined : { cause: init.cause },
    );
    this.name = "AwsPortError";
    this.code = init.code;
    this.retryable = RETRYABLE_CODES.has(init.code);
    this.operation = init.operation;
    this.awsErrorName = init.awsErrorName;
    this.detail = init.detail;
    this.httpStatusCode = init.httpStatusCode;
    this.awsRequestId = init.awsRequestId;
    this.retryAfterMs = init.retryAfterMs;
  }

  /** One line for structured logs, with the raw AWS detail that users never see. */
  toLogString(): string {
    const parts = [`${this.code}${this.retryable ? " (retryable)" : ""}`];
    if (this.operation) parts.push(`operation=${this.operation}`);
    if (this.awsErrorName) parts.push(`aws=${this.awsErrorName}`);
    if (this.httpStatusCode) parts.push(`status=${this.httpStatusCode}`);
    if (this.awsRequestId) parts.push(`requestId=${this.awsRequestId}`);
    if (this.detail) parts.push(`detail=${JSON.stringify(this.detail)}`);
    return parts.join(" ");
  }
}

function userMessage(code: AwsPortErrorCode, operation: string | undefined): string {
  return operation ? `${operation}: ${USER_MESSAGES[code]}` : USER_MESSAGES[code];
}

interface SdkErrorShape {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  $fault?: unknown;
  $retryable?: { throttling?: boolean };
  $metadata?: { httpStatusCode?: number; requestId?: string };
  RetryAfterSeconds?: unknown;
}

function classify(error: SdkErrorShape): AwsPortErrorCode {
  const name = typeof error.name === "string" ? error.name : "";
  const byName = CODE_BY_AWS_ERROR_NAME[name];
  if (byName) return byName;
  if (typeof error.code === "string" && NETWORK_ERROR_CODES.has(error.code)) return "UNAVAILABLE";
  const status = error.$metadata?.httpStatusCode;
  if (status === 429 || error.$retryable?.throttling) return "THROTTLED";
  if (error.$retryable) return "UNAVAILABLE";
  if (error.$fault === "server" || (status !== undefined && status >= 500)) return "UNAVAILABLE";
  return "UNKNOWN";
}

const MAX_DETAIL_LENGTH = 2_000;

/** Maps anything thrown by the SDK (or by us) to an AwsPortError; an AwsPortError passes through unchanged. */
export function toAwsPortError(error: unknown, operation?: string): AwsPortError {
  if (error instanceof AwsPortError) return error;
  if (typeof error !== "object" || error === null) {
    return new AwsPortError({
      code: "UNKNOWN",
      operation,
      detail: String(error).slice(0, MAX_DETAIL_LENGTH),
      cause: error,
    });
  }
  const shape = error as SdkErrorShape;
  const rawMessage = typeof shape.message === "string" ? shape.message : undefined;
  const retryAfterSeconds = typeof shape.RetryAfterSeconds === "number" ? shape.RetryAfterSeconds : undefined;
  return new AwsPortError({
    code: classify(shape),
    operation,
    awsErrorName: typeof shape.name === "string" ? shape.name : undefined,
    detail: rawMessage?.slice(0, MAX_DETAIL_LENGTH),
    httpStatusCode: shape.$metadata?.httpStatusCode,
    awsRequestId: shape.$metadata?.requestId,
    retryAfterMs: retryAfterSeconds === undefined ? undefined : retryAfterSeconds * 1000,
    cause: error,
  });
}

export function isRetryable(error: unknown): boolean {
  return toAwsPortError(error).retryable;
}

export function isAwsPortErrorCode(error: unknown, code: AwsPortErrorCode): boolean {
  return toAwsPortError(error).code === code;
}
