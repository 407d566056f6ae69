import { AppError } from "../../domain/errors";
import { assertAllowed, requesterMayRelease } from "../../domain/request-lifecycle";
import type { JobQueue } from "../../jobs/job-queue";
import { emitAudit, lockAuditChain } from "../audit";
import { requireUser } from "../authorize";
import type { ServiceContext } from "../context";
import { parseInput } from "../parse-input";
import { RequestIdInput } from "../requests/cancel-request";
import { endRequestGrants } from "../requests/end-request-grants";
import { assertExpectedVersion } from "../requests/expected-version";

/** The requester gives access back early: every grant of the request is removed now. */
export async function releaseGrant({ ctx, input, queue }: { ctx: ServiceContext; input: unknown; queue: JobQueue }) {
  const actor = requireUser(ctx.actor, "grant.release");
  const { requestId, expectedVersion } = parseInput(RequestIdInput, input);
  const now = ctx.now();
  return ctx.db.$transaction(async (tx) => {
    // The chain lock before any row lock: the worker takes them in the same order (lockAuditChain).
    await lockAuditChain(tx);
    const request = await tx.accessRequest.findUnique({ where: { id: requestId } });
    if (!request || request.requesterId !== actor.userId)
      throw new AppError("NOT_FOUND", "That request does not exist.");
    assertExpectedVersion(expectedVersion, request.version);
    assertAllowed(requesterMayRelease(request.status, request.endsAt, now));
    const changed = await tx.accessRequest.updateMany({
      where: { id: requestId, version: request.version },
      data: { closeReason: "released early by requester", version: { increment: 1 } },
    });
    if (changed.count !== 1) throw new AppError("CONFLICT", "The request changed meanwhile. Reload and try again.");
    await emitAudit(
      tx,
      actor,
      {
        action: "request.released",
        entityType: "request",
        entityId: requestId,
        requestId,
        before: { status: request.status, endsAt: request.endsAt },
        after: { endsAt: now },
      },
      now,
    );
    await endRequestGrants(tx, queue, actor, requestId, now, "released early");
    return { requestId };
  });
}
