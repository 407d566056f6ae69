// `npm run bench:lifecycle`: grant/removal lag and a 1,000-grant expiry burst against the simulator's default limits.
// Prints `BENCH <name> <value> <unit>` lines. Runs a throwaway Postgres, the simulator and an in-process worker.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { createIdentityCenterPort } from "../../lib/aws/identity-center-port";
import { createPrismaClient } from "../../lib/db";
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
import { startSimulator } from "../../lib/simulator/server";
import { startBoss } from "../../lib/worker/boss";
import { PgRateLimiter } from "../../lib/worker/pg-rate-limiter";
import { SessionLocks } from "../../lib/worker/pg-session-locks";
import { registerInProcessWorker } from "./in-process-worker";
import { bench, percentile } from "./report";

const LAG_GRANTS = 40;
const BURST_GRANTS = 1000;
// Calls one verified removal needs at least: DeleteAccountAssignment, one status lookup, one ListAccountAssignments check.
const CALLS_PER_REMOVAL = 3;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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

  // 1. Lag: real requests (auto-approved, start now), then each grant's end moved to a staggered instant a few seconds ahead.
  const accounts = DEMO_SEED.accounts.filter((a) => a.id !== MANAGEMENT_ACCOUNT_ID);
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
  const waitFor = async (what: string, done: () => Promise<boolean>, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(200);
    }
  };
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
    async () => (await db.grant.count({ where: { requestId: { in: requestIds }, status: "REMOVED" } })) === LAG_GRANTS,
    180_000,
  );
  const removed = await db.grant.findMany({ where: { requestId: { in: requestIds } } });
  const issueLags = removed.map((g) => g.deleteIssuedAt!.getTime() - g.endsAt.getTime());
  const verifiedLags = removed.map((g) => g.deleteVerifiedAt!.getTime() - g.endsAt.getTime());
  bench("lifecycle_delete_issue_lag_p50", percentile(issueLags, 50), "ms");
  bench("lifecycle_delete_issue_lag_p99", percentile(issueLags, 99), "ms");
  bench("lifecycle_delete_verified_lag_p50", percentile(verifiedLags, 50), "ms");
  bench("lifecycle_delete_verified_lag_p99", percentile(verifiedLags, 99), "ms");

  // 2. Burst: 1,000 active grants on distinct tuples, all ending at the same instant.
  const throttledBefore = sim.getState().counters.throttled;
  const callsBefore = Object.values(sim.getState().counters.calls).reduce((a, b) => a + b, 0);
  const burstUser = users[0]!;
  const request = await db.accessRequest.create({
    data: {
      requesterId: burstUser.userId,
      status: "ACTIVE",
      justification: "benchmark burst",
      durationMinutes: 60,
      startsAt: new Date(),
      endsAt: new Date(Date.now() + 3600_000),
      requiredApprovals: 0,
    },
  });
  const burstAt = new Date(Date.now() + 60_000);
  const burstTuples = burstUsers.map((user, i) => ({
    accountId: accounts[i % accounts.length]!.id,
    permissionSetArn: DEMO_SEED.permissionSets[i % DEMO_SEED.permissionSets.length]!.arn,
    principalId: user.userId,
  }));
  for (const tuple of burstTuples) sim.seedAssignment({ ...tuple, principalType: "USER" });
  for (let offset = 0; offset < burstTuples.length; offset += 100) {
    await db.$transaction(
      async (tx) => {
        for (const tuple of burstTuples.slice(offset, offset + 100)) {
          const target = await tx.requestTarget.create({
            data: {
              requestId: request.id,
              accountId: tuple.accountId,
              permissionSetArn: `${tuple.permissionSetArn}#${tuple.principalId}`,
            },
          });
          const grant = await tx.grant.create({
            data: {
              requestId: request.id,
              targetId: target.id,
              userId: burstUser.userId,
              ...tuple,
              status: "ACTIVE",
              startsAt: new Date(),
              endsAt: burstAt,
              createVerifiedAt: new Date(),
            },
          });
          await tx.assignmentTuple.create({ data: { ...tuple, standing: false } });
          await queue.send(
            tx,
            QUEUES.deactivateGrant,
            { grantId: grant.id },
            { startAfter: burstAt, singletonKey: `deactivate-${grant.id}` },
          );
        }
      },
      { timeout: 60_000 },
    );
  }
  if (Date.now() > burstAt.getTime())
    throw new Error("setting up the burst took longer than its lead time; the figures would be wrong");
  await sleep(Math.max(0, burstAt.getTime() - Date.now()));
  await waitFor(
    "the burst",
    async () => (await db.grant.count({ where: { requestId: request.id, status: "REMOVED" } })) === BURST_GRANTS,
    15 * 60_000,
  );
  const burstGrants = await db.grant.findMany({ where: { requestId: request.id }, select: { deleteVerifiedAt: true } });
  const totalSeconds = (Math.max(...burstGrants.map((g) => g.deleteVerifiedAt!.getTime())) - burstAt.getTime()) / 1000;
  const boundSeconds = (BURST_GRANTS * CALLS_PER_REMOVAL) / limits.rateLimitPerSecond;
  const stillAssigned = burstTuples.filter((t) =>
    sim.getState().assignments.some((a) => a.principalId === t.principalId),
  ).length;
  bench("lifecycle_burst_grants", BURST_GRANTS, "grants");
  bench("lifecycle_burst_total", totalSeconds, "s");
  bench("lifecycle_burst_bound", boundSeconds, "s");
  bench("lifecycle_burst_ratio_to_bound", totalSeconds / boundSeconds, "x");
  bench(
    "lifecycle_burst_sso_calls",
    Object.values(sim.getState().counters.calls).reduce((a, b) => a + b, 0) - callsBefore,
    "calls",
  );
  bench("lifecycle_burst_throttled_by_simulator", sim.getState().counters.throttled - throttledBefore, "responses");
  bench("lifecycle_burst_leaked_assignments", stillAssigned, "assignments");

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
