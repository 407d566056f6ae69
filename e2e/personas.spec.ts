import { expect, test, type Page } from "@playwright/test";
import { captureApprovePost, dbQuery, personaPage } from "./fixtures";

const SETTLE = { timeout: 60_000 };
const requestStatus = (page: Page) => page.getByTestId("request-detail").getByTestId("request-status").first();

test("frank, an engineer who also approves, cannot approve his own request: not in his queue, no button, and a replayed POST is refused", async ({
  browser,
}) => {
  const frank = await personaPage(browser, "frank");
  await frank.goto("/requests/new");
  await frank.getByTestId("account-search").fill("payments-staging");
  await frank.getByRole("checkbox", { name: "PowerUser on payments-staging" }).check();
  await frank.getByLabel("Justification").fill("Tune the staging ledger connection pool");
  await frank.getByLabel("Ticket").fill("PAY-3001");
  await frank.getByTestId("submit-request").click();
  await expect(frank).toHaveURL(/\/requests\/(?!new)[^/]+$/);
  const requestId = frank.url().split("/").at(-1)!;
  await expect(requestStatus(frank)).toHaveAttribute("data-status", "PENDING");
  // Routed to the approvers group frank belongs to, yet the page offers him no decision.
  await expect(frank.getByTestId("approve")).toHaveCount(0);
  await expect(frank.getByTestId("decision-form")).toHaveCount(0);
  await frank.goto("/approvals");
  await expect(frank.getByTestId("approval-queue")).toBeVisible();
  await expect(frank.locator(`[data-testid="queue-item"][data-request-id="${requestId}"]`)).toHaveCount(0);

  const bob = await personaPage(browser, "bob");
  const captured = await captureApprovePost(bob, requestId);
  const replay = await frank.request.post("/approvals", {
    headers: {
      "next-action": captured.headers["next-action"]!,
      "content-type": captured.headers["content-type"]!,
      origin: captured.headers.origin ?? "",
      accept: "text/x-component",
    },
    data: captured.body,
  });
  expect(replay.status()).toBeLessThan(500);
  // Frank holds the approver role, so the refusal comes from the self-approval rule itself.
  expect(await replay.text()).toContain('"code":"SELF_APPROVAL"');
  await frank.goto(`/requests/${requestId}`);
  await expect(requestStatus(frank)).toHaveAttribute("data-status", "PENDING");
  await expect(frank.getByTestId("decision")).toHaveCount(0);
  expect(await dbQuery(`SELECT 1 FROM "ApprovalDecision" WHERE "requestId" = $1`, [requestId])).toEqual([]);
  await bob.context().close();
  await frank.context().close();
});

test("an admin holds no standing access and requests it like anyone; another approver decides", async ({ browser }) => {
  test.setTimeout(120_000);
  const dave = await personaPage(browser, "dave");
  await expect(dave.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "New request" })).toBeVisible();
  await dave.getByTestId("new-request").click();
  await expect(dave).toHaveURL(/\/requests\/new$/);
  await dave.getByTestId("account-search").fill("log-archive");
  await dave.getByRole("checkbox", { name: "ReadOnly on log-archive" }).check();
  await dave.getByRole("button", { name: "30 min", exact: true }).click();
  await dave.getByLabel("Justification").fill("Read the CloudTrail archive for the quarterly review");
  await dave.getByTestId("submit-request").click();
  await expect(dave).toHaveURL(/\/requests\/(?!new)[^/]+$/);
  const requestId = dave.url().split("/").at(-1)!;
  await expect(requestStatus(dave)).toHaveAttribute("data-status", "PENDING");
  // Dave approves for the approvers group too, but never his own request.
  await expect(dave.getByTestId("approve")).toHaveCount(0);

  const bob = await personaPage(browser, "bob");
  await bob.goto("/approvals");
  const item = bob.locator(`[data-testid="queue-item"][data-request-id="${requestId}"]`);
  await expect(item).toContainText("Dave Admin");
  await item.getByTestId("approve").click();
  await expect(requestStatus(dave)).toHaveAttribute("data-status", "ACTIVE", SETTLE);
  await dave.getByTestId("release-early").click();
  await dave.getByTestId("release-early-confirm").click();
  await expect(requestStatus(dave)).toHaveAttribute("data-status", "COMPLETED", SETTLE);
  await bob.context().close();
  await dave.context().close();
});
