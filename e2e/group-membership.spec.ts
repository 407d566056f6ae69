import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { seedGroup, seedUser } from "../lib/simulator/seed";
import { E2E_PORTS } from "../playwright.config";
import { dbQuery, personaPage, releaseEarly, requestStatus } from "./fixtures";

// Erin (team-data) may join prod-db-admins for up to 2 h with an INC ticket and one approval (the demo policy's
// data-engineers-prod-db-admins group rule); bob is in the approvers group. The simulator seeds the group empty.
const SIMULATOR = `http://127.0.0.1:${E2E_PORTS.simulator}`;
const PROD_DB_ADMINS = seedGroup("prod-db-admins").groupId;
const ERIN = seedUser("erin").userId;
const LABEL = "prod-db-admins (Identity Center group)";
const SETTLE = { timeout: 60_000 };

interface SimMembership {
  groupId: string;
  userId: string;
  origin: "seed" | "api" | "out-of-band";
}

/** Erin's memberships of prod-db-admins as Identity Center (the simulator) holds them. */
async function erinMemberships(): Promise<SimMembership[]> {
  const state = (await (await fetch(`${SIMULATOR}/__sim/state`)).json()) as { groupMemberships: SimMembership[] };
  return state.groupMemberships.filter((m) => m.groupId === PROD_DB_ADMINS && m.userId === ERIN);
}

async function outOfBandMembership(method: "POST" | "DELETE") {
  const response = await fetch(`${SIMULATOR}/__sim/group-memberships`, {
    method,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ groupId: PROD_DB_ADMINS, userId: ERIN }),
  });
  expect(response.ok).toBe(true);
}

/** Erin's group grants that may still hold the membership. */
async function liveGroupGrants() {
  return dbQuery<{ requestId: string }>(
    `SELECT DISTINCT g."requestId" FROM "GroupGrant" g JOIN "User" u ON u.id = g."userId"
     WHERE u.email = 'erin@example.com' AND g.status IN ('SCHEDULED', 'PROVISIONING', 'ACTIVE', 'REMOVING', 'REMOVAL_FAILED')`,
  );
}

/**
 * The portal decides once per (group, user) pair whether a membership predates it; forgetting the pair (with no live
 * grant) makes the next request its first use again, so the tests below do not depend on which of them ran before.
 */
async function forgetErinsPair() {
  expect(await liveGroupGrants()).toEqual([]);
  await dbQuery(`DELETE FROM "GroupMembershipPair" WHERE "groupId" = $1 AND "memberId" = $2`, [PROD_DB_ADMINS, ERIN]);
}

async function requestMembership(erin: Page, minutes: number, justification: string): Promise<string> {
  await erin.goto("/requests/new");
  await erin.getByRole("radio", { name: "Group membership" }).check();
  await erin.getByRole("checkbox", { name: new RegExp(`^${LABEL.replace(/[()]/g, "\\$&")}`) }).check();
  await expect(erin.getByTestId("request-summary")).toContainText(LABEL);
  await expect(erin.getByTestId("ticket-hint")).toHaveText("For example INC-1234.");
  await erin.getByRole("button", { name: "Custom", exact: true }).click();
  await erin.getByTestId("custom-minutes").fill(String(minutes));
  await erin.getByLabel("Justification").fill(justification);
  await erin.getByRole("textbox", { name: /^Ticket/ }).fill("INC-1234");
  await erin.getByTestId("submit-request").click();
  await expect(erin).toHaveURL(/\/requests\/(?!new)[^/]+$/);
  return erin.url().split("/").at(-1)!;
}

async function approve(bob: Page, requestId: string) {
  await bob.goto("/approvals");
  const item = bob.locator(`[data-testid="queue-item"][data-request-id="${requestId}"]`);
  await expect(item).toContainText(LABEL);
  await expect(item).toContainText("Erin Engineer");
  await item.getByLabel(/Comment/).fill("Fine for the schema migration");
  await item.getByTestId("approve").click();
  await expect(item).toHaveCount(0);
}

