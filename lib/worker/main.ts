// The background worker: a separate process that runs queued jobs against the database and AWS.
import { createAuditPort } from "../aws/audit-port";
import { createIdentityCenterPort } from "../aws/identity-center-port";
import { createPrismaClient } from "../db";
import { getEnv, requireDatabaseUrl } from "../env";
import { createBossJobQueue } from "../jobs/job-queue";
import { QUEUES } from "../jobs/queues";
import { readQueueStats } from "../metrics/queue-stats";
import { getMetrics, recordAwsCall } from "../metrics/registry";
import { systemActor } from "../services/context";
import { syncInventory } from "../services/inventory/sync-inventory";
import { createPolicyReloader } from "./policy-reloader";
import { groupNamesCheck } from "../services/policy/check-group-names";
import { startBoss } from "./boss";
import { registerHandlers } from "./handlers";
import { grantVerificationDeps } from "./grant-verification";
import { PgRateLimiter } from "./pg-rate-limiter";
import { createPgSemaphore } from "./pg-semaphore";
import { errorFields, log as rootLog } from "../log";
import { createGrantClaims, createPermissionSetLocks, SessionLocks } from "./pg-session-locks";
import { startMetricsServer } from "./metrics-server";
import { readOutboxStats } from "../metrics/queue-stats";
import { createChannelSenders } from "../notifications/senders";
import { startDeliveryLoop } from "../services/notifications/deliver-notifications";
import { notificationSettings } from "../services/notifications/settings";

const SWEEP_EVERY_MS = 5_000;
const INVENTORY_EVERY_MS = 10 * 60_000;
const REMOVAL_ALERT_CHECK_EVERY_MS = 30_000;
// One indexed query per tick; often enough that a shortened review delay (tests, demos) is seen within seconds.
const BREAK_GLASS_CHECK_EVERY_MS = 10_000;
const REFUSAL_SUMMARY_EVERY_MS = 30_000;
const SESSION_CLEANUP_EVERY_MS = 60_000;
const IDENTITY_CENTER_GROUPS_SWEEP_EVERY_MS = 60_000;
// The daily scorecard snapshot (pg-boss cron, UTC): once a day is the trend's resolution.
const SCORECARD_CRON = "17 3 * * *";

