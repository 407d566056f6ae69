import { AppError } from "../../domain/errors";
import { deactivationStep } from "../../domain/grant-decisions";
import type { ServiceContext } from "../context";
import { RetryLater, withGrantClaim, type GrantClaim, type GrantDeps } from "./grant-support";
import { endGrant, moveGrant } from "./grant-transitions";
import { removeGrantAssignment } from "./remove-grant-assignment";

export type DeactivateGrantResult = "removed" | "kept" | "removal-failed" | "skipped" | "not-due";

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
  switch (deactivationStep(grant, now)) {
    case "not-due":
      return "not-due";
    case "skip":
      return "skipped";
    case "wait-for-activation":
      throw new RetryLater("the assignment is still being created");
    case "cancel":
      await ctx.db.$transaction((tx) =>
        moveGrant(
          tx,
          ctx.actor,
          grant,
          "SCHEDULED",
          { event: "cancel", action: "grant.cancelled", reason: "window ended before activation" },
          now,
        ),
      );
      return "skipped";
    case "keep-or-remove": {
      const ending = { ...grant, principalId: grant.principalId! };
      const retry = grant.status === "REMOVAL_FAILED";
      const decision = await ctx.db.$transaction((tx) =>
        endGrant(tx, ctx.actor, ending, grant.status, now, {
          removingAction: retry ? "grant.removal_retried" : "grant.removing",
          keptAction: "grant.ended_assignment_kept",
          removingData: retry ? { deleteRequestId: null } : undefined,
        }),
      );
      if (decision === "wait") throw new RetryLater("another grant of the same assignment is still being created");
      if (decision === "kept") return "kept";
      if (decision === "lost") return "skipped";
      return removeGrantAssignment(ctx, deps, grantId, claim);
    }
    case "remove":
      return removeGrantAssignment(ctx, deps, grantId, claim);
  }
}
