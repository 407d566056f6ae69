import type { DbTransaction } from "../../db";
import {
  endingNoticeAt,
  endingNoticeMinutes,
  eventMatchesFilter,
  followUpEvents,
  isBreakGlassAlert,
  NOTIFICATION_EVENTS,
  NOTIFICATIONS_BY_AUDIT_ACTION,
  reminderAt,
  type Audience,
  type NotificationEventType,
} from "../../domain/notifications";
import { groupPolicyTarget } from "../../domain/eligible-groups";
import { allowRulesOf, groupTargetLabel } from "../../domain/group-targets";
import { approverRoutesForRequest, type ApproverRoute } from "../../domain/policy";
import { emailKey, IDENTITY_CENTER_GROUP_PREFIX, PolicyDocument, type AllowRule } from "../../domain/policy-schema";
import { RISK_LABELS, requestRisks } from "../../domain/request-risk";
import type { NotificationChannel } from "../../generated/prisma/enums";
import { Prisma } from "../../generated/prisma/client";
import { anyChannelOn, notificationSettings, type NotificationSettings } from "./settings";

// The outbox writer: in the transaction of an audited change, turns it into notification rows the worker delivers later.

export interface AuditedChange {
  auditId: string;
  action: string;
  entityType: string;
  entityId: string;
  requestId?: string | null;
  after?: unknown;
  reason?: string | null;
  occurredAt: Date;
}

interface PlannedDelivery {
  channel: NotificationChannel;
  target: string;
}

/** Called by emitAudit for every audit row; a no-op unless the action names notifications and a channel is on. */
export async function enqueueNotificationsForAudit(tx: DbTransaction, change: AuditedChange) {
  const types = NOTIFICATIONS_BY_AUDIT_ACTION[change.action];
  if (!types) return;
  const settings = notificationSettings();
  if (!anyChannelOn(settings)) return;
  const request = change.requestId ? await loadRequest(tx, change.requestId) : null;
  for (const type of types) {
    if (type === "request.waiting" && request?.status !== "PENDING") continue;
    if (type === "removal.alert" && isBreakGlassAlert(change.after)) continue;
    await writeNotification(tx, settings, change, type, request);
    for (const followUp of followUpEvents(type)) await writeNotification(tx, settings, change, followUp, request);
  }
}

type LoadedRequest = NonNullable<Awaited<ReturnType<typeof loadRequest>>>;

async function loadRequest(tx: DbTransaction, requestId: string) {
  const request = await tx.accessRequest.findUnique({
    where: { id: requestId },
    include: {
      requester: { select: { id: true, email: true, name: true } },
      targets: true,
      groupTargets: { orderBy: { groupName: "asc" } },
      decisions: { include: { approver: { select: { email: true, name: true } } }, orderBy: { createdAt: "asc" } },
      policy: { select: { document: true } },
    },
  });
  if (!request) return null;
  const [accounts, sets] = await Promise.all([
    tx.awsAccount.findMany({ where: { id: { in: request.targets.map((t) => t.accountId) } } }),
    tx.permissionSet.findMany({ where: { arn: { in: request.targets.map((t) => t.permissionSetArn) } } }),
  ]);
  const targets = request.targets.map((t) => {
    const account = accounts.find((a) => a.id === t.accountId);
    return {
      accountId: t.accountId,
      accountName: account?.name ?? t.accountId,
      ouIds: account?.ouIds ?? [],
      permissionSetName: sets.find((s) => s.arn === t.permissionSetArn)?.name ?? t.permissionSetArn,
    };
  });
  const parsed = request.policy ? PolicyDocument.safeParse(request.policy.document) : null;
  const policy = parsed?.success ? parsed.data : null;
  const ruleIds = request.matchedRuleId ? request.matchedRuleId.split(",") : [];
  const rules = policy ? allowRulesOf(policy).filter((rule) => ruleIds.includes(rule.id)) : [];
  return { ...request, targetsDescribed: targets, policyDocument: policy, rules, ruleIds };
}

/** The request's decisions plus those of its current extension round (earlier rounds no longer count). */
function currentRoundDecisions(request: LoadedRequest) {
  return request.decisions.filter((d) => d.kind === "REQUEST" || d.round === request.extensionRound);
}

