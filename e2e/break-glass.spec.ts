import { expect, test, type Page } from "@playwright/test";
import { seedPermissionSet, seedUser } from "../lib/simulator/seed";
import { SECURITY_CHANNEL_ID } from "../lib/slack-simulator/seed";
import { dbQuery, personaPage, releaseEarly, requestStatus, simulatorAssignees } from "./fixtures";
import { mailsAbout, slackMessagesAbout } from "./notify-helpers";

// Erin is on call (the demo policy's on-call-payments-prod break-glass rule); the stack runs with
// BREAK_GLASS_REVIEW_HOURS=0.01, so an unreviewed use raises its alert after 36 s instead of a day.
const PAYMENTS_PROD = "210987654321";
const admin = seedPermissionSet("AdministratorAccess")!.arn;
const powerUser = seedPermissionSet("PowerUser")!.arn;
const erinPrincipal = seedUser("erin").userId;
const SETTLE = { timeout: 60_000 };

async function breakGlass(erin: Page, permissionSet: "AdministratorAccess" | "PowerUser", incident: string) {
  await erin.goto("/");
  await erin.getByTestId("emergency-access").click();
  await expect(erin).toHaveURL(/\/break-glass\/new$/);
  await erin.locator("#target").selectOption({ label: `${permissionSet} on payments-prod (${PAYMENTS_PROD})` });
  await erin.getByLabel("Duration in minutes").fill("30");
  await erin.getByLabel("Incident reference").fill(incident);
  await erin
    .getByLabel("What is broken and what you will do")
    .fill("Payments API returns 500s, restarting the cluster");
  await erin.getByTestId("break-glass-submit").click();
  await erin.getByTestId("break-glass-submit-confirm").click();
  await expect(erin).toHaveURL(/\/requests\/[^/]+$/);
  return erin.url().split("/").at(-1)!;
}

async function useIdOf(requestId: string) {
  const [row] = await dbQuery<{ id: string }>(`SELECT id FROM "BreakGlassUse" WHERE "requestId" = $1`, [requestId]);
  return row!.id;
}

test("the on-call engineer breaks glass, approvers see it at once, and carol reviews it", async ({ browser }) => {
  test.setTimeout(180_000);
  const erin = await personaPage(browser, "erin");

  // Bad input first: a clear message per field, nothing granted, what was typed is kept.
  await erin.getByTestId("emergency-access").click();
  await erin.getByLabel("Duration in minutes").fill("90");
  await erin.getByLabel("Incident reference").fill("see slack");
  await erin
    .getByLabel("What is broken and what you will do")
    .fill("Payments API returns 500s, restarting the cluster");
  await erin.getByTestId("break-glass-submit").click();
  await erin.getByTestId("break-glass-submit-confirm").click();
  await expect(erin.getByTestId("durationMinutes-error")).toHaveText("Emergency access lasts at most 1 h here.");
  await expect(erin.getByTestId("incident-error")).toContainText("for example INC-1234");
  await expect(erin.getByLabel("Incident reference")).toHaveValue("see slack");
  await expect(erin).toHaveURL(/\/break-glass\/new$/);

  const requestId = await breakGlass(erin, "AdministratorAccess", "INC-4711");
  // No approval: the request is granted and the assignment exists in Identity Center.
  await expect(erin.getByTestId("break-glass-marker")).toBeVisible();
  await expect(requestStatus(erin)).toHaveAttribute("data-status", "ACTIVE", SETTLE);
  expect(await simulatorAssignees(PAYMENTS_PROD, admin)).toContain(erinPrincipal);
  // Security hears about it at once: the security Slack channel and the security mail list.
  await expect
    .poll(async () => (await slackMessagesAbout(SECURITY_CHANNEL_ID, requestId)).map((m) => m.text), SETTLE)
    .toContainEqual(expect.stringContaining("Emergency access was used"));
  await expect
    .poll(async () => (await mailsAbout("security-team@example.com", requestId)).map((m) => m.subject), SETTLE)
    .toContainEqual(expect.stringContaining("emergency access used by"));

  // Approvers and auditors see the red banner on every page while it is active; the requester does not.
  const bob = await personaPage(browser, "bob");
  await expect(bob.getByTestId("break-glass-banner")).toContainText("Emergency access is active: erin@example.com");
  const carol = await personaPage(browser, "carol");
  await expect(carol.getByTestId("break-glass-banner")).toBeVisible();
  await expect(erin.getByTestId("break-glass-banner")).toHaveCount(0);

  // A review item for carol, who marks it justified.
  await carol.getByTestId("break-glass-banner").getByRole("link").click();
  await expect(carol).toHaveURL(/\/break-glass$/);
  const item = carol.locator(`[data-testid="break-glass-use"][data-use-id="${await useIdOf(requestId)}"]`);
  await expect(item).toContainText("erin@example.com");
  await expect(item).toContainText("INC-4711");
  await item.getByTestId("review-justified").click();
  // The page refreshes with the review in place of the form.
  await expect(item).toHaveAttribute("data-review", "JUSTIFIED");
  await expect(item.getByTestId("review-state")).toHaveText("justified");
  await expect(item.getByTestId("break-glass-review-form")).toHaveCount(0);
  await expect(item.getByTestId("reviewed-by")).toContainText("carol@example.com");

  // History marks it and can show break-glass requests only.
  await carol.goto("/audit?kind=break-glass");
  await expect(carol.getByTestId("history-results").getByTestId("break-glass-marker").first()).toBeVisible();

  await releaseEarly(erin, requestId);
  expect(await simulatorAssignees(PAYMENTS_PROD, admin)).not.toContain(erinPrincipal);
  // Once the access has ended the banner is gone.
  await bob.reload();
  await expect(bob.getByTestId("break-glass-banner")).toHaveCount(0);
  for (const page of [erin, bob, carol]) await page.context().close();
});

