import { expect, test, type Browser, type Page } from "@playwright/test";
import type { PersonaKey } from "../lib/demo/personas";
import { signInAs } from "./fixtures";

const PAYMENTS_PROD = "210987654321";
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
  await expect(alice.getByText("Expected format:")).toBeVisible();

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
