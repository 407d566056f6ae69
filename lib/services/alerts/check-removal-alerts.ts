import { groupTargetShortLabel } from "../../domain/group-targets";
import { AppError } from "../../domain/errors";
import type { GrantStatus } from "../../domain/request-lifecycle";
import type { Prisma } from "../../generated/prisma/client";
import type { ServiceContext } from "../context";
import { loadTargetNames } from "../queries/support";
import type { RaisedAlert } from "./alert-hook";
import { notifyAlertRaised } from "./alert-hook";
import { recordAlert, resolveAlert, UNRESOLVED_ALERT_STATUSES } from "./raise-alert";

export const REMOVAL_ALERT_KIND = "removal-unverified";
/** A temporary Identity Center group membership not seen removed (GroupGrant ids, so apart from assignment grants). */
export const GROUP_REMOVAL_ALERT_KIND = "group-removal-unverified";
export const DRIFT_REMOVAL_ALERT_KIND = "drift-removal-unverified";
export const removalAlertKey = (grantId: string) => `${REMOVAL_ALERT_KIND}:${grantId}`;
export const groupRemovalAlertKey = (groupGrantId: string) => `${GROUP_REMOVAL_ALERT_KIND}:${groupGrantId}`;
export const driftRemovalAlertKey = (findingId: string) => `${DRIFT_REMOVAL_ALERT_KIND}:${findingId}`;

/** Drift findings whose assignment the portal has set out to remove. */
export const PENDING_DRIFT_REMOVAL = ["removal-requested", "removal-failed"];

const REMOVAL_OWED: readonly GrantStatus[] = ["ACTIVE", "REMOVING", "REMOVAL_FAILED"];

/** Grants that ended before `cutoff` and may still hold an assignment nobody has seen removed (a PROVISIONING one only once a create was issued). */
export function overdueRemovalWhere(cutoff: Date): Prisma.GrantWhereInput {
  return {
    deleteVerifiedAt: null,
    endsAt: { lt: cutoff },
    OR: [{ status: { in: [...REMOVAL_OWED] } }, { status: "PROVISIONING", createRequestId: { not: null } }],
  };
}

/** overdueRemovalWhere for group grants: a PROVISIONING one owes a removal once its create was issued. */
export function overdueGroupRemovalWhere(cutoff: Date): Prisma.GroupGrantWhereInput {
  return {
    deleteVerifiedAt: null,
    endsAt: { lt: cutoff },
    OR: [{ status: { in: [...REMOVAL_OWED] } }, { status: "PROVISIONING", createIssuedAt: { not: null } }],
  };
}

function isRemovalOverdue(
  grant: { status: GrantStatus; endsAt: Date; deleteVerifiedAt: Date | null },
  createIssued: boolean,
  cutoff: Date,
) {
  if (grant.deleteVerifiedAt !== null || grant.endsAt >= cutoff) return false;
  return REMOVAL_OWED.includes(grant.status) || (grant.status === "PROVISIONING" && createIssued);
}

