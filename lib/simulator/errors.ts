// Modeled AWS errors as the simulator throws them; the server encodes them on the awsJson 1.1 wire.

export interface ServiceErrorOptions {
  /** HTTP status; AWS answers 400 for every client error, 500 for service faults. */
  status?: number;
  /** Extra modeled members copied into the body (ResourceType, Reason, ...). */
  fields?: Record<string, unknown>;
  /** Adds a Retry-After header (and RetryAfterSeconds where the shape has it). */
  retryAfterSeconds?: number;
}

export class ServiceError extends Error {
  readonly status: number;
  readonly fields: Record<string, unknown>;
  readonly retryAfterSeconds: number | undefined;
  /** UnknownOperationException goes out with no Message, as AWS sends it. */
  readonly messageOmitted: boolean;

  constructor(
    readonly errorType: string,
    message: string | undefined,
    options: ServiceErrorOptions = {},
  ) {
    super(message ?? errorType);
    this.name = errorType;
    this.status = options.status ?? 400;
    this.fields = options.fields ?? {};
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.messageOmitted = message === undefined;
  }
}

export const unknownOperation = () => new ServiceError("UnknownOperationException", undefined);

export const serializationError = (message: string) => new ServiceError("SerializationException", message);

// sso-admin and identitystore share error names; identitystore adds RequestId at encode time.
export const validationError = (message: string, reason?: string) =>
  new ServiceError("ValidationException", message, { fields: reason ? { Reason: reason } : {} });

export const accessDenied = (message: string) => new ServiceError("AccessDeniedException", message);

export const conflict = (message: string, fields: Record<string, unknown> = {}) =>
  new ServiceError("ConflictException", message, { fields });

export const resourceNotFound = (message: string, fields: Record<string, unknown> = {}) =>
  new ServiceError("ResourceNotFoundException", message, { fields });

export const serviceQuotaExceeded = (message: string) => new ServiceError("ServiceQuotaExceededException", message);

export const throttling = (retryAfterSeconds: number, status: number) =>
  new ServiceError("ThrottlingException", "Rate exceeded", { retryAfterSeconds, status });

export const internalServerError = () =>
  new ServiceError("InternalServerException", "An unexpected internal service exception was encountered", {
    status: 500,
  });

// Organizations has its own names for the same situations.
export const organizationsTooManyRequests = (retryAfterSeconds: number, status: number) =>
  new ServiceError(
    "TooManyRequestsException",
    "You have sent too many requests in too short a period of time. The quota helps protect against denial-of-service attacks. Try again later.",
    {
      retryAfterSeconds,
      status,
      fields: { Type: "Throttling" },
    },
  );

export const organizationsServiceException = () =>
  new ServiceError(
    "ServiceException",
    "AWS Organizations can't complete your request because of an internal service error. Try again later.",
    { status: 500 },
  );

export const organizationsInvalidInput = (message: string, reason: string) =>
  new ServiceError("InvalidInputException", message, { fields: { Reason: reason } });

export const organizationsAccessDenied = () =>
  new ServiceError("AccessDeniedException", "You don't have permissions to access this resource.");
