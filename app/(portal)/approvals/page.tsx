import Link from "next/link";
import { readPageNumber } from "@/lib/domain/pagination";
import { ApprovalQueueFilters, listApprovalQueue } from "@/lib/services/queries/approval-queue";
import { formatMinutes } from "@/components/format";
import { TargetList } from "@/components/target-list";
import { Card, EmptyState } from "@/components/ui/card";
import { Age, Countdown } from "@/components/ui/countdown";
import { LiveRefresh } from "@/components/ui/live-refresh";
import { LocalTime } from "@/components/ui/local-time";
import { Pagination } from "@/components/ui/pagination";
import { pageContext } from "../page-context";
import { DecisionForm } from "./decision-form";
import { QueueFilters } from "./queue-filters";
import { QueueTable } from "./queue-table";
import { Alert } from "@/components/ui/alert";

const count = (n: number) => n.toLocaleString("en-US");
const FILTER_KEYS = ["account", "ou", "permissionSet", "requester", "rule", "waiting", "sort"] as const;

export default async function ApprovalsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const ctx = await pageContext(["APPROVER", "ADMIN"]);
  const params = await searchParams;
  const input = Object.fromEntries(
    FILTER_KEYS.flatMap((key) => {
      const value = params[key];
      return typeof value === "string" && value.trim() !== "" ? [[key, value]] : [];
    }),
  );
  // A hand-edited filter is answered with a note and the whole queue, never an error page.
  const parsed = ApprovalQueueFilters.safeParse(input);
  const filterProblem = !parsed.success;
  const filters = parsed.success ? parsed.data : ApprovalQueueFilters.parse({});
  const queue = await listApprovalQueue({ ctx, input: filters, page: readPageNumber(params.page) });
  const filtered = queue.page.total !== queue.totalRequests;
  const total = queue.totalRequests + queue.extensions.length;

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-center justify-between gap-4">
        <div>
          <h1 className="text-2xl font-semibold">Approvals</h1>
          <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">
            Requests the policy routes to you. Your own requests never appear here.
          </p>
        </div>
        <LiveRefresh active intervalMs={10_000} />
      </div>

      <Card
        title={
          filtered
            ? `Pending requests (${count(queue.page.total)} of ${count(queue.totalRequests)})`
            : `Pending requests (${count(queue.totalRequests)})`
        }
        testId="approval-queue"
      >
        <div className="space-y-4">
          {queue.totalRequests > 0 ? <QueueFilters values={filters} facets={queue.facets} /> : null}
          {filterProblem ? (
            <Alert tone="warning" testId="queue-filter-problem">
              Some filters in the address were not understood, so the whole queue is shown.
            </Alert>
          ) : null}
          {queue.truncated ? (
            <Alert tone="warning" testId="queue-truncated">
              The queue is longer than one read can list, so only its oldest requests are shown and counted.
            </Alert>
          ) : null}
          {queue.page.total > 0 ? (
            <Pagination
              page={queue.page}
              path="/approvals"
              params={parsed.success ? input : {}}
              label="Pending requests"
              testId="queue-pages"
            />
          ) : null}
          {/* Always mounted: after a bulk decision empties the queue, its per-row outcomes must stay on screen. */}
          <QueueTable
            items={queue.requests}
            emptyText={
              queue.totalRequests === 0
                ? "Nothing waits for your decision."
                : "No pending request matches these filters."
            }
          />
        </div>
      </Card>

      <Card title={`Extension requests (${queue.extensions.length})`} testId="extension-queue">
        {queue.extensions.length === 0 ? (
          <EmptyState>No extension waits for your decision.</EmptyState>
        ) : (
          <ul className="divide-y divide-slate-100 dark:divide-slate-800">
            {queue.extensions.map((x) => (
              <li
                key={x.id}
                className="grid grid-cols-1 gap-4 py-4 first:pt-0 last:pb-0 md:grid-cols-[minmax(0,1fr)_18rem]"
                data-testid="extension-item"
                data-request-id={x.id}
              >
                <div className="space-y-2">
                  <p className="text-sm">
                    <span className="font-semibold">{x.requester.name ?? x.requester.email}</span> asks for{" "}
                    <span className="font-semibold">+{formatMinutes(x.extraMinutes)}</span>
                    {x.requestedAt ? (
                      <span className="text-slate-500 dark:text-slate-400">
                        {" "}
                        · requested <Age from={x.requestedAt.toISOString()} /> ago
                      </span>
                    ) : null}
                  </p>
                  <Link href={`/requests/${x.id}`} className="block hover:underline">
                    <TargetList targets={x.targets} groups={x.groups} />
                  </Link>
                  <p className="text-sm text-slate-600 dark:text-slate-400">
                    Currently ends <LocalTime iso={x.endsAt.toISOString()} /> (<Countdown to={x.endsAt.toISOString()} />{" "}
                    left)
                  </p>
                  {x.justification ? (
                    <blockquote className="border-l-2 border-slate-200 pl-3 text-sm text-slate-800 dark:border-slate-700 dark:text-slate-200">
                      {x.justification}
                    </blockquote>
                  ) : null}
                  <p className="text-sm" data-testid="extension-approvals">
                    Approvals:{" "}
                    <span className="font-semibold">
                      {x.approvals} of {x.requiredApprovals}
                    </span>
                  </p>
                </div>
                <DecisionForm requestId={x.id} version={x.version} kind="extension" />
              </li>
            ))}
          </ul>
        )}
      </Card>
      {total === 0 ? null : (
        <p className="text-xs text-slate-500 dark:text-slate-400">Denials need a comment; the requester sees it.</p>
      )}
    </div>
  );
}
