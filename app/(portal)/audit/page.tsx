import Link from "next/link";
import { hasPermission } from "@/lib/services/authorize";
import {
  Cursor,
  hasActiveFilters,
  historySearchParams,
  readHistoryFilters,
  type HistoryFilterKey,
} from "@/lib/services/queries/history-filters";
import { listAccessHistory } from "@/lib/services/queries/history-list";
import { getHistoryFilterOptions } from "@/lib/services/queries/history-options";
import { HistoryFilterForm } from "@/components/audit/history-filter-form";
import { HistoryTable } from "@/components/audit/history-table";
import { Alert } from "@/components/ui/alert";
import { buttonClass } from "@/components/ui/button";
import { Card, EmptyState } from "@/components/ui/card";
import { pageContext } from "../page-context";

type SearchParams = Record<string, string | string[] | undefined>;

const FIELD_LABELS: Record<HistoryFilterKey, string> = {
  from: "from",
  to: "to",
  requester: "requester",
  approver: "approver",
  account: "account",
  ou: "OU",
  permissionSet: "permission set",
  status: "status",
  event: "event type",
  q: "search",
  kind: "kind",
  sort: "order",
};

const single = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

export default async function AccessHistoryPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const ctx = await pageContext();
  const params = await searchParams;
  const everyone = hasPermission(ctx.actor, "history.read-all");
  const { filters, ignored, rangeProblem } = readHistoryFilters(params);
  const after = Cursor.safeParse(single(params.after));
  const before = Cursor.safeParse(single(params.before));
  const position = before.success
    ? { before: single(params.before) }
    : after.success
      ? { after: single(params.after) }
      : {};
  const badPosition = Boolean((params.after && !after.success) || (params.before && !before.success));

  const [page, options] = await Promise.all([
    // An inverted range is answered with a message, not with a query that cannot match.
    rangeProblem ? null : listAccessHistory({ ctx, input: { ...filters, ...position } }),
    getHistoryFilterOptions({ ctx }),
  ]);
  const query = historySearchParams(filters);
  const href = (extra: Record<string, string>) => `/audit?${historySearchParams(filters, extra).toString()}`;
  const exportHref = (format: string, per?: string) =>
    `/api/audit/export?${historySearchParams(filters, { format, per }).toString()}`;
  const values = { ...filters, status: filters.status?.join(",") };

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-2xl font-semibold">{everyone ? "Access history" : "My access history"}</h1>
          <p
            className="mt-1 text-sm text-slate-600 dark:text-slate-400"
            data-testid="history-scope"
            data-scope={page?.scope ?? (everyone ? "all" : "own")}
          >
            {everyone
              ? "Every request, who decided it and what happened, from the audit log."
              : "Your own requests only. Auditors and admins see everyone's."}
          </p>
        </div>
        <div className="flex flex-wrap gap-2">
          {everyone ? (
            <Link href={`/audit/insights${query.size ? `?${query}` : ""}`} className={buttonClass("secondary", "sm")}>
              Charts for these filters
            </Link>
          ) : null}
          <a href={exportHref("csv")} download className={buttonClass("secondary", "sm")} data-testid="export-csv">
            Export CSV
          </a>
          <a href={exportHref("jsonl")} download className={buttonClass("secondary", "sm")} data-testid="export-jsonl">
            Export JSONL
          </a>
          <a
            href={exportHref("csv", "event")}
            download
            className={buttonClass("secondary", "sm")}
            data-testid="export-events-csv"
          >
            Events CSV
          </a>
          <a
            href={exportHref("jsonl", "event")}
            download
            className={buttonClass("secondary", "sm")}
            data-testid="export-events-jsonl"
          >
            Events JSONL
          </a>
        </div>
      </div>

      {ignored.length > 0 || badPosition ? (
        <Alert tone="warning" testId="ignored-filters">
          Some parts of the address were not understood and are ignored:{" "}
          {[...ignored.map((k) => FIELD_LABELS[k]), ...(badPosition ? ["page position"] : [])].join(", ")}.
        </Alert>
      ) : null}

      {rangeProblem ? (
        <Alert tone="error" title="Check the dates" testId="range-problem">
          {rangeProblem}
        </Alert>
      ) : null}

      <Card>
        <HistoryFilterForm
          key={query.toString()}
          action="/audit"
          values={values}
          choices={options}
          showRequester={everyone}
        />
      </Card>

      <Card
        title={hasActiveFilters(filters) ? "Matching requests" : "All requests"}
        testId="history-results"
        actions={
          <span className="text-xs text-slate-500 dark:text-slate-400">
            {filters.sort === "oldest" ? "oldest first" : "newest first"}
          </span>
        }
      >
        {page ? <HistoryTable rows={page.rows} showRequester={everyone} /> : <EmptyState>{rangeProblem}</EmptyState>}
        <nav
          className="mt-4 flex flex-wrap items-center justify-between gap-3 text-sm"
          aria-label="Pages"
          data-testid="history-pagination"
        >
          <span>
            {page?.prevCursor ? (
              <Link
                href={`/audit${query.size ? `?${query}` : ""}`}
                className="mr-4 text-sky-700 underline underline-offset-2 hover:text-sky-900 dark:text-sky-300 dark:hover:text-sky-100"
                data-testid="first-page"
              >
                First page
              </Link>
            ) : null}
          </span>
          <span className="flex gap-4">
            {page?.prevCursor ? (
              <Link
                href={href({ before: page.prevCursor })}
                className="text-sky-700 underline underline-offset-2 hover:text-sky-900 dark:text-sky-300 dark:hover:text-sky-100"
                data-testid="previous-page"
                rel="prev"
              >
                ← Previous page
              </Link>
            ) : null}
            {page?.nextCursor ? (
              <Link
                href={href({ after: page.nextCursor })}
                className="text-sky-700 underline underline-offset-2 hover:text-sky-900 dark:text-sky-300 dark:hover:text-sky-100"
                data-testid="next-page"
                rel="next"
              >
                Next page →
              </Link>
            ) : null}
          </span>
        </nav>
      </Card>
    </div>
  );
}
