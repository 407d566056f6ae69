import { AppError } from "../../domain/errors";
import type { GroupGrant } from "../../generated/prisma/client";
import type { ServiceContext } from "../context";
import type { GrantDeps } from "../grants/grant-support";
import { endGroupGrant, moveGroupGrant } from "../grants/grant-transitions";
import { runDeactivation, type DeactivationKind } from "../grants/run-deactivation";
import { removeGroupMembership } from "./remove-group-membership";

export type DeactivateGroupGrantResult = "removed" | "kept" | "skipped" | "not-due";

const memberships: DeactivationKind<GroupGrant, Awaited<ReturnType<typeof removeGroupMembership>>> = {
  holds: "group membership",
  load: (ctx, grantId) => ctx.db.groupGrant.findUnique({ where: { id: grantId } }),
  cancel: (tx, actor, grant, now) =>
    moveGroupGrant(
      tx,
      actor,
      grant,
      "SCHEDULED",
      { event: "cancel", action: "group_grant.cancelled", reason: "window ended before activation" },
      now,
    ),
  end: (tx, actor, grant, now, retry) =>
    endGroupGrant(tx, actor, { ...grant, groupId: grant.groupId!, memberId: grant.memberId! }, grant.status, now, {
      removingAction: retry ? "group_grant.removal_retried" : "group_grant.removing",
      keptAction: "group_grant.ended_membership_kept",
    }),
  remove: removeGroupMembership,
};

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
  return runDeactivation(ctx, input.grantId, deps, memberships);
}
