import { expect, test } from "@playwright/test";

test("liveness answers without a session", async ({ request }) => {
  const response = await request.get("/api/health");
  expect(response.status()).toBe(200);
  expect(await response.json()).toEqual({ status: "ok" });
});

test("readiness reports the database reachable and every migration applied", async ({ request }) => {
  const response = await request.get("/api/ready");
  expect(response.status()).toBe(200);
  const body = await response.json();
  expect(body.ready).toBe(true);
  expect(body.database).toBe("ok");
  expect(body.migrations.pending).toEqual([]);
  expect(body.migrations.applied).toBeGreaterThanOrEqual(1);
});
