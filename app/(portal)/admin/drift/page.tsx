import Link from "next/link";
import { driftOverview, type AlertRow, type FindingRow } from "@/lib/services/queries/drift-overview";
import { Badge } from "@/components/ui/badge";
import { Card, EmptyState } from "@/components/ui/card";
import { LiveRefresh } from "@/components/ui/live-refresh";
import { LocalTime } from "@/components/ui/local-time";
import { pageContext } from "../../page-context";
import { AcknowledgeForm, DriftDecisionForm } from "./drift-forms";

const KIND_LABELS: Record<FindingRow["kind"], string> = {
  OUT_OF_BAND_ASSIGNMENT: "Out of band",
  LINGERING_ASSIGNMENT: "Left behind",
  MISSING_ASSIGNMENT: "Missing",
};

const ACTION_LABELS: Record<string, string> = {
  "removal-requested": "removal queued",
  "removal-failed": "removal failing, retrying",
  "removal-skipped": "removal skipped",
  removed: "removed and verified",
  accepted: "accepted as standing",
  "grant-marked-failed": "grant marked failed",
  "recreate-requested": "re-creating",
};

function FindingItem({ finding }: { finding: FindingRow }) {
  return (
    <li
      className="grid grid-cols-1 gap-4 py-4 first:pt-0 last:pb-0 md:grid-cols-[minmax(0,1fr)_20rem]"
      data-testid="drift-finding"
      data-finding-id={finding.id}
      data-kind={finding.kind}
    >
      <div className="space-y-1 text-sm">
        <div className="flex flex-wrap items-center gap-2">
          <Badge tone={finding.kind === "MISSING_ASSIGNMENT" ? "amber" : "red"}>{KIND_LABELS[finding.kind]}</Badge>
          {finding.status !== "OPEN" ? <Badge tone="gray">{finding.status.toLowerCase()}</Badge> : null}
          {finding.actionTaken ? (
            <span className="text-slate-600 dark:text-slate-400">
              {ACTION_LABELS[finding.actionTaken] ?? finding.actionTaken}
            </span>
          ) : null}
        </div>
        <p>
          <span className="font-semibold">
            {finding.principalLabel ?? `${finding.principalType.toLowerCase()} ${finding.principalId}`}
          </span>{" "}
          · {finding.target.permissionSetName} on {finding.target.accountName}{" "}
          <span className="font-mono text-xs text-slate-500 dark:text-slate-400">{finding.target.accountId}</span>
        </p>
        {finding.detail ? <p className="text-slate-600 dark:text-slate-400">{finding.detail}</p> : null}
        <p className="text-xs text-slate-500 dark:text-slate-400">
          First seen <LocalTime iso={finding.firstSeenAt.toISOString()} /> · last seen{" "}
          <LocalTime iso={finding.lastSeenAt.toISOString()} />
          {finding.resolvedAt ? (
            <>
              {" "}
              · closed <LocalTime iso={finding.resolvedAt.toISOString()} /> by {finding.resolvedBy ?? "—"}
            </>
          ) : null}
        </p>
      </div>
      {finding.actionable ? <DriftDecisionForm findingId={finding.id} /> : <div />}
    </li>
  );
}

function AlertItem({ alert, canManage }: { alert: AlertRow; canManage: boolean }) {
  return (
    <li
      className="grid grid-cols-1 gap-3 py-3 first:pt-0 last:pb-0 md:grid-cols-[minmax(0,1fr)_auto]"
      data-testid="alert-item"
      data-alert-id={alert.id}
      data-status={alert.status}
    >
      <div className="space-y-1 text-sm">
        <div className="flex flex-wrap items-center gap-2">
          <Badge tone={alert.status === "RESOLVED" ? "gray" : alert.severity === "critical" ? "red" : "amber"}>
            {alert.severity}
          </Badge>
          <Badge tone="gray">{alert.status.toLowerCase()}</Badge>
          <span className="font-semibold">{alert.subject}</span>
        </div>
        <p className="text-xs text-slate-500 dark:text-slate-400">
          Raised <LocalTime iso={alert.raisedAt.toISOString()} /> · last seen{" "}
          <LocalTime iso={alert.lastSeenAt.toISOString()} />
          {alert.acknowledgedAt ? (
            <>
              {" "}
              · acknowledged by {alert.acknowledgedBy ?? "an admin"}{" "}
              <LocalTime iso={alert.acknowledgedAt.toISOString()} />
            </>
          ) : null}
          {alert.resolvedAt ? (
            <>
              {" "}
              · resolved <LocalTime iso={alert.resolvedAt.toISOString()} />
            </>
          ) : null}
          {alert.requestId ? (
            <>
              {" "}
              ·{" "}
              <Link href={`/requests/${alert.requestId}`} className="underline">
                request
              </Link>
            </>
          ) : null}
        </p>
      </div>
      {canManage && alert.status === "OPEN" ? <AcknowledgeForm alertId={alert.id} /> : null}
    </li>
  );
}

export default async function DriftPage() {
  const ctx = await pageContext(["ADMIN", "AUDITOR"]);
  const overview = await driftOverview({ ctx });
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center justify-between gap-4">
        <div>
          <h1 className="text-2xl font-semibold">Drift and alerts</h1>
          <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">
            What the reconciler found different between IAM Identity Center and the portal&apos;s grants, and removals
            that were not verified in time.
            {overview.canManage ? "" : " You can read this page; only admins act on it."}
          </p>
        </div>
        <LiveRefresh active intervalMs={15_000} />
      </div>

      <Card title={`Alerts (${overview.alerts.length})`} testId="alerts">
        {overview.alerts.length === 0 ? (
          <EmptyState>No unresolved alerts.</EmptyState>
        ) : (
          <ul className="divide-y divide-slate-100 dark:divide-slate-800">
            {overview.alerts.map((alert) => (
              <AlertItem key={alert.id} alert={alert} canManage={overview.canManage} />
            ))}
          </ul>
        )}
      </Card>

      <Card title={`Open drift (${overview.openFindings.length})`} testId="open-drift">
        {overview.openFindings.length === 0 ? (
          <EmptyState>Every assignment in scope matches a grant or a standing assignment.</EmptyState>
        ) : (
          <ul className="divide-y divide-slate-100 dark:divide-slate-800">
            {overview.openFindings.map((finding) => (
              <FindingItem key={finding.id} finding={finding} />
            ))}
          </ul>
        )}
      </Card>

      {overview.recentlyClosedFindings.length > 0 || overview.recentlyResolvedAlerts.length > 0 ? (
        <Card title="Recently closed" testId="closed-drift">
          <ul className="divide-y divide-slate-100 dark:divide-slate-800">
            {overview.recentlyResolvedAlerts.map((alert) => (
              <AlertItem key={alert.id} alert={alert} canManage={false} />
            ))}
            {overview.recentlyClosedFindings.map((finding) => (
              <FindingItem key={finding.id} finding={finding} />
            ))}
          </ul>
        </Card>
      ) : null}
    </div>
  );
}
