import { z } from "zod";
import { recordId, safeText } from "../../domain/safe-text";
import { AppError } from "../../domain/errors";
import type { JobQueue } from "../../jobs/job-queue";
import { QUEUES } from "../../jobs/queues";
import { emitAudit } from "../audit";
import { requireUser } from "../authorize";
import type { ServiceContext } from "../context";
import { parseInput } from "../parse-input";
import { lockAssignmentTuple } from "../tuple-lock";
import { ASSIGNMENT_MAY_EXIST_STATUSES } from "../../domain/request-lifecycle";

export const RemoveDriftInput = z.object({
  findingId: recordId(),
  reason: safeText("multiline").min(5, "Say why this assignment must go.").max(500),
});

/** An admin has an out-of-band assignment removed: the worker unassigns and verifies it; a standing or granted one is refused. */
export async function removeDrift({ ctx, input, queue }: { ctx: ServiceContext; input: unknown; queue: JobQueue }) {
  const actor = requireUser(ctx.actor, "drift.manage");
  const { findingId, reason } = parseInput(RemoveDriftInput, input);
  const now = ctx.now();
  return ctx.db.$transaction(async (tx) => {
    const finding = await tx.driftFinding.findUnique({ where: { id: findingId } });
    if (!finding) throw new AppError("NOT_FOUND", "That drift finding does not exist.");
    if (finding.kind !== "OUT_OF_BAND_ASSIGNMENT")
      throw new AppError(
        "INVALID_TRANSITION",
        "Only an out-of-band assignment can be removed from here; the portal removes a grant's leftovers itself.",
      );
    if (finding.status !== "OPEN") throw new AppError("CONFLICT", "This finding is already closed. Reload the page.");
    const tuple = {
      accountId: finding.accountId,
      permissionSetArn: finding.permissionSetArn,
      principalId: finding.principalId,
    };
    await lockAssignmentTuple(tx, tuple);
    const row = await tx.assignmentTuple.findUnique({
      where: { accountId_permissionSetArn_principalId: tuple },
      select: { standing: true },
    });
    if (row?.standing)
      throw new AppError(
        "INVALID_TRANSITION",
        "This assignment is standing (baseline or accepted) and is never removed by the portal.",
      );
    if (finding.principalType === "USER") {
      const held = await tx.grant.count({
        where: { ...tuple, status: { in: [...ASSIGNMENT_MAY_EXIST_STATUSES] } },
      });
      if (held > 0)
        throw new AppError("CONFLICT", "A portal grant holds this assignment now; it is removed when the grant ends.");
    }
    const changed = await tx.driftFinding.updateMany({
      where: { id: findingId, status: "OPEN" },
      data: { actionTaken: "removal-requested" },
    });
    if (changed.count !== 1) throw new AppError("CONFLICT", "This finding changed meanwhile. Reload the page.");
    await emitAudit(
      tx,
      actor,
      {
        action: "drift.removal_requested",
        entityType: "drift",
        entityId: findingId,
        after: { kind: finding.kind, ...tuple, principalType: finding.principalType },
        reason,
      },
      now,
    );
    await queue.send(tx, QUEUES.unassignDrift, { findingId }, { singletonKey: `drift-unassign-${findingId}` });
    return { findingId, status: "REMOVAL_REQUESTED" as const };
  });
}
