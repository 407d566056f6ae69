import {
  CreateAccountAssignmentCommand,
  DescribeAccountAssignmentCreationStatusCommand,
  SSOAdminClient,
} from "@aws-sdk/client-sso-admin";
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { E2E_PORTS } from "../playwright.config";
import { parseCsv } from "../lib/audit/export-format";
import { DEMO_SEED, seedAccount, seedGroup, seedPermissionSet } from "../lib/simulator/seed";
import { dbQuery, personaPage, simulatorAssignees } from "./fixtures";

const SETTLE = { timeout: 90_000 };
const securityTooling = seedAccount("security-tooling")!;
const logArchive = seedAccount("log-archive")!;
const administratorAccess = seedPermissionSet("AdministratorAccess")!;

/** An admin presses "Measure now" and waits for the worker's snapshot (it lists every assignment first). */
async function measure(admin: Page) {
  const before = (await dbQuery<{ n: number }>(`SELECT count(*)::int AS n FROM "ScorecardSnapshot"`))[0]!.n;
  await admin.goto("/scorecard");
  await admin.getByTestId("measure-scorecard").click();
  await expect(admin.getByTestId("measure-scorecard-message")).toContainText("Measurement requested");
  await expect
    .poll(
      async () => (await dbQuery<{ n: number }>(`SELECT count(*)::int AS n FROM "ScorecardSnapshot"`))[0]!.n,
      SETTLE,
    )
    .toBeGreaterThan(before);
}

async function assignOutOfBand(principalType: "USER" | "GROUP", principalId: string, accountId: string) {
  const sso = new SSOAdminClient({
    endpoint: `http://127.0.0.1:${E2E_PORTS.simulator}`,
    region: "us-east-1",
    credentials: { accessKeyId: "e2e", secretAccessKey: "e2e" },
  });
  const created = await sso.send(
    new CreateAccountAssignmentCommand({
      InstanceArn: DEMO_SEED.instanceArn,
      TargetId: accountId,
      TargetType: "AWS_ACCOUNT",
      PermissionSetArn: administratorAccess.arn,
      PrincipalType: principalType,
      PrincipalId: principalId,
    }),
  );
  const requestId = created.AccountAssignmentCreationStatus!.RequestId!;
  await expect
    .poll(
      async () =>
        (
          await sso.send(
            new DescribeAccountAssignmentCreationStatusCommand({
              InstanceArn: DEMO_SEED.instanceArn,
              AccountAssignmentCreationRequestId: requestId,
            }),
          )
        ).AccountAssignmentCreationStatus?.Status,
    )
    .toBe("SUCCEEDED");
}

