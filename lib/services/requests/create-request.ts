import { z } from "zod";
import { safeText, wholeMinutes } from "../../domain/safe-text";
import { AppError } from "../../domain/errors";
import { approvalWindowMinutes, escalationFor, evaluateRequest } from "../../domain/policy";
import { escalationAt } from "../../domain/notifications";
import { pendingApprovalExpiresAt, resolveWindow } from "../../domain/time-window";
import type { JobQueue } from "../../jobs/job-queue";
import { QUEUES } from "../../jobs/queues";
import { emitAudit } from "../audit";
import { requireUser } from "../authorize";
import type { ServiceContext } from "../context";
import { parseInput } from "../parse-input";
import { getActivePolicy } from "../policy/active-policy";
import { describeTargets, groupPolicyTargets } from "./policy-targets";

const NOT_BOTH = "Pick accounts and permission sets, or Identity Center groups, not both.";
const NOTHING_PICKED = "Pick at least one account and permission set, or an Identity Center group.";

export const CreateRequestInput = z
  .object({
    targets: z
      .array(
        z.object({
          accountId: z.string().regex(/^\d{12}$/, "Not an AWS account id."),
          permissionSetArn: safeText().min(10, "Not a permission set.").max(1224, "Not a permission set."),
        }),
      )
      .max(20, "At most 20 targets in one request.")
      .optional(),
    /** Identity Center groups (display names, as the policy names them) to be a member of for the window. */
    groups: z
      .array(safeText().min(1, "Name an Identity Center group.").max(1024, "Not an Identity Center group."))
      .max(20, "At most 20 groups in one request.")
      .optional()
      .transform((groups) => (groups ? [...new Set(groups)] : undefined)),
    durationMinutes: wholeMinutes("Enter the duration in whole minutes, such as 60."),
    startMode: z.enum(["now", "scheduled"]),
    startsAt: z.coerce.date({ message: "Enter a valid start time." }).optional(),
    justification: safeText("multiline")
      .min(10, "Say why you need this access (at least 10 characters).")
      .max(2000, "Keep the justification under 2000 characters."),
    ticket: safeText()
      .max(64, "A ticket reference is at most 64 characters.")
      .optional()
      .transform((t) => (t ? t : undefined)),
  })
  // A request is for account access or for group membership, never both: one kind of grant, one kind of approval.
  .superRefine((data, ctx) => {
    const accounts = (data.targets?.length ?? 0) > 0;
    const groups = (data.groups?.length ?? 0) > 0;
    if (accounts && groups) {
      ctx.addIssue({ code: "custom", path: ["targets"], message: NOT_BOTH });
      ctx.addIssue({ code: "custom", path: ["groups"], message: NOT_BOTH });
    } else if (!accounts && !groups) ctx.addIssue({ code: "custom", path: ["targets"], message: NOTHING_PICKED });
  });
export type CreateRequestInput = z.infer<typeof CreateRequestInput>;

