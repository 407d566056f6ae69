// The access portal (`sso`, restJson1): GetRoleCredentials, ListAccounts, ListAccountRoles and Logout with a bearer token.
import { randomBytes } from "node:crypto";
import type { SimulatorContext } from "./context";
import { ServiceError } from "./errors";
import { issueRoleSession } from "./sessions";
import { sessionSeconds } from "./sso-admin";
import type { PortalToken } from "./state";

export interface PortalResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Route key ("GET /federation/credentials") to operation name; anything else is not a portal route. */
export const PORTAL_ROUTES: Record<string, string> = {
  "GET /federation/credentials": "GetRoleCredentials",
  "GET /assignment/accounts": "ListAccounts",
  "GET /assignment/roles": "ListAccountRoles",
  "POST /logout": "Logout",
};

const DEFAULT_TOKEN_TTL_SECONDS = 8 * 3600;
const DEFAULT_PAGE_SIZE = 20;

// restJson1 errors: the SDK reads the code from x-amzn-errortype; every portal error has one member, `message`.
export const portalError = {
  invalidRequest: (message: string) => new ServiceError("InvalidRequestException", message),
  unauthorized: () => new ServiceError("UnauthorizedException", "Session token not found or invalid", { status: 401 }),
  // Not in the model; observed as "No access" (reference §1.3); the HTTP status is a guess.
  forbidden: () => new ServiceError("ForbiddenException", "No access", { status: 403 }),
  notFound: (message: string) => new ServiceError("ResourceNotFoundException", message, { status: 404 }),
  tooManyRequests: () => new ServiceError("TooManyRequestsException", "Rate exceeded", { status: 429 }),
  internal: () => new ServiceError("InternalServerException", "An internal error occurred", { status: 500 }),
};

/** Dev stand-in for the OIDC device flow: an access token for an Identity Store user, as `aws sso login` would cache. */
export function issuePortalToken(
  ctx: SimulatorContext,
  userId: string,
  ttlSeconds = DEFAULT_TOKEN_TTL_SECONDS,
): PortalToken {
  const now = ctx.now();
  for (const [key, old] of ctx.state.portalTokens) if (old.expiresAtMs < now) ctx.state.portalTokens.delete(key);
  const token: PortalToken = {
    accessToken: `aoa${randomBytes(48).toString("base64url")}`,
    userId,
    issuedAtMs: now,
    expiresAtMs: now + ttlSeconds * 1000,
  };
  ctx.state.portalTokens.set(token.accessToken, token);
  ctx.changed();
  return token;
}

function bearer(ctx: SimulatorContext, headers: Record<string, string | string[] | undefined>) {
  const raw = headers["x-amz-sso_bearer_token"];
  const token = typeof raw === "string" ? ctx.state.portalTokens.get(raw) : undefined;
  if (!token || token.expiresAtMs <= ctx.now()) throw portalError.unauthorized();
  const user = ctx.seed.users.find((candidate) => candidate.userId === token.userId);
  if (!user) throw portalError.unauthorized();
  const groupIds = ctx.state.groupIdsOf(user.userId);
  return { token, user, groupIds };
}

function maxResults(query: URLSearchParams): number | undefined {
  const raw = query.get("max_result");
  if (raw === null) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 100)
    throw portalError.invalidRequest("maxResults must be between 1 and 100");
  return value;
}

function page<T>(
  ctx: SimulatorContext,
  operation: string,
  query: URLSearchParams,
  userId: string,
  items: readonly T[],
) {
  const input = {
    userId,
    accountId: query.get("account_id") ?? undefined,
    NextToken: query.get("next_token") ?? undefined,
    MaxResults: maxResults(query),
  };
  return ctx.tokens.paginate(items, {
    operation: `portal:${operation}`,
    input,
    defaultPageSize: DEFAULT_PAGE_SIZE,
    invalidToken: () => portalError.invalidRequest("Invalid nextToken"),
  });
}

/** Runs one portal operation; throws ServiceError for modeled errors. Returns the JSON body, or undefined for none. */
export function handlePortal(
  ctx: SimulatorContext,
  operation: string,
  query: URLSearchParams,
  headers: Record<string, string | string[] | undefined>,
): unknown {
  const { token, user, groupIds } = bearer(ctx, headers);
  const assigned = (accountId: string, permissionSetArn: string) =>
    ctx.state.userHasAssignment(user.userId, groupIds, accountId, permissionSetArn);
  switch (operation) {
    case "GetRoleCredentials": {
      const roleName = query.get("role_name");
      const accountId = query.get("account_id");
      if (!roleName || !accountId) throw portalError.invalidRequest("roleName and accountId are required");
      const set = [...ctx.state.permissionSets.values()].find((candidate) => candidate.name === roleName);
      if (!set || !assigned(accountId, set.arn)) throw portalError.forbidden();
      const seconds = sessionSeconds(set.sessionDuration) ?? 3600;
      const session = issueRoleSession(
        ctx,
        { userId: user.userId, userName: user.userName, accountId, permissionSetArn: set.arn },
        seconds,
      );
      return {
        roleCredentials: {
          accessKeyId: session.accessKeyId,
          secretAccessKey: session.secretAccessKey,
          sessionToken: session.sessionToken,
          expiration: session.expiresAtMs,
        },
      };
    }
    case "ListAccounts": {
      const accounts = ctx.seed.accounts.filter((account) =>
        [...ctx.state.permissionSets.keys()].some((arn) => assigned(account.id, arn)),
      );
      const result = page(ctx, operation, query, user.userId, accounts);
      return {
        accountList: result.items.map((account) => ({
          accountId: account.id,
          accountName: account.name,
          emailAddress: account.email,
        })),
        ...(result.nextToken ? { nextToken: result.nextToken } : {}),
      };
    }
    case "ListAccountRoles": {
      const accountId = query.get("account_id");
      if (!accountId) throw portalError.invalidRequest("accountId is required");
      const roles = [...ctx.state.permissionSets.values()].filter((set) => assigned(accountId, set.arn));
      const result = page(ctx, operation, query, user.userId, roles);
      return {
        roleList: result.items.map((set) => ({ roleName: set.name, accountId })),
        ...(result.nextToken ? { nextToken: result.nextToken } : {}),
      };
    }
    case "Logout":
      // Ends the portal session only; role sessions already issued keep working (reference §1.2).
      ctx.state.portalTokens.delete(token.accessToken);
      ctx.changed();
      return undefined;
    default:
      throw portalError.notFound(`Unknown operation ${operation}`);
  }
}
