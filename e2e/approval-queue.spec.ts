import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { seedAccount, seedPermissionSet } from "../lib/simulator/seed";
import { dbQuery, personaPage } from "./fixtures";

// payments-engineers-admin needs two approvals from distinct groups, so bob's approval leaves every request pending (no grant
// starts) and grace's denial closes it afterwards: nothing this spec creates reaches AWS.
const PAYMENTS_STAGING = seedAccount("payments-staging")!.id;
const ADMINISTRATOR_ACCESS = seedPermissionSet("AdministratorAccess")!.arn;
const RULE = "payments-engineers-admin";

/** Pending requests from alice straight into the database, as the create verb would leave them (20 browser forms would be slow). */
async function seedPendingRequests(count: number, tag: string): Promise<string[]> {
  const [alice] = await dbQuery<{ id: string }>(`SELECT id FROM "User" WHERE email = 'alice@example.com'`);
  const [policy] = await dbQuery<{ id: string }>(
    `SELECT id FROM "Policy" WHERE active ORDER BY "loadedAt" DESC LIMIT 1`,
  );
  const rows = await dbQuery<{ id: string }>(
    `WITH r AS (
       INSERT INTO "AccessRequest" (id, "requesterId", "policyId", status, justification, ticket, "durationMinutes", "startsAt",
         "endsAt", "requiredApprovals", "distinctGroups", "maxDurationMinutes", "extensionAllowed", "approvalExpiresAt",
         "matchedRuleId", "updatedAt")
       SELECT 'e2e-queue-' || $1 || '-' || lpad(n::text, 2, '0'), $2, $3, 'PENDING', 'Queue check ' || $1 || ' #' || n,
         'PAY-' || n, 30, now(), now() + interval '30 minutes', 2, true, 120, true, now() + interval '1 day', $4, now()
       FROM generate_series(1, $5::int) n
       RETURNING id
     )
     INSERT INTO "RequestTarget" (id, "requestId", "accountId", "permissionSetArn")
     SELECT r.id || '-t', r.id, $6, $7 FROM r
     RETURNING "requestId" AS id`,
    [tag, alice!.id, policy!.id, RULE, count, PAYMENTS_STAGING, ADMINISTRATOR_ACCESS],
  );
  return rows.map((row) => row.id).sort();
}

async function bulkDecide(page: Page, requestIds: string[], decision: "approve" | "deny", comment: string) {
  await page.goto(`/approvals?requester=alice%40example.com&rule=${RULE}`);
  for (const id of requestIds)
    await page.locator(`[data-testid="queue-item"][data-request-id="${id}"]`).getByTestId("select-request").check();
  await expect(page.getByTestId(`bulk-${decision}`)).toHaveText(new RegExp(`\\(${requestIds.length}\\)`));
  await page.getByLabel("Comment for the selected requests").fill(comment);
  await page.getByTestId(`bulk-${decision}`).click();
  await expect(page.getByTestId("bulk-outcome")).toHaveCount(requestIds.length, { timeout: 60_000 });
}

async function closeWithGrace(page: Page, requestIds: string[]) {
  await bulkDecide(page, requestIds, "deny", "Closing the queue check");
  const open = await dbQuery(`SELECT id FROM "AccessRequest" WHERE id = ANY($1) AND status = 'PENDING'`, [requestIds]);
  expect(open).toEqual([]);
}

