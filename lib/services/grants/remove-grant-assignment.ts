import { toAwsPortError } from "../../aws/errors";
import { getMetrics, secondsBetween } from "../../metrics/registry";
import type { ServiceContext } from "../context";
import { assertClaimHeld, awaitOperation, RetryLater, type GrantClaim, type GrantDeps } from "./grant-support";
import { moveGrant, recordGrantOperation } from "./grant-transitions";
import { log } from "../../log";
import { applySessionRevocation } from "../sessions/apply-session-revocation";

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
  const cutsSessions = await promisedSessionCut(ctx, grant.targetId);
  if (!awsRequestId) {
    // Before the delete: removing the last assignment may de-provision the set, after which the deny cannot ship.
    if (cutsSessions) await cutLiveSessions(ctx, deps, grant.id);
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
  // Credentials minted after the cutoff but before the delete took effect escape it: extend the cutoff to now (still REMOVING, so resumable).
  if (cutsSessions && awsRequestId) await cutLiveSessions(ctx, deps, grant.id, ctx.now());
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

/** The grant's snapshotted policy promise: cut live sessions at the end unless its rules said `sessionRevocation: off`. */
async function promisedSessionCut(ctx: ServiceContext, targetId: string): Promise<boolean> {
  const target = await ctx.db.requestTarget.findUnique({
    where: { id: targetId },
    select: { revokeSessionsOnEnd: true },
  });
  return target?.revokeSessionsOnEnd ?? true;
}

/**
 * Denies the user's sessions of the set issued before the grant's end (plus margin) and waits until it is provisioned.
 * `removedBy` (after the delete) only adds a later cutoff when the delete finished after the recorded one. A FAILED
 * revocation has raised its own fail-closed alert and the assignment still goes; a retryable one keeps the grant
 * REMOVING, so the unverified-removal alert follows if it lasts.
 */
async function cutLiveSessions(ctx: ServiceContext, deps: GrantDeps, grantId: string, removedBy?: Date) {
  if (removedBy) {
    const recorded = await ctx.db.sessionRevocation.findFirst({
      where: { grantId, status: { not: "CLEANED" }, identityStoreUserId: { not: null } },
      orderBy: { cutoff: "desc" },
      select: { cutoff: true },
    });
    if (!recorded || recorded.cutoff > removedBy) return;
  }
  await applySessionRevocation({
    ctx,
    input: removedBy ? { grantId, endedAt: removedBy } : { grantId },
    deps: { port: deps.port, poll: deps.poll, ...deps.sessions },
  });
}
