import { describe, expect, it } from "vitest";
import { MAX_RETURN_PATH_LENGTH, returnUrlOnOrigin, safeReturnPath, signInPathFor } from "./return-path";

const ORIGIN = "http://localhost:3000";

describe("safeReturnPath", () => {
  it.each<[string, unknown, string | undefined, string]>([
    ["the home page", "/", undefined, "/"],
    ["a request page", "/requests/cmabc123xyz0001", undefined, "/requests/cmabc123xyz0001"],
    ["a page with a query", "/audit?x=y", undefined, "/audit?x=y"],
    ["several query parameters", "/approvals?status=pending&page=2", undefined, "/approvals?status=pending&page=2"],
    ["percent-encoded text in the query", "/audit?q=caf%C3%A9%20bar", undefined, "/audit?q=caf%C3%A9%20bar"],
    ["an escaped percent sign in the query", "/audit?q=100%25", undefined, "/audit?q=100%25"],
    ["a fragment", "/requests/abc#timeline", undefined, "/requests/abc#timeline"],
    ["dot segments, resolved", "/requests/../approvals", undefined, "/approvals"],
    ["a page whose name starts with api", "/apiary", undefined, "/apiary"],
    ["the sign-in page (sign-out's target)", "/signin", undefined, "/signin"],
    ["an absolute URL on this origin", `${ORIGIN}/requests/abc?x=1`, ORIGIN, "/requests/abc?x=1"],
    [
      "exactly the longest accepted length",
      "/" + "a".repeat(MAX_RETURN_PATH_LENGTH - 1),
      undefined,
      "/" + "a".repeat(2047),
    ],
  ])("accepts %s", (_label, candidate, origin, expected) => {
    expect(safeReturnPath(candidate, origin)).toBe(expected);
  });

  it.each<[string, unknown, string | undefined]>([
    ["another origin", "https://evil.example", undefined],
    ["another origin, even with our origin known", "https://evil.example/requests/abc", ORIGIN],
    ["our host name as a prefix of another host", "http://localhost:3000.evil.example/", ORIGIN],
    ["our origin as user info before another host", "http://localhost:3000@evil.example/", ORIGIN],
    ["credentials in a same-origin URL", "http://user:pw@localhost:3000/", ORIGIN],
    ["another scheme on the same host", "https://localhost:3000/", ORIGIN],
    ["another port on the same host", "http://localhost:3001/", ORIGIN],
    ["an absolute URL when no origin is known", `${ORIGIN}/requests/abc`, undefined],
    ["protocol-relative //host", "//evil.example", undefined],
    ["three slashes", "///evil.example", undefined],
    ["backslash after the slash", "/\\evil.example", undefined],
    ["two backslashes", "\\\\evil.example", undefined],
    ["a backslash later in the path", "/requests\\..\\..\\evil", undefined],
    ["an encoded second slash", "/%2Fevil.example", undefined],
    ["an encoded backslash", "/%5Cevil.example", undefined],
    ["a double-encoded backslash", "/%255Cevil.example", undefined],
    ["encoded slashes without a leading slash", "%2F%2Fevil.example", undefined],
    ["more encoding layers than a browser produces", "/%25252525252Fevil", undefined],
    ["malformed percent-encoding", "/requests/%E0%A4%A", undefined],
    ["javascript:", "javascript:alert(1)", ORIGIN],
    ["mixed-case javascript:", "JaVaScRiPt:alert(document.cookie)", ORIGIN],
    ["data:", "data:text/html,<script>alert(1)</script>", ORIGIN],
    ["a relative path", "requests/abc", undefined],
    ["a leading space", " /requests/abc", undefined],
    ["a tab that browsers strip (/\\t/host)", "/\t/evil.example", undefined],
    ["CR/LF header injection", "/requests/abc\r\nSet-Cookie: a=b", undefined],
    ["encoded CR/LF in the path", "/requests/abc%0d%0aSet-Cookie:a=b", undefined],
    ["encoded CR/LF in the query", "/audit?x=%0D%0ALocation:%20https://evil.example", undefined],
    ["an encoded C1 control in the query", "/audit?x=%C2%85", undefined],
    ["a null byte", "/requests/abc\u0000", undefined],
    ["a unicode division slash", "/\u2215evil.example", undefined],
    ["fullwidth slashes", "/\uFF0F\uFF0Fevil.example", undefined],
    ["encoded fullwidth slashes", "/%EF%BC%8F%EF%BC%8Fevil.example", undefined],
    ["a fullwidth backslash", "/\uFF3Cevil.example", undefined],
    ["a right-to-left override", "/requests/\u202Eabc", undefined],
    ["an overlong path", "/" + "a".repeat(MAX_RETURN_PATH_LENGTH), undefined],
    ["the sign-in endpoint (a loop)", "/api/auth/signin/oidc", undefined],
    ["the OIDC callback", "/api/auth/callback/oidc?code=x&state=y", undefined],
    ["sign-out", "/api/auth/signout", undefined],
    ["another API", "/api/health", undefined],
    ["an API in upper case", "/API/auth/signout", undefined],
    ["an API with an encoded letter", "/%61pi/auth/signout", undefined],
    ["an API behind encoded dot segments", "/requests/%2e%2e/api/auth/signout", undefined],
    ["an API behind double-encoded dot segments", "/requests/%252e%252e/api/auth/signout", undefined],
    ["an API reached through our own origin", `${ORIGIN}/api/auth/signout`, ORIGIN],
    ["Next's assets", "/_next/static/chunks/main.js", undefined],
    ["an empty string", "", undefined],
    ["undefined", undefined, undefined],
    ["null", null, undefined],
    ["a number", 42, undefined],
    ["a repeated query parameter (array)", ["/requests/abc", "//evil.example"], undefined],
    ["an object", { toString: () => "/requests/abc" }, undefined],
  ])("rejects %s", (_label, candidate, origin) => {
    expect(safeReturnPath(candidate, origin)).toBeNull();
  });
});

describe("returnUrlOnOrigin (next-auth's redirect callback)", () => {
  it.each<[string, string, string]>([
    ["a path", "/requests/abc?x=y", `${ORIGIN}/requests/abc?x=y`],
    ["a same-origin URL from next-auth's callback cookie", `${ORIGIN}/approvals`, `${ORIGIN}/approvals`],
    ["sign-out's target", "/signin", `${ORIGIN}/signin`],
    ["another origin goes home", "https://evil.example/", `${ORIGIN}/`],
    ["a protocol-relative URL goes home", "//evil.example", `${ORIGIN}/`],
    ["an auth endpoint goes home", "/api/auth/signout", `${ORIGIN}/`],
  ])("%s", (_label, candidate, expected) => {
    expect(returnUrlOnOrigin(candidate, ORIGIN)).toBe(expected);
  });

  it("uses only the origin of the base it is given", () => {
    expect(returnUrlOnOrigin("/audit", `${ORIGIN}/some/path?q=1`)).toBe(`${ORIGIN}/audit`);
  });
});

describe("signInPathFor", () => {
  it.each<[string, unknown, string]>([
    ["a request page", "/requests/abc?x=y", "/signin?callbackUrl=%2Frequests%2Fabc%3Fx%3Dy"],
    ["the home page needs no return path", "/", "/signin"],
    ["an unsafe path is dropped", "//evil.example", "/signin"],
    ["an auth endpoint is dropped", "/api/auth/signin", "/signin"],
    ["nothing known", null, "/signin"],
  ])("%s", (_label, requested, expected) => {
    expect(signInPathFor(requested)).toBe(expected);
  });
});
