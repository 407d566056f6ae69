import Link from "next/link";
import type { HistoryRow } from "@/lib/services/queries/history-list";
import { TargetList } from "@/components/target-list";
import { Badge, StatusBadge } from "@/components/ui/badge";
import { EmptyState } from "@/components/ui/card";
import { LocalTime } from "@/components/ui/local-time";
import { TableScroll } from "@/components/ui/table-scroll";

const JUSTIFICATION_PREVIEW = 140;

function Decisions({ row }: { row: HistoryRow }) {
  if (row.breakGlass)
    return (
      <span data-testid="break-glass-marker">
        <Badge tone="red">break-glass</Badge>
      </span>
    );
  if (row.autoApproved) return <Badge tone="violet">self-service</Badge>;
  if (row.decisions.length === 0) return <span className="text-slate-500 dark:text-slate-400">none</span>;
  return (
    <ul className="space-y-0.5">
      {row.decisions.map((d) => (
        <li key={`${d.approverEmail}-${d.at.toISOString()}`} className="text-xs">
          <span
            className={
              d.decision === "APPROVE" ? "text-emerald-700 dark:text-emerald-300" : "text-red-700 dark:text-red-300"
            }
          >
            {d.decision === "APPROVE" ? "approved" : "denied"}
          </span>{" "}
          by {d.approverName ?? d.approverEmail ?? "unknown"}
        </li>
      ))}
    </ul>
  );
}

/** One row per request; every row links to the request page and to its audit trail. */
export function HistoryTable({ rows, showRequester }: { rows: HistoryRow[]; showRequester: boolean }) {
  if (rows.length === 0) return <EmptyState>No requests match these filters.</EmptyState>;
  return (
    <TableScroll label="Requests">
      <table className="w-full text-left text-sm" data-testid="history-table">
        <thead className="border-b border-slate-100 text-xs tracking-wide text-slate-500 uppercase dark:border-slate-800 dark:text-slate-400">
          <tr>
            <th className="px-5 py-2 font-semibold">Requested</th>
            {showRequester ? <th className="px-5 py-2 font-semibold">Requester</th> : null}
            <th className="px-5 py-2 font-semibold">Access</th>
            <th className="px-5 py-2 font-semibold">Status</th>
            <th className="px-5 py-2 font-semibold">Decision</th>
            <th className="px-5 py-2 font-semibold">Why</th>
            <th className="px-5 py-2 font-semibold">
              <span className="sr-only">Links</span>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
          {rows.map((row) => (
            <tr
              key={row.id}
              className="align-top hover:bg-slate-50 dark:hover:bg-slate-800"
              data-testid="history-row"
              data-request-id={row.id}
              data-status={row.status}
            >
              <td className="px-5 py-3 whitespace-nowrap text-slate-600 dark:text-slate-400">
                <LocalTime iso={row.createdAt.toISOString()} />
              </td>
              {showRequester ? (
                <td className="px-5 py-3">
                  <span className="block">{row.requester.name ?? row.requester.email}</span>
                  {row.requester.name ? (
                    <span className="block text-xs text-slate-500 dark:text-slate-400">{row.requester.email}</span>
                  ) : null}
                </td>
              ) : null}
              <td className="px-5 py-3">
                <TargetList targets={row.targets} groups={row.groups} />
              </td>
              <td className="px-5 py-3">
                <StatusBadge status={row.status} />
              </td>
              <td className="px-5 py-3">
                <Decisions row={row} />
              </td>
              <td className="max-w-xs px-5 py-3 text-slate-700 dark:text-slate-300">
                {row.ticket ? (
                  <span className="mr-1 font-mono text-xs text-slate-500 dark:text-slate-400">{row.ticket}</span>
                ) : null}
                <span title={row.justification}>
                  {row.justification.length > JUSTIFICATION_PREVIEW
                    ? `${row.justification.slice(0, JUSTIFICATION_PREVIEW)}…`
                    : row.justification}
                </span>
              </td>
              <td className="px-5 py-3 text-xs whitespace-nowrap">
                <Link
                  href={`/audit/requests/${row.id}`}
                  className="block font-semibold text-sky-700 underline underline-offset-2 hover:text-sky-900 dark:text-sky-300 dark:hover:text-sky-100"
                  data-testid="timeline-link"
                >
                  Timeline
                </Link>
                <Link
                  href={`/requests/${row.id}`}
                  className="block text-slate-600 hover:underline dark:text-slate-400"
                  data-testid="request-link"
                >
                  Request
                </Link>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}
