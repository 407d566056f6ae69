import type { IdentityCenterPort } from "../../aws/identity-center-port";
import type { Db, DbTransaction } from "../../db";
import { toAwsPortError } from "../../aws/errors";
import { AppError } from "../../domain/errors";
import { policyMentionsTarget, ruleCoversTarget } from "../../domain/policy";
import { PolicyDocument } from "../../domain/policy-schema";
import {
  planReconcile,
  targetKey,
  type DriftKind,
  type ObservedTarget,
  type PrincipalTuple,
  type ReconcileAction,
  type ReconcileGrant,
  type ReconcileSettings,
  type TargetRef,
} from "../../domain/reconcile";
import { schedulePairListings, type ListingReason, type ListingSchedule } from "../../domain/reconcile-schedule";
import type { JobQueue } from "../../jobs/job-queue";
import { QUEUES } from "../../jobs/queues";
import { emitAudit } from "../audit";
import type { ServiceContext } from "../context";
import { actorLabel } from "../context";
import { notifyAlertRaised, type RaisedAlert } from "../alerts/alert-hook";
import { recordAlert, resolveAlert } from "../alerts/raise-alert";
import { moveGrant } from "../grants/grant-transitions";
import { lockAssignmentTuple } from "../tuple-lock";
import { ASSIGNMENT_MAY_EXIST_STATUSES, TERMINAL_GRANT_STATUSES } from "../../domain/request-lifecycle";
import { errorFields, log } from "../../log";

export interface ReconcileDeps {
  port: IdentityCenterPort;
  queue: JobQueue;
  settings: Pick<ReconcileSettings, "missing" | "outOfBand"> & {
    graceMs?: number;
    /** A pair listed within this long and untouched by the portal since is skipped; 0 (default) lists every pair each cycle. */
    sweepEveryMs?: number;
  };
}

// Long enough for a removal or activation job that raced the listing to finish; short enough to catch drift the next round.
const DEFAULT_GRACE_MS = 60_000;
// Accounts listed at once; the port's rate limiter paces the calls themselves.
const ACCOUNT_CONCURRENCY = 3;
export const BASELINE_ACTION = "reconcile.baselined";
export const missingAlertKey = (grantId: string) => `assignment-missing:${grantId}`;

const DETAIL: Record<DriftKind, string> = {
  MISSING_ASSIGNMENT: "The grant is active but IAM Identity Center no longer lists its assignment.",
  LINGERING_ASSIGNMENT: "The grant has ended but its assignment is still listed.",
  OUT_OF_BAND_ASSIGNMENT: "Nobody requested this assignment through the portal.",
};

