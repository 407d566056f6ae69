// IAM over the query protocol: ListAccountAliases (the probe a role session makes to prove a revocation) and the
// credential report (GenerateCredentialReport / GetCredentialReport) an audit role session reads.
import { randomUUID } from "node:crypto";
import type { SimulatorContext } from "./context";
import { handleCredentialReport } from "./credential-report";
import type { FaultDecision } from "./faults";
import { assumedRoleArn, authenticate, authorizeSessionCall, sessionIdentity, type SessionAuth } from "./sessions";
import type { SignedRequest } from "./sigv4";

export const IAM_NAMESPACE = "https://iam.amazonaws.com/doc/2010-05-08/";
const IAM_VERSION = "2010-05-08";

export interface QueryResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** "ok" or the error code, for counters and the call log. */
  outcome: string;
}

export const escapeXml = (text: string) =>
  text.replace(/[<>&'"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&apos;", '"': "&quot;" })[c]!);

/** The awsQuery error envelope STS and IAM share; only the namespace differs. */
export function queryError(
  namespace: string,
  status: number,
  type: "Sender" | "Receiver",
  code: string,
  message: string,
): QueryResponse {
  const requestId = randomUUID();
  const body = `<ErrorResponse xmlns="${namespace}"><Error><Type>${type}</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
  return { status, headers: { "Content-Type": "text/xml", "x-amzn-RequestId": requestId }, body, outcome: code };
}

/** What IAM and STS answer when the credentials themselves are bad (AWS common errors). */
export function credentialError(namespace: string, auth: Pick<SessionAuth, "kind">): QueryResponse {
  switch (auth.kind) {
    case "expired":
      return queryError(
        namespace,
        403,
        "Sender",
        "ExpiredToken",
        "The security token included in the request is expired",
      );
    case "signature":
      return queryError(
        namespace,
        403,
        "Sender",
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
      );
    default:
      return queryError(
        namespace,
        403,
        "Sender",
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
      );
  }
}

// IAM account aliases: lower-case letters, digits and single hyphens.
function aliasFor(accountName: string): string {
  return accountName
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
}

export function handleIamQuery(ctx: SimulatorContext, request: SignedRequest, fault: FaultDecision): QueryResponse {
  const params = new URLSearchParams(request.body);
  const action = params.get("Action") ?? "";
  const known = ["ListAccountAliases", "GenerateCredentialReport", "GetCredentialReport"].includes(action);
  if (!known || params.get("Version") !== IAM_VERSION)
    return queryError(
      IAM_NAMESPACE,
      400,
      "Sender",
      "InvalidAction",
      `Could not find operation ${action} for version ${params.get("Version") ?? ""}`,
    );
  if (fault?.kind === "throttle") return queryError(IAM_NAMESPACE, 400, "Sender", "Throttling", "Rate exceeded");
  if (fault?.kind === "internal" || fault?.kind === "conflict")
    return queryError(IAM_NAMESPACE, 500, "Receiver", "ServiceFailure", "Service Failure");
  const auth = authenticate(ctx, request);
  // Only simulated role sessions call IAM; any other key is unknown to this "account".
  if (auth.kind === "other") return credentialError(IAM_NAMESPACE, { kind: "invalid" });
  if (action !== "ListAccountAliases") return handleCredentialReport(ctx, action, auth, fault);
  if (auth.kind === "assumed-role")
    return queryError(
      IAM_NAMESPACE,
      403,
      "Sender",
      "AccessDenied",
      `User: ${assumedRoleArn(auth.session)} is not authorized to perform: iam:ListAccountAliases on resource: * because no identity-based policy allows the iam:ListAccountAliases action`,
    );
  if (auth.kind !== "session") return credentialError(IAM_NAMESPACE, auth);
  const identity = sessionIdentity(ctx, auth.session);
  const decision = authorizeSessionCall(ctx, auth.session, "iam:ListAccountAliases", "*");
  const denied = (why: string) =>
    queryError(
      IAM_NAMESPACE,
      403,
      "Sender",
      "AccessDenied",
      `User: ${identity.arn} is not authorized to perform: iam:ListAccountAliases on resource: * ${why}`,
    );
  if (decision.effect === "explicit-deny") return denied("with an explicit deny in an identity-based policy");
  if (decision.effect === "unsupported")
    return denied(
      `with an explicit deny in an identity-based policy (simulator: ${decision.operator} is not evaluated, failing closed)`,
    );
  if (fault?.kind === "access-denied")
    return denied("because no identity-based policy allows the iam:ListAccountAliases action");
  const account = ctx.seed.accounts.find((candidate) => candidate.id === auth.session.accountId);
  const aliases = account ? [aliasFor(account.name)] : [];
  const requestId = randomUUID();
  const body = `<ListAccountAliasesResponse xmlns="${IAM_NAMESPACE}"><ListAccountAliasesResult><IsTruncated>false</IsTruncated><AccountAliases>${aliases.map((alias) => `<member>${escapeXml(alias)}</member>`).join("")}</AccountAliases></ListAccountAliasesResult><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></ListAccountAliasesResponse>`;
  return { status: 200, headers: { "Content-Type": "text/xml", "x-amzn-RequestId": requestId }, body, outcome: "ok" };
}
