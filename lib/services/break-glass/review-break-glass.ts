import { z } from "zod";
import { reviewProblem } from "../../domain/break-glass";
import { AppError } from "../../domain/errors";
import { recordId, safeText } from "../../domain/safe-text";
import { resolveAlert } from "../alerts/raise-alert";
import { emitAudit } from "../audit";
import { requireUser } from "../authorize";
import type { ServiceContext } from "../context";
import { parseInput } from "../parse-input";
import { recordRefusal } from "../refusals/record-refusal";
import { breakGlassUsedAlertKey } from "../requests/break-glass-request";
import { breakGlassUnreviewedAlertKey } from "./check-break-glass-reviews";

export const REVIEW_BREAK_GLASS_VERB = "breakglass.review";

export const ReviewBreakGlassInput = z.object({
  useId: recordId(),
  verdict: z.enum(["JUSTIFIED", "NOT_JUSTIFIED"], { message: "Choose justified or not justified." }),
  comment: safeText("multiline")
    .max(2000, "Keep the comment under 2000 characters.")
    .optional()
    .transform((text) => (text ? text : undefined)),
});

/** An approver or auditor records whether an emergency access use was justified; never the person who used it. */
export async function reviewBreakGlass({ ctx, input }: { ctx: ServiceContext; input: unknown }) {
  const actor = requireUser(ctx.actor, "breakglass.review");
  const data = parseInput(ReviewBreakGlassInput, input);
  const use = await ctx.db.breakGlassUse.findUnique({ where: { id: data.useId } });
  if (!use) throw new AppError("NOT_FOUND", "That emergency access use does not exist.");
  const problem = reviewProblem({ reviewerId: actor.userId, verdict: data.verdict, comment: data.comment }, use);
  if (problem?.code === "VALIDATION")
    throw new AppError("VALIDATION", problem.message, { fieldErrors: { comment: [problem.message] } });
  if (problem) {
    await recordRefusal(ctx, {
      verb: REVIEW_BREAK_GLASS_VERB,
      action: "breakglass.review_refused",
      target: use.id,
      code: problem.code,
      reason: problem.message,
      requestId: use.requestId,
      details: { useId: use.id, verdict: data.verdict },
    });
    throw new AppError(problem.code, problem.message, { audited: true });
  }
  const now = ctx.now();
  await ctx.db.$transaction(async (tx) => {
    const changed = await tx.breakGlassUse.updateMany({
      where: { id: use.id, review: "PENDING" },
      data: { review: data.verdict, reviewerId: actor.userId, reviewComment: data.comment ?? null, reviewedAt: now },
    });
    if (changed.count !== 1) throw new AppError("CONFLICT", "Someone already reviewed this use.");
    await emitAudit(
      tx,
      actor,
      {
        action: "breakglass.reviewed",
        entityType: use.requestId ? "request" : "breakglass",
        entityId: use.requestId ?? use.id,
        requestId: use.requestId,
        before: { review: "PENDING" },
        after: { useId: use.id, review: data.verdict, source: use.source },
        reason: data.comment ?? null,
      },
      now,
    );
    const reason = `The emergency access use was reviewed (${data.verdict === "JUSTIFIED" ? "justified" : "not justified"}).`;
    for (const dedupeKey of [breakGlassUsedAlertKey(use.id), breakGlassUnreviewedAlertKey(use.id)])
      await resolveAlert(tx, actor, { dedupeKey, reason, requestId: use.requestId }, now);
  });
  return { useId: use.id, review: data.verdict };
}
