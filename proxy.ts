import { NextResponse, type NextRequest } from "next/server";
import { guardRequest } from "./lib/web/request-guard";

// Optimistic only: visitors without a session cookie go to sign-in; pages still verify the session in the database.
// /api/metrics checks its own bearer token (scrapers have no cookie) or admin session.
const PUBLIC_PREFIXES = ["/signin", "/api/auth", "/api/health", "/api/ready", "/api/metrics", "/_next", "/favicon.ico"];
const SESSION_COOKIES = ["authjs.session-token", "__Secure-authjs.session-token"];

export async function proxy(request: NextRequest) {
  const refused = await guardRequest(request);
  if (refused) return refused;
  const { pathname } = request.nextUrl;
  if (PUBLIC_PREFIXES.some((prefix) => pathname === prefix || pathname.startsWith(`${prefix}/`))) return NextResponse.next();
  if (SESSION_COOKIES.some((name) => request.cookies.has(name))) return NextResponse.next();
  if (pathname.startsWith("/api/")) return NextResponse.json({ ok: false, code: "UNAUTHENTICATED", message: "Sign in first." }, { status: 401 });
  return NextResponse.redirect(new URL("/signin", request.url));
}

export const config = { matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"] };
