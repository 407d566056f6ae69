import { toAwsPortError, type AwsPortErrorCode } from "../../aws/errors";
import { getMetrics, secondsBetween } from "../../metrics/registry";
import type { ServiceContext } from "../context";
import { assertClaimHeld, awaitOperation, RetryLater, type GrantClaim, type GrantDeps } from "./grant-support";
import { moveGrant, recordGrantOperation } from "./grant-transitions";
import { log } from "../../log";
import { applySessionRevocation } from "../sessions/apply-session-revocation";
import { failRevocation } from "../sessions/revocation-support";

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
    // A late removal (the cutoff already past) also covers what was minted since, while the assignment still exists.
    if (cutsSessions) {
      await cutLiveSessions(ctx, deps, grant.id);
      await cutLiveSessions(ctx, deps, grant.id, ctx.now());
    }
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
  let unconfirmed = false;
  if (awsRequestId) {
    const outcome = await awaitOperation(deps, "deletion", awsRequestId);
    if (outcome.status !== "SUCCEEDED")
      return markRemovalFailed(
        ctx,
        grant,
        outcome.failureReason ?? "IAM Identity Center reported the removal as FAILED without a reason.",
      );
    unconfirmed = "unconfirmed" in outcome && outcome.unconfirmed === true;
  }
  // Verified means we looked: the principal must be gone from the live assignment list.
  let stillAssigned = await isStillListed(deps.listForVerification ?? deps.port.listAssignments, tuple);
  if (stillAssigned && unconfirmed && awsRequestId) {
    // The status sweeps never saw this delete running, perhaps before AWS listed it: ask for it alone, then look again.
    const outcome = await awaitOperation({ ...deps, statusBatch: undefined }, "deletion", awsRequestId);
    if (outcome.status !== "SUCCEEDED")
      return markRemovalFailed(
        ctx,
        grant,
        outcome.failureReason ?? "IAM Identity Center reported the removal as FAILED without a reason.",
      );
    stillAssigned = await isStillListed(deps.port.listAssignments, tuple);
  }
  if (stillAssigned)
    return markRemovalFailed(ctx, grant, "The removal reported success but the assignment is still listed.");
  // A delete slower than the margin: credentials minted after the cutoff escape it, so extend it (still REMOVING, so resumable).
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

async function isStillListed(
  list: GrantDeps["port"]["listAssignments"],
  tuple: { accountId: string; permissionSetArn: string; principalId: string },
): Promise<boolean> {
  try {
    return (await list({ accountId: tuple.accountId, permissionSetArn: tuple.permissionSetArn })).some(
      (a) => a.principalType === "USER" && a.principalId === tuple.principalId,
    );
  } catch (error) {
    throw new RetryLater(`verifying removal: ${toAwsPortError(error).code}`);
  }
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

const DEFINITE_REFUSALS: ReadonlySet<AwsPortErrorCode> = new Set(["ACCESS_DENIED", "VALIDATION", "QUOTA_EXCEEDED"]);

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
 * `removedBy` only adds a later cutoff (from `removedBy`) when the recorded one is not after it. A FAILED
 * revocation has raised its own fail-closed alert and the assignment still goes; a retryable one keeps the grant
 * REMOVING, so the unverified-removal alert follows if it lasts.
 */
async function cutLiveSessions(ctx: ServiceContext, deps: GrantDeps, grantId: string, removedBy?: Date) {
  if (removedBy) {
    // A CLEANED row counts: its sessions had expired, but what was minted after its cutoff has not.
    const recorded = await ctx.db.sessionRevocation.findFirst({
      where: { grantId, identityStoreUserId: { not: null } },
      orderBy: { cutoff: "desc" },
      select: { cutoff: true },
    });
    if (!recorded || recorded.cutoff > removedBy) return;
  }
  try {
    await applySessionRevocation({
      ctx,
      input: removedBy ? { grantId, endedAt: removedBy } : { grantId },
      deps: { port: deps.port, poll: deps.poll, ...deps.sessions },
    });
  } catch (error) {
    // A refusal AWS will repeat (say the portal's role lacks sso:PutInlinePolicyToPermissionSet) must not keep the access;
    // anything else (a dead worker, an unknown fault) is retried, and the unverified-removal alert follows if it lasts.
    if (error instanceof RetryLater || !DEFINITE_REFUSALS.has(toAwsPortError(error).code)) throw error;
    const recorded = await ctx.db.sessionRevocation.findFirst({
      where: { grantId, status: { not: "CLEANED" } },
      orderBy: { cutoff: "desc" },
    });
    const reason = `IAM Identity Center refused the session deny: ${toAwsPortError(error).message}`;
    if (recorded)
      await failRevocation(ctx, recorded, reason, {
        severity: "critical",
        subject: "Live AWS sessions not cut: IAM Identity Center refused the session deny",
      });
    log.error({ grantId, reason }, "ALERT session deny refused; removing the assignment anyway");
  }
}
