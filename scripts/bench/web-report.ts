// The pure parts of `npm run bench:web`: its flags, the pages it drives, and how figures are judged against the targets.
import { parseArgs } from "node:util";
import type { PersonaKey } from "../../lib/demo/personas";

export interface WebBenchOptions {
  quick: boolean;
  events: number;
  accounts: number;
  permissionSets: number;
  pendingRequests: number;
  activeGrants: number;
  durationSeconds: number;
  /** Requests per connection for each page, instead of a duration: a slow or busy machine still completes every run. */
  requestsPerConnection: number | null;
  connections: number[];
  /** Skip `next build` and serve the build already in the dist directory. */
  build: boolean;
  distDir: string;
  /** Only these pages (by name), for profiling one page. */
  pages: string[] | null;
  /** Write next-server CPU and heap profiles into this directory. */
  profileDir: string | null;
  /** Keep each page's HTML from the first visit here, to see what makes a page heavy. */
  saveHtmlDir: string | null;
  port: number;
}

const USAGE =
  "Usage: tsx scripts/bench/web.ts [--events N] [--duration SECONDS | --requests-per-connection N] [--connections 10,50] [--no-build] [--dist-dir DIR] [--pages home,approvals] [--profile DIR] [--save-html DIR] [--port N] (BENCH_QUICK=1: small seed, short runs)";

export function parseWebBenchArgs(args: string[], env: Record<string, string | undefined>): WebBenchOptions {
  const { values } = parseArgs({
    args,
    options: {
      events: { type: "string" },
      duration: { type: "string" },
      "requests-per-connection": { type: "string" },
      connections: { type: "string" },
      "no-build": { type: "boolean", default: false },
      "dist-dir": { type: "string", default: ".next-bench" },
      pages: { type: "string" },
      profile: { type: "string" },
      "save-html": { type: "string" },
      port: { type: "string", default: "3450" },
    },
  });
  const quick = env.BENCH_QUICK === "1" || env.BENCH_QUICK === "true";
  const whole = (text: string | undefined, fallback: number) => {
    const n = text === undefined ? fallback : Number(text);
    if (!Number.isInteger(n) || n <= 0) throw new Error(USAGE);
    return n;
  };
  const connections = (values.connections ?? "10,50").split(",").map((c) => whole(c.trim(), 0));
  const pages = values.pages ? values.pages.split(",").map((p) => p.trim()) : null;
  const unknown = pages?.filter((name) => !PAGES.some((page) => page.name === name)) ?? [];
  if (unknown.length > 0)
    throw new Error(`Unknown page ${unknown.join(", ")}; pages: ${PAGES.map((p) => p.name).join(", ")}`);
  return {
    quick,
    events: whole(values.events, quick ? 20_000 : 1_000_000),
    accounts: quick ? 200 : 1_000,
    permissionSets: quick ? 30 : 100,
    pendingRequests: quick ? 300 : 2_000,
    activeGrants: quick ? 100 : 500,
    durationSeconds: whole(values.duration, quick ? 2 : 10),
    requestsPerConnection:
      values["requests-per-connection"] !== undefined
        ? whole(values["requests-per-connection"], 0)
        : quick && values.duration === undefined
          ? 3
          : null,
    connections,
    build: !values["no-build"],
    distDir: values["dist-dir"]!,
    pages,
    profileDir: values.profile ?? null,
    saveHtmlDir: values["save-html"] ?? null,
    port: whole(values.port, 0),
  };
}

export interface BenchPage {
  name: string;
  persona: PersonaKey;
  /** `{request}` is replaced by a request of the persona's own. */
  path: string;
  /** Pages measured but held to no target (the floor itself, the download). */
  target: boolean;
}

/** Every main page, each as the persona who uses it; the sign-in page first, as the framework's floor. */
export const PAGES: readonly BenchPage[] = [
  { name: "signin", persona: "alice", path: "/signin", target: false },
  // An approver's home: the pending count and the security overview on top of their own requests.
  { name: "home", persona: "bob", path: "/", target: true },
  { name: "approvals", persona: "bob", path: "/approvals", target: true },
  { name: "history", persona: "carol", path: "/audit", target: true },
  { name: "insights", persona: "carol", path: "/audit/insights", target: true },
  { name: "new_request", persona: "alice", path: "/requests/new", target: true },
  { name: "inventory", persona: "dave", path: "/admin/inventory", target: true },
  { name: "access_now", persona: "carol", path: "/access-now", target: true },
  { name: "policy", persona: "alice", path: "/policy", target: true },
  // A requester's home page is their own requests.
  { name: "my_requests", persona: "alice", path: "/", target: true },
  { name: "request_detail", persona: "alice", path: "/requests/{request}", target: true },
  // The last week only: a whole-history download per request would measure the disk, not the web tier.
  { name: "export", persona: "carol", path: "/api/audit/export?format=csv&from={weekAgo}", target: false },
];

