import { describe, expect, it } from "vitest";
import { logLineFormatter } from "./log-format";

describe("dev log formatting", () => {
  const line = JSON.stringify({
    level: "info",
    time: "2026-01-01T10:00:00.000Z",
    pid: 1,
    jobId: "j1",
    msg: "job finished",
  });

  it("prints a JSON log line as one readable line with its message and fields", () => {
    const text = logLineFormatter("pretty")(line);
    expect(text).toContain("INFO");
    expect(text).toContain("job finished");
    expect(text).toContain('"jobId":"j1"');
    expect(text).not.toContain("\n");
  });

  it("passes other lines through, and everything when asked for JSON", () => {
    expect(logLineFormatter("pretty")("▲ Next.js 16")).toBe("▲ Next.js 16");
    expect(logLineFormatter("pretty")("{not json")).toBe("{not json");
    expect(logLineFormatter("json")(line)).toBe(line);
  });

  it("redacts OIDC codes and state in Next's own lines, and the dev request log skips the callback", async () => {
    const request = " GET /api/auth/callback/oidc?code=one-time-code&state=state-value 302 in 40ms";
    for (const format of ["pretty", "json"] as const)
      expect(logLineFormatter(format)(request)).toBe(
        " GET /api/auth/callback/oidc?code=[redacted]&state=[redacted] 302 in 40ms",
      );
    const { default: nextConfig } = await import("../next.config");
    const logging = nextConfig("phase-development-server").logging;
    const ignore = logging && typeof logging.incomingRequests === "object" ? logging.incomingRequests.ignore : [];
    expect(ignore?.some((pattern) => pattern.test("/api/auth/callback/oidc?code=x&state=y"))).toBe(true);
    expect(ignore?.some((pattern) => pattern.test("/requests/new"))).toBe(false);
  });
});
