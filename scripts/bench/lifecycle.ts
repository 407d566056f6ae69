// `npm run bench:lifecycle`: grant/removal lag, then 1,000 grants starting at once and ending at once, against the
// simulator's default limits (20 sso-admin requests/s, 15 creates in flight, 1.5 s operations).
// Prints `BENCH <name> <value> <unit>` lines. Runs a throwaway Postgres, the simulator and an in-process worker.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { createIdentityCenterPort } from "../../lib/aws/identity-center-port";
import { createPrismaClient, type PrismaClient } from "../../lib/db";
import { findFreePort, startEmbeddedDatabase } from "../../lib/db/embedded-postgres";
import { applyMigrations } from "../../lib/db/migrations";
import { PERSONAS } from "../../lib/demo/personas";
import { parseEnv } from "../../lib/env";
import { createBossJobQueue } from "../../lib/jobs/job-queue";
import { QUEUES } from "../../lib/jobs/queues";
import { systemActor, type UserActor } from "../../lib/services/context";
import { syncInventory } from "../../lib/services/inventory/sync-inventory";
import { loadPolicy } from "../../lib/services/policy/load-policy";
import { createRequest } from "../../lib/services/requests/create-request";
import { DEMO_SEED, MANAGEMENT_ACCOUNT_ID } from "../../lib/simulator/seed";
import type { SimulatorLog } from "../../lib/simulator/runtime";
import { startSimulator, type SimulatorHandle } from "../../lib/simulator/server";
import { startBoss } from "../../lib/worker/boss";
import { PgRateLimiter } from "../../lib/worker/pg-rate-limiter";
import { SessionLocks } from "../../lib/worker/pg-session-locks";
import { registerInProcessWorker } from "./in-process-worker";
import { bench, percentile } from "./report";

const LAG_GRANTS = 40;
// `BENCH_BURST_GRANTS=200` for a quicker look while tuning; the figures compared are for 1,000.
const BURST_GRANTS = Number(process.env.BENCH_BURST_GRANTS ?? 1000);
// The expiry burst before batched verification (issue 14): one Describe and one listing per removal.
const BEFORE = { seconds: 166.7, calls: 3160 };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, done: () => Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** Makes the queued jobs of these grants due at one instant (one statement, so none starts early). */
async function dueAt(db: PrismaClient, queueName: string, grantIds: string[], at: Date) {
  const moved = await db.$executeRaw`
    UPDATE pgboss.job SET start_after = ${at}
    WHERE name = ${queueName} AND state = 'created' AND data->>'grantId' = ANY(${grantIds})`;
  if (moved < grantIds.length) throw new Error(`only ${moved} of ${grantIds.length} ${queueName} jobs were queued`);
}

/** Runs a burst from `at` until `finish` says when its last grant settled; reads the simulator's log for what AWS saw. */
async function measureBurst(sim: SimulatorHandle, at: Date, finish: () => Promise<number>) {
  const before = sim.getState().counters;
  await sleep(Math.max(0, at.getTime() - Date.now()));
  const finishedAtMs = await finish();
  const after = sim.getState().counters;
  const byOperation = Object.fromEntries(
    Object.entries(after.calls)
      .map(([operation, count]) => [operation, count - (before.calls[operation] ?? 0)] as const)
      .filter(([, count]) => count > 0),
  );
  const log = (await (await fetch(`${sim.url}/__sim/log`)).json()) as SimulatorLog;
  const calls = log.calls.filter((c) => c.atMs >= at.getTime() && c.service !== "sts" && c.service !== "iam");
  return {
    seconds: (finishedAtMs - at.getTime()) / 1000,
    calls: calls.length,
    byOperation,
    throttled: after.throttled - before.throttled,
    maxRate: maxInAnySecond(calls.map((c) => c.atMs)),
    peakInflight: {
      create: peakOverlap(log.operations.filter((o) => o.kind === "create" && o.createdAtMs >= at.getTime())),
      delete: peakOverlap(log.operations.filter((o) => o.kind === "delete" && o.createdAtMs >= at.getTime())),
    },
  };
}

