import type { PgBoss } from "pg-boss";
import type { z } from "zod";
import type { PrismaClient } from "../db";
import { getEnv } from "../env";
import type { JobQueue } from "../jobs/job-queue";
import {
  DriftJob,
  EmptyJob,
  GrantJob,
  QUEUES,
  RequestJob,
  ScorecardJob,
  UserJob,
  type QueueName,
} from "../jobs/queues";
import type { IdentityCenterPort } from "../aws/identity-center-port";
import { systemActor, type ServiceContext } from "../services/context";
import { activateGrant } from "../services/grants/activate-grant";
import { deactivateGrant } from "../services/grants/deactivate-grant";
import { activateGroupGrant } from "../services/group-grants/activate-group-grant";
import { deactivateGroupGrant } from "../services/group-grants/deactivate-group-grant";
import { RetryLater, type GrantDeps } from "../services/grants/grant-support";
import { expirePendingRequest } from "../services/requests/expire-pending-request";
import { escalateRequest } from "../services/requests/escalate-request";
import { snapshotAssignments } from "../services/inventory/snapshot-assignments";
import { syncInventory } from "../services/inventory/sync-inventory";
import { sweepGrants } from "../services/grants/sweep-grants";
import { checkRemovalAlerts } from "../services/alerts/check-removal-alerts";
import { checkBreakGlassReviews } from "../services/break-glass/check-break-glass-reviews";
import { summarizeRefusals } from "../services/refusals/record-refusal";
import { reconcileAssignments, type ReconcileDeps } from "../services/reconcile/reconcile-assignments";
import { unassignDrift } from "../services/reconcile/unassign-drift";
import { reconcileGroupMemberships } from "../services/reconcile/reconcile-group-memberships";
import { reconcileSessionStatements } from "../services/reconcile/reconcile-session-statements";
import { cleanSessionRevocations } from "../services/sessions/clean-session-revocations";
import { takeScorecardSnapshot, type ScorecardSources } from "../services/scorecard/take-scorecard-snapshot";
import { errorFields, log as rootLog, type Logger } from "../log";
import { IDENTITY_CENTER_GROUPS_CACHE_MINUTES } from "../domain/group-targets";
import {
  refreshIdentityCenterGroups,
  usersDueForGroupRefresh,
  type GroupIdCache,
} from "../services/users/refresh-identity-center-groups";

export interface WorkerDeps {
  db: PrismaClient;
  boss: PgBoss;
  queue: JobQueue;
  port: IdentityCenterPort;
  grantDeps: GrantDeps;
  now?: () => Date;
  /** Defaults to the process logger. */
  logger?: Logger;
  /** How the reconciler treats drift; defaults to RECONCILE_MISSING and RECONCILE_OUT_OF_BAND. */
  reconcile?: ReconcileDeps["settings"];
  /** Defaults to REMOVAL_ALERT_AFTER_SECONDS. */
  alertAfterSeconds?: number;
  /** Managed policies and credential reports for the scorecard; without them its job is not registered. */
  scorecard?: ScorecardSources;
}

function contextFor(deps: WorkerDeps, job: string): ServiceContext {
  return { actor: systemActor(job), db: deps.db, now: deps.now ?? (() => new Date()) };
}

