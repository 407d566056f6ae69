import {
  ResourceNotFoundException as IdentityStoreNotFound,
  ThrottlingException as IdentityStoreThrottling,
  InternalServerException as IdentityStoreInternal,
} from "@aws-sdk/client-identitystore";
import {
  AWSOrganizationsNotInUseException,
  ServiceException,
  TooManyRequestsException,
} from "@aws-sdk/client-organizations";
import {
  AccessDeniedException,
  ConflictException,
  InternalServerException,
  ResourceNotFoundException,
  ServiceQuotaExceededException,
  SSOAdminServiceException,
  ThrottlingException,
  ValidationException,
} from "@aws-sdk/client-sso-admin";
import { describe, expect, it } from "vitest";
import { AwsPortError, isRetryable, toAwsPortError, type AwsPortErrorCode } from "./errors";

const OTHER_TENANT_ARN = "arn:aws:sso:::permissionSet/ssoins-0000111122223333/ps-aaaabbbbccccdddd";
const rawMessage = `User: arn:aws:sts::444455556666:assumed-role/Other/x is not authorized to perform: sso:CreateAccountAssignment on resource: ${OTHER_TENANT_ARN}`;
const metadata = { httpStatusCode: 400, requestId: "5a1b0c2d-0000-4000-8000-000000000001" };

const cases: [string, unknown, AwsPortErrorCode, boolean][] = [
  [
    "sso-admin ThrottlingException",
    new ThrottlingException({ message: rawMessage, $metadata: metadata }),
    "THROTTLED",
    true,
  ],
  [
    "identitystore ThrottlingException",
    new IdentityStoreThrottling({ message: rawMessage, $metadata: metadata }),
    "THROTTLED",
    true,
  ],
  [
    "organizations TooManyRequestsException",
    new TooManyRequestsException({ message: rawMessage, $metadata: metadata }),
    "THROTTLED",
    true,
  ],
  ["ConflictException", new ConflictException({ message: rawMessage, $metadata: metadata }), "CONFLICT", true],
  [
    "sso-admin ResourceNotFoundException",
    new ResourceNotFoundException({ message: rawMessage, $metadata: metadata }),
    "NOT_FOUND",
    false,
  ],
  [
    "identitystore ResourceNotFoundException",
    new IdentityStoreNotFound({ message: rawMessage, $metadata: metadata }),
    "NOT_FOUND",
    false,
  ],
  [
    "AccessDeniedException",
    new AccessDeniedException({ message: rawMessage, $metadata: metadata }),
    "ACCESS_DENIED",
    false,
  ],
  [
    "AWSOrganizationsNotInUseException",
    new AWSOrganizationsNotInUseException({ message: rawMessage, $metadata: metadata }),
    "ACCESS_DENIED",
    false,
  ],
  ["ValidationException", new ValidationException({ message: rawMessage, $metadata: metadata }), "VALIDATION", false],
  [
    "ServiceQuotaExceededException",
    new ServiceQuotaExceededException({ message: rawMessage, $metadata: metadata }),
    "QUOTA_EXCEEDED",
    false,
  ],
  [
    "sso-admin InternalServerException",
    new InternalServerException({ message: rawMessage, $metadata: { ...metadata, httpStatusCode: 500 } }),
    "UNAVAILABLE",
    true,
  ],
  [
    "identitystore InternalServerException",
    new IdentityStoreInternal({ message: rawMessage, $metadata: metadata }),
    "UNAVAILABLE",
    true,
  ],
  [
    "organizations ServiceException",
    new ServiceException({ message: rawMessage, $metadata: { ...metadata, httpStatusCode: 500 } }),
    "UNAVAILABLE",
    true,
  ],
];

