import Link from "next/link";
import { isAppError } from "@/lib/domain/errors";
import { listRefusals } from "@/lib/services/queries/refusal-list";
import { Alert } from "@/components/ui/alert";
import { Card, EmptyState } from "@/components/ui/card";
import { LocalTime } from "@/components/ui/local-time";
import { TableScroll } from "@/components/ui/table-scroll";
import { pageContext } from "../../page-context";

type SearchParams = Record<string, string | string[] | undefined>;

// Refused attempts (not signed in, wrong role, someone else's object, wrong state, self-approval) for security review.
export default async function RefusalsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const ctx = await pageContext(["AUDITOR", "ADMIN"]);
  const params = await searchParams;
  const before = typeof params.before === "string" ? params.before : undefined;
  const result = await listRefusals({ ctx, input: { before } }).catch((error: unknown) => {
    if (isAppError(error) && error.code === "VALIDATION") return null;
    throw error;
  });
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold">Refused attempts</h1>
        <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">
          Every refused change, newest first. Repeats by one person of one action within a minute are folded into one
          line with a count, so probing stays visible without flooding the audit log.
        </p>
      </div>
      {result === null ? (
        <Alert tone="warning" title="That page does not exist">
          <Link
            href="/audit/refusals"
            className="text-sky-700 underline underline-offset-2 hover:text-sky-900 dark:text-sky-300 dark:hover:text-sky-100"
          >
            Show the newest refusals
          </Link>
        </Alert>
      ) : (
        <Card title="Refusals" testId="refusals">
          {result.rows.length === 0 ? (
            <EmptyState>Nothing has been refused yet.</EmptyState>
          ) : (
            <TableScroll label="Refusals">
              <table className="w-full text-left text-sm">
                <thead className="border-b border-slate-100 text-xs tracking-wide text-slate-500 uppercase dark:border-slate-800 dark:text-slate-400">
                  <tr>
                    <th className="px-5 py-2 font-semibold">When</th>
                    <th className="px-5 py-2 font-semibold">Who</th>
                    <th className="px-5 py-2 font-semibold">Action</th>
                    <th className="px-5 py-2 font-semibold">Target</th>
                    <th className="px-5 py-2 font-semibold">Why</th>
                    <th className="px-5 py-2 text-right font-semibold">Attempts</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100 align-top dark:divide-slate-800">
                  {result.rows.map((row) => (
                    <tr key={row.seq} data-testid="refusal-row" data-verb={row.verb} data-code={row.code ?? ""}>
                      <td className="px-5 py-3 whitespace-nowrap">
                        <LocalTime iso={row.occurredAt.toISOString()} />
                      </td>
                      <td className="px-5 py-3">
                        {row.actorLabel}
                        {row.ip ? (
                          <span className="block text-xs text-slate-500 dark:text-slate-400">{row.ip}</span>
                        ) : null}
                      </td>
                      <td className="px-5 py-3">
                        <code className="text-xs">{row.verb}</code>
                      </td>
                      <td className="px-5 py-3 break-all">
                        {row.requestId ? (
                          <Link
                            href={`/audit/requests/${row.requestId}`}
                            className="text-sky-700 underline underline-offset-2 hover:text-sky-900 dark:text-sky-300 dark:hover:text-sky-100"
                          >
                            {row.requestId}
                          </Link>
                        ) : (
                          <code className="text-xs">{row.target ?? "—"}</code>
                        )}
                      </td>
                      <td className="px-5 py-3">
                        {row.code ? (
                          <span className="block text-xs font-semibold text-slate-700 dark:text-slate-300">
                            {row.code}
                          </span>
                        ) : null}
                        {row.reason}
                      </td>
                      <td className="px-5 py-3 text-right tabular-nums" data-testid="refusal-count">
                        {row.repeated ? `+${row.count} more in that minute` : "1"}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          )}
          {result.older ? (
            <div className="mt-4">
              <Link
                href={`/audit/refusals?before=${result.older}`}
                className="text-sm text-sky-700 underline underline-offset-2 hover:text-sky-900 dark:text-sky-300 dark:hover:text-sky-100"
              >
                Older refusals
              </Link>
            </div>
          ) : null}
        </Card>
      )}
    </div>
  );
}
