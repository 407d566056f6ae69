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
});
