import { z } from "zod";
import { toAwsPortError } from "../../aws/errors";
import { AssignmentTuple } from "../../aws/identity-center-port";
import { AppError } from "../../domain/errors";
import { recordId } from "../../domain/safe-text";
import {
  coversAfterDeprovision,
  isIdentityStoreUserId,
  isNotProvisionedFailure,
  revocationCutoff,
  revocationExpiry,
  type Revocation,
} from "../../domain/session-revocation";
import type { DbTransaction } from "../../db";
import { Prisma, type SessionRevocation } from "../../generated/prisma/client";
import { resolveAlert } from "../alerts/raise-alert";
import { emitAudit } from "../audit";
import type { ServiceContext } from "../context";
import { parseInput } from "../parse-input";
import { RetryLater } from "../grants/grant-support";
import type { PermissionSetLock } from "./permission-set-lock";
import {
  awaitProvisioning,
  editInlinePolicy,
  failRevocation,
  requestIdOf,
  sessionRevocationAlertKey,
  startProvisioning,
  withPermissionSetLock,
  type SessionRevocationDeps,
} from "./revocation-support";

export const ApplySessionRevocationInput = z.union([
  /** A grant that ended (or is ending): the cutoff is `endedAt`, else the earlier of its end and now, plus the skew margin. */
  z.strictObject({ grantId: recordId(), endedAt: z.coerce.date().optional() }),
  /** A tuple without a grant (e.g. drift): cut that user's sessions of the set issued before `cutoff`. */
  z.strictObject({
    permissionSetArn: AssignmentTuple.shape.permissionSetArn,
    accountId: AssignmentTuple.shape.accountId,
    // Not checked here: a user without a usable id is recorded as FAILED with an alert that says so.
    identityStoreUserId: z.string().max(200),
    cutoff: z.coerce.date(),
  }),
]);
export type ApplySessionRevocationInput = z.input<typeof ApplySessionRevocationInput>;

export interface ApplySessionRevocationResult {
  revocationId: string;
  status: SessionRevocation["status"];
}

/**
 * Worker verb: makes the permission set's inline policy deny the user's sessions issued before the cutoff, provisions it
 * to the account and waits for SUCCEEDED. Idempotent; a worker killed at any point resumes from the recorded state.
 */
export async function applySessionRevocation({
  ctx,
  input,
  deps,
}: {
  ctx: ServiceContext;
  input: unknown;
  deps: SessionRevocationDeps;
}): Promise<ApplySessionRevocationResult> {
  if (ctx.actor.type !== "system") throw new AppError("FORBIDDEN", "Only the worker cuts AWS sessions.");
  const row = await findOrRecordRevocation(ctx, deps, parseInput(ApplySessionRevocationInput, input));
  if (!needsWork(row)) return { revocationId: row.id, status: row.status };
  return withPermissionSetLock(deps, row.permissionSetArn, (lock) => applyUnderLock(ctx, deps, row.id, lock));
}

// A FAILED revocation with a user id is tried again (the customer may have fixed the policy); without one it never can be.
const needsWork = (row: SessionRevocation) =>
  row.identityStoreUserId !== null && (row.status === "PENDING" || row.status === "APPLIED" || row.status === "FAILED");

