import { toAwsPortError } from "../../aws/errors";
import { AppError } from "../../domain/errors";
import { emitAudit } from "../audit";
import { driftRemovalAlertKey } from "../alerts/check-removal-alerts";
import { resolveAlert } from "../alerts/raise-alert";
import { actorLabel, type ServiceContext } from "../context";
import { awaitOperation, RetryLater, type GrantDeps } from "../grants/grant-support";
import { lockAssignmentTuple } from "../tuple-lock";
import { ASSIGNMENT_MAY_EXIST_STATUSES } from "../../domain/request-lifecycle";
import { log } from "../../log";

export type UnassignDriftResult = "removed" | "skipped" | "failed";

/** Worker verb: remove and verify a drifted assignment; never a standing one or one a grant holds, re-checked under the tuple lock. */
export async function unassignDrift({
  ctx,
  input,
  deps,
}: {
  ctx: ServiceContext;
  input: { findingId: string };
  deps: GrantDeps;
}): Promise<UnassignDriftResult> {
  if (ctx.actor.type !== "system") throw new AppError("FORBIDDEN", "Only the worker removes assignments.");
  const finding = await ctx.db.driftFinding.findUnique({ where: { id: input.findingId } });
  if (!finding || finding.status !== "OPEN" || finding.kind === "MISSING_ASSIGNMENT") return "skipped";
  const key = {
    accountId: finding.accountId,
    permissionSetArn: finding.permissionSetArn,
    principalId: finding.principalId,
  };
  const principalType = finding.principalType === "GROUP" ? ("GROUP" as const) : ("USER" as const);
  const now = ctx.now();

  const refusal = await ctx.db.$transaction(async (tx) => {
    await lockAssignmentTuple(tx, key);
    const row = await tx.assignmentTuple.findUnique({
      where: { accountId_permissionSetArn_principalId: key },
      select: { standing: true },
    });
    if (row?.standing) return "The assignment is standing (baseline or accepted), so it is never removed.";
    if (principalType === "USER") {
      const holders = await tx.grant.count({
        where: {
          ...key,
          OR: [{ status: { in: [...ASSIGNMENT_MAY_EXIST_STATUSES] } }, { status: "SCHEDULED", startsAt: { lte: now } }],
        },
      });
      if (holders > 0) return "A grant holds (or is about to create) this assignment now.";
    }
    return null;
  });
  if (refusal) {
    await ctx.db.$transaction(async (tx) => {
      const changed = await tx.driftFinding.updateMany({
        where: {
          id: finding.id,
          status: "OPEN",
          OR: [{ actionTaken: null }, { actionTaken: { not: "removal-skipped" } }],
        },
        data: { actionTaken: "removal-skipped" },
      });
      if (changed.count === 1)
        await emitAudit(
          tx,
          ctx.actor,
          {
            action: "drift.removal_skipped",
            entityType: "drift",
            entityId: finding.id,
            after: { kind: finding.kind, ...key, principalType },
            reason: refusal,
          },
          now,
        );
    });
    return "skipped";
  }

  let awsRequestId: string | null = null;
  try {
    const issued = await deps.port.unassign({ ...key, principalType });
    if (issued.status !== "ALREADY_ABSENT") awsRequestId = issued.requestId;
  } catch (error) {
    const portError = toAwsPortError(error);
    if (portError.retryable) throw new RetryLater(`DeleteAccountAssignment: ${portError.code}`);
    await recordFailure(ctx, finding, portError.message);
    return "failed";
  }
  if (awsRequestId) {
    const outcome = await awaitOperation(deps, "deletion", awsRequestId);
    if (outcome.status !== "SUCCEEDED") {
      await recordFailure(
        ctx,
        finding,
        outcome.failureReason ?? "IAM Identity Center reported the removal as FAILED without a reason.",
      );
      throw new RetryLater("drift removal failed");
    }
  }
  let stillAssigned: boolean;
  try {
    stillAssigned = (
      await (deps.listForVerification ?? deps.port.listAssignments)({
        accountId: key.accountId,
        permissionSetArn: key.permissionSetArn,
      })
    ).some((a) => a.principalType === principalType && a.principalId === key.principalId);
  } catch (error) {
    throw new RetryLater(`verifying drift removal: ${toAwsPortError(error).code}`);
  }
  if (stillAssigned) {
    await recordFailure(ctx, finding, "The removal reported success but the assignment is still listed.");
    throw new RetryLater("drift removal not verified");
  }
  const done = ctx.now();
  await ctx.db.$transaction(async (tx) => {
    // The reconciler may have resolved the finding once the assignment was gone: the verified removal is still recorded.
    const changed = await tx.driftFinding.updateMany({
      where: { id: finding.id, OR: [{ actionTaken: null }, { actionTaken: { not: "removed" } }] },
      data: { status: "RESOLVED", actionTaken: "removed", resolvedAt: done, resolvedBy: actorLabel(ctx.actor) },
    });
    if (changed.count !== 1) return;
    await emitAudit(
      tx,
      ctx.actor,
      {
        action: "drift.removed",
        entityType: "drift",
        entityId: finding.id,
        after: { kind: finding.kind, ...key, principalType, awsRequestId, verified: true },
      },
      done,
    );
    await resolveAlert(
      tx,
      ctx.actor,
      { dedupeKey: driftRemovalAlertKey(finding.id), reason: "The removal was verified." },
      done,
    );
  });
  return "removed";
}

/** Audited once per failure streak (retries do not repeat it); the unverified-removal alert takes it from there. */
async function recordFailure(
  ctx: ServiceContext,
  finding: { id: string; kind: string; accountId: string; permissionSetArn: string; principalId: string },
  reason: string,
) {
  const now = ctx.now();
  await ctx.db.$transaction(async (tx) => {
    const changed = await tx.driftFinding.updateMany({
      where: {
        id: finding.id,
        status: "OPEN",
        OR: [{ actionTaken: null }, { actionTaken: { not: "removal-failed" } }],
      },
      data: { actionTaken: "removal-failed" },
    });
    if (changed.count === 1)
      await emitAudit(
        tx,
        ctx.actor,
        {
          action: "drift.removal_failed",
          entityType: "drift",
          entityId: finding.id,
          after: {
            kind: finding.kind,
            accountId: finding.accountId,
            permissionSetArn: finding.permissionSetArn,
            principalId: finding.principalId,
          },
          reason: reason.slice(0, 1000),
        },
        now,
      );
  });
  log.error({ findingId: finding.id }, "removal for drift finding not verified");
}
