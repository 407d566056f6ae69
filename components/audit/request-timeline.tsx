import type { AuditTone } from "@/lib/audit/actions";
import type { ServiceContext } from "@/lib/services/context";
import { getAuditTimeline, type AuditTimeline, type AuditTimelineEntry } from "@/lib/services/queries/audit-timeline";
import { EmptyState } from "@/components/ui/card";
import { LocalTime } from "@/components/ui/local-time";

const DOT: Record<AuditTone, string> = {
  info: "bg-sky-500",
  success: "bg-emerald-500",
  error: "bg-red-500",
  muted: "bg-slate-400",
};

function hasChanges(entry: AuditTimelineEntry) {
  return entry.before !== null || entry.after !== null;
}

/** The audit events of one request in chain order; `showChain` adds sequence numbers, hashes and raw before/after for auditors. */
export function AuditTimelineList({
  timeline,
  showChain = false,
}: {
  timeline: Pick<AuditTimeline, "entries" | "truncated">;
  showChain?: boolean;
}) {
  if (timeline.entries.length === 0) return <EmptyState>No audit events recorded for this request.</EmptyState>;
  return (
    <>
      <ol
        className="relative space-y-4 border-l border-slate-200 pl-5 dark:border-slate-700"
        data-testid="audit-timeline"
      >
        {timeline.entries.map((e) => (
          <li
            key={e.seq}
            className="relative text-sm"
            data-testid="audit-timeline-entry"
            data-action={e.action}
            data-seq={e.seq}
          >
            <span
              aria-hidden
              className={`absolute top-1.5 -left-[1.65rem] size-2.5 rounded-full ring-4 ring-white ${DOT[e.tone]}`}
            />
            <p className="font-semibold">{e.title}</p>
            <p className="text-xs text-slate-500 dark:text-slate-400">
              <LocalTime iso={e.at.toISOString()} mode="seconds" /> · {e.actor}
              {e.ip ? <> · {e.ip}</> : null}
            </p>
            {e.awsRequestId ? (
              <p className="text-xs text-slate-600 dark:text-slate-400">
                AWS request id <span className="font-mono">{e.awsRequestId}</span>
              </p>
            ) : null}
            {e.reason ? (
              <p
                className={`mt-0.5 whitespace-pre-wrap ${e.tone === "error" ? "text-red-700 dark:text-red-300" : "text-slate-700 dark:text-slate-300"}`}
              >
                {e.reason}
              </p>
            ) : null}
            {showChain ? (
              <details className="mt-1 text-xs text-slate-600 dark:text-slate-400">
                <summary className="cursor-pointer select-none">
                  #{e.seq} · <span className="font-mono">{e.action}</span> · hash{" "}
                  <span className="font-mono">{e.hash.slice(0, 12)}…</span>
                </summary>
                <dl className="mt-1 grid grid-cols-[6rem_minmax(0,1fr)] gap-x-3 gap-y-1">
                  {e.entityType === "grant" ? (
                    <>
                      <dt className="text-slate-500 dark:text-slate-400">grant</dt>
                      <dd className="font-mono break-all">{e.entityId}</dd>
                    </>
                  ) : null}
                  <dt className="text-slate-500 dark:text-slate-400">hash</dt>
                  <dd className="font-mono break-all">{e.hash}</dd>
                  <dt className="text-slate-500 dark:text-slate-400">previous</dt>
                  <dd className="font-mono break-all">{e.prevHash}</dd>
                  {e.userAgent ? (
                    <>
                      <dt className="text-slate-500 dark:text-slate-400">user agent</dt>
                      <dd className="break-all">{e.userAgent}</dd>
                    </>
                  ) : null}
                  {hasChanges(e) ? (
                    <>
                      <dt className="text-slate-500 dark:text-slate-400">before</dt>
                      <dd>
                        <pre className="overflow-x-auto rounded bg-slate-50 p-1.5 font-mono whitespace-pre-wrap dark:bg-slate-800">
                          {JSON.stringify(e.before, null, 2)}
                        </pre>
                      </dd>
                      <dt className="text-slate-500 dark:text-slate-400">after</dt>
                      <dd>
                        <pre className="overflow-x-auto rounded bg-slate-50 p-1.5 font-mono whitespace-pre-wrap dark:bg-slate-800">
                          {JSON.stringify(e.after, null, 2)}
                        </pre>
                      </dd>
                    </>
                  ) : null}
                </dl>
              </details>
            ) : null}
          </li>
        ))}
      </ol>
      {timeline.truncated ? (
        <p className="mt-3 text-xs text-slate-500 dark:text-slate-400">
          Only the first {timeline.entries.length} events are shown; export the history for the rest.
        </p>
      ) : null}
    </>
  );
}

/** Reads and renders a request's audit timeline; the query itself refuses requests the viewer may not see (NOT_FOUND). */
export async function RequestTimeline({
  ctx,
  requestId,
  showChain = false,
}: {
  ctx: ServiceContext;
  requestId: string;
  showChain?: boolean;
}) {
  const timeline = await getAuditTimeline({ ctx, input: { requestId } });
  return <AuditTimelineList timeline={timeline} showChain={showChain} />;
}
