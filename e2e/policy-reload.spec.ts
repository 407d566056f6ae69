import fs from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import YAML from "yaml";
import { E2E_POLICY_RELOAD_SECONDS } from "../playwright.config";
import { dbQuery, personaPage, requestStatus } from "./fixtures";

// The worker checks every E2E_POLICY_RELOAD_SECONDS; the margin covers the page round trip on a busy machine.
const WITHIN_INTERVAL = (E2E_POLICY_RELOAD_SECONDS + 8) * 1000;
const TARGET = "PowerUser on payments-staging";
const RULE = "payments-engineers-power-user";

async function activePolicy() {
  const [row] = await dbQuery<{ version: number; sourcePath: string }>(
    `SELECT version, "sourcePath" FROM "Policy" WHERE active ORDER BY "loadedAt" DESC LIMIT 1`,
  );
  return row!;
}

const openPolicyAlerts = async () =>
  (
    await dbQuery<{ count: string }>(
      `SELECT count(*) FROM "Alert" WHERE kind = 'policy.invalid' AND status <> 'RESOLVED'`,
    )
  )[0]!.count;

/** Reloads the policy page until the version in force is the expected one. */
async function expectVersionInForce(page: Page, expected: (version: number) => boolean) {
  await expect(async () => {
    await page.goto("/policy");
    const version = Number(await page.getByTestId("policy-version").getAttribute("data-version"));
    expect(expected(version)).toBe(true);
  }).toPass({ timeout: WITHIN_INTERVAL });
}

async function requestWithTicket(page: Page, ticket: string) {
  await page.goto("/requests/new");
  await page.getByTestId("account-search").fill("payments-staging");
  await page.getByRole("checkbox", { name: TARGET }).check();
  await page.getByLabel("Justification").fill("Check that a policy edit applies without a restart");
  await page.getByLabel("Ticket").fill(ticket);
  await page.getByTestId("submit-request").click();
}

test("an edited policy file applies within the interval, is audited with its diff, and an invalid edit keeps the old policy with an alert", async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const original = await activePolicy();
  expect(original.sourcePath, "the e2e stack edits a copy, never the repository's policy").not.toMatch(
    /^policy\/policy\.yaml$/,
  );
  const file = original.sourcePath;
  const originalText = fs.readFileSync(file, "utf8");
  const alice = await personaPage(browser, "alice");
  const dave = await personaPage(browser, "dave");
  let requestId: string | null = null;
  try {
    // The PowerUser rule now wants OPS tickets instead of PAY tickets.
    const edited = YAML.parseDocument(originalText);
    const rules = edited.get("rules") as YAML.YAMLSeq<YAML.YAMLMap>;
    const rule = rules.items.find((item) => item.get("id") === RULE)!;
    rule.setIn(["ticket", "pattern"], "^OPS-[0-9]{1,8}$");
    rule.setIn(["ticket", "hint"], "OPS-1234");
    fs.writeFileSync(file, edited.toString());

    await expectVersionInForce(dave, (version) => version !== original.version);
    const changed = dave.getByTestId("policy-change").first();
    await expect(changed).toContainText(`replaced version ${original.version}`);
    await expect(changed).toContainText(`Changed allow rule ${RULE}`);
    await expect(changed).toContainText('ticket.hint: "PAY-1234" → "OPS-1234"');
    await expect(changed).toContainText("ticket.pattern:");
    const newVersion = Number(await dave.getByTestId("policy-version").getAttribute("data-version"));

    // New requests follow the new rule: a PAY ticket is refused, an OPS ticket goes through under the new version.
    await requestWithTicket(alice, "PAY-5151");
    await expect(alice.getByTestId("error-summary-ticket")).toContainText("OPS-1234");
    await requestWithTicket(alice, "OPS-77");
    await expect(alice).toHaveURL(/\/requests\/(?!new)[^/]+$/);
    requestId = alice.url().split("/").pop()!;
    await expect(requestStatus(alice)).toHaveAttribute("data-status", "PENDING");
    await expect(alice.getByTestId("request-policy-version")).toHaveText(`version ${newVersion}`);

    // The audit row carries the diff for exports and SIEMs.
    const [audit] = await dbQuery<{ after: { version: number; diff: { lists: { section: string }[] } } }>(
      `SELECT after FROM "AuditEvent" WHERE action = 'policy.changed' ORDER BY seq DESC LIMIT 1`,
    );
    expect(audit!.after.version).toBe(newVersion);
    expect(audit!.after.diff.lists[0]!.section).toBe("rules");
    const exported = await (await dave.request.get("/api/policy/history")).text();
    const last = JSON.parse(exported.trim().split("\n").at(-1)!) as { version: number; changes: { text: string }[] };
    expect(last.version).toBe(newVersion);
    expect(last.changes.map((change) => change.text)).toContain(`Changed allow rule ${RULE}`);

    // An invalid edit: the version in force stays, and admins see which file, where and why.
    const broken = YAML.parseDocument(edited.toString());
    (broken.get("rules") as YAML.YAMLSeq<YAML.YAMLMap>).items[1]!.set("maxDurationMinutes", "lots");
    fs.writeFileSync(file, broken.toString());
    await expect(async () => {
      await dave.goto("/policy");
      await expect(dave.getByTestId("policy-invalid")).toBeVisible({ timeout: 1000 });
    }).toPass({ timeout: WITHIN_INTERVAL });
    const notice = dave.getByTestId("policy-invalid");
    await expect(notice).toContainText(file);
    await expect(notice).toContainText("rules[1].maxDurationMinutes");
    await expect(notice).toContainText("must be a number of minutes");
    await expect(dave.getByTestId("policy-version")).toHaveAttribute("data-version", String(newVersion));
    await expect(dave.getByTestId("admin-alert-banner")).toBeVisible();
    // Requesters do not see the refused file, only the policy in force.
    await alice.goto("/policy");
    await expect(alice.getByTestId("policy-version")).toHaveAttribute("data-version", String(newVersion));
    await expect(alice.getByTestId("policy-invalid")).toHaveCount(0);
  } finally {
    fs.writeFileSync(file, originalText);
    // Other specs run against the original policy and no open alert.
    await expectVersionInForce(dave, (version) => version === original.version);
    await expect.poll(openPolicyAlerts, { timeout: WITHIN_INTERVAL }).toBe("0");
    await expect(dave.getByTestId("policy-invalid")).toHaveCount(0);
    if (requestId) {
      await alice.goto(`/requests/${requestId}`);
      await alice.getByTestId("cancel-request").click();
      await alice.getByTestId("cancel-request-confirm").click();
      await expect(requestStatus(alice)).toHaveAttribute("data-status", "CANCELLED");
    }
    await alice.context().close();
    await dave.context().close();
  }
});
