// `npm run bench:scorecard`: one full scorecard refresh over a large simulated organization (1,000 accounts, 50 permission
// sets provisioned to each, 5,000 standing assignments): inventory sync, every assignment listed by principal, managed
// policies and every account's credential report. sso-admin and identitystore share one 20 requests/s bucket, as the
// worker's; the simulator throttles above its documented limits too. The simulator runs in a child process, so the
// memory figures are the portal's alone. Two sizes run in one process, smallest first, to show whether memory grows with
// the organization: a tenth and the whole (BENCH_QUICK=1: a hundredth and a tenth).
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createAuditPort } from "../../lib/aws/audit-port";
import { createIdentityCenterPort, type AwsCallObservation } from "../../lib/aws/identity-center-port";
import { createPrismaClient } from "../../lib/db";
import { findFreePort, startEmbeddedDatabase } from "../../lib/db/embedded-postgres";
import { applyMigrations } from "../../lib/db/migrations";
import { systemActor } from "../../lib/services/context";
import { snapshotAssignments } from "../../lib/services/inventory/snapshot-assignments";
import { syncInventory } from "../../lib/services/inventory/sync-inventory";
import { takeScorecardSnapshot } from "../../lib/services/scorecard/take-scorecard-snapshot";
import { DEMO_SEED } from "../../lib/simulator/seed";
import { BENCH_SCALE, type ScaledSeedOptions } from "../../lib/simulator/seed-scale";
import { PgRateLimiter } from "../../lib/worker/pg-rate-limiter";
import { bench, note } from "./report";

const QUICK = process.env.BENCH_QUICK === "1";
const SSO_RATE = 20;
const FRACTIONS = QUICK ? [0.01, 0.1] : [0.1, 1];
const scaled = (fraction: number): ScaledSeedOptions => ({
  ...BENCH_SCALE,
  accounts: Math.round(BENCH_SCALE.accounts * fraction),
  assignments: Math.round(BENCH_SCALE.assignments * fraction),
});

/** The scaled simulator in its own process; resolves with its URL once it listens. */
function startSimulatorProcess(scale: ScaledSeedOptions) {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(import.meta.dirname, "scaled-simulator.ts")], {
    env: { ...process.env, BENCH_SIM_SCALE: JSON.stringify(scale) },
    stdio: ["ignore", "pipe", "inherit", "ipc"],
  });
  return new Promise<{ child: ChildProcess; url: string }>((resolve, reject) => {
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /SIMULATOR READY (\S+)/.exec(output);
      if (ready) resolve({ child, url: ready[1]! });
    });
    child.once("exit", (code) => reject(new Error(`simulator exited with ${code}`)));
  });
}

/** Linux's high-water mark of a process's resident memory, in bytes (null elsewhere). */
function peakRssOf(pid: number) {
  try {
    const kib = /VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kib ? Number(kib) * 1024 : null;
  } catch {
    return null;
  }
}

async function main() {
  for (const fraction of FRACTIONS) await refreshAtScale(fraction);
}

