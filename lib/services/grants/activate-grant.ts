import { toAwsPortError } from "../../aws/errors";
import { AppError } from "../../domain/errors";
import { activationStep, decideUnactivatedEnd } from "../../domain/grant-decisions";
import { decideOnGrantStart } from "../../domain/refcount";
import type { Grant } from "../../generated/prisma/client";
import { QUEUES } from "../../jobs/queues";
import { getMetrics, secondsBetween } from "../../metrics/registry";
import type { ServiceContext } from "../context";
import { lockAssignmentTuple } from "../tuple-lock";
import {
  assertClaimHeld,
  awaitOperation,
  RetryLater,
  noIdentityStoreUserReason,
  resolveIdentityStoreUser,
  retryableAws,
  withGrantClaim,
  type GrantClaim,
  type GrantDeps,
} from "./grant-support";
import { endGrant, moveGrant, recordGrantOperation } from "./grant-transitions";
import { removeGrantAssignment } from "./remove-grant-assignment";

export type ActivateGrantResult = "activated" | "failed" | "skipped";

/** Worker verb: create the Identity Center assignment for a grant whose window opened, and verify it. */
export async function activateGrant({
  ctx,
  input,
  deps,
}: {
  ctx: ServiceContext;
  input: { grantId: string };
  deps: GrantDeps;
}): Promise<ActivateGrantResult> {
  if (ctx.actor.type !== "system") throw new AppError("FORBIDDEN", "Only the worker activates grants.");
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
): Promise<ActivateGrantResult> {
  const grant = await ctx.db.grant.findUnique({ where: { id: grantId }, include: { user: true } });
  const step = grant ? activationStep(grant.status) : { step: "skip" as const };
  if (!grant || step.step === "skip") return "skipped";
  const earlierAttempt = step.earlierAttempt;
  const now = ctx.now();
  if (grant.endsAt <= now) {
    // The window closed before we could start (worker down, long outage): never grant late access.
    await endUnactivated(
      ctx,
      deps,
      claim,
      grant,
      "The access window ended before the assignment was created.",
      "grant.window_missed",
      earlierAttempt,
    );
    return "skipped";
  }

  const principalId =
    grant.principalId ?? grant.user.identityStoreUserId ?? (await resolveIdentityStoreUser(deps, grant.user.email));
  if (!principalId) {
    await endUnactivated(
      ctx,
      deps,
      claim,
      grant,
      noIdentityStoreUserReason(grant.user.email),
      "grant.failed",
      earlierAttempt,
    );
    return "failed";
  }
  const tuple = { accountId: grant.accountId, permissionSetArn: grant.permissionSetArn, principalId };

  // Learn whether the assignment existed before the portal ever touched this tuple: such a standing assignment is never removed.
  const knownTuple = await ctx.db.assignmentTuple.findUnique({
    where: { accountId_permissionSetArn_principalId: tuple },
  });
  const existedBefore = knownTuple
    ? null
    : (
        await retryableAws("ListAccountAssignments", () =>
          // Shared with the other grants of the pair starting about now: a start burst lists a pair once per 10 s, not per grant.
          (deps.listForDiscovery ?? deps.port.listAssignments)({
            accountId: tuple.accountId,
            permissionSetArn: tuple.permissionSetArn,
          }),
        )
      ).some((a) => a.principalType === "USER" && a.principalId === principalId);

  if (step.step === "start") {
    const started = await ctx.db.$transaction(async (tx) => {
      await lockAssignmentTuple(tx, tuple);
      const removalInFlight = await tx.grant.count({ where: { ...tuple, status: "REMOVING", id: { not: grant.id } } });
      if (decideOnGrantStart({ tupleHasRemovalInFlight: removalInFlight > 0 }) === "wait-for-removal")
        return "wait" as const;
      if (existedBefore !== null) {
        await tx.assignmentTuple.createMany({
          data: [{ ...tuple, standing: existedBefore, standingSource: existedBefore ? "preexisting" : null }],
          skipDuplicates: true,
        });
      }
      const moved = await moveGrant(
        tx,
        ctx.actor,
        grant,
        "SCHEDULED",
        {
          event: "start-provisioning",
          action: "grant.provisioning",
          data: { principalId, attempts: { increment: 1 } },
          after: { principalId, standingBefore: existedBefore },
        },
        ctx.now(),
      );
      if (!moved) return "lost" as const;
      if (!grant.user.identityStoreUserId)
        await tx.user.update({ where: { id: grant.userId }, data: { identityStoreUserId: principalId } });
      return "started" as const;
    });
    if (started === "wait") throw new RetryLater("a removal of the same assignment is still in flight");
    if (started === "lost") return "skipped";
  }
  const provisioning = { ...grant, status: "PROVISIONING" as const, principalId };

  if (!grant.createRequestId) {
    const release = await deps.createSlots?.acquire();
    let windowClosed: boolean;
    try {
      // Waiting for a slot can outlast the window, and a release or revoke moves the end to now: look again before creating.
      windowClosed =
        (await ctx.db.grant.findUniqueOrThrow({ where: { id: grant.id }, select: { endsAt: true } })).endsAt <=
        ctx.now();
    } catch (error) {
      await release?.();
      throw error;
    }
    if (windowClosed) {
      await release?.();
      await endUnactivated(
        ctx,
        deps,
        claim,
        provisioning,
        "The access window ended before the assignment was created.",
        "grant.window_missed",
        earlierAttempt,
      );
      return "skipped";
    }
    let issued;
    try {
      assertClaimHeld(claim);
      issued = await deps.port.assign({ ...tuple, principalType: "USER" });
    } catch (error) {
      await release?.();
      if (error instanceof RetryLater) throw error;
      const portError = toAwsPortError(error);
      if (portError.retryable) throw new RetryLater(`CreateAccountAssignment: ${portError.code}`);
      await endUnactivated(ctx, deps, claim, provisioning, portError.message, "grant.failed", earlierAttempt);
      return "failed";
    }
    const requestId = issued.requestId;
    const issuedAt = ctx.now();
    if (await ctx.db.$transaction((tx) => recordGrantOperation(tx, ctx.actor, grant, "create", requestId, issuedAt)))
      getMetrics().grantCreateIssued.observe(secondsBetween(grant.startsAt, issuedAt));
    try {
      return await finishActivation(ctx, deps, claim, provisioning, requestId, earlierAttempt);
    } finally {
      await release?.();
    }
  }
  return finishActivation(ctx, deps, claim, provisioning, grant.createRequestId, earlierAttempt);
}

