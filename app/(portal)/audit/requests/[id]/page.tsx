import Link from "next/link";
import { notFound } from "next/navigation";
import { isAppError } from "@/lib/domain/errors";
import { hasPermission } from "@/lib/services/authorize";
import { getAuditTimeline } from "@/lib/services/queries/audit-timeline";
import { AuditTimelineList } from "@/components/audit/request-timeline";
import { StatusBadge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { LocalTime } from "@/components/ui/local-time";
import { pageContext } from "../../../page-context";

export default async function RequestAuditTrailPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const ctx = await pageContext();
  const timeline = await getAuditTimeline({ ctx, input: { requestId: id } }).catch((error: unknown) => {
    // Someone else's request and a request that does not exist look the same.
    if (isAppError(error) && (error.code === "NOT_FOUND" || error.code === "VALIDATION")) notFound();
    throw error;
  });
  const auditor = hasPermission(ctx.actor, "history.read-all");
  return (
    <div className="space-y-6" data-testid="request-audit-trail" data-request-id={timeline.requestId}>
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div>
          <p className="text-sm text-slate-500 dark:text-slate-400">
            <Link
              href="/audit"
              className="text-sky-700 underline underline-offset-2 hover:text-sky-900 dark:text-sky-300 dark:hover:text-sky-100"
            >
              Access history
            </Link>{" "}
            / request <span className="font-mono">{timeline.requestId}</span>
          </p>
          <h1 className="text-2xl font-semibold">Audit trail</h1>
          <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">
            Requested by {timeline.requester.name ?? timeline.requester.email} ·{" "}
            <LocalTime iso={timeline.createdAt.toISOString()} /> ·{" "}
            <Link
              href={`/requests/${timeline.requestId}`}
              className="text-sky-700 underline underline-offset-2 hover:text-sky-900 dark:text-sky-300 dark:hover:text-sky-100"
            >
              open the request
            </Link>
          </p>
        </div>
        <StatusBadge status={timeline.status} />
      </div>
      <Card title={`Events (${timeline.entries.length})`}>
        <AuditTimelineList timeline={timeline} showChain={auditor} />
      </Card>
    </div>
  );
}
