import { expect, test, type Browser, type Page } from "@playwright/test";
import type { PersonaKey } from "../lib/demo/personas";
import { seedAccount, seedPermissionSet, seedUser } from "../lib/simulator/seed";
import { signInAs, simulatorAssignees } from "./fixtures";

const PAYMENTS_PROD = "210987654321";
const PAYMENTS_STAGING = seedAccount("payments-staging")!.id;
// The worker and the simulator are asynchronous: a status change shows up after a few refresh cycles.
const SETTLE = { timeout: 60_000 };

async function personaPage(browser: Browser, persona: PersonaKey): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signInAs(page, persona);
  return page;
}

const requestStatus = (page: Page) => page.getByTestId("request-detail").getByTestId("request-status").first();

test("request, approve, grant, release early: the whole lifecycle through the UI", async ({ browser }) => {
  test.setTimeout(180_000);
  const alice = await personaPage(browser, "alice");

  await alice.getByTestId("new-request").click();
  await expect(alice).toHaveURL(/\/requests\/new$/);
  await alice.getByTestId("account-search").fill("payments-prod");
  await alice.getByRole("checkbox", { name: "PowerUser on payments-prod" }).check();
  await alice.getByRole("button", { name: "30 min", exact: true }).click();
  await alice.getByLabel("Justification").fill("Rotate the payment gateway keys after INC-1234");
  await expect(alice.getByTestId("ticket-hint")).toHaveText("For example PAY-1234.");

  // A server-side refusal shows next to the field and keeps everything typed.
  await alice.getByLabel("Ticket").fill("JIRA-1");
  await alice.getByTestId("submit-request").click();
  await expect(alice.getByTestId("ticket-error")).toContainText("PAY-");
  await expect(alice).toHaveURL(/\/requests\/new$/);
  await expect(alice.getByLabel("Justification")).toHaveValue("Rotate the payment gateway keys after INC-1234");
  await expect(alice.getByRole("checkbox", { name: "PowerUser on payments-prod" })).toBeChecked();

  await alice.getByLabel("Ticket").fill("PAY-1234");
  await alice.getByTestId("submit-request").click();
  await expect(alice).toHaveURL(/\/requests\/(?!new)[^/]+$/);
  const requestId = alice.url().split("/").at(-1)!;
  await expect(requestStatus(alice)).toHaveAttribute("data-status", "PENDING");
  await expect(alice.getByTestId("grant-row")).toContainText("payments-prod");
  // Nobody approves their own request: no decision controls for alice, and the approver queue is closed to her.
  await expect(alice.getByTestId("approve")).toHaveCount(0);
  await expect(alice.getByTestId("decision-form")).toHaveCount(0);

  // Another requester cannot see the request at all, not even that it exists.
  const erin = await personaPage(browser, "erin");
  const response = await erin.goto(`/requests/${requestId}`);
  expect(response?.status()).toBe(404);
  await expect(erin.getByTestId("request-not-found")).toBeVisible();
  await erin.context().close();

  const bob = await personaPage(browser, "bob");
  await expect(bob.getByTestId("pending-approvals-count")).toBeVisible();
  await bob.goto("/approvals");
  const item = bob.locator(`[data-testid="queue-item"][data-request-id="${requestId}"]`);
  await expect(item).toContainText("Alice Engineer");
  await expect(item).toContainText("PAY-1234");
  await expect(item).toContainText("Rotate the payment gateway keys");
  await item.getByLabel(/Comment/).fill("Go ahead, keys rotation is planned");
  await item.getByTestId("approve").click();
  // Decided requests leave the queue as soon as the action's refresh lands.
  await expect(item).toHaveCount(0);

  // Alice's page refreshes itself until the worker has granted and verified the assignment.
  await expect(requestStatus(alice)).toHaveAttribute("data-status", "ACTIVE", SETTLE);
  await expect(alice.getByTestId("grant-row").getByTestId("grant-status")).toHaveAttribute("data-status", "ACTIVE");
  await expect(alice.getByTestId("grant-row").getByTestId("aws-request-id").first()).not.toBeEmpty();
  await expect(alice.getByTestId("decision")).toContainText("Bob Approver");
  await expect(alice.getByTestId("timeline")).toContainText("Assignment active (verified)");

  await alice.goto("/");
  const grant = alice.getByTestId("active-grant").filter({ hasText: "payments-prod" });
  await expect(grant).toContainText("PowerUser");
  await expect(grant.getByTestId("grant-countdown")).toHaveText(/\d+ m \d{2} s/);
  await expect(grant.getByTestId("simulator-note")).toBeVisible();
  // PowerUser console sessions last 4 h, far longer than this 30-minute grant.
  await expect(grant.getByTestId("session-warning")).toBeVisible();

  await grant.getByRole("link", { name: /PowerUser on payments-prod/ }).click();
  await expect(alice).toHaveURL(new RegExp(`/requests/${requestId}$`));
  await alice.getByTestId("release-early").click();
  await alice.getByTestId("release-early-confirm").click();
  await expect(requestStatus(alice)).toHaveAttribute("data-status", "COMPLETED", SETTLE);
  await expect(alice.getByTestId("grant-row").getByTestId("grant-status")).toHaveAttribute("data-status", "REMOVED");
  await expect(alice.getByTestId("timeline")).toContainText("Released early by the requester");
  await expect(alice.getByTestId("timeline")).toContainText("Assignment removed (verified)");
  await bob.context().close();
  await alice.context().close();
});

test("a requester cannot open the approver queue", async ({ page }) => {
  await signInAs(page, "alice");
  await expect(page.getByRole("link", { name: /Approvals/ })).toHaveCount(0);
  await page.goto("/approvals");
  await expect(page).toHaveURL(/\/forbidden$/);
  await expect(page.getByRole("heading", { name: "Not allowed" })).toBeVisible();
});

