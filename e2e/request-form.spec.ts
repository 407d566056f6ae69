import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { personaPage, requestStatus } from "./fixtures";

// PowerUser on payments-staging needs an approver, so nothing here is granted: the request is cancelled before anyone decides.
const TARGET = "PowerUser on payments-staging";

async function pickTarget(page: Page) {
  await page.goto("/requests/new");
  await page.getByTestId("account-search").fill("payments-staging");
  await page.getByRole("checkbox", { name: TARGET }).check();
}

test("the ticket rule reads as an example, and a refused form names the fields it is about", async ({ browser }) => {
  const alice = await personaPage(browser, "alice");
  try {
    await pickTarget(alice);
    await expect(alice.getByTestId("ticket-hint")).toHaveText("For example PAY-1234.");
    await expect(alice.getByTestId("request-form")).not.toContainText("^PAY");
    await expect(alice.getByLabel("Ticket")).toHaveAttribute("placeholder", "PAY-1234");
    await alice.getByLabel("Ticket").fill("pay 12");
    // The example is said once, in the hint above; the mismatch line only says the form is not there yet.
    await expect(alice.getByTestId("ticket-mismatch")).toHaveText("This does not have the expected form yet.");

    // The justification is missing: the summary names the field and links to its message.
    await alice.getByTestId("submit-request").click();
    const justification = alice.getByTestId("error-summary-justification");
    await expect(justification).toContainText("Justification:");
    await expect(justification.getByRole("link", { name: "Justification" })).toHaveAttribute(
      "href",
      "#justification-error",
    );

    // With a justification, the policy's ticket check answers in the example's words too.
    await alice.getByLabel("Justification").fill("Check the ticket hint of the request form");
    await alice.getByTestId("submit-request").click();
    const ticket = alice.getByTestId("error-summary-ticket");
    await expect(ticket).toContainText("Ticket:");
    await expect(ticket).toContainText("PAY-1234");
    await expect(ticket).not.toContainText("^PAY");
    await expect(alice).toHaveURL(/\/requests\/new$/);
  } finally {
    await alice.context().close();
  }
});

test("the accounts list is part of the page, not a small scroll box of its own", async ({ browser }) => {
  const alice = await personaPage(browser, "alice");
  try {
    await alice.goto("/requests/new");
    const list = alice.getByTestId("account-list");
    const sizes = await list.evaluate((element) => ({
      scroll: element.scrollHeight,
      client: element.clientHeight,
      overflow: getComputedStyle(element).overflowY,
    }));
    expect(sizes.overflow).toBe("visible");
    expect(sizes.scroll).toBeLessThanOrEqual(sizes.client);
  } finally {
    await alice.context().close();
  }
});

test("cancel asks in the page first, 'Keep' keeps the request, and 'Request again' prefills the form from it", async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const alice = await personaPage(browser, "alice");
  let dialogs = 0;
  alice.on("dialog", (dialog) => {
    dialogs++;
    void dialog.dismiss();
  });
  try {
    await pickTarget(alice);
    await alice.getByRole("button", { name: "2 h", exact: true }).click();
    await alice.getByLabel("Justification").fill("Replay the settlement batch\nand check the totals");
    await alice.getByLabel("Ticket").fill("PAY-5151");
    await alice.getByTestId("submit-request").click();
    await expect(alice).toHaveURL(/\/requests\/(?!new)[^/]+$/);
    await expect(requestStatus(alice)).toHaveAttribute("data-status", "PENDING");

    // First click asks; "Keep request" takes the question back and nothing happens.
    await alice.getByTestId("cancel-request").click();
    await expect(alice.getByTestId("cancel-request-confirmation")).toContainText("Cancel this request?");
    await expect(alice.getByTestId("cancel-request-confirm")).toBeFocused();
    await alice.getByTestId("cancel-request-keep").click();
    await expect(alice.getByTestId("cancel-request")).toBeFocused();
    await alice.reload();
    await expect(requestStatus(alice)).toHaveAttribute("data-status", "PENDING");

    // Keyboard only: Enter asks, Enter confirms.
    await alice.getByTestId("cancel-request").focus();
    await alice.keyboard.press("Enter");
    await expect(alice.getByTestId("cancel-request-confirm")).toBeFocused();
    await alice.keyboard.press("Enter");
    await expect(requestStatus(alice)).toHaveAttribute("data-status", "CANCELLED");
    expect(dialogs, "no browser dialog was used").toBe(0);

    await alice.getByTestId("request-again").click();
    await expect(alice).toHaveURL(/\/requests\/new\?/);
    await expect(alice.getByRole("checkbox", { name: TARGET })).toBeChecked();
    await expect(alice.getByRole("button", { name: "2 h", exact: true })).toHaveAttribute("aria-pressed", "true");
    await expect(alice.getByLabel("Justification")).toHaveValue("Replay the settlement batch\nand check the totals");
    await expect(alice.getByTestId("request-summary")).toContainText("PowerUser");
  } finally {
    await alice.context().close();
  }
});

