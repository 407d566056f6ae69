import { AppError } from "../../domain/errors";
import { planRequestStep } from "../../domain/request-lifecycle";
import { emitAudit, lockAuditChain } from "../audit";
import type { ServiceContext } from "../context";

/** Worker verb: a request nobody decided on in time expires instead of waiting forever. */
export async function expirePendingRequest({ ctx, input }: { ctx: ServiceContext; input: { requestId: string } }) {
  if (ctx.actor.type !== "system") throw new AppError("FORBIDDEN", "Only the worker expires requests.");
  const now = ctx.now();
  // The job fires once the approval window has passed; only a request still PENDING then expires.
  const step = planRequestStep("system", "PENDING", "expire-pending");
  return ctx.db.$transaction(async (tx) => {
    // The chain lock before any row lock: the worker takes them in the same order (lockAuditChain).
    await lockAuditChain(tx);
    const changed = await tx.accessRequest.updateMany({
      where: { id: input.requestId, status: step.from, approvalExpiresAt: { lte: now } },
      data: { status: step.to, closedAt: now, closeReason: "no decision in time", version: { increment: 1 } },
    });
    if (changed.count === 0) return { expired: false };
    await emitAudit(
      tx,
      ctx.actor,
      {
        action: step.audit,
        entityType: "request",
        entityId: input.requestId,
        requestId: input.requestId,
        before: { status: step.from },
        after: { status: step.to },
      },
      now,
    );
    return { expired: true };
  });
}
