import { describe, expect, it } from "vitest";
import { missedTargets, PAGES, pageLines, parseWebBenchArgs, rssLines, type PageFigures } from "./web-report";

const figures = (page: string, connections: number, patch: Partial<PageFigures> = {}): PageFigures => ({
  page,
  connections,
  requestsPerSecond: 100,
  p50: 20,
  p95: 60,
  p99: 80,
  errors: 0,
  cpuPerRequest: 8,
  ...patch,
});

describe("parseWebBenchArgs", () => {
  it("defaults to the large organization, 10 and 50 connections and a fresh build", () => {
    expect(parseWebBenchArgs([], {})).toMatchObject({
      quick: false,
      events: 1_000_000,
      accounts: 1_000,
      permissionSets: 100,
      pendingRequests: 2_000,
      activeGrants: 500,
      connections: [10, 50],
      build: true,
      pages: null,
      profileDir: null,
    });
  });

  it("BENCH_QUICK=1 shrinks the seed and the runs, and flags still win", () => {
    const quick = parseWebBenchArgs(["--duration", "3"], { BENCH_QUICK: "1" });
    expect(quick).toMatchObject({
      quick: true,
      events: 20_000,
      accounts: 200,
      durationSeconds: 3,
      requestsPerConnection: null,
    });
    // Without a duration, a quick run counts requests, so a busy machine still completes every page.
    expect(parseWebBenchArgs([], { BENCH_QUICK: "1" }).requestsPerConnection).toBe(3);
    expect(parseWebBenchArgs(["--requests-per-connection", "5"], {}).requestsPerConnection).toBe(5);
  });

  it("reads a page list, connection counts and the profile directory", () => {
    const options = parseWebBenchArgs(
      ["--pages", "home, inventory", "--connections", "1,5", "--no-build", "--profile", "/tmp/p"],
      {},
    );
    expect(options).toMatchObject({
      pages: ["home", "inventory"],
      connections: [1, 5],
      build: false,
      profileDir: "/tmp/p",
    });
  });

  it.each([[["--connections", "10,zero"]], [["--duration", "0"]], [["--events=-5"]], [["--port", "1.5"]]])(
    "refuses %j with the usage line",
    (args) => {
      expect(() => parseWebBenchArgs(args, {})).toThrow(/Usage/);
    },
  );

  it("names the pages it knows when given one it does not", () => {
    expect(() => parseWebBenchArgs(["--pages", "home,nope"], {})).toThrow(/Unknown page nope; pages: signin, home/);
  });
});

describe("the report", () => {
  it("measures every page the issue names, the sign-in floor first and unheld by the targets", () => {
    expect(PAGES[0]).toMatchObject({ name: "signin", target: false });
    expect(PAGES.map((p) => p.name)).toEqual(
      expect.arrayContaining([
        "home",
        "approvals",
        "history",
        "insights",
        "new_request",
        "inventory",
        "access_now",
        "policy",
        "my_requests",
        "request_detail",
        "export",
      ]),
    );
  });

  it("prints BENCH lines with the targets and met or missed at 10 connections", () => {
    const floor = figures("signin", 10, { requestsPerSecond: 200 });
    expect(pageLines(figures("home", 10, { requestsPerSecond: 90, p95: 120.5 }), floor, true)).toEqual([
      "BENCH web.home.c10.req_per_s 90 req/s",
      "BENCH web.home.c10.p50 20 ms",
      "BENCH web.home.c10.p95 120.500 ms  (target <= 100 ms: missed)",
      "BENCH web.home.c10.p99 80 ms",
      "BENCH web.home.c10.server_cpu_per_req 8 ms",
      "BENCH web.home.c10.errors 0 errors  (target 0: met)",
      "BENCH web.home.c10.floor_ratio 0.450 ratio  (target >= 0.5: missed)",
    ]);
  });

  it("holds no page to the latency and ratio targets at 50 connections, and the floor has no ratio of its own", () => {
    const floor = figures("signin", 50);
    expect(pageLines(figures("home", 50, { p95: 900 }), floor, true)).toContain("BENCH web.home.c50.p95 900 ms");
    expect(pageLines(floor, floor, false).some((line) => line.includes("floor_ratio"))).toBe(false);
  });

  it("prints resident memory before and after against the 400 MB target", () => {
    expect(rssLines(262, 1_120.25)).toEqual([
      "BENCH web.server.rss_before 262 MB",
      "BENCH web.server.rss_after 1120.250 MB  (target <= 400 MB: missed)",
    ]);
  });

  it("lists each missed target, counting a page that answered nothing as missed", () => {
    const run = [
      figures("signin", 10, { requestsPerSecond: 200 }),
      figures("home", 10, { requestsPerSecond: 150 }),
      figures("approvals", 10, { requestsPerSecond: 0, p95: NaN }),
      figures("export", 10, { requestsPerSecond: 5, p95: 3_000 }),
      figures("history", 50, { errors: 2, p95: 5_000 }),
      figures("inventory", 50, { requestsPerSecond: 0, p95: NaN }),
    ];
    expect(missedTargets(run, 380)).toEqual([
      "approvals.c10: no response within the run",
      "approvals.c10: p95 NaN ms",
      "approvals.c10: 0 of the floor",
      "history.c50: 2 errors",
      "inventory.c50: no response within the run",
    ]);
    expect(missedTargets(run.slice(0, 2), 401)).toEqual(["rss 401 MB"]);
  });
});
