import { z } from "zod";
import { AppError } from "../../domain/errors";
import { recordId } from "../../domain/safe-text";
import { emitAudit } from "../audit";
import { requireUser } from "../authorize";
import type { ServiceContext } from "../context";
import { parseInput } from "../parse-input";

export const RetryDeliveryInput = z.object({ deliveryId: recordId() });

/** An admin sends a dead letter again: it is due now, with fresh attempts and a fresh retry window. */
export async function retryDelivery({ ctx, input }: { ctx: ServiceContext; input: unknown }) {
  const actor = requireUser(ctx.actor, "notification.retry");
  const { deliveryId } = parseInput(RetryDeliveryInput, input);
  const now = ctx.now();
  return ctx.db.$transaction(async (tx) => {
    const delivery = await tx.notificationDelivery.findUnique({
      where: { id: deliveryId },
      select: {
        id: true,
        status: true,
        channel: true,
        target: true,
        attempts: true,
        lastError: true,
        notification: { select: { type: true, requestId: true } },
      },
    });
    if (!delivery) throw new AppError("NOT_FOUND", "That delivery does not exist.");
    const changed = await tx.notificationDelivery.updateMany({
      where: { id: deliveryId, status: "DEAD" },
      data: { status: "PENDING", attempts: 0, nextAttemptAt: now, createdAt: now, leaseUntil: null },
    });
    if (changed.count !== 1) {
      // Read again: another admin's retry may have committed between the first read and the update.
      const current = await tx.notificationDelivery.findUnique({ where: { id: deliveryId }, select: { status: true } });
      const status = (current?.status ?? delivery.status).toLowerCase();
      throw new AppError("CONFLICT", `Only dead letters can be retried; this one is ${status}.`);
    }
    await emitAudit(
      tx,
      actor,
      {
        action: "notification.retried",
        entityType: "notification",
        entityId: deliveryId,
        requestId: delivery.notification.requestId,
        before: { status: "DEAD", attempts: delivery.attempts, lastError: delivery.lastError },
        after: { status: "PENDING", channel: delivery.channel, event: delivery.notification.type },
      },
      now,
    );
    await tx.$executeRaw`SELECT pg_notify('notification_outbox', '')`;
    return { deliveryId, status: "PENDING" as const };
  });
}