/** An engineer asks for time-boxed access; policy decides eligibility, duration, ticket and approvals. */
export async function createRequest({ ctx, input, queue }: { ctx: ServiceContext; input: unknown; queue: JobQueue }) {
  const actor = requireUser(ctx.actor, "request.create");
  const data = parseInput(CreateRequestInput, input);
  const unique = new Map((data.targets ?? []).map((t) => [`${t.accountId}|${t.permissionSetArn}`, t]));
  const groupNames = data.groups ?? [];
  const policy = await getActivePolicy(ctx.db);
  const targets = await describeTargets(ctx.db, [...unique.values()]);
  // A group no group rule names is refused by policy like any uncovered target ("No policy rule lets you request ...").
  const verdict = evaluateRequest(
    policy.document,
    { email: actor.email, groups: actor.groups },
    [
      ...targets.map((t) => ({
        account: t.account,
        permissionSetName: t.permissionSetName,
        sessionDurationMinutes: t.sessionDurationMinutes,
      })),
      ...groupPolicyTargets(groupNames),
    ],
    {
      durationMinutes: data.durationMinutes,
      ticket: data.ticket,
    },
  );
  if (!verdict.ok) throw new AppError(verdict.code, verdict.message, { fieldErrors: verdict.fieldErrors });
  const now = ctx.now();
  const window = resolveWindow({
    now,
    startMode: data.startMode,
    startsAt: data.startsAt,
    durationMinutes: data.durationMinutes,
    maxDurationMinutes: verdict.decision.maxDurationMinutes,
  });
  if (!window.ok)
    throw new AppError("VALIDATION", "Check the start time and duration.", { fieldErrors: window.fieldErrors });
  const { startsAt, endsAt } = window;
  const auto = verdict.decision.autoApprove;
  const approvalExpiresAt = auto
    ? null
    : pendingApprovalExpiresAt({
        now,
        startedImmediately: data.startMode === "now",
        startsAt,
        approvalWindowMinutes: approvalWindowMinutes(policy.document, verdict.decision.ruleIds),
      });

  return ctx.db.$transaction(async (tx) => {
    const request = await tx.accessRequest.create({
      data: {
        requesterId: actor.userId,
        policyId: policy.id,
        // The verb's clock, not the database's: the reminder and escalation times are measured from it.
        createdAt: now,
        status: auto ? "APPROVED" : "PENDING",
        justification: data.justification,
        ticket: data.ticket ?? null,
        durationMinutes: data.durationMinutes,
        startsAt,
        endsAt,
        requiredApprovals: auto ? 0 : verdict.decision.requiredApprovals,
        distinctGroups: verdict.decision.distinctGroups,
        maxDurationMinutes: verdict.decision.maxDurationMinutes,
        extensionAllowed: verdict.decision.extension.allowed,
        extensionNeedsApproval: verdict.decision.extension.requiresApproval,
        startedImmediately: data.startMode === "now",
        approvalExpiresAt,
        matchedRuleId: verdict.decision.ruleIds.join(","),
        decidedAt: auto ? now : null,
        // The policy's session promise is kept as it was when asked: a policy reload does not change a running grant.
        targets: {
          create: targets.map((t, index) => ({
            accountId: t.accountId,
            permissionSetArn: t.permissionSetArn,
            revokeSessionsOnEnd: verdict.decision.revokeSessionsOnEnd[index] ?? true,
          })),
        },
        groupTargets: { create: groupNames.map((groupName) => ({ groupName })) },
      },
      include: { targets: true, groupTargets: true },
    });
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
          targets: targets.map((t) => ({
            accountId: t.accountId,
            accountName: t.accountName,
            permissionSet: t.permissionSetName,
          })),
          ...(groupNames.length > 0 ? { groups: groupNames } : {}),
          startsAt,
          endsAt,
          ticket: request.ticket,
          rules: verdict.decision.ruleIds,
          // The policy version the request was evaluated under, for the timeline and exports.
          policyVersion: policy.version,
          requiredApprovals: request.requiredApprovals,
        },
        reason: data.justification,
      },
      now,
    );
    if (auto) {
      await emitAudit(
        tx,
        actor,
        {
          action: "request.auto_approved",
          entityType: "request",
          entityId: request.id,
          requestId: request.id,
          after: { status: "APPROVED", rules: verdict.decision.ruleIds },
        },
        now,
      );
      await createGrantsForRequest(tx, queue, request, actor.userId);
    } else {
      await queue.send(
        tx,
        QUEUES.expirePendingRequest,
        { requestId: request.id },
        { startAfter: approvalExpiresAt!, singletonKey: `expire-${request.id}` },
      );
      const escalation = escalationFor(policy.document, verdict.decision.ruleIds);
      if (escalation)
        await queue.send(
          tx,
          QUEUES.escalateRequest,
          { requestId: request.id },
          {
            startAfter: escalationAt(request.createdAt, approvalExpiresAt!, escalation.afterMinutes),
            singletonKey: `escalate-${request.id}`,
          },
        );
    }
    return { requestId: request.id, status: request.status };
  });
}

type Tx = Parameters<Parameters<ServiceContext["db"]["$transaction"]>[0]>[0];

/** One grant per target (an assignment, or a group membership), each with its activation job at the window's start (in the same transaction). */
export async function createGrantsForRequest(
  tx: Tx,
  queue: JobQueue,
  request: {
    id: string;
    startsAt: Date;
    endsAt: Date;
    targets: { id: string; accountId: string; permissionSetArn: string }[];
    /** Absent for account-only requests (break-glass). */
    groupTargets?: { id: string; groupName: string }[];
  },
  userId: string,
) {
  for (const target of request.targets) {
    const grant = await tx.grant.create({
      data: {
        requestId: request.id,
        targetId: target.id,
        userId,
        accountId: target.accountId,
        permissionSetArn: target.permissionSetArn,
        startsAt: request.startsAt,
        endsAt: request.endsAt,
      },
    });
    await queue.send(
      tx,
      QUEUES.activateGrant,
      { grantId: grant.id },
      { startAfter: request.startsAt, singletonKey: `activate-${grant.id}` },
    );
  }
  for (const target of request.groupTargets ?? []) {
    const grant = await tx.groupGrant.create({
      data: {
        requestId: request.id,
        targetId: target.id,
        userId,
        groupName: target.groupName,
        startsAt: request.startsAt,
        endsAt: request.endsAt,
      },
    });
    await queue.send(
      tx,
      QUEUES.activateGroupGrant,
      { grantId: grant.id },
      { startAfter: request.startsAt, singletonKey: `activate-group-${grant.id}` },
    );
  }
}