test("the request form offers only what policy lets the requester ask for", async ({ page }) => {
  await signInAs(page, "erin");
  await page.goto("/requests/new");
  await expect(page.getByTestId("account-option").filter({ hasText: "data-prod" })).toBeVisible();
  await expect(page.locator(`[data-testid="account-option"][data-account-id="${PAYMENTS_PROD}"]`)).toHaveCount(0);
  await expect(page.getByTestId("account-option").filter({ hasText: "payments" })).toHaveCount(0);
  await page.getByTestId("account-search").fill("payments");
  await expect(page.getByTestId("account-option")).toHaveCount(0);
});

test("approvers cannot reach the request form", async ({ page }) => {
  await signInAs(page, "bob");
  await expect(page.getByRole("link", { name: "New request" })).toHaveCount(0);
  await page.goto("/requests/new");
  await expect(page).toHaveURL(/\/forbidden$/);
});

test("a one-minute grant appears in Identity Center and disappears on its own at expiry", async ({ browser }) => {
  test.setTimeout(180_000);
  const readOnly = seedPermissionSet("ReadOnly")!.arn;
  const alicePrincipal = seedUser("alice")!.userId;
  const alice = await personaPage(browser, "alice");
  await alice.goto("/requests/new");
  await alice.getByTestId("account-search").fill("payments-staging");
  await alice.getByRole("checkbox", { name: "ReadOnly on payments-staging" }).check();
  await alice.getByRole("button", { name: "Custom", exact: true }).click();
  await alice.getByTestId("custom-minutes").fill("1");
  await alice.getByLabel("Justification").fill("Check the staging ledger export once");
  await alice.getByTestId("submit-request").click();
  await expect(alice).toHaveURL(/\/requests\/(?!new)[^/]+$/);

  // Auto-approved by policy: the worker creates the assignment, and the real listing shows it.
  await expect(requestStatus(alice)).toHaveAttribute("data-status", "ACTIVE", SETTLE);
  expect(await simulatorAssignees(PAYMENTS_STAGING, readOnly)).toContain(alicePrincipal);
  // Nobody touches anything: at the end of the minute the worker removes and verifies it.
  await expect(requestStatus(alice)).toHaveAttribute("data-status", "COMPLETED", { timeout: 120_000 });
  await expect(alice.getByTestId("timeline")).toContainText("Assignment removed (verified)");
  expect(await simulatorAssignees(PAYMENTS_STAGING, readOnly)).not.toContain(alicePrincipal);
  await alice.context().close();
});

test("alice cannot approve her own request, even by replaying the approve POST herself", async ({ browser }) => {
  const alice = await personaPage(browser, "alice");
  await alice.goto("/requests/new");
  await alice.getByTestId("account-search").fill("payments-staging");
  await alice.getByRole("checkbox", { name: "PowerUser on payments-staging" }).check();
  await alice.getByLabel("Justification").fill("Resize the staging ledger database");
  await alice.getByLabel("Ticket").fill("PAY-77");
  await alice.getByTestId("submit-request").click();
  await expect(alice).toHaveURL(/\/requests\/(?!new)[^/]+$/);
  const requestId = alice.url().split("/").at(-1)!;
  await expect(requestStatus(alice)).toHaveAttribute("data-status", "PENDING");

  // Learn the exact POST an approver's browser sends for this request, without letting it reach the server.
  const bob = await personaPage(browser, "bob");
  await bob.goto("/approvals");
  let captured: { headers: Record<string, string>; body: Buffer } | undefined;
  await bob.route("**/approvals", async (route) => {
    const request = route.request();
    if (request.method() !== "POST" || !request.headers()["next-action"]) return route.continue();
    captured = { headers: request.headers(), body: request.postDataBuffer()! };
    await route.abort();
  });
  const item = bob.locator(`[data-testid="queue-item"][data-request-id="${requestId}"]`);
  await item.getByLabel(/Comment/).fill("looks fine");
  await item.getByTestId("approve").click();
  await expect.poll(() => captured !== undefined).toBe(true);
  expect(captured!.body.toString()).toContain(requestId);

  // Alice sends the same action with her own session: the service refuses it and nothing changes.
  const replay = await alice.request.post("/approvals", {
    headers: {
      "next-action": captured!.headers["next-action"]!,
      "content-type": captured!.headers["content-type"]!,
      origin: captured!.headers.origin ?? "",
      accept: "text/x-component",
    },
    data: captured!.body,
  });
  expect(replay.status()).toBeLessThan(500);
  // Alice holds no approver role, so the verb refuses her before any policy check (dave's case is a service test).
  expect(await replay.text()).toContain("Your role does not allow this.");
  await alice.reload();
  await expect(requestStatus(alice)).toHaveAttribute("data-status", "PENDING");
  await expect(alice.getByTestId("decision")).toHaveCount(0);
  await expect(alice.getByTestId("timeline")).not.toContainText("Approval given");
  await bob.context().close();
  await alice.context().close();
});

test("the active policy is shown read-only, allow and deny rules alike", async ({ page }) => {
  await signInAs(page, "alice");
  await page.goto("/policy");
  const allow = page.getByTestId("policy-rule");
  await expect(allow).toHaveCount(6);
  await expect(allow.filter({ hasText: "payments-engineers-admin" })).toContainText("2");
  await expect(allow.filter({ hasText: "payments-engineers-read-only" })).toContainText("group team-payments");
  const deny = page.getByTestId("policy-deny-rule");
  await expect(deny).toHaveCount(1);
  await expect(deny).toContainText("no-admin-on-management");
  await expect(deny).toContainText("everyone");
  await expect(deny).toContainText("The management account is break-glass only.");
});