async function expectActive(erin: Page, requestId: string) {
  await erin.goto(`/requests/${requestId}`);
  await expect(requestStatus(erin)).toHaveAttribute("data-status", "ACTIVE", SETTLE);
  await expect(erin.getByTestId("group-grant-row").getByTestId("grant-status")).toHaveAttribute(
    "data-status",
    "ACTIVE",
  );
}

// Whatever happens in a test, erin ends with no live membership grant and no out-of-band membership.
test.afterEach(async ({ browser }) => {
  const live = await liveGroupGrants();
  if (live.length > 0) {
    const erin = await personaPage(browser, "erin");
    for (const { requestId } of live) await releaseEarly(erin, requestId);
    await erin.context().close();
  }
  if ((await erinMemberships()).some((m) => m.origin === "out-of-band")) await outOfBandMembership("DELETE");
});

test("erin asks to join prod-db-admins, bob approves, the membership appears and is removed at expiry", async ({
  browser,
}) => {
  test.setTimeout(300_000);
  await forgetErinsPair();
  expect(await erinMemberships()).toEqual([]);
  const erin = await personaPage(browser, "erin");
  const requestId = await requestMembership(erin, 2, "Run the orders table migration on the production database");

  await expect(requestStatus(erin)).toHaveAttribute("data-status", "PENDING");
  await expect(erin.getByRole("heading", { level: 1 })).toHaveText(LABEL);
  await expect(erin.getByTestId("group-grant-row")).toContainText(LABEL);
  await expect(erin.getByTestId("group-grant-row").getByTestId("ungranted-target")).toHaveText("after approval");
  await erin.goto("/");
  await expect(erin.locator(`[data-testid="my-request"][data-request-id="${requestId}"]`)).toContainText(LABEL);

  const bob = await personaPage(browser, "bob");
  await approve(bob, requestId);

  await expectActive(erin, requestId);
  expect(await erinMemberships()).toEqual([expect.objectContaining({ origin: "api" })]);
  await expect(erin.getByTestId("timeline")).toContainText(`Membership active (verified): ${LABEL}`);

  // Security sees who holds the membership now.
  const carol = await personaPage(browser, "carol");
  await carol.goto("/access-now");
  const elevation = carol.locator(`[data-testid="elevation"][data-request-id="${requestId}"]`);
  await expect(elevation.locator('[data-testid="elevation-target"][data-group="prod-db-admins"]')).toHaveText(LABEL);
  await carol.context().close();

  // Nobody touches anything: at the end of the window the worker removes the membership and verifies it is gone.
  await erin.goto(`/requests/${requestId}`);
  await expect(requestStatus(erin)).toHaveAttribute("data-status", "COMPLETED", { timeout: 180_000 });
  await expect(erin.getByTestId("group-grant-row").getByTestId("grant-status")).toHaveAttribute(
    "data-status",
    "REMOVED",
  );
  await expect(erin.getByTestId("timeline")).toContainText(`Membership removed (verified): ${LABEL}`);
  expect(await erinMemberships()).toEqual([]);
  await bob.context().close();
  await erin.context().close();
});

test("two grants of the same group share one membership, removed only when the last one ends", async ({ browser }) => {
  test.setTimeout(240_000);
  await forgetErinsPair();
  const erin = await personaPage(browser, "erin");
  const bob = await personaPage(browser, "bob");
  const first = await requestMembership(erin, 30, "Migration part one on the production database");
  const second = await requestMembership(erin, 30, "Migration part two on the production database");
  await approve(bob, first);
  await approve(bob, second);
  await expectActive(erin, first);
  await expectActive(erin, second);
  expect(await erinMemberships()).toHaveLength(1);

  await releaseEarly(erin, first);
  await expect(erin.getByTestId("group-grant-row").getByTestId("kept-note")).toHaveText(
    `Access ended; the membership stays for the other active grant of request ${second}.`,
  );
  expect(await erinMemberships()).toHaveLength(1);

  await releaseEarly(erin, second);
  await expect(erin.getByTestId("timeline")).toContainText(`Membership removed (verified): ${LABEL}`);
  expect(await erinMemberships()).toEqual([]);
  await bob.context().close();
  await erin.context().close();
});

