import { z } from "zod";
import { recordId, safeText } from "../../domain/safe-text";
import { AppError } from "../../domain/errors";
import type { JobQueue } from "../../jobs/job-queue";
import { emitAudit } from "../audit";
import { requireUser } from "../authorize";
import type { ServiceContext } from "../context";
import { parseInput } from "../parse-input";
import { endRequestGrants } from "../requests/end-request-grants";

export const RevokeInput = z.object({
  requestId: recordId(),
  reason: safeText("multiline").min(5, "Say why you revoke this access.").max(1000),
});

/** An approver or admin takes access away before its end, with a reason. */
export async function revokeGrant({ ctx, input, queue }: { ctx: ServiceContext; input: unknown; queue: JobQueue }) {
  const actor = requireUser(ctx.actor, "grant.revoke");
  const { requestId, reason } = parseInput(RevokeInput, input);
  const now = ctx.now();
  return ctx.db.$transaction(async (tx) => {
    const request = await tx.accessRequest.findUnique({ where: { id: requestId } });
    if (!request) throw new AppError("NOT_FOUND", "That request does not exist.");
    if (request.status !== "ACTIVE" && request.status !== "APPROVED") throw new AppError("INVALID_TRANSITION", `A ${request.status.toLowerCase()} request cannot be revoked.`);
    const changed = await tx.accessRequest.updateMany({ where: { id: requestId, status: request.status, version: request.version }, data: { status: "REVOKED", closeReason: reason, version: { increment: 1 } } });
    if (changed.count !== 1) throw new AppError("CONFLICT", "The request changed meanwhile. Reload and try again.");
    await emitAudit(tx, actor, { action: "request.revoked", entityType: "request", entityId: requestId, requestId, before: { status: request.status }, after: { status: "REVOKED" }, reason }, now);
    await endRequestGrants(tx, queue, actor, requestId, now, `revoked: ${reason}`);
    return { requestId, status: "REVOKED" as const };
  });
}