async function refreshAtScale(fraction: number) {
  const scale = scaled(fraction);
  const suffix = fraction === 1 ? "" : `_${String(fraction).replace(".", "_")}`;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "bench-scorecard-"));
  const seed = DEMO_SEED;
  const benchAt = (name: string, value: number, unit: string) => bench(`${name}${suffix}`, value, unit);
  const sim = await startSimulatorProcess(scale);
  const database = await startEmbeddedDatabase({
    dataDir: path.join(root, "pg"),
    port: await findFreePort(),
    ephemeral: true,
  });
  await applyMigrations(database.url);
  const db = createPrismaClient(database.url);

  const calls = new Map<string, number>();
  let failed = 0;
  const observeCall = (call: AwsCallObservation) => {
    calls.set(call.operation, (calls.get(call.operation) ?? 0) + 1);
    if (call.error) failed += 1;
  };
  const limiter = new PgRateLimiter(db, { name: "bench-sso-admin", ratePerSecond: SSO_RATE, burst: SSO_RATE });
  const port = createIdentityCenterPort(
    { region: "us-east-1", instanceArn: seed.instanceArn, identityStoreId: seed.identityStoreId, endpoint: sim.url },
    { limiter, observeCall },
  );
  const audit = createAuditPort(
    {
      region: "us-east-1",
      endpoint: sim.url,
      roleName: seed.auditRole!.roleName,
      externalId: seed.auditRole!.externalId,
    },
    { observeCall, pollInitialMs: 200, pollMaxMs: 2_000 },
  );

  let peakRss = 0;
  let peakHeap = 0;
  let phaseHeap = 0;
  const phaseHeaps: string[] = [];
  const sampler = setInterval(() => {
    const { rss, heapUsed } = process.memoryUsage();
    peakRss = Math.max(peakRss, rss);
    peakHeap = Math.max(peakHeap, heapUsed);
    phaseHeap = Math.max(phaseHeap, heapUsed);
  }, 100);
  // Which step holds the memory: each phase's own peak heap.
  const endPhase = (name: string) => {
    phaseHeaps.push(`${name} ${Math.round(phaseHeap / 2 ** 20)} MiB`);
    phaseHeap = 0;
  };

  const ctx = { actor: systemActor("scorecard-snapshot"), db, now: () => new Date() };
  const total = (prefix?: string[]) =>
    [...calls].filter(([op]) => !prefix || prefix.includes(op)).reduce((sum, [, n]) => sum + n, 0);
  const started = performance.now();
  try {
    const inventory = await syncInventory({ ctx, port });
    const syncedAt = performance.now();
    endPhase("inventory sync");
    const listing = await snapshotAssignments({ ctx, port, byPrincipal: true });
    const listedAt = performance.now();
    endPhase("assignment listing");
    const snapshot = await takeScorecardSnapshot({ ctx, sources: { port, audit, calls: () => total() } });
    const seconds = (performance.now() - started) / 1000;
    endPhase("measure");

    note(
      `size ${fraction}: ${scale.accounts} accounts, ${scale.permissionSetsPerAccount} sets each, ${scale.assignments} assignments`,
    );
    note(
      `sso-admin + identitystore paced at ${SSO_RATE}/s (one shared bucket, as the worker); timings on a shared machine`,
    );
    const simulatorRss = peakRssOf(sim.child.pid!);
    note(`peak heap per phase: ${phaseHeaps.join(", ")}`);
    if (simulatorRss !== null)
      note(`simulator process (not counted below): peak RSS ${Math.round(simulatorRss / 2 ** 20)} MiB`);
    benchAt("scorecard_accounts", inventory.accounts, "accounts");
    benchAt("scorecard_pairs", listing.pairs, "pairs");
    benchAt("scorecard_assignments_listed", listing.assignments, "assignments");
    benchAt("scorecard_stale_pairs", listing.stalePairs, "pairs");
    benchAt("scorecard_inventory_sync_seconds", (syncedAt - started) / 1000, "s");
    benchAt("scorecard_assignment_listing_seconds", (listedAt - syncedAt) / 1000, "s");
    benchAt("scorecard_measure_seconds", (performance.now() - listedAt) / 1000, "s");
    benchAt("scorecard_full_refresh_seconds", seconds, "s");
    benchAt("scorecard_aws_calls", total(), "calls");
    benchAt("scorecard_assignment_listing_calls", listing.calls, "calls");
    benchAt("scorecard_measure_calls", snapshot.awsCalls ?? 0, "calls");
    benchAt("scorecard_failed_calls", failed, "calls");
    benchAt("scorecard_accounts_not_measured", snapshot.notMeasured, "accounts");
    benchAt("scorecard_peak_rss", Math.round(peakRss / 2 ** 20), "MiB");
    benchAt("scorecard_peak_heap", Math.round(peakHeap / 2 ** 20), "MiB");
    for (const [operation, n] of [...calls].sort((a, b) => b[1] - a[1])) note(`${operation}: ${n}`);
  } finally {
    clearInterval(sampler);
    audit.close();
    port.close();
    await db.$disconnect();
    await new Promise((resolve) => {
      sim.child.once("exit", resolve);
      sim.child.kill("SIGTERM");
    });
    await database.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
