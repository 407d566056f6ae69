// `npm run bench:audit`: the access-history dashboard, its exports and chained audit inserts on a seeded history.
// Prints `BENCH <name> <value> <unit>` lines. Flags: --events N (default 1,000,000), --data-dir DIR (keep the cluster
// there and reuse its history on the next run), --writers N (concurrent audit writers, default 8), --inserts N (default 4,000),
// --only pages|export|inserts (run one part).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import v8 from "node:v8";
import vm from "node:vm";
import { seedHistory } from "./history-seed";
import { verifyAuditChain } from "../../lib/audit/verify-chain";
import { createPrismaClient, type PrismaClient } from "../../lib/db";
import { findFreePort, startEmbeddedDatabase } from "../../lib/db/embedded-postgres";
import { applyMigrations } from "../../lib/db/migrations";
import { emitAudit } from "../../lib/services/audit";
import type { ServiceContext, UserActor } from "../../lib/services/context";
import { exportAccessHistory } from "../../lib/services/queries/history-export";
import { getHistoryInsights } from "../../lib/services/queries/history-insights";
import { listAccessHistory } from "../../lib/services/queries/history-list";
import { bench, note, percentile } from "./report";

// A forced collection shows what the export really retains, apart from garbage V8 has not collected yet.
v8.setFlagsFromString("--expose-gc");
const collectGarbage = vm.runInNewContext("gc") as () => void;

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

const PARTS = ["pages", "export", "inserts"] as const;
type Part = (typeof PARTS)[number];

function readOptions() {
  const { values } = parseArgs({
    options: {
      events: { type: "string", default: "1000000" },
      "data-dir": { type: "string" },
      writers: { type: "string", default: "8" },
      inserts: { type: "string", default: "4000" },
      only: { type: "string" },
    },
  });
  const events = Number(values.events);
  const writers = Number(values.writers);
  const inserts = Number(values.inserts);
  const only = values.only;
  if (
    ![events, writers, inserts].every((n) => Number.isInteger(n) && n > 0) ||
    (only !== undefined && !PARTS.includes(only as Part))
  )
    throw new Error(
      "Usage: tsx scripts/bench/audit.ts [--events N] [--data-dir DIR] [--writers N] [--inserts N] [--only pages|export|inserts]",
    );
  return { events, writers, inserts, dataDir: values["data-dir"], only: only as Part | undefined };
}

/** The auditor the dashboard figures are measured as: sees everyone's history, like carol. */
async function auditorContext(db: PrismaClient): Promise<ServiceContext> {
  const user = await db.user.upsert({
    where: { email: "carol@example.com" },
    create: { email: "carol@example.com", name: "Carol Auditor", roles: ["AUDITOR"], idpGroups: ["security-auditors"] },
    update: {},
  });
  const actor: UserActor = {
    type: "user",
    userId: user.id,
    email: user.email!,
    name: user.name,
    roles: ["AUDITOR"],
    groups: ["security-auditors"],
    identityStoreUserId: null,
    ip: "10.0.0.7",
    userAgent: "bench",
  };
  return { actor, db, now: () => new Date() };
}

/** Filters with enough matches to page 200+ deep: the busiest account OU and a common outcome. */
async function deepFilters(db: PrismaClient) {
  const [busiest] = await db.$queryRaw<{ ou: string; n: number }[]>`
    SELECT ou, count(*)::int AS n FROM "RequestTarget" t JOIN "AwsAccount" a ON a.id = t."accountId", unnest(a."ouIds"[3:3]) AS ou
    GROUP BY ou ORDER BY n DESC LIMIT 1`;
  const [account] = await db.$queryRaw<
    { id: string }[]
  >`SELECT "accountId" AS id FROM "RequestTarget" GROUP BY "accountId" ORDER BY count(*) DESC LIMIT 1`;
  return { ou: busiest?.ou, account: account?.id };
}