async function applyUnderLock(
  ctx: ServiceContext,
  deps: SessionRevocationDeps,
  revocationId: string,
  lock: PermissionSetLock,
): Promise<ApplySessionRevocationResult> {
  // Re-read under the lock: another worker may have finished it, or covered it with its own provisioning.
  const row = await ctx.db.sessionRevocation.findUniqueOrThrow({ where: { id: revocationId } });
  if (!needsWork(row)) return { revocationId: row.id, status: row.status };
  if (row.expiresAt <= ctx.now()) return finishExpired(ctx, row);

  let provisionRequestId = row.status === "APPLIED" ? row.provisionRequestId : null;
  let statements: Revocation[] = [];
  if (!provisionRequestId) {
    const outcome = await editInlinePolicy(ctx, deps, row.permissionSetArn, lock);
    if (outcome.kind === "permission-set-missing") {
      await failRevocation(ctx, row, "The permission set no longer exists in IAM Identity Center.", {
        severity: "warning",
        subject: "A permission set was deleted while the portal was cutting a user's sessions of it",
      });
      return { revocationId: row.id, status: "FAILED" };
    }
    if (outcome.kind === "refused") {
      const tooLarge = outcome.edit.kind === "too-large";
      await failRevocation(ctx, row, outcome.edit.reason, {
        severity: "critical",
        subject: tooLarge
          ? "Live AWS sessions not cut: the permission set's inline policy would exceed AWS's size limit"
          : "Live AWS sessions not cut: the permission set's inline policy could not be read, so the portal left it untouched",
      });
      return { revocationId: row.id, status: "FAILED" };
    }
    if (outcome.edit.kind === "put" || outcome.edit.kind === "unchanged") statements = outcome.edit.statements;
    provisionRequestId = await startProvisioning(deps, row.permissionSetArn, row.accountId, lock);
    const appliedAt = ctx.now();
    const policyChanged = outcome.kind === "written";
    await ctx.db.$transaction(async (tx) => {
      await tx.sessionRevocation.update({
        where: { id: row.id },
        data: { status: "APPLIED", provisionRequestId, appliedAt, lastError: null },
      });
      await emitAudit(
        tx,
        ctx.actor,
        {
          action: "session.revocation_applied",
          entityType: "session_revocation",
          entityId: row.id,
          requestId: await requestIdOf(tx, row),
          before: { status: row.status },
          after: {
            status: "APPLIED",
            permissionSetArn: row.permissionSetArn,
            accountId: row.accountId,
            cutoff: row.cutoff.toISOString(),
            expiresAt: row.expiresAt.toISOString(),
            policyChanged,
            awsRequestId: provisionRequestId,
          },
        },
        appliedAt,
      );
    });
  }

  const outcome = await awaitProvisioning(deps, provisionRequestId);
  if (outcome.status === "FAILED") return provisioningFailed(ctx, deps, row, outcome.failureReason);
  const verifiedAt = ctx.now();
  await ctx.db.$transaction(async (tx) => {
    const covered = await tx.sessionRevocation.findMany({
      where: {
        permissionSetArn: row.permissionSetArn,
        accountId: row.accountId,
        status: { in: ["PENDING", "APPLIED"] },
        OR: [
          { id: row.id },
          // Others whose statement this provisioning carried need no provisioning of their own.
          ...statements.map((statement) => ({
            identityStoreUserId: statement.identityStoreUserId,
            cutoff: { lte: statement.cutoff },
          })),
        ],
      },
    });
    for (const revocation of covered)
      await markVerified(tx, ctx.actor, revocation, {
        fromStatuses: [revocation.status],
        provisionRequestId,
        at: verifiedAt,
        // An earlier attempt's alert is over once the deny is provisioned.
        alertReason: "the session deny was provisioned",
      });
  });
  return { revocationId: row.id, status: "VERIFIED" };
}

/** Moves one unfinished revocation to VERIFIED with its audit row and resolves its alert; false if it had moved on. */
async function markVerified(
  tx: DbTransaction,
  actor: ServiceContext["actor"],
  revocation: SessionRevocation,
  options: {
    fromStatuses: SessionRevocation["status"][];
    provisionRequestId: string | null;
    at: Date;
    /** Another revocation whose provisioned deny covers this one. */
    coveredBy?: string;
    reason?: string;
    alertReason: string;
  },
): Promise<boolean> {
  const { provisionRequestId, at } = options;
  const moved = await tx.sessionRevocation.updateMany({
    where: { id: revocation.id, status: { in: options.fromStatuses } },
    data: { status: "VERIFIED", verifiedAt: at, provisionRequestId, lastError: null },
  });
  if (moved.count === 0) return false;
  const requestId = await requestIdOf(tx, revocation);
  await emitAudit(
    tx,
    actor,
    {
      action: "session.revocation_verified",
      entityType: "session_revocation",
      entityId: revocation.id,
      requestId,
      before: { status: revocation.status },
      after: {
        status: "VERIFIED",
        permissionSetArn: revocation.permissionSetArn,
        accountId: revocation.accountId,
        cutoff: revocation.cutoff.toISOString(),
        ...(options.coveredBy ? { coveredBy: options.coveredBy } : {}),
        awsRequestId: provisionRequestId,
      },
      ...(options.reason ? { reason: options.reason } : {}),
    },
    at,
  );
  await resolveAlert(
    tx,
    actor,
    { dedupeKey: sessionRevocationAlertKey(revocation.id), reason: options.alertReason, requestId },
    at,
  );
  return true;
}

