import { toAwsPortError } from "../../aws/errors";
import { AppError } from "../../domain/errors";
import { emitAudit } from "../audit";
import type { ServiceContext } from "../context";
import {
  assertClaimHeld,
  awaitOperation,
  casGrant,
  endGrantInTx,
  RetryLater,
  syncRequestStatus,
  withGrantClaim,
  type GrantClaim,
  type GrantDeps,
} from "./grant-support";

export type DeactivateGrantResult = "removed" | "kept" | "removal-failed" | "skipped" | "not-due";

// A job may fire a little early (clock skew between workers); anything sooner than this is treated as due.
const EARLY_TOLERANCE_MS = 1_000;

/** Worker verb: at the end of a grant's window, remove the assignment unless another grant or a standing assignment still needs it, and verify. */
export async function deactivateGrant({
  ctx,
  input,
  deps,
}: {
  ctx: ServiceContext;
  input: { grantId: string };
  deps: GrantDeps;
}): Promise<DeactivateGrantResult> {
  if (ctx.actor.type !== "system") throw new AppError("FORBIDDEN", "Only the worker removes assignments.");
  // Busy: another worker drives this grant now (often its activation, about to hand over); look again shortly.
  return withGrantClaim(
    deps,
    input.grantId,
    () => {
      throw new RetryLater("another worker is handling this grant");
    },
    (claim) => deactivateClaimed(ctx, input.grantId, deps, claim),
  );
}

async function deactivateClaimed(
  ctx: ServiceContext,
  grantId: string,
  deps: GrantDeps,
  claim: GrantClaim,
): Promise<DeactivateGrantResult> {
  const grant = await ctx.db.grant.findUnique({ where: { id: grantId } });
  if (!grant) return "skipped";
  const now = ctx.now();

  if (grant.status === "SCHEDULED") {
    if (grant.endsAt.getTime() > now.getTime() + EARLY_TOLERANCE_MS) return "not-due";
    await ctx.db.$transaction(async (tx) => {
      if (!(await casGrant(tx, grant.id, "SCHEDULED", { status: "CANCELLED" }))) return;
      await emitAudit(
        tx,
        ctx.actor,
        {
          action: "grant.cancelled",
          entityType: "grant",
          entityId: grant.id,
          requestId: grant.requestId,
          before: { status: "SCHEDULED" },
          after: { status: "CANCELLED" },
          reason: "window ended before activation",
        },
        now,
      );
      await syncRequestStatus(tx, ctx.actor, grant.requestId, now);
    });
    return "skipped";
  }
  if (grant.status === "PROVISIONING") throw new RetryLater("the assignment is still being created");
  if (grant.status === "ACTIVE" || grant.status === "REMOVAL_FAILED") {
    // An extension moved the end: the job for the new end time will do the work.
    if (grant.status === "ACTIVE" && grant.endsAt.getTime() > now.getTime() + EARLY_TOLERANCE_MS) return "not-due";
    const ending = { ...grant, principalId: grant.principalId! };
    // A failed removal is decided again: another grant may have taken the assignment over meanwhile.
    const decision = await ctx.db.$transaction((tx) =>
      grant.status === "ACTIVE"
        ? endGrantInTx(tx, ctx.actor, ending, "ACTIVE", now, {
            removingAction: "grant.removing",
            keptAction: "grant.ended_assignment_kept",
          })
        : endGrantInTx(tx, ctx.actor, ending, "REMOVAL_FAILED", now, {
            removingAction: "grant.removal_retried",
            keptAction: "grant.ended_assignment_kept",
            removingData: { deleteRequestId: null },
          }),
    );
    if (decision === "wait") throw new RetryLater("another grant of the same assignment is still being created");
    if (decision === "kept") return "kept";
    if (decision === "lost") return "skipped";
  } else if (grant.status !== "REMOVING") {
    return "skipped";
  }
  return removeAndVerify(ctx, deps, grantId, claim);
}

