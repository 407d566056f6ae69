// `npm run bench:scale`: an organization of 1,000 accounts (nested OUs) and 100 permission sets in the simulator.
// Times one inventory sync (accounts, OUs, sets, then the assignment snapshot) and one reconciliation cycle through
// the worker's shared rate bucket, and prints their API calls next to the bound. Prints `BENCH <name> <value> <unit>`.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { createIdentityCenterPort } from "../../lib/aws/identity-center-port";
import { createPrismaClient } from "../../lib/db";
import { findFreePort, startEmbeddedDatabase } from "../../lib/db/embedded-postgres";
import { applyMigrations } from "../../lib/db/migrations";
import { parseEnv } from "../../lib/env";
import { createBossJobQueue } from "../../lib/jobs/job-queue";
import { systemActor } from "../../lib/services/context";
import { runInventorySync } from "../../lib/services/inventory/run-inventory-sync";
import { loadPolicy } from "../../lib/services/policy/load-policy";
import { driftDetectionBoundMs } from "../../lib/domain/reconcile-schedule";
import { reconcileAssignments } from "../../lib/services/reconcile/reconcile-assignments";
import type { SimulatorLog } from "../../lib/simulator/runtime";
import { DEMO_SEED, type DemoSeed } from "../../lib/simulator/seed";
import { startSimulator, type SimulatorHandle } from "../../lib/simulator/server";
import { startBoss } from "../../lib/worker/boss";
import { PgRateLimiter } from "../../lib/worker/pg-rate-limiter";
import { bench } from "./report";

const ACCOUNTS = 1000;
const PERMISSION_SETS = 100;
const ASSIGNMENTS = 600;

/** The demo organization grown to 1,000 accounts under 10 x 10 nested OUs, with 100 permission sets. */
function largeOrganization(): DemoSeed {
  const { organization } = DEMO_SEED;
  const ouArn = (id: string) =>
    `arn:aws:organizations::${organization.managementAccountId}:ou/${organization.id}/${id}`;
  const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");
  const units = Array.from({ length: 10 }, (_, top) => {
    const id = `ou-k7m2-scale${hex(top, 3)}`;
    return { id, name: `Division ${top}`, parentId: organization.rootId, arn: ouArn(id) };
  });
  const children = units.flatMap((parent, top) =>
    Array.from({ length: 10 }, (_, child) => {
      const id = `ou-k7m2-team${hex(top * 10 + child, 4)}`;
      return { id, name: `Team ${top}.${child}`, parentId: parent.id, arn: ouArn(id) };
    }),
  );
  const accounts = Array.from({ length: ACCOUNTS }, (_, i) => ({
    id: String(400000000000 + i),
    name: `workload-${i}`,
    email: `aws+workload-${i}@example.com`,
    parentId: children[i % children.length]!.id,
    joinedMethod: "CREATED" as const,
    joinedAtMs: Date.UTC(2022, 0, 1),
  }));
  const instanceId = DEMO_SEED.instanceArn.split("/")[1]!;
  const permissionSets = Array.from({ length: PERMISSION_SETS }, (_, i) => ({
    name: `Role${String(i).padStart(3, "0")}`,
    arn: `arn:aws:sso:::permissionSet/${instanceId}/ps-5ca1e${hex(i, 11)}`,
    description: `Scale set ${i}`,
    sessionDuration: "PT1H",
    createdAtMs: Date.UTC(2022, 0, 1),
  }));
  const storeHex = DEMO_SEED.identityStoreId.slice(2);
  const users = Array.from({ length: 200 }, (_, i) => ({
    ...DEMO_SEED.users[0]!,
    userId: `${storeHex}-${randomUUID()}`,
    userName: `scale${i}@example.com`,
    email: `scale${i}@example.com`,
    displayName: `Scale ${i}`,
  }));
  // Spread over many pairs, as a real organization's standing assignments are.
  const standingAssignments = Array.from({ length: ASSIGNMENTS }, (_, i) => ({
    accountId: accounts[(i * 7) % accounts.length]!.id,
    permissionSetArn: permissionSets[(i * 13) % permissionSets.length]!.arn,
    principalType: "USER" as const,
    principalId: users[i % users.length]!.userId,
  }));
  return {
    ...DEMO_SEED,
    organizationalUnits: [...DEMO_SEED.organizationalUnits, ...units, ...children],
    accounts: [...DEMO_SEED.accounts, ...accounts],
    permissionSets: [...DEMO_SEED.permissionSets, ...permissionSets],
    users: [...DEMO_SEED.users, ...users],
    standingAssignments: [...DEMO_SEED.standingAssignments, ...standingAssignments],
  };
}