test("a member who was in the group before the portal touched it stays a member after the grant ends", async ({
  browser,
}) => {
  test.setTimeout(240_000);
  await forgetErinsPair();
  await outOfBandMembership("POST");
  const erin = await personaPage(browser, "erin");
  const bob = await personaPage(browser, "bob");
  const requestId = await requestMembership(erin, 30, "Check the replica lag with the admin role");
  await approve(bob, requestId);
  await expectActive(erin, requestId);

  await releaseEarly(erin, requestId);
  await expect(erin.getByTestId("group-grant-row").getByTestId("kept-note")).toHaveText(
    "Access ended; the membership stays because it is a standing membership outside the portal.",
  );
  expect(await erinMemberships()).toEqual([expect.objectContaining({ origin: "out-of-band" })]);

  await outOfBandMembership("DELETE");
  await forgetErinsPair();
  await bob.context().close();
  await erin.context().close();
});

/** Serious or critical axe findings and sideways scroll of the page as shown, light and dark, on a 375 px phone. */
async function accessibilityProblems(page: Page): Promise<string[]> {
  const problems: string[] = [];
  await page.setViewportSize({ width: 375, height: 800 });
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
    for (const violation of results.violations)
      if (violation.impact === "serious" || violation.impact === "critical")
        problems.push(`${scheme}: ${violation.id} at ${violation.nodes.map((n) => n.target.join(" ")).join(", ")}`);
    const { scrollWidth, clientWidth } = await page.evaluate(() => ({
      scrollWidth: document.scrollingElement!.scrollWidth,
      clientWidth: document.scrollingElement!.clientWidth,
    }));
    if (scrollWidth > clientWidth) problems.push(`${scheme}: ${scrollWidth} px wide in a ${clientWidth} px viewport`);
  }
  return problems;
}

test("the group choice works by keyboard and passes axe light and dark at 375 px, as does a group request's page", async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const erin = await personaPage(browser, "erin");
  await erin.goto("/requests/new");
  // Keyboard only: the kind of access is a radio group, each group a checkbox.
  await erin.getByRole("radio", { name: "Account access" }).focus();
  await expect(erin.getByRole("radio", { name: "Account access" })).toBeChecked();
  await erin.keyboard.press("ArrowRight");
  await expect(erin.getByRole("radio", { name: "Group membership" })).toBeChecked();
  await erin.keyboard.press("Tab");
  await expect(erin.getByTestId("group-option")).toBeFocused();
  await erin.keyboard.press("Space");
  await expect(erin.getByTestId("group-option")).toBeChecked();
  await expect(erin.getByTestId("group-options")).toContainText("up to 2 h · 1 approval · ticket required");
  await expect(erin.getByTestId("account-search")).toHaveCount(0);
  expect(await accessibilityProblems(erin)).toEqual([]);

  const requestId = await requestMembership(erin, 60, "Accessibility check of a group membership request");
  await expect(erin.getByTestId("group-grant-row")).toContainText(LABEL);
  expect(await accessibilityProblems(erin)).toEqual([]);
  // A pending request would sit in the approvers' queue for the other specs: cancel it.
  await erin.getByTestId("cancel-request").click();
  await erin.getByTestId("cancel-request-confirm").click();
  await expect(requestStatus(erin)).toHaveAttribute("data-status", "CANCELLED");
  expect(
    await dbQuery(`SELECT 1 FROM "AccessRequest" WHERE id = $1 AND status = 'CANCELLED'`, [requestId]),
  ).toHaveLength(1);
  await erin.context().close();
});