/** Worker verb, on a schedule: list the real assignments of every target the policy or a grant names and act on the drift (see planReconcile). */
export async function reconcileAssignments({ ctx, deps }: { ctx: ServiceContext; deps: ReconcileDeps }) {
  if (ctx.actor.type !== "system") throw new AppError("FORBIDDEN", "Only the worker reconciles assignments.");
  const settings: ReconcileSettings = {
    missing: deps.settings.missing,
    outOfBand: deps.settings.outOfBand,
    graceMs: deps.settings.graceMs ?? DEFAULT_GRACE_MS,
  };
  // Listings are recorded as of the cycle's start: a write during the cycle makes its pair due at the next one.
  const cycleStartedAt = ctx.now();
  const sweepEveryMs = deps.settings.sweepEveryMs ?? 0;
  const { scope, schedule } = await scheduleCycle(ctx.db, await loadScope(ctx.db), cycleStartedAt, {
    sweepEveryMs,
    graceMs: settings.graceMs,
  });
  const { targets, failures, calls, callBound, provisioningBy } = await observe(deps.port, scope, ctx.now);
  const state = await loadState(ctx.db, targets);
  const now = ctx.now();
  const plan = planReconcile({ now, targets, settings, ...state });

  const reasons: Record<ListingReason, number> = { "never-listed": 0, unsettled: 0, "portal-write": 0, sweep: 0 };
  for (const reason of schedule.list.values()) reasons[reason] += 1;
  const summary = {
    targets: targets.length,
    // Pairs in scope this cycle left unlisted: listed within sweepEveryMs and untouched by the portal since.
    skippedPairs: schedule.skipped,
    listReasons: reasons,
    sweepEveryMs,
    // Port calls this cycle (a paged listing counts once) and their bound: provisioning lookups + pairs in scope.
    calls,
    callBound,
    provisioningBy,
    listFailures: failures.length,
    baselined: 0,
    newFindings: 0,
    repeatedFindings: 0,
    resolved: 0,
    marked: 0,
    recreated: 0,
    removalsQueued: 0,
    unsettled: plan.unsettled.length,
    errors: 0,
  };
  const raised: RaisedAlert[] = [];
  // Pairs whose outcome is not settled this cycle are listed again at the next one.
  const relistNext = new Set(plan.unsettled.map(({ tuple }) => targetKey(tuple)));
  const run = async (what: string, pairs: string[], step: () => Promise<void>) => {
    try {
      await step();
    } catch (error) {
      // One bad tuple must not stop the rest; the next run sees it again.
      summary.errors += 1;
      for (const pair of pairs) relistNext.add(pair);
      log.error({ step: what, err: errorFields(error) }, "reconcile step failed");
    }
  };

  if (plan.newlyBaselinedTargets.length > 0) {
    await run("baseline", plan.newlyBaselinedTargets.map(targetKey), async () => {
      summary.baselined = await recordBaseline(
        ctx,
        plan.newlyBaselinedTargets,
        plan.actions.flatMap((a) => (a.type === "baseline" ? [a.tuple] : [])),
        now,
      );
    });
  }
  for (const action of plan.actions) {
    if (action.type !== "drift") continue;
    await run(`${action.kind} ${targetKey(action.tuple)}`, [targetKey(action.tuple)], async () => {
      const outcome = await applyDrift(ctx, deps.queue, action, now, scope.breakGlass);
      if (outcome.alert) raised.push(outcome.alert);
      if (outcome.finding === "new") summary.newFindings += 1;
      if (outcome.finding === "repeated") summary.repeatedFindings += 1;
      summary.marked += outcome.marked;
      summary.recreated += outcome.recreated;
      summary.removalsQueued += outcome.removalQueued ? 1 : 0;
    });
  }
  for (const action of plan.actions) {
    if (action.type !== "resolve") continue;
    await run(`resolve ${action.findingId}`, [], async () => {
      summary.resolved += await resolveFinding(ctx, action, now);
    });
  }
  await recordListings(
    ctx.db,
    targets.filter((target) => !relistNext.has(targetKey(target))),
    cycleStartedAt,
  );
  for (const alert of raised) await notifyAlertRaised(alert);
  return summary;
}

// ---- scope and observation ------------------------------------------------------------------

interface Scope {
  byAccount: Map<string, string[]>;
  /** Accounts not GONE: how many pages a per-set provisioning lookup takes. */
  activeAccounts: number;
  /** Targets where an active grant expects an assignment: listed even when the set looks unprovisioned, to never guess "missing". */
  expected: Set<string>;
  /** Targets a break-glass rule names: an out-of-band assignment there is an offline emergency use to review. */
  breakGlass: Set<string>;
  /** Targets with an open finding: listed every cycle so the finding repeats or resolves promptly. */
  openFindings: Set<string>;
}

