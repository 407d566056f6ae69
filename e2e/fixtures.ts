import { ListAccountAssignmentsCommand, SSOAdminClient } from "@aws-sdk/client-sso-admin";
import { expect, type Browser, type Page } from "@playwright/test";
import pg from "pg";
import type { PersonaKey } from "../lib/demo/personas";
import { DEMO_SEED } from "../lib/simulator/seed";
import { E2E_PORTS } from "../playwright.config";

/** Signs in through the real OIDC flow: portal → dev IdP persona picker → callback → portal home. */
export async function signInAs(page: Page, persona: PersonaKey) {
  await page.goto("/signin");
  await page.getByRole("button", { name: /Sign in with/ }).click();
  await page.locator(`button[data-persona="${persona}"]`).click();
  await expect(page.getByTestId("current-user")).toBeVisible();
}

export async function sessionCookie(page: Page) {
  const cookies = await page.context().cookies();
  const cookie = cookies.find((c) => c.name.endsWith("authjs.session-token"));
  expect(cookie, "a database session cookie is set after sign-in").toBeDefined();
  return cookie!;
}

/** A browser context of its own, signed in as the persona (sessions never mix between personas). */
export async function personaPage(browser: Browser, persona: PersonaKey): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signInAs(page, persona);
  return page;
}

/** The status badge on a request page (its data-status is the request's state). */
export const requestStatus = (page: Page) => page.getByTestId("request-detail").getByTestId("request-status").first();

/** Reads the e2e stack's database directly, for what the UI does not show (exact timestamps, row counts). */
export async function dbQuery<T extends pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({
    connectionString: `postgresql://postgres:postgres@127.0.0.1:${E2E_PORTS.database}/portal`,
  });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/** Ends a live request from its page, as the requester would, and waits until the removal is verified. */
export async function releaseEarly(page: Page, requestId: string) {
  await page.goto(`/requests/${requestId}`);
  await page.getByTestId("release-early").click();
  await page.getByTestId("release-early-confirm").click();
  await expect(requestStatus(page)).toHaveAttribute("data-status", "COMPLETED", { timeout: 60_000 });
}

/** Grants of one user on one account and permission set that may still hold the assignment. */
export async function liveGrantsOn(target: { email: string; accountId: string; permissionSetArn: string }) {
  return dbQuery<{ id: string; requestId: string; status: string }>(
    `SELECT g.id, g."requestId", g.status FROM "Grant" g JOIN "User" u ON u.id = g."userId"
     WHERE u.email = $1 AND g."accountId" = $2 AND g."permissionSetArn" = $3
       AND g.status IN ('SCHEDULED', 'PROVISIONING', 'ACTIVE', 'REMOVING', 'REMOVAL_FAILED')`,
    [target.email, target.accountId, target.permissionSetArn],
  );
}

/** Sends the exact approve POST another approver's browser would send, without letting it reach the server. */
export async function captureApprovePost(
  approver: Page,
  requestId: string,
): Promise<{ headers: Record<string, string>; body: Buffer }> {
  await approver.goto("/approvals");
  let captured: { headers: Record<string, string>; body: Buffer } | undefined;
  await approver.route("**/approvals", async (route) => {
    const request = route.request();
    if (request.method() !== "POST" || !request.headers()["next-action"]) return route.continue();
    captured = { headers: request.headers(), body: request.postDataBuffer()! };
    await route.abort();
  });
  const item = approver.locator(`[data-testid="queue-item"][data-request-id="${requestId}"]`);
  await item.getByLabel(/Comment/).fill("looks fine");
  await item.getByTestId("approve").click();
  await expect.poll(() => captured !== undefined).toBe(true);
  expect(captured!.body.toString()).toContain(requestId);
  await approver.unroute("**/approvals");
  return captured!;
}

/** Principals Identity Center (the simulator) lists for the account and permission set, read with the real SDK. */
export async function simulatorAssignees(accountId: string, permissionSetArn: string): Promise<string[]> {
  const sso = new SSOAdminClient({
    endpoint: `http://127.0.0.1:${E2E_PORTS.simulator}`,
    region: "us-east-1",
    credentials: { accessKeyId: "e2e", secretAccessKey: "e2e" },
  });
  const listed = await sso.send(
    new ListAccountAssignmentsCommand({
      InstanceArn: DEMO_SEED.instanceArn,
      AccountId: accountId,
      PermissionSetArn: permissionSetArn,
    }),
  );
  return (listed.AccountAssignments ?? []).map((a) => a.PrincipalId!);
}