/** Most calls that arrived within any one-second window. */
function maxInAnySecond(times: number[]) {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let first = 0, last = 0; last < sorted.length; last++) {
    while (sorted[last]! - sorted[first]! >= 1000) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

/** Most operations outstanding at once (started, not yet finished). */
function peakOverlap(operations: { createdAtMs: number; completesAtMs: number }[]) {
  const edges = operations.flatMap((o) => [
    [o.createdAtMs, 1],
    [o.completesAtMs, -1],
  ]);
  edges.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let open = 0;
  let peak = 0;
  for (const [, delta] of edges) peak = Math.max(peak, (open += delta!));
  return peak;
}

function printCallsByOperation(what: string, byOperation: Record<string, number>) {
  for (const [operation, count] of Object.entries(byOperation).sort((a, b) => b[1] - a[1]))
    console.log(`# ${what}: ${operation} ${count}`);
}

async function main() {
  const env = parseEnv({});
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "bench-lifecycle-"));
  fs.chmodSync(root, 0o755);
  const database = await startEmbeddedDatabase({
    dataDir: path.join(root, "pg"),
    port: await findFreePort(),
    ephemeral: true,
  });
  await applyMigrations(database.url);
  const db = createPrismaClient(database.url);
  // The simulator's defaults: 20 sso-admin requests/s shared, 15 creates in flight, 1.5 s async operations.
  const storeHex = DEMO_SEED.identityStoreId.slice(2);
  // The burst needs 1,000 distinct user tuples: the demo identity store plus synthetic users.
  const burstUsers = Array.from({ length: BURST_GRANTS }, (_, i) => ({
    ...DEMO_SEED.users[0]!,
    userId: `${storeHex}-${randomUUID()}`,
    userName: `bench${i}@example.com`,
    email: `bench${i}@example.com`,
    displayName: `Bench ${i}`,
  }));
  const sim = await startSimulator({ port: 0, seed: { ...DEMO_SEED, users: [...DEMO_SEED.users, ...burstUsers] } });
  const limits = sim.getState().config;
  const boss = await startBoss({ databaseUrl: database.url, role: "worker" });
  const queue = createBossJobQueue(boss);
  const port = createIdentityCenterPort(
    {
      region: "us-east-1",
      instanceArn: DEMO_SEED.instanceArn,
      identityStoreId: DEMO_SEED.identityStoreId,
      endpoint: sim.url,
    },
    // The production worker's limits: a token bucket and create slots shared through Postgres, as in lib/worker/main.ts.
    {
      limiter: new PgRateLimiter(db, {
        name: `sso-admin:${DEMO_SEED.instanceArn}`,
        ratePerSecond: env.AWS_REQUESTS_PER_SECOND,
        burst: env.AWS_REQUESTS_PER_SECOND,
      }),
    },
  );
  const locks = new SessionLocks(database.url);
  const ctx = { actor: systemActor("bench"), db, now: () => new Date() };
  const policyFile = path.join(root, "policy.yaml");
  fs.writeFileSync(
    policyFile,
    `version: 1\nrules:\n  - id: bench-self-service\n    requesters: { groups: ["*"] }\n    accounts: { ids: ["*"] }\n    permissionSets: ["*"]\n    maxDurationMinutes: 480\n    approval: { auto: true }\n`,
  );
  await loadPolicy({ ctx, input: { file: policyFile } });
  await syncInventory({ ctx, port });
  const users: UserActor[] = [];
  for (const persona of PERSONAS) {
    const user = await db.user.create({
      data: { email: persona.email, name: persona.name, roles: ["REQUESTER"], idpGroups: persona.groups },
    });
    users.push({
      type: "user",
      userId: user.id,
      email: persona.email,
      name: persona.name,
      roles: ["REQUESTER"],
      groups: persona.groups,
      identityStoreUserId: null,
      ip: null,
      userAgent: null,
    });
  }
  await registerInProcessWorker({ db, boss, queue, port, locks, maxInflightCreates: env.AWS_MAX_INFLIGHT_CREATES });

  const accounts = DEMO_SEED.accounts.filter((a) => a.id !== MANAGEMENT_ACCOUNT_ID);
  // `-- --bursts-only` skips the lag measurement (its removals also cut live sessions, which takes long under load).
  if (!process.argv.includes("--bursts-only")) {
    // 1. Lag: real requests (auto-approved, start now), then each grant's end moved to a staggered instant a few seconds ahead.
    const targets = users
      .flatMap((user) =>
        accounts.flatMap((account) =>
          DEMO_SEED.permissionSets.map((set) => ({ user, accountId: account.id, permissionSetArn: set.arn })),
        ),
      )
      .slice(0, LAG_GRANTS);
    const requestIds: string[] = [];
    for (const target of targets) {
      // Spaced like people approving one at a time, so the lag measured is the worker's, not a queue of 40 creates.
      await sleep(400);
      const created = await createRequest({
        ctx: { ...ctx, actor: target.user },
        queue,
        input: {
          targets: [{ accountId: target.accountId, permissionSetArn: target.permissionSetArn }],
          durationMinutes: 60,
          startMode: "now",
          justification: "benchmark grant lifecycle",
        },
      });
      requestIds.push(created.requestId);
    }
    await waitFor(
      "activation",
      async () => (await db.grant.count({ where: { requestId: { in: requestIds }, status: "ACTIVE" } })) === LAG_GRANTS,
      120_000,
    );
    const activated = await db.grant.findMany({ where: { requestId: { in: requestIds } } });
    const createLags = activated.map((g) => g.createIssuedAt!.getTime() - g.startsAt.getTime());
    bench("lifecycle_create_issue_lag_p50", percentile(createLags, 50), "ms");
    bench("lifecycle_create_issue_lag_p99", percentile(createLags, 99), "ms");
    bench(
      "lifecycle_create_verified_lag_p99",
      percentile(
        activated.map((g) => g.createVerifiedAt!.getTime() - g.startsAt.getTime()),
        99,
      ),
      "ms",
    );

    const base = Date.now() + 5_000;
    await db.$transaction(async (tx) => {
      for (const [index, grant] of activated.entries()) {
        const endsAt = new Date(base + index * 250);
        await tx.grant.update({ where: { id: grant.id }, data: { endsAt } });
        await queue.send(
          tx,
          QUEUES.deactivateGrant,
          { grantId: grant.id },
          { startAfter: endsAt, singletonKey: `deactivate-${grant.id}-${endsAt.getTime()}` },
        );
      }
    });
    await waitFor(
      "removal",
      async () =>
        (await db.grant.count({ where: { requestId: { in: requestIds }, status: "REMOVED" } })) === LAG_GRANTS,
      180_000,
    );
    const removed = await db.grant.findMany({ where: { requestId: { in: requestIds } } });
    const issueLags = removed.map((g) => g.deleteIssuedAt!.getTime() - g.endsAt.getTime());
    const verifiedLags = removed.map((g) => g.deleteVerifiedAt!.getTime() - g.endsAt.getTime());
    bench("lifecycle_delete_issue_lag_p50", percentile(issueLags, 50), "ms");
    bench("lifecycle_delete_issue_lag_p99", percentile(issueLags, 99), "ms");
    bench("lifecycle_delete_verified_lag_p50", percentile(verifiedLags, 50), "ms");
    bench("lifecycle_delete_verified_lag_p99", percentile(verifiedLags, 99), "ms");
  }

  // 2. Bursts on 1,000 distinct user tuples (8 account x permission set pairs): all starting at one instant, then all
  // ending at one instant. Session revocation is off for them: its inline-policy edits are a separate cost (see README).
  const burstUser = users[0]!;
  const request = await db.accessRequest.create({
    data: {
      requesterId: burstUser.userId,
      status: "APPROVED",
      justification: "benchmark burst",
      durationMinutes: 60,
      startsAt: new Date(),
      endsAt: new Date(Date.now() + 3600_000),
      requiredApprovals: 0,
    },
  });
  const burstTuples = burstUsers.map((user, i) => ({
    accountId: accounts[i % accounts.length]!.id,
    permissionSetArn: DEMO_SEED.permissionSets[i % DEMO_SEED.permissionSets.length]!.arn,
    principalId: user.userId,
  }));
  // Queued far ahead, then brought to one instant once everything is written: setup time never shifts the burst.
  const placeholder = new Date(Date.now() + 24 * 3600_000);
  const grantIds: string[] = [];
  for (let offset = 0; offset < burstTuples.length; offset += 100) {
    await db.$transaction(
      async (tx) => {
        for (const tuple of burstTuples.slice(offset, offset + 100)) {
          const target = await tx.requestTarget.create({
            data: {
              requestId: request.id,
              accountId: tuple.accountId,
              permissionSetArn: `${tuple.permissionSetArn}#${tuple.principalId}`,
              revokeSessionsOnEnd: false,
            },
          });
          const grant = await tx.grant.create({
            data: {
              requestId: request.id,
              targetId: target.id,
              userId: burstUser.userId,
              ...tuple,
              status: "SCHEDULED",
              startsAt: placeholder,
              endsAt: new Date(placeholder.getTime() + 3600_000),
            },
          });
          grantIds.push(grant.id);
          await queue.send(
            tx,
            QUEUES.activateGrant,
            { grantId: grant.id },
            { startAfter: placeholder, singletonKey: `activate-${grant.id}` },
          );
        }
      },
      { timeout: 60_000 },
    );
  }
  const startAt = new Date(Date.now() + 5_000);
  await db.grant.updateMany({
    where: { requestId: request.id },
    data: { startsAt: startAt, endsAt: new Date(startAt.getTime() + 3600_000) },
  });
  await dueAt(db, QUEUES.activateGrant, grantIds, startAt);
  const create = await measureBurst(sim, startAt, async () => {
    await waitFor(
      "the start burst",
      async () => (await db.grant.count({ where: { requestId: request.id, status: "ACTIVE" } })) === BURST_GRANTS,
      30 * 60_000,
    );
    const grants = await db.grant.findMany({ where: { requestId: request.id }, select: { createVerifiedAt: true } });
    return Math.max(...grants.map((g) => g.createVerifiedAt!.getTime()));
  });
  // How long each create held its in-flight slot, about: from issued to seen finished (AWS takes asyncDelayMs).
  const createHolds = (
    await db.grant.findMany({
      where: { requestId: request.id },
      select: { createIssuedAt: true, createVerifiedAt: true },
    })
  ).map((g) => g.createVerifiedAt!.getTime() - g.createIssuedAt!.getTime());
  // The worker's own pace (AWS_REQUESTS_PER_SECOND, a little under AWS's 20/s) sets the one-call bound.
  const rate = env.AWS_REQUESTS_PER_SECOND;
  const createRateBound = BURST_GRANTS / rate;
  // AWS counts a create as outstanding until it finishes; the worker frees its slot once it has seen it finish.
  const createInflightBound = (BURST_GRANTS * limits.asyncDelayMs) / 1000 / env.AWS_MAX_INFLIGHT_CREATES;
  const createBound = Math.max(createRateBound, createInflightBound);
  bench("lifecycle_start_burst_grants", BURST_GRANTS, "grants");
  bench("lifecycle_start_burst_total", create.seconds, "s");
  bench("lifecycle_start_burst_bound", createBound, "s");
  bench("lifecycle_start_burst_ratio_to_bound", create.seconds / createBound, "x");
  bench("lifecycle_start_burst_sso_calls", create.calls, "calls");
  bench("lifecycle_start_burst_calls_per_grant", create.calls / BURST_GRANTS, "calls");
  bench("lifecycle_start_burst_create_issued_to_verified_p50", percentile(createHolds, 50), "ms");
  bench("lifecycle_start_burst_create_issued_to_verified_p99", percentile(createHolds, 99), "ms");
  bench("lifecycle_start_burst_aws_operation_time", limits.asyncDelayMs, "ms");
  bench("lifecycle_start_burst_peak_inflight_creates", create.peakInflight.create, "operations");
  bench("lifecycle_start_burst_inflight_limit", env.AWS_MAX_INFLIGHT_CREATES, "operations");
  bench("lifecycle_start_burst_max_calls_in_1s", create.maxRate, `calls (bucket allows ${2 * rate})`);
  bench("lifecycle_start_burst_throttled_by_simulator", create.throttled, "responses");
  printCallsByOperation("start burst", create.byOperation);

  // All end at one instant: move each end there, and its deactivation job (queued at activation for the old end).
  const endAt = new Date(Date.now() + 5_000);
  await db.grant.updateMany({ where: { requestId: request.id }, data: { endsAt: endAt } });
  await dueAt(db, QUEUES.deactivateGrant, grantIds, endAt);
  const removal = await measureBurst(sim, endAt, async () => {
    await waitFor(
      "the expiry burst",
      async () => (await db.grant.count({ where: { requestId: request.id, status: "REMOVED" } })) === BURST_GRANTS,
      30 * 60_000,
    );
    const grants = await db.grant.findMany({ where: { requestId: request.id }, select: { deleteVerifiedAt: true } });
    return Math.max(...grants.map((g) => g.deleteVerifiedAt!.getTime()));
  });
  const removed = await db.grant.findMany({
    where: { requestId: request.id },
    select: { deleteIssuedAt: true, deleteVerifiedAt: true },
  });
  // Issuing every delete is what the rate bounds; verifying is what the shared reads add after each one.
  const lastDeleteIssued = Math.max(...removed.map((g) => g.deleteIssuedAt!.getTime()));
  const deleteVerifications = removed.map((g) => g.deleteVerifiedAt!.getTime() - g.deleteIssuedAt!.getTime());
  const boundSeconds = BURST_GRANTS / rate;
  const assigned = new Set(sim.getState().assignments.map((a) => a.principalId));
  const stillAssigned = burstTuples.filter((t) => assigned.has(t.principalId)).length;
  bench("lifecycle_burst_grants", BURST_GRANTS, "grants");
  bench("lifecycle_burst_total", removal.seconds, "s");
  bench("lifecycle_burst_bound", boundSeconds, "s");
  bench("lifecycle_burst_ratio_to_bound", removal.seconds / boundSeconds, "x");
  bench("lifecycle_burst_sso_calls", removal.calls, "calls");
  bench("lifecycle_burst_calls_per_removal", removal.calls / BURST_GRANTS, "calls");
  bench("lifecycle_burst_before_total", BEFORE.seconds, "s");
  bench("lifecycle_burst_before_sso_calls", BEFORE.calls, "calls");
  bench("lifecycle_burst_last_delete_issued", (lastDeleteIssued - endAt.getTime()) / 1000, "s");
  bench("lifecycle_burst_delete_issued_to_verified_p50", percentile(deleteVerifications, 50), "ms");
  bench("lifecycle_burst_delete_issued_to_verified_p99", percentile(deleteVerifications, 99), "ms");
  bench("lifecycle_burst_peak_inflight_deletes", removal.peakInflight.delete, "operations");
  // A full bucket (one second's worth) plus a second's refill: what a token bucket lets through in any one second.
  bench("lifecycle_burst_max_calls_in_1s", removal.maxRate, `calls (bucket allows ${2 * rate})`);
  bench("lifecycle_burst_worker_rate", rate, "requests/s");
  bench("lifecycle_burst_simulator_rate_limit", limits.rateLimitPerSecond, "requests/s");
  bench("lifecycle_burst_throttled_by_simulator", removal.throttled, "responses");
  bench("lifecycle_burst_leaked_assignments", stillAssigned, "assignments");
  printCallsByOperation("expiry burst", removal.byOperation);

  await boss.stop({ graceful: false });
  await locks.close();
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