async function loadScope(db: Db): Promise<Scope> {
  const [accounts, sets, policyRow, grantPairs, findingPairs, active] = await Promise.all([
    db.awsAccount.findMany({ where: { status: { not: "GONE" } }, select: { id: true, ouIds: true } }),
    db.permissionSet.findMany({ select: { arn: true, name: true } }),
    db.policy.findFirst({ where: { active: true }, orderBy: { loadedAt: "desc" }, select: { document: true } }),
    db.grant.findMany({
      distinct: ["accountId", "permissionSetArn"],
      select: { accountId: true, permissionSetArn: true },
    }),
    db.driftFinding.findMany({
      where: { status: "OPEN" },
      distinct: ["accountId", "permissionSetArn"],
      select: { accountId: true, permissionSetArn: true },
    }),
    db.grant.findMany({
      where: { status: "ACTIVE" },
      distinct: ["accountId", "permissionSetArn"],
      select: { accountId: true, permissionSetArn: true },
    }),
  ]);
  const policy = policyRow ? PolicyDocument.safeParse(policyRow.document) : null;
  const knownAccounts = new Set(accounts.map((a) => a.id));
  const knownSets = new Set(sets.map((s) => s.arn));
  const pairs = new Map<string, TargetRef>();
  const add = (target: TargetRef) => {
    if (knownAccounts.has(target.accountId) && knownSets.has(target.permissionSetArn))
      pairs.set(targetKey(target), { accountId: target.accountId, permissionSetArn: target.permissionSetArn });
  };
  const breakGlass = new Set<string>();
  if (policy?.success) {
    for (const account of accounts) {
      for (const set of sets) {
        const target = { account: { id: account.id, ouIds: account.ouIds }, permissionSetName: set.name };
        if (policyMentionsTarget(policy.data, target)) add({ accountId: account.id, permissionSetArn: set.arn });
        if (policy.data.breakGlass.some((rule) => ruleCoversTarget(rule, target)))
          breakGlass.add(targetKey({ accountId: account.id, permissionSetArn: set.arn }));
      }
    }
  }
  grantPairs.forEach(add);
  findingPairs.forEach(add);
  const byAccount = new Map<string, string[]>();
  for (const target of pairs.values())
    byAccount.set(target.accountId, [...(byAccount.get(target.accountId) ?? []), target.permissionSetArn]);
  return {
    byAccount,
    activeAccounts: accounts.length,
    expected: new Set(active.map(targetKey)),
    breakGlass,
    openFindings: new Set(findingPairs.map(targetKey)),
  };
}

/** Narrows the scope to the pairs this cycle lists (see schedulePairListings). */
async function scheduleCycle(
  db: Db,
  scope: Scope,
  now: Date,
  settings: { sweepEveryMs: number; graceMs: number },
): Promise<{ scope: Scope; schedule: ListingSchedule }> {
  const pairs = [...scope.byAccount].flatMap(([accountId, arns]) =>
    arns.map((permissionSetArn) => targetKey({ accountId, permissionSetArn })),
  );
  // Writes older than a sweep interval cannot matter: such a pair's listing is due anyway.
  const since = new Date(now.getTime() - settings.sweepEveryMs - settings.graceMs);
  const [listings, grantWrites, findingWrites, tupleWrites, busy] = await Promise.all([
    db.reconcileListing.findMany(),
    db.grant.groupBy({
      by: ["accountId", "permissionSetArn"],
      where: { updatedAt: { gte: since } },
      _max: { updatedAt: true },
    }),
    db.driftFinding.groupBy({
      by: ["accountId", "permissionSetArn"],
      where: { resolvedAt: { gte: since } },
      _max: { resolvedAt: true },
    }),
    // The baseline is written from the reconciler's own listing: it records what was seen, it changes nothing.
    db.assignmentTuple.groupBy({
      by: ["accountId", "permissionSetArn"],
      where: { updatedAt: { gte: since }, OR: [{ standingSource: null }, { standingSource: { not: "baseline" } }] },
      _max: { updatedAt: true },
    }),
    // Mid-operation, due to start or past their end: their pair changes soon, whatever the last listing said.
    db.grant.findMany({
      where: {
        OR: [
          { status: { in: ["PROVISIONING", "REMOVING", "REMOVAL_FAILED"] } },
          { status: "SCHEDULED", startsAt: { lte: now } },
          { status: "ACTIVE", endsAt: { lte: now } },
        ],
      },
      distinct: ["accountId", "permissionSetArn"],
      select: { accountId: true, permissionSetArn: true },
    }),
  ]);
  const lastWrite = new Map<string, Date>();
  const wrote = (key: string, at: Date | null) => {
    if (at && at > (lastWrite.get(key) ?? new Date(0))) lastWrite.set(key, at);
  };
  for (const row of grantWrites) wrote(targetKey(row), row._max.updatedAt);
  for (const row of findingWrites) wrote(targetKey(row), row._max.resolvedAt);
  for (const row of tupleWrites) wrote(targetKey(row), row._max.updatedAt);
  const schedule = schedulePairListings({
    pairs,
    lastListed: new Map(listings.map((row) => [targetKey(row), row.listedAt])),
    lastWrite,
    unsettled: new Set([...scope.openFindings, ...busy.map(targetKey)]),
    now,
    sweepEveryMs: settings.sweepEveryMs,
    graceMs: settings.graceMs,
  });
  const byAccount = new Map<string, string[]>();
  for (const [accountId, arns] of scope.byAccount) {
    const listed = arns.filter((permissionSetArn) => schedule.list.has(targetKey({ accountId, permissionSetArn })));
    if (listed.length > 0) byAccount.set(accountId, listed);
  }
  return { scope: { ...scope, byAccount }, schedule };
}