/** The snapshot renderers and webhooks read; documented in docs/webhooks.md. */
function requestSnapshot(settings: NotificationSettings, request: LoadedRequest) {
  const risks = requestRisks({
    targets: request.targetsDescribed,
    durationMinutes: request.durationMinutes,
    startsAt: request.startsAt,
    ticket: request.ticket,
  });
  return {
    id: request.id,
    status: request.status,
    requester: { email: request.requester.email, name: request.requester.name },
    targets: request.targetsDescribed.map((t) => ({
      accountId: t.accountId,
      accountName: t.accountName,
      permissionSet: t.permissionSetName,
    })),
    groups: request.groupTargets.map((t) => ({ name: t.groupName, label: groupTargetLabel(t.groupName) })),
    justification: request.justification,
    ticket: request.ticket,
    durationMinutes: request.durationMinutes,
    window: { startsAt: request.startsAt.toISOString(), endsAt: request.endsAt.toISOString() },
    rules: request.ruleIds,
    risks: risks.map((flag) => ({ flag, label: RISK_LABELS[flag] })),
    approvals: { required: request.requiredApprovals, distinctGroups: request.distinctGroups },
    approvalExpiresAt: request.approvalExpiresAt?.toISOString() ?? null,
    escalated: Boolean(request.escalatedAt),
    decisions: currentRoundDecisions(request).map((d) => ({
      kind: d.kind,
      decision: d.decision,
      by: { email: d.approver.email, name: d.approver.name },
      comment: d.comment,
      at: d.createdAt.toISOString(),
    })),
    extension:
      request.extensionRequestedMinutes !== null
        ? { minutes: request.extensionRequestedMinutes, justification: request.extensionJustification }
        : null,
    closeReason: request.closeReason,
    portalUrl: `${settings.appUrl}/requests/${request.id}`,
  };
}

async function writeNotification(
  tx: DbTransaction,
  settings: NotificationSettings,
  change: AuditedChange,
  type: NotificationEventType,
  request: LoadedRequest | null,
) {
  const timing = dueTime(type, change, request);
  if (!timing) return;
  if (type === "request.updated") {
    // One re-render per transaction, however many of its audit rows changed the request.
    const [row] = await tx.$queryRaw<{ txid: string }[]>`SELECT txid_current()::text AS txid`;
    timing.dedupeKey = `${type}:${request?.id ?? change.entityId}:tx${row?.txid}`;
  }
  const deliveries = await plannedDeliveries(tx, settings, type, request);
  if (deliveries.length === 0) return;
  const payload = {
    type,
    occurredAt: change.occurredAt.toISOString(),
    summary: NOTIFICATION_EVENTS[type].summary,
    ...(request
      ? {
          request: requestSnapshot(settings, request),
          ...(type === "access.active" || type === "access.ending"
            ? { accessPortalUrl: settings.accessPortalUrl ?? null }
            : {}),
          ...(type === "access.ending" ? { endingInMinutes: endingNoticeMinutes(request.rules) } : {}),
        }
      : {}),
    subject: {
      type: change.entityType,
      id: change.entityId,
      details: change.after ?? null,
      reason: change.reason ?? null,
    },
    portalUrl: request ? `${settings.appUrl}/requests/${request.id}` : subjectUrl(settings, change),
  };
  const inserted = await tx.$queryRaw<{ id: string }[]>`
    INSERT INTO "Notification" (id, type, "dedupeKey", "requestId", payload, "createdAt")
    VALUES (${`ntf_${change.auditId}_${type}`}, ${type}, ${timing.dedupeKey}, ${request?.id ?? null}, ${JSON.stringify(payload)}::jsonb, ${change.occurredAt})
    ON CONFLICT ("dedupeKey") DO NOTHING
    RETURNING id`;
  if (inserted.length === 0) return;
  await tx.notificationDelivery.createMany({
    data: deliveries.map((d) => ({
      notificationId: inserted[0]!.id,
      channel: d.channel,
      target: d.target,
      nextAttemptAt: timing.at,
      // The retry window counts from the change, on the same clock as the due time.
      createdAt: change.occurredAt,
    })),
    skipDuplicates: true,
  });
  // Wakes the delivery loop at commit (NOTIFY is delivered only if the transaction commits).
  await tx.$executeRaw`SELECT pg_notify('notification_outbox', '')`;
}

function subjectUrl(settings: NotificationSettings, change: AuditedChange): string {
  if (change.entityType === "alert") return `${settings.appUrl}/admin`;
  if (change.entityType === "drift") return `${settings.appUrl}/admin`;
  if (change.entityType === "policy") return `${settings.appUrl}/policy`;
  if (change.entityType === "breakglass") return `${settings.appUrl}/break-glass`;
  return settings.appUrl;
}

/** When the event is due and the key that makes it happen once. */
function dueTime(
  type: NotificationEventType,
  change: AuditedChange,
  request: LoadedRequest | null,
): { at: Date; dedupeKey: string } | null {
  const now = change.occurredAt;
  const subject = request?.id ?? change.entityId;
  switch (type) {
    case "approval.reminder":
      if (!request?.approvalExpiresAt) return null;
      return { at: reminderAt(request.createdAt, request.approvalExpiresAt), dedupeKey: `${type}:${subject}` };
    case "access.ending": {
      if (!request) return null;
      const at = endingNoticeAt(now, request.endsAt, endingNoticeMinutes(request.rules));
      return at ? { at, dedupeKey: `${type}:${subject}:${request.endsAt.toISOString()}` } : null;
    }
    case "extension.waiting":
    case "extension.approved":
    case "extension.denied":
      return { at: now, dedupeKey: `${type}:${subject}:${request?.extensionRound ?? 0}` };
    case "policy.reloaded":
    case "removal.alert":
    case "drift.found":
      return { at: now, dedupeKey: `${type}:${change.auditId}` };
    default:
      return { at: now, dedupeKey: `${type}:${subject}` };
  }
}

