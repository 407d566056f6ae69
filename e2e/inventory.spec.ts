import {
  CreateAccountAssignmentCommand,
  DescribeAccountAssignmentCreationStatusCommand,
  SSOAdminClient,
} from "@aws-sdk/client-sso-admin";
import { expect, test, type Page } from "@playwright/test";
import { E2E_PORTS } from "../playwright.config";
import { DEMO_SEED, seedAccount, seedPermissionSet, seedUser } from "../lib/simulator/seed";
import { dbQuery, liveGrantsOn, personaPage, releaseEarly, requestStatus } from "./fixtures";

// Grace and carol never request anything, so their assignments on data-prod can only be out of band.
const dataProdReadOnly = {
  accountId: seedAccount("data-prod")!.id,
  permissionSetArn: seedPermissionSet("ReadOnly")!.arn,
};
const sandboxErin = seedAccount("sandbox-erin")!.id;
const graceId = seedUser("grace")!.userId;
const carolId = seedUser("carol")!.userId;
const SETTLE = { timeout: 60_000 };

async function assignOutOfBand(principalId: string) {
  const sso = new SSOAdminClient({
    endpoint: `http://127.0.0.1:${E2E_PORTS.simulator}`,
    region: "us-east-1",
    credentials: { accessKeyId: "e2e", secretAccessKey: "e2e" },
  });
  const created = await sso.send(
    new CreateAccountAssignmentCommand({
      InstanceArn: DEMO_SEED.instanceArn,
      TargetId: dataProdReadOnly.accountId,
      TargetType: "AWS_ACCOUNT",
      PermissionSetArn: dataProdReadOnly.permissionSetArn,
      PrincipalType: "USER",
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

/** Erin's sandbox is auto-approved for engineers: a grant that goes live without an approver. */
async function requestSandbox(erin: Page, permissionSet: string, justification: string): Promise<string> {
  await erin.goto("/requests/new");
  await erin.getByTestId("account-search").fill("sandbox-erin");
  await erin.getByRole("checkbox", { name: `${permissionSet} on sandbox-erin` }).check();
  await erin.getByRole("button", { name: "30 min", exact: true }).click();
  await erin.getByLabel("Justification").fill(justification);
  await erin.getByTestId("submit-request").click();
  await expect(erin).toHaveURL(/\/requests\/(?!new)[^/]+$/);
  const requestId = erin.url().split("/").at(-1)!;
  await expect(requestStatus(erin)).toHaveAttribute("data-status", "ACTIVE", SETTLE);
  return requestId;
}

const finding = (page: Page, principalId: string, email: string) =>
  page
    .locator(`[data-testid="drift-finding"][data-kind="OUT_OF_BAND_ASSIGNMENT"]`)
    .filter({ hasText: "data-prod" })
    .filter({ hasText: new RegExp(`${principalId}|${email}`) });

test("the inventory shows a JIT grant, a standing assignment and an out-of-band one; an admin's refresh is audited", async ({
  browser,
}) => {
  test.setTimeout(240_000);
  // Out of band means after the reconciler's first look at the target; before it, the assignments would be baseline.
  const targetKey = `${dataProdReadOnly.accountId}|${dataProdReadOnly.permissionSetArn}`;
  await expect
    .poll(
      async () =>
        (
          await dbQuery<{ n: number }>(
            `SELECT count(*)::int AS n FROM "AuditEvent" WHERE action = 'reconcile.baselined' AND after->'targets' ? $1`,
            [targetKey],
          )
        )[0]!.n,
      SETTLE,
    )
    .toBeGreaterThan(0);
  await assignOutOfBand(graceId);
  await assignOutOfBand(carolId);

  const dave = await personaPage(browser, "dave");
  await dave.goto("/admin/drift");
  const graceFinding = finding(dave, graceId, "grace@example.com");
  const carolFinding = finding(dave, carolId, "carol@example.com");
  await expect(async () => {
    await dave.reload();
    await expect(graceFinding).toHaveCount(1, { timeout: 1_000 });
    await expect(carolFinding).toHaveCount(1, { timeout: 1_000 });
  }).toPass(SETTLE);
  // Grace's assignment becomes standing; carol's stays an open out-of-band finding.
  await graceFinding.getByLabel(/Reason/).fill("Security reads the data platform during the audit, CAB-90");
  await graceFinding.getByTestId("accept-drift").click();
  await expect(graceFinding).toContainText("accepted as standing");

  const erin = await personaPage(browser, "erin");
  const erinRequest = await requestSandbox(erin, "ReadOnly", "Inventory check: a JIT grant on my sandbox");

  // The filter form is a plain GET: choosing an account narrows the page and lands in the URL.
  await dave.goto("/admin/inventory");
  await expect(dave.getByRole("heading", { name: "Inventory", exact: true })).toBeVisible();
  await expect(dave.getByTestId("ou-tree")).toContainText("Sandbox");
  await expect(dave.getByTestId("ou-tree")).toContainText("sandbox-erin");
  await expect(dave.getByTestId("permission-sets")).toContainText("PowerUser");
  // The sync job queued at the worker's start reports how long it took and when it finished.
  await expect(async () => {
    await dave.reload();
    await expect(dave.getByTestId("inventory-last-sync")).toContainText(/The last full sync took [\d.]+ s/, {
      timeout: 1_000,
    });
  }).toPass(SETTLE);
  await dave.getByLabel("Account", { exact: true }).selectOption(sandboxErin);
  await dave.getByTestId("apply-inventory-filters").click();
  await expect(dave).toHaveURL(new RegExp(`account=${sandboxErin}`));
  const sandboxCell = dave.locator(
    `[data-testid="inventory-cell"][data-account-id="${sandboxErin}"][data-permission-set="ReadOnly"]`,
  );
  const jit = sandboxCell.getByTestId("jit-holder");
  await expect(jit).toContainText("erin@example.com");
  await expect(jit.getByRole("link", { name: "request" })).toHaveAttribute("href", `/requests/${erinRequest}`);
  await expect(sandboxCell.getByTestId("eligible-rule")).toContainText("group engineering");
  await expect(sandboxCell.getByTestId("eligible-rule")).toContainText("approved automatically");

  const params = new URLSearchParams({
    account: dataProdReadOnly.accountId,
    permissionSet: dataProdReadOnly.permissionSetArn,
  });
  await dave.goto(`/admin/inventory?${params.toString()}`);
  const dataCell = dave.getByTestId("inventory-cell");
  await expect(dataCell).toHaveCount(1);
  await expect(dataCell.getByTestId("standing-holder").filter({ hasText: /grace@example.com|accepted/ })).toContainText(
    "accepted drift",
  );
  await expect(dataCell.getByTestId("out-of-band-holder")).toContainText(new RegExp(`${carolId}|carol@example.com`));
  await expect(dataCell.getByTestId("eligible-rule")).toContainText("group team-data");
  await expect(dataCell.getByRole("link", { name: "audit trail" })).toHaveAttribute("href", /\/audit\?account=/);

  // A filter value that makes no sense is named and dropped, never a server error.
  const odd = await dave.goto("/admin/inventory?account=not-an-account&principal=erin");
  expect(odd?.status()).toBe(200);
  await expect(dave.getByTestId("ignored-filters")).toContainText("account");

  await dave.getByTestId("refresh-inventory").click();
  await expect(dave.getByTestId("refresh-inventory-message")).toContainText("Refresh requested");
  const audited = await dbQuery<{ actorLabel: string }>(
    `SELECT "actorLabel" FROM "AuditEvent" WHERE action = 'inventory.refresh_requested' ORDER BY seq DESC LIMIT 1`,
  );
  expect(audited).toEqual([{ actorLabel: "dave@example.com" }]);

  // Leave nothing behind: carol's assignment is removed through the drift page, erin's grant released.
  await dave.goto("/admin/drift");
  await carolFinding.getByLabel(/Reason/).fill("Not requested through the portal, removing");
  await carolFinding.getByTestId("remove-drift").click();
  await expect(carolFinding).toContainText(/removal queued|removed and verified/);
  await expect
    .poll(
      async () =>
        (
          await dbQuery<{ n: number }>(
            `SELECT count(*)::int AS n FROM "DriftFinding" WHERE "principalId" = $1 AND status = 'OPEN'`,
            [carolId],
          )
        )[0]!.n,
      SETTLE,
    )
    .toBe(0);
  await releaseEarly(erin, erinRequest);
  await erin.context().close();
  await dave.context().close();
});

test("dave's standing AdministratorAccess on security-tooling, which no policy rule names, shows as standing outside the policy's scope with its provisioning state", async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const securityTooling = seedAccount("security-tooling")!.id;
  const administratorAccess = seedPermissionSet("AdministratorAccess")!.arn;
  const dave = await personaPage(browser, "dave");
  await dave.goto("/admin/inventory");
  // The worker snapshots every assignment at start-up and on refresh; ask again in case this spec runs first.
  await dave.getByTestId("refresh-inventory").click();
  await expect(dave.getByTestId("refresh-inventory-message")).toContainText("Refresh requested");

  const params = new URLSearchParams({ account: securityTooling, permissionSet: administratorAccess });
  const cell = dave.locator(
    `[data-testid="inventory-cell"][data-account-id="${securityTooling}"][data-permission-set="AdministratorAccess"]`,
  );
  const holder = cell.locator(`[data-testid="unexplained-holder"][data-kind="outside-scope"]`);
  await expect(async () => {
    await dave.goto(`/admin/inventory?${params.toString()}`);
    await expect(holder).toHaveCount(1, { timeout: 1_000 });
  }).toPass(SETTLE);
  await expect(holder).toContainText("Standing, outside the policy's scope");
  await expect(holder).toContainText(/dave@example.com|Dave/);
  await expect(holder).toHaveAttribute("data-principal-type", "USER");
  await expect(cell.getByText("No policy rule lets anyone request this.")).toBeVisible();

  // Whatever other specs did to the set's inline policy, the page says what the last sync saw.
  const [provisioning] = await dbQuery<{ current: boolean }>(
    `SELECT current FROM "InventoryProvisioning" WHERE "permissionSetArn" = $1 AND "accountId" = $2`,
    [administratorAccess, securityTooling],
  );
  expect(provisioning).toBeDefined();
  const state = cell.getByTestId("cell-provisioning");
  await expect(state).toHaveAttribute("data-state", provisioning!.current ? "current" : "outdated");
  await expect(state).toContainText(provisioning!.current ? "Provisioned, current" : "Latest edit not provisioned");
  const setRow = dave.getByTestId("permission-set-row").filter({ hasText: "AdministratorAccess" });
  await expect(setRow.getByTestId("permission-set-provisioning")).toContainText(/\d+ accounts?/);
  await expect(dave.getByTestId("inventory-access")).not.toContainText("have not been listed yet");
  await dave.context().close();
});

test("access now shows a live elevation with its countdown to auditors, and an admin revokes it there", async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const erin = await personaPage(browser, "erin");
  const requestId = await requestSandbox(erin, "PowerUser", "Access-now check: revoke me from the list");

  const carol = await personaPage(browser, "carol");
  await carol.goto("/access-now");
  const seen = carol.locator(`[data-testid="elevation"][data-request-id="${requestId}"]`);
  await expect(seen).toContainText("Erin Engineer");
  await expect(seen).toContainText("PowerUser on sandbox-erin");
  await expect(seen).toContainText("Approved automatically");
  await expect(seen).toContainText("no ticket");
  await expect(seen.getByTestId("elevation-countdown")).toHaveText(/\d+ m \d{2} s/);
  // Auditors watch; the revoke table gives them no button.
  await expect(seen.getByTestId("revoke-elevation")).toHaveCount(0);
  await carol.context().close();

  const dave = await personaPage(browser, "dave");
  await dave.goto("/access-now");
  const item = dave.locator(`[data-testid="elevation"][data-request-id="${requestId}"]`);
  await item.getByText("Revoke…").click();
  await item.getByTestId("revoke").click();
  await item.getByTestId("revoke-confirm").click();
  await expect(item).toContainText("Say why you revoke this access.");
  await item.getByLabel(/Reason for revoking/).fill("Incident drill: access taken away from the access-now page");
  // The page may still be asking from the first attempt; otherwise it asks again.
  if (await item.getByTestId("revoke").isVisible()) await item.getByTestId("revoke").click();
  await item.getByTestId("revoke-confirm").click();
  await expect(item).toContainText(/Revoked|Being removed/);
  await expect
    .poll(
      async () =>
        (
          await liveGrantsOn({
            email: "erin@example.com",
            accountId: sandboxErin,
            permissionSetArn: seedPermissionSet("PowerUser")!.arn,
          })
        ).length,
      SETTLE,
    )
    .toBe(0);
  const revoked = await dbQuery<{ status: string; closeReason: string }>(
    `SELECT status, "closeReason" FROM "AccessRequest" WHERE id = $1`,
    [requestId],
  );
  expect(revoked).toEqual([
    { status: "REVOKED", closeReason: "Incident drill: access taken away from the access-now page" },
  ]);
  await erin.context().close();
  await dave.context().close();
});

test("the auditor's home shows open alerts, active elevations and recent refusals; others cannot open the new pages", async ({
  browser,
}) => {
  const carol = await personaPage(browser, "carol");
  await expect(carol.getByTestId("home-alerts")).toBeVisible();
  await expect(carol.getByTestId("home-refusals")).toContainText(/tried|Nothing has been refused yet/);
  await expect(carol.getByTestId("home-elevations").getByRole("link", { name: "Access now" })).toHaveAttribute(
    "href",
    "/access-now",
  );
  await expect(carol.getByTestId("home-refusals").getByRole("link", { name: "All refused attempts" })).toHaveAttribute(
    "href",
    "/audit/refusals",
  );
  await expect(carol.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Access now" })).toBeVisible();
  await expect(carol.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Inventory" })).toHaveCount(0);
  await carol.goto("/admin/inventory");
  await expect(carol).toHaveURL(/\/forbidden/);
  await carol.context().close();

  const alice = await personaPage(browser, "alice");
  await expect(alice.getByTestId("security-overview")).toHaveCount(0);
  await alice.goto("/access-now");
  await expect(alice).toHaveURL(/\/forbidden/);
  await alice.context().close();
});
