import { toAwsPortError } from "../../aws/errors";
import { getMetrics, secondsBetween } from "../../metrics/registry";
import type { ServiceContext } from "../context";
import { assertClaimHeld, awaitOperation, RetryLater, type GrantClaim, type GrantDeps } from "./grant-support";
import { moveGrant, recordGrantOperation } from "./grant-transitions";
import { log } from "../../log";

export type RemovalResult = "removed" | "skipped";

/**
 * The removal path, REMOVING → REMOVED or REMOVAL_FAILED: DeleteAccountAssignment (or follow the delete already issued),
 * wait for it, then verify the principal is gone from the live list. The caller holds the grant's claim.
 */
export async function removeGrantAssignment(
  ctx: ServiceContext,
  deps: GrantDeps,
  grantId: string,
  claim: GrantClaim,
): Promise<RemovalResult> {
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
      const deleteRequestId = issued.requestId;
      awsRequestId = deleteRequestId;
      const issuedAt = ctx.now();
      if (
        await ctx.db.$transaction((tx) =>
          recordGrantOperation(tx, ctx.actor, grant, "delete", deleteRequestId, issuedAt),
        )
      )
        getMetrics().grantDeleteIssued.observe(secondsBetween(grant.endsAt, issuedAt));
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
  const verified = await ctx.db.$transaction((tx) =>
    moveGrant(
      tx,
      ctx.actor,
      grant,
      "REMOVING",
      {
        event: "removal-verified",
        action: "grant.removed",
        data: { deleteVerifiedAt: now },
        after: { awsRequestId, verified: true },
      },
      now,
    ),
  );
  if (verified) getMetrics().grantDeleteVerified.observe(secondsBetween(grant.endsAt, now));
  return "removed";
}

/** A removal we cannot verify is loud: audited, logged, and retried until it is verified. */
async function markRemovalFailed(
  ctx: ServiceContext,
  grant: { id: string; requestId: string },
  reason: string,
): Promise<never> {
  const now = ctx.now();
  await ctx.db.$transaction((tx) =>
    moveGrant(
      tx,
      ctx.actor,
      grant,
      "REMOVING",
      {
        event: "removal-failed",
        action: "grant.removal_failed",
        data: { failureReason: reason.slice(0, 1000) },
        reason,
      },
      now,
    ),
  );
  log.error({ grantId: grant.id, reason }, "ALERT removal of grant not verified");
  throw new RetryLater(`removal not verified: ${reason}`);
}
