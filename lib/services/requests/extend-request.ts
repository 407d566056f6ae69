import { z } from "zod";
import { recordId, safeText, wholeMinutes } from "../../domain/safe-text";
import { AppError } from "../../domain/errors";
import { assertAllowed, requesterMayExtend } from "../../domain/request-lifecycle";
import { resolveExtension } from "../../domain/time-window";
import type { JobQueue } from "../../jobs/job-queue";
import type { DbTransaction } from "../../db";
import { emitAudit, lockAuditChain } from "../audit";
import { requireUser } from "../authorize";
import type { Actor, ServiceContext } from "../context";
import { parseInput } from "../parse-input";
import { REQUEST_GRANT_KINDS } from "./end-request-grants";
import { assertExpectedVersion, ExpectedVersion, requestChanged } from "./expected-version";

export const ExtendRequestInput = z.object({
  requestId: recordId(),
  extraMinutes: wholeMinutes("Enter whole minutes, such as 30.").pipe(
    z.number().min(5, "Extend by at least 5 minutes."),
  ),
  justification: safeText("multiline").min(5, "Say why you need more time.").max(1000),
  expectedVersion: ExpectedVersion,
});

/** The requester asks for more time; policy decides whether that needs an approver. */
export async function extendRequest({ ctx, input, queue }: { ctx: ServiceContext; input: unknown; queue: JobQueue }) {
  const actor = requireUser(ctx.actor, "request.extend");
  const data = parseInput(ExtendRequestInput, input);
  const now = ctx.now();
  return ctx.db.$transaction(async (tx) => {
    // The chain lock before any row lock: the worker takes them in the same order (lockAuditChain).
    await lockAuditChain(tx);
    const request = await tx.accessRequest.findUnique({ where: { id: data.requestId } });
    if (!request || request.requesterId !== actor.userId)
      throw new AppError("NOT_FOUND", "That request does not exist.");
    assertExpectedVersion(data.expectedVersion, request.version);
    assertAllowed(requesterMayExtend(request.status));
    if (!request.extensionAllowed)
      throw new AppError(
        "POLICY_DENIED",
        "The policy does not allow extending this access. Make a new request instead.",
      );
    const extension = resolveExtension({
      currentEndsAt: request.endsAt,
      startsAt: request.startsAt,
      extraMinutes: data.extraMinutes,
      maxDurationMinutes: request.maxDurationMinutes,
      now,
    });
    if (!extension.ok)
      throw new AppError("VALIDATION", "That extension is not possible.", {
        fieldErrors: {
          extraMinutes: extension.fieldErrors ? Object.values(extension.fieldErrors).flat() : ["Not possible."],
        },
      });
    if (request.extensionNeedsApproval) {
      if (request.extensionRequestedMinutes)
        throw new AppError("CONFLICT", "An extension already waits for a decision.");
      // A new round, so approvals given to an earlier extension never count for this one.
      const changed = await tx.accessRequest.updateMany({
        where: { id: request.id, version: request.version },
        data: {
          extensionRequestedMinutes: data.extraMinutes,
          extensionRequestedAt: now,
          extensionJustification: data.justification,
          extensionRound: { increment: 1 },
          version: { increment: 1 },
        },
      });
      if (changed.count !== 1) throw requestChanged();
      await emitAudit(
        tx,
        actor,
        {
          action: "request.extension_requested",
          entityType: "request",
          entityId: request.id,
          requestId: request.id,
          after: { extraMinutes: data.extraMinutes, newEndsAt: extension.endsAt, round: request.extensionRound + 1 },
          reason: data.justification,
        },
        now,
      );
      return { requestId: request.id, applied: false };
    }
    await applyExtension(tx, queue, actor, request, extension.endsAt, now, data.justification);
    return { requestId: request.id, applied: true, endsAt: extension.endsAt };
  });
}

/** Moves the end of a request and its live grants of both kinds (compare-and-set on the version read); the removal job for the new end replaces the old one. */
export async function applyExtension(
  tx: DbTransaction,
  queue: JobQueue,
  actor: Actor,
  request: { id: string; endsAt: Date; startsAt: Date; version: number },
  endsAt: Date,
  now: Date,
  reason: string,
) {
  const changed = await tx.accessRequest.updateMany({
    where: { id: request.id, version: request.version },
    data: {
      endsAt,
      durationMinutes: Math.round((endsAt.getTime() - request.startsAt.getTime()) / 60_000),
      extensionRequestedMinutes: null,
      extensionRequestedAt: null,
      extensionJustification: null,
      version: { increment: 1 },
    },
  });
  if (changed.count !== 1) throw requestChanged();
  for (const kind of REQUEST_GRANT_KINDS) {
    for (const grant of await kind.list(tx, request.id, ["SCHEDULED", "PROVISIONING", "ACTIVE"])) {
      await kind.setEndsAt(tx, grant.id, endsAt);
      if (grant.status === "ACTIVE") await kind.sendRemoval(tx, queue, grant.id, endsAt, endsAt);
    }
  }
  await emitAudit(
    tx,
    actor,
    {
      action: "request.extended",
      entityType: "request",
      entityId: request.id,
      requestId: request.id,
      before: { endsAt: request.endsAt },
      after: { endsAt },
      reason,
    },
    now,
  );
}
