import { describe, expect, it } from "vitest";
import { getMetrics } from "../metrics/registry";
import { timeAction, withRouteMetrics } from "./route-metrics";

async function count(labels: Record<string, string>) {
  const { values } = await getMetrics().httpDuration.get();
  return values
    .filter((s) => s.metricName === "jit_http_request_duration_seconds_count")
    .filter((s) => Object.entries(labels).every(([k, v]) => (s.labels as Record<string, unknown>)[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

describe("web request timing", () => {
  it("labels a route handler by its pattern, method and status, and a throw as error", async () => {
    const GET = withRouteMetrics("/api/things/[id]", (request: Request) =>
      Response.json({ url: request.url }, { status: 404 }),
    );
    await GET(new Request("http://portal.test/api/things/secret-id-123"));
    expect(await count({ kind: "route", route: "/api/things/[id]", method: "GET", outcome: "404" })).toBe(1);
    const POST = withRouteMetrics("/api/boom", async (): Promise<Response> => {
      throw new Error("boom");
    });
    await expect(POST()).rejects.toThrow("boom");
    expect(await count({ kind: "route", route: "/api/boom", method: "GET", outcome: "error" })).toBe(1);
    expect(await getMetrics().registry.metrics()).not.toMatch(/secret-id-123/);
  });

  it("labels a server action by its verb and the refusal code", async () => {
    await timeAction("grant.revoke", async () => ({ ok: true }));
    await timeAction("grant.revoke", async () => ({ ok: false, code: "FORBIDDEN" }));
    expect(await count({ kind: "action", route: "grant.revoke", outcome: "ok" })).toBe(1);
    expect(await count({ kind: "action", route: "grant.revoke", outcome: "FORBIDDEN" })).toBe(1);
  });
});