/** Set-wise upsert of when each cleanly judged pair was listed. */
async function recordListings(db: Db, targets: TargetRef[], listedAt: Date) {
  if (targets.length === 0) return;
  await db.$executeRaw`
    INSERT INTO "ReconcileListing" ("accountId", "permissionSetArn", "listedAt")
    SELECT a, p, ${listedAt} FROM unnest(${targets.map((t) => t.accountId)}::text[], ${targets.map((t) => t.permissionSetArn)}::text[]) AS x(a, p)
    ON CONFLICT ("accountId", "permissionSetArn") DO UPDATE SET "listedAt" = excluded."listedAt"`;
}

/** Provisioning lookups plus one listing per pair in scope (a listing of over 100 principals pages further). */
export function reconcileCallBound(scope: Pick<Scope, "byAccount">, direction: ProvisioningDirection) {
  const pairs = [...scope.byAccount.values()].reduce((sum, arns) => sum + arns.length, 0);
  return direction.lookups + pairs;
}

interface ProvisioningDirection {
  by: "account" | "set";
  /** Port calls (pages) the provisioning lookups take. */
  lookups: number;
}

/** Asking per set pages through every account it is provisioned to (100 a page); per account, one call each. */
function provisioningDirection(scope: Pick<Scope, "byAccount">, activeAccounts: number): ProvisioningDirection {
  const sets = new Set([...scope.byAccount.values()].flat()).size;
  const perSet = sets * Math.max(1, Math.ceil(activeAccounts / 100));
  return perSet < scope.byAccount.size
    ? { by: "set", lookups: perSet }
    : { by: "account", lookups: scope.byAccount.size };
}

