import { groupTargetShortLabel } from "../../domain/group-targets";
import type { IdentityCenterPort } from "../../aws/identity-center-port";
import { AppError, isAppError } from "../../domain/errors";
import { planGroupReconcile, type GroupFinding } from "../../domain/group-membership";
import { portalManagedGroups } from "../../domain/group-targets";
import { errorFields, log } from "../../log";
import { emitAudit } from "../audit";
import { notifyAlertRaised, type RaisedAlert } from "../alerts/alert-hook";
import { recordAlert, resolveAlert, UNRESOLVED_ALERT_STATUSES, type AlertInput } from "../alerts/raise-alert";
import type { ServiceContext } from "../context";
import { getActivePolicy } from "../policy/active-policy";

export interface GroupReconcileDeps {
  port: IdentityCenterPort;
  /** Pairs whose grant moved this recently are left to their own jobs (default 60 s, as for assignments). */
  graceMs?: number;
}

export const GROUP_OUT_OF_BAND_ALERT_KIND = "group-member-out-of-band";
export const GROUP_MEMBERSHIP_LOST_ALERT_KIND = "group-membership-lost";
export const GROUP_DELETED_ALERT_KIND = "group-deleted";
const FINDING_KINDS = [GROUP_OUT_OF_BAND_ALERT_KIND, GROUP_MEMBERSHIP_LOST_ALERT_KIND, GROUP_DELETED_ALERT_KIND];

const DEFAULT_GRACE_MS = 60_000;
// A grant in these states is being changed by its own job right now: its membership may be half made or half gone.
const MOVING_STATUSES = ["PROVISIONING", "REMOVING", "REMOVAL_FAILED"] as const;

/**
 * Worker verb, on a schedule: list the members of every group the policy's group rules name and report (audit row and
 * alert, never a change) out-of-band members, ACTIVE grants whose membership is gone (an IdP's SCIM sync may remove it)
 * and groups that were deleted. Every call goes through the port and its shared rate limiter.
 */
export async function reconcileGroupMemberships({ ctx, deps }: { ctx: ServiceContext; deps: GroupReconcileDeps }) {
  if (ctx.actor.type !== "system") throw new AppError("FORBIDDEN", "Only the worker reconciles group memberships.");
  const names = await managedGroupNames(ctx);
  const summary = { groups: names.length, calls: 0, listFailures: 0, findings: 0, raised: 0, resolved: 0 };
  if (names.length === 0) return summary;

  const groupIds = new Map<string, string>();
  const listed: { groupName: string; members: string[] | null }[] = [];
  for (const groupName of names) {
    try {
      summary.calls += 1;
      const groupId = await deps.port.findGroupIdByDisplayName(groupName);
      if (groupId) groupIds.set(groupName, groupId);
      summary.calls += groupId ? 1 : 0;
      listed.push({ groupName, members: groupId ? await deps.port.listGroupMemberIds(groupId) : null });
    } catch (error) {
      // One unreadable group must not stop the rest, nor count as empty: it is looked at again next run.
      summary.listFailures += 1;
      log.warn({ groupName, err: errorFields(error) }, "group membership listing failed");
    }
  }

  // Read after the listing: a grant that moved meanwhile shows as in motion instead of as drift.
  const now = ctx.now();
  const listedNames = listed.map((group) => group.groupName);
  const since = new Date(now.getTime() - (deps.graceMs ?? DEFAULT_GRACE_MS));
  const [active, moving, standing] = await Promise.all([
    ctx.db.groupGrant.findMany({
      where: { status: "ACTIVE", groupName: { in: listedNames }, memberId: { not: null } },
      select: { id: true, requestId: true, groupName: true, memberId: true, user: { select: { email: true } } },
    }),
    ctx.db.groupGrant.findMany({
      where: {
        groupName: { in: listedNames },
        memberId: { not: null },
        OR: [{ status: { in: [...MOVING_STATUSES] } }, { updatedAt: { gte: since } }],
      },
      select: { groupName: true, memberId: true },
    }),
    ctx.db.groupMembershipPair.findMany({
      where: { standing: true, groupId: { in: [...groupIds.values()] } },
      select: { groupId: true, memberId: true },
    }),
  ]);
  const nameOf = new Map([...groupIds].map(([name, id]) => [id, name]));
  const findings = planGroupReconcile({
    groups: listed,
    activeGrants: active.map((g) => ({ grantId: g.id, groupName: g.groupName, userId: g.memberId! })),
    standing: standing.map((pair) => ({ groupName: nameOf.get(pair.groupId)!, userId: pair.memberId })),
    inMotion: moving.map((g) => ({ groupName: g.groupName, userId: g.memberId! })),
  });
  summary.findings = findings.length;

  const outOfBand = findings.flatMap((f) => (f.kind === "OUT_OF_BAND" ? [f.userId] : []));
  const emails = await emailsOf(ctx, deps.port, outOfBand, summary);
  const grantsById = new Map(active.map((g) => [g.id, g]));
  const raised: RaisedAlert[] = [];
  const seenKeys = new Set<string>();
  for (const finding of findings) {
    for (const report of reportsFor(finding, emails, grantsById)) {
      seenKeys.add(report.alert.dedupeKey);
      const alert = await ctx.db.$transaction(async (tx) => {
        const opened = await recordAlert(tx, ctx.actor, report.alert, now);
        // Audited once per episode: while the alert stays open a repeat sighting only bumps its lastSeenAt.
        if (opened) await emitAudit(tx, ctx.actor, report.audit, now);
        return opened;
      });
      if (alert) raised.push(alert);
    }
  }
  summary.raised = raised.length;
  summary.resolved = await resolveGone(ctx, new Set(listedNames), seenKeys, now);
  for (const alert of raised) await notifyAlertRaised(alert);
  return summary;
}

