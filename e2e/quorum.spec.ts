import { expect, test, type Page } from "@playwright/test";
import { seedAccount, seedPermissionSet, seedUser } from "../lib/simulator/seed";
import { dbQuery, personaPage, simulatorAssignees } from "./fixtures";

// payments-engineers-admin: two approvals from distinct groups (team-payments-leads: bob, frank; security-approvers: grace).
const PAYMENTS_STAGING = seedAccount("payments-staging")!.id;
const ADMINISTRATOR_ACCESS = seedPermissionSet("AdministratorAccess")!.arn;
const SETTLE = { timeout: 60_000 };

const requestStatus = (page: Page) => page.getByTestId("request-detail").getByTestId("request-status").first();
const approvalsLine = (page: Page) =>
  page
    .getByTestId("request-detail")
    .getByText(/^\d+ of 2/)
    .first();

async function decideInQueue(approver: Page, requestId: string, kind: "request" | "extension") {
  await approver.goto("/approvals");
  const item = approver.locator(
    `[data-testid="${kind === "request" ? "queue-item" : "extension-item"}"][data-request-id="${requestId}"]`,
  );
  await item.getByLabel(/Comment/).fill(`${kind} looks right`);
  await item.getByTestId(kind === "request" ? "approve" : "approve-extension").click();
  // Done when the decision left the approver's queue (recorded) or the form shows the verb's answer (refused).
  await expect
    .poll(async () => (await item.count()) === 0 || (await item.getByTestId("decision-message").isVisible()))
    .toBe(true);
}

async function requestRow(requestId: string) {
  const [row] = await dbQuery<{ status: string; endsAt: Date; extensionRequestedMinutes: number | null }>(
    `SELECT status, "endsAt", "extensionRequestedMinutes" FROM "AccessRequest" WHERE id = $1`,
    [requestId],
  );
  return row!;
}

test("two approvals from distinct groups: a second payments lead does not count, a security approver completes it, and the extension needs the same", async ({
  browser,
}) => {
  test.setTimeout(240_000);
  const alice = await personaPage(browser, "alice");
  await alice.goto("/requests/new");
  await alice.getByTestId("account-search").fill("payments-staging");
  await alice.getByRole("checkbox", { name: "AdministratorAccess on payments-staging" }).check();
  await alice.getByRole("button", { name: "30 min", exact: true }).click();
  await alice.getByLabel("Justification").fill("Rebuild the staging ledger IAM roles");
  await alice.getByLabel("Ticket").fill("PAY-2001");
  await alice.getByTestId("submit-request").click();
  await expect(alice).toHaveURL(/\/requests\/(?!new)[^/]+$/);
  const requestId = alice.url().split("/").at(-1)!;
  await expect(requestStatus(alice)).toHaveAttribute("data-status", "PENDING");
  await expect(approvalsLine(alice)).toHaveText(/^0 of 2/);

  const bob = await personaPage(browser, "bob");
  await decideInQueue(bob, requestId, "request");
  await alice.reload();
  await expect(requestStatus(alice)).toHaveAttribute("data-status", "PENDING");
  await expect(approvalsLine(alice)).toHaveText(/^1 of 2/);

  // Frank leads payments like bob: the same group cannot supply the second approval, whether the verb refuses or records it.
  const frank = await personaPage(browser, "frank");
  await decideInQueue(frank, requestId, "request");
  await alice.reload();
  await expect(requestStatus(alice)).toHaveAttribute("data-status", "PENDING");
  await expect(approvalsLine(alice)).toHaveText(/^1 of 2/);
  expect((await requestRow(requestId)).status).toBe("PENDING");

  const grace = await personaPage(browser, "grace");
  await decideInQueue(grace, requestId, "request");
  await expect(requestStatus(alice)).toHaveAttribute("data-status", "ACTIVE", SETTLE);
  expect(await simulatorAssignees(PAYMENTS_STAGING, ADMINISTRATOR_ACCESS)).toContain(seedUser("alice")!.userId);

  // The extension is routed and counted like the request: one payments lead is not enough, nor two.
  const endsAt = (await requestRow(requestId)).endsAt.getTime();
  await alice.getByLabel("Extra minutes").fill("30");
  await alice.getByLabel("Why do you need more time?").fill("The role rebuild needs another pass");
  await alice.getByTestId("extend").click();
  await expect.poll(async () => (await requestRow(requestId)).extensionRequestedMinutes).toBe(30);
  await expect(alice.getByTestId("request-detail")).toContainText("waiting for approval");

  await decideInQueue(bob, requestId, "extension");
  expect(await requestRow(requestId), "one approval does not extend a 2-approval grant").toMatchObject({
    extensionRequestedMinutes: 30,
    endsAt: new Date(endsAt),
  });
  await decideInQueue(frank, requestId, "extension");
  expect(await requestRow(requestId), "a second approval from the same group does not either").toMatchObject({
    extensionRequestedMinutes: 30,
    endsAt: new Date(endsAt),
  });

  await decideInQueue(grace, requestId, "extension");
  const extended = await requestRow(requestId);
  expect(extended.extensionRequestedMinutes).toBeNull();
  expect(extended.endsAt.getTime()).toBe(endsAt + 30 * 60_000);
  await alice.reload();
  await expect(alice.getByTestId("request-detail")).not.toContainText("waiting for approval");

  await alice.getByTestId("release-early").click();

  await alice.getByTestId("release-early-confirm").click();
  await expect(requestStatus(alice)).toHaveAttribute("data-status", "COMPLETED", SETTLE);
  for (const page of [alice, bob, frank, grace]) await page.context().close();
});