test("bulk approval of 20 requests makes 20 separate decisions, each audited, each shown with its outcome", async ({
  browser,
}) => {
  test.setTimeout(240_000);
  await (await personaPage(browser, "alice")).context().close();
  const bob = await personaPage(browser, "bob");
  const grace = await personaPage(browser, "grace");
  const ids = await seedPendingRequests(20, `bulk${Date.now()}`);
  try {
    await bulkDecide(bob, ids, "approve", "Reviewed as one change");
    for (const id of ids)
      await expect(bob.locator(`[data-testid="bulk-outcome"][data-request-id="${id}"]`)).toHaveAttribute(
        "data-outcome",
        "decided",
      );
    await expect(bob.getByTestId("bulk-message")).toContainText("20 of 20 decided");
    // Decided rows leave bob's queue.
    await expect(bob.locator('[data-testid="queue-item"][data-request-id^="e2e-queue-bulk"]')).toHaveCount(0);

    const decisions = await dbQuery<{ count: string }>(
      `SELECT count(*) FROM "ApprovalDecision" d JOIN "User" u ON u.id = d."approverId"
       WHERE d."requestId" = ANY($1) AND u.email = 'bob@example.com' AND d.decision = 'APPROVE' AND d.comment = 'Reviewed as one change'`,
      [ids],
    );
    expect(Number(decisions[0]!.count)).toBe(20);
    const events = await dbQuery<{ requestId: string }>(
      `SELECT "requestId" FROM "AuditEvent" WHERE "requestId" = ANY($1) AND action = 'request.approval_given'
       AND "actorLabel" = 'bob@example.com' ORDER BY "requestId"`,
      [ids],
    );
    expect(events.map((e) => e.requestId)).toEqual(ids);
    // One of two approvals: every request still waits, none started a grant.
    const still = await dbQuery(`SELECT id FROM "AccessRequest" WHERE id = ANY($1) AND status = 'PENDING'`, [ids]);
    expect(still).toHaveLength(20);
  } finally {
    await closeWithGrace(grace, ids);
    await bob.context().close();
    await grace.context().close();
  }
});

test("a mixed bulk decision shows per row what was decided and why a row was refused", async ({ browser }) => {
  test.setTimeout(180_000);
  const alice = await personaPage(browser, "alice");
  const bob = await personaPage(browser, "bob");
  const grace = await personaPage(browser, "grace");
  const ids = await seedPendingRequests(3, `mixed${Date.now()}`);
  const [cancelled, ...others] = ids as [string, ...string[]];
  try {
    await bob.goto(`/approvals?requester=alice%40example.com&rule=${RULE}`);
    for (const id of ids)
      await bob.locator(`[data-testid="queue-item"][data-request-id="${id}"]`).getByTestId("select-request").check();

    // Meanwhile alice cancels one of them (confirming in the page).
    await alice.goto(`/requests/${cancelled}`);
    await alice.getByTestId("cancel-request").click();
    await alice.getByTestId("cancel-request-confirm").click();
    await expect(alice.getByTestId("request-detail").getByTestId("request-status").first()).toHaveAttribute(
      "data-status",
      "CANCELLED",
    );

    await bob.getByTestId("bulk-approve").click();
    await expect(bob.getByTestId("bulk-outcome")).toHaveCount(3, { timeout: 60_000 });
    const refused = bob.locator(`[data-testid="bulk-outcome"][data-request-id="${cancelled}"]`);
    await expect(refused).toHaveAttribute("data-outcome", "refused");
    await expect(refused).toContainText("Not decided");
    await expect(refused).not.toContainText(/INVALID_TRANSITION|CONFLICT|Error:/);
    for (const id of others)
      await expect(bob.locator(`[data-testid="bulk-outcome"][data-request-id="${id}"]`)).toHaveAttribute(
        "data-outcome",
        "decided",
      );
    await expect(bob.getByTestId("bulk-message")).toContainText("2 of 3 decided");
    // The refused row wrote no decision, and the request stays as alice left it.
    const decided = await dbQuery(`SELECT id FROM "ApprovalDecision" WHERE "requestId" = $1`, [cancelled]);
    expect(decided).toEqual([]);
    const [row] = await dbQuery<{ status: string }>(`SELECT status FROM "AccessRequest" WHERE id = $1`, [cancelled]);
    expect(row!.status).toBe("CANCELLED");
  } finally {
    await closeWithGrace(grace, others);
    for (const page of [alice, bob, grace]) await page.context().close();
  }
});