async function plannedDeliveries(
  tx: DbTransaction,
  settings: NotificationSettings,
  type: NotificationEventType,
  request: LoadedRequest | null,
): Promise<PlannedDelivery[]> {
  const audience: Audience = NOTIFICATION_EVENTS[type].audience;
  const out: PlannedDelivery[] = [];
  const slack = (target: string) => settings.slack && out.push({ channel: "SLACK", target });
  const email = (address: string) => settings.email && out.push({ channel: "EMAIL", target: emailKey(address) });

  if (audience === "slack-copies") {
    if (request && request.requiredApprovals > 0) slack(`copies:${request.id}`);
  } else if (audience === "requester") {
    const address = request?.requester.email;
    if (address) {
      slack(`dm:${emailKey(address)}`);
      email(address);
    }
  } else if (audience === "security") {
    if (settings.slack) slack(`channel:${settings.slack.securityChannel}`);
    for (const address of settings.email?.securityTo ?? []) email(address);
  } else if (request) {
    const escalation = audience === "escalation-approvers";
    const route = escalation ? escalationRoute(request.rules) : approverRoute(request);
    const decided = new Set(currentRoundDecisions(request).map((d) => d.approverId));
    // Only the requests' own channel message is new; reminders and escalations go to people.
    if (type === "request.waiting" || type === "extension.waiting" || escalation) {
      const channels = new Set(request.rules.map((rule) => rule.notify.slackChannel).filter(Boolean) as string[]);
      if (settings.slack && channels.size === 0) channels.add(settings.slack.approvalsChannel);
      for (const channel of channels) slack(`channel:${channel}`);
    }
    const users = await routedUsers(tx, route, request.requesterId);
    for (const user of users) {
      if (decided.has(user.id)) continue;
      slack(`dm:${emailKey(user.email)}`);
      email(user.email);
    }
    // Approvers named by email are reachable before their first sign-in; group members only once the portal knows them.
    const known = new Set(users.map((u) => emailKey(u.email)));
    const requesterKey = emailKey(request.requester.email ?? "");
    for (const address of route.users) {
      if (known.has(address) || address === requesterKey) continue;
      slack(`dm:${address}`);
      email(address);
    }
    const lists = request.rules.flatMap((rule) => rule.notify.emails ?? []);
    for (const address of lists.length > 0 ? lists : (settings.email?.approvalsTo ?? [])) email(address);
  }
  for (const endpoint of settings.webhooks)
    if (eventMatchesFilter(type, endpoint.events)) out.push({ channel: "WEBHOOK", target: endpoint.name });
  // One delivery per channel and target, even when a person is both routed and on a list.
  return [...new Map(out.map((d) => [`${d.channel} ${d.target}`, d])).values()];
}

function approverRoute(request: LoadedRequest): ApproverRoute {
  if (!request.policyDocument) return { groups: [], users: [] };
  return approverRoutesForRequest(
    request.policyDocument,
    [
      ...request.targetsDescribed.map((t) => ({
        account: { id: t.accountId, ouIds: t.ouIds },
        permissionSetName: t.permissionSetName,
      })),
      ...request.groupTargets.map((t) => groupPolicyTarget(t.groupName)),
    ],
    request.ruleIds,
    request.status === "PENDING" && Boolean(request.escalatedAt),
  );
}

function escalationRoute(rules: readonly AllowRule[]): ApproverRoute {
  return {
    groups: [...new Set(rules.flatMap((rule) => rule.approval.escalation?.approvers.groups ?? []))],
    users: [...new Set(rules.flatMap((rule) => (rule.approval.escalation?.approvers.users ?? []).map(emailKey)))],
  };
}

/** Portal users the route names (by IdP group at their last sign-in, or by email), never the requester. */
async function routedUsers(tx: DbTransaction, route: ApproverRoute, requesterId: string) {
  if (route.groups.length === 0 && route.users.length === 0) return [];
  const idpGroups = route.groups.filter((group) => !group.startsWith(IDENTITY_CENTER_GROUP_PREFIX));
  const identityCenterGroups = route.groups
    .filter((group) => group.startsWith(IDENTITY_CENTER_GROUP_PREFIX))
    .map((group) => group.slice(IDENTITY_CENTER_GROUP_PREFIX.length));
  const users = await tx.user.findMany({
    where: {
      id: { not: requesterId },
      email: { not: null },
      OR: [
        ...(idpGroups.length > 0 ? [{ idpGroups: { hasSome: idpGroups } }] : []),
        ...(identityCenterGroups.length > 0 ? [{ identityCenterGroups: { hasSome: identityCenterGroups } }] : []),
        ...(route.users.length > 0 ? [{ email: { in: route.users, mode: Prisma.QueryMode.insensitive } }] : []),
      ],
    },
    select: { id: true, email: true },
    orderBy: { email: "asc" },
    take: 200,
  });
  return users.filter((u): u is { id: string; email: string } => u.email !== null);
}
