import { z } from "zod";
import { recordId, safeText } from "../../domain/safe-text";
import { AppError } from "../../domain/errors";
import { emitAudit } from "../audit";
import { requireUser } from "../authorize";
import type { ServiceContext } from "../context";
import { actorLabel } from "../context";
import { parseInput } from "../parse-input";
import { lockAssignmentTuple } from "../tuple-lock";

export const AcceptDriftInput = z.object({
  findingId: recordId(),
  reason: safeText("multiline").min(5, "Say why this assignment may stay.").max(500),
});

/** An admin accepts an out-of-band assignment: it becomes standing (never removed nor reported again), with the reason audited. */
export async function acceptDrift({ ctx, input }: { ctx: ServiceContext; input: unknown }) {
  const actor = requireUser(ctx.actor, "drift.manage");
  const { findingId, reason } = parseInput(AcceptDriftInput, input);
  const now = ctx.now();
  return ctx.db.$transaction(async (tx) => {
    const finding = await tx.driftFinding.findUnique({ where: { id: findingId } });
    if (!finding) throw new AppError("NOT_FOUND", "That drift finding does not exist.");
    if (finding.kind !== "OUT_OF_BAND_ASSIGNMENT")
      throw new AppError(
        "INVALID_TRANSITION",
        "Only an out-of-band assignment can be accepted; the portal handles the other kinds itself.",
      );
    if (finding.status !== "OPEN") throw new AppError("CONFLICT", "This finding is already closed. Reload the page.");
    const tuple = {
      accountId: finding.accountId,
      permissionSetArn: finding.permissionSetArn,
      principalId: finding.principalId,
    };
    await lockAssignmentTuple(tx, tuple);
    const changed = await tx.driftFinding.updateMany({
      where: { id: findingId, status: "OPEN" },
      data: { status: "ACCEPTED", resolvedAt: now, resolvedBy: actorLabel(actor), actionTaken: "accepted" },
    });
    if (changed.count !== 1) throw new AppError("CONFLICT", "This finding changed meanwhile. Reload the page.");
    const before = await tx.assignmentTuple.findUnique({
      where: { accountId_permissionSetArn_principalId: tuple },
      select: { standing: true, standingSource: true },
    });
    await tx.assignmentTuple.upsert({
      where: { accountId_permissionSetArn_principalId: tuple },
      create: { ...tuple, standing: true, standingSource: "accepted", observedAt: now },
      update: { standing: true, standingSource: "accepted" },
    });
    await emitAudit(
      tx,
      actor,
      {
        action: "drift.accepted",
        entityType: "drift",
        entityId: findingId,
        before: { status: "OPEN", tuple: before },
        after: { status: "ACCEPTED", ...tuple, principalType: finding.principalType, standingSource: "accepted" },
        reason,
      },
      now,
    );
    return { findingId, status: "ACCEPTED" as const };
  });
}
