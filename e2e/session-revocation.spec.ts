import AxeBuilder from "@axe-core/playwright";
import { IAMClient, ListAccountAliasesCommand } from "@aws-sdk/client-iam";
import { GetRoleCredentialsCommand, SSOClient, type RoleCredentials } from "@aws-sdk/client-sso";
import {
  GetInlinePolicyForPermissionSetCommand,
  PutInlinePolicyToPermissionSetCommand,
  SSOAdminClient,
} from "@aws-sdk/client-sso-admin";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { expect, test, type Page } from "@playwright/test";
import { DEMO_SEED, seedAccount, seedPermissionSet, seedUser } from "../lib/simulator/seed";
import { E2E_PORTS } from "../playwright.config";
import { dbQuery, personaPage, releaseEarly, requestStatus } from "./fixtures";

// A session alice opened during her access is refused once the access ends, while a fresh grant's session works.
// BillingAdmin on sandbox-alice is this spec's own target: no other spec grants it, so no other grant keeps its assignment.

const SIMULATOR = `http://127.0.0.1:${E2E_PORTS.simulator}`;
const SANDBOX = seedAccount("sandbox-alice")!;
const BILLING = seedPermissionSet("BillingAdmin")!;
const ALICE_STORE_ID = seedUser("alice")!.userId;
// The benchmark's target (npm run bench:sessions): grant end to old session denied, provisioning included.
const DENIED_WITHIN_MS = 30_000;
const SETTLE = { timeout: 60_000 };
// Odd spacing on purpose: the portal must keep the customer's text exactly as written.
const CUSTOMER_STATEMENT = `{ "Sid": "CustomerNoBucketDelete",  "Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*" }`;
const CUSTOMER_POLICY = `{\n  "Version": "2012-10-17",\n  "Statement": [\n    ${CUSTOMER_STATEMENT}\n  ]\n}`;

const admin = new SSOAdminClient({
  endpoint: SIMULATOR,
  region: "us-east-1",
  credentials: { accessKeyId: "e2e", secretAccessKey: "e2e" },
});
const inlinePolicy = async () =>
  (
    await admin.send(
      new GetInlinePolicyForPermissionSetCommand({ InstanceArn: DEMO_SEED.instanceArn, PermissionSetArn: BILLING.arn }),
    )
  ).InlinePolicy ?? "";

type Credentials = Required<Pick<RoleCredentials, "accessKeyId" | "secretAccessKey" | "sessionToken">>;

/** What `aws sso login` + the CLI do: an access-portal token for alice, then role credentials for BillingAdmin. */
async function openSession(): Promise<Credentials> {
  const token = await fetch(`${SIMULATOR}/__sim/portal-tokens`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ userId: ALICE_STORE_ID }),
  });
  expect(token.status).toBe(201);
  const { accessToken } = (await token.json()) as { accessToken: string };
  const portal = new SSOClient({ endpoint: SIMULATOR, region: "us-east-1", maxAttempts: 1 });
  const output = await portal.send(
    new GetRoleCredentialsCommand({ accessToken, accountId: SANDBOX.id, roleName: BILLING.name }),
  );
  const { accessKeyId, secretAccessKey, sessionToken } = output.roleCredentials!;
  return { accessKeyId: accessKeyId!, secretAccessKey: secretAccessKey!, sessionToken: sessionToken! };
}

/** An ordinary authorized call with the session: "allowed", or the error the caller gets. */
async function listAliases(credentials: Credentials): Promise<"allowed" | { name: string; message: string }> {
  const iam = new IAMClient({ endpoint: SIMULATOR, region: "us-east-1", maxAttempts: 1, credentials });
  try {
    await iam.send(new ListAccountAliasesCommand({}));
    return "allowed";
  } catch (error) {
    const { name, message } = error as Error;
    return { name, message };
  }
}

async function requestBilling(alice: Page, minutes: "1" | "30") {
  await alice.goto("/requests/new");
  await alice.getByTestId("account-search").fill("sandbox-alice");
  await alice.getByRole("checkbox", { name: "BillingAdmin on sandbox-alice" }).check();
  if (minutes === "1") {
    await alice.getByRole("button", { name: "Custom", exact: true }).click();
    await alice.getByTestId("custom-minutes").fill("1");
  } else {
    await alice.getByRole("button", { name: "30 min", exact: true }).click();
  }
  // One notice for the request: how long a session could outlive it, and that the portal cuts it.
  await expect(alice.getByTestId("form-session-warning")).toContainText(
    "could otherwise stay valid for up to 2 hours after it ends, but it is cut off when the access ends",
  );
  await alice.getByLabel("Justification").fill("Check the sandbox invoice export");
  await alice.getByTestId("submit-request").click();
  await expect(alice).toHaveURL(/\/requests\/(?!new)[^/]+$/);
  await expect(requestStatus(alice)).toHaveAttribute("data-status", "ACTIVE", SETTLE);
  return alice.url().split("/").at(-1)!;
}

