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