async function observe(port: IdentityCenterPort, scope: Scope, now: () => Date) {
  const targets: ObservedTarget[] = [];
  const failures: { target: string; code: string }[] = [];
  let calls = 0;
  const counted = <T>(run: () => Promise<T>) => {
    calls += 1;
    return run();
  };
  const direction = provisioningDirection(scope, scope.activeAccounts);
  // Per set when the policy names few sets across many accounts: fewer calls for the same answer.
  const provisionedSets = new Map<string, Promise<Set<string> | { failed: string }>>();
  const setAccounts = (permissionSetArn: string) => {
    let listing = provisionedSets.get(permissionSetArn);
    if (!listing) {
      listing = counted(() => port.listAccountsForProvisionedPermissionSet(permissionSetArn)).then(
        (ids) => new Set(ids),
        (error: unknown) => ({ failed: toAwsPortError(error).code }),
      );
      provisionedSets.set(permissionSetArn, listing);
    }
    return listing;
  };
  const accounts = [...scope.byAccount.entries()];
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < accounts.length; index = next++) {
      const [accountId, arns] = accounts[index]!;
      const askedAt = now();
      let isProvisioned: (permissionSetArn: string) => Promise<boolean | { failed: string }>;
      if (direction.by === "account") {
        let provisioned: Set<string>;
        try {
          provisioned = new Set(await counted(() => port.listPermissionSetArnsProvisionedToAccount(accountId)));
        } catch (error) {
          failures.push({ target: accountId, code: toAwsPortError(error).code });
          continue;
        }
        isProvisioned = async (arn) => provisioned.has(arn);
      } else {
        isProvisioned = async (arn) => {
          const listed = await setAccounts(arn);
          return listed instanceof Set ? listed.has(accountId) : listed;
        };
      }
      for (const permissionSetArn of arns) {
        const target = { accountId, permissionSetArn };
        const provisioned = await isProvisioned(permissionSetArn);
        if (typeof provisioned === "object") {
          failures.push({ target: targetKey(target), code: provisioned.failed });
          continue;
        }
        // A set with no role in the account has no assignment there: no need to spend a call on it.
        if (!provisioned && !scope.expected.has(targetKey(target))) {
          targets.push({ ...target, listedAt: askedAt, principals: [] });
          continue;
        }
        const listedAt = now();
        try {
          targets.push({ ...target, listedAt, principals: await counted(() => port.listAssignments(target)) });
        } catch (error) {
          failures.push({ target: targetKey(target), code: toAwsPortError(error).code });
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(ACCOUNT_CONCURRENCY, accounts.length) }, worker));
  if (failures.length > 0)
    log.error(
      { count: failures.length, failures: failures.slice(0, 5).map((f) => ({ target: f.target, code: f.code })) },
      "could not list reconcile targets; they are skipped this round",
    );
  return { targets, failures, calls, callBound: reconcileCallBound(scope, direction), provisioningBy: direction.by };
}

const GRANT_FIELDS = {
  id: true,
  accountId: true,
  permissionSetArn: true,
  principalId: true,
  status: true,
  startsAt: true,
  endsAt: true,
  updatedAt: true,
  createVerifiedAt: true,
  user: { select: { identityStoreUserId: true } },
} as const;

async function loadState(db: Db, targets: ObservedTarget[]) {
  if (targets.length === 0) return { grants: [], tuples: [], openFindings: [], baselinedTargets: [] };
  const byTarget = targets.map((t) => ({ accountId: t.accountId, permissionSetArn: t.permissionSetArn }));
  const presentUsers = targets.flatMap((t) => {
    const ids = t.principals.filter((p) => p.principalType === "USER").map((p) => p.principalId);
    return ids.length
      ? [{ accountId: t.accountId, permissionSetArn: t.permissionSetArn, principalId: { in: ids } }]
      : [];
  });
  const [live, ended, tuples, openFindings, baselines] = await Promise.all([
    db.grant.findMany({
      where: { status: { notIn: [...TERMINAL_GRANT_STATUSES] }, OR: byTarget },
      select: GRANT_FIELDS,
    }),
    // Ended grants matter only where their assignment is still listed (a leftover).
    presentUsers.length
      ? db.grant.findMany({
          where: { status: { in: [...TERMINAL_GRANT_STATUSES] }, OR: presentUsers },
          select: GRANT_FIELDS,
        })
      : [],
    db.assignmentTuple.findMany({
      where: { OR: byTarget },
      select: { accountId: true, permissionSetArn: true, principalId: true, standing: true },
    }),
    db.driftFinding.findMany({
      where: { status: "OPEN", OR: byTarget },
      select: {
        id: true,
        kind: true,
        accountId: true,
        permissionSetArn: true,
        principalType: true,
        principalId: true,
        grantId: true,
      },
    }),
    db.auditEvent.findMany({ where: { action: BASELINE_ACTION }, select: { after: true } }),
  ]);
  const loaded = new Set([...live, ...ended].map((g) => g.id));
  const findingGrantIds = openFindings.flatMap((f) => (f.grantId && !loaded.has(f.grantId) ? [f.grantId] : []));
  const findingGrants = findingGrantIds.length
    ? await db.grant.findMany({ where: { id: { in: findingGrantIds } }, select: GRANT_FIELDS })
    : [];
  const grants: ReconcileGrant[] = [...live, ...ended, ...findingGrants].map(({ user, ...grant }) => ({
    ...grant,
    principalId: grant.principalId ?? user.identityStoreUserId,
  }));
  const baselinedTargets = baselines.flatMap((event) => {
    const keys = (event.after as { targets?: unknown } | null)?.targets;
    return Array.isArray(keys) ? keys.filter((k): k is string => typeof k === "string") : [];
  });
  return { grants, tuples, openFindings, baselinedTargets };
}

