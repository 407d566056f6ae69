import { expect, test, type Page } from "@playwright/test";
import { E2E_PORTS } from "../playwright.config";
import { seedAccount, seedPermissionSet } from "../lib/simulator/seed";
import { liveGrantsOn, personaPage } from "./fixtures";

// The texts on a request page say what happened: a request that never started used nothing, and the header agrees with
// the banner while access is being removed.

const SETTLE = { timeout: 60_000 };
const requestStatus = (page: Page) => page.getByTestId("request-detail").getByTestId("request-status").first();

async function simulatorConfig(patch: Record<string, unknown>) {
  const response = await fetch(`http://127.0.0.1:${E2E_PORTS.simulator}/__sim/config`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(patch),
  });
  expect(response.status).toBe(200);
}

test("a request cancelled before approval says it never started, and its target was not granted", async ({
  browser,
}) => {
  const alice = await personaPage(browser, "alice");
  await alice.goto("/requests/new");
  await alice.getByTestId("account-search").fill("payments-staging");
  await alice.getByRole("checkbox", { name: "PowerUser on payments-staging" }).check();
  await alice.getByLabel("Justification").fill("Look at the staging ledger, maybe");
  await alice.getByLabel("Ticket").fill("PAY-501");
  await alice.getByTestId("submit-request").click();
  await expect(alice).toHaveURL(/\/requests\/(?!new)[^/]+$/);
  await expect(requestStatus(alice)).toHaveAttribute("data-status", "PENDING");
  await expect(alice.getByTestId("ungranted-target")).toHaveText("after approval");

  await alice.getByTestId("cancel-request").click();

  await alice.getByTestId("cancel-request-confirm").click();
  await expect(requestStatus(alice)).toHaveAttribute("data-status", "CANCELLED", SETTLE);
  await expect(alice.getByTestId("window-text")).toContainText("never started, no access was used");
  await expect(alice.getByTestId("window-text")).not.toContainText("used,");
  await expect(alice.getByTestId("ungranted-target")).toHaveText("not granted");
  await expect(alice.getByTestId("grants")).not.toContainText("after approval");
  await alice.context().close();
});

test("while access is being removed the header says 'Ending: removal in progress', as the banner does", async ({
  browser,
}) => {
  test.setTimeout(180_000);
  // Another live grant on the same target would keep the assignment, and the removal would never be in progress.
  const target = {
    email: "alice@example.com",
    accountId: seedAccount("payments-staging")!.id,
    permissionSetArn: seedPermissionSet("ReadOnly")!.arn,
  };
  expect(await liveGrantsOn(target), "a spec before this one left alice a live ReadOnly grant").toEqual([]);
  const alice = await personaPage(browser, "alice");
  await alice.goto("/requests/new");
  await alice.getByTestId("account-search").fill("payments-staging");
  await alice.getByRole("checkbox", { name: "ReadOnly on payments-staging" }).check();
  await alice.getByLabel("Justification").fill("Read the staging ledger export");
  await alice.getByTestId("submit-request").click();
  await expect(alice).toHaveURL(/\/requests\/(?!new)[^/]+$/);
  await expect(requestStatus(alice)).toHaveAttribute("data-status", "ACTIVE", SETTLE);
  await expect(alice.getByTestId("session-warning")).toHaveCount(1);
  await expect(alice.getByTestId("session-warning")).toContainText(
    /An AWS session opened during this access could otherwise stay valid for up to \d+ hours? after it ends, but it is cut off when the access ends/,
  );

  // The simulated AWS keeps the removal in progress long enough to look at the page in between.
  await simulatorConfig({ asyncDelayMs: 20_000 });
  try {
    await alice.getByTestId("release-early").click();
    await alice.getByTestId("release-early-confirm").click();
    await expect(alice.getByTestId("ending-banner")).toBeVisible(SETTLE);
    await expect(requestStatus(alice)).toHaveText("Ending: removal in progress");
    await expect(requestStatus(alice)).not.toHaveText("Active");
    await expect(alice.getByTestId("active-banner")).toHaveCount(0);
  } finally {
    await simulatorConfig({ asyncDelayMs: 300 });
  }
  await expect(requestStatus(alice)).toHaveAttribute("data-status", "COMPLETED", SETTLE);
  await expect(requestStatus(alice)).toHaveText("Completed");
  await expect(alice.getByTestId("ending-banner")).toHaveCount(0);
  await alice.context().close();
});

test("history with From after To shows a clear message, not an empty result", async ({ browser }) => {
  const carol = await personaPage(browser, "carol");
  await carol.goto("/audit?from=2026-03-10&to=2026-03-02");
  await expect(carol.getByTestId("range-problem")).toContainText("The From date is after the To date");
  await expect(carol.getByTestId("history-results")).toContainText("swap them or change one");
  await carol.context().close();
});