test("a session opened during a one-minute grant is denied once it ends; a fresh grant's session works; the customer's statement survives", async ({
  browser,
}) => {
  test.setTimeout(420_000);
  const current = await inlinePolicy();
  expect(
    current === "" || current === CUSTOMER_POLICY,
    "BillingAdmin's inline policy was edited by something else",
  ).toBe(true);
  if (current === "")
    await admin.send(
      new PutInlinePolicyToPermissionSetCommand({
        InstanceArn: DEMO_SEED.instanceArn,
        PermissionSetArn: BILLING.arn,
        InlinePolicy: CUSTOMER_POLICY,
      }),
    );

  const alice = await personaPage(browser, "alice");
  const firstRequest = await requestBilling(alice, "1");
  await expect(alice.getByTestId("session-warning")).toHaveAttribute("data-kind", "cut");

  const old = await openSession();
  expect(await listAliases(old)).toBe("allowed");
  // Epoch milliseconds: the columns hold UTC without a zone, which pg would read as local time.
  const [grant] = await dbQuery<{ id: string; endsAtMs: string }>(
    `SELECT id, extract(epoch FROM "endsAt") * 1000 AS "endsAtMs" FROM "Grant" WHERE "requestId" = $1`,
    [firstRequest],
  );
  const endsAtMs = Number(grant!.endsAtMs);

  // Nobody touches anything: keep using the session, as alice would, until it is refused.
  let outcome = await listAliases(old);
  while (outcome === "allowed") {
    expect(Date.now(), "the session was never refused").toBeLessThan(endsAtMs + DENIED_WITHIN_MS);
    await new Promise((resolve) => setTimeout(resolve, 250));
    outcome = await listAliases(old);
  }
  const deniedAfterMs = Date.now() - endsAtMs;
  expect(outcome).toMatchObject({ name: "AccessDenied", message: expect.stringContaining("explicit deny") });
  expect(deniedAfterMs).toBeLessThanOrEqual(DENIED_WITHIN_MS);
  test.info().annotations.push({ type: "grant end to old session denied", description: `${deniedAfterMs} ms` });
  // STS still answers under an explicit deny, which is why it cannot be the proof.
  const sts = new STSClient({ endpoint: SIMULATOR, region: "us-east-1", maxAttempts: 1, credentials: old });
  expect((await sts.send(new GetCallerIdentityCommand({}))).Account).toBe(SANDBOX.id);

  await expect(requestStatus(alice)).toHaveAttribute("data-status", "COMPLETED", { timeout: 120_000 });
  await expect(alice.getByTestId("timeline")).toContainText(
    "Live AWS sessions cut (provisioning succeeded): BillingAdmin on sandbox-alice",
  );
  expect(await inlinePolicy()).toContain(CUSTOMER_STATEMENT);

  // Admins see the deny, verified, with alice's name; the page passes axe and fits a phone.
  const dave = await personaPage(browser, "dave");
  await dave.setViewportSize({ width: 390, height: 900 });
  await dave.goto("/admin/sessions");
  const group = dave.getByTestId("revocation-group").filter({ hasText: "BillingAdmin on sandbox-alice" });
  await expect(
    group
      .getByTestId("revocation-row")
      .filter({ hasText: "alice@example.com" })
      .getByTestId("revocation-status")
      .first(),
  ).toHaveAttribute("data-status", "VERIFIED");
  const axe = await new AxeBuilder({ page: dave }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  expect(axe.violations.filter((v) => v.impact === "serious" || v.impact === "critical")).toEqual([]);
  const overflow = await dave.evaluate(() => ({
    scrollWidth: document.scrollingElement!.scrollWidth,
    clientWidth: document.scrollingElement!.clientWidth,
  }));
  expect(overflow.scrollWidth).toBeLessThanOrEqual(overflow.clientWidth);
  await dave.context().close();

  // A later grant of the same target: sessions issued after the cutoff are untouched, the old one stays refused.
  const [revoked] = await dbQuery<{ cutoffMs: string }>(
    `SELECT extract(epoch FROM max(cutoff)) * 1000 AS "cutoffMs" FROM "SessionRevocation" WHERE "grantId" = $1`,
    [grant!.id],
  );
  const secondRequest = await requestBilling(alice, "30");
  // Issue times compare to the whole second (reference §6.5): wait until a fresh session is past the cutoff.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(revoked!.cutoffMs) + 1_500 - Date.now())));
  const fresh = await openSession();
  expect(await listAliases(fresh)).toBe("allowed");
  expect(await listAliases(old)).toMatchObject({ name: "AccessDenied" });

  // Ending it early cuts its session too, and leaves no live grant behind.
  await releaseEarly(alice, secondRequest);
  expect(await listAliases(fresh)).toMatchObject({ name: "AccessDenied" });
  expect(await inlinePolicy()).toContain(CUSTOMER_STATEMENT);
  await alice.context().close();
});
