import { createHash, randomBytes } from "node:crypto";
import type { Env } from "../env";
import { fail, pass, skip, warn, type CheckResult } from "./check-result";

const TIMEOUT_MS = 8_000;
/** The callback route next-auth serves for the provider with id "oidc" (lib/auth/auth.ts). */
export const CALLBACK_PATH = "/api/auth/callback/oidc";

type OidcSettings = Pick<
  Env,
  "APP_URL" | "OIDC_ISSUER" | "OIDC_CLIENT_ID" | "OIDC_CLIENT_SECRET" | "OIDC_GROUPS_CLAIM"
>;

interface Discovery {
  issuer?: unknown;
  authorization_endpoint?: unknown;
  token_endpoint?: unknown;
  token_endpoint_auth_methods_supported?: unknown;
  claims_supported?: unknown;
  scopes_supported?: unknown;
}

const reason = (error: unknown) =>
  error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
const trimSlash = (url: string) => url.replace(/\/+$/, "");
const base64url = (bytes: Buffer) => bytes.toString("base64url");

export async function checkOidc(settings: OidcSettings): Promise<CheckResult[]> {
  const issuer = trimSlash(settings.OIDC_ISSUER);
  const discoveryUrl = `${issuer}/.well-known/openid-configuration`;
  let discovery: Discovery;
  try {
    const response = await fetch(discoveryUrl, { signal: AbortSignal.timeout(TIMEOUT_MS), redirect: "follow" });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    discovery = (await response.json()) as Discovery;
  } catch (error) {
    return [
      fail(
        "OIDC discovery",
        `cannot read ${discoveryUrl}: ${reason(error)}`,
        "set OIDC_ISSUER to the issuer URL your IdP documents (its /.well-known/openid-configuration must be reachable from here)",
      ),
      skip("OIDC client credentials", "skipped: no discovery document"),
      skip("OIDC redirect URI", "skipped: no discovery document"),
      skip("OIDC groups claim", "skipped: no discovery document"),
    ];
  }
  const results: CheckResult[] = [];
  const tokenEndpoint = typeof discovery.token_endpoint === "string" ? discovery.token_endpoint : undefined;
  const authorizationEndpoint =
    typeof discovery.authorization_endpoint === "string" ? discovery.authorization_endpoint : undefined;
  if (typeof discovery.issuer !== "string" || trimSlash(discovery.issuer) !== issuer)
    results.push(
      fail(
        "OIDC discovery",
        `the document names issuer "${String(discovery.issuer)}", not ${issuer}; sign-in would reject every ID token`,
        `set OIDC_ISSUER to exactly "${String(discovery.issuer)}"`,
      ),
    );
  else if (!tokenEndpoint || !authorizationEndpoint)
    results.push(
      fail("OIDC discovery", "the document has no token_endpoint or authorization_endpoint", "check OIDC_ISSUER"),
    );
  else results.push(pass("OIDC discovery", `${discoveryUrl} (issuer matches)`));

  results.push(
    tokenEndpoint
      ? await checkClientCredentials(settings, tokenEndpoint, discovery)
      : skip("OIDC client credentials", "skipped: no token endpoint"),
  );
  results.push(
    authorizationEndpoint
      ? await checkRedirectUri(settings, authorizationEndpoint)
      : skip("OIDC redirect URI", "skipped: no authorization endpoint"),
  );
  results.push(checkGroupsClaim(settings, discovery));
  return results;
}

