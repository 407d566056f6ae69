import Link from "next/link";
import { Badge, StatusBadge } from "@/components/ui/badge";
import { Card, EmptyState } from "@/components/ui/card";
import { Countdown } from "@/components/ui/countdown";
import { LiveRefresh } from "@/components/ui/live-refresh";
import { LocalTime } from "@/components/ui/local-time";
import { Pagination } from "@/components/ui/pagination";
import { readPageNumber } from "@/lib/domain/pagination";
import { listActiveElevationPage, type ActiveElevation } from "@/lib/services/queries/active-elevations";
import { pageContext } from "../page-context";
import { RevokeElevationForm } from "./revoke-elevation-form";

function ElevationItem({ elevation }: { elevation: ActiveElevation }) {
  const endsAt = elevation.endsAt.toISOString();
  return (
    <li
      className="grid grid-cols-1 gap-3 py-4 first:pt-0 last:pb-0 md:grid-cols-[minmax(0,1fr)_16rem]"
      data-testid="elevation"
      data-request-id={elevation.requestId}
    >
      <div className="min-w-0 space-y-1 text-sm">
        <div className="flex flex-wrap items-center gap-2">
          {elevation.ending ? (
            <StatusBadge status="ENDING" label="Being removed" />
          ) : (
            <Badge tone="green">Active</Badge>
          )}
          <Link href={`/requests/${elevation.requestId}`} className="font-semibold break-words hover:underline">
            {elevation.requester.name ?? elevation.requester.email ?? "unknown requester"}
          </Link>
          {elevation.requester.name && elevation.requester.email ? (
            <span className="break-all text-slate-600 dark:text-slate-400">{elevation.requester.email}</span>
          ) : null}
        </div>
        <ul className="space-y-0.5">
          {elevation.targets.map((target) => (
            <li key={target.grantId} data-testid="elevation-target" className="flex flex-wrap items-center gap-x-2">
              <span className="font-semibold">
                {target.permissionSetName} on {target.accountName}
              </span>
              <span className="font-mono text-xs text-slate-600 dark:text-slate-400">{target.accountId}</span>
              {target.grantStatus !== "ACTIVE" ? <StatusBadge status={target.grantStatus} kind="grant" /> : null}
            </li>
          ))}
          {elevation.groups.map((target) => (
            <li
              key={target.grantId}
              data-testid="elevation-target"
              data-group={target.groupName}
              className="flex flex-wrap items-center gap-x-2"
            >
              <span className="font-semibold">{target.shortLabel}</span>
              {target.grantStatus !== "ACTIVE" ? <StatusBadge status={target.grantStatus} kind="grant" /> : null}
            </li>
          ))}
        </ul>
        <p className="text-slate-700 dark:text-slate-300">
          Ends <LocalTime iso={endsAt} />
          {elevation.ending ? null : (
            <>
              {" "}
              · <Countdown to={endsAt} testId="elevation-countdown" /> left
            </>
          )}
        </p>
        <p className="text-slate-600 dark:text-slate-400">
          {elevation.autoApproved
            ? "Approved automatically by the policy"
            : `Approved by ${elevation.approvers
                .map((a) => (a.viaGroups.length ? `${a.name} (${a.viaGroups.join(", ")})` : a.name))
                .join(", ")}`}
          {" · "}
          {elevation.ticket ? <>ticket {elevation.ticket}</> : "no ticket"}
        </p>
        <p className="break-words text-slate-600 dark:text-slate-400">&ldquo;{elevation.justification}&rdquo;</p>
      </div>
      <div className="min-w-0">
        {elevation.canRevoke ? (
          <RevokeElevationForm requestId={elevation.requestId} version={elevation.version} />
        ) : null}
      </div>
    </li>
  );
}

export default async function AccessNowPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const ctx = await pageContext(["AUDITOR", "ADMIN"]);
  const { elevations, page } = await listActiveElevationPage({ ctx, page: readPageNumber((await searchParams).page) });
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center justify-between gap-4">
        <div className="min-w-0">
          <h1 className="text-2xl font-semibold">Access now</h1>
          <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">
            Every elevation that may hold access in AWS at this moment, the soonest to end first. Revoking takes the
            access away now and records your reason.
          </p>
        </div>
        <LiveRefresh active intervalMs={15_000} />
      </div>
      <Card title={`Active elevations (${page.total.toLocaleString("en-US")})`} testId="active-elevations">
        {elevations.length === 0 ? (
          <EmptyState>Nobody holds elevated access right now.</EmptyState>
        ) : (
          <div className="space-y-4">
            {page.pageCount > 1 ? (
              <Pagination page={page} path="/access-now" label="Active elevations" testId="elevation-pages" />
            ) : null}
            <ul className="divide-y divide-slate-100 dark:divide-slate-800">
              {elevations.map((elevation) => (
                <ElevationItem key={elevation.requestId} elevation={elevation} />
              ))}
            </ul>
          </div>
        )}
      </Card>
    </div>
  );
}
