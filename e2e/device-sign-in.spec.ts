import AxeBuilder from "@axe-core/playwright";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { seedAccount, seedPermissionSet } from "../lib/simulator/seed";
import { personaPage } from "./fixtures";

// `jit login` as the real server runs it: device code over HTTP, confirmation in the browser, then bearer calls.

const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const paymentsProd = seedAccount("payments-prod");
const readOnly = seedPermissionSet("ReadOnly");

async function pageIsClean(page: Page, where: string) {
  for (const width of [1366, 390]) {
    await page.setViewportSize({ width, height: 900 });
    const results = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
    const blocking = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    expect
      .soft(
        blocking.map((v) => v.id),
        `${where} at ${width} px: axe`,
      )
      .toEqual([]);
    const overflow = await page.evaluate(
      () => document.scrollingElement!.scrollWidth - document.scrollingElement!.clientWidth,
    );
    expect.soft(overflow, `${where} at ${width} px: sideways scroll`).toBeLessThanOrEqual(0);
  }
  await page.setViewportSize({ width: 1366, height: 900 });
}

async function pollForToken(request: APIRequestContext, deviceCode: string, interval: number): Promise<string> {
  for (let attempt = 0; attempt < 10; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, interval * 1000));
    const answer = await request.post("/api/v1/device/token", {
      form: {
        grant_type: "urn:ietf:params:oauth:grant-type:device_code",
        device_code: deviceCode,
        client_id: "jit-cli",
      },
    });
    const body = (await answer.json()) as { access_token?: string; error?: string };
    if (answer.status() === 200) return body.access_token!;
    expect(body.error).toBe("authorization_pending");
  }
  throw new Error("no token after ten polls");
}

test("a device signs in through the browser, calls the API with its token, and is signed out from Signed-in devices", async ({
  browser,
  request,
}) => {
  test.setTimeout(120_000);
  const started = await request.post("/api/v1/device/code", {
    data: { client_id: "jit-cli", device_name: "e2e-laptop" },
  });
  expect(started.status()).toBe(200);
  const codes = (await started.json()) as {
    device_code: string;
    user_code: string;
    verification_uri_complete: string;
    interval: number;
  };
  const pending = await request.post("/api/v1/device/token", {
    data: {
      grant_type: "urn:ietf:params:oauth:grant-type:device_code",
      device_code: codes.device_code,
      client_id: "jit-cli",
    },
  });
  expect(await pending.json()).toMatchObject({ error: "authorization_pending" });

  const alice = await personaPage(browser, "alice");
  const verification = new URL(codes.verification_uri_complete);
  await alice.goto(`${verification.pathname}${verification.search}`);
  await expect(alice.getByTestId("device-name")).toHaveText("e2e-laptop");
  await expect(alice.getByTestId("device-code")).toHaveText(codes.user_code);
  await pageIsClean(alice, "/device with a pending code");
  await alice.getByTestId("device-approve").click();
  await expect(alice.getByTestId("device-message")).toContainText("e2e-laptop is now signed in");

  const token = await pollForToken(request, codes.device_code, codes.interval);
  const bearer = { authorization: `Bearer ${token}` };
  const me = await request.get("/api/v1/me", { headers: bearer });
  expect(await me.json()).toMatchObject({ email: "alice@example.com" });

  // A request scheduled a week ahead and cancelled at once: it never reaches AWS, so no later spec meets a live grant.
  const created = await request.post("/api/v1/requests", {
    headers: bearer,
    data: {
      targets: [{ accountId: paymentsProd.id, permissionSetArn: readOnly.arn }],
      durationMinutes: 30,
      justification: "Device sign-in end-to-end check",
      startsAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
    },
  });
  expect(created.status()).toBe(201);
  const { request: made } = (await created.json()) as { request: { id: string } };
  const cancelled = await request.post(`/api/v1/requests/${made.id}/cancel`, { headers: bearer, data: {} });
  expect(await cancelled.json()).toMatchObject({ request: { id: made.id, status: "CANCELLED" } });
  const notJson = await request.post("/api/v1/requests", {
    headers: { ...bearer, "content-type": "application/json" },
    data: "{not json",
  });
  expect(notJson.status()).toBe(400);
  expect(await notJson.json()).toMatchObject({ error: { code: "VALIDATION" } });
  const unknown = await request.get("/api/v1/requests/some-id/nonsense", { headers: bearer });
  expect(unknown.status()).toBe(404);
  expect(await unknown.json()).toMatchObject({ error: { code: "NOT_FOUND" } });

  await alice.goto("/devices");
  const row = alice.getByTestId("device-row").filter({ hasText: "e2e-laptop" });
  await expect(row).toBeVisible();
  await pageIsClean(alice, "/devices with a device");
  await row.getByTestId("revoke-device").click();
  await expect(row.getByTestId("revoke-device-message")).toContainText("signed out");
  const after = await request.get("/api/v1/me", { headers: bearer });
  expect(after.status()).toBe(401);
  expect(await after.json()).toMatchObject({ error: { code: "UNAUTHENTICATED" } });
  await alice.context().close();
});

test("a wrong code on /device says so and offers the form again", async ({ browser }) => {
  const erin = await personaPage(browser, "erin");
  await erin.goto("/device?code=BBBB-BBBB");
  await expect(erin.getByTestId("device-problem")).toContainText("not valid or has expired");
  await expect(erin.getByLabel("Code from the terminal")).toHaveValue("BBBB-BBBB");
  await pageIsClean(erin, "/device with a wrong code");
  await erin.context().close();
});

test("/device sends a visitor without a session to sign in and back to the code", async ({ page }) => {
  await page.goto("/device?code=BCDF-GHJK");
  await expect(page).toHaveURL(/\/signin\?callbackUrl=/);
  expect(decodeURIComponent(page.url())).toContain("/device?code=BCDF-GHJK");
});