test("carol sees the standing AdministratorAccess and old keys, drills into an account and exports the CSV", async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const dave = await personaPage(browser, "dave");
  await measure(dave);

  const carol = await personaPage(browser, "carol");
  await carol.goto("/scorecard");
  const number = async (measure: string) => Number(await carol.getByTestId(`total-${measure}`).innerText());
  expect(await number("standingPrivilegedUsers")).toBeGreaterThanOrEqual(1);
  expect(await number("oldKeys")).toBeGreaterThanOrEqual(1);
  // Auditors read; only admins measure or remove.
  await expect(carol.getByTestId("measure-scorecard")).toHaveCount(0);
  await expect(carol.getByTestId("scorecard-trend-chart")).toBeVisible();

  // Sorted by old keys, largest first.
  await carol.getByTestId("sort-oldKeys").click();
  await expect(carol).toHaveURL(/sort=oldKeys/);
  const firstRow = carol.getByTestId("scorecard-account").first();
  expect(Number(await firstRow.locator('[data-measure="oldKeys"]').innerText())).toBeGreaterThanOrEqual(1);

  await carol
    .locator(`[data-testid="scorecard-account"][data-account-id="${securityTooling.id}"]`)
    .getByTestId("drill-down")
    .click();
  const drill = carol.getByTestId("scorecard-drill-down");
  await expect(drill).toContainText(securityTooling.name);
  const standing = drill.locator('[data-testid="standing-principal"][data-permission-set="AdministratorAccess"]');
  await expect(standing.filter({ hasText: "Dave" })).toBeVisible();
  await expect(standing.first()).toContainText("AdministratorAccess (full control of the account)");
  await expect(drill.getByTestId("make-jit")).toHaveCount(0);

  // The account with the oldest keys lists each key with its findings, never a key id.
  await carol.goto("/scorecard?sort=oldKeys");
  await carol.getByTestId("scorecard-account").first().getByTestId("drill-down").click();
  await expect(carol.getByTestId("scorecard-key").filter({ hasText: "older than 90 days" }).first()).toBeVisible();
  await expect(carol.getByTestId("scorecard-keys")).not.toContainText(/AKIA[0-9A-Z]{12,}/);

  const response = await carol.request.get("/api/scorecard/export");
  expect(response.status()).toBe(200);
  expect(response.headers()["content-type"]).toContain("text/csv");
  const rows = parseCsv(await response.text());
  expect(rows[0]).toEqual(expect.arrayContaining(["account_id", "standing_privileged_users", "old_keys"]));
  const line = rows.find((row) => row[0] === securityTooling.id);
  expect(line).toBeDefined();
  expect(Number(line![rows[0]!.indexOf("standing_privileged_users")])).toBeGreaterThanOrEqual(1);

  // The measured page and an admin's drill-down with the rule open pass axe in light and dark and fit a phone.
  await dave.goto(`/scorecard?account=${securityTooling.id}`);
  await dave.getByTestId("make-jit-open").first().click();
  for (const [width, scheme] of [
    [375, "light"],
    [375, "dark"],
    [1366, "dark"],
  ] as const) {
    await dave.setViewportSize({ width, height: 900 });
    await dave.emulateMedia({ colorScheme: scheme });
    const results = await new AxeBuilder({ page: dave })
      .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
      .analyze();
    const blocking = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    expect(
      blocking.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`),
      `${width} ${scheme}`,
    ).toEqual([]);
    const overflow = await dave.evaluate(
      () => document.scrollingElement!.scrollWidth - document.scrollingElement!.clientWidth,
    );
    expect(overflow, `${width} ${scheme}`).toBeLessThanOrEqual(0);
  }

  // The export is authorized in the verb: a requester is refused, and the refusal is audited.
  const alice = await personaPage(browser, "alice");
  expect((await alice.request.get("/api/scorecard/export")).status()).toBe(403);
  await Promise.all([dave.close(), carol.close(), alice.close()]);
});

test("dave turns a standing AdministratorAccess into a policy rule and removes it; the inventory then shows it gone", async ({
  browser,
}) => {
  test.setTimeout(240_000);
  const engineering = seedGroup("engineering")!;
  await assignOutOfBand("GROUP", engineering.groupId, logArchive.id);
  const dave = await personaPage(browser, "dave");
  await measure(dave);

  await dave.goto(`/scorecard?account=${logArchive.id}`);
  const holder = dave
    .getByTestId("scorecard-drill-down")
    .locator('[data-testid="standing-principal"][data-principal-type="GROUP"]')
    .filter({ hasText: "engineering" });
  await expect(holder).toContainText("AdministratorAccess");
  await holder.getByTestId("make-jit-open").click();
  const rule = holder.getByTestId("jit-rule");
  await expect(rule).toContainText('requesters: { groups: ["engineering"] }');
  await expect(rule).toContainText(`accounts: { ids: ["${logArchive.id}"] }`);
  await expect(rule).toContainText('permissionSets: ["AdministratorAccess"]');

  // Nothing is removed before the explicit confirmation.
  await holder.getByTestId("remove-standing-reason").fill("Engineers request admin through the portal now.");
  await holder.getByTestId("remove-standing").click();
  expect(await simulatorAssignees(logArchive.id, administratorAccess.arn)).toContain(engineering.groupId);
  await holder.getByTestId("remove-standing-confirm").click();
  await expect(holder.getByTestId("remove-standing-message")).toContainText("Removal queued");

  await expect
    .poll(() => simulatorAssignees(logArchive.id, administratorAccess.arn), SETTLE)
    .not.toContain(engineering.groupId);
  await expect
    .poll(
      async () =>
        (
          await dbQuery<{ action: string }>(
            `SELECT action FROM "AuditEvent" WHERE action IN ('scorecard.standing_removal_requested', 'drift.removed')
               AND after->>'accountId' = $1 AND after->>'principalId' = $2 ORDER BY seq`,
            [logArchive.id, engineering.groupId],
          )
        ).map((e) => e.action),
      SETTLE,
    )
    .toEqual(expect.arrayContaining(["scorecard.standing_removal_requested", "drift.removed"]));

  // The inventory, refreshed, no longer lists the group on log-archive's AdministratorAccess.
  await dave.goto(`/admin/inventory?account=${logArchive.id}`);
  await dave.getByTestId("refresh-inventory").click();
  await expect
    .poll(async () => {
      await dave.goto(`/admin/inventory?account=${logArchive.id}`);
      return dave
        .locator(
          `[data-testid="inventory-cell"][data-account-id="${logArchive.id}"][data-permission-set="AdministratorAccess"]`,
        )
        .locator('[data-testid$="-holder"]')
        .filter({ hasText: "engineering" })
        .count();
    }, SETTLE)
    .toBe(0);
  await dave.close();
});