// ---- applying the plan ----------------------------------------------------------------------

async function recordBaseline(ctx: ServiceContext, targets: TargetRef[], tuples: PrincipalTuple[], now: Date) {
  return ctx.db.$transaction(async (tx) => {
    const created = await tx.assignmentTuple.createMany({
      data: tuples.map((t) => ({
        accountId: t.accountId,
        permissionSetArn: t.permissionSetArn,
        principalId: t.principalId,
        standing: true,
        standingSource: "baseline",
        observedAt: now,
      })),
      skipDuplicates: true,
    });
    await emitAudit(
      tx,
      ctx.actor,
      {
        action: BASELINE_ACTION,
        entityType: "reconcile",
        entityId: "baseline",
        after: { targets: targets.map(targetKey), standing: tuples },
      },
      now,
    );
    return created.count;
  });
}

type DriftAction = Extract<ReconcileAction, { type: "drift" }>;

interface DriftOutcome {
  finding: "new" | "repeated" | "none";
  marked: number;
  recreated: number;
  removalQueued: boolean;
  alert: RaisedAlert | null;
}

async function applyDrift(
  ctx: ServiceContext,
  queue: JobQueue,
  action: DriftAction,
  now: Date,
  breakGlassTargets: ReadonlySet<string>,
): Promise<DriftOutcome> {
  const { tuple } = action;
  return ctx.db.$transaction(async (tx) => {
    await lockAssignmentTuple(tx, tuple);
    const outcome: DriftOutcome = { finding: "none", marked: 0, recreated: 0, removalQueued: false, alert: null };
    const grantTuple = {
      accountId: tuple.accountId,
      permissionSetArn: tuple.permissionSetArn,
      principalId: tuple.principalId,
    };
    let actionTaken: string | null = null;
    let grantId: string | null = action.grantIds[0] ?? null;

    if (action.remedy === "mark-failed") {
      const changed: string[] = [];
      for (const id of action.grantIds) {
        const grant = await tx.grant.findUnique({ where: { id }, select: { id: true, requestId: true } });
        if (!grant) continue;
        const failed = await moveGrant(
          tx,
          ctx.actor,
          grant,
          "ACTIVE",
          {
            event: "assignment-lost",
            action: "grant.assignment_lost",
            data: {
              failureReason: "The assignment was removed outside the portal, so this access is no longer in place.",
            },
            reason: DETAIL.MISSING_ASSIGNMENT,
          },
          now,
        );
        if (failed) changed.push(id);
      }
      // Every grant moved on since the plan was made: nothing of this drift is certain any more.
      if (changed.length === 0) return outcome;
      grantId = changed[0]!;
      outcome.marked = changed.length;
      actionTaken = "grant-marked-failed";
    } else if (action.remedy === "recreate") {
      if (await tupleBusy(tx, grantTuple, now, { ignoreActive: true })) return outcome;
      const grant = await tx.grant.findUniqueOrThrow({
        where: { id: grantId! },
        select: { id: true, requestId: true },
      });
      const recreating = await moveGrant(
        tx,
        ctx.actor,
        grant,
        "ACTIVE",
        {
          event: "recreate-assignment",
          action: "grant.recreating",
          data: { createRequestId: null, createIssuedAt: null, attempts: { increment: 1 } },
          reason: DETAIL.MISSING_ASSIGNMENT,
        },
        now,
      );
      if (!recreating) return outcome;
      await queue.send(
        tx,
        QUEUES.activateGrant,
        { grantId: grantId! },
        { singletonKey: `recreate-${grantId}-${now.getTime()}` },
      );
      outcome.recreated = 1;
      actionTaken = "recreate-requested";
    } else if (action.remedy === "unassign") {
      const standing = await tx.assignmentTuple.findUnique({
        where: { accountId_permissionSetArn_principalId: grantTuple },
        select: { standing: true },
      });
      if (standing?.standing) return outcome;
      if (tuple.principalType === "USER" && (await tupleBusy(tx, grantTuple, now, { ignoreActive: false })))
        return outcome;
      actionTaken = "removal-requested";
    }

    const existing = action.findingId
      ? await tx.driftFinding.findFirst({ where: { id: action.findingId, status: "OPEN" } })
      : await tx.driftFinding.findFirst({
          where: { ...grantTuple, principalType: tuple.principalType, kind: action.kind, status: "OPEN" },
          orderBy: { firstSeenAt: "asc" },
        });
    let findingId: string;
    let removalNewlyRequested = false;
    if (existing) {
      const pendingRemoval = existing.actionTaken === "removal-requested" || existing.actionTaken === "removal-failed";
      removalNewlyRequested = actionTaken === "removal-requested" && !pendingRemoval;
      await tx.driftFinding.update({
        where: { id: existing.id },
        data: { lastSeenAt: now, ...(actionTaken && !pendingRemoval ? { actionTaken } : {}) },
      });
      findingId = existing.id;
      outcome.finding = "repeated";
    } else if (action.findingId) {
      // The finding was accepted or resolved since the plan was made: leave the tuple to the next run.
      return outcome;
    } else {
      const created = await tx.driftFinding.create({
        data: {
          kind: action.kind,
          ...grantTuple,
          principalType: tuple.principalType,
          grantId,
          detail: DETAIL[action.kind],
          actionTaken,
          firstSeenAt: now,
          lastSeenAt: now,
        },
      });
      findingId = created.id;
      removalNewlyRequested = actionTaken === "removal-requested";
      const requestId = grantId
        ? ((await tx.grant.findUnique({ where: { id: grantId }, select: { requestId: true } }))?.requestId ?? null)
        : null;
      await emitAudit(
        tx,
        ctx.actor,
        {
          action: "drift.detected",
          entityType: "drift",
          entityId: findingId,
          requestId,
          after: { kind: action.kind, ...tuple, grantIds: action.grantIds, actionTaken },
        },
        now,
      );
      outcome.finding = "new";
      if (action.kind === "OUT_OF_BAND_ASSIGNMENT" && breakGlassTargets.has(targetKey(tuple)))
        await recordOfflineBreakGlass(ctx, tx, findingId, tuple, now);
    }

    if (actionTaken === "removal-requested") {
      if (removalNewlyRequested)
        await emitAudit(
          tx,
          ctx.actor,
          {
            action: "drift.removal_requested",
            entityType: "drift",
            entityId: findingId,
            after: { kind: action.kind, ...tuple },
            reason:
              action.kind === "LINGERING_ASSIGNMENT" ? "the grant has ended" : "policy removes out-of-band assignments",
          },
          now,
        );
      await queue.send(tx, QUEUES.unassignDrift, { findingId }, { singletonKey: `drift-unassign-${findingId}` });
      outcome.removalQueued = true;
    }
    if (action.remedy === "mark-failed" && grantId) {
      const grant = await tx.grant.findUniqueOrThrow({
        where: { id: grantId },
        select: { requestId: true, user: { select: { email: true } } },
      });
      outcome.alert = await recordAlert(
        tx,
        ctx.actor,
        {
          kind: "assignment-missing",
          severity: "warning",
          dedupeKey: missingAlertKey(grantId),
          subject: `Assignment removed outside the portal: grant of ${grant.user.email ?? "a user"} on ${tuple.accountId} marked failed`,
          detail: {
            findingId,
            grantId,
            accountId: tuple.accountId,
            permissionSetArn: tuple.permissionSetArn,
            principalId: tuple.principalId,
          },
          grantId,
          requestId: grant.requestId,
        },
        now,
      );
    }
    return outcome;
  });
}

