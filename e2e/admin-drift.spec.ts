import {
  CreateAccountAssignmentCommand,
  DescribeAccountAssignmentCreationStatusCommand,
  SSOAdminClient,
} from "@aws-sdk/client-sso-admin";
import { expect, test } from "@playwright/test";
import pg from "pg";
import { E2E_PORTS } from "../playwright.config";
import { DEMO_SEED, seedAccount, seedPermissionSet, seedUser } from "../lib/simulator/seed";
import { signInAs } from "./fixtures";

// Bob never requests anything in the e2e run, so his assignment here can only be out of band.
const target = { accountId: seedAccount("data-staging")!.id, permissionSetArn: seedPermissionSet("ReadOnly")!.arn };
const principalId = seedUser("bob")!.userId;
const databaseUrl = `postgresql://postgres:postgres@127.0.0.1:${E2E_PORTS.database}/portal`;

async function query<T extends pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

test("an assignment made outside the portal is reported to admins, who accept it with an audited reason", async ({
  browser,
}) => {
  test.setTimeout(150_000);
  // Out-of-band means after the reconciler's first look at the target; before it, the assignment would be baseline.
  const targetKey = `${target.accountId}|${target.permissionSetArn}`;
  await expect
    .poll(
      async () =>
        (
          await query<{ n: number }>(
            `SELECT count(*)::int AS n FROM "AuditEvent" WHERE action = 'reconcile.baselined' AND after->'targets' ? $1`,
            [targetKey],
          )
        )[0]!.n,
      { timeout: 60_000 },
    )
    .toBeGreaterThan(0);

  const sso = new SSOAdminClient({
    endpoint: `http://127.0.0.1:${E2E_PORTS.simulator}`,
    region: "us-east-1",
    credentials: { accessKeyId: "e2e", secretAccessKey: "e2e" },
  });
  const created = await sso.send(
    new CreateAccountAssignmentCommand({
      InstanceArn: DEMO_SEED.instanceArn,
      TargetId: target.accountId,
      TargetType: "AWS_ACCOUNT",
      PermissionSetArn: target.permissionSetArn,
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

  const context = await browser.newContext();
  const dave = await context.newPage();
  await signInAs(dave, "dave");
  await dave.goto("/admin/drift");
  await expect(dave.getByRole("heading", { name: "Drift and alerts" })).toBeVisible();
  const finding = dave
    .locator(`[data-testid="drift-finding"][data-kind="OUT_OF_BAND_ASSIGNMENT"]`)
    .filter({ hasText: "data-staging" });
  await expect(async () => {
    await dave.reload();
    await expect(finding).toHaveCount(1, { timeout: 1_000 });
  }).toPass({ timeout: 60_000 });

  // A reason is required: the refusal says so and nothing changes.
  await finding.getByTestId("accept-drift").click();
  await expect(finding).toContainText("Say why this assignment may stay.");
  await finding.getByLabel(/Reason/).fill("Break-glass reader for the data platform on-call, approved in CAB-77");
  await finding.getByTestId("accept-drift").click();
  // The finding leaves the open list and shows as closed, with what was done.
  await expect(dave.getByRole("heading", { name: "Open drift (0)" })).toBeVisible();
  await expect(finding).toContainText("accepted as standing");
  await expect(finding.getByTestId("accept-drift")).toHaveCount(0);

  const tuple = await query<{ standing: boolean; standingSource: string }>(
    `SELECT standing, "standingSource" FROM "AssignmentTuple" WHERE "accountId" = $1 AND "permissionSetArn" = $2 AND "principalId" = $3`,
    [target.accountId, target.permissionSetArn, principalId],
  );
  expect(tuple).toEqual([{ standing: true, standingSource: "accepted" }]);
  const audited = await query<{ action: string }>(
    `SELECT action FROM "AuditEvent" WHERE action IN ('drift.detected', 'drift.accepted') AND "entityId" IN (SELECT id FROM "DriftFinding" WHERE "principalId" = $1) ORDER BY seq`,
    [principalId],
  );
  expect(audited.map((row) => row.action)).toEqual(["drift.detected", "drift.accepted"]);
  await context.close();
});

test("requesters cannot open the drift page, and metrics need a token or an admin session", async ({
  page,
  request,
}) => {
  await signInAs(page, "alice");
  await page.goto("/admin/drift");
  await expect(page).toHaveURL(/\/forbidden/);
  const anonymous = await request.get("/api/metrics", { headers: { cookie: "" } });
  expect(anonymous.status()).toBe(401);
  const wrongToken = await request.get("/api/metrics", { headers: { authorization: "Bearer not-the-token" } });
  expect([401, 403]).toContain(wrongToken.status());
});
