// `npm run bench:sessions`: grant end → the user's open AWS session denied, and 100 grants of one permission set ending
// together. Prints `BENCH <name> <value> <unit>` lines. Runs a throwaway Postgres, the simulator at its default limits
// (20 sso-admin requests/s, 1.5 s async operations) and an in-process worker, as the production worker is wired.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { IAMClient, ListAccountAliasesCommand } from "@aws-sdk/client-iam";
import { GetRoleCredentialsCommand, SSOClient } from "@aws-sdk/client-sso";
import { createIdentityCenterPort } from "../../lib/aws/identity-center-port";
import { createPrismaClient } from "../../lib/db";
import { findFreePort, startEmbeddedDatabase } from "../../lib/db/embedded-postgres";
import { applyMigrations } from "../../lib/db/migrations";
import {
  INLINE_POLICY_MAX_NON_WHITESPACE_BYTES,
  measure,
  planInlinePolicy,
  readPortalStatements,
  type TrackedRevocation,
} from "../../lib/domain/session-revocation";
import { parseEnv } from "../../lib/env";
import { createBossJobQueue } from "../../lib/jobs/job-queue";
import { QUEUES } from "../../lib/jobs/queues";
import { systemActor } from "../../lib/services/context";
import { syncInventory } from "../../lib/services/inventory/sync-inventory";
import { DEMO_SEED, MANAGEMENT_ACCOUNT_ID, type SeedUser } from "../../lib/simulator/seed";
import { startSimulator } from "../../lib/simulator/server";
import { startBoss } from "../../lib/worker/boss";
import { PgRateLimiter } from "../../lib/worker/pg-rate-limiter";
import { SessionLocks } from "../../lib/worker/pg-session-locks";
import { registerInProcessWorker } from "./in-process-worker";
import { bench, note, percentile } from "./report";

const LAG_GRANTS = 20;
const LAG_SPACING_MS = 1_500;
const BURST_GRANTS = 100;
const TARGET_P99_MS = 30_000;
// How long a burst session is probed after the end before it counts as never denied.
const BURST_DEADLINE_MS = 3 * 60_000;
const PROBE_EVERY_MS = 200;
// The operations a revocation adds to a removal (policy read/write, provisioning and its status, the session duration).
const REVOCATION_OPERATIONS = [
  "GetInlinePolicyForPermissionSet",
  "PutInlinePolicyToPermissionSet",
  "DeleteInlinePolicyFromPermissionSet",
  "ProvisionPermissionSet",
  "DescribePermissionSetProvisioningStatus",
  "ListPermissionSetProvisioningStatus",
  "DescribePermissionSet",
];
// Everything else the simulator counts that is not sso-admin: the user's side and the directory reads.
const NOT_SSO_ADMIN = new Set([
  "GetRoleCredentials",
  "ListAccounts",
  "ListAccountRoles",
  "Logout",
  "ListAccountAliases",
  "GetCallerIdentity",
]);

