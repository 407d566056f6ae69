import { z } from "zod";
import { recordId } from "../../domain/safe-text";
import { AppError } from "../../domain/errors";
import { assertAllowed, planRequestStep, requesterMayCancel } from "../../domain/request-lifecycle";
import type { JobQueue } from "../../jobs/job-queue";
import { emitAudit, lockAuditChain } from "../audit";
import { requireUser } from "../authorize";
import type { ServiceContext } from "../context";
import { parseInput } from "../parse-input";
import { endRequestGrants } from "./end-request-grants";
import { assertExpectedVersion, ExpectedVersion } from "./expected-version";

export const RequestIdInput = z.object({ requestId: recordId(), expectedVersion: ExpectedVersion });

/** The requester withdraws a request that has not started yet. */
export async function cancelRequest({ ctx, input, queue }: { ctx: ServiceContext; input: unknown; queue: JobQueue }) {
  const actor = requireUser(ctx.actor, "request.cancel");
  const { requestId, expectedVersion } = parseInput(RequestIdInput, input);
  const now = ctx.now();
  return ctx.db.$transaction(async (tx) => {
    // The chain lock before any row lock: the worker takes them in the same order (lockAuditChain).
    await lockAuditChain(tx);
    const request = await tx.accessRequest.findUnique({
      where: { id: requestId },
      include: { grants: true, groupGrants: true },
    });
    if (!request || request.requesterId !== actor.userId)
      throw new AppError("NOT_FOUND", "That request does not exist.");
    assertExpectedVersion(expectedVersion, request.version);
    assertAllowed(
      requesterMayCancel(
        request.status,
        [...request.grants, ...request.groupGrants].map((g) => g.status),
      ),
    );
    const step = planRequestStep("requester", request.status, "cancel");
    const changed = await tx.accessRequest.updateMany({
      where: { id: requestId, status: step.from, version: request.version },
      data: { status: step.to, closedAt: now, closeReason: "cancelled by requester", version: { increment: 1 } },
    });
    if (changed.count !== 1) throw new AppError("CONFLICT", "The request changed meanwhile. Reload and try again.");
    await endRequestGrants(tx, queue, actor, requestId, now, "request cancelled");
    await emitAudit(
      tx,
      actor,
      {
        action: step.audit,
        entityType: "request",
        entityId: requestId,
        requestId,
        before: { status: step.from },
        after: { status: step.to },
      },
      now,
    );
    return { requestId, status: step.to };
  });
}