test("an unreviewed use raises an alert after the review delay, which a review clears", async ({ browser }) => {
  test.setTimeout(180_000);
  const erin = await personaPage(browser, "erin");
  const requestId = await breakGlass(erin, "PowerUser", "INC-4712");
  await expect(requestStatus(erin)).toHaveAttribute("data-status", "ACTIVE", SETTLE);
  const useId = await useIdOf(requestId);

  // 36 s review delay, checked every 10 s by the worker.
  const key = `break-glass-unreviewed:${useId}`;
  await expect
    .poll(
      async () =>
        (await dbQuery<{ status: string }>(`SELECT status FROM "Alert" WHERE "dedupeKey" = $1`, [key]))[0]?.status,
      {
        timeout: 90_000,
      },
    )
    .toBe("OPEN");
  const dave = await personaPage(browser, "dave");
  await dave.goto("/admin/drift");
  await expect(
    dave.getByText(/Emergency access not reviewed: PowerUser on payments-prod by erin@example.com/),
  ).toBeVisible();

  const carol = await personaPage(browser, "carol");
  await carol.goto("/break-glass");
  const item = carol.locator(`[data-testid="break-glass-use"][data-use-id="${useId}"]`);
  await expect(item.getByTestId("review-state")).toHaveText("review overdue");
  // "Not justified" needs a reason.
  await item.getByTestId("review-not-justified").click();
  await expect(item.getByTestId(`review-comment-${useId}-error`)).toHaveText("Say why this use was not justified.");
  await item.getByLabel(/Comment/).fill("No incident was open at that time");
  await item.getByTestId("review-not-justified").click();
  await expect(item).toHaveAttribute("data-review", "NOT_JUSTIFIED");
  await expect(item).toContainText("No incident was open at that time");
  const alerts = await dbQuery<{ status: string }>(`SELECT status FROM "Alert" WHERE "dedupeKey" IN ($1, $2)`, [
    key,
    `break-glass-used:${useId}`,
  ]);
  expect(alerts.map((a) => a.status)).toEqual(["RESOLVED", "RESOLVED"]);

  await releaseEarly(erin, requestId);
  expect(await simulatorAssignees(PAYMENTS_PROD, powerUser)).not.toContain(erinPrincipal);
  for (const page of [erin, dave, carol]) await page.context().close();
});

test("someone on no emergency access list is not offered emergency access", async ({ browser }) => {
  const alice = await personaPage(browser, "alice");
  await expect(alice.getByTestId("emergency-access")).toHaveCount(0);
  await alice.goto("/break-glass/new");
  await expect(alice.getByTestId("no-emergency-access")).toContainText("not on any emergency access list");
  await alice.context().close();
});