test("the queue filters by requester and waiting time through a shareable GET form, and rows are keyboard-operable", async ({
  browser,
}) => {
  test.setTimeout(120_000);
  await (await personaPage(browser, "alice")).context().close();
  const bob = await personaPage(browser, "bob");
  const grace = await personaPage(browser, "grace");
  const ids = await seedPendingRequests(2, `filter${Date.now()}`);
  try {
    await bob.goto("/approvals");
    await bob.getByLabel("Requester").selectOption("alice@example.com");
    await bob.getByLabel("Policy rule").selectOption(RULE);
    await bob.getByTestId("apply-queue-filters").click();
    await expect(bob).toHaveURL(/requester=alice%40example\.com/);
    for (const id of ids)
      await expect(bob.locator(`[data-testid="queue-item"][data-request-id="${id}"]`)).toBeVisible();
    const first = bob.locator(`[data-testid="queue-item"][data-request-id="${ids[0]}"]`);
    await expect(first.getByTestId("queue-risks")).toContainText("Administrator access");
    await expect(first.getByTestId("queue-progress")).toContainText("0 of 2");
    // Keyboard: focus the row's checkbox and tick it with the space bar.
    await first.getByTestId("select-request").focus();
    await bob.keyboard.press("Space");
    await expect(first.getByTestId("select-request")).toBeChecked();
    await expect(bob.getByTestId("bulk-approve")).toHaveText(/\(1\)/);

    await bob.goto(`/approvals?requester=alice%40example.com&waiting=1d`);
    for (const id of ids)
      await expect(bob.locator(`[data-testid="queue-item"][data-request-id="${id}"]`)).toHaveCount(0);
    await bob.goto("/approvals?waiting=forever");
    await expect(bob.getByTestId("queue-filter-problem")).toBeVisible();
  } finally {
    await closeWithGrace(grace, ids);
    await bob.context().close();
    await grace.context().close();
  }
});

test("a long queue pages 50 at a time with stable links, and bulk decisions act on the page shown", async ({
  browser,
}) => {
  test.setTimeout(180_000);
  await (await personaPage(browser, "alice")).context().close();
  const bob = await personaPage(browser, "bob");
  const ids = await seedPendingRequests(55, `pages${Date.now()}`);
  try {
    await bob.goto(`/approvals?requester=alice%40example.com&rule=${RULE}`);
    await expect(bob.getByTestId("queue-pages-range")).toHaveText("1–50 of 55 · page 1 of 2");
    await expect(bob.getByTestId("queue-item")).toHaveCount(50);
    await bob.getByTestId("select-all").check();
    await expect(bob.getByTestId("bulk-deny")).toHaveText(/\(50\)/);

    await bob.getByTestId("queue-pages-next").click();
    await expect(bob).toHaveURL(/[?&]page=2/);
    await expect(bob).toHaveURL(/requester=alice%40example\.com/);
    await expect(bob.getByTestId("queue-pages-range")).toHaveText("51–55 of 55 · page 2 of 2");
    await expect(bob.getByTestId("queue-item")).toHaveCount(5);
    for (const scheme of ["light", "dark"] as const) {
      await bob.emulateMedia({ colorScheme: scheme });
      const results = await new AxeBuilder({ page: bob })
        .include('[data-testid="approval-queue"]')
        .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
        .analyze();
      expect(results.violations.map((v) => `${scheme}: ${v.id}`)).toEqual([]);
    }

    // Select all on page 2 means its 5 rows, and the decision reaches exactly those.
    await bob.getByTestId("select-all").check();
    await expect(bob.getByTestId("bulk-deny")).toHaveText(/\(5\)/);
    const pageTwo = await bob
      .getByTestId("queue-item")
      .evaluateAll((rows) => rows.map((row) => row.getAttribute("data-request-id")!));
    await bob.getByLabel("Comment for the selected requests").fill("Closing the paging check");
    await bob.getByTestId("bulk-deny").click();
    await expect(bob.getByTestId("bulk-message")).toContainText("5 of 5 decided", { timeout: 60_000 });
    const denied = await dbQuery<{ id: string }>(
      `SELECT id FROM "AccessRequest" WHERE id = ANY($1) AND status = 'DENIED' ORDER BY id`,
      [ids],
    );
    expect(denied.map((row) => row.id)).toEqual([...pageTwo].sort());

    await bob.goto(`/approvals?requester=alice%40example.com&rule=${RULE}&page=2`);
    // Page 2 no longer exists: the address shows the last page instead of an empty one.
    await expect(bob.getByTestId("queue-pages-range")).toHaveText("1–50 of 50");
  } finally {
    // The 50 left were never decided, so nothing of theirs is audited or reached AWS: remove them directly.
    await dbQuery(`DELETE FROM "AccessRequest" WHERE id = ANY($1) AND status = 'PENDING'`, [ids]);
    await bob.context().close();
  }
});
