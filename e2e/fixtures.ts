import { expect, type Page } from "@playwright/test";
import type { PersonaKey } from "../lib/demo/personas";

/** Signs in through the real OIDC flow: portal → dev IdP persona picker → callback → portal home. */
export async function signInAs(page: Page, persona: PersonaKey) {
  await page.goto("/signin");
  await page.getByRole("button", { name: /Sign in with/ }).click();
  await page.locator(`button[data-persona="${persona}"]`).click();
  await expect(page.getByTestId("current-user")).toBeVisible();
}

export async function sessionCookie(page: Page) {
  const cookies = await page.context().cookies();
  const cookie = cookies.find((c) => c.name.endsWith("authjs.session-token"));
  expect(cookie, "a database session cookie is set after sign-in").toBeDefined();
  return cookie!;
}
