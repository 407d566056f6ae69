import { AppError } from "../../domain/errors";
import { emitAudit, lockAuditChain } from "../audit";
import type { ServiceContext } from "../context";

/** Worker verb: a request still undecided at its rule's escalation time is opened to the escalation approvers, who are told. */
export async function escalateRequest({ ctx, input }: { ctx: ServiceContext; input: { requestId: string } }) {
  if (ctx.actor.type !== "system") throw new AppError("FORBIDDEN", "Only the worker escalates requests.");
  const now = ctx.now();
  return ctx.db.$transaction(async (tx) => {
    await lockAuditChain(tx);
    // Once, and only while it still waits; the status and version stay (no decision was made).
    const changed = await tx.accessRequest.updateMany({
      where: { id: input.requestId, status: "PENDING", escalatedAt: null, approvalExpiresAt: { gt: now } },
      data: { escalatedAt: now },
    });
    if (changed.count === 0) return { escalated: false };
    await emitAudit(
      tx,
      ctx.actor,
      {
        action: "request.escalated",
        entityType: "request",
        entityId: input.requestId,
        requestId: input.requestId,
        after: { escalatedAt: now },
      },
      now,
    );
    return { escalated: true };
  });
}