/** FAILED provisioning leaves the account on the old policy: retried, then past the threshold FAILED with the alert. */
async function provisioningFailed(
  ctx: ServiceContext,
  deps: SessionRevocationDeps,
  row: SessionRevocation,
  failureReason: string | undefined,
): Promise<never | ApplySessionRevocationResult> {
  const reason = failureReason ?? "IAM Identity Center reported the provisioning as FAILED without a reason.";
  if (isNotProvisionedFailure(reason)) {
    const covered = await coverByVerifiedDeny(ctx, row);
    if (covered) return covered;
  }
  const attempts = row.attempts + 1;
  // Another worker's provisioning may have carried this statement and verified the row meanwhile: never undo that.
  const reset = await ctx.db.sessionRevocation.updateMany({
    where: { id: row.id, status: { in: ["PENDING", "APPLIED"] } },
    data: { attempts, provisionRequestId: null, status: "PENDING", lastError: reason.slice(0, 1000) },
  });
  if (reset.count !== 1) return settledMeanwhile(ctx, row);
  if (attempts < (deps.provisioningFailuresBeforeAlert ?? 3) && !isNotProvisionedFailure(reason))
    throw new RetryLater(`provisioning the session deny FAILED: ${reason}`);
  const failed = await failRevocation(ctx, { ...row, status: "PENDING" }, reason, {
    severity: "critical",
    subject: isNotProvisionedFailure(reason)
      ? "Live AWS sessions not confirmed cut: the permission set was no longer provisioned in the account (assignment removed before the deny)"
      : "Live AWS sessions not cut: provisioning the deny to the account kept failing",
    detail: { attempts },
  });
  return failed ? { revocationId: row.id, status: "FAILED" } : settledMeanwhile(ctx, row);
}

/** The status another worker left a revocation in while this attempt failed. */
async function settledMeanwhile(ctx: ServiceContext, row: SessionRevocation): Promise<ApplySessionRevocationResult> {
  const current = await ctx.db.sessionRevocation.findUniqueOrThrow({ where: { id: row.id }, select: { status: true } });
  return { revocationId: row.id, status: current.status };
}

/**
 * Another grant of the same user and tuple deleted the assignment after provisioning its own deny: the set left the
 * account, so that verified deny (cutoff not before now) already cuts every session this revocation is about.
 */
async function coverByVerifiedDeny(
  ctx: ServiceContext,
  row: SessionRevocation,
): Promise<ApplySessionRevocationResult | null> {
  const now = ctx.now();
  const candidates = await ctx.db.sessionRevocation.findMany({
    where: {
      id: { not: row.id },
      permissionSetArn: row.permissionSetArn,
      accountId: row.accountId,
      identityStoreUserId: row.identityStoreUserId,
      status: "VERIFIED",
    },
    orderBy: { cutoff: "desc" },
    take: 1,
  });
  const covering = candidates.find((candidate) => coversAfterDeprovision(candidate, row, now));
  if (!covering) return null;
  return ctx.db.$transaction(async (tx) => {
    const moved = await markVerified(tx, ctx.actor, row, {
      // The row read before this attempt may say PENDING while the attempt moved it to APPLIED: any unfinished state.
      fromStatuses: ["PENDING", "APPLIED", "FAILED"],
      provisionRequestId: covering.provisionRequestId,
      at: now,
      coveredBy: covering.id,
      reason:
        "the permission set left the account after the user's verified deny (cutoff not before now) was provisioned",
      alertReason: "covered by the user's verified deny",
    });
    return moved ? { revocationId: row.id, status: "VERIFIED" as const } : null;
  });
}

/** Every session issued before the cutoff has expired already: nothing is left to cut. */
async function finishExpired(ctx: ServiceContext, row: SessionRevocation): Promise<ApplySessionRevocationResult> {
  const now = ctx.now();
  await ctx.db.$transaction(async (tx) => {
    await tx.sessionRevocation.update({ where: { id: row.id }, data: { status: "CLEANED", cleanedAt: now } });
    await emitAudit(
      tx,
      ctx.actor,
      {
        action: "session.revocation_cleaned",
        entityType: "session_revocation",
        entityId: row.id,
        requestId: await requestIdOf(tx, row),
        before: { status: row.status },
        after: { status: "CLEANED", permissionSetArn: row.permissionSetArn, accountId: row.accountId },
        reason: "every session issued before the cutoff had expired before the deny was applied",
      },
      now,
    );
  });
  return { revocationId: row.id, status: "CLEANED" };
}