/** Deletes a REMOVING grant's assignment (or follows the delete already issued) and verifies it is gone; the caller holds the grant's claim. */
export async function removeAndVerify(
  ctx: ServiceContext,
  deps: GrantDeps,
  grantId: string,
  claim: GrantClaim,
): Promise<DeactivateGrantResult> {
  const grant = await ctx.db.grant.findUniqueOrThrow({ where: { id: grantId } });
  if (grant.status !== "REMOVING") return "skipped";
  const tuple = {
    accountId: grant.accountId,
    permissionSetArn: grant.permissionSetArn,
    principalType: "USER" as const,
    principalId: grant.principalId!,
  };
  let awsRequestId = grant.deleteRequestId;
  if (!awsRequestId) {
    let issued;
    try {
      assertClaimHeld(claim);
      issued = await deps.port.unassign(tuple);
    } catch (error) {
      if (error instanceof RetryLater) throw error;
      const portError = toAwsPortError(error);
      if (portError.retryable) throw new RetryLater(`DeleteAccountAssignment: ${portError.code}`);
      return markRemovalFailed(ctx, grant, portError.message);
    }
    if (issued.status !== "ALREADY_ABSENT") {
      awsRequestId = issued.requestId;
      await ctx.db.$transaction(async (tx) => {
        if (
          !(await casGrant(
            tx,
            grant.id,
            "REMOVING",
            { deleteRequestId: awsRequestId, deleteIssuedAt: ctx.now() },
            { deleteRequestId: null },
          ))
        )
          return;
        await emitAudit(
          tx,
          ctx.actor,
          {
            action: "grant.delete_issued",
            entityType: "grant",
            entityId: grant.id,
            requestId: grant.requestId,
            after: { awsRequestId },
          },
          ctx.now(),
        );
      });
    }
  }
  if (awsRequestId) {
    const outcome = await awaitOperation(deps, "deletion", awsRequestId);
    if (outcome.status !== "SUCCEEDED")
      return markRemovalFailed(
        ctx,
        grant,
        outcome.failureReason ?? "IAM Identity Center reported the removal as FAILED without a reason.",
      );
  }
  // Verified means we looked: the principal must be gone from the live assignment list.
  let stillAssigned: boolean;
  try {
    stillAssigned = (
      await (deps.listForVerification ?? deps.port.listAssignments)({
        accountId: tuple.accountId,
        permissionSetArn: tuple.permissionSetArn,
      })
    ).some((a) => a.principalType === "USER" && a.principalId === tuple.principalId);
  } catch (error) {
    throw new RetryLater(`verifying removal: ${toAwsPortError(error).code}`);
  }
  if (stillAssigned)
    return markRemovalFailed(ctx, grant, "The removal reported success but the assignment is still listed.");
  const now = ctx.now();
  await ctx.db.$transaction(async (tx) => {
    if (!(await casGrant(tx, grant.id, "REMOVING", { status: "REMOVED", deleteVerifiedAt: now }))) return;
    await emitAudit(
      tx,
      ctx.actor,
      {
        action: "grant.removed",
        entityType: "grant",
        entityId: grant.id,
        requestId: grant.requestId,
        before: { status: "REMOVING" },
        after: { status: "REMOVED", awsRequestId, verified: true },
      },
      now,
    );
    await syncRequestStatus(tx, ctx.actor, grant.requestId, now);
  });
  return "removed";
}

/** A removal we cannot verify is loud: audited, logged, and retried until it is verified. */
async function markRemovalFailed(
  ctx: ServiceContext,
  grant: { id: string; requestId: string },
  reason: string,
): Promise<DeactivateGrantResult> {
  const now = ctx.now();
  await ctx.db.$transaction(async (tx) => {
    if (!(await casGrant(tx, grant.id, "REMOVING", { status: "REMOVAL_FAILED", failureReason: reason.slice(0, 1000) })))
      return;
    await emitAudit(
      tx,
      ctx.actor,
      {
        action: "grant.removal_failed",
        entityType: "grant",
        entityId: grant.id,
        requestId: grant.requestId,
        before: { status: "REMOVING" },
        after: { status: "REMOVAL_FAILED" },
        reason,
      },
      now,
    );
  });
  console.error(`[ALERT] removal of grant ${grant.id} not verified: ${reason}`);
  throw new RetryLater(`removal not verified: ${reason}`);
}
