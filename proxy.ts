import { NextResponse, type NextRequest } from "next/server";
import { getEnv } from "./lib/env";
import { contentSecurityPolicy, createNonce, isForeignOriginMutation, transportSecurityHeaders } from "./lib/web/security-headers";

// Optimistic only: visitors without a session cookie go to sign-in; pages still verify the session in the database.
// /api/metrics checks its own bearer token (scrapers have no cookie) or admin session.
const PUBLIC_PREFIXES = ["/signin", "/api/auth", "/api/health", "/api/ready", "/api/metrics", "/_next", "/favicon.ico"];
const SESSION_COOKIES = ["authjs.session-token", "__Secure-authjs.session-token"];

function route(request: NextRequest, requestHeaders: Headers): NextResponse {
  const { pathname } = request.nextUrl;
  // Next compares Origin with X-Forwarded-Host, which a misconfigured proxy may pass through: pin it to APP_URL here.
  if (isForeignOriginMutation(request.method, request.headers.get("origin"), getEnv().APP_URL)) {
    return NextResponse.json({ ok: false, code: "FORBIDDEN", message: "This request did not come from the portal." }, { status: 403 });
  }
  if (PUBLIC_PREFIXES.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`))) return NextResponse.next({ request: { headers: requestHeaders } });
  if (SESSION_COOKIES.some((name) => request.cookies.has(name))) return NextResponse.next({ request: { headers: requestHeaders } });
  if (pathname.startsWith("/api/")) return NextResponse.json({ ok: false, code: "UNAUTHENTICATED", message: "Sign in first." }, { status: 401 });
  return NextResponse.redirect(new URL("/signin", request.url));
}

export function proxy(request: NextRequest) {
  const env = getEnv();
  const nonce = createNonce();
  const csp = contentSecurityPolicy({ nonce, dev: env.NODE_ENV === "development", idpOrigin: new URL(env.OIDC_ISSUER).origin });
  // Next reads the nonce from the request's CSP header and puts it on the scripts it renders.
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("x-nonce", nonce);
  requestHeaders.set("Content-Security-Policy", csp);
  const response = route(request, requestHeaders);
  response.headers.set("Content-Security-Policy", csp);
  for (const { key, value } of transportSecurityHeaders(env.APP_URL)) response.headers.set(key, value);
  return response;
}

export const config = { matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"] };
