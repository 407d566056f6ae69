import { z } from "zod";
import { recordId, safeText } from "../../domain/safe-text";
import { AppError } from "../../domain/errors";
import { emitAudit } from "../audit";
import { requireUser } from "../authorize";
import type { ServiceContext } from "../context";
import { parseInput } from "../parse-input";

export const AcknowledgeAlertInput = z.object({
  alertId: recordId(),
  note: safeText("multiline").max(500, "Keep the note under 500 characters.").optional(),
});

/** An admin takes an alert on: it stops the banner's alarm tone but stays listed until what it reports is fixed. */
export async function acknowledgeAlert({ ctx, input }: { ctx: ServiceContext; input: unknown }) {
  const actor = requireUser(ctx.actor, "alert.acknowledge");
  const { alertId, note } = parseInput(AcknowledgeAlertInput, input);
  const now = ctx.now();
  return ctx.db.$transaction(async (tx) => {
    const alert = await tx.alert.findUnique({
      where: { id: alertId },
      select: { id: true, status: true, kind: true, dedupeKey: true },
    });
    if (!alert) throw new AppError("NOT_FOUND", "That alert does not exist.");
    const changed = await tx.alert.updateMany({
      where: { id: alertId, status: "OPEN" },
      data: { status: "ACKNOWLEDGED", acknowledgedAt: now, acknowledgedById: actor.userId },
    });
    if (changed.count !== 1)
      throw new AppError(
        "CONFLICT",
        alert.status === "RESOLVED" ? "This alert is already resolved." : "Someone already acknowledged this alert.",
      );
    await emitAudit(
      tx,
      actor,
      {
        action: "alert.acknowledged",
        entityType: "alert",
        entityId: alertId,
        before: { status: "OPEN" },
        after: { status: "ACKNOWLEDGED", kind: alert.kind, dedupeKey: alert.dedupeKey },
        reason: note || null,
      },
      now,
    );
    return { alertId, status: "ACKNOWLEDGED" as const };
  });
}
