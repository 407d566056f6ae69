// sts:GetCallerIdentity over the real STS query protocol (form-encoded POST, XML answer), so @aws-sdk/client-sts works.
import { randomUUID } from "node:crypto";
import { callerAccountId, callerArn, notAuthorizedMessage } from "./caller";
import type { SimulatorConfig } from "./config";
import type { FaultDecision } from "./faults";
import type { DemoSeed } from "./seed";

const STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/";
const STS_VERSION = "2011-06-15";

export interface StsResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** "ok" or the error code, for counters and the call log. */
  outcome: string;
}

const escapeXml = (text: string) =>
  text.replace(/[<>&'"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&apos;", '"': "&quot;" })[c]!);

function errorResponse(status: number, type: "Sender" | "Receiver", code: string, message: string): StsResponse {
  const requestId = randomUUID();
  const body = `<ErrorResponse xmlns="${STS_NAMESPACE}"><Error><Type>${type}</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
  return { status, headers: { "Content-Type": "text/xml", "x-amzn-RequestId": requestId }, body, outcome: code };
}

/** The Action named by a form-encoded query request, or undefined when the body is not one. */
export function stsAction(rawBody: string | undefined): string | undefined {
  if (rawBody === undefined) return undefined;
  return new URLSearchParams(rawBody).get("Action") ?? undefined;
}

export function handleStsQuery(
  rawBody: string,
  context: { config: SimulatorConfig; seed: DemoSeed; fault: FaultDecision },
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
  const { config, seed, fault } = context;
  if (fault?.kind === "throttle") return errorResponse(400, "Sender", "Throttling", "Rate exceeded");
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
  const requestId = randomUUID();
  const body = `<GetCallerIdentityResponse xmlns="${STS_NAMESPACE}"><GetCallerIdentityResult><Arn>${escapeXml(callerArn(config, seed))}</Arn><UserId>AROAEXAMPLESIMULATOR:jit-portal</UserId><Account>${callerAccountId(config, seed)}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`;
  return { status: 200, headers: { "Content-Type": "text/xml", "x-amzn-RequestId": requestId }, body, outcome: "ok" };
}
