// Role sessions minted by the access portal: credentials, the AWSReservedSSO_ role they run on, and SigV4 checks.
import { createHash, randomBytes } from "node:crypto";
import type { SimulatorContext } from "./context";
import { evaluatePolicy, parsePolicy, type Decision } from "./policy";
import { parseAuthorization, signatureMatches, type SignedRequest } from "./sigv4";
import type { AssumedRoleSession, PermissionSetRecord, RoleSession } from "./state";

// Expired sessions are still recognised (ExpiredToken) for this long, then forgotten (InvalidClientTokenId).
const EXPIRED_SESSION_KEPT_MS = 3_600_000;
const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function upperAlphanumeric(bytes: Buffer, length: number): string {
  return [...bytes.subarray(0, length)].map((byte) => BASE32[byte % 32]).join("");
}

/** `AWSReservedSSO_<set>_<16 hex>`: the prefix is documented, the suffix here is a stable hash (AWS's is opaque). */
export function reservedRoleName(set: PermissionSetRecord, accountId: string): string {
  const suffix = createHash("sha256").update(`${set.arn}|${accountId}`).digest("hex").slice(0, 16);
  return `AWSReservedSSO_${set.name}_${suffix}`;
}

function roleUniqueId(set: PermissionSetRecord, accountId: string): string {
  return `AROA${upperAlphanumeric(createHash("sha256").update(`role|${set.arn}|${accountId}`).digest(), 17)}`;
}

export interface SessionIdentity {
  arn: string;
  userId: string;
  account: string;
  roleArn: string;
}

export function sessionIdentity(ctx: SimulatorContext, session: RoleSession): SessionIdentity {
  const set = ctx.state.permissionSets.get(session.permissionSetArn);
  const roleName = set ? reservedRoleName(set, session.accountId) : "AWSReservedSSO_Deleted";
  return {
    arn: `arn:aws:sts::${session.accountId}:assumed-role/${roleName}/${session.userName}`,
    userId: `${set ? roleUniqueId(set, session.accountId) : "AROADELETED"}:${session.userName}`,
    account: session.accountId,
    roleArn: `arn:aws:iam::${session.accountId}:role/aws-reserved/sso.amazonaws.com/${roleName}`,
  };
}

export function issueRoleSession(
  ctx: SimulatorContext,
  details: Omit<RoleSession, "accessKeyId" | "secretAccessKey" | "sessionToken" | "issuedAtMs" | "expiresAtMs">,
  durationSeconds: number,
): RoleSession {
  const now = ctx.now();
  for (const [key, old] of ctx.state.roleSessions)
    if (old.expiresAtMs + EXPIRED_SESSION_KEPT_MS < now) ctx.state.roleSessions.delete(key);
  const session: RoleSession = {
    ...details,
    ...temporaryCredentials(),
    issuedAtMs: now,
    expiresAtMs: now + durationSeconds * 1000,
  };
  ctx.state.roleSessions.set(session.accessKeyId, session);
  ctx.changed();
  return session;
}

export type SessionAuth =
  | { kind: "session"; session: RoleSession }
  /** Credentials from sts:AssumeRole into a member account's role (the audit role). */
  | { kind: "assumed-role"; session: AssumedRoleSession }
  /** Signed with a key the simulator did not issue as a role session (e.g. the portal's own "simulator" key). */
  | { kind: "other"; accessKeyId: string | undefined }
  | { kind: "invalid" | "expired" | "signature" };

/** Resolves a SigV4-signed request to the role session it claims, checking token, expiry and signature. */
export function authenticate(ctx: SimulatorContext, request: SignedRequest): SessionAuth {
  const auth = parseAuthorization(request.headers.authorization);
  if (!auth) return { kind: "other", accessKeyId: undefined };
  const session = ctx.state.roleSessions.get(auth.accessKeyId) ?? ctx.state.assumedRoleSessions.get(auth.accessKeyId);
  if (!session)
    return auth.accessKeyId.startsWith("ASIA") ? { kind: "invalid" } : { kind: "other", accessKeyId: auth.accessKeyId };
  if (request.headers["x-amz-security-token"] !== session.sessionToken) return { kind: "invalid" };
  if (!signatureMatches(request, auth, session.secretAccessKey)) return { kind: "signature" };
  if (session.expiresAtMs <= ctx.now()) return { kind: "expired" };
  return "roleName" in session ? { kind: "assumed-role", session } : { kind: "session", session };
}

/** arn:aws:sts::<account>:assumed-role/<role>/<session>, as STS and IAM name an AssumeRole session. */
export const assumedRoleArn = (session: AssumedRoleSession) =>
  `arn:aws:sts::${session.accountId}:assumed-role/${session.roleName}/${session.sessionName}`;

/** AssumedRoleId / GetCallerIdentity UserId: the role's unique id (AROA…, stable per account and role) and the session name. */
export const assumedRoleUserId = (session: AssumedRoleSession) =>
  `AROA${upperAlphanumeric(createHash("sha256").update(`audit|${session.accountId}|${session.roleName}`).digest(), 17)}:${session.sessionName}`;

/** Mints STS-style temporary credentials (ASIA… key, secret, session token). */
export function temporaryCredentials() {
  return {
    accessKeyId: `ASIA${upperAlphanumeric(randomBytes(16), 16)}`,
    secretAccessKey: randomBytes(30).toString("base64"),
    sessionToken: `IQoJb3JpZ2luX2Vj${randomBytes(120).toString("base64")}`,
  };
}

/** aws:TokenIssueTime as STS reports times: whole seconds, UTC. */
export const tokenIssueTime = (session: RoleSession) =>
  new Date(Math.floor(session.issuedAtMs / 1000) * 1000).toISOString().replace(".000Z", "Z");

/**
 * Evaluates the account's provisioned copy of the permission set's inline policy for this session.
 * Managed policies are not modelled: with no matching statement the call is allowed (they are assumed to allow it).
 */
export function authorizeSessionCall(
  ctx: SimulatorContext,
  session: RoleSession,
  action: string,
  resource: string,
): Decision {
  const copy = ctx.state.roleCopy(session.permissionSetArn, session.accountId);
  if (copy?.inlinePolicy === undefined || copy.inlinePolicy === "") return { effect: "no-match" };
  const parsed = parsePolicy(copy.inlinePolicy);
  // A copy that does not parse could not have been provisioned; fail closed all the same.
  if (!parsed.ok) return { effect: "unsupported", operator: "unparseable policy" };
  const identity = sessionIdentity(ctx, session);
  return evaluatePolicy(parsed.statements, {
    action,
    resource,
    keys: {
      "aws:userid": identity.userId,
      "aws:PrincipalArn": identity.roleArn,
      "aws:PrincipalAccount": session.accountId,
      "aws:PrincipalType": "AssumedRole",
      "aws:TokenIssueTime": tokenIssueTime(session),
      "aws:CurrentTime": new Date(ctx.now()).toISOString(),
      "aws:RequestedRegion": ctx.seed.region,
      "identitystore:UserId": session.userId,
    },
  });
}
