import { breakGlassOptions, mayBreakGlass, minutesToReview, reviewDueAt } from "../../domain/break-glass";
import type { PolicyDocument } from "../../domain/policy-schema";
import { getEnv } from "../../env";
import type { Db } from "../../db";
import { hasPermission, requireUser } from "../authorize";
import type { ServiceContext } from "../context";
import { findActivePolicy } from "../policy/active-policy";
import { loadTargetNames } from "./support";

// Page reads for break-glass: the emergency form's choices, the banner, and the review page.

async function activePolicyDocument(db: Db): Promise<PolicyDocument | null> {
  return (await findActivePolicy(db))?.document ?? null;
}

/** Whether the "Emergency access" entry is shown: only to someone a break-glass rule names. */
export async function canBreakGlass({ ctx }: { ctx: ServiceContext }): Promise<boolean> {
  if (ctx.actor.type !== "user" || !hasPermission(ctx.actor, "breakglass.use")) return false;
  const policy = await activePolicyDocument(ctx.db);
  return policy !== null && mayBreakGlass(policy, { email: ctx.actor.email, groups: ctx.actor.groups });
}

export interface BreakGlassFormOption {
  accountId: string;
  accountName: string;
  permissionSetArn: string;
  permissionSetName: string;
  maxDurationMinutes: number;
  maxDurationLabel: string;
  incidentExamples: string[];
}

/** The (account, permission set) pairs this person may break glass on; empty for anyone else. */
export async function getBreakGlassFormOptions({ ctx }: { ctx: ServiceContext }): Promise<BreakGlassFormOption[]> {
  const actor = requireUser(ctx.actor, "breakglass.use");
  const policy = await activePolicyDocument(ctx.db);
  if (!policy) return [];
  const [accounts, sets] = await Promise.all([
    ctx.db.awsAccount.findMany({
      where: { status: { not: "GONE" } },
      orderBy: { name: "asc" },
      select: { id: true, name: true, ouIds: true },
    }),
    ctx.db.permissionSet.findMany({ orderBy: { name: "asc" }, select: { arn: true, name: true } }),
  ]);
  return breakGlassOptions(policy, { email: actor.email, groups: actor.groups }, accounts, sets).map((option) => ({
    accountId: option.account.id,
    accountName: option.account.name,
    permissionSetArn: option.permissionSet.arn,
    permissionSetName: option.permissionSet.name,
    maxDurationMinutes: option.maxDurationMinutes,
    maxDurationLabel: option.maxDurationLabel,
    incidentExamples: option.incident.examples,
  }));
}

export interface ActiveBreakGlass {
  requestId: string;
  requesterEmail: string | null;
  endsAt: Date;
}

/** For the red banner: emergency access that is granted now, shown to approvers, auditors and admins; null for others. */
export async function activeBreakGlass({ ctx }: { ctx: ServiceContext }): Promise<ActiveBreakGlass[] | null> {
  if (ctx.actor.type !== "user" || !hasPermission(ctx.actor, "breakglass.read")) return null;
  const rows = await ctx.db.accessRequest.findMany({
    where: { breakGlass: true, status: { in: ["APPROVED", "ACTIVE"] }, endsAt: { gt: ctx.now() } },
    select: { id: true, endsAt: true, requester: { select: { email: true } } },
    orderBy: { createdAt: "desc" },
    take: 20,
  });
  return rows.map((row) => ({ requestId: row.id, requesterEmail: row.requester.email, endsAt: row.endsAt }));
}

export interface BreakGlassUseRow {
  id: string;
  source: "PORTAL" | "OFFLINE";
  requestId: string | null;
  requestStatus: string | null;
  who: string;
  accountName: string;
  permissionSetName: string;
  incident: string | null;
  justification: string | null;
  usedAt: Date;
  review: "PENDING" | "JUSTIFIED" | "NOT_JUSTIFIED";
  reviewer: string | null;
  reviewComment: string | null;
  reviewedAt: Date | null;
  minutesToReview: number | null;
  /** Unreviewed past BREAK_GLASS_REVIEW_HOURS: the alert is raised. */
  overdue: boolean;
  /** The viewer may review it (never their own use). */
  canReview: boolean;
}

export interface BreakGlassOverview {
  uses: BreakGlassUseRow[];
  pending: number;
  /** Refused break-glass attempts (not eligible, deny rule, uncovered target), folded refusals included. */
  refusedAttempts: number;
  reviewHours: number;
}

/** The break-glass page: every use with its review state and time to review, and how many attempts were refused. */
export async function getBreakGlassOverview({ ctx }: { ctx: ServiceContext }): Promise<BreakGlassOverview> {
  const actor = requireUser(ctx.actor, "breakglass.read");
  const reviewHours = getEnv().BREAK_GLASS_REVIEW_HOURS;
  const now = ctx.now();
  const [uses, refused, repeated] = await Promise.all([
    ctx.db.breakGlassUse.findMany({
      orderBy: { usedAt: "desc" },
      take: 200,
      include: { request: { select: { status: true, justification: true, requester: { select: { email: true } } } } },
    }),
    ctx.db.auditEvent.count({
      where: {
        OR: [{ action: "breakglass.refused" }, { action: "access.refused", entityId: "breakglass.use" }],
      },
    }),
    ctx.db.auditEvent.findMany({
      where: { action: "access.refused_repeated", entityId: "breakglass.use" },
      select: { after: true },
    }),
  ]);
  const reviewerIds = uses.flatMap((use) => (use.reviewerId ? [use.reviewerId] : []));
  const [names, reviewers] = await Promise.all([
    loadTargetNames(ctx.db, uses),
    reviewerIds.length
      ? ctx.db.user.findMany({ where: { id: { in: reviewerIds } }, select: { id: true, email: true } })
      : [],
  ]);
  // A closed refusal window wrote its first refusal at once and the rest as one summary.
  const folded = repeated.reduce((sum, row) => {
    const afterFirst = (row.after as { afterFirst?: unknown } | null)?.afterFirst;
    return sum + (typeof afterFirst === "number" ? afterFirst : 0);
  }, 0);
  // Windows still open hold refusals after the first that no summary has written yet.
  const openWindows = await ctx.db.refusalWindow.findMany({
    where: { verb: "breakglass.use", count: { gt: 1 } },
    select: { count: true },
  });
  const unsummarized = openWindows.reduce((sum, window) => sum + window.count - 1, 0);
  return {
    uses: uses.map((use) => ({
      id: use.id,
      source: use.source,
      requestId: use.requestId,
      requestStatus: use.request?.status ?? null,
      who: use.request?.requester.email ?? (use.principalId ? `Identity Center user ${use.principalId}` : "unknown"),
      accountName: names.account(use.accountId).name,
      permissionSetName: names.permissionSet(use.permissionSetArn).name,
      incident: use.incident,
      justification: use.request?.justification ?? null,
      usedAt: use.usedAt,
      review: use.review,
      reviewer: reviewers.find((reviewer) => reviewer.id === use.reviewerId)?.email ?? null,
      reviewComment: use.reviewComment,
      reviewedAt: use.reviewedAt,
      minutesToReview: minutesToReview(use.usedAt, use.reviewedAt),
      overdue: use.review === "PENDING" && reviewDueAt(use.usedAt, reviewHours) <= now,
      canReview: use.review === "PENDING" && use.userId !== actor.userId,
    })),
    pending: uses.filter((use) => use.review === "PENDING").length,
    refusedAttempts: refused + folded + unsummarized,
    reviewHours,
  };
}
