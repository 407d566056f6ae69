import { toAwsPortError } from "../../aws/errors";
import { verifyMembershipRemoved } from "../../domain/group-membership";
import { log } from "../../log";
import type { ServiceContext } from "../context";
import { assertClaimHeld, RetryLater, retryableAws, type GrantClaim, type GrantDeps } from "../grants/grant-support";
import { moveGroupGrant, recordGroupGrantOperation } from "../grants/grant-transitions";
import { GROUP_DELETED_WHILE_ACTIVE_ALERT_KIND, raiseGroupGrantAlert, readMembership } from "./group-grant-support";

export type GroupRemovalResult = "removed" | "skipped";

/**
 * The removal path, REMOVING → REMOVED or REMOVAL_FAILED: DeleteGroupMembership of the pair's current membership (one
 * already gone counts as removed), then verified: no membership id and IsMemberInGroups false. The caller holds the claim.
 */
export async function removeGroupMembership(
  ctx: ServiceContext,
  deps: GrantDeps,
  grantId: string,
  claim: GrantClaim,
): Promise<GroupRemovalResult> {
  const grant = await ctx.db.groupGrant.findUniqueOrThrow({ where: { id: grantId }, include: { user: true } });
  if (grant.status !== "REMOVING") return "skipped";
  const groupId = grant.groupId!;
  const memberId = grant.memberId!;
  // The pair's membership as it is now: an out-of-band re-add or an earlier attempt may have a newer id than the one recorded.
  const current = await retryableAws("GetGroupMembershipId", () => deps.port.findGroupMembership(groupId, memberId));
  if (current.status === "MEMBER") {
    try {
      assertClaimHeld(claim);
      await deps.port.removeGroupMember(current.membershipId);
    } catch (error) {
      if (error instanceof RetryLater) throw error;
      const portError = toAwsPortError(error);
      if (portError.retryable) throw new RetryLater(`DeleteGroupMembership: ${portError.code}`);
      return markRemovalFailed(ctx, grant, portError.message);
    }
    await ctx.db.$transaction((tx) => recordGroupGrantOperation(tx, grant, "delete", ctx.now()));
  }
  // Verified means we looked again: no membership id, and IsMemberInGroups false.
  const verdict = verifyMembershipRemoved(grant.groupName, await readMembership(deps.port, groupId, memberId));
  if (verdict.outcome === "not-yet")
    return markRemovalFailed(ctx, grant, "The removal reported success but the user is still a member of the group.");
  const now = ctx.now();
  // A deleted group has no members left: the access is gone (removed), but the deletion is reported.
  const groupDeleted = verdict.outcome === "failed" ? verdict.reason : null;
  const moved = await ctx.db.$transaction((tx) =>
    moveGroupGrant(
      tx,
      ctx.actor,
      grant,
      "REMOVING",
      {
        event: "removal-verified",
        action: "group_grant.removed",
        data: { deleteVerifiedAt: now, ...(groupDeleted ? { failureReason: groupDeleted } : {}) },
        after: { verified: true, ...(groupDeleted ? { groupDeleted: true } : {}) },
        reason: groupDeleted,
      },
      now,
    ),
  );
  if (moved && groupDeleted)
    await raiseGroupGrantAlert(
      ctx,
      { ...grant, userEmail: grant.user.email },
      GROUP_DELETED_WHILE_ACTIVE_ALERT_KIND,
      groupDeleted,
    );
  return "removed";
}

/** A removal we cannot verify is loud: audited, logged, retried, and alerted on by checkRemovalAlerts. */
async function markRemovalFailed(
  ctx: ServiceContext,
  grant: { id: string; requestId: string },
  reason: string,
): Promise<never> {
  await ctx.db.$transaction((tx) =>
    moveGroupGrant(
      tx,
      ctx.actor,
      grant,
      "REMOVING",
      {
        event: "removal-failed",
        action: "group_grant.removal_failed",
        data: { failureReason: reason.slice(0, 1000) },
        reason,
      },
      ctx.now(),
    ),
  );
  log.error({ groupGrantId: grant.id, reason }, "ALERT removal of group membership not verified");
  throw new RetryLater(`removal not verified: ${reason}`);
}
