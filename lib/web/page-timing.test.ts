import { describe, expect, it } from "vitest";
import { pageTimingFromSpan } from "./page-timing";

const span = (attributes: Record<string, unknown>, duration: [number, number] = [0, 250_000_000]) =>
  ({ attributes, duration }) as Parameters<typeof pageTimingFromSpan>[0];

describe("pageTimingFromSpan", () => {
  it("times a routed page by its route pattern, method and status", () => {
    expect(
      pageTimingFromSpan(
        span(
          {
            "next.span_type": "BaseServer.handleRequest",
            "next.route": "/requests/[id]",
            "http.method": "GET",
            "http.status_code": 200,
          },
          [1, 500_000_000],
        ),
      ),
    ).toEqual({ labels: { kind: "page", route: "/requests/[id]", method: "GET", outcome: "200" }, seconds: 1.5 });
  });

  it("keeps client navigations (RSC) apart from full page loads", () => {
    const timing = pageTimingFromSpan(
      span({
        "next.span_type": "BaseServer.handleRequest",
        "next.route": "/approvals",
        "next.rsc": true,
        "http.status_code": 200,
      }),
    );
    expect(timing?.labels.kind).toBe("page-rsc");
  });

  it.each([
    ["another span type", { "next.span_type": "AppRender.getBodyResult", "next.route": "/approvals" }],
    ["an unrouted request (one series per URL otherwise)", { "next.span_type": "BaseServer.handleRequest" }],
    [
      "a route handler, timed where it runs",
      { "next.span_type": "BaseServer.handleRequest", "next.route": "/api/metrics" },
    ],
  ])("ignores %s", (_name, attributes) => {
    expect(pageTimingFromSpan(span(attributes))).toBeNull();
  });
});
