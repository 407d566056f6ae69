import { AppError } from "../../domain/errors";
import { deactivationStep } from "../../domain/grant-decisions";
import type { ServiceContext } from "../context";
import { RetryLater, withGrantClaim, type GrantClaim, type GrantDeps } from "../grants/grant-support";
import { endGroupGrant, moveGroupGrant } from "../grants/grant-transitions";
import { removeGroupMembership } from "./remove-group-membership";

export type DeactivateGroupGrantResult = "removed" | "kept" | "skipped" | "not-due";

/** Worker verb: at the end of a group grant's window, remove the membership unless it is standing or another ACTIVE grant of the pair still needs it, and verify. */
export async function deactivateGroupGrant({
  ctx,
  input,
  deps,
}: {
  ctx: ServiceContext;
  input: { grantId: string };
  deps: GrantDeps;
}): Promise<DeactivateGroupGrantResult> {
  if (ctx.actor.type !== "system") throw new AppError("FORBIDDEN", "Only the worker removes group memberships.");
  // Busy: another worker drives this grant now (often its activation, about to hand over); look again shortly.
  return withGrantClaim(
    deps,
    input.grantId,
    () => {
      throw new RetryLater("another worker is handling this group grant");
    },
    (claim) => deactivateClaimed(ctx, input.grantId, deps, claim),
  );
}

async function deactivateClaimed(
  ctx: ServiceContext,
  grantId: string,
  deps: GrantDeps,
  claim: GrantClaim,
): Promise<DeactivateGroupGrantResult> {
  const grant = await ctx.db.groupGrant.findUnique({ where: { id: grantId } });
  if (!grant) return "skipped";
  const now = ctx.now();
  switch (deactivationStep(grant, now)) {
    case "not-due":
      return "not-due";
    case "skip":
      return "skipped";
    case "wait-for-activation":
      throw new RetryLater("the membership is still being created");
    case "cancel":
      await ctx.db.$transaction((tx) =>
        moveGroupGrant(
          tx,
          ctx.actor,
          grant,
          "SCHEDULED",
          { event: "cancel", action: "group_grant.cancelled", reason: "window ended before activation" },
          now,
        ),
      );
      return "skipped";
    case "keep-or-remove": {
      const ending = { ...grant, groupId: grant.groupId!, memberId: grant.memberId! };
      const retry = grant.status === "REMOVAL_FAILED";
      const decision = await ctx.db.$transaction((tx) =>
        endGroupGrant(tx, ctx.actor, ending, grant.status, now, {
          removingAction: retry ? "group_grant.removal_retried" : "group_grant.removing",
          keptAction: "group_grant.ended_membership_kept",
        }),
      );
      if (decision === "wait")
        throw new RetryLater("another grant of the same group membership is still being created");
      if (decision === "kept") return "kept";
      if (decision === "lost") return "skipped";
      return removeGroupMembership(ctx, deps, grantId, claim);
    }
    case "remove":
      return removeGroupMembership(ctx, deps, grantId, claim);
  }
}
