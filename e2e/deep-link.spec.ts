import { expect, test, type Page } from "@playwright/test";
import { personaPage } from "./fixtures";

/** Clicks through the dev IdP from the sign-in page the visitor was sent to. */
async function signInFromHere(page: Page, persona: string) {
  await page.getByRole("button", { name: /Sign in with/ }).click();
  await page.locator(`button[data-persona="${persona}"]`).click();
}

test("a signed-out visitor of a request page signs in and lands on that page, query included", async ({
  browser,
  page,
  baseURL,
}) => {
  test.setTimeout(90_000);
  const alice = await personaPage(browser, "alice");
  await alice.getByTestId("new-request").click();
  await alice.getByTestId("account-search").fill("payments-prod");
  await alice.getByRole("checkbox", { name: "PowerUser on payments-prod" }).check();
  await alice.getByRole("button", { name: "30 min", exact: true }).click();
  await alice.getByLabel("Justification").fill("Deep link check: rotate the payment gateway keys");
  await alice.getByLabel("Ticket").fill("PAY-4321");
  await alice.getByTestId("submit-request").click();
  await expect(alice).toHaveURL(/\/requests\/(?!new)[^/?]+$/);
  const requestId = new URL(alice.url()).pathname.split("/").at(-1)!;
  await alice.context().close();

  // What an approver clicks in a notification, without a session yet.
  const deepLink = `/requests/${requestId}?from=notification`;
  await page.goto(deepLink);
  await expect(page).toHaveURL(`${baseURL}/signin?callbackUrl=${encodeURIComponent(deepLink)}`);
  await signInFromHere(page, "bob");
  await expect(page).toHaveURL(`${baseURL}${deepLink}`);
  await expect(page.getByTestId("request-detail")).toContainText("PAY-4321");
});

test("a deep link opened with a dead session cookie also comes back after sign-in", async ({
  page,
  context,
  baseURL,
}) => {
  // The cookie gets past proxy.ts, so it is the page (requireActor) that sends the visitor to sign-in.
  await context.addCookies([
    {
      name: "authjs.session-token",
      value: "00000000-0000-0000-0000-000000000000",
      domain: "localhost",
      path: "/",
      httpOnly: true,
      sameSite: "Lax",
    },
  ]);
  await page.goto("/audit?q=payments&sort=oldest");
  await expect(page).toHaveURL(`${baseURL}/signin?callbackUrl=${encodeURIComponent("/audit?q=payments&sort=oldest")}`);
  await signInFromHere(page, "bob");
  await expect(page).toHaveURL(`${baseURL}/audit?q=payments&sort=oldest`);
  await expect(page.getByTestId("current-user")).toBeVisible();
});

for (const forged of ["https://evil.example/phish", "//evil.example", "/\\evil.example", "/api/auth/signout"]) {
  test(`a forged callbackUrl ${forged} lands on the portal home after sign-in`, async ({ page, baseURL }) => {
    await page.goto(`/signin?callbackUrl=${encodeURIComponent(forged)}`);
    await signInFromHere(page, "bob");
    await expect(page).toHaveURL(`${baseURL}/`);
    await expect(page.getByTestId("current-user")).toBeVisible();
  });
}

test("next-auth's redirect callback applies the same rule to a tampered callback cookie", async ({
  page,
  context,
  baseURL,
}) => {
  await page.goto("/signin?callbackUrl=%2Fapprovals");
  await page.getByRole("button", { name: /Sign in with/ }).click();
  await expect(page.locator('button[data-persona="bob"]')).toBeVisible();
  // While the browser is at the IdP, the target next-auth keeps for the callback is swapped for its own sign-out page.
  const cookie = (await context.cookies()).find((c) => c.name.endsWith("authjs.callback-url"));
  expect(cookie, "next-auth keeps the sign-in target in a cookie").toBeDefined();
  await context.addCookies([{ ...cookie!, value: `${baseURL}/api/auth/signout` }]);
  await page.locator('button[data-persona="bob"]').click();
  await expect(page).toHaveURL(`${baseURL}/`);
  await expect(page.getByTestId("current-user")).toBeVisible();
});
