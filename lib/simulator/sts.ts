// sts:GetCallerIdentity over the real STS query protocol (form-encoded POST, XML answer), so @aws-sdk/client-sts works.
import { randomUUID } from "node:crypto";
import { callerAccountId, callerArn, notAuthorizedMessage } from "./caller";
import type { SimulatorConfig } from "./config";
import type { FaultDecision } from "./faults";
import { credentialError, escapeXml, queryError, type QueryResponse } from "./iam";
import type { DemoSeed } from "./seed";
import { assumedRoleArn, assumedRoleUserId, type SessionAuth, type SessionIdentity } from "./sessions";

const STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/";
const STS_VERSION = "2011-06-15";

export type StsResponse = QueryResponse;

const errorResponse = (status: number, type: "Sender" | "Receiver", code: string, message: string) =>
  queryError(STS_NAMESPACE, status, type, code, message);

/** The Action named by a form-encoded query request, or undefined when the body is not one. */
export function stsAction(rawBody: string | undefined): string | undefined {
  if (rawBody === undefined) return undefined;
  return new URLSearchParams(rawBody).get("Action") ?? undefined;
}

export function handleStsQuery(
  rawBody: string,
  context: {
    config: SimulatorConfig;
    seed: DemoSeed;
    fault: FaultDecision;
    /** Who signed the request; a role session is answered with its own identity. */
    auth: SessionAuth;
    identify(session: Extract<SessionAuth, { kind: "session" }>["session"]): SessionIdentity;
  },
): StsResponse {
  const params = new URLSearchParams(rawBody);
  const action = params.get("Action") ?? "";
  if (action !== "GetCallerIdentity")
    return errorResponse(
      400,
      "Sender",
      "InvalidAction",
      `Could not find operation ${action} for version ${STS_VERSION}`,
    );
  if (params.get("Version") !== STS_VERSION)
    return errorResponse(
      400,
      "Sender",
      "InvalidAction",
      `Could not find operation ${action} for version ${params.get("Version") ?? ""}`,
    );
  const { config, seed, fault, auth } = context;
  if (fault?.kind === "throttle") return errorResponse(400, "Sender", "Throttling", "Rate exceeded");
  if (auth.kind === "invalid" || auth.kind === "expired" || auth.kind === "signature")
    return credentialError(STS_NAMESPACE, auth);
  if (fault?.kind === "internal")
    return errorResponse(500, "Receiver", "InternalFailure", "An internal error occurred. Try again.");
  // GetCallerIdentity needs no permission in real AWS; the fault stands in for an explicit deny or bad credentials.
  if (fault?.kind === "access-denied")
    return errorResponse(
      403,
      "Sender",
      "AccessDenied",
      notAuthorizedMessage(config, seed, "sts:GetCallerIdentity", "*"),
    );
  // A role session is answered even under an explicit deny: GetCallerIdentity needs no permission (reference §5.3).
  const who =
    auth.kind === "session"
      ? context.identify(auth.session)
      : auth.kind === "assumed-role"
        ? {
            arn: assumedRoleArn(auth.session),
            userId: assumedRoleUserId(auth.session),
            account: auth.session.accountId,
          }
        : {
            arn: callerArn(config, seed),
            userId: "AROAEXAMPLESIMULATOR:jit-portal",
            account: callerAccountId(config, seed),
          };
  const requestId = randomUUID();
  const body = `<GetCallerIdentityResponse xmlns="${STS_NAMESPACE}"><GetCallerIdentityResult><Arn>${escapeXml(who.arn)}</Arn><UserId>${escapeXml(who.userId)}</UserId><Account>${who.account}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`;
  return { status: 200, headers: { "Content-Type": "text/xml", "x-amzn-RequestId": requestId }, body, outcome: "ok" };
}
