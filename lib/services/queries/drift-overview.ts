import { requireUser, hasPermission } from "../authorize";
import type { ServiceContext } from "../context";
import { loadTargetNames, summarizeTarget, type TargetSummary } from "./support";

export interface AlertRow {
  id: string;
  kind: string;
  severity: string;
  status: "OPEN" | "ACKNOWLEDGED" | "RESOLVED";
  subject: string;
  grantId: string | null;
  requestId: string | null;
  raisedAt: Date;
  lastSeenAt: Date;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
  resolvedAt: Date | null;
}

export interface FindingRow {
  id: string;
  kind: "MISSING_ASSIGNMENT" | "LINGERING_ASSIGNMENT" | "OUT_OF_BAND_ASSIGNMENT";
  status: "OPEN" | "RESOLVED" | "ACCEPTED";
  target: TargetSummary;
  principalType: string;
  principalId: string;
  /** The portal user with this Identity Store id, when there is one. */
  principalLabel: string | null;
  grantId: string | null;
  detail: string | null;
  actionTaken: string | null;
  firstSeenAt: Date;
  lastSeenAt: Date;
  resolvedAt: Date | null;
  resolvedBy: string | null;
  /** Accept and remove apply to open out-of-band findings only, and only admins see the buttons (the verbs check again). */
  actionable: boolean;
}

export interface DriftOverview {
  canManage: boolean;
  alerts: AlertRow[];
  recentlyResolvedAlerts: AlertRow[];
  openFindings: FindingRow[];
  recentlyClosedFindings: FindingRow[];
}

const RECENT = 20;

/** The admin drift page: unresolved alerts and open findings first, then the latest closed ones; auditors read, admins act. */
export async function driftOverview({ ctx }: { ctx: ServiceContext }): Promise<DriftOverview> {
  const actor = requireUser(ctx.actor, "drift.read");
  const canManage = hasPermission(actor, "drift.manage");
  const [alerts, resolvedAlerts, openFindings, closedFindings] = await Promise.all([
    ctx.db.alert.findMany({
      where: { status: { in: ["OPEN", "ACKNOWLEDGED"] } },
      orderBy: [{ status: "asc" }, { raisedAt: "desc" }],
      take: 200,
    }),
    ctx.db.alert.findMany({ where: { status: "RESOLVED" }, orderBy: { resolvedAt: "desc" }, take: RECENT }),
    ctx.db.driftFinding.findMany({ where: { status: "OPEN" }, orderBy: { firstSeenAt: "desc" }, take: 200 }),
    ctx.db.driftFinding.findMany({
      where: { status: { in: ["RESOLVED", "ACCEPTED"] } },
      orderBy: { resolvedAt: "desc" },
      take: RECENT,
    }),
  ]);
  const allAlerts = [...alerts, ...resolvedAlerts];
  const findings = [...openFindings, ...closedFindings];
  const grantIds = [...new Set(allAlerts.flatMap((a) => (a.grantId ? [a.grantId] : [])))];
  const userIds = [...new Set([...allAlerts.flatMap((a) => (a.acknowledgedById ? [a.acknowledgedById] : []))])];
  const principalIds = [...new Set(findings.filter((f) => f.principalType === "USER").map((f) => f.principalId))];
  const [grants, ackers, principals, names] = await Promise.all([
    grantIds.length
      ? ctx.db.grant.findMany({ where: { id: { in: grantIds } }, select: { id: true, requestId: true } })
      : [],
    userIds.length
      ? ctx.db.user.findMany({ where: { id: { in: userIds } }, select: { id: true, email: true, name: true } })
      : [],
    principalIds.length
      ? ctx.db.user.findMany({
          where: { identityStoreUserId: { in: principalIds } },
          select: { identityStoreUserId: true, email: true },
        })
      : [],
    loadTargetNames(ctx.db, findings),
  ]);
  const requestOf = new Map(grants.map((g) => [g.id, g.requestId]));
  const ackerOf = new Map(ackers.map((u) => [u.id, u.name ?? u.email]));
  const principalOf = new Map(principals.map((u) => [u.identityStoreUserId, u.email]));
  const alertRow = (a: (typeof allAlerts)[number]): AlertRow => ({
    id: a.id,
    kind: a.kind,
    severity: a.severity,
    status: a.status,
    subject: a.subject,
    grantId: a.grantId,
    requestId: a.grantId ? (requestOf.get(a.grantId) ?? null) : null,
    raisedAt: a.raisedAt,
    lastSeenAt: a.lastSeenAt,
    acknowledgedAt: a.acknowledgedAt,
    acknowledgedBy: a.acknowledgedById ? (ackerOf.get(a.acknowledgedById) ?? null) : null,
    resolvedAt: a.resolvedAt,
  });
  const findingRow = (f: (typeof findings)[number]): FindingRow => ({
    id: f.id,
    kind: f.kind,
    status: f.status,
    target: summarizeTarget(names, f),
    principalType: f.principalType,
    principalId: f.principalId,
    principalLabel: f.principalType === "USER" ? (principalOf.get(f.principalId) ?? null) : null,
    grantId: f.grantId,
    detail: f.detail,
    actionTaken: f.actionTaken,
    firstSeenAt: f.firstSeenAt,
    lastSeenAt: f.lastSeenAt,
    resolvedAt: f.resolvedAt,
    resolvedBy: f.resolvedBy,
    actionable: canManage && f.status === "OPEN" && f.kind === "OUT_OF_BAND_ASSIGNMENT",
  });
  return {
    canManage,
    alerts: alerts.map(alertRow),
    recentlyResolvedAlerts: resolvedAlerts.map(alertRow),
    openFindings: openFindings.map(findingRow),
    recentlyClosedFindings: closedFindings.map(findingRow),
  };
}