async function measurePages(ctx: ServiceContext) {
  await listAccessHistory({ ctx, input: {} });
  const first: number[] = [];
  for (let i = 0; i < 40; i++) first.push((await timed(() => listAccessHistory({ ctx, input: {} }))).ms);
  bench("audit_history_first_page_p95", percentile(first, 95), "ms");
  bench("audit_history_first_page_p50", percentile(first, 50), "ms");

  const { ou, account } = await deepFilters(ctx.db);
  const [approver] = await ctx.db.$queryRaw<
    { email: string }[]
  >`SELECT u.email FROM "ApprovalDecision" d JOIN "User" u ON u.id = d."approverId" GROUP BY u.email ORDER BY count(*) DESC LIMIT 1`;
  const [requester] = await ctx.db.$queryRaw<
    { email: string }[]
  >`SELECT u.email FROM "AccessRequest" r JOIN "User" u ON u.id = r."requesterId" GROUP BY u.email ORDER BY count(*) ASC LIMIT 1`;
  const since = new Date(Date.now() - 90 * 86_400_000).toISOString().slice(0, 10);
  // One filter of each kind, broad and rare, as an auditor would combine them.
  const combos: Record<string, unknown>[] = [
    { account, status: ["COMPLETED"] },
    { ou, status: ["DENIED", "REVOKED"] },
    { approver: approver?.email, from: since },
    { requester: requester?.email },
    { event: "request.revoked" },
    { event: "grant.failed", sort: "oldest" },
    { q: "migration" },
    { q: "PAY-4242" },
    {
      permissionSet: "arn:aws:sso:::permissionSet/ssoins-5eed000000000000/ps-5eed000000000004",
      status: ["ACTIVE", "COMPLETED"],
    },
    { from: since, to: new Date().toISOString().slice(0, 10), status: ["EXPIRED"] },
  ];
  const filtered: number[] = [];
  for (const input of combos) {
    await listAccessHistory({ ctx, input });
    for (let i = 0; i < 5; i++) filtered.push((await timed(() => listAccessHistory({ ctx, input }))).ms);
  }
  bench("audit_history_first_page_filtered_p95", percentile(filtered, 95), "ms");

  // Deep pages: walk the keyset cursors of a filtered view and time every page from page 200 on, each a different page.
  for (const [name, filters] of [
    ["ou_status", { ou, status: ["COMPLETED"] }],
    ["account_status", { account, status: ["COMPLETED", "REVOKED"] }],
  ] as const) {
    const deep: number[] = [];
    let after: string | null = null;
    let pageNumber = 0;
    for (; pageNumber < 260; pageNumber++) {
      const input: Record<string, unknown> = after ? { ...filters, after } : { ...filters };
      const { ms, value: page } = await timed(() => listAccessHistory({ ctx, input }));
      if (pageNumber >= 200) deep.push(ms);
      if (!page.nextCursor) break;
      after = page.nextCursor;
    }
    if (deep.length === 0) {
      note(`the ${name} view has only ${pageNumber + 1} pages; seed more events to reach page 200`);
      continue;
    }
    bench(`audit_history_deep_page_${name}_p95`, percentile(deep, 95), "ms");
    bench(`audit_history_deep_page_${name}_first_page_number`, 201, "page");
    bench(`audit_history_deep_page_${name}_pages_timed`, deep.length, "pages");
  }

  const insights: number[] = [];
  for (let i = 0; i < 3; i++)
    insights.push((await timed(() => getHistoryInsights({ ctx, input: { from: since } }))).ms);
  bench("audit_insights_90_days_median", percentile(insights, 50), "ms");
}

async function measureExport(ctx: ServiceContext, format: "csv" | "jsonl") {
  const rows = await ctx.db.accessRequest.count();
  collectGarbage();
  const baseline = process.memoryUsage();
  let peakRss = baseline.rss;
  let peakLiveHeap = baseline.heapUsed;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 25);
  const started = performance.now();
  let pausedMs = 0;
  const download = await exportAccessHistory({ ctx, input: { format } });
  let bytes = 0;
  let lines = 0;
  let chunks = 0;
  const reader = download.stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (format === "jsonl") for (const byte of value) if (byte === 10) lines += 1;
    // Every tenth page, measure the live heap; the pause is left out of the rate.
    if (++chunks % 10 === 0) {
      const paused = performance.now();
      collectGarbage();
      peakLiveHeap = Math.max(peakLiveHeap, process.memoryUsage().heapUsed);
      pausedMs += performance.now() - paused;
    }
  }
  const seconds = (performance.now() - started - pausedMs) / 1000;
  clearInterval(sampler);
  if (format === "jsonl" && lines !== rows) throw new Error(`the JSONL export had ${lines} lines for ${rows} requests`);
  const mb = (n: number) => n / 1024 / 1024;
  bench(`audit_export_${format}_rows`, rows, "rows");
  bench(`audit_export_${format}_rate`, Math.round(rows / seconds), "rows/s");
  bench(`audit_export_${format}_size`, mb(bytes), "MB");
  bench(`audit_export_${format}_peak_rss_growth`, mb(peakRss - baseline.rss), "MB");
  bench(`audit_export_${format}_live_heap_growth`, mb(peakLiveHeap - baseline.heapUsed), "MB");
}

