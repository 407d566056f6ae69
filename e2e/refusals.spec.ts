import { randomUUID } from "node:crypto";
import { expect, test } from "@playwright/test";
import { personaPage } from "./fixtures";

test("a refused cross-site post shows on the refused-attempts page for security, with who, what and why", async ({
  browser,
  request,
}) => {
  const origin = `https://probe-${randomUUID().slice(0, 8)}.example`;
  const refused = await request.post("/", { headers: { Origin: origin, "Next-Action": "0".repeat(42) }, data: "[]" });
  expect(refused.status()).toBe(403);

  const carol = await personaPage(browser, "carol");
  await carol.goto("/audit");
  await carol.getByTestId("audit-tabs").getByRole("link", { name: "Refused attempts" }).click();
  await expect(carol.getByRole("heading", { name: "Refused attempts" })).toBeVisible();
  const row = carol.getByTestId("refusal-row").filter({ hasText: origin });
  await expect(row).toHaveCount(1);
  await expect(row).toHaveAttribute("data-verb", "server-action");
  await expect(row).toHaveAttribute("data-code", "FORBIDDEN");
  await expect(row).toContainText("anonymous");
  await expect(row.getByTestId("refusal-count")).toHaveText("1");

  // A page cursor that is not a number is a clear message, not an error page.
  await carol.goto("/audit/refusals?before=0x10");
  await expect(carol.getByText("That page does not exist")).toBeVisible();
});