/** Worker verb, run periodically: one alert per removal (grant, group membership or drift) unverified `alertAfterSeconds` after it was due; resolved once verified. */
export async function checkRemovalAlerts({
  ctx,
  settings,
}: {
  ctx: ServiceContext;
  settings: { alertAfterSeconds: number };
}) {
  if (ctx.actor.type !== "system") throw new AppError("FORBIDDEN", "Only the worker checks removals.");
  const now = ctx.now();
  const cutoff = new Date(now.getTime() - settings.alertAfterSeconds * 1000);
  const raised: RaisedAlert[] = [];

  const overdue = await ctx.db.grant.findMany({
    where: overdueRemovalWhere(cutoff),
    select: {
      id: true,
      requestId: true,
      accountId: true,
      permissionSetArn: true,
      principalId: true,
      status: true,
      endsAt: true,
      user: { select: { email: true } },
    },
    orderBy: { endsAt: "asc" },
    take: 500,
  });
  const names = await loadTargetNames(ctx.db, overdue);
  for (const grant of overdue) {
    const account = names.account(grant.accountId);
    const set = names.permissionSet(grant.permissionSetArn);
    const minutes = Math.floor((now.getTime() - grant.endsAt.getTime()) / 60_000);
    const alert = await ctx.db.$transaction((tx) =>
      recordAlert(
        tx,
        ctx.actor,
        {
          kind: REMOVAL_ALERT_KIND,
          severity: "critical",
          dedupeKey: removalAlertKey(grant.id),
          subject: `Access not removed: ${set.name} on ${account.name} for ${grant.user.email ?? "a user"}, ${minutes} min after it ended`,
          detail: {
            grantId: grant.id,
            requestId: grant.requestId,
            accountId: grant.accountId,
            permissionSetArn: grant.permissionSetArn,
            principalId: grant.principalId,
            status: grant.status,
            endsAt: grant.endsAt.toISOString(),
          },
          grantId: grant.id,
          requestId: grant.requestId,
        },
        now,
      ),
    );
    if (alert) raised.push(alert);
  }

  const overdueGroups = await ctx.db.groupGrant.findMany({
    where: overdueGroupRemovalWhere(cutoff),
    select: {
      id: true,
      requestId: true,
      groupName: true,
      groupId: true,
      memberId: true,
      status: true,
      endsAt: true,
      user: { select: { email: true } },
    },
    orderBy: { endsAt: "asc" },
    take: 500,
  });
  for (const grant of overdueGroups) {
    const minutes = Math.floor((now.getTime() - grant.endsAt.getTime()) / 60_000);
    const alert = await ctx.db.$transaction((tx) =>
      recordAlert(
        tx,
        ctx.actor,
        {
          kind: GROUP_REMOVAL_ALERT_KIND,
          severity: "critical",
          dedupeKey: groupRemovalAlertKey(grant.id),
          subject: `Group membership not removed: ${groupTargetShortLabel(grant.groupName)} for ${grant.user.email ?? "a user"}, ${minutes} min after it ended`,
          detail: {
            groupGrantId: grant.id,
            requestId: grant.requestId,
            groupName: grant.groupName,
            groupId: grant.groupId,
            memberId: grant.memberId,
            status: grant.status,
            endsAt: grant.endsAt.toISOString(),
          },
          requestId: grant.requestId,
        },
        now,
      ),
    );
    if (alert) raised.push(alert);
  }

  const pendingDrift = await ctx.db.driftFinding.findMany({
    where: { status: "OPEN", actionTaken: { in: PENDING_DRIFT_REMOVAL } },
    orderBy: { firstSeenAt: "asc" },
    take: 500,
  });
  const requested = pendingDrift.length
    ? await ctx.db.auditEvent.groupBy({
        by: ["entityId"],
        where: {
          action: "drift.removal_requested",
          entityType: "drift",
          entityId: { in: pendingDrift.map((f) => f.id) },
        },
        _min: { occurredAt: true },
      })
    : [];
  const requestedAt = new Map(requested.map((row) => [row.entityId, row._min.occurredAt]));
  const driftNames = await loadTargetNames(ctx.db, pendingDrift);
  for (const finding of pendingDrift) {
    const since = requestedAt.get(finding.id) ?? finding.firstSeenAt;
    if (since >= cutoff) continue;
    const what = finding.kind === "LINGERING_ASSIGNMENT" ? "Leftover assignment" : "Out-of-band assignment";
    const alert = await ctx.db.$transaction((tx) =>
      recordAlert(
        tx,
        ctx.actor,
        {
          kind: DRIFT_REMOVAL_ALERT_KIND,
          severity: "critical",
          dedupeKey: driftRemovalAlertKey(finding.id),
          subject: `${what} not removed: ${driftNames.permissionSet(finding.permissionSetArn).name} on ${driftNames.account(finding.accountId).name} (${finding.principalType.toLowerCase()} ${finding.principalId})`,
          detail: {
            findingId: finding.id,
            kind: finding.kind,
            accountId: finding.accountId,
            permissionSetArn: finding.permissionSetArn,
            principalType: finding.principalType,
            principalId: finding.principalId,
            requestedAt: since.toISOString(),
          },
          grantId: finding.grantId,
        },
        now,
      ),
    );
    if (alert) raised.push(alert);
  }

  const resolved = await resolveSettledAlerts(ctx, cutoff, now);
  for (const alert of raised) await notifyAlertRaised(alert);
  return {
    overdue: overdue.length,
    overdueGroupMemberships: overdueGroups.length,
    pendingDriftRemovals: pendingDrift.length,
    raised: raised.length,
    resolved,
  };
}