async function measureInserts(db: PrismaClient, ctx: ServiceContext, writers: number, total: number, label: string) {
  const actor = ctx.actor;
  let next = 0;
  const latencies: number[] = [];
  const started = performance.now();
  // Each writer is one mutation transaction at a time, as concurrent requests and worker jobs would be.
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      while (next < total) {
        const i = next++;
        const { ms } = await timed(() =>
          db.$transaction((tx) =>
            emitAudit(tx, actor, {
              action: "bench.audit_insert",
              entityType: "bench",
              entityId: `w${w}-${i}`,
              after: { writer: w, i },
            }),
          ),
        );
        latencies.push(ms);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  bench(`audit_insert_throughput${label}`, Math.round(total / seconds), "events/s");
  bench(`audit_insert_latency${label}_p95`, percentile(latencies, 95), "ms");
}

async function main() {
  const options = readOptions();
  const root = options.dataDir ? path.resolve(options.dataDir) : fs.mkdtempSync(path.join(os.tmpdir(), "bench-audit-"));
  fs.mkdirSync(root, { recursive: true });
  fs.chmodSync(root, 0o755);
  // A durable cluster (fsync on), so insert throughput includes real commits; the seed opts out per session.
  const database = await startEmbeddedDatabase({ dataDir: path.join(root, "pg"), port: await findFreePort() });
  await applyMigrations(database.url);
  const db = createPrismaClient(database.url);
  try {
    const existing = await db.auditEvent.count();
    if (existing > 0) {
      note(`reusing ${existing.toLocaleString("en-US")} audit events in ${root}`);
    } else {
      note(`seeding about ${options.events.toLocaleString("en-US")} audit events in ${root}`);
      const seeded = await seedHistory({
        databaseUrl: database.url,
        events: options.events,
        log: (line) => note(line.trim()),
      });
      bench("audit_seed_events", seeded.events, "events");
      bench("audit_seed_requests", seeded.requests, "requests");
      bench("audit_seed_rate", Math.round(seeded.events / seeded.seconds), "events/s");
    }
    const ctx = await auditorContext(db);
    bench("audit_history_events", await db.auditEvent.count(), "events");
    bench("audit_history_requests", await db.accessRequest.count(), "requests");

    const runs = (part: Part) => options.only === undefined || options.only === part;
    if (runs("pages")) await measurePages(ctx);
    if (runs("export")) {
      await measureExport(ctx, "csv");
      await measureExport(ctx, "jsonl");
    }
    if (runs("inserts")) {
      bench("audit_insert_writers", options.writers, "writers");
      await measureInserts(db, ctx, options.writers, options.inserts, "");
      // The same writers without waiting for the commit to reach disk: the ceiling set by the chain lock alone.
      const asyncCommit = createPrismaClient(
        `${database.url}?options=${encodeURIComponent("-c synchronous_commit=off")}`,
      );
      try {
        await measureInserts(asyncCommit, ctx, options.writers, options.inserts, "_async_commit");
      } finally {
        await asyncCommit.$disconnect();
      }

      const { ms, value: report } = await timed(() => verifyAuditChain(db));
      bench("audit_verify_rate", Math.round(report.events / (ms / 1000)), "events/s");
      bench("audit_chain_intact", report.intact ? 1 : 0, "bool");
      if (!report.intact) throw new Error(`the chain is broken at seq ${report.problem.seq}: ${report.problem.detail}`);
    }
  } finally {
    await db.$disconnect();
    await database.stop();
    if (!options.dataDir) fs.rmSync(root, { recursive: true, force: true });
  }
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
