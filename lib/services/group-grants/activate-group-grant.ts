import { toAwsPortError } from "../../aws/errors";
import { AppError } from "../../domain/errors";
import { activationStep, decideUnactivatedEnd } from "../../domain/grant-decisions";
import { decideMembershipStart, groupMissingReason, verifyMembershipCreated } from "../../domain/group-membership";
import type { GroupGrant, User } from "../../generated/prisma/client";
import { QUEUES } from "../../jobs/queues";
import type { ServiceContext } from "../context";
import {
  assertClaimHeld,
  noIdentityStoreUserReason,
  resolveIdentityStoreUser,
  RetryLater,
  retryableAws,
  withGrantClaim,
  type GrantClaim,
  type GrantDeps,
} from "../grants/grant-support";
import { endGroupGrant, moveGroupGrant, recordGroupGrantOperation } from "../grants/grant-transitions";
import { lockGroupMembershipPair } from "../tuple-lock";
import { GROUP_MISSING_ALERT_KIND, raiseGroupGrantAlert, readMembership } from "./group-grant-support";
import { removeGroupMembership } from "./remove-group-membership";

export type ActivateGroupGrantResult = "activated" | "failed" | "skipped";

type LoadedGroupGrant = GroupGrant & { user: User };

const WINDOW_MISSED = "The access window ended before the membership was created.";

/** Worker verb: add the user to the Identity Center group when the grant's window opens, and verify the membership. */
export async function activateGroupGrant({
  ctx,
  input,
  deps,
}: {
  ctx: ServiceContext;
  input: { grantId: string };
  deps: GrantDeps;
}): Promise<ActivateGroupGrantResult> {
  if (ctx.actor.type !== "system") throw new AppError("FORBIDDEN", "Only the worker activates group grants.");
  // Busy: another worker is activating it; should that worker die, its claim frees and the sweep brings the grant back.
  return withGrantClaim(
    deps,
    input.grantId,
    () => "skipped" as const,
    (claim) => activateClaimed(ctx, input.grantId, deps, claim),
  );
}

async function activateClaimed(
  ctx: ServiceContext,
  grantId: string,
  deps: GrantDeps,
  claim: GrantClaim,
): Promise<ActivateGroupGrantResult> {
  const grant = await ctx.db.groupGrant.findUnique({ where: { id: grantId }, include: { user: true } });
  const step = grant ? activationStep(grant.status) : { step: "skip" as const };
  if (!grant || step.step === "skip") return "skipped";
  const earlierAttempt = step.earlierAttempt;
  if (grant.endsAt <= ctx.now()) {
    // The window closed before we could start (worker down, long outage): never grant late access.
    await endUnactivated(ctx, deps, claim, grant, WINDOW_MISSED, "group_grant.window_missed", earlierAttempt);
    return "skipped";
  }

  const memberId =
    grant.memberId ?? grant.user.identityStoreUserId ?? (await resolveIdentityStoreUser(deps, grant.user.email));
  if (!memberId) {
    const reason = noIdentityStoreUserReason(grant.user.email);
    await endUnactivated(ctx, deps, claim, grant, reason, "group_grant.failed", earlierAttempt);
    return "failed";
  }
  const groupId =
    grant.groupId ?? (await retryableAws("GetGroupId", () => deps.port.findGroupIdByDisplayName(grant.groupName)));
  if (!groupId) return failGroupMissing(ctx, grant);
  const pair = { groupId, memberId };

  // On the pair's first use the membership is read once: a member before the portal touched the pair is standing. A
  // standing pair is read again, since a member who left meanwhile is no longer standing.
  const known = await ctx.db.groupMembershipPair.findUnique({ where: { groupId_memberId: pair } });
  const reading = !known || known.standing ? await readMembership(deps.port, groupId, memberId) : null;
  if (reading?.kind === "group-missing") return failGroupMissing(ctx, grant);

  const decided = await ctx.db.$transaction(async (tx) => {
    await lockGroupMembershipPair(tx, pair);
    const pairRow = await tx.groupMembershipPair.findUnique({ where: { groupId_memberId: pair } });
    const removalInFlight = await tx.groupGrant.count({
      where: { ...pair, status: "REMOVING", id: { not: grant.id } },
    });
    const pairIsStanding = pairRow?.standing === true && reading?.kind !== "not-member";
    const decision = decideMembershipStart({
      groupName: grant.groupName,
      firstReading: pairRow ? null : reading,
      pairIsStanding,
      pairHasRemovalInFlight: removalInFlight > 0,
    });
    if (decision.action === "wait-for-removal" || decision.action === "fail") return decision.action;
    const standing = decision.action === "record-standing";
    if (!pairRow)
      await tx.groupMembershipPair.createMany({
        data: [{ ...pair, standing, standingSource: standing ? "preexisting" : null }],
        skipDuplicates: true,
      });
    else if (pairRow.standing && !pairIsStanding)
      await tx.groupMembershipPair.update({
        where: { id: pairRow.id },
        data: { standing: false, standingSource: null },
      });
    if (step.step === "start") {
      const moved = await moveGroupGrant(
        tx,
        ctx.actor,
        grant,
        "SCHEDULED",
        {
          event: "start-provisioning",
          action: "group_grant.provisioning",
          data: { groupId, memberId, attempts: { increment: 1 } },
          after: { groupId, memberId, standing },
        },
        ctx.now(),
      );
      if (!moved) return "lost" as const;
      if (!grant.user.identityStoreUserId)
        await tx.user.update({ where: { id: grant.userId }, data: { identityStoreUserId: memberId } });
    }
    return decision.action;
  });
  if (decided === "lost") return "skipped";
  if (decided === "fail") return failGroupMissing(ctx, grant);
  if (decided === "wait-for-removal") throw new RetryLater("a removal of the same group membership is still in flight");
  const provisioning = { ...grant, status: "PROVISIONING" as const, groupId, memberId };

  if (decided === "create") {
    let added;
    try {
      assertClaimHeld(claim);
      added = await deps.port.addGroupMember(groupId, memberId);
    } catch (error) {
      if (error instanceof RetryLater) throw error;
      const portError = toAwsPortError(error);
      if (portError.retryable) throw new RetryLater(`CreateGroupMembership: ${portError.code}`);
      await endUnactivated(ctx, deps, claim, provisioning, portError.message, "group_grant.failed", earlierAttempt);
      return "failed";
    }
    if (added.status === "GROUP_NOT_FOUND") return failGroupMissing(ctx, provisioning);
    // ALREADY_MEMBER (ConflictException): an earlier attempt or another grant of the pair made it; verified below either way.
    const membershipId = added.status === "CREATED" ? added.membershipId : undefined;
    await ctx.db.$transaction((tx) => recordGroupGrantOperation(tx, grant, "create", ctx.now(), membershipId));
  }

  const verified = verifyMembershipCreated(
    grant.groupName,
    decided === "record-standing" && reading ? reading : await readMembership(deps.port, groupId, memberId),
  );
  if (verified.outcome === "failed") return failGroupMissing(ctx, provisioning);
  if (verified.outcome === "not-yet") throw new RetryLater("the membership is not visible in the group yet");
  return finishActivation(ctx, deps, provisioning, verified.membershipId);
}

