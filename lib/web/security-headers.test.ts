import { describe, expect, it } from "vitest";
import {
  BASE_SECURITY_HEADERS,
  contentSecurityPolicy,
  createNonce,
  isForeignOriginMutation,
  secureCookiesFor,
  serverActionOrigins,
  sessionCookieName,
  transportSecurityHeaders,
} from "./security-headers";

const directives = (csp: string) => new Map(csp.split("; ").map((d) => [d.split(" ")[0]!, d.split(" ").slice(1)]));

describe("transportSecurityHeaders and cookies", () => {
  it("sends HSTS and Secure cookies for an https APP_URL", () => {
    expect(transportSecurityHeaders("https://portal.example.com")).toEqual([
      { key: "Strict-Transport-Security", value: "max-age=63072000; includeSubDomains" },
    ]);
    expect(secureCookiesFor("https://portal.example.com")).toBe(true);
    expect(sessionCookieName(secureCookiesFor("https://portal.example.com"))).toBe("__Secure-authjs.session-token");
  });
  it("sends neither for an http APP_URL (local demo)", () => {
    expect(transportSecurityHeaders("http://localhost:3000")).toEqual([]);
    expect(secureCookiesFor("http://localhost:3000")).toBe(false);
    expect(sessionCookieName(secureCookiesFor("http://localhost:3000"))).toBe("authjs.session-token");
  });
  it("lets SECURE_COOKIES override APP_URL either way", () => {
    expect(secureCookiesFor("http://localhost:3000", true)).toBe(true);
    expect(secureCookiesFor("https://portal.example.com", false)).toBe(false);
  });
  it("keeps the static headers free of HSTS (they are baked in at build time, before APP_URL is known)", () => {
    expect(BASE_SECURITY_HEADERS.map((h) => h.key)).not.toContain("Strict-Transport-Security");
    expect(BASE_SECURITY_HEADERS).toContainEqual({ key: "X-Frame-Options", value: "DENY" });
  });
});

describe("contentSecurityPolicy", () => {
  const production = directives(
    contentSecurityPolicy({ nonce: "abc123", dev: false, idpOrigin: "https://idp.example.com" }),
  );
  const dev = directives(contentSecurityPolicy({ nonce: "abc123", dev: true, idpOrigin: "http://127.0.0.1:3001" }));

  it("allows scripts only by nonce, propagated with strict-dynamic, and never eval in production", () => {
    expect(production.get("script-src")).toEqual(["'self'", "'nonce-abc123'", "'strict-dynamic'"]);
    expect(production.get("style-src")).toEqual(["'self'", "'nonce-abc123'"]);
  });
  it("adds unsafe-eval and inline styles only in dev", () => {
    expect(dev.get("script-src")).toContain("'unsafe-eval'");
    expect(dev.get("style-src")).toEqual(["'self'", "'unsafe-inline'"]);
  });
  it("locks framing, plugins, base and form targets", () => {
    for (const csp of [production, dev]) {
      expect(csp.get("frame-ancestors")).toEqual(["'none'"]);
      expect(csp.get("object-src")).toEqual(["'none'"]);
      expect(csp.get("base-uri")).toEqual(["'self'"]);
    }
    expect(production.get("form-action")).toEqual(["'self'", "https://idp.example.com"]);
  });
});

describe("createNonce", () => {
  it("is fresh for each call", () => {
    const nonces = new Set(Array.from({ length: 100 }, createNonce));
    expect(nonces.size).toBe(100);
    for (const nonce of nonces) expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
  });
});

describe("server action origins", () => {
  it("allows only APP_URL's host", () => {
    expect(serverActionOrigins("https://portal.example.com")).toEqual(["portal.example.com"]);
    expect(serverActionOrigins("http://localhost:3000")).toEqual(["localhost:3000"]);
  });
  it.each([
    ["POST", "https://evil.example", true],
    ["POST", "https://portal.example.com.evil.example", true],
    ["POST", "http://portal.example.com", true],
    ["PUT", "null", true],
    ["POST", "https://evil.portal.example.com", true],
    ["POST", "https://portal.example.com:8443", true],
    ["POST", "::::", true],
    ["PATCH", "https://evil.example", true],
    ["POST", "https://portal.example.com", false],
    ["POST", null, false],
    ["GET", "https://evil.example", false],
  ] as const)("%s from %s is foreign: %s", (method, origin, foreign) => {
    expect(isForeignOriginMutation(method, origin, "https://portal.example.com")).toBe(foreign);
  });
});
