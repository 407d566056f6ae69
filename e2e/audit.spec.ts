import fs from "node:fs";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { parseCsv } from "../lib/audit/export-format";
import type { PersonaKey } from "../lib/demo/personas";
import { signInAs } from "./fixtures";

// The worker and the simulator are asynchronous: a status change shows up after a few refresh cycles.
const SETTLE = { timeout: 60_000 };
// A justification a spreadsheet would execute, with quotes and a comma so the CSV cell must also be quoted.
const HOSTILE = `=HYPERLINK("http://evil.example/x","Click"), resize the audit warehouse`;

async function personaPage(browser: Browser, persona: PersonaKey): Promise<Page> {
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  await signInAs(page, persona);
  return page;
}

const requestStatus = (page: Page) => page.getByTestId("request-detail").getByTestId("request-status").first();

test.describe.serial("access history", () => {
  let requestId = "";

  test("erin's request runs its whole life, so there is history to audit", async ({ browser }) => {
    test.setTimeout(180_000);
    const erin = await personaPage(browser, "erin");
    await erin.getByTestId("new-request").click();
    await erin.getByTestId("account-search").fill("data-prod");
    await erin.getByRole("checkbox", { name: "ReadOnly on data-prod" }).check();
    await erin.getByRole("button", { name: "30 min", exact: true }).click();
    await erin.getByLabel("Justification").fill(HOSTILE);
    await erin.getByTestId("submit-request").click();
    await expect(erin).toHaveURL(/\/requests\/(?!new)[^/]+$/);
    requestId = erin.url().split("/").at(-1)!;

    const bob = await personaPage(browser, "bob");
    await bob.goto("/approvals");
    const item = bob.locator(`[data-testid="queue-item"][data-request-id="${requestId}"]`);
    await item.getByTestId("approve").click();
    await expect(item).toHaveCount(0);
    await bob.context().close();

    await expect(requestStatus(erin)).toHaveAttribute("data-status", "ACTIVE", SETTLE);
    await erin.getByTestId("release-early").click();
    await erin.getByTestId("release-early-confirm").click();
    await expect(requestStatus(erin)).toHaveAttribute("data-status", "COMPLETED", SETTLE);
    await expect(erin.getByTestId("grant-row").getByTestId("grant-status")).toHaveAttribute(
      "data-status",
      "REMOVED",
      SETTLE,
    );
    await erin.context().close();
  });

  test("carol filters the history, opens the request's timeline and exports the view as CSV", async ({ browser }) => {
    test.setTimeout(120_000);
    const carol = await personaPage(browser, "carol");
    await carol.getByRole("link", { name: "Access history" }).click();
    await expect(carol.getByRole("heading", { name: "Access history" })).toBeVisible();
    await expect(carol.getByTestId("history-scope")).toHaveAttribute("data-scope", "all");

    await carol.getByLabel("Requester").fill("erin@example.com");
    await carol.getByLabel("Status").selectOption("COMPLETED");
    await carol.getByLabel("Search").fill("audit warehouse");
    await carol.getByTestId("apply-filters").click();
    await expect(carol).toHaveURL(/requester=erin%40example\.com/);
    await expect(carol).toHaveURL(/status=COMPLETED/);
    const rows = carol.getByTestId("history-row");
    await expect(rows).toHaveCount(1);
    const row = carol.locator(`[data-testid="history-row"][data-request-id="${requestId}"]`);
    await expect(row).toContainText("Erin Engineer");
    await expect(row).toContainText("approved by Bob Approver");

    // A filter that excludes the request leaves the table empty rather than ignoring the filter.
    await carol.goto(`/audit?requester=erin%40example.com&status=DENIED`);
    await expect(carol.getByTestId("history-row")).toHaveCount(0);
    await carol.goBack();
    await expect(row).toBeVisible();

    await row.getByTestId("timeline-link").click();
    await expect(carol).toHaveURL(new RegExp(`/audit/requests/${requestId}$`));
    const trail = carol.getByTestId("request-audit-trail");
    await expect(trail).toHaveAttribute("data-request-id", requestId);
    const actions = await carol
      .getByTestId("audit-timeline-entry")
      .evaluateAll((items) => items.map((li) => li.getAttribute("data-action")));
    const order = [
      "request.created",
      "request.approval_given",
      "grant.create_issued",
      "grant.activated",
      "request.released",
      "grant.delete_issued",
      "grant.removed",
    ];
    expect(
      order.map((a) => actions.indexOf(a)).every((index, i, all) => index >= 0 && (i === 0 || index > all[i - 1]!)),
    ).toBe(true);
    await expect(carol.locator('[data-action="grant.create_issued"]')).toContainText(/AWS request id \S+/);
    await expect(carol.locator('[data-action="request.approval_given"]')).toContainText("bob@example.com");

    await carol.goBack();
    await expect(row).toBeVisible();
    const [download] = await Promise.all([carol.waitForEvent("download"), carol.getByTestId("export-csv").click()]);
    expect(download.suggestedFilename()).toMatch(/^access-history-\d{8}T\d{6}Z\.csv$/);
    const text = fs.readFileSync((await download.path())!, "utf8");
    const [header, ...records] = parseCsv(text);
    expect(header!.slice(0, 4)).toEqual(["request_id", "created_at", "status", "requester_email"]);
    expect(header).toContain("justification");
    // The export carries the page's filters: only erin's completed request.
    expect(records.map((r) => r[0])).toEqual([requestId]);
    expect(records[0]![header!.indexOf("justification")]).toBe(`'${HOSTILE}`);
    expect(text).toContain(`"'=HYPERLINK(""http://evil.example/x"",""Click""), resize the audit warehouse"`);

    await carol.goto("/audit/insights?from=2000-01-01");
    await expect(carol.getByTestId("chart-outcomes")).toBeVisible();
    await expect(carol.getByTestId("stat-requests")).toBeVisible();
    await carol.goto("/audit/integrity");
    await expect(carol.getByTestId("chain-status").locator("[data-intact]")).toHaveAttribute(
      "data-intact",
      "true",
      SETTLE,
    );
    await expect(carol.getByTestId("anchor-line")).toHaveText(/^\d+ [0-9a-f]{64}$/);
    await carol.context().close();
  });

  test("alice cannot read erin's history through the page, the timeline or the export", async ({ page }) => {
    await signInAs(page, "alice");
    await page.getByRole("link", { name: "My history" }).click();
    await expect(page.getByRole("heading", { name: "My access history" })).toBeVisible();
    await expect(page.getByTestId("history-scope")).toHaveAttribute("data-scope", "own");

    await page.goto("/audit?requester=erin%40example.com&q=warehouse");
    await expect(page.getByTestId("history-scope")).toHaveAttribute("data-scope", "own");
    await expect(page.locator(`[data-request-id="${requestId}"]`)).toHaveCount(0);
    await expect(page.getByTestId("history-results")).not.toContainText("Erin");

    const trail = await page.goto(`/audit/requests/${requestId}`);
    expect(trail?.status()).toBe(404);
    await expect(page.getByTestId("audit-trail-not-found")).toBeVisible();
    await expect(page.locator("body")).not.toContainText("HYPERLINK");

    for (const query of ["format=csv&requester=erin%40example.com", "format=csv&q=warehouse", "format=jsonl"]) {
      const response = await page.request.get(`/api/audit/export?${query}`);
      expect(response.status()).toBe(200);
      const body = await response.text();
      expect(body).not.toContain(requestId);
      expect(body).not.toContain("erin@example.com");
    }

    await page.goto("/audit/insights");
    await expect(page).toHaveURL(/\/forbidden$/);
    await page.goto("/audit/integrity");
    await expect(page).toHaveURL(/\/forbidden$/);
  });
});
