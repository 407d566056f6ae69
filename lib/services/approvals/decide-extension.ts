import { z } from "zod";
import { recordId, safeText } from "../../domain/safe-text";
import { AppError } from "../../domain/errors";
import { canApprove } from "../../domain/policy";
import { resolveExtension } from "../../domain/time-window";
import type { JobQueue } from "../../jobs/job-queue";
import { emitAudit } from "../audit";
import { requireUser } from "../authorize";
import type { ServiceContext } from "../context";
import { parseInput } from "../parse-input";
import { applyExtension } from "../requests/extend-request";
import { describeTargets, policyForRequest } from "../requests/policy-targets";

export const DecideExtensionInput = z.object({
  requestId: recordId(),
  decision: z.enum(["APPROVE", "DENY"]),
  comment: safeText("multiline").max(1000, "Keep the comment under 1000 characters.").optional(),
});

/** An approver routed to the request grants or refuses more time; never the requester. */
export async function decideExtension({ ctx, input, queue }: { ctx: ServiceContext; input: unknown; queue: JobQueue }) {
  const actor = requireUser(ctx.actor, "request.decide");
  const data = parseInput(DecideExtensionInput, input);
  const now = ctx.now();
  return ctx.db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM "AccessRequest" WHERE id = ${data.requestId} FOR UPDATE`;
    const request = await tx.accessRequest.findUnique({ where: { id: data.requestId }, include: { requester: true, targets: true } });
    if (!request) throw new AppError("NOT_FOUND", "That request does not exist.");
    if (!request.extensionRequestedMinutes) throw new AppError("CONFLICT", "There is no extension waiting for a decision.");
    const policy = await policyForRequest(tx, request.policyId);
    const targets = await describeTargets(tx, request.targets);
    const verdict = canApprove(policy, { userId: actor.userId, email: actor.email, groups: actor.groups }, {
      requesterId: request.requesterId,
      requesterEmail: request.requester.email ?? "",
      ruleIds: request.matchedRuleId ? request.matchedRuleId.split(",") : undefined,
      targets: targets.map((t) => ({ account: t.account, permissionSetName: t.permissionSetName })),
      decisions: [],
    });
    if (!verdict.ok) throw new AppError(verdict.code, verdict.code === "SELF_APPROVAL" ? "You cannot decide on your own extension." : verdict.reason);
    if (data.decision === "DENY") {
      await tx.accessRequest.update({ where: { id: request.id }, data: { extensionRequestedMinutes: null, extensionRequestedAt: null, extensionJustification: null, version: { increment: 1 } } });
      await emitAudit(tx, actor, { action: "request.extension_denied", entityType: "request", entityId: request.id, requestId: request.id, reason: data.comment ?? null }, now);
      return { requestId: request.id, applied: false };
    }
    if (request.status !== "ACTIVE" && request.status !== "APPROVED") throw new AppError("INVALID_TRANSITION", "The access already ended.");
    const extension = resolveExtension({ currentEndsAt: request.endsAt, startsAt: request.startsAt, extraMinutes: request.extensionRequestedMinutes, maxDurationMinutes: request.maxDurationMinutes, now });
    if (!extension.ok) throw new AppError("VALIDATION", "The requested extension is no longer possible.");
    await emitAudit(tx, actor, { action: "request.extension_approved", entityType: "request", entityId: request.id, requestId: request.id, after: { extraMinutes: request.extensionRequestedMinutes }, reason: data.comment ?? null }, now);
    await applyExtension(tx, queue, actor, request, extension.endsAt, now, request.extensionJustification ?? "extension approved");
    return { requestId: request.id, applied: true, endsAt: extension.endsAt };
  });
}