/** Under the tuple lock: another operation on the tuple is in flight (or due), so acting now could race it. */
// An assignment on a break-glass target that nobody requested is what the offline path leaves behind: it is reviewed like a portal use.
async function recordOfflineBreakGlass(
  ctx: ServiceContext,
  tx: DbTransaction,
  findingId: string,
  tuple: PrincipalTuple,
  now: Date,
) {
  const use = await tx.breakGlassUse.create({
    data: {
      source: "OFFLINE",
      driftFindingId: findingId,
      principalId: tuple.principalId,
      accountId: tuple.accountId,
      permissionSetArn: tuple.permissionSetArn,
      usedAt: now,
    },
  });
  await emitAudit(
    tx,
    ctx.actor,
    {
      action: "breakglass.offline_detected",
      entityType: "breakglass",
      entityId: use.id,
      after: { useId: use.id, findingId, ...tuple },
      reason: "An assignment on a break-glass target was made outside the portal; review it on the break-glass page.",
    },
    now,
  );
}

async function tupleBusy(
  tx: DbTransaction,
  tuple: { accountId: string; permissionSetArn: string; principalId: string },
  now: Date,
  options: { ignoreActive: boolean },
) {
  const statuses = ASSIGNMENT_MAY_EXIST_STATUSES.filter((status) => !(options.ignoreActive && status === "ACTIVE"));
  const busy = await tx.grant.count({
    where: {
      ...tuple,
      OR: [
        { status: { in: statuses as ("PROVISIONING" | "ACTIVE" | "REMOVING" | "REMOVAL_FAILED")[] } },
        { status: "SCHEDULED", startsAt: { lte: now } },
      ],
    },
  });
  return busy > 0;
}

