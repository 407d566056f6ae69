import { expect, test, type Page } from "@playwright/test";
import pg from "pg";
import { E2E_PORTS } from "../playwright.config";
import { sessionCookie, signInAs } from "./fixtures";

const databaseUrl = `postgresql://postgres:postgres@127.0.0.1:${E2E_PORTS.database}/portal`;
const appOrigin = `http://localhost:${E2E_PORTS.app}`;

async function userIdOf(email: string): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string }>('SELECT id FROM "User" WHERE email = $1', [email]);
    expect(rows).toHaveLength(1);
    return rows[0]!.id;
  } finally {
    await client.end();
  }
}

const nonceOf = (csp: string | undefined) => /'nonce-([^']+)'/.exec(csp ?? "")?.[1];

/** Every CSP violation any portal document reports, from the browser's own event and its console. */
async function watchCspViolations(page: Page): Promise<string[]> {
  const violations: string[] = [];
  await page.exposeFunction("reportCspViolation", (origin: string, text: string) => {
    if (origin === appOrigin) violations.push(text);
  });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      const report = (window as unknown as { reportCspViolation: (origin: string, text: string) => void })
        .reportCspViolation;
      void report(
        location.origin,
        `${event.violatedDirective} blocked ${event.blockedURI} (${event.sourceFile}:${event.lineNumber})`,
      );
    });
  });
  page.on("console", (message) => {
    if (
      message.type() === "error" &&
      /Content Security Policy/i.test(message.text()) &&
      page.url().startsWith(appOrigin)
    )
      violations.push(message.text());
  });
  return violations;
}

test.describe("session secrecy", () => {
  test("GET /api/auth/session shows name, email and roles, never the session token or the user's id", async ({
    page,
  }) => {
    await signInAs(page, "alice");
    const cookie = await sessionCookie(page);
    const userId = await userIdOf("alice@example.com");
    const body = await page.evaluate(async () => (await fetch("/api/auth/session")).text());
    expect(body).not.toContain(cookie.value);
    expect(body).not.toContain(userId);
    const session = JSON.parse(body) as { user: Record<string, unknown>; expires: string };
    expect(Object.keys(session).sort()).toEqual(["expires", "user"]);
    expect(session.user).toEqual({ name: expect.any(String), email: "alice@example.com", roles: ["REQUESTER"] });
    // The portal still knows who is signed in: the server resolves the user from the cookie.
    await page.goto("/");
    await expect(page.getByTestId("current-user")).toBeVisible();
  });
});

test.describe("browser hardening", () => {
  test("every page response carries a CSP whose nonce changes per request", async ({ request }) => {
    const first = await request.get("/signin");
    const second = await request.get("/signin");
    for (const response of [first, second]) {
      const csp = response.headers()["content-security-policy"];
      expect(csp).toContain("'strict-dynamic'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).toContain("base-uri 'self'");
      expect(csp).toMatch(/form-action 'self' http:\/\/127\.0\.0\.1:\d+/);
      // The e2e stack is plain http: no HSTS.
      expect(response.headers()["strict-transport-security"]).toBeUndefined();
    }
    const nonces = [
      nonceOf(first.headers()["content-security-policy"]),
      nonceOf(second.headers()["content-security-policy"]),
    ];
    expect(nonces[0]).toMatch(/^[A-Za-z0-9+/=]{16,}$/);
    expect(nonces[1]).toMatch(/^[A-Za-z0-9+/=]{16,}$/);
    expect(nonces[0]).not.toBe(nonces[1]);
  });

  test("the scripts Next renders carry the response's nonce", async ({ page }) => {
    await signInAs(page, "alice");
    const response = await page.request.get("/");
    const nonce = nonceOf(response.headers()["content-security-policy"]);
    const html = await response.text();
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
  });

  test("signing in and browsing the home page reports no CSP violation", async ({ page }) => {
    const violations = await watchCspViolations(page);
    const documentsWithoutCsp: string[] = [];
    page.on("response", (response) => {
      if (
        response.request().resourceType() === "document" &&
        response.url().startsWith(appOrigin) &&
        !response.headers()["content-security-policy"]
      )
        documentsWithoutCsp.push(response.url());
    });
    await signInAs(page, "alice");
    await page.goto("/");
    await expect(page.getByTestId("current-user")).toBeVisible();
    await page.reload();
    await expect(page.getByTestId("current-user")).toBeVisible();
    // No violation only means something under an enforced policy.
    expect(documentsWithoutCsp).toEqual([]);
    expect(violations).toEqual([]);
  });

  test("a server action posted from another origin is refused, whatever X-Forwarded-Host says", async ({ page }) => {
    await signInAs(page, "alice");
    const response = await page.request.post("/", {
      headers: { Origin: "https://evil.example", "X-Forwarded-Host": "evil.example", "Next-Action": "0".repeat(42) },
      data: "[]",
    });
    expect(response.status()).toBe(403);
    expect(await response.json()).toMatchObject({ ok: false, code: "FORBIDDEN" });
  });
});
