import { z } from "zod";
import { recordId, safeText } from "../../domain/safe-text";
import { AppError } from "../../domain/errors";
import { canRevoke } from "../../domain/policy";
import { planRequestStep } from "../../domain/request-lifecycle";
import type { JobQueue } from "../../jobs/job-queue";
import { emitAudit, lockAuditChain } from "../audit";
import { recordRefusal } from "../refusals/record-refusal";
import { requireUser } from "../authorize";
import type { ServiceContext } from "../context";
import { parseInput } from "../parse-input";
import { deciderKind } from "../requests/actor-kind";
import { endRequestGrants } from "../requests/end-request-grants";
import { assertExpectedVersion, ExpectedVersion } from "../requests/expected-version";
import { policyForRequest, policySubject, requestPolicyTargets } from "../requests/policy-targets";

export const RevokeInput = z.object({
  requestId: recordId(),
  reason: safeText("multiline").min(5, "Say why you revoke this access.").max(1000),
  expectedVersion: ExpectedVersion,
});

/** An admin, or an approver routed for the request, takes access away before its end, with a reason; never the requester (they release). */
export async function revokeGrant({ ctx, input, queue }: { ctx: ServiceContext; input: unknown; queue: JobQueue }) {
  const actor = requireUser(ctx.actor, "grant.revoke");
  const { requestId, reason, expectedVersion } = parseInput(RevokeInput, input);
  const now = ctx.now();
  const outcome = await ctx.db.$transaction(async (tx) => {
    // The chain lock before any row lock: the worker takes them in the same order (lockAuditChain).
    await lockAuditChain(tx);
    const request = await tx.accessRequest.findUnique({
      where: { id: requestId },
      include: { requester: true, targets: true, groupTargets: true },
    });
    if (!request) throw new AppError("NOT_FOUND", "That request does not exist.");
    const policy = await policyForRequest(tx, request.policyId);
    // A target gone from the inventory routes to no approver, but an admin can still take the access away.
    const targets = await requestPolicyTargets(tx, request).catch(() => []);
    const verdict = canRevoke(
      policy,
      { userId: actor.userId, email: actor.email, groups: actor.groups, isAdmin: actor.roles.includes("ADMIN") },
      policySubject(request, targets),
    );
    if (!verdict.ok) return { refused: verdict };
    assertExpectedVersion(expectedVersion, request.version);
    const step = planRequestStep(deciderKind(actor), request.status, "revoke");
    const changed = await tx.accessRequest.updateMany({
      where: { id: requestId, status: step.from, version: request.version },
      data: { status: step.to, closeReason: reason, version: { increment: 1 } },
    });
    if (changed.count !== 1) throw new AppError("CONFLICT", "The request changed meanwhile. Reload and try again.");
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
        reason,
      },
      now,
    );
    await endRequestGrants(tx, queue, actor, requestId, now, `revoked: ${reason}`);
    return { revoked: { requestId, status: step.to } };
  });
  if ("revoked" in outcome) return outcome.revoked;
  // Like a refused decision, a refused revoke is kept as evidence in its own transaction, repeats folded per minute.
  const { refused } = outcome;
  await recordRefusal(ctx, {
    verb: "request.revoke",
    action: "request.revoke_refused",
    requestId: requestId,
    target: requestId,
    code: refused.code,
    reason: refused.reason,
    details: {},
  });
  throw new AppError(refused.code, refused.reason, { audited: true });
}