async function managedGroupNames(ctx: ServiceContext): Promise<string[]> {
  try {
    return portalManagedGroups((await getActivePolicy(ctx.db)).document);
  } catch (error) {
    // No policy loaded yet: nothing is portal-managed.
    if (isAppError(error)) return [];
    throw error;
  }
}

/** Names for out-of-band members: the portal's own users first; others are described once (counted, paced). */
async function emailsOf(
  ctx: ServiceContext,
  port: IdentityCenterPort,
  identityStoreUserIds: string[],
  summary: { calls: number },
) {
  const emails = new Map<string, string>();
  if (identityStoreUserIds.length === 0) return emails;
  const users = await ctx.db.user.findMany({
    where: { identityStoreUserId: { in: identityStoreUserIds } },
    select: { identityStoreUserId: true, email: true },
  });
  for (const user of users)
    if (user.identityStoreUserId && user.email) emails.set(user.identityStoreUserId, user.email);
  for (const userId of identityStoreUserIds.filter((id) => !emails.has(id))) {
    summary.calls += 1;
    const described = await port.describeUser(userId).catch(() => null);
    const name = described?.email ?? described?.userName;
    if (name) emails.set(userId, name);
  }
  return emails;
}

type GroupReport = { alert: AlertInput; audit: Parameters<typeof emitAudit>[2] };

function reportsFor(
  finding: GroupFinding,
  emails: Map<string, string>,
  grantsById: Map<string, { id: string; requestId: string; user: { email: string | null } }>,
): GroupReport[] {
  const group = groupTargetShortLabel(finding.groupName);
  switch (finding.kind) {
    case "OUT_OF_BAND": {
      const who = emails.get(finding.userId) ?? `Identity Store user ${finding.userId}`;
      const detail = { groupName: finding.groupName, memberId: finding.userId };
      return [
        {
          alert: {
            kind: GROUP_OUT_OF_BAND_ALERT_KIND,
            severity: "warning",
            dedupeKey: `${GROUP_OUT_OF_BAND_ALERT_KIND}:${finding.groupName}:${finding.userId}`,
            subject: `Out-of-band member of ${group}: ${who} is a member without a grant from the portal`,
            detail,
          },
          audit: {
            action: "group_membership.out_of_band",
            entityType: "group_membership",
            entityId: `${finding.groupName}:${finding.userId}`,
            after: detail,
          },
        },
      ];
    }
    case "MISSING":
      return finding.grantIds.map((grantId) => {
        const grant = grantsById.get(grantId)!;
        const detail = { groupGrantId: grantId, groupName: finding.groupName, memberId: finding.userId };
        return {
          alert: {
            kind: GROUP_MEMBERSHIP_LOST_ALERT_KIND,
            severity: "warning",
            dedupeKey: `${GROUP_MEMBERSHIP_LOST_ALERT_KIND}:${grantId}`,
            subject: `Membership removed outside the portal: ${group} for ${grant.user.email ?? "a user"} (a SCIM sync or an admin), while the grant is active`,
            detail,
            requestId: grant.requestId,
          },
          audit: {
            action: "group_grant.membership_lost",
            entityType: "group_grant",
            entityId: grantId,
            requestId: grant.requestId,
            after: detail,
            reason: "The user is no longer a member of the group, though the grant is active.",
          },
        };
      });
    case "GROUP_DELETED":
      return [
        {
          alert: {
            kind: GROUP_DELETED_ALERT_KIND,
            severity: "critical",
            dedupeKey: `${GROUP_DELETED_ALERT_KIND}:${finding.groupName}`,
            subject: `The Identity Center group "${finding.groupName}" named by the policy no longer exists`,
            detail: { groupName: finding.groupName },
          },
          audit: {
            action: "group_membership.group_deleted",
            entityType: "group_membership",
            entityId: finding.groupName,
            after: { groupName: finding.groupName },
          },
        },
      ];
  }
}

/** An open finding alert of a group listed this run that was not seen again is over (member gone, grant ended, group back). */
async function resolveGone(ctx: ServiceContext, listedGroups: Set<string>, seenKeys: Set<string>, now: Date) {
  const open = await ctx.db.alert.findMany({
    where: { kind: { in: FINDING_KINDS }, status: { in: [...UNRESOLVED_ALERT_STATUSES] } },
    select: { dedupeKey: true, detail: true },
  });
  let resolved = 0;
  for (const alert of open) {
    const groupName = (alert.detail as { groupName?: string } | null)?.groupName;
    if (seenKeys.has(alert.dedupeKey) || !groupName || !listedGroups.has(groupName)) continue;
    resolved += await ctx.db.$transaction((tx) =>
      resolveAlert(
        tx,
        ctx.actor,
        { dedupeKey: alert.dedupeKey, reason: "No longer observed by the group reconciler." },
        now,
      ),
    );
  }
  return resolved;
}