/** A token request with a made-up code: invalid_grant means the client authenticated, invalid_client that it did not. */
async function checkClientCredentials(
  settings: OidcSettings,
  tokenEndpoint: string,
  discovery: Discovery,
): Promise<CheckResult> {
  const check = "OIDC client credentials";
  const methods = Array.isArray(discovery.token_endpoint_auth_methods_supported)
    ? discovery.token_endpoint_auth_methods_supported
    : ["client_secret_basic"];
  const useBasic = methods.includes("client_secret_basic") || !methods.includes("client_secret_post");
  const form = new URLSearchParams({
    grant_type: "authorization_code",
    code: `jit-portal-doctor-${base64url(randomBytes(16))}`,
    redirect_uri: `${trimSlash(settings.APP_URL)}${CALLBACK_PATH}`,
    code_verifier: base64url(randomBytes(32)),
  });
  const headers: Record<string, string> = {
    "content-type": "application/x-www-form-urlencoded",
    accept: "application/json",
  };
  if (useBasic) {
    // RFC 6749 2.3.1: both parts are form-encoded before base64.
    const user = encodeURIComponent(settings.OIDC_CLIENT_ID);
    const password = encodeURIComponent(settings.OIDC_CLIENT_SECRET);
    headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
  } else {
    form.set("client_id", settings.OIDC_CLIENT_ID);
    form.set("client_secret", settings.OIDC_CLIENT_SECRET);
  }
  let status: number;
  let error: string | undefined;
  try {
    const response = await fetch(tokenEndpoint, {
      method: "POST",
      headers,
      body: form,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    status = response.status;
    const body = (await response.json().catch(() => ({}))) as { error?: unknown };
    error = typeof body.error === "string" ? body.error : undefined;
  } catch (failure) {
    return fail(check, `cannot reach ${tokenEndpoint}: ${reason(failure)}`, "check network access to the IdP");
  }
  const client = `client "${settings.OIDC_CLIENT_ID}"`;
  if (error === "invalid_grant")
    return pass(check, `${client} authenticated (a made-up code was refused with invalid_grant, as expected)`);
  if (error === "invalid_client" || status === 401)
    return fail(
      check,
      `${client} was refused (invalid_client): the client id or secret is wrong`,
      "copy the client id and secret of the portal's app registration at the IdP into OIDC_CLIENT_ID and OIDC_CLIENT_SECRET",
    );
  if (error === "unauthorized_client")
    return fail(
      check,
      `${client} may not use the authorization code grant (unauthorized_client)`,
      "enable the authorization code grant for the portal's app registration at the IdP",
    );
  return warn(
    check,
    `not verified: the IdP answered HTTP ${status}${error ? ` ${error}` : ""} to a made-up code`,
    "sign in once to confirm the client id and secret",
  );
}

/** An authorization request that stops at the IdP: a redirect onwards means the redirect URI is registered. */
async function checkRedirectUri(settings: OidcSettings, authorizationEndpoint: string): Promise<CheckResult> {
  const check = "OIDC redirect URI";
  const redirectUri = `${trimSlash(settings.APP_URL)}${CALLBACK_PATH}`;
  const url = new URL(authorizationEndpoint);
  url.search = new URLSearchParams({
    client_id: settings.OIDC_CLIENT_ID,
    response_type: "code",
    scope: "openid",
    redirect_uri: redirectUri,
    state: base64url(randomBytes(16)),
    nonce: base64url(randomBytes(16)),
    code_challenge: base64url(
      createHash("sha256")
        .update(base64url(randomBytes(32)))
        .digest(),
    ),
    code_challenge_method: "S256",
  }).toString();
  let response: Response;
  try {
    response = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(TIMEOUT_MS) });
    await response.body?.cancel();
  } catch (failure) {
    return fail(check, `cannot reach ${authorizationEndpoint}: ${reason(failure)}`, "check network access to the IdP");
  }
  const location = response.headers.get("location") ?? "";
  const registerFix = `register ${redirectUri} as a redirect (callback) URI of client "${settings.OIDC_CLIENT_ID}" at the IdP, or correct APP_URL`;
  if (response.status >= 300 && response.status < 400) {
    const target = new URL(location, url);
    // An error sent back to the redirect URI still proves the IdP accepted that URI.
    const error = target.href.startsWith(redirectUri) ? target.searchParams.get("error") : null;
    return error
      ? warn(
          check,
          `${redirectUri} accepted, but the IdP answered ${error}`,
          "check the client's allowed scopes and grant types",
        )
      : pass(check, `${redirectUri} accepted by the IdP (it continued to sign-in)`);
  }
  if (response.status >= 400 && response.status < 500)
    return fail(
      check,
      `the IdP refused an authorization request for ${redirectUri} (HTTP ${response.status})`,
      registerFix,
    );
  return warn(
    check,
    `not verified: the IdP answered HTTP ${response.status}, which does not tell whether ${redirectUri} is registered`,
    `make sure ${redirectUri} is a registered redirect URI`,
  );
}

function checkGroupsClaim(settings: OidcSettings, discovery: Discovery): CheckResult {
  const check = "OIDC groups claim";
  const claim = settings.OIDC_GROUPS_CLAIM;
  const advertised = Array.isArray(discovery.claims_supported) && discovery.claims_supported.includes(claim);
  // Only a real sign-in yields an ID token; the doctor has no user to sign in as.
  return warn(
    check,
    `not verified: "${claim}" ${advertised ? "is listed in claims_supported" : "is not listed in claims_supported"}, but only a real sign-in shows whether ID tokens carry it`,
    `sign in once and check that roles appear; if not, configure the IdP to put the user's groups in the "${claim}" claim (OIDC_GROUPS_CLAIM)`,
  );
}
