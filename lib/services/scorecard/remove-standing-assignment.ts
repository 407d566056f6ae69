import { z } from "zod";
import { AppError } from "../../domain/errors";
import { ASSIGNMENT_MAY_EXIST_STATUSES } from "../../domain/request-lifecycle";
import { safeText } from "../../domain/safe-text";
import type { JobQueue } from "../../jobs/job-queue";
import { QUEUES } from "../../jobs/queues";
import { emitAudit } from "../audit";
import { requireUser } from "../authorize";
import type { ServiceContext } from "../context";
import { parseInput } from "../parse-input";
import { lockAssignmentTuple } from "../tuple-lock";

export const RemoveStandingAssignmentInput = z.object({
  accountId: z.string().regex(/^\d{12}$/, "Pick an account from the scorecard."),
  permissionSetArn: z
    .string()
    .max(1224)
    .regex(/^arn:aws[a-z-]*:sso:::permissionSet\/[\w./-]+$/, "Pick a permission set from the scorecard."),
  principalType: z.enum(["USER", "GROUP"], "Pick a user or group from the scorecard."),
  principalId: z
    .string()
    .max(128)
    .regex(/^[\w-]+$/, "Pick a user or group from the scorecard."),
  reason: safeText("multiline").min(5, "Say why this standing access goes (at least 5 characters).").max(500),
});

/**
 * Make it just-in-time: an admin has a standing assignment removed. The tuple stops being standing and becomes an
 * out-of-band finding in the same transaction, and the drift removal job unassigns it, verifies it is gone and audits it.
 */
export async function removeStandingAssignment({
  ctx,
  input,
  queue,
}: {
  ctx: ServiceContext;
  input: unknown;
  queue: JobQueue;
}) {
  const actor = requireUser(ctx.actor, "scorecard.manage");
  const { reason, principalType, ...tuple } = parseInput(RemoveStandingAssignmentInput, input);
  const now = ctx.now();
  return ctx.db.$transaction(async (tx) => {
    await lockAssignmentTuple(tx, tuple);
    const listed = await tx.inventoryAssignment.findUnique({
      where: { accountId_permissionSetArn_principalType_principalId: { ...tuple, principalType } },
      select: { principalName: true },
    });
    if (!listed)
      throw new AppError(
        "NOT_FOUND",
        "Identity Center did not list this assignment at the last sync. Reload the page.",
      );
    if (principalType === "USER") {
      const held = await tx.grant.count({ where: { ...tuple, status: { in: [...ASSIGNMENT_MAY_EXIST_STATUSES] } } });
      if (held > 0)
        throw new AppError("CONFLICT", "A portal grant holds this assignment now; it is removed when the grant ends.");
    }
    const open = await tx.driftFinding.findFirst({
      where: { ...tuple, kind: "OUT_OF_BAND_ASSIGNMENT", status: "OPEN" },
      select: { id: true, actionTaken: true },
    });
    if (open?.actionTaken === "removal-requested")
      throw new AppError("CONFLICT", "Its removal is already under way. Reload the page.");
    const before = await tx.assignmentTuple.findUnique({
      where: { accountId_permissionSetArn_principalId: tuple },
      select: { standing: true, standingSource: true },
    });
    // No longer standing, so the refcount and the reconciler stop keeping it; the removal job re-checks under the lock.
    if (before?.standing)
      await tx.assignmentTuple.update({
        where: { accountId_permissionSetArn_principalId: tuple },
        data: { standing: false, standingSource: null },
      });
    const finding = open
      ? await tx.driftFinding.update({
          where: { id: open.id },
          data: { actionTaken: "removal-requested", lastSeenAt: now },
          select: { id: true },
        })
      : await tx.driftFinding.create({
          data: {
            kind: "OUT_OF_BAND_ASSIGNMENT",
            ...tuple,
            principalType,
            detail: "Standing access an admin chose to make just-in-time.",
            actionTaken: "removal-requested",
            firstSeenAt: now,
            lastSeenAt: now,
          },
          select: { id: true },
        });
    await emitAudit(
      tx,
      actor,
      {
        action: "scorecard.standing_removal_requested",
        entityType: "drift",
        entityId: finding.id,
        before: { standing: before?.standing ?? false, standingSource: before?.standingSource ?? null },
        after: { ...tuple, principalType, principalName: listed.principalName },
        reason,
      },
      now,
    );
    await queue.send(
      tx,
      QUEUES.unassignDrift,
      { findingId: finding.id },
      { singletonKey: `drift-unassign-${finding.id}` },
    );
    return { findingId: finding.id };
  });
}
