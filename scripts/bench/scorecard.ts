// `npm run bench:scorecard`: one full scorecard refresh over a large simulated organization (1,000 accounts, 50 permission
// sets provisioned to each, 5,000 standing assignments): inventory sync, every assignment listed by principal, managed
// policies and every account's credential report. sso-admin and identitystore share one 20 requests/s bucket, as the
// worker's; the simulator throttles above its documented limits too. BENCH_QUICK=1 runs a tenth of the organization.
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
import { BENCH_SCALE, scaledSeed } from "../../lib/simulator/seed-scale";
import { startSimulator } from "../../lib/simulator/server";
import { PgRateLimiter } from "../../lib/worker/pg-rate-limiter";
import { bench, note } from "./report";

const QUICK = process.env.BENCH_QUICK === "1";
const SSO_RATE = 20;
const scale = QUICK
  ? { ...BENCH_SCALE, accounts: BENCH_SCALE.accounts / 10, assignments: BENCH_SCALE.assignments / 10 }
  : BENCH_SCALE;

async function main() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "bench-scorecard-"));
  const seed = scaledSeed(scale);
  const sim = await startSimulator({ port: 0, seed, config: { asyncDelayMs: 0 } });
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
  const rssSamples: number[] = [];
  const sampler = setInterval(() => {
    const { rss, heapUsed } = process.memoryUsage();
    peakRss = Math.max(peakRss, rss);
    peakHeap = Math.max(peakHeap, heapUsed);
    rssSamples.push(rss);
  }, 250);

  const ctx = { actor: systemActor("scorecard-snapshot"), db, now: () => new Date() };
  const total = (prefix?: string[]) =>
    [...calls].filter(([op]) => !prefix || prefix.includes(op)).reduce((sum, [, n]) => sum + n, 0);
  const started = performance.now();
  try {
    const inventory = await syncInventory({ ctx, port });
    const syncedAt = performance.now();
    const listing = await snapshotAssignments({ ctx, port, byPrincipal: true });
    const listedAt = performance.now();
    const snapshot = await takeScorecardSnapshot({ ctx, sources: { port, audit, calls: () => total() } });
    const seconds = (performance.now() - started) / 1000;

    note(
      `${QUICK ? "BENCH_QUICK: " : ""}${scale.accounts} accounts, ${scale.permissionSetsPerAccount} sets each, ${scale.assignments} assignments`,
    );
    note(
      `sso-admin + identitystore paced at ${SSO_RATE}/s (one shared bucket, as the worker); timings on a shared machine`,
    );
    bench("scorecard_accounts", inventory.accounts, "accounts");
    bench("scorecard_pairs", listing.pairs, "pairs");
    bench("scorecard_assignments_listed", listing.assignments, "assignments");
    bench("scorecard_stale_pairs", listing.stalePairs, "pairs");
    bench("scorecard_inventory_sync_seconds", (syncedAt - started) / 1000, "s");
    bench("scorecard_assignment_listing_seconds", (listedAt - syncedAt) / 1000, "s");
    bench("scorecard_measure_seconds", (performance.now() - listedAt) / 1000, "s");
    bench("scorecard_full_refresh_seconds", seconds, "s");
    bench("scorecard_aws_calls", total(), "calls");
    bench("scorecard_assignment_listing_calls", listing.calls, "calls");
    bench("scorecard_measure_calls", snapshot.awsCalls ?? 0, "calls");
    bench("scorecard_failed_calls", failed, "calls");
    bench("scorecard_accounts_not_measured", snapshot.notMeasured, "accounts");
    bench("scorecard_peak_rss", Math.round(peakRss / 2 ** 20), "MiB");
    bench("scorecard_peak_heap", Math.round(peakHeap / 2 ** 20), "MiB");
    for (const [operation, n] of [...calls].sort((a, b) => b[1] - a[1])) note(`${operation}: ${n}`);
  } finally {
    clearInterval(sampler);
    audit.close();
    port.close();
    await db.$disconnect();
    await sim.close();
    await database.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
