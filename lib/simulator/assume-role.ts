// sts:AssumeRole into a member account's audit role over the STS query protocol (form-encoded request, XML answer).
import { randomUUID } from "node:crypto";
import { callerArn } from "./caller";
import type { SimulatorContext } from "./context";
import type { FaultDecision } from "./faults";
import { credentialError, escapeXml, queryError, type QueryResponse } from "./iam";
import { assumedRoleArn, assumedRoleUserId, temporaryCredentials, type SessionAuth } from "./sessions";

const STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/";
const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/((?:[\w+=,.@-]+\/)*)([\w+=,.@-]{1,64})$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
// A role's default MaxSessionDuration; asking for more is a ValidationError, as AWS answers.
const MAX_SESSION_SECONDS = 3600;
const DEFAULT_SESSION_SECONDS = 3600;

const error = (status: number, code: string, message: string) =>
  queryError(STS_NAMESPACE, status, status >= 500 ? "Receiver" : "Sender", code, message);

const validation = (message: string) => error(400, "ValidationError", message);

export function handleAssumeRole(
  ctx: SimulatorContext,
  rawBody: string,
  auth: SessionAuth,
  fault: FaultDecision,
): QueryResponse {
  const params = new URLSearchParams(rawBody);
  if (fault?.kind === "throttle") return error(400, "Throttling", "Rate exceeded");
  if (fault?.kind === "internal" || fault?.kind === "conflict")
    return error(500, "InternalFailure", "An internal error occurred. Try again.");
  if (auth.kind === "invalid" || auth.kind === "expired" || auth.kind === "signature")
    return credentialError(STS_NAMESPACE, auth);
  if (auth.kind === "other" && auth.accessKeyId === undefined)
    return error(403, "MissingAuthenticationToken", "Request is missing Authentication Token");

  const roleArn = params.get("RoleArn") ?? "";
  const sessionName = params.get("RoleSessionName") ?? "";
  const externalId = params.get("ExternalId");
  const durationText = params.get("DurationSeconds");
  if (roleArn.length < 20 || !ROLE_ARN.test(roleArn))
    return validation(
      `1 validation error detected: Value '${roleArn}' at 'roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u007E\\u0085\\u00A0-\\uD7FF\\uE000-\\uFFFD\\u10000-\\u10FFFF]+`,
    );
  if (!SESSION_NAME.test(sessionName))
    return validation(
      `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
    );
  if (externalId !== null && !EXTERNAL_ID.test(externalId))
    return validation(
      `1 validation error detected: Value at 'externalId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]*`,
    );
  const durationSeconds = durationText === null ? DEFAULT_SESSION_SECONDS : Number(durationText);
  if (!Number.isInteger(durationSeconds) || durationSeconds < 900)
    return validation(
      `1 validation error detected: Value '${durationText}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900`,
    );
  if (durationSeconds > MAX_SESSION_SECONDS)
    return validation(`The requested DurationSeconds exceeds the MaxSessionDuration set for this role.`);

  const [, accountId = "", , roleName = ""] = ROLE_ARN.exec(roleArn)!;
  const config = ctx.config();
  // The audit role trusts the portal's own principal only: role sessions (chaining) are refused.
  const caller =
    auth.kind === "assumed-role"
      ? assumedRoleArn(auth.session)
      : auth.kind === "session"
        ? `arn:aws:sts::${auth.session.accountId}:assumed-role/AWSReservedSSO/${auth.session.userName}`
        : callerArn(config, ctx.seed);
  const role = ctx.seed.auditRole;
  const iam = ctx.seed.iamAccounts?.find((candidate) => candidate.accountId === accountId);
  const trusted =
    auth.kind === "other" &&
    role !== undefined &&
    iam?.auditRole === true &&
    roleName === role.roleName &&
    externalId === role.externalId;
  // AWS answers a missing role, an untrusted caller and a wrong external id with the same AccessDenied.
  if (!trusted || fault?.kind === "access-denied")
    return error(
      403,
      "AccessDenied",
      `User: ${caller} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
    );

  const now = ctx.now();
  for (const [key, old] of ctx.state.assumedRoleSessions)
    if (old.expiresAtMs + 3_600_000 < now) ctx.state.assumedRoleSessions.delete(key);
  const session = {
    ...temporaryCredentials(),
    accountId,
    roleName,
    sessionName,
    issuedAtMs: now,
    expiresAtMs: now + durationSeconds * 1000,
  };
  ctx.state.assumedRoleSessions.set(session.accessKeyId, session);
  const requestId = randomUUID();
  const body =
    `<AssumeRoleResponse xmlns="${STS_NAMESPACE}"><AssumeRoleResult>` +
    `<AssumedRoleUser><AssumedRoleId>${escapeXml(assumedRoleUserId(session))}</AssumedRoleId><Arn>${escapeXml(assumedRoleArn(session))}</Arn></AssumedRoleUser>` +
    `<Credentials><AccessKeyId>${session.accessKeyId}</AccessKeyId><SecretAccessKey>${session.secretAccessKey}</SecretAccessKey>` +
    `<SessionToken>${session.sessionToken}</SessionToken><Expiration>${new Date(session.expiresAtMs).toISOString()}</Expiration></Credentials>` +
    `</AssumeRoleResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></AssumeRoleResponse>`;
  return { status: 200, headers: { "Content-Type": "text/xml", "x-amzn-RequestId": requestId }, body, outcome: "ok" };
}
