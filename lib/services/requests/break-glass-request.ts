import { z } from "zod";
import { evaluateBreakGlass, mayBreakGlass } from "../../domain/break-glass";
import { AppError } from "../../domain/errors";
import { safeText, wholeMinutes } from "../../domain/safe-text";
import type { JobQueue } from "../../jobs/job-queue";
import { notifyAlertRaised } from "../alerts/alert-hook";
import { recordAlert } from "../alerts/raise-alert";
import { emitAudit } from "../audit";
import { requireUser } from "../authorize";
import type { ServiceContext, UserActor } from "../context";
import { parseInput } from "../parse-input";
import { getActivePolicy } from "../policy/active-policy";
import { recordRefusal } from "../refusals/record-refusal";
import { createGrantsForRequest } from "./create-request";
import { describeTargets } from "./policy-targets";

export const BREAK_GLASS_VERB = "breakglass.use";
export const BREAK_GLASS_USED_ALERT_KIND = "break-glass-used";
export const breakGlassUsedAlertKey = (useId: string) => `${BREAK_GLASS_USED_ALERT_KIND}:${useId}`;

export const BreakGlassInput = z.object({
  accountId: z.string().regex(/^\d{12}$/, "Pick an account from the list."),
  permissionSetArn: safeText().min(10, "Pick a permission set from the list.").max(1224, "Not a permission set."),
  durationMinutes: wholeMinutes("Enter the duration in whole minutes, such as 60."),
  justification: safeText("multiline")
    .min(10, "Say what is broken and what you will do (at least 10 characters).")
    .max(2000, "Keep the reason under 2000 characters."),
  incident: safeText().max(64, "An incident reference is at most 64 characters.").optional(),
});

// Refusals on this verb are written as breakglass.refused (and counted on the break-glass page), then thrown.
async function refuse(ctx: ServiceContext, target: string, code: "FORBIDDEN" | "POLICY_DENIED", message: string) {
  await recordRefusal(ctx, { verb: BREAK_GLASS_VERB, action: "breakglass.refused", target, code, reason: message });
  return new AppError(code, message, { audited: true, fieldErrors: { target: [message] } });
}

/** Emergency access: an eligible engineer is granted at once by a break-glass rule; the use is announced and must be reviewed. */
export async function breakGlassRequest({
  ctx,
  input,
  queue,
}: {
  ctx: ServiceContext;
  input: unknown;
  queue: JobQueue;
}) {
  const actor = requireUser(ctx.actor, "breakglass.use");
  const data = parseInput(BreakGlassInput, input);
  const policy = await getActivePolicy(ctx.db);
  const requester = { email: actor.email, groups: actor.groups };
  if (!mayBreakGlass(policy.document, requester))
    throw await refuse(ctx, data.accountId, "FORBIDDEN", "You are not on any emergency access list.");
  const [target] = await describeTargets(ctx.db, [
    { accountId: data.accountId, permissionSetArn: data.permissionSetArn },
  ]);
  const verdict = evaluateBreakGlass(
    policy.document,
    requester,
    { account: target!.account, permissionSetName: target!.permissionSetName },
    { durationMinutes: data.durationMinutes, incident: data.incident },
  );
  if (!verdict.ok) {
    if (verdict.code === "VALIDATION")
      throw new AppError("VALIDATION", verdict.message, { fieldErrors: verdict.fieldErrors });
    throw await refuse(ctx, `${target!.permissionSetName} on ${target!.accountId}`, verdict.code, verdict.message);
  }
  const now = ctx.now();
  const endsAt = new Date(now.getTime() + data.durationMinutes * 60_000);
  const incident = data.incident!.trim();

  const { requestId, alert } = await ctx.db.$transaction(async (tx) => {
    const request = await tx.accessRequest.create({
      data: {
        requesterId: actor.userId,
        policyId: policy.id,
        createdAt: now,
        status: "APPROVED",
        breakGlass: true,
        justification: data.justification,
        // The incident reference is the request's ticket, so history, export and search show it where tickets are.
        ticket: incident,
        durationMinutes: data.durationMinutes,
        startsAt: now,
        endsAt,
        requiredApprovals: 0,
        maxDurationMinutes: verdict.target.maxDurationMinutes,
        extensionAllowed: false,
        startedImmediately: true,
        matchedRuleId: verdict.target.ruleIds.join(","),
        decidedAt: now,
        targets: {
          create: [
            { accountId: target!.accountId, permissionSetArn: target!.permissionSetArn, revokeSessionsOnEnd: true },
          ],
        },
      },
      include: { targets: true },
    });
    const described = {
      accountId: target!.accountId,
      accountName: target!.accountName,
      permissionSet: target!.permissionSetName,
    };
    await emitAudit(
      tx,
      actor,
      {
        action: "request.created",
        entityType: "request",
        entityId: request.id,
        requestId: request.id,
        after: {
          status: request.status,
          breakGlass: true,
          targets: [described],
          startsAt: now,
          endsAt,
          ticket: incident,
          rules: verdict.target.ruleIds,
          requiredApprovals: 0,
        },
        reason: data.justification,
      },
      now,
    );
    await emitAudit(
      tx,
      actor,
      {
        action: "request.auto_approved",
        entityType: "request",
        entityId: request.id,
        requestId: request.id,
        after: { status: "APPROVED", rules: verdict.target.ruleIds, breakGlass: true },
      },
      now,
    );
    const use = await tx.breakGlassUse.create({
      data: {
        source: "PORTAL",
        requestId: request.id,
        userId: actor.userId,
        principalId: actor.identityStoreUserId,
        accountId: target!.accountId,
        permissionSetArn: target!.permissionSetArn,
        incident,
        usedAt: now,
      },
    });
    await emitAudit(
      tx,
      actor,
      {
        action: "breakglass.used",
        entityType: "request",
        entityId: request.id,
        requestId: request.id,
        after: { useId: use.id, target: described, incident, endsAt, rules: verdict.target.ruleIds },
        reason: data.justification,
      },
      now,
    );
    await createGrantsForRequest(tx, queue, request, actor.userId);
    const raised = await recordAlert(tx, actor, breakGlassAlert(actor, use.id, request.id, described, incident), now);
    return { requestId: request.id, alert: raised };
  });
  if (alert) await notifyAlertRaised(alert);
  return { requestId, status: "APPROVED" as const };
}

function breakGlassAlert(
  actor: UserActor,
  useId: string,
  requestId: string,
  target: { accountName: string; permissionSet: string },
  incident: string,
) {
  return {
    kind: BREAK_GLASS_USED_ALERT_KIND,
    severity: "warning" as const,
    dedupeKey: breakGlassUsedAlertKey(useId),
    subject: `Emergency access used: ${target.permissionSet} on ${target.accountName} by ${actor.email} (incident ${incident}); review it on the break-glass page`,
    detail: { useId, requestId, incident },
    requestId,
  };
}
