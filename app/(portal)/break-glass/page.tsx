import Link from "next/link";
import { formatMinutes } from "@/lib/domain/time-window";
import { PERMISSIONS } from "@/lib/services/authorize";
import { getBreakGlassOverview, type BreakGlassUseRow } from "@/lib/services/queries/break-glass";
import { Badge, StatusBadge } from "@/components/ui/badge";
import { Card, EmptyState } from "@/components/ui/card";
import { LocalTime } from "@/components/ui/local-time";
import { pageContext } from "../page-context";
import { BreakGlassReviewForm } from "./review-form";

function ReviewState({ use }: { use: BreakGlassUseRow }) {
  if (use.review === "JUSTIFIED") return <Badge tone="green">justified</Badge>;
  if (use.review === "NOT_JUSTIFIED") return <Badge tone="red">not justified</Badge>;
  return <Badge tone={use.overdue ? "red" : "amber"}>{use.overdue ? "review overdue" : "waiting for review"}</Badge>;
}

function UseCard({ use }: { use: BreakGlassUseRow }) {
  return (
    <li
      className="space-y-3 rounded-lg border border-slate-200 p-4 dark:border-slate-700"
      data-testid="break-glass-use"
      data-use-id={use.id}
      data-review={use.review}
    >
      <div className="flex flex-wrap items-center gap-2">
        <span className="font-semibold break-all">{use.who}</span>
        <span className="text-sm text-slate-600 dark:text-slate-400">
          {use.permissionSetName} on {use.accountName}
        </span>
        {use.source === "OFFLINE" ? <Badge tone="violet">offline (found by reconciliation)</Badge> : null}
        {use.requestStatus ? <StatusBadge status={use.requestStatus} /> : null}
        <span data-testid="review-state">
          <ReviewState use={use} />
        </span>
      </div>
      <dl className="grid grid-cols-1 gap-x-4 gap-y-1 text-sm sm:grid-cols-[9rem_1fr]">
        <dt className="text-slate-500 dark:text-slate-400">Used</dt>
        <dd>
          <LocalTime iso={use.usedAt.toISOString()} />
        </dd>
        <dt className="text-slate-500 dark:text-slate-400">Incident</dt>
        <dd className="font-mono break-all">{use.incident ?? "none recorded"}</dd>
        {use.justification ? (
          <>
            <dt className="text-slate-500 dark:text-slate-400">Reason</dt>
            <dd className="break-words whitespace-pre-line">{use.justification}</dd>
          </>
        ) : null}
        {use.reviewer ? (
          <>
            <dt className="text-slate-500 dark:text-slate-400">Reviewed by</dt>
            <dd className="break-all" data-testid="reviewed-by">
              {use.reviewer}
              {use.minutesToReview !== null ? `, ${formatMinutes(use.minutesToReview)} after use` : ""}
            </dd>
          </>
        ) : null}
        {use.reviewComment ? (
          <>
            <dt className="text-slate-500 dark:text-slate-400">Comment</dt>
            <dd className="break-words whitespace-pre-line">{use.reviewComment}</dd>
          </>
        ) : null}
      </dl>
      {use.requestId ? (
        <Link
          href={`/requests/${use.requestId}`}
          className="text-sm font-semibold text-sky-700 underline dark:text-sky-300"
        >
          Open the request
        </Link>
      ) : null}
      {use.canReview ? <BreakGlassReviewForm useId={use.id} /> : null}
      {use.review === "PENDING" && !use.canReview ? (
        <p className="text-sm text-slate-600 dark:text-slate-400">Another reviewer must review your own use.</p>
      ) : null}
    </li>
  );
}

export default async function BreakGlassPage() {
  const ctx = await pageContext([...PERMISSIONS["breakglass.read"]]);
  const overview = await getBreakGlassOverview({ ctx });
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold">Break-glass</h1>
        <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">
          Every emergency access use is reviewed afterwards by an approver or auditor, never by the person who used it.
          A use not reviewed within {overview.reviewHours} h raises an alert that stays until it is reviewed.
        </p>
      </div>
      <div className="grid grid-cols-1 gap-4 sm:grid-cols-2">
        <Card title="Waiting for review">
          <p className="text-3xl font-semibold tabular-nums" data-testid="break-glass-pending">
            {overview.pending}
          </p>
        </Card>
        <Card title="Refused attempts">
          <p className="text-3xl font-semibold tabular-nums" data-testid="break-glass-refused">
            {overview.refusedAttempts}
          </p>
          <p className="mt-1 text-xs text-slate-500 dark:text-slate-400">
            People not on an emergency access list, deny rules and targets no break-glass rule covers.
          </p>
        </Card>
      </div>
      <Card title="Uses" testId="break-glass-uses">
        {overview.uses.length === 0 ? (
          <EmptyState>Nobody has used emergency access.</EmptyState>
        ) : (
          <ul className="space-y-3">
            {overview.uses.map((use) => (
              <UseCard key={use.id} use={use} />
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}
