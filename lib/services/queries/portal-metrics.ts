import { createHash, timingSafeEqual } from "node:crypto";
import { DRIFT_KINDS } from "../../domain/reconcile";
import { SCORECARD_MEASURES, totalMeasures, type MeasureTotal, type ScorecardMeasure } from "../../domain/scorecard";
import { GRANT_STATUSES } from "../../domain/request-lifecycle";
import { overdueRemovalWhere } from "../alerts/check-removal-alerts";
import { authorize, hasPermission } from "../authorize";
import type { Actor, ServiceContext } from "../context";

export interface PortalMetrics {
  openAlerts: { OPEN: number; ACKNOWLEDGED: number };
  grantsByStatus: Record<string, number>;
  removalsUnverifiedOverdue: number;
  driftFindingsOpen: Record<string, number>;
  /** Totals of the latest scorecard snapshot; null before the first one. */
  scorecard: Record<ScorecardMeasure, MeasureTotal> | null;
}

export type MetricsAccess = { ok: true } | { ok: false; status: 401 | 403; message: string };

// Hashing first makes the comparison constant-time whatever the lengths.
function sameSecret(given: string, expected: string) {
  return timingSafeEqual(createHash("sha256").update(given).digest(), createHash("sha256").update(expected).digest());
}

/** A scraper presents `Authorization: Bearer <METRICS_TOKEN>`; a browser needs an admin session. A wrong token never falls back to the session. */
export function checkMetricsAccess({
  authorization,
  token,
  actor,
}: {
  authorization: string | null;
  token: string | undefined;
  actor: Actor | null;
}): MetricsAccess {
  if (authorization !== null) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (token && match && sameSecret(match[1]!, token)) return { ok: true };
    return { ok: false, status: 401, message: "Invalid metrics token." };
  }
  if (!actor || actor.type === "anonymous")
    return { ok: false, status: 401, message: "Sign in as an admin or present the metrics token." };
  if (!hasPermission(actor, "admin.read")) return { ok: false, status: 403, message: "Only admins may read metrics." };
  return { ok: true };
}

/** Gauges for the metrics endpoint; counts only, no names or ids. */
export async function readPortalMetrics({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { alertAfterSeconds: number };
}): Promise<PortalMetrics> {
  authorize(ctx.actor, "admin.read");
  const cutoff = new Date(ctx.now().getTime() - input.alertAfterSeconds * 1000);
  const [alerts, grants, overdue, findings, snapshot] = await Promise.all([
    ctx.db.alert.groupBy({
      by: ["status"],
      where: { status: { in: ["OPEN", "ACKNOWLEDGED"] } },
      _count: { _all: true },
    }),
    ctx.db.grant.groupBy({ by: ["status"], _count: { _all: true } }),
    ctx.db.grant.count({ where: overdueRemovalWhere(cutoff) }),
    ctx.db.driftFinding.groupBy({ by: ["kind"], where: { status: "OPEN" }, _count: { _all: true } }),
    ctx.db.scorecardSnapshot.findFirst({
      orderBy: { takenAt: "desc" },
      select: { accounts: { select: Object.fromEntries(SCORECARD_MEASURES.map((m) => [m, true])) } },
    }),
  ]);
  const alertCount = (status: string) => alerts.find((row) => row.status === status)?._count._all ?? 0;
  return {
    openAlerts: { OPEN: alertCount("OPEN"), ACKNOWLEDGED: alertCount("ACKNOWLEDGED") },
    grantsByStatus: Object.fromEntries(
      GRANT_STATUSES.map((status) => [status, grants.find((row) => row.status === status)?._count._all ?? 0]),
    ),
    removalsUnverifiedOverdue: overdue,
    driftFindingsOpen: Object.fromEntries(
      DRIFT_KINDS.map((kind) => [kind, findings.find((row) => row.kind === kind)?._count._all ?? 0]),
    ),
    scorecard: snapshot
      ? totalMeasures(snapshot.accounts as unknown as Record<ScorecardMeasure, number | null>[])
      : null,
  };
}

/** Prometheus text exposition format 0.0.4; every series is always present so a zero is a zero, not a gap. */
export function formatPrometheus(metrics: PortalMetrics): string {
  const lines: string[] = [];
  const gauge = (name: string, help: string, samples: [labels: string, value: number][]) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
    for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
  };
  gauge(
    "jit_open_alerts",
    "Alerts not yet resolved, by status.",
    Object.entries(metrics.openAlerts).map(([status, n]) => [`{status="${status.toLowerCase()}"}`, n]),
  );
  gauge(
    "jit_grants_by_status",
    "Grants by status.",
    Object.entries(metrics.grantsByStatus).map(([status, n]) => [`{status="${status.toLowerCase()}"}`, n]),
  );
  gauge(
    "jit_removals_unverified_overdue",
    "Grants past their end plus the alert threshold whose removal is not verified.",
    [["", metrics.removalsUnverifiedOverdue]],
  );
  gauge(
    "jit_drift_findings_open",
    "Open drift findings, by kind.",
    Object.entries(metrics.driftFindingsOpen).map(([kind, n]) => [`{kind="${kind.toLowerCase()}"}`, n]),
  );
  // Without a snapshot the scorecard series are absent: an unmeasured organization is not a zero.
  if (metrics.scorecard) {
    const totals = metrics.scorecard;
    gauge(
      "jit_scorecard_total",
      "Latest scorecard snapshot: organization total per measure (standing privileged access, long-lived keys, users without MFA).",
      SCORECARD_MEASURES.map((m) => [`{measure="${m}"}`, totals[m].value]),
    );
    gauge(
      "jit_scorecard_accounts_not_measured",
      "Latest scorecard snapshot: accounts where the measure could not be taken.",
      SCORECARD_MEASURES.map((m) => [`{measure="${m}"}`, totals[m].notMeasured]),
    );
  }
  return `${lines.join("\n")}\n`;
}
