import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { Card, EmptyState } from "@/components/ui/card";
import { Countdown } from "@/components/ui/countdown";
import { LocalTime } from "@/components/ui/local-time";
import type { SecurityOverview } from "@/lib/services/queries/security-overview";

const linkClass =
  "text-sm font-semibold text-sky-700 underline underline-offset-2 hover:text-sky-900 dark:text-sky-300 dark:hover:text-sky-100";

/** The auditor's (and admin's) home sections: open alerts, who is elevated now, and what was refused lately. */
export function SecurityOverviewSections({ overview }: { overview: SecurityOverview }) {
  return (
    <div className="grid grid-cols-1 gap-6 lg:grid-cols-2" data-testid="security-overview">
      <Card
        title={`Open alerts (${overview.openAlerts})`}
        testId="home-alerts"
        actions={
          <Link href="/admin/drift" className={linkClass}>
            Drift and alerts
          </Link>
        }
      >
        {overview.alerts.length === 0 ? (
          <EmptyState>
            No unresolved alerts.
            {overview.openDriftFindings === 1
              ? " One drift finding is open."
              : overview.openDriftFindings > 1
                ? ` ${overview.openDriftFindings} drift findings are open.`
                : ""}
          </EmptyState>
        ) : (
          <ul className="divide-y divide-slate-100 text-sm dark:divide-slate-800">
            {overview.alerts.map((alert) => (
              <li
                key={alert.id}
                className="flex flex-wrap items-center gap-2 py-2 first:pt-0 last:pb-0"
                data-testid="home-alert"
              >
                <Badge tone={alert.severity === "critical" ? "red" : "amber"}>{alert.severity}</Badge>
                <span className="min-w-0 font-semibold break-words">{alert.subject}</span>
                <span className="text-xs text-slate-600 dark:text-slate-400">
                  raised <LocalTime iso={alert.raisedAt.toISOString()} />
                </span>
              </li>
            ))}
          </ul>
        )}
      </Card>

      <Card
        title={`Active elevations (${overview.activeElevations})`}
        testId="home-elevations"
        actions={
          <Link href="/access-now" className={linkClass}>
            Access now
          </Link>
        }
      >
        {overview.elevations.length === 0 ? (
          <EmptyState>Nobody holds elevated access right now.</EmptyState>
        ) : (
          <ul className="divide-y divide-slate-100 text-sm dark:divide-slate-800">
            {overview.elevations.map((elevation) => (
              <li key={elevation.requestId} className="py-2 first:pt-0 last:pb-0" data-testid="home-elevation">
                <Link href={`/requests/${elevation.requestId}`} className="font-semibold break-words hover:underline">
                  {elevation.requester.name ?? elevation.requester.email}
                </Link>{" "}
                <span className="text-slate-700 dark:text-slate-300">
                  {[
                    ...elevation.targets.map((t) => `${t.permissionSetName} on ${t.accountName}`),
                    ...elevation.groups.map((g) => g.shortLabel),
                  ].join(", ")}
                </span>
                <span className="block text-xs text-slate-600 dark:text-slate-400">
                  {elevation.ending ? (
                    "being removed"
                  ) : (
                    <>
                      ends <LocalTime iso={elevation.endsAt.toISOString()} mode="time" /> ·{" "}
                      <Countdown to={elevation.endsAt.toISOString()} /> left
                    </>
                  )}
                </span>
              </li>
            ))}
          </ul>
        )}
      </Card>

      <Card
        title="Recent refusals"
        testId="home-refusals"
        className="lg:col-span-2"
        actions={
          <Link href="/audit/refusals" className={linkClass}>
            All refused attempts
          </Link>
        }
      >
        {overview.refusals.length === 0 ? (
          <EmptyState>Nothing has been refused yet.</EmptyState>
        ) : (
          <ul className="divide-y divide-slate-100 text-sm dark:divide-slate-800">
            {overview.refusals.map((row) => (
              <li key={row.seq} className="py-2 first:pt-0 last:pb-0" data-testid="home-refusal">
                <span className="font-semibold break-all">{row.actorLabel}</span>{" "}
                <span className="text-slate-700 dark:text-slate-300">
                  tried <code className="text-xs">{row.verb}</code>
                  {row.count > 1 ? ` (${row.count} times)` : ""}
                </span>
                <span className="block text-xs break-words text-slate-600 dark:text-slate-400">
                  <LocalTime iso={row.occurredAt.toISOString()} />
                  {row.reason ? ` · ${row.reason}` : ""}
                </span>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}