/** Calls the simulator saw since `sinceMs` (AWS APIs only), their busiest second and the throttled answers. */
async function observed(sim: SimulatorHandle, sinceMs: number) {
  const log = (await (await fetch(`${sim.url}/__sim/log`)).json()) as SimulatorLog;
  const calls = log.calls.filter((c) => c.atMs >= sinceMs && c.service !== "sts" && c.service !== "iam");
  const times = calls.map((c) => c.atMs).sort((a, b) => a - b);
  let maxRate = 0;
  for (let first = 0, last = 0; last < times.length; last++) {
    while (times[last]! - times[first]! >= 1000) first++;
    maxRate = Math.max(maxRate, last - first + 1);
  }
  return {
    calls: calls.length,
    maxRate,
    throttled: calls.filter((c) => c.outcome === "ThrottlingException" || c.outcome === "TooManyRequestsException")
      .length,
  };
}

async function main() {
  const env = parseEnv({});
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "bench-scale-"));
  fs.chmodSync(root, 0o755);
  const database = await startEmbeddedDatabase({
    dataDir: path.join(root, "pg"),
    port: await findFreePort(),
    ephemeral: true,
  });
  await applyMigrations(database.url);
  const db = createPrismaClient(database.url);
  const seed = largeOrganization();
  // The simulator's default limits: 20 sso-admin requests/s shared, 20/s per Identity Store operation.
  const sim = await startSimulator({ port: 0, seed });
  const boss = await startBoss({ databaseUrl: database.url, role: "worker" });
  const queue = createBossJobQueue(boss);
  const port = createIdentityCenterPort(
    { region: "us-east-1", instanceArn: seed.instanceArn, identityStoreId: seed.identityStoreId, endpoint: sim.url },
    {
      limiter: new PgRateLimiter(db, {
        name: `sso-admin:${seed.instanceArn}`,
        ratePerSecond: env.AWS_REQUESTS_PER_SECOND,
        burst: env.AWS_REQUESTS_PER_SECOND,
      }),
    },
  );
  const ctx = { actor: systemActor("bench"), db, now: () => new Date() };

  // 1. Inventory sync, as the sync-inventory job runs it.
  const syncStarted = Date.now();
  const inventory = await runInventorySync({ ctx, port });
  const snapshot = inventory.assignments;
  const syncSeconds = (Date.now() - syncStarted) / 1000;
  const syncSeen = await observed(sim, syncStarted);
  bench("scale_inventory_accounts", inventory.accounts - DEMO_SEED.accounts.length, "accounts");
  bench("scale_inventory_permission_sets", inventory.permissionSets - DEMO_SEED.permissionSets.length, "sets");
  bench("scale_inventory_sync_total", syncSeconds, "s");
  // What the admin inventory page shows ("the last full sync took N s").
  bench("scale_inventory_sync_reported", inventory.totalDurationMs / 1000, "s");
  bench("scale_inventory_sync_api_calls", syncSeen.calls, "calls");
  bench("scale_inventory_sync_call_floor", syncSeen.calls / env.AWS_REQUESTS_PER_SECOND, "s");
  // A token bucket lets a full bucket (one second's worth) plus one second's refill through in any one second.
  const bucketAllows = `calls (bucket allows ${2 * env.AWS_REQUESTS_PER_SECOND})`;
  bench("scale_inventory_sync_max_calls_in_1s", syncSeen.maxRate, bucketAllows);
  bench("scale_worker_rate", env.AWS_REQUESTS_PER_SECOND, "requests/s");
  bench("scale_inventory_sync_throttled", syncSeen.throttled, "responses");
  bench("scale_inventory_snapshot_stale_pairs", snapshot.stalePairs, "pairs");

  // 2. One reconciliation cycle: the policy names two divisions (200 accounts) and ten sets: 2,000 pairs in scope.
  const divisions = seed.organizationalUnits.filter((ou) => ou.name === "Division 0" || ou.name === "Division 1");
  const scopedSets = seed.permissionSets.slice(DEMO_SEED.permissionSets.length, DEMO_SEED.permissionSets.length + 10);
  const policyFile = path.join(root, "policy.yaml");
  fs.writeFileSync(
    policyFile,
    [
      "version: 1",
      "rules:",
      "  - id: scale-divisions",
      '    requesters: { groups: ["*"] }',
      `    accounts: { ous: [${divisions.map((ou) => JSON.stringify(ou.id)).join(", ")}] }`,
      `    permissionSets: [${scopedSets.map((set) => JSON.stringify(set.name)).join(", ")}]`,
      "    maxDurationMinutes: 480",
      "    approval: { auto: true }",
      "",
    ].join("\n"),
  );
  await loadPolicy({ ctx, input: { file: policyFile } });
  const settings = {
    missing: "mark",
    outOfBand: "report",
    sweepEveryMs: env.RECONCILE_SWEEP_EVERY_SECONDS * 1000,
  } as const;
  const reconcileStarted = Date.now();
  // The first cycle lists every pair in scope: none was listed before, so this is the full sweep.
  const summary = await reconcileAssignments({ ctx, deps: { port, queue, settings } });
  const reconcileSeconds = (Date.now() - reconcileStarted) / 1000;
  const reconcileSeen = await observed(sim, reconcileStarted);
  bench("scale_reconcile_pairs_in_scope", summary.targets, "pairs");
  bench("scale_reconcile_total", reconcileSeconds, "s");
  bench("scale_reconcile_port_calls", summary.calls, "calls");
  bench("scale_reconcile_api_calls", reconcileSeen.calls, "calls");
  bench("scale_reconcile_call_bound", summary.callBound, "calls");
  bench("scale_reconcile_max_calls_in_1s", reconcileSeen.maxRate, bucketAllows);
  bench("scale_reconcile_throttled", reconcileSeen.throttled, "responses");
  console.log(`# reconcile looked up provisioning per ${summary.provisioningBy}`);

  // 3. The next cycle, after one portal write in scope (a standing tuple recorded, as accepting a drift finding does):
  // only that pair is listed; the others wait for their sweep.
  const written = seed.accounts.find((a) =>
    divisions.some((ou) => seed.organizationalUnits.find((c) => c.id === a.parentId)?.parentId === ou.id),
  )!;
  await db.assignmentTuple.create({
    data: {
      accountId: written.id,
      permissionSetArn: scopedSets[0]!.arn,
      principalId: seed.users[0]!.userId,
      standing: true,
      standingSource: "accepted",
    },
  });
  const incrementalStarted = Date.now();
  const incremental = await reconcileAssignments({ ctx, deps: { port, queue, settings } });
  const incrementalSeen = await observed(sim, incrementalStarted);
  bench("scale_reconcile_incremental_pairs_listed", incremental.targets, "pairs");
  bench("scale_reconcile_incremental_pairs_skipped", incremental.skippedPairs, "pairs");
  bench("scale_reconcile_incremental_port_calls", incremental.calls, "calls");
  bench("scale_reconcile_incremental_api_calls", incrementalSeen.calls, "calls");
  bench("scale_reconcile_incremental_call_bound", incremental.callBound, "calls");
  const cycles = Math.max(1, Math.ceil(env.RECONCILE_SWEEP_EVERY_SECONDS / env.RECONCILE_EVERY_SECONDS));
  bench("scale_reconcile_sweep_every", env.RECONCILE_SWEEP_EVERY_SECONDS, `s (a full listing every ${cycles} cycles)`);
  bench(
    "scale_reconcile_drift_detection_bound",
    driftDetectionBoundMs(env.RECONCILE_SWEEP_EVERY_SECONDS * 1000, env.RECONCILE_EVERY_SECONDS * 1000) / 1000,
    "s",
  );
  bench(
    "scale_reconcile_calls_per_cycle_average",
    Math.round((summary.calls + (cycles - 1) * incremental.calls) / cycles),
    "calls (no other writes)",
  );

  await boss.stop({ graceful: false });
  port.close();
  await db.$disconnect();
  await sim.close();
  await database.stop();
  fs.rmSync(root, { recursive: true, force: true });
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
