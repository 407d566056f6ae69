// The background worker: a separate process that runs queued jobs against the database and AWS.
import { createIdentityCenterPort } from "../aws/identity-center-port";
import { TokenBucketRateLimiter } from "../aws/rate-limiter";
import { createPrismaClient } from "../db";
import { getEnv, requireDatabaseUrl } from "../env";
import { createBossJobQueue } from "../jobs/job-queue";
import { QUEUES } from "../jobs/queues";
import { systemActor } from "../services/context";
import { syncInventory } from "../services/inventory/sync-inventory";
import { loadPolicy } from "../services/policy/load-policy";
import { startBoss } from "./boss";
import { registerHandlers } from "./handlers";
import { coalesceAssignmentListing } from "../services/grants/coalesced-listing";
import { createFirstPollDelay } from "../services/grants/first-poll-delay";
import { createSemaphore } from "./semaphore";

const SWEEP_EVERY_MS = 5_000;
const INVENTORY_EVERY_MS = 10 * 60_000;

async function main() {
  const env = getEnv();
  const db = createPrismaClient(requireDatabaseUrl(env));
  const boss = await startBoss({ databaseUrl: requireDatabaseUrl(env), role: "worker" });
  const queue = createBossJobQueue(boss);
  const port = createIdentityCenterPort(
    {
      region: env.AWS_REGION,
      instanceArn: env.IDENTITY_CENTER_INSTANCE_ARN!,
      identityStoreId: env.IDENTITY_STORE_ID!,
      endpoint: env.AWS_SIMULATOR_URL,
      assumeRoleArn: env.AWS_ASSUME_ROLE_ARN,
    },
    { limiter: new TokenBucketRateLimiter({ ratePerSecond: env.AWS_REQUESTS_PER_SECOND, burst: env.AWS_REQUESTS_PER_SECOND }) },
  );
  const ctx = { actor: systemActor("startup"), db, now: () => new Date() };
  const policy = await loadPolicy({ ctx, input: { file: env.POLICY_FILE } });
  console.log(`[worker] access policy ${policy.changed ? "loaded" : "unchanged"} (${env.POLICY_FILE})`);
  const inventory = await syncInventory({ ctx: { ...ctx, actor: systemActor("inventory-sync") }, port });
  console.log(`[worker] inventory: ${inventory.accounts} accounts, ${inventory.permissionSets} permission sets`);

  const slots = createSemaphore(env.AWS_MAX_INFLIGHT_CREATES);
  await registerHandlers(
    { db, boss, queue, port, grantDeps: { port, queue, poll: { initialDelayMs: 250, maxDelayMs: 5_000, timeoutMs: 5 * 60_000 }, createSlots: slots, listForVerification: coalesceAssignmentListing(port), firstPoll: createFirstPollDelay({ initialMs: 1000, minMs: 100, maxMs: 10_000 }) } },
    { grants: Math.max(env.AWS_MAX_INFLIGHT_CREATES * 2, 8), removals: 50 },
  );
  const sweep = setInterval(() => void boss.send(QUEUES.sweepGrants, {}, { singletonKey: "sweep", singletonSeconds: 4 }).catch(() => undefined), SWEEP_EVERY_MS);
  const inventoryTimer = setInterval(() => void boss.send(QUEUES.syncInventory, {}, { singletonKey: "inventory", singletonSeconds: 60 }).catch(() => undefined), INVENTORY_EVERY_MS);
  console.log(`WORKER READY (${env.usingSimulator ? "simulated AWS" : `AWS ${env.AWS_REGION}`})`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    clearInterval(sweep);
    clearInterval(inventoryTimer);
    console.log(`[worker] ${signal}: finishing in-flight jobs`);
    // In-flight jobs finish; anything cut short stays in a resumable state that the next worker or the sweep picks up.
    await boss.stop({ graceful: true, timeout: 20_000 });
    await db.$disconnect();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((error: unknown) => {
  console.error(`[worker] failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
