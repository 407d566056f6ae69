import { z } from "zod";
import { recordId, safeText } from "../../domain/safe-text";
import { AppError } from "../../domain/errors";
import { canApprove, countQuorum } from "../../domain/policy";
import { assertAllowed, extensionMayBeDecided } from "../../domain/request-lifecycle";
import { resolveExtension } from "../../domain/time-window";
import type { JobQueue } from "../../jobs/job-queue";
import { emitAudit, lockAuditChain } from "../audit";
import { recordRefusal } from "../refusals/record-refusal";
import { assertDenialExplained } from "./decide-request";
import { requireUser } from "../authorize";
import type { ServiceContext } from "../context";
import { parseInput } from "../parse-input";
import { applyExtension } from "../requests/extend-request";
import { assertExpectedVersion, ExpectedVersion, requestChanged } from "../requests/expected-version";
import { policyForRequest, policySubject, requestPolicyTargets } from "../requests/policy-targets";

export const DecideExtensionInput = z.object({
  requestId: recordId(),
  decision: z.enum(["APPROVE", "DENY"]),
  comment: safeText("multiline")
    .max(1000, "Keep the comment under 1000 characters.")
    .optional()
    .transform((c) => (c ? c : undefined)),
  expectedVersion: ExpectedVersion,
});

/**
 * An approver decides on the pending extension under the request's own routing, quorum, distinct-groups and self-approval rules;
 * decisions are recorded per extension round, so only this round's decisions count and each approver decides once per round.
 */
export async function decideExtension({ ctx, input, queue }: { ctx: ServiceContext; input: unknown; queue: JobQueue }) {
  const actor = requireUser(ctx.actor, "request.decide");
  const data = parseInput(DecideExtensionInput, input);
  assertDenialExplained(data, "extension");
  const now = ctx.now();
  const outcome = await ctx.db.$transaction(async (tx) => {
    // The chain lock before any row lock: the worker takes them in the same order (lockAuditChain).
    await lockAuditChain(tx);
    // Lock the request row so concurrent approvers count the extension quorum one at a time.
    const locked = await tx.$queryRaw<
      { id: string }[]
    >`SELECT id FROM "AccessRequest" WHERE id = ${data.requestId} FOR UPDATE`;
    if (locked.length === 0) throw new AppError("NOT_FOUND", "That request does not exist.");
    const request = await tx.accessRequest.findUniqueOrThrow({
      where: { id: data.requestId },
      include: { requester: true, targets: true, groupTargets: true },
    });
    if (!request.extensionRequestedMinutes)
      throw new AppError("CONFLICT", "There is no extension waiting for a decision.");
    assertExpectedVersion(data.expectedVersion, request.version);
    assertAllowed(extensionMayBeDecided(request.status));
    const round = request.extensionRound;
    const earlier = (
      await tx.approvalDecision.findMany({ where: { requestId: request.id, kind: "EXTENSION", round } })
    ).map((d) => ({ approverId: d.approverId, decision: d.decision, viaGroups: d.viaGroups }));

    const policy = await policyForRequest(tx, request.policyId);
    const targets = await requestPolicyTargets(tx, request);
    const verdict = canApprove(
      policy,
      { userId: actor.userId, email: actor.email, groups: actor.groups },
      { ...policySubject(request, targets), decisions: earlier },
    );
    if (!verdict.ok) return { refused: verdict, round };
    await tx.approvalDecision.create({
      data: {
        requestId: request.id,
        approverId: actor.userId,
        decision: data.decision,
        comment: data.comment ?? null,
        viaGroups: verdict.viaGroups,
        kind: "EXTENSION",
        round,
      },
    });
    await emitAudit(
      tx,
      actor,
      {
        action: data.decision === "APPROVE" ? "request.extension_approval_given" : "request.extension_denial_given",
        entityType: "request",
        entityId: request.id,
        requestId: request.id,
        after: { decision: data.decision, viaGroups: verdict.viaGroups, round },
        reason: data.comment ?? null,
      },
      now,
    );

    const quorum = countQuorum({ required: request.requiredApprovals, distinctGroups: request.distinctGroups }, [
      ...earlier,
      { approverId: actor.userId, decision: data.decision, viaGroups: verdict.viaGroups },
    ]);
    const tally = { approvals: quorum.approvals, required: quorum.required };
    if (quorum.denied) {
      const changed = await tx.accessRequest.updateMany({
        where: { id: request.id, version: request.version },
        data: {
          extensionRequestedMinutes: null,
          extensionRequestedAt: null,
          extensionJustification: null,
          version: { increment: 1 },
        },
      });
      if (changed.count !== 1) throw requestChanged();
      await emitAudit(
        tx,
        actor,
        {
          action: "request.extension_denied",
          entityType: "request",
          entityId: request.id,
          requestId: request.id,
          before: { extraMinutes: request.extensionRequestedMinutes },
          after: { round },
          reason: data.comment ?? null,
        },
        now,
      );
      return { decided: { requestId: request.id, applied: false, pending: false, ...tally } };
    }
    // A decision short of quorum is only a decision row: the version stays, so other approvers' open pages stay valid.
    if (!quorum.satisfied) {
      return { decided: { requestId: request.id, applied: false, pending: true, ...tally } };
    }
    const extension = resolveExtension({
      currentEndsAt: request.endsAt,
      startsAt: request.startsAt,
      extraMinutes: request.extensionRequestedMinutes,
      maxDurationMinutes: request.maxDurationMinutes,
      now,
    });
    if (!extension.ok) throw new AppError("VALIDATION", "The requested extension is no longer possible.");
    await emitAudit(
      tx,
      actor,
      {
        action: "request.extension_approved",
        entityType: "request",
        entityId: request.id,
        requestId: request.id,
        after: { extraMinutes: request.extensionRequestedMinutes, round, ...tally },
        reason: data.comment ?? null,
      },
      now,
    );
    await applyExtension(
      tx,
      queue,
      actor,
      request,
      extension.endsAt,
      now,
      request.extensionJustification ?? "extension approved",
    );
    return { decided: { requestId: request.id, applied: true, pending: false, endsAt: extension.endsAt, ...tally } };
  });
  if ("decided" in outcome) return outcome.decided;
  // A refused attempt is evidence, audited in its own transaction (repeats within a minute folded into one count) before the error is raised.
  const { refused, round } = outcome;
  await recordRefusal(ctx, {
    verb: "extension.decide",
    action: "request.extension_decision_refused",
    requestId: data.requestId,
    target: data.requestId,
    code: refused.code,
    reason: refused.reason,
    details: { decision: data.decision, round },
  });
  throw new AppError(
    refused.code,
    refused.code === "SELF_APPROVAL"
      ? "You cannot decide on your own extension."
      : refused.code === "CONFLICT"
        ? "You already decided on this extension."
        : refused.reason,
    { audited: true },
  );
}