test("the target search asks the server, says how many match, and works by keyboard on a phone", async ({
  browser,
}) => {
  const alice = await personaPage(browser, "alice");
  try {
    await alice.setViewportSize({ width: 375, height: 800 });
    await alice.goto("/requests/new");
    const search = alice.getByTestId("account-search");
    await search.fill("payments-staging power");
    await expect(alice.getByTestId("target-search-status")).toHaveText("Showing 1 of 1 target.");
    await expect(alice.getByTestId("account-option")).toHaveCount(1);

    // Arrow down from the search field reaches the results; Space picks; Escape goes back to the search.
    await search.focus();
    await alice.keyboard.press("ArrowDown");
    const checkbox = alice.getByRole("checkbox", { name: TARGET });
    await expect(checkbox).toBeFocused();
    await alice.keyboard.press("Space");
    await expect(checkbox).toBeChecked();
    await expect(alice.getByTestId("request-summary")).toContainText("PowerUser on payments-staging");
    await alice.keyboard.press("Escape");
    await expect(search).toBeFocused();

    // A search that hides the pick keeps it in the request.
    await search.fill("no-such-account");
    await expect(alice.getByTestId("target-search-status")).toHaveText("No eligible target matches “no-such-account”.");
    await expect(alice.locator('input[type="hidden"][name="target"]')).toHaveCount(1);
    await expect(alice.getByTestId("request-summary")).toContainText("PowerUser on payments-staging");

    const overflow = await alice.evaluate(
      () => document.scrollingElement!.scrollWidth - document.scrollingElement!.clientWidth,
    );
    expect(overflow, "no sideways scroll at 375 px").toBeLessThanOrEqual(0);
    await search.fill("payments");
    await expect(alice.getByTestId("target-search-status")).toHaveText(/^Showing \d+ of \d+ targets\.$/);
    for (const scheme of ["light", "dark"] as const) {
      await alice.emulateMedia({ colorScheme: scheme });
      const results = await new AxeBuilder({ page: alice })
        .include('[data-testid="request-form"]')
        .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
        .analyze();
      expect(results.violations.map((v) => `${scheme}: ${v.id} ${v.nodes.map((n) => n.target).join(" ")}`)).toEqual([]);
    }
  } finally {
    await alice.context().close();
  }
});

test("without script the server lists the first results and the Search button narrows them", async ({ browser }) => {
  const signedIn = await personaPage(browser, "alice");
  const context = await browser.newContext({
    javaScriptEnabled: false,
    storageState: await signedIn.context().storageState(),
  });
  await signedIn.context().close();
  const page = await context.newPage();
  try {
    await page.goto("/requests/new");
    await expect(page.getByTestId("account-option").first()).toBeVisible();
    await page.getByTestId("account-search").fill("payments-staging");
    await page.getByTestId("account-search-submit").click();
    await expect(page).toHaveURL(/\/requests\/new\?.*q=payments-staging/);
    await expect(page.getByTestId("account-option")).toHaveCount(1);
    await page.getByRole("checkbox", { name: TARGET }).check();
    await expect(page.getByRole("checkbox", { name: TARGET })).toBeChecked();
    // A second search carries the pick in the address, as "Request again" does.
    await page.getByTestId("account-search").fill("payments-prod");
    await page.getByTestId("account-search-submit").click();
    await expect(page).toHaveURL(/target=320198765432/);
    await expect(page.locator('input[type="hidden"][name="target"]')).toHaveAttribute(
      "value",
      /^320198765432\|arn:aws:sso:::permissionSet\//,
    );
  } finally {
    await context.close();
  }
});
