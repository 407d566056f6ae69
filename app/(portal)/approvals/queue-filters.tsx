import Link from "next/link";
import type { ApprovalQueue, ApprovalQueueFilters } from "@/lib/services/queries/approval-queue";
import { Button, buttonClass } from "@/components/ui/button";
import { inputClass } from "@/components/ui/field";

const SORT_LABELS: Record<ApprovalQueueFilters["sort"], string> = {
  oldest: "Waiting longest first",
  newest: "Newest first",
  risk: "Most risk flags first",
  expiring: "Lapsing soonest first",
};
const WAITING_LABELS: Record<NonNullable<ApprovalQueueFilters["waiting"]>, string> = {
  "1h": "over 1 hour",
  "4h": "over 4 hours",
  "1d": "over 1 day",
};

/** The queue's filters as a plain GET form, so a filtered queue is a link an approver can share. */
export function QueueFilters({ values, facets }: { values: ApprovalQueueFilters; facets: ApprovalQueue["facets"] }) {
  const select = (id: keyof ApprovalQueueFilters, label: string, options: { value: string; label: string }[]) => (
    <div className="min-w-0 space-y-1">
      <label htmlFor={`q-${id}`} className="block text-sm font-semibold text-slate-800 dark:text-slate-200">
        {label}
      </label>
      <select id={`q-${id}`} name={id} defaultValue={values[id] ?? ""} className={`${inputClass} w-full`}>
        <option value="">Any</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
  return (
    <form method="get" action="/approvals" className="space-y-3" data-testid="queue-filters">
      <div className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-4">
        {select("account", "Account", facets.accounts)}
        {select("ou", "Organizational unit", facets.ous)}
        {select("permissionSet", "Permission set", facets.permissionSets)}
        {select("requester", "Requester", facets.requesters)}
        {select("rule", "Policy rule", facets.rules)}
        {select(
          "waiting",
          "Waiting",
          Object.entries(WAITING_LABELS).map(([value, label]) => ({ value, label })),
        )}
        <div className="min-w-0 space-y-1">
          <label htmlFor="q-sort" className="block text-sm font-semibold text-slate-800 dark:text-slate-200">
            Order
          </label>
          <select id="q-sort" name="sort" defaultValue={values.sort} className={`${inputClass} w-full`}>
            {Object.entries(SORT_LABELS).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <div className="flex items-end gap-2">
          <Button type="submit" size="sm" data-testid="apply-queue-filters">
            Apply
          </Button>
          <Link href="/approvals" className={buttonClass("secondary", "sm")}>
            Clear
          </Link>
        </div>
      </div>
    </form>
  );
}