async function finishActivation(
  ctx: ServiceContext,
  deps: GrantDeps,
  claim: GrantClaim,
  grant: Grant & { principalId: string },
  awsRequestId: string,
  earlierAttempt: boolean,
): Promise<ActivateGrantResult> {
  const outcome = await awaitOperation(deps, "creation", awsRequestId);
  if (outcome.status !== "SUCCEEDED") {
    await endUnactivated(
      ctx,
      deps,
      claim,
      grant,
      outcome.failureReason ?? "IAM Identity Center reported the assignment as FAILED without a reason.",
      "grant.failed",
      earlierAttempt,
    );
    return "failed";
  }
  const now = ctx.now();
  const activated = await ctx.db.$transaction(async (tx) => {
    const moved = await moveGrant(
      tx,
      ctx.actor,
      grant,
      "PROVISIONING",
      { event: "provisioned", action: "grant.activated", data: { createVerifiedAt: now }, after: { awsRequestId } },
      now,
    );
    if (!moved) return false;
    await deps.queue.send(
      tx,
      QUEUES.deactivateGrant,
      { grantId: grant.id },
      { startAfter: grant.endsAt, singletonKey: `deactivate-${grant.id}-${grant.endsAt.getTime()}` },
    );
    return true;
  });
  if (activated) getMetrics().grantCreateVerified.observe(secondsBetween(grant.startsAt, now));
  return "activated";
}

/** A grant that will not become ACTIVE (window missed, create failed): it ends, or after an earlier attempt it is kept or removed now, under our claim. */
async function endUnactivated(
  ctx: ServiceContext,
  deps: GrantDeps,
  claim: GrantClaim,
  grant: Pick<Grant, "id" | "requestId" | "status" | "accountId" | "permissionSetArn" | "principalId">,
  reason: string,
  action: "grant.window_missed" | "grant.failed",
  earlierAttempt: boolean,
) {
  const now = ctx.now();
  const failureReason = reason.slice(0, 1000);
  const end = decideUnactivatedEnd({
    status: grant.status,
    earlierAttempt,
    hasPrincipal: grant.principalId !== null,
    why: action === "grant.window_missed" ? "window-missed" : "failed",
  });
  if (end.path === "end") {
    await ctx.db.$transaction((tx) =>
      moveGrant(tx, ctx.actor, grant, grant.status, { event: end.event, action, data: { failureReason }, reason }, now),
    );
    return;
  }
  const ending = { ...grant, principalId: grant.principalId! };
  const decision = await ctx.db.$transaction((tx) =>
    endGrant(tx, ctx.actor, ending, "PROVISIONING", now, {
      removingAction: action,
      keptAction: action,
      removingData: { failureReason },
      reason,
    }),
  );
  if (decision === "wait") throw new RetryLater("another grant of the same assignment is still being created");
  if (decision === "removing") await removeGrantAssignment(ctx, deps, grant.id, claim);
}
