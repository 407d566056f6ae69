import { expect, test } from "@playwright/test";
import { signInAs } from "./fixtures";

// The demo policy's group rule: validated and checked against the identity store when the worker loaded it.
test("the policy page lists group membership rules with their Identity Center groups", async ({ page }) => {
  await signInAs(page, "erin");
  await page.goto("/policy");
  const groupRules = page.getByTestId("policy-group-rule");
  await expect(groupRules).toHaveCount(1);
  await expect(groupRules).toContainText("data-engineers-prod-db-admins");
  await expect(groupRules).toContainText("prod-db-admins");
  await expect(groupRules).toContainText("group team-data");
  await expect(groupRules).toContainText("2 h");
});