export const TARGETS = { floorRatio: 0.5, p95Ms: 100, targetConnections: 10, rssMb: 400, errors: 0 } as const;

export interface PageFigures {
  page: string;
  connections: number;
  requestsPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  /** next-server CPU time per response: robust to other load on the machine, unlike req/s. */
  cpuPerRequest: number;
}

const fixed = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(3));
const line = (name: string, value: number, unit: string, target?: string) =>
  `BENCH web.${name} ${fixed(value)} ${unit}${target ? `  (target ${target})` : ""}`;
const verdict = (met: boolean) => (met ? "met" : "missed");

/** The BENCH lines of one page at one connection count, with the targets it is held to and whether it meets them. */
export function pageLines(figures: PageFigures, floor: PageFigures | undefined, target: boolean): string[] {
  const prefix = `${figures.page}.c${figures.connections}`;
  const held = target && figures.connections === TARGETS.targetConnections;
  const ratio = floor && floor.requestsPerSecond > 0 ? figures.requestsPerSecond / floor.requestsPerSecond : NaN;
  const lines = [
    line(`${prefix}.req_per_s`, figures.requestsPerSecond, "req/s"),
    line(`${prefix}.p50`, figures.p50, "ms"),
    line(
      `${prefix}.p95`,
      figures.p95,
      "ms",
      held ? `<= ${TARGETS.p95Ms} ms: ${verdict(figures.p95 <= TARGETS.p95Ms)}` : undefined,
    ),
    line(`${prefix}.p99`, figures.p99, "ms"),
    line(`${prefix}.server_cpu_per_req`, figures.cpuPerRequest, "ms"),
    line(`${prefix}.errors`, figures.errors, "errors", `${TARGETS.errors}: ${verdict(figures.errors === 0)}`),
  ];
  if (floor && figures.page !== floor.page)
    lines.push(
      line(
        `${prefix}.floor_ratio`,
        ratio,
        "ratio",
        held ? `>= ${TARGETS.floorRatio}: ${verdict(ratio >= TARGETS.floorRatio)}` : undefined,
      ),
    );
  return lines;
}

export function rssLines(beforeMb: number, afterMb: number): string[] {
  return [
    line("server.rss_before", beforeMb, "MB"),
    line("server.rss_after", afterMb, "MB", `<= ${TARGETS.rssMb} MB: ${verdict(afterMb <= TARGETS.rssMb)}`),
  ];
}

/** How many of the targets the run missed, for the closing line and the exit code. */
export function missedTargets(figures: PageFigures[], rssAfterMb: number): string[] {
  const floor = figures.find((f) => f.page === "signin" && f.connections === TARGETS.targetConnections);
  const targeted = new Set(PAGES.filter((p) => p.target).map((p) => p.name));
  const missed: string[] = [];
  for (const f of figures) {
    if (f.errors > TARGETS.errors) missed.push(`${f.page}.c${f.connections}: ${f.errors} errors`);
    // A timed run drops the requests still in flight when it ends: no response at all is not "0 errors".
    if (!(f.requestsPerSecond > 0)) missed.push(`${f.page}.c${f.connections}: no response within the run`);
    if (!targeted.has(f.page) || f.connections !== TARGETS.targetConnections) continue;
    // A page that answered nothing in the run has no p95 (NaN): that misses the target too.
    if (!(f.p95 <= TARGETS.p95Ms)) missed.push(`${f.page}.c${f.connections}: p95 ${fixed(f.p95)} ms`);
    if (floor && !(f.requestsPerSecond >= TARGETS.floorRatio * floor.requestsPerSecond))
      missed.push(`${f.page}.c${f.connections}: ${fixed(f.requestsPerSecond / floor.requestsPerSecond)} of the floor`);
  }
  if (rssAfterMb > TARGETS.rssMb) missed.push(`rss ${fixed(rssAfterMb)} MB`);
  return missed;
}
