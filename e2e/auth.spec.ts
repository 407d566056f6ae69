import { expect, test } from "@playwright/test";
import { sessionCookie, signInAs } from "./fixtures";

const EXPECTED_ROLES = {
  alice: ["Requester"],
  erin: ["Requester"],
  bob: ["Approver"],
  carol: ["Auditor"],
  dave: ["Approver", "Admin"],
} as const;

for (const [persona, roles] of Object.entries(EXPECTED_ROLES)) {
  test(`${persona} signs in through the dev IdP and sees their role`, async ({ page }) => {
    await signInAs(page, persona as keyof typeof EXPECTED_ROLES);
    await expect(page).toHaveURL(/\/$/);
    const badges = page.getByTestId("current-roles");
    for (const role of roles) await expect(badges).toContainText(role);
    await expect(badges.locator("span")).toHaveCount(roles.length);
  });
}

for (const path of ["/", "/requests/new", "/approvals", "/audit", "/admin", "/some/unknown/page"]) {
  test(`an anonymous visit to ${path} lands on sign-in`, async ({ page }) => {
    await page.goto(path);
    await expect(page).toHaveURL(/\/signin/);
    await expect(page.getByRole("button", { name: /Sign in with/ })).toBeVisible();
  });
}

test("a tampered session cookie is rejected", async ({ page, context }) => {
  await signInAs(page, "alice");
  const cookie = await sessionCookie(page);
  const last = cookie.value.at(-1) === "a" ? "b" : "a";
  await context.clearCookies();
  await context.addCookies([{ ...cookie, value: cookie.value.slice(0, -1) + last }]);
  await page.goto("/");
  await expect(page).toHaveURL(/\/signin/);
});

test("a forged session cookie is rejected", async ({ page, context }) => {
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
  await page.goto("/");
  await expect(page).toHaveURL(/\/signin/);
});

test("sign-out ends the database session, so the old cookie no longer works", async ({ page, context }) => {
  await signInAs(page, "bob");
  const cookie = await sessionCookie(page);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/signin/);
  await context.addCookies([cookie]);
  await page.goto("/");
  await expect(page).toHaveURL(/\/signin/);
});

test("the portal shows that it runs against simulated AWS", async ({ page }) => {
  await page.goto("/signin");
  await expect(page.getByTestId("simulator-banner")).toContainText("Simulated AWS");
});

test("signing out and in again offers the IdP's account choice, so alice can switch to bob", async ({ page }) => {
  await signInAs(page, "alice");
  await expect(page.getByTestId("current-roles")).toContainText("Requester");
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/signin/);
  // The IdP still has alice's session; the prompt makes it ask again instead of signing her straight back in.
  await page.getByRole("button", { name: /Sign in with/ }).click();
  await expect(page.locator('button[data-persona="bob"]')).toBeVisible();
  await page.locator('button[data-persona="bob"]').click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId("current-roles")).toContainText("Approver");
  await expect(page.getByTestId("current-roles")).not.toContainText("Requester");
});
