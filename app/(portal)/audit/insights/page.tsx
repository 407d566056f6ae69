import Link from "next/link";
import {
  historyInputFromParams,
  historySearchParams,
  readHistoryFilters,
} from "@/lib/services/queries/history-filters";
import { getHistoryFilterOptions } from "@/lib/services/queries/history-options";
import {
  DEFAULT_INSIGHT_DAYS,
  getHistoryInsights,
  INSIGHT_SETTING_KEYS,
  InsightSettings,
} from "@/lib/services/queries/history-insights";
import { ApprovalTimeChart, OutcomesChart, RankingChart } from "@/components/audit/charts";
import { HistoryFilterForm } from "@/components/audit/history-filter-form";
import { Alert } from "@/components/ui/alert";
import { Card, EmptyState } from "@/components/ui/card";
import { inputClass } from "@/components/ui/field";
import { LocalTime } from "@/components/ui/local-time";
import { pageContext } from "../../page-context";

type SearchParams = Record<string, string | string[] | undefined>;

function duration(seconds: number | null): string {
  if (seconds === null) return "—";
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5_400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3_600).toFixed(1)} h`;
}

function Stat({
  label,
  value,
  hint,
  testId,
}: {
  label: string;
  value: React.ReactNode;
  hint?: React.ReactNode;
  testId: string;
}) {
  return (
    <div
      className="rounded-xl border border-slate-200 bg-white px-4 py-3 shadow-sm dark:border-slate-700 dark:bg-slate-900"
      data-testid={testId}
    >
      <p className="text-xs font-semibold tracking-wide text-slate-500 uppercase dark:text-slate-400">{label}</p>
      <p className="mt-1 text-2xl font-semibold tabular-nums">{value}</p>
      {hint ? <p className="mt-0.5 text-xs text-slate-500 dark:text-slate-400">{hint}</p> : null}
    </div>
  );
}

/** Keeps only the threshold parameters that parse; the rest fall back to their defaults. */
function readSettings(params: SearchParams): { settings: Record<string, string>; ignored: string[] } {
  const raw = historyInputFromParams(params, [...INSIGHT_SETTING_KEYS]);
  const settings: Record<string, string> = {};
  const ignored: string[] = [];
  for (const key of INSIGHT_SETTING_KEYS) {
    const value = raw[key];
    if (typeof value !== "string") continue;
    if (InsightSettings.shape[key].safeParse(value).success) settings[key] = value;
    else ignored.push(key);
  }
  return { settings, ignored };
}

export default async function InsightsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const ctx = await pageContext(["AUDITOR", "ADMIN"]);
  const params = await searchParams;
  const { filters: asked, ignored, rangeProblem } = readHistoryFilters(params);
  // With an inverted range the charts fall back to the default window and the page says why.
  const filters = rangeProblem ? { ...asked, from: undefined, to: undefined } : asked;
  const { settings, ignored: ignoredSettings } = readSettings(params);
  const [insights, options] = await Promise.all([
    getHistoryInsights({ ctx, input: { ...filters, ...settings } }),
    getHistoryFilterOptions({ ctx }),
  ]);
  const s = insights.settings;
  const query = historySearchParams(filters).toString();
  const selfShare = insights.totals.requests
    ? Math.round((insights.totals.selfService / insights.totals.requests) * 100)
    : 0;

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <h1 className="text-2xl font-semibold">Insights</h1>
          <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">
            {insights.window.defaulted ? `The last ${DEFAULT_INSIGHT_DAYS} days` : "The chosen range"} (from{" "}
            <LocalTime iso={insights.window.from.toISOString()} mode="date" />
            {insights.window.to ? (
              <>
                {" "}
                to <LocalTime iso={new Date(insights.window.to.getTime() - 1).toISOString()} mode="date" />
              </>
            ) : null}
            ), with the same filters as the history.
          </p>
        </div>
        <Link
          href={`/audit${query ? `?${query}` : ""}`}
          className="text-sm text-sky-700 underline underline-offset-2 hover:text-sky-900 dark:text-sky-300 dark:hover:text-sky-100"
        >
          Show these requests
        </Link>
      </div>

      {ignored.length + ignoredSettings.length > 0 ? (
        <Alert tone="warning">
          Some parameters were not understood and are ignored: {[...ignored, ...ignoredSettings].join(", ")}.
        </Alert>
      ) : null}

      {rangeProblem ? (
        <Alert tone="error" title="Check the dates" testId="range-problem">
          {rangeProblem} The charts show the default range instead.
        </Alert>
      ) : null}

      <Card>
        <HistoryFilterForm
          key={`${query}|${JSON.stringify(settings)}`}
          action="/audit/insights"
          values={{ ...filters, status: filters.status?.join(",") }}
          choices={options}
          showRequester
        >
          <fieldset className="grid min-w-0 grid-cols-1 gap-3 border-t border-slate-100 pt-4 sm:grid-cols-2 lg:grid-cols-5 dark:border-slate-800">
            <legend className="sr-only">Thresholds</legend>
            <label className="block min-w-0 space-y-1 text-xs font-semibold tracking-wide text-slate-600 uppercase dark:text-slate-400">
              Fast approval under (s)
              <input
                name="fast"
                type="number"
                min={1}
                max={3600}
                defaultValue={s.fast}
                className={`${inputClass} w-full`}
              />
            </label>
            <label className="block min-w-0 space-y-1 text-xs font-semibold tracking-wide text-slate-600 uppercase dark:text-slate-400">
              Business hours from
              <input name="hoursFrom" type="time" defaultValue={s.hoursFrom} className={`${inputClass} w-full`} />
            </label>
            <label className="block min-w-0 space-y-1 text-xs font-semibold tracking-wide text-slate-600 uppercase dark:text-slate-400">
              to
              <input
                name="hoursTo"
                type="time"
                defaultValue={s.hoursTo === "24:00" ? "23:59" : s.hoursTo}
                className={`${inputClass} w-full`}
              />
            </label>
            <label className="block min-w-0 space-y-1 text-xs font-semibold tracking-wide text-slate-600 uppercase dark:text-slate-400">
              Working days (ISO)
              <input
                name="days"
                defaultValue={compactDays(s.days)}
                placeholder="1-5"
                pattern="[1-7](-[1-7])?(,[1-7](-[1-7])?)*"
                className={`${inputClass} w-full`}
              />
            </label>
            <label className="block min-w-0 space-y-1 text-xs font-semibold tracking-wide text-slate-600 uppercase dark:text-slate-400">
              Time zone
              <input name="tz" defaultValue={s.tz} placeholder="UTC" className={`${inputClass} w-full`} />
            </label>
          </fieldset>
        </HistoryFilterForm>
      </Card>

      <div className="grid grid-cols-1 gap-4 sm:grid-cols-2 lg:grid-cols-3">
        <Stat
          testId="stat-requests"
          label="Requests"
          value={insights.totals.requests.toLocaleString("en-US")}
          hint={`${insights.totals.selfService.toLocaleString("en-US")} self-service (${selfShare}%), ${insights.totals.breakGlass.toLocaleString("en-US")} emergency access (break-glass)`}
        />
        <Stat
          testId="stat-time-to-approve"
          label="Time to approve"
          value={
            <>
              {duration(insights.timeToApprove.p50Seconds)}{" "}
              <span className="text-base font-normal text-slate-500 dark:text-slate-400">p50</span> ·{" "}
              {duration(insights.timeToApprove.p90Seconds)}{" "}
              <span className="text-base font-normal text-slate-500 dark:text-slate-400">p90</span>
            </>
          }
          hint={`${insights.timeToApprove.approved.toLocaleString("en-US")} requests approved by a person`}
        />
        <Stat
          testId="stat-active-now"
          label="Elevations active now"
          value={insights.activeNow.count.toLocaleString("en-US")}
          hint="grants live in AWS right now"
        />
        <Stat
          testId="stat-off-hours"
          label="Started outside business hours"
          value={insights.offHours.count.toLocaleString("en-US")}
          hint={`of ${insights.offHours.started.toLocaleString("en-US")} elevations; hours ${s.hoursFrom}–${s.hoursTo}, days ${compactDays(s.days)}, ${s.tz}`}
        />
        <Stat
          testId="stat-fast-approvals"
          label={`Approved within ${s.fast} s`}
          value={insights.fastApprovals.count.toLocaleString("en-US")}
          hint={`of ${insights.fastApprovals.approvals.toLocaleString("en-US")} approvals: possible rubber-stamping`}
        />
        <Stat
          testId="stat-self-service"
          label="Self-service"
          value={`${selfShare}%`}
          hint="approved by policy without a person"
        />
      </div>

      <Card title="Requests per day by outcome">
        <OutcomesChart data={insights.perDay} />
      </Card>

      <Card title="Time to approve (minutes, requests approved by a person)">
        {insights.timeToApprove.perDay.length === 0 ? (
          <EmptyState>No approvals by a person in this range.</EmptyState>
        ) : (
          <ApprovalTimeChart data={insights.timeToApprove.perDay} />
        )}
      </Card>

      <div className="grid grid-cols-1 gap-6 lg:grid-cols-3">
        <Card title="Top accounts">
          {insights.top.accounts.length ? (
            <RankingChart data={insights.top.accounts} label="Top accounts by requests" testId="chart-top-accounts" />
          ) : (
            <EmptyState>None.</EmptyState>
          )}
        </Card>
        <Card title="Top permission sets">
          {insights.top.permissionSets.length ? (
            <RankingChart
              data={insights.top.permissionSets}
              label="Top permission sets by requests"
              testId="chart-top-permission-sets"
            />
          ) : (
            <EmptyState>None.</EmptyState>
          )}
        </Card>
        <Card title="Top requesters">
          {insights.top.requesters.length ? (
            <RankingChart data={insights.top.requesters} label="Top requesters" testId="chart-top-requesters" />
          ) : (
            <EmptyState>None.</EmptyState>
          )}
        </Card>
      </div>

      <div className="grid grid-cols-1 gap-6 lg:grid-cols-2">
        <Card title={`Active now (${insights.activeNow.count})`} testId="active-now">
          <ElevationList items={insights.activeNow.items} empty="Nobody holds elevated access right now." />
        </Card>
        <Card title="Latest elevations outside business hours" testId="off-hours">
          <ElevationList items={insights.offHours.items} empty="None in this range." showLocal />
        </Card>
      </div>

      <Card title={`Approvals given within ${s.fast} seconds`} testId="fast-approvals">
        {insights.fastApprovals.items.length === 0 ? (
          <EmptyState>None in this range.</EmptyState>
        ) : (
          <div className="grid grid-cols-1 gap-6 lg:grid-cols-[16rem_minmax(0,1fr)]">
            <ul className="space-y-1 text-sm">
              {insights.fastApprovals.byApprover.map((a) => (
                <li key={a.key} className="flex justify-between gap-3">
                  <span className="truncate">{a.label}</span>
                  <span className="font-semibold tabular-nums">{a.count}</span>
                </li>
              ))}
            </ul>
            <ul className="divide-y divide-slate-100 text-sm dark:divide-slate-800">
              {insights.fastApprovals.items.map((f) => (
                <li key={`${f.requestId}-${f.approverEmail}`} className="flex flex-wrap justify-between gap-2 py-1.5">
                  <span>
                    <Link
                      href={`/audit/requests/${f.requestId}`}
                      className="text-sky-700 underline underline-offset-2 hover:text-sky-900 dark:text-sky-300 dark:hover:text-sky-100"
                    >
                      {f.requesterEmail ?? "unknown"}
                    </Link>{" "}
                    approved by {f.approverEmail ?? "unknown"}
                  </span>
                  <span className="text-slate-500 dark:text-slate-400">
                    after {f.seconds.toFixed(1)} s · <LocalTime iso={f.at.toISOString()} />
                  </span>
                </li>
              ))}
            </ul>
          </div>
        )}
      </Card>
    </div>
  );
}

function compactDays(days: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < days.length; i++) {
    let j = i;
    while (j + 1 < days.length && days[j + 1] === days[j]! + 1) j++;
    parts.push(j > i ? `${days[i]}-${days[j]}` : String(days[i]));
    i = j;
  }
  return parts.join(",");
}

function ElevationList({
  items,
  empty,
  showLocal = false,
}: {
  items: {
    requestId: string;
    requesterEmail: string | null;
    accountName: string;
    permissionSetName: string;
    at: Date;
    local: string;
  }[];
  empty: string;
  showLocal?: boolean;
}) {
  if (items.length === 0) return <EmptyState>{empty}</EmptyState>;
  return (
    <ul className="divide-y divide-slate-100 text-sm dark:divide-slate-800">
      {items.map((e) => (
        <li
          key={`${e.requestId}-${e.accountName}-${e.permissionSetName}`}
          className="flex flex-wrap justify-between gap-2 py-1.5"
        >
          <span>
            <Link
              href={`/audit/requests/${e.requestId}`}
              className="text-sky-700 underline underline-offset-2 hover:text-sky-900 dark:text-sky-300 dark:hover:text-sky-100"
            >
              {e.requesterEmail ?? "unknown"}
            </Link>{" "}
            · {e.permissionSetName} on {e.accountName}
          </span>
          <span className="text-slate-500 dark:text-slate-400">
            {showLocal ? e.local : <LocalTime iso={e.at.toISOString()} />}
          </span>
        </li>
      ))}
    </ul>
  );
}