const RESOLVE_REASONS: Record<Extract<ReconcileAction, { type: "resolve" }>["reason"], string> = {
  "assignment-present": "The assignment is listed again.",
  "assignment-gone": "The assignment is no longer listed.",
  "now-standing": "The assignment is now recorded as standing.",
  "now-held-by-grant": "An active grant now holds the assignment.",
  "window-ended": "The grant's access window has ended.",
  superseded: "The assignment now drifts in another way, reported separately.",
  duplicate: "Another open finding reports the same drift.",
};

async function resolveFinding(ctx: ServiceContext, action: Extract<ReconcileAction, { type: "resolve" }>, now: Date) {
  return ctx.db.$transaction(async (tx) => {
    const changed = await tx.driftFinding.updateMany({
      where: { id: action.findingId, status: "OPEN" },
      data: { status: "RESOLVED", resolvedAt: now, resolvedBy: actorLabel(ctx.actor) },
    });
    if (changed.count !== 1) return 0;
    await emitAudit(
      tx,
      ctx.actor,
      {
        action: "drift.resolved",
        entityType: "drift",
        entityId: action.findingId,
        after: { status: "RESOLVED", kind: action.kind, why: action.reason },
        reason: RESOLVE_REASONS[action.reason],
      },
      now,
    );
    if (action.kind === "MISSING_ASSIGNMENT" && action.grantId)
      await resolveAlert(
        tx,
        ctx.actor,
        { dedupeKey: missingAlertKey(action.grantId), reason: RESOLVE_REASONS[action.reason] },
        now,
      );
    return 1;
  });
}
