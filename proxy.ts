import { NextResponse, type NextRequest } from "next/server";
import { getEnv } from "./lib/env";
import { signInPathFor } from "./lib/domain/return-path";
import { guardRequest } from "./lib/web/request-guard";
import { REQUESTED_PATH_HEADER, requestedPath } from "./lib/web/requested-path";
import { contentSecurityPolicy, createNonce, transportSecurityHeaders } from "./lib/web/security-headers";

// Optimistic only: visitors without a session cookie go to sign-in; pages still verify the session in the database.
// /api/metrics checks its own bearer token (scrapers have no cookie) or admin session; Slack's posts carry its signature;
// /api/v1 checks its bearer token in every route (the CLI has no cookie).
const PUBLIC_PREFIXES = [
  "/signin",
  "/api/auth",
  "/api/health",
  "/api/ready",
  "/api/metrics",
  "/api/slack/interactions",
  "/api/v1",
  "/_next",
  "/favicon.ico",
];
const SESSION_COOKIES = ["authjs.session-token", "__Secure-authjs.session-token"];

function route(request: NextRequest, requestHeaders: Headers): NextResponse {
  const { pathname } = request.nextUrl;
  if (PUBLIC_PREFIXES.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`)))
    return NextResponse.next({ request: { headers: requestHeaders } });
  if (SESSION_COOKIES.some((name) => request.cookies.has(name)))
    return NextResponse.next({ request: { headers: requestHeaders } });
  if (pathname.startsWith("/api/"))
    return NextResponse.json({ ok: false, code: "UNAUTHENTICATED", message: "Sign in first." }, { status: 401 });
  return NextResponse.redirect(new URL(signInPathFor(requestedPath(request.nextUrl)), request.url));
}

export async function proxy(request: NextRequest) {
  const env = getEnv();
  const nonce = createNonce();
  const csp = contentSecurityPolicy({
    nonce,
    dev: env.NODE_ENV === "development",
    idpOrigin: new URL(env.OIDC_ISSUER).origin,
  });
  // Foreign-origin mutations (audited), oversized and unreadable action bodies are answered before Next reads them.
  const refused = await guardRequest(request);
  // Next reads the nonce from the request's CSP header and puts it on the scripts it renders.
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("x-nonce", nonce);
  requestHeaders.set("Content-Security-Policy", csp);
  // Always overwritten, so a client cannot choose where requireActor sends it after sign-in.
  requestHeaders.set(REQUESTED_PATH_HEADER, requestedPath(request.nextUrl));
  const response = refused ? new NextResponse(refused.body, refused) : route(request, requestHeaders);
  response.headers.set("Content-Security-Policy", csp);
  for (const { key, value } of transportSecurityHeaders(env.APP_URL)) response.headers.set(key, value);
  return response;
}

export const config = { matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"] };
