import { AppError } from "../../domain/errors";
import { emitAudit } from "../audit";
import type { ServiceContext } from "../context";

/** Worker verb: a request nobody decided on in time expires instead of waiting forever. */
export async function expirePendingRequest({ ctx, input }: { ctx: ServiceContext; input: { requestId: string } }) {
  if (ctx.actor.type !== "system") throw new AppError("FORBIDDEN", "Only the worker expires requests.");
  const now = ctx.now();
  return ctx.db.$transaction(async (tx) => {
    const changed = await tx.accessRequest.updateMany({
      where: { id: input.requestId, status: "PENDING", approvalExpiresAt: { lte: now } },
      data: { status: "EXPIRED", closedAt: now, closeReason: "no decision in time", version: { increment: 1 } },
    });
    if (changed.count === 0) return { expired: false };
    await emitAudit(
      tx,
      ctx.actor,
      {
        action: "request.expired",
        entityType: "request",
        entityId: input.requestId,
        requestId: input.requestId,
        before: { status: "PENDING" },
        after: { status: "EXPIRED" },
      },
      now,
    );
    return { expired: true };
  });
}
