import { AppError } from "../../domain/errors";
import type { Grant } from "../../generated/prisma/client";
import type { ServiceContext } from "../context";
import type { GrantDeps } from "./grant-support";
import { endGrant, moveGrant } from "./grant-transitions";
import { removeGrantAssignment } from "./remove-grant-assignment";
import { runDeactivation, type DeactivationKind } from "./run-deactivation";

export type DeactivateGrantResult = "removed" | "kept" | "removal-failed" | "skipped" | "not-due";

const assignments: DeactivationKind<Grant, Awaited<ReturnType<typeof removeGrantAssignment>>> = {
  holds: "assignment",
  load: (ctx, grantId) => ctx.db.grant.findUnique({ where: { id: grantId } }),
  cancel: (tx, actor, grant, now) =>
    moveGrant(
      tx,
      actor,
      grant,
      "SCHEDULED",
      { event: "cancel", action: "grant.cancelled", reason: "window ended before activation" },
      now,
    ),
  end: (tx, actor, grant, now, retry) =>
    endGrant(tx, actor, { ...grant, principalId: grant.principalId! }, grant.status, now, {
      removingAction: retry ? "grant.removal_retried" : "grant.removing",
      keptAction: "grant.ended_assignment_kept",
      removingData: retry ? { deleteRequestId: null } : undefined,
    }),
  remove: removeGrantAssignment,
};

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
  return runDeactivation(ctx, input.grantId, deps, assignments);
}