const log = rootLog.child({ process: "worker" });

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
    // One bucket in Postgres for every worker process: the AWS limit is per instance, not per worker.
    {
      limiter: new PgRateLimiter(db, {
        name: `sso-admin:${env.IDENTITY_CENTER_INSTANCE_ARN}`,
        ratePerSecond: env.AWS_REQUESTS_PER_SECOND,
        burst: env.AWS_REQUESTS_PER_SECOND,
      }),
      observeCall: recordAwsCall,
    },
  );
  // Member accounts' credential reports through the read-only audit role; the portal's own credentials stay the default chain.
  const audit = createAuditPort(
    {
      region: env.AWS_REGION,
      endpoint: env.AWS_SIMULATOR_URL,
      assumeRoleArn: env.AWS_ASSUME_ROLE_ARN,
      roleName: env.AUDIT_ROLE_NAME,
      externalId: env.AUDIT_ROLE_EXTERNAL_ID,
    },
    {
      // IAM and STS have quotas of their own, apart from Identity Center's: their own shared bucket, at the same pace.
      limiter: new PgRateLimiter(db, {
        name: "member-accounts:iam-sts",
        ratePerSecond: env.AWS_REQUESTS_PER_SECOND,
        burst: env.AWS_REQUESTS_PER_SECOND,
      }),
      observeCall: recordAwsCall,
    },
  );
  const ctx = { actor: systemActor("startup"), db, now: () => new Date() };
  // Start-up and every later reload validate the same way; an invalid file only stops a worker when no policy is in force.
  const policyReloader = createPolicyReloader({
    ctx: { ...ctx, actor: systemActor("policy-reload") },
    file: env.POLICY_FILE,
    intervalSeconds: env.POLICY_RELOAD_SECONDS,
    // An unknown group name refuses the file; AWS being away does not (a grant of a missing group fails with a reason).
    checks: [
      groupNamesCheck(env.POLICY_FILE, port, (error) =>
        log.warn({ err: errorFields(error) }, "Identity Center group names in the policy not checked: AWS unavailable"),
      ),
    ],
    log,
  });
  const policy = await policyReloader.check("forced");
  if (!policy) throw new Error(`could not load the access policy from ${env.POLICY_FILE}`);
  if (policy.status === "invalid" && !policy.keptPolicyId)
    throw new Error(`the access policy in ${env.POLICY_FILE} is invalid and no earlier policy is in force`);
  log.info(
    { policyFile: env.POLICY_FILE, status: policy.status, reloadSeconds: env.POLICY_RELOAD_SECONDS },
    `access policy ${policy.status}`,
  );
  // AWS being away must not keep a (re)started worker from removing access once it is back: sync later instead.
  const inventory = await syncInventory({ ctx: { ...ctx, actor: systemActor("inventory-sync") }, port }).catch(
    (error: unknown) => {
      log.error({ err: errorFields(error) }, "inventory sync failed at start-up, retrying in the background");
      return null;
    },
  );
  if (inventory)
    log.info({ accounts: inventory.accounts, permissionSets: inventory.permissionSets }, "inventory synced");

  // Create slots and grant claims are advisory locks on one session of this process, freed by the server if it dies.
  const locks = new SessionLocks(requireDatabaseUrl(env), { log: (line) => log.warn(line) });
  const slots = createPgSemaphore(locks, { limit: env.AWS_MAX_INFLIGHT_CREATES });
  const poll = { initialDelayMs: 250, maxDelayMs: 5_000, timeoutMs: 5 * 60_000 };
  await registerHandlers(
    {
      db,
      boss,
      queue,
      port,
      logger: log,
      scorecard: { port, audit },
      grantDeps: {
        port,
        queue,
        poll,
        ...grantVerificationDeps(port, poll),
        createSlots: slots,
        claims: createGrantClaims(locks),
        // One editor per permission set's inline policy across every worker process.
        sessions: { locks: createPermissionSetLocks(locks) },
      },
    },
    { grants: Math.max(env.AWS_MAX_INFLIGHT_CREATES * 2, 8), removals: 50 },
  );
  await boss.schedule(
    QUEUES.scorecardSnapshot,
    SCORECARD_CRON,
    {},
    { tz: "UTC", singletonKey: "scorecard", missed: "once" },
  );
  const sweep = setInterval(
    () => void boss.send(QUEUES.sweepGrants, {}, { singletonKey: "sweep", singletonSeconds: 4 }).catch(() => undefined),
    SWEEP_EVERY_MS,
  );
  // Always queued: the job also snapshots every assignment, which start-up does not wait for.
  void boss.send(QUEUES.syncInventory, {}, { singletonKey: "inventory", singletonSeconds: 60 }).catch(() => undefined);
  const inventoryTimer = setInterval(
    () =>
      void boss
        .send(QUEUES.syncInventory, {}, { singletonKey: "inventory", singletonSeconds: 60 })
        .catch(() => undefined),
    INVENTORY_EVERY_MS,
  );
  // RECONCILE_EVERY_SECONDS=0 turns the reconciler off; unverified removals are always watched.
  const reconcileTimer =
    env.RECONCILE_EVERY_SECONDS > 0
      ? setInterval(() => {
          const singletonSeconds = Math.max(1, Math.floor(env.RECONCILE_EVERY_SECONDS / 2));
          void boss
            .send(QUEUES.reconcileAssignments, {}, { singletonKey: "reconcile", singletonSeconds })
            .catch(() => undefined);
          // Temporary group memberships are reconciled on the same schedule, as a job of their own.
          void boss
            .send(QUEUES.reconcileGroupMemberships, {}, { singletonKey: "group-reconcile", singletonSeconds })
            .catch(() => undefined);
        }, env.RECONCILE_EVERY_SECONDS * 1000)
      : undefined;
  const alertTimer = setInterval(
    () =>
      void boss
        .send(QUEUES.checkRemovalAlerts, {}, { singletonKey: "removal-alerts", singletonSeconds: 20 })
        .catch(() => undefined),
    REMOVAL_ALERT_CHECK_EVERY_MS,
  );
  const breakGlassTimer = setInterval(
    () =>
      void boss
        .send(QUEUES.checkBreakGlassReviews, {}, { singletonKey: "break-glass-reviews", singletonSeconds: 5 })
        .catch(() => undefined),
    BREAK_GLASS_CHECK_EVERY_MS,
  );
  // Closes refusal windows nobody revisited, so a prober who stops still gets their count written.
  const refusalTimer = setInterval(
    () =>
      void boss
        .send(QUEUES.summarizeRefusals, {}, { singletonKey: "refusal-summary", singletonSeconds: 20 })
        .catch(() => undefined),
    REFUSAL_SUMMARY_EVERY_MS,
  );
  const sessionCleanupTimer = setInterval(
    () =>
      void boss
        .send(QUEUES.cleanSessionRevocations, {}, { singletonKey: "session-cleanup", singletonSeconds: 50 })
        .catch(() => undefined),
    SESSION_CLEANUP_EVERY_MS,
  );
  const identityCenterGroupsTimer = setInterval(
    () =>
      void boss
        .send(QUEUES.sweepIdentityCenterGroups, {}, { singletonKey: "ic-groups-sweep", singletonSeconds: 50 })
        .catch(() => undefined),
    IDENTITY_CENTER_GROUPS_SWEEP_EVERY_MS,
  );
  const metrics = getMetrics();
  metrics.setQueueStatsSource(() => readQueueStats(db));
  metrics.setOutboxStatsSource(() => readOutboxStats(db));
  // Notifications leave through the outbox loop, never from inside a grant's or a decision's transaction.
  const notifySettings = notificationSettings();
  const senders = createChannelSenders(notifySettings, { db, log });
  const deliveries = startDeliveryLoop({
    db,
    databaseUrl: requireDatabaseUrl(env),
    senders,
    retry: notifySettings.retry,
    retentionDays: env.NOTIFY_RETENTION_DAYS,
    onPurged: (count) => count > 0 && log.info({ count }, "purged settled notifications past their retention"),
    onError: (error) => log.error({ err: errorFields(error) }, "notification delivery loop"),
    onDelivered: (delivery, outcome, latencyMs) => {
      const result = outcome.status === "failed" ? "retry" : outcome.status;
      metrics.notificationDelivery.observe({ channel: delivery.channel, outcome: result }, latencyMs / 1000);
      log[outcome.status === "failed" ? "warn" : "debug"](
        {
          deliveryId: delivery.id,
          channel: delivery.channel,
          event: delivery.notification.type,
          attempt: delivery.attempts,
          outcome: outcome.status,
          ...(outcome.status === "failed" ? { failure: outcome.failure } : {}),
        },
        "notification delivery",
      );
    },
  });
  log.info(
    { channels: Object.keys(senders), webhooks: notifySettings.webhooks.map((w) => w.name) },
    "notification channels",
  );
  const metricsServer =
    env.WORKER_METRICS_PORT && env.METRICS_TOKEN
      ? await startMetricsServer({ port: env.WORKER_METRICS_PORT, token: env.METRICS_TOKEN, metrics })
      : null;
  if (metricsServer) log.info({ port: env.WORKER_METRICS_PORT }, "metrics listener on GET /metrics");
  log.info(`WORKER READY (${env.usingSimulator ? "simulated AWS" : `AWS ${env.AWS_REGION}`})`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    clearInterval(sweep);
    policyReloader.stop();
    clearInterval(inventoryTimer);
    clearInterval(reconcileTimer);
    clearInterval(alertTimer);
    clearInterval(breakGlassTimer);
    clearInterval(refusalTimer);
    clearInterval(sessionCleanupTimer);
    clearInterval(identityCenterGroupsTimer);
    await metricsServer?.close();
    await deliveries.stop();
    log.info({ signal }, "finishing in-flight jobs");
    // In-flight jobs finish; anything cut short stays in a resumable state that the next worker or the sweep picks up.
    let code = 0;
    try {
      await boss.stop({ graceful: true, timeout: 20_000 });
    } catch (error) {
      // A database that is down cannot stop us: whatever was in flight resumes from its saved state.
      log.error({ err: errorFields(error) }, "stopping the job queue failed");
      code = 1;
    }
    await locks.close();
    audit.close();
    await db.$disconnect().catch(() => undefined);
    process.exit(code);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
  // `kill -HUP <worker pid>`: re-read and re-validate the policy file now.
  process.on("SIGHUP", () => void policyReloader.check("forced"));
}

main().catch((error: unknown) => {
  log.fatal({ err: errorFields(error) }, "failed to start");
  process.exit(1);
});