async function findOrRecordRevocation(
  ctx: ServiceContext,
  deps: SessionRevocationDeps,
  input: z.output<typeof ApplySessionRevocationInput>,
): Promise<SessionRevocation> {
  if ("grantId" in input) {
    const grant = await ctx.db.grant.findUnique({
      where: { id: input.grantId },
      select: {
        id: true,
        accountId: true,
        permissionSetArn: true,
        principalId: true,
        endsAt: true,
        user: { select: { email: true, identityStoreUserId: true } },
      },
    });
    if (!grant) throw new AppError("NOT_FOUND", "That grant does not exist.");
    const cutoff = revocationCutoff(input.endedAt ?? earlierOf(grant.endsAt, ctx.now()));
    const existing = await ctx.db.sessionRevocation.findFirst({
      where: { grantId: grant.id, status: { not: "CLEANED" } },
      orderBy: { cutoff: "desc" },
    });
    // A retry resumes the revocation already recorded; only an explicitly later end adds a later cutoff.
    if (existing && (!input.endedAt || existing.cutoff >= cutoff)) return existing;
    const identityStoreUserId = grant.principalId ?? grant.user.identityStoreUserId;
    return recordRevocation(ctx, deps, {
      grantId: grant.id,
      permissionSetArn: grant.permissionSetArn,
      accountId: grant.accountId,
      identityStoreUserId,
      cutoff,
      userLabel: grant.user.email ?? "a user",
    });
  }
  return recordRevocation(ctx, deps, {
    grantId: null,
    permissionSetArn: input.permissionSetArn,
    accountId: input.accountId,
    identityStoreUserId: input.identityStoreUserId,
    cutoff: input.cutoff,
    userLabel: input.identityStoreUserId,
  });
}

async function recordRevocation(
  ctx: ServiceContext,
  deps: SessionRevocationDeps,
  target: {
    grantId: string | null;
    permissionSetArn: string;
    accountId: string;
    identityStoreUserId: string | null;
    cutoff: Date;
    userLabel: string;
  },
): Promise<SessionRevocation> {
  const { identityStoreUserId, userLabel, ...fields } = target;
  if (!identityStoreUserId || !isIdentityStoreUserId(identityStoreUserId)) {
    const recorded = await ctx.db.sessionRevocation.findFirst({ where: { ...fields, identityStoreUserId: null } });
    if (recorded) return recorded;
    const row = await ctx.db.sessionRevocation.create({
      data: { ...fields, identityStoreUserId: null, expiresAt: revocationExpiry(target.cutoff, null) },
    });
    await failRevocation(
      ctx,
      row,
      "The user has no IAM Identity Center user id, so the portal cannot deny their sessions.",
      {
        severity: "critical",
        subject: `Live AWS sessions of ${userLabel || "a user"} cannot be cut: the user has no IAM Identity Center user id in the portal`,
      },
    );
    return ctx.db.sessionRevocation.findUniqueOrThrow({ where: { id: row.id } });
  }
  const expiresAt = revocationExpiry(target.cutoff, await longestSessionMinutes(ctx, deps, target.permissionSetArn));
  const key = {
    permissionSetArn: target.permissionSetArn,
    accountId: target.accountId,
    identityStoreUserId,
    cutoff: target.cutoff,
  };
  try {
    return await ctx.db.sessionRevocation.upsert({
      where: { permissionSetArn_accountId_identityStoreUserId_cutoff: key },
      create: { ...fields, identityStoreUserId, expiresAt },
      update: {},
    });
  } catch (error) {
    // Two workers recording the same revocation at once: the other one's row is the one.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002")
      return ctx.db.sessionRevocation.findUniqueOrThrow({
        where: { permissionSetArn_accountId_identityStoreUserId_cutoff: key },
      });
    throw error;
  }
}

/** The longer of the inventory's and AWS's current session duration; null (→ 12 h) when neither is known. */
async function longestSessionMinutes(ctx: ServiceContext, deps: SessionRevocationDeps, permissionSetArn: string) {
  const known = await ctx.db.permissionSet.findUnique({
    where: { arn: permissionSetArn },
    select: { sessionDurationMinutes: true },
  });
  let live: number | null = null;
  try {
    live = (await deps.port.describePermissionSet(permissionSetArn))?.sessionDurationMinutes ?? null;
  } catch (error) {
    if (toAwsPortError(error).retryable) throw new RetryLater(`DescribePermissionSet: ${toAwsPortError(error).code}`);
  }
  if (known === null && live === null) return null;
  return Math.max(known?.sessionDurationMinutes ?? 0, live ?? 0);
}

const earlierOf = (a: Date, b: Date) => (a.getTime() <= b.getTime() ? a : b);