describe("toAwsPortError", () => {
  it.each(cases)("maps %s", (_label, sdkError, code, retryable) => {
    const mapped = toAwsPortError(sdkError, "CreateAccountAssignment");
    expect(mapped).toBeInstanceOf(AwsPortError);
    expect(mapped.code).toBe(code);
    expect(mapped.retryable).toBe(retryable);
    expect(isRetryable(sdkError)).toBe(retryable);
    expect(mapped.awsErrorName).toBe((sdkError as Error).name);
    expect(mapped.operation).toBe("CreateAccountAssignment");
  });

  it.each(cases)("keeps the raw AWS message of %s out of the user message", (_label, sdkError) => {
    const mapped = toAwsPortError(sdkError, "CreateAccountAssignment");
    expect(mapped.message).not.toContain("arn:");
    expect(mapped.message).not.toContain("444455556666");
    expect(mapped.message).not.toMatch(/\n\s+at /);
    expect(mapped.detail).toBe(rawMessage);
    expect(mapped.toLogString()).toContain(OTHER_TENANT_ARN);
    expect(mapped.cause).toBe(sdkError);
  });

  it("carries the HTTP status, AWS request id and Retry-After hint", () => {
    const throttled = new IdentityStoreThrottling({ message: "slow down", $metadata: metadata, RetryAfterSeconds: 3 });
    const mapped = toAwsPortError(throttled);
    expect(mapped.httpStatusCode).toBe(400);
    expect(mapped.awsRequestId).toBe(metadata.requestId);
    expect(mapped.retryAfterMs).toBe(3000);
  });

  it("classifies unmodeled errors by status and fault", () => {
    const unknownServer = new SSOAdminServiceException({
      name: "WeirdFailure",
      $fault: "server",
      message: "x",
      $metadata: { httpStatusCode: 503 },
    });
    const unknownClient = new SSOAdminServiceException({
      name: "WeirdFailure",
      $fault: "client",
      message: "x",
      $metadata: { httpStatusCode: 400 },
    });
    const tooMany = new SSOAdminServiceException({
      name: "WeirdFailure",
      $fault: "client",
      message: "x",
      $metadata: { httpStatusCode: 429 },
    });
    expect(toAwsPortError(unknownServer).code).toBe("UNAVAILABLE");
    expect(toAwsPortError(unknownClient).code).toBe("UNKNOWN");
    expect(toAwsPortError(unknownClient).retryable).toBe(false);
    expect(toAwsPortError(tooMany).code).toBe("THROTTLED");
  });

  it("treats dropped connections and SDK timeouts as unavailable", () => {
    const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
    const timeout = Object.assign(new Error("Request timed out"), { name: "TimeoutError" });
    for (const error of [reset, refused, timeout]) {
      expect(toAwsPortError(error).code).toBe("UNAVAILABLE");
      expect(isRetryable(error)).toBe(true);
    }
  });

  it("maps missing credentials to ACCESS_DENIED without retrying", () => {
    const noCredentials = Object.assign(new Error("Could not load credentials from any providers"), {
      name: "CredentialsProviderError",
    });
    expect(toAwsPortError(noCredentials).code).toBe("ACCESS_DENIED");
    expect(isRetryable(noCredentials)).toBe(false);
  });

  it("passes an AwsPortError through unchanged and wraps non-errors as UNKNOWN", () => {
    const original = new AwsPortError({ code: "CONFLICT", operation: "DeleteAccountAssignment" });
    expect(toAwsPortError(original, "Other")).toBe(original);
    const weird = toAwsPortError("boom");
    expect(weird.code).toBe("UNKNOWN");
    expect(weird.retryable).toBe(false);
    expect(weird.detail).toBe("boom");
    expect(weird.message).toBe("An unexpected error occurred while calling AWS.");
  });

  it("names the operation in the user message", () => {
    const mapped = toAwsPortError(
      new ConflictException({ message: rawMessage, $metadata: metadata }),
      "DeleteAccountAssignment",
    );
    expect(mapped.message).toMatch(/^DeleteAccountAssignment: Another change to the same AWS assignment/);
  });
});