/** Registers every queue's handler; payloads are parsed before use and RetryLater hands the job back to pg-boss. */
export async function registerHandlers(deps: WorkerDeps, concurrency: { grants: number; removals: number }) {
  const logger = deps.logger ?? rootLog;
  const work = async <S extends z.ZodType>(
    name: QueueName,
    schema: S,
    localConcurrency: number,
    run: (ctx: ServiceContext, data: z.infer<S>) => Promise<unknown>,
  ) => {
    // NOTIFY wakes workers only when a job is inserted, not when a delayed one (a grant's end) falls due: keep polling fast.
    await deps.boss.work(
      name,
      { localConcurrency, batchSize: 1, pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 0.5 },
      async (jobs) => {
        for (const job of jobs) {
          const jobLog = logger.child({ jobId: job.id, verb: name, actorId: `system:${name}` });
          const parsed = schema.safeParse(job.data);
          if (!parsed.success) {
            jobLog.warn({ outcome: "dropped" }, "invalid payload; dropped");
            continue;
          }
          const started = performance.now();
          const durationMs = () => Math.round(performance.now() - started);
          try {
            const result = await run(contextFor(deps, name), parsed.data);
            const outcome = typeof result === "string" ? result : "done";
            // Routine no-ops (sweeps, not-yet-due checks) stay at debug so the info stream shows real work.
            const idle = isIdleResult(result);
            const routine = idle || outcome === "skipped" || outcome === "not-due";
            jobLog[routine ? "debug" : "info"](
              {
                input: parsed.data,
                outcome,
                ...(idle || typeof result !== "object" ? {} : { result }),
                durationMs: durationMs(),
              },
              "job finished",
            );
          } catch (error) {
            if (error instanceof RetryLater)
              jobLog.info(
                { input: parsed.data, outcome: "retry", durationMs: durationMs(), reason: error.message },
                "job will retry",
              );
            else
              jobLog.error(
                { input: parsed.data, outcome: "failed", durationMs: durationMs(), err: errorFields(error) },
                "job failed",
              );
            throw error;
          }
        }
      },
    );
  };
  await work(QUEUES.activateGrant, GrantJob, concurrency.grants, (ctx, data) =>
    activateGrant({ ctx, input: data, deps: deps.grantDeps }),
  );
  await work(QUEUES.deactivateGrant, GrantJob, concurrency.removals, (ctx, data) =>
    deactivateGrant({ ctx, input: data, deps: deps.grantDeps }),
  );
  // Group memberships run like assignments: same claims, same retry on RetryLater, same concurrency.
  await work(QUEUES.activateGroupGrant, GrantJob, concurrency.grants, (ctx, data) =>
    activateGroupGrant({ ctx, input: data, deps: deps.grantDeps }),
  );
  await work(QUEUES.deactivateGroupGrant, GrantJob, concurrency.removals, (ctx, data) =>
    deactivateGroupGrant({ ctx, input: data, deps: deps.grantDeps }),
  );
  await work(QUEUES.expirePendingRequest, RequestJob, 2, (ctx, data) => expirePendingRequest({ ctx, input: data }));
  await work(QUEUES.escalateRequest, RequestJob, 2, (ctx, data) => escalateRequest({ ctx, input: data }));
  await work(QUEUES.syncInventory, EmptyJob, 1, async (ctx) => ({
    ...(await syncInventory({ ctx, port: deps.port })),
    // Its summary (calls, duration, stale pairs) is part of the job's log line.
    assignments: await snapshotAssignments({ ctx, port: deps.port }),
  }));
  await work(QUEUES.sweepGrants, EmptyJob, 1, (ctx) => sweepGrants({ ctx, queue: deps.queue }));
  await work(QUEUES.reconcileAssignments, EmptyJob, 1, async (ctx) => {
    const summary = await reconcileAssignments({
      ctx,
      deps: {
        port: deps.port,
        queue: deps.queue,
        settings: deps.reconcile ?? { missing: getEnv().RECONCILE_MISSING, outOfBand: getEnv().RECONCILE_OUT_OF_BAND },
      },
    });
    logger.info({ verb: QUEUES.reconcileAssignments, summary }, "reconcile summary");
    const sessionDenies = await reconcileSessionStatements({
      ctx,
      deps: { port: deps.port, poll: deps.grantDeps.poll, ...deps.grantDeps.sessions },
    });
    if (sessionDenies.reapplied > 0 || sessionDenies.skipped.length > 0)
      logger.info({ verb: QUEUES.reconcileAssignments, sessionDenies }, "session deny reconcile summary");
  });
  // Reports only (audit row and alert per finding); its summary counts the Identity Store calls it made.
  await work(QUEUES.reconcileGroupMemberships, EmptyJob, 1, (ctx) =>
    reconcileGroupMemberships({ ctx, deps: { port: deps.port } }),
  );
  await work(QUEUES.unassignDrift, DriftJob, 2, (ctx, data) =>
    unassignDrift({ ctx, input: data, deps: deps.grantDeps }),
  );
  await work(QUEUES.checkRemovalAlerts, EmptyJob, 1, (ctx) =>
    checkRemovalAlerts({
      ctx,
      settings: { alertAfterSeconds: deps.alertAfterSeconds ?? getEnv().REMOVAL_ALERT_AFTER_SECONDS },
    }),
  );
  await work(QUEUES.checkBreakGlassReviews, EmptyJob, 1, (ctx) =>
    checkBreakGlassReviews({ ctx, settings: { reviewHours: getEnv().BREAK_GLASS_REVIEW_HOURS } }),
  );
  // Expired session denies leave the inline policies, so they never fill up with statements nobody needs.
  await work(QUEUES.cleanSessionRevocations, EmptyJob, 1, async (ctx) => {
    const result = await cleanSessionRevocations({
      ctx,
      deps: { port: deps.port, poll: deps.grantDeps.poll, ...deps.grantDeps.sessions },
    });
    return result.cleaned > 0 || result.skipped.length > 0 ? result : undefined;
  });
  // Identity Center groups for eligibility: read at sign-in and again well within the cache window while a session lives.
  const groupIds: GroupIdCache = new Map();
  await work(QUEUES.refreshIdentityCenterGroups, UserJob, 2, (ctx, data) =>
    refreshIdentityCenterGroups({ ctx, input: data, deps: { port: deps.port, groupIds } }),
  );
  await work(QUEUES.sweepIdentityCenterGroups, EmptyJob, 1, async (ctx) => {
    const dueBefore = new Date(ctx.now().getTime() - (IDENTITY_CENTER_GROUPS_CACHE_MINUTES * 60_000) / 2);
    const due = await usersDueForGroupRefresh(ctx, dueBefore);
    for (const userId of due)
      await deps.boss.send(QUEUES.refreshIdentityCenterGroups, { userId }, { singletonKey: `ic-groups-${userId}` });
    return { queued: due.length };
  });
  const scorecard = deps.scorecard;
  // The scorecard lists every assignment afresh first, so a removal made since the last sync is not counted.
  if (scorecard)
    await work(QUEUES.scorecardSnapshot, ScorecardJob, 1, async (ctx, data) => ({
      assignments: await snapshotAssignments({ ctx, port: deps.port, byPrincipal: true }),
      scorecard: await takeScorecardSnapshot({ ctx, sources: scorecard, input: { requestedBy: data.requestedBy } }),
    }));
  await work(QUEUES.summarizeRefusals, EmptyJob, 1, async (ctx) => {
    const { summarized } = await summarizeRefusals({ ctx });
    if (summarized > 0)
      logger.info({ verb: QUEUES.summarizeRefusals, summarized }, "repeated-refusal summaries written");
  });
}

/** A job that found nothing to do: no result, or counts that are all zero (a sweep that requeued nothing). */
function isIdleResult(result: unknown): boolean {
  if (result === undefined || result === null) return true;
  if (typeof result !== "object") return false;
  const values = Object.values(result);
  return values.length > 0 && values.every((value) => value === 0);
}
