import { z } from "zod";
import { recordId, safeText } from "../../domain/safe-text";
import { AppError } from "../../domain/errors";
import { canApprove, countQuorum } from "../../domain/policy";
import {
  approvalWindowOpen,
  assertAllowed,
  planRequestStep,
  requestAwaitsDecision,
} from "../../domain/request-lifecycle";
import type { JobQueue } from "../../jobs/job-queue";
import { emitAudit, lockAuditChain } from "../audit";
import { recordRefusal } from "../refusals/record-refusal";
import { requireUser } from "../authorize";
import type { ServiceContext } from "../context";
import { parseInput } from "../parse-input";
import { deciderKind } from "../requests/actor-kind";
import { createGrantsForRequest } from "../requests/create-request";
import { assertExpectedVersion, ExpectedVersion } from "../requests/expected-version";
import { policyForRequest, policySubject, requestPolicyTargets } from "../requests/policy-targets";

export const DecideRequestInput = z.object({
  requestId: recordId(),
  decision: z.enum(["APPROVE", "DENY"]),
  comment: safeText("multiline")
    .max(1000, "Keep the comment under 1000 characters.")
    .optional()
    .transform((c) => (c ? c : undefined)),
  expectedVersion: ExpectedVersion,
});
export type DecideRequestInput = z.infer<typeof DecideRequestInput>;

/** An approver approves or denies. Self-approval is refused here whatever the entry point; quorum is counted in the same transaction. */
export async function decideRequest({ ctx, input, queue }: { ctx: ServiceContext; input: unknown; queue: JobQueue }) {
  const actor = requireUser(ctx.actor, "request.decide");
  const data = parseInput(DecideRequestInput, input);
  assertDenialExplained(data, "request");
  const now = ctx.now();

  const outcome = await ctx.db.$transaction(async (tx) => {
    // The chain lock before any row lock: the worker takes them in the same order (lockAuditChain).
    await lockAuditChain(tx);
    // Lock the request row so concurrent approvers count quorum one at a time.
    const locked = await tx.$queryRaw<
      { id: string }[]
    >`SELECT id FROM "AccessRequest" WHERE id = ${data.requestId} FOR UPDATE`;
    if (locked.length === 0) throw new AppError("NOT_FOUND", "That request does not exist.");
    const request = await tx.accessRequest.findUniqueOrThrow({
      where: { id: data.requestId },
      include: { requester: true, targets: true, groupTargets: true, decisions: { where: { kind: "REQUEST" } } },
    });
    assertAllowed(requestAwaitsDecision(request.status));
    assertExpectedVersion(data.expectedVersion, request.version);
    assertAllowed(approvalWindowOpen(request.approvalExpiresAt, now));

    const policy = await policyForRequest(tx, request.policyId);
    const targets = await requestPolicyTargets(tx, request);
    const verdict = canApprove(
      policy,
      { userId: actor.userId, email: actor.email, groups: actor.groups },
      {
        ...policySubject(request, targets),
        decisions: request.decisions.map((d) => ({
          approverId: d.approverId,
          decision: d.decision,
          viaGroups: d.viaGroups,
        })),
      },
    );
    if (!verdict.ok) return { refused: verdict };
    await tx.approvalDecision.create({
      data: {
        requestId: request.id,
        approverId: actor.userId,
        decision: data.decision,
        comment: data.comment ?? null,
        viaGroups: verdict.viaGroups,
      },
    });
    await emitAudit(
      tx,
      actor,
      {
        action: data.decision === "APPROVE" ? "request.approval_given" : "request.denial_given",
        entityType: "request",
        entityId: request.id,
        requestId: request.id,
        after: { decision: data.decision, viaGroups: verdict.viaGroups },
        reason: data.comment ?? null,
      },
      now,
    );

    const decisions = [
      ...request.decisions.map((d) => ({ approverId: d.approverId, decision: d.decision, viaGroups: d.viaGroups })),
      { approverId: actor.userId, decision: data.decision, viaGroups: verdict.viaGroups },
    ];
    const quorum = countQuorum(
      { required: request.requiredApprovals, distinctGroups: request.distinctGroups },
      decisions,
    );

    let status = request.status;
    if (quorum.denied || quorum.satisfied) {
      const step = planRequestStep(
        deciderKind(actor),
        request.status,
        quorum.denied ? "deny" : "approve-quorum-reached",
      );
      status = step.to;
      const changed = await tx.accessRequest.updateMany({
        where: { id: request.id, status: step.from, version: request.version },
        data: {
          status: step.to,
          decidedAt: now,
          version: { increment: 1 },
          ...(quorum.denied ? { closedAt: now, closeReason: data.comment ?? null } : {}),
        },
      });
      if (changed.count !== 1)
        throw new AppError("CONFLICT", "The request changed while you were deciding. Reload and try again.");
      await emitAudit(
        tx,
        actor,
        {
          action: step.audit,
          entityType: "request",
          entityId: request.id,
          requestId: request.id,
          before: { status: step.from },
          after: { status: step.to, approvals: quorum.approvals, required: quorum.required },
        },
        now,
      );
      if (!quorum.denied) {
        // A "start now" request approved late still gets the whole duration it asked for.
        const window =
          request.startedImmediately && request.startsAt < now
            ? { startsAt: now, endsAt: new Date(now.getTime() + request.durationMinutes * 60_000) }
            : { startsAt: request.startsAt < now ? now : request.startsAt, endsAt: request.endsAt };
        if (window.startsAt !== request.startsAt)
          await tx.accessRequest.update({ where: { id: request.id }, data: window });
        await createGrantsForRequest(tx, queue, { ...request, ...window }, request.requesterId);
      }
    }
    return { decided: { requestId: request.id, status, approvals: quorum.approvals, required: quorum.required } };
  });
  if ("decided" in outcome) return outcome.decided;
  // A refused attempt is evidence, audited in its own transaction (repeats within a minute folded into one count) before the error is raised.
  const { refused } = outcome;
  await recordRefusal(ctx, {
    verb: "request.decide",
    action: "request.decision_refused",
    requestId: data.requestId,
    target: data.requestId,
    code: refused.code,
    reason: refused.reason,
    details: { decision: data.decision },
  });
  throw new AppError(
    refused.code,
    refused.code === "SELF_APPROVAL" ? "You cannot approve or deny your own request." : refused.reason,
    { audited: true },
  );
}

/** A denial, of a request or of an extension, tells the requester why. */
export function assertDenialExplained(
  data: { decision: "APPROVE" | "DENY"; comment?: string },
  what: "request" | "extension",
) {
  if (data.decision === "DENY" && !data.comment)
    throw new AppError("VALIDATION", `Say why you deny the ${what}.`, {
      fieldErrors: { comment: ["A denial needs a comment for the requester."] },
    });
}