async function finishActivation(
  ctx: ServiceContext,
  deps: GrantDeps,
  grant: GroupGrant,
  membershipId: string | undefined,
): Promise<ActivateGroupGrantResult> {
  const now = ctx.now();
  await ctx.db.$transaction(async (tx) => {
    const moved = await moveGroupGrant(
      tx,
      ctx.actor,
      grant,
      "PROVISIONING",
      {
        event: "provisioned",
        action: "group_grant.activated",
        data: { membershipId, createVerifiedAt: now },
        after: { membershipId, verified: true },
      },
      now,
    );
    if (!moved) return;
    await deps.queue.send(
      tx,
      QUEUES.deactivateGroupGrant,
      { grantId: grant.id },
      { startAfter: grant.endsAt, singletonKey: `deactivate-group-${grant.id}-${grant.endsAt.getTime()}` },
    );
  });
  return "activated";
}

/** The group is gone: nothing can have been added to it, so the grant fails at once with the reason and an alert. */
async function failGroupMissing(ctx: ServiceContext, grant: LoadedGroupGrant): Promise<ActivateGroupGrantResult> {
  const reason = groupMissingReason(grant.groupName);
  const failed = await ctx.db.$transaction((tx) =>
    moveGroupGrant(
      tx,
      ctx.actor,
      grant,
      grant.status,
      { event: "provisioning-failed", action: "group_grant.failed", data: { failureReason: reason }, reason },
      ctx.now(),
    ),
  );
  if (failed)
    await raiseGroupGrantAlert(ctx, { ...grant, userEmail: grant.user.email }, GROUP_MISSING_ALERT_KIND, reason);
  return "failed";
}

/** A grant that will not become ACTIVE (window missed, create refused): it ends, or after an earlier attempt it is kept or removed now, under our claim. */
async function endUnactivated(
  ctx: ServiceContext,
  deps: GrantDeps,
  claim: GrantClaim,
  grant: GroupGrant,
  reason: string,
  action: "group_grant.window_missed" | "group_grant.failed",
  earlierAttempt: boolean,
) {
  const now = ctx.now();
  const failureReason = reason.slice(0, 1000);
  const end = decideUnactivatedEnd({
    status: grant.status,
    earlierAttempt,
    hasPrincipal: grant.groupId !== null && grant.memberId !== null,
    why: action === "group_grant.window_missed" ? "window-missed" : "failed",
  });
  if (end.path === "end") {
    await ctx.db.$transaction((tx) =>
      moveGroupGrant(
        tx,
        ctx.actor,
        grant,
        grant.status,
        { event: end.event, action, data: { failureReason }, reason },
        now,
      ),
    );
    return;
  }
  const ending = { ...grant, groupId: grant.groupId!, memberId: grant.memberId! };
  const decision = await ctx.db.$transaction((tx) =>
    endGroupGrant(tx, ctx.actor, ending, "PROVISIONING", now, {
      removingAction: action,
      keptAction: action,
      removingData: { failureReason },
      reason,
    }),
  );
  if (decision === "wait") throw new RetryLater("another grant of the same group membership is still being created");
  if (decision === "removing") await removeGroupMembership(ctx, deps, grant.id, claim);
}