/** How many users of one account with distinct cutoffs one empty inline policy holds before the portal refuses to grow it. */
function policyCapacity(): number {
  const now = new Date();
  const tracked: TrackedRevocation[] = [];
  for (;;) {
    tracked.push({
      identityStoreUserId: `9067a1b2c3-${randomUUID()}`,
      accountId: "210987654321",
      cutoff: new Date(now.getTime() + tracked.length * 1000),
      expiresAt: new Date(now.getTime() + 3_600_000),
    });
    if (planInlinePolicy(null, tracked, now).kind === "too-large") return tracked.length - 1;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Session {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}

async function main() {
  const env = parseEnv({});
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "bench-sessions-"));
  fs.chmodSync(root, 0o755);
  const database = await startEmbeddedDatabase({
    dataDir: path.join(root, "pg"),
    port: await findFreePort(),
    ephemeral: true,
  });
  await applyMigrations(database.url);
  const db = createPrismaClient(database.url);
  const storeHex = DEMO_SEED.identityStoreId.slice(2);
  const benchUsers: SeedUser[] = Array.from({ length: LAG_GRANTS + BURST_GRANTS }, (_, i) => ({
    ...DEMO_SEED.users[0]!,
    userId: `${storeHex}-${randomUUID()}`,
    userName: `bench${i}@example.com`,
    email: `bench${i}@example.com`,
    displayName: `Bench ${i}`,
  }));
  const sim = await startSimulator({ port: 0, seed: { ...DEMO_SEED, users: [...DEMO_SEED.users, ...benchUsers] } });
  const boss = await startBoss({ databaseUrl: database.url, role: "worker" });
  const queue = createBossJobQueue(boss);
  const port = createIdentityCenterPort(
    {
      region: "us-east-1",
      instanceArn: DEMO_SEED.instanceArn,
      identityStoreId: DEMO_SEED.identityStoreId,
      endpoint: sim.url,
    },
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
  await syncInventory({ ctx, port });
  await registerInProcessWorker({ db, boss, queue, port, locks, maxInflightCreates: env.AWS_MAX_INFLIGHT_CREATES });

  const portal = new SSOClient({ endpoint: sim.url, region: "us-east-1", maxAttempts: 1 });
  /** The user's side: an access-portal token, then role credentials, with the real SSO client. */
  async function openSession(user: SeedUser, accountId: string, roleName: string): Promise<Session> {
    const { accessToken } = sim.issuePortalToken(user.userId);
    const output = await portal.send(new GetRoleCredentialsCommand({ accessToken, accountId, roleName }));
    const { accessKeyId, secretAccessKey, sessionToken } = output.roleCredentials!;
    return { accessKeyId: accessKeyId!, secretAccessKey: secretAccessKey!, sessionToken: sessionToken! };
  }
  /** True once the session's ordinary call is refused with an explicit deny (the real IAM client). */
  async function denied(session: Session): Promise<boolean> {
    const iam = new IAMClient({ endpoint: sim.url, region: "us-east-1", maxAttempts: 1, credentials: session });
    try {
      await iam.send(new ListAccountAliasesCommand({}));
      return false;
    } catch (error) {
      if ((error as Error).name === "AccessDenied" && (error as Error).message.includes("explicit deny")) return true;
      throw error;
    }
  }

  const requester = await db.user.create({ data: { email: "bench@example.com", roles: ["REQUESTER"] } });
  /** ACTIVE grants whose assignments exist in the simulator, each ending at its `endsAt` through the worker's queue. */
  async function activeGrants(grants: { user: SeedUser; accountId: string; permissionSetArn: string; endsAt: Date }[]) {
    const request = await db.accessRequest.create({
      data: {
        requesterId: requester.id,
        status: "ACTIVE",
        justification: "benchmark session revocation",
        durationMinutes: 60,
        startsAt: new Date(),
        endsAt: new Date(Math.max(...grants.map((g) => g.endsAt.getTime()))),
        requiredApprovals: 0,
      },
    });
    const created: { id: string; endsAt: Date }[] = [];
    for (const g of grants) {
      sim.seedAssignment({
        accountId: g.accountId,
        permissionSetArn: g.permissionSetArn,
        principalType: "USER",
        principalId: g.user.userId,
      });
      const grant = await db.$transaction(async (tx) => {
        const user = await tx.user.create({
          data: { email: g.user.email, identityStoreUserId: g.user.userId, roles: ["REQUESTER"] },
        });
        // Each grant its own target row (the target is unique per request and tuple; the user tells them apart).
        const target = await tx.requestTarget.create({
          data: {
            requestId: request.id,
            accountId: g.accountId,
            permissionSetArn: `${g.permissionSetArn}#${g.user.userId}`,
          },
        });
        const row = await tx.grant.create({
          data: {
            requestId: request.id,
            targetId: target.id,
            userId: user.id,
            accountId: g.accountId,
            permissionSetArn: g.permissionSetArn,
            principalId: g.user.userId,
            status: "ACTIVE",
            startsAt: new Date(),
            endsAt: g.endsAt,
            createVerifiedAt: new Date(),
          },
        });
        await tx.assignmentTuple.create({
          data: {
            accountId: g.accountId,
            permissionSetArn: g.permissionSetArn,
            principalId: g.user.userId,
            standing: false,
          },
        });
        await queue.send(
          tx,
          QUEUES.deactivateGrant,
          { grantId: row.id },
          { startAfter: g.endsAt, singletonKey: `deactivate-${row.id}` },
        );
        return row;
      });
      created.push({ id: grant.id, endsAt: grant.endsAt });
    }
    return { requestId: request.id, grants: created };
  }
  /** Probes each session from its grant's end until it is denied; the lag from the end, or null past the deadline. */
  async function timeToDenied(sessions: { session: Session; endsAt: Date }[], deadlineMs: number) {
    return Promise.all(
      sessions.map(async ({ session, endsAt }) => {
        await sleep(Math.max(0, endsAt.getTime() - Date.now()));
        while (Date.now() < endsAt.getTime() + deadlineMs) {
          if (await denied(session)) return Date.now() - endsAt.getTime();
          await sleep(PROBE_EVERY_MS);
        }
        return null;
      }),
    );
  }
  const ssoAdminCalls = () =>
    Object.entries(sim.getState().counters.calls).reduce(
      (sum, [operation, count]) => sum + (NOT_SSO_ADMIN.has(operation) ? 0 : count),
      0,
    );
  const revocationCalls = () =>
    REVOCATION_OPERATIONS.reduce((sum, operation) => sum + (sim.getState().counters.calls[operation] ?? 0), 0);

  // 1. Lag: grants on different permission sets and accounts, ending 1.5 s apart, each with a session opened before its end.
  const accounts = DEMO_SEED.accounts.filter((a) => a.id !== MANAGEMENT_ACCOUNT_ID);
  const lagStart = Date.now() + 20_000;
  const lagSpecs = benchUsers.slice(0, LAG_GRANTS).map((user, i) => ({
    user,
    accountId: accounts[i % accounts.length]!.id,
    permissionSetArn: DEMO_SEED.permissionSets[i % DEMO_SEED.permissionSets.length]!.arn,
    endsAt: new Date(lagStart + i * LAG_SPACING_MS),
  }));
  await activeGrants(lagSpecs);
  const lagSessions = await Promise.all(
    lagSpecs.map(async (spec) => ({
      session: await openSession(
        spec.user,
        spec.accountId,
        DEMO_SEED.permissionSets.find((s) => s.arn === spec.permissionSetArn)!.name,
      ),
      endsAt: spec.endsAt,
    })),
  );
  if (Date.now() > lagStart) throw new Error("setting up the lag grants took longer than their lead time");
  for (const { session } of lagSessions)
    if (await denied(session)) throw new Error("a session was denied before its grant ended");
  const lags = await timeToDenied(lagSessions, 120_000);
  const measured = lags.filter((lag): lag is number => lag !== null);
  bench("sessions_grants", LAG_GRANTS, "grants");
  bench("sessions_end_to_denied_p50", percentile(measured, 50), "ms");
  bench("sessions_end_to_denied_p99", percentile(measured, 99), "ms");
  bench("sessions_end_to_denied_max", Math.max(...measured), "ms");
  bench("sessions_never_denied", lags.length - measured.length, "sessions");
  note(
    `target: p99 <= ${TARGET_P99_MS} ms, including provisioning (simulator async delay ${sim.getState().config.asyncDelayMs} ms)`,
  );

  // 2. Burst: 100 grants of one permission set in one account, all ending at the same instant.
  const burstSet = DEMO_SEED.permissionSets.find((s) => s.name === "ReadOnly")!;
  const burstAccount = accounts.find((a) => a.name === "data-staging") ?? accounts[0]!;
  const callsBefore = ssoAdminCalls();
  const revocationCallsBefore = revocationCalls();
  const throttledBefore = sim.getState().counters.throttled;
  const burstAt = new Date(Date.now() + 45_000);
  const burstSpecs = benchUsers.slice(LAG_GRANTS).map((user) => ({
    user,
    accountId: burstAccount.id,
    permissionSetArn: burstSet.arn,
    endsAt: burstAt,
  }));
  const burst = await activeGrants(burstSpecs);
  const burstSessions = await Promise.all(
    burstSpecs.map(async (spec) => ({
      session: await openSession(spec.user, spec.accountId, burstSet.name),
      endsAt: burstAt,
    })),
  );
  if (Date.now() > burstAt.getTime())
    throw new Error("setting up the burst took longer than its lead time; the figures would be wrong");
  const burstLags = await timeToDenied(burstSessions, BURST_DEADLINE_MS);
  const deadline = Date.now() + 10 * 60_000;
  while (
    (await db.grant.count({ where: { requestId: burst.requestId, status: { in: ["ACTIVE", "REMOVING"] } } })) > 0
  ) {
    if (Date.now() > deadline) throw new Error("the burst's removals did not finish in 10 minutes");
    await sleep(500);
  }
  const burstDenied = burstLags.filter((lag): lag is number => lag !== null);
  const policy = (await port.getInlinePolicy(burstSet.arn)) ?? "";
  const statements = readPortalStatements(policy);
  const revocations = await db.sessionRevocation.groupBy({
    by: ["status"],
    where: { permissionSetArn: burstSet.arn, accountId: burstAccount.id },
    _count: true,
  });
  const alerts = await db.alert.count({ where: { kind: { startsWith: "session-revocation" } } });
  bench("sessions_burst_grants", BURST_GRANTS, "grants");
  bench("sessions_burst_denied", burstDenied.length, "sessions");
  bench("sessions_burst_end_to_denied_p50", percentile(burstDenied, 50), "ms");
  bench("sessions_burst_end_to_denied_p99", percentile(burstDenied, 99), "ms");
  bench("sessions_burst_users_in_policy", statements.ok ? statements.statements.length : -1, "users");
  bench("sessions_burst_policy_non_whitespace_bytes", measure(policy).nonWhitespaceBytes, "bytes");
  bench("sessions_burst_policy_limit", INLINE_POLICY_MAX_NON_WHITESPACE_BYTES, "bytes");
  bench(
    "sessions_burst_revocation_calls_per_grant",
    (revocationCalls() - revocationCallsBefore) / BURST_GRANTS,
    "calls",
  );
  bench("sessions_burst_sso_admin_calls_per_grant", (ssoAdminCalls() - callsBefore) / BURST_GRANTS, "calls");
  bench("sessions_burst_throttled_by_simulator", sim.getState().counters.throttled - throttledBefore, "responses");
  bench("sessions_burst_alerts", alerts, "alerts");
  bench(
    "sessions_burst_revocations_failed",
    revocations.find((r) => r.status === "FAILED")?._count ?? 0,
    "revocations",
  );
  bench("sessions_policy_capacity_cutoffs_1s_apart", policyCapacity(), "users");
  note(`burst revocations by state: ${revocations.map((r) => `${r.status} ${r._count}`).join(", ")}`);

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