async function resolveSettledAlerts(ctx: ServiceContext, cutoff: Date, now: Date) {
  const unresolved = await ctx.db.alert.findMany({
    where: {
      status: { in: [...UNRESOLVED_ALERT_STATUSES] },
      kind: { in: [REMOVAL_ALERT_KIND, GROUP_REMOVAL_ALERT_KIND, DRIFT_REMOVAL_ALERT_KIND] },
    },
    select: { dedupeKey: true, kind: true, grantId: true, detail: true },
  });
  const grantIds = unresolved.filter((a) => a.kind === REMOVAL_ALERT_KIND && a.grantId).map((a) => a.grantId!);
  const groupGrantIds = unresolved
    .filter((a) => a.kind === GROUP_REMOVAL_ALERT_KIND)
    .map((a) => a.dedupeKey.slice(GROUP_REMOVAL_ALERT_KIND.length + 1));
  const findingIds = unresolved
    .filter((a) => a.kind === DRIFT_REMOVAL_ALERT_KIND)
    .map((a) => a.dedupeKey.slice(DRIFT_REMOVAL_ALERT_KIND.length + 1));
  const [grants, groupGrants, findings] = await Promise.all([
    grantIds.length
      ? ctx.db.grant.findMany({
          where: { id: { in: grantIds } },
          select: {
            id: true,
            requestId: true,
            status: true,
            endsAt: true,
            deleteVerifiedAt: true,
            createRequestId: true,
          },
        })
      : [],
    groupGrantIds.length
      ? ctx.db.groupGrant.findMany({
          where: { id: { in: groupGrantIds } },
          select: {
            id: true,
            requestId: true,
            status: true,
            endsAt: true,
            deleteVerifiedAt: true,
            createIssuedAt: true,
          },
        })
      : [],
    findingIds.length
      ? ctx.db.driftFinding.findMany({
          where: { id: { in: findingIds } },
          select: { id: true, status: true, actionTaken: true },
        })
      : [],
  ]);
  const grantById = new Map(grants.map((g) => [g.id, g]));
  const groupGrantById = new Map(groupGrants.map((g) => [g.id, g]));
  const findingById = new Map(findings.map((f) => [f.id, f]));
  let resolved = 0;
  for (const alert of unresolved) {
    let reason: string | null = null;
    let requestId: string | null = null;
    if (alert.kind === REMOVAL_ALERT_KIND) {
      const grant = alert.grantId ? grantById.get(alert.grantId) : undefined;
      requestId = grant?.requestId ?? null;
      if (!grant) reason = "The grant no longer exists.";
      else if (!isRemovalOverdue(grant, grant.createRequestId !== null, cutoff))
        reason = grant.deleteVerifiedAt
          ? "The removal was verified."
          : `No removal is owed any more (grant ${grant.status.toLowerCase()}).`;
    } else if (alert.kind === GROUP_REMOVAL_ALERT_KIND) {
      const grant = groupGrantById.get(alert.dedupeKey.slice(GROUP_REMOVAL_ALERT_KIND.length + 1));
      requestId = grant?.requestId ?? null;
      if (!grant) reason = "The group grant no longer exists.";
      else if (!isRemovalOverdue(grant, grant.createIssuedAt !== null, cutoff))
        reason = grant.deleteVerifiedAt
          ? "The removal of the group membership was verified."
          : `No removal is owed any more (group grant ${grant.status.toLowerCase()}).`;
    } else {
      const finding = findingById.get(alert.dedupeKey.slice(DRIFT_REMOVAL_ALERT_KIND.length + 1));
      if (!finding) reason = "The drift finding no longer exists.";
      else if (finding.status !== "OPEN" || !PENDING_DRIFT_REMOVAL.includes(finding.actionTaken ?? "")) {
        reason =
          finding.actionTaken === "removed"
            ? "The removal was verified."
            : finding.status === "ACCEPTED"
              ? "An admin accepted the assignment as standing."
              : "No removal is pending any more.";
      }
    }
    if (reason) {
      const why = reason;
      resolved += await ctx.db.$transaction((tx) =>
        resolveAlert(tx, ctx.actor, { dedupeKey: alert.dedupeKey, reason: why, requestId }, now),
      );
    }
  }
  return resolved;
}
