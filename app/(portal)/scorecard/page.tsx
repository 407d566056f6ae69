import Link from "next/link";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { buttonClass } from "@/components/ui/button";
import { Card, EmptyState } from "@/components/ui/card";
import { LocalTime } from "@/components/ui/local-time";
import { TableScroll } from "@/components/ui/table-scroll";
import { MEASURE_LABELS, SCORECARD_MEASURES, type MeasureTotal, type ScorecardMeasure } from "@/lib/domain/scorecard";
import {
  readScorecardParams,
  scorecardOverview,
  type ScorecardOverview,
  type ScorecardAccountRow,
} from "@/lib/services/queries/scorecard-overview";
import { pageContext } from "../page-context";
import { MeasureScorecardForm, RemoveStandingForm } from "./forms";

type SearchParams = Record<string, string | string[] | undefined>;

const TREND_MEASURES: ScorecardMeasure[] = [
  "standingPrivilegedUsers",
  "standingPrivilegedGroups",
  "activeKeys",
  "oldKeys",
];
const TREND_COLORS = ["#dc2626", "#d97706", "#2563eb", "#7c3aed"];

const headCell = "px-3 py-2 font-semibold whitespace-nowrap";
const cell = "px-3 py-2 align-top";

function scorecardHref(params: { sort?: string; account?: string }) {
  const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v) as [string, string][]).toString();
  return query ? `/scorecard?${query}` : "/scorecard";
}

function Value({ value, reason }: { value: number | null; reason: string | null }) {
  if (value === null)
    return (
      <span className="text-slate-600 dark:text-slate-400" title={reason ?? undefined}>
        not measured
      </span>
    );
  return <span className="tabular-nums">{value}</span>;
}

function Total({ measure, total }: { measure: ScorecardMeasure; total: MeasureTotal }) {
  return (
    <div
      className="rounded-lg border border-slate-200 p-3 dark:border-slate-700"
      data-testid="scorecard-total"
      data-measure={measure}
    >
      <p className="text-xs font-semibold tracking-wide text-slate-600 uppercase dark:text-slate-400">
        {MEASURE_LABELS[measure]}
      </p>
      <p className="mt-1 text-2xl font-semibold tabular-nums" data-testid={`total-${measure}`}>
        {total.value}
      </p>
      {total.notMeasured > 0 ? (
        <p className="text-xs text-amber-800 dark:text-amber-300">
          {total.notMeasured} account{total.notMeasured === 1 ? "" : "s"} not measured
        </p>
      ) : null}
    </div>
  );
}

/** A line per measure over the snapshots; the table below carries the same numbers for screen readers and printing. */
function TrendChart({ trend }: { trend: ScorecardOverview["trend"] }) {
  const width = 600;
  const height = 160;
  const max = Math.max(1, ...trend.flatMap((p) => TREND_MEASURES.map((m) => p.totals[m].value)));
  const x = (i: number) => (trend.length === 1 ? width / 2 : 10 + (i * (width - 20)) / (trend.length - 1));
  const y = (v: number) => height - 10 - (v * (height - 20)) / max;
  return (
    <svg
      viewBox={`0 0 ${width} ${height}`}
      className="h-40 w-full"
      role="img"
      aria-label={`Trend over ${trend.length} snapshot${trend.length === 1 ? "" : "s"}; the numbers are in the table below.`}
      data-testid="scorecard-trend-chart"
    >
      <line x1="0" y1={height - 10} x2={width} y2={height - 10} className="stroke-slate-300 dark:stroke-slate-600" />
      {TREND_MEASURES.map((measure, index) => {
        const points = trend.map((p, i) => `${x(i)},${y(p.totals[measure].value)}`).join(" ");
        return (
          <g key={measure} stroke={TREND_COLORS[index]} fill={TREND_COLORS[index]}>
            <polyline points={points} fill="none" strokeWidth="2" />
            {trend.map((p, i) => (
              <circle key={i} cx={x(i)} cy={y(p.totals[measure].value)} r="3" />
            ))}
          </g>
        );
      })}
    </svg>
  );
}

function AccountTable({ overview }: { overview: ScorecardOverview }) {
  return (
    <TableScroll label="Accounts">
      <table className="w-full text-left text-sm" data-testid="scorecard-accounts">
        <thead className="border-b border-slate-100 text-xs tracking-wide text-slate-600 uppercase dark:border-slate-800 dark:text-slate-400">
          <tr>
            <th scope="col" className={headCell}>
              Account
            </th>
            {SCORECARD_MEASURES.map((measure) => (
              <th
                key={measure}
                scope="col"
                className={headCell}
                aria-sort={overview.sort === measure ? "descending" : undefined}
              >
                <Link
                  href={scorecardHref({ sort: measure })}
                  className="underline-offset-2 hover:underline"
                  data-testid={`sort-${measure}`}
                >
                  {MEASURE_LABELS[measure]}
                  {overview.sort === measure ? " ↓" : ""}
                </Link>
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
          {overview.accounts.map((account) => (
            <AccountRow key={account.id} account={account} sort={overview.sort} />
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

function AccountRow({ account, sort }: { account: ScorecardAccountRow; sort: ScorecardMeasure }) {
  const standing = (m: ScorecardMeasure) => m === "standingPrivilegedUsers" || m === "standingPrivilegedGroups";
  return (
    <tr data-testid="scorecard-account" data-account-id={account.id}>
      <th scope="row" className={`${cell} font-semibold`}>
        <Link href={scorecardHref({ sort, account: account.id })} className="hover:underline" data-testid="drill-down">
          {account.name}
        </Link>
        <span className="block font-mono text-xs font-normal text-slate-600 dark:text-slate-400">{account.id}</span>
      </th>
      {SCORECARD_MEASURES.map((measure) => (
        <td key={measure} className={cell} data-measure={measure}>
          <Value
            value={account.measures[measure]}
            reason={standing(measure) ? account.standingNotMeasured : account.credentialsNotMeasured}
          />
        </td>
      ))}
    </tr>
  );
}

function DrillDown({ overview }: { overview: ScorecardOverview }) {
  const account = overview.drillDown!;
  const privileged = account.principals.filter((p) => p.privileged);
  const other = account.principals.filter((p) => !p.privileged);
  return (
    <Card title={`${account.name} (${account.id})`} testId="scorecard-drill-down">
      <div className="space-y-6">
        {account.standingNotMeasured ? (
          <Alert tone="warning" testId="standing-not-measured">
            Standing access not measured: {account.standingNotMeasured}
          </Alert>
        ) : null}
        <section className="space-y-3">
          <h2 className="text-lg font-semibold">Standing privileged access ({privileged.length})</h2>
          {privileged.length === 0 ? (
            <EmptyState>No standing privileged assignment in this account.</EmptyState>
          ) : (
            <ul className="space-y-4">
              {privileged.map((p, index) => (
                <li
                  key={`${p.permissionSetArn}|${p.principalId}`}
                  className="space-y-2 rounded-lg border border-slate-200 p-3 dark:border-slate-700"
                  data-testid="standing-principal"
                  data-principal-type={p.principalType}
                  data-permission-set={p.permissionSetName}
                >
                  <p className="flex flex-wrap items-center gap-2">
                    <Badge tone="red">{p.permissionSetName}</Badge>
                    <Badge tone="gray">
                      {p.principalType === "GROUP"
                        ? `group${p.memberCount === null ? "" : `, ${p.memberCount} member${p.memberCount === 1 ? "" : "s"}`}`
                        : "user"}
                    </Badge>
                    <span className="font-semibold break-all">{p.label}</span>
                  </p>
                  <p className="text-sm text-slate-600 dark:text-slate-400">Privileged because: {p.because}.</p>
                  {overview.canManage ? (
                    <details className="space-y-2" data-testid="make-jit">
                      <summary className="cursor-pointer text-sm font-semibold" data-testid="make-jit-open">
                        Make it just-in-time
                      </summary>
                      {p.jitRule ? (
                        <>
                          <p className="text-sm">
                            Add this rule under <code>rules:</code> in the policy file (in git), then remove the
                            standing assignment:
                          </p>
                          <pre
                            tabIndex={0}
                            aria-label={`Policy rule for ${p.label}`}
                            className="overflow-x-auto rounded bg-slate-100 p-3 text-xs text-slate-900 dark:bg-slate-800 dark:text-slate-100"
                            data-testid="jit-rule"
                          >
                            {p.jitRule}
                          </pre>
                        </>
                      ) : (
                        <p className="text-sm">
                          The portal does not know this user&apos;s email yet, so it cannot write the rule; they appear
                          once they sign in.
                        </p>
                      )}
                      <RemoveStandingForm
                        accountId={account.id}
                        permissionSetArn={p.permissionSetArn}
                        principalType={p.principalType}
                        principalId={p.principalId}
                        label={p.label}
                        formId={`remove-standing-${index}`}
                      />
                    </details>
                  ) : null}
                </li>
              ))}
            </ul>
          )}
          {other.length > 0 ? (
            <p className="text-sm text-slate-600 dark:text-slate-400" data-testid="standing-other">
              Also standing, not privileged: {other.map((p) => `${p.label} (${p.permissionSetName})`).join(", ")}.
            </p>
          ) : null}
        </section>
        <section className="space-y-3">
          <h2 className="text-lg font-semibold">Long-lived access keys</h2>
          {account.credentialsNotMeasured ? (
            <Alert tone="warning" testId="credentials-not-measured">
              Not measured: {account.credentialsNotMeasured}
            </Alert>
          ) : account.details.keys.length === 0 ? (
            <EmptyState>No active access key in this account.</EmptyState>
          ) : (
            <TableScroll label="Access keys">
              <table className="w-full text-left text-sm" data-testid="scorecard-keys">
                <thead className="border-b border-slate-100 text-xs tracking-wide text-slate-600 uppercase dark:border-slate-800 dark:text-slate-400">
                  <tr>
                    <th scope="col" className={headCell}>
                      User
                    </th>
                    <th scope="col" className={headCell}>
                      Age (days)
                    </th>
                    <th scope="col" className={headCell}>
                      Last used
                    </th>
                    <th scope="col" className={headCell}>
                      Findings
                    </th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
                  {account.details.keys.map((key, index) => (
                    <tr key={index} data-testid="scorecard-key">
                      <td className={`${cell} break-all`}>{key.isRoot ? "root user" : key.user}</td>
                      <td className={`${cell} tabular-nums`}>{key.ageDays}</td>
                      <td className={`${cell} whitespace-nowrap`}>
                        {key.lastUsedAt ? <LocalTime iso={new Date(key.lastUsedAt).toISOString()} /> : "never"}
                      </td>
                      <td className={cell}>
                        <span className="flex flex-wrap gap-1">
                          {key.isRoot ? <Badge tone="red">root key</Badge> : null}
                          {key.old ? <Badge tone="amber">older than 90 days</Badge> : null}
                          {key.unused ? <Badge tone="gray">unused</Badge> : null}
                        </span>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          )}
          {account.details.usersWithoutMfa.length > 0 ? (
            <p className="text-sm" data-testid="users-without-mfa">
              Without MFA: {account.details.usersWithoutMfa.join(", ")}.
            </p>
          ) : null}
        </section>
        <Link href={scorecardHref({ sort: overview.sort })} className={buttonClass("ghost")}>
          Back to all accounts
        </Link>
      </div>
    </Card>
  );
}

export default async function ScorecardPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const ctx = await pageContext(["ADMIN", "AUDITOR"]);
  const overview = await scorecardOverview({ ctx, input: readScorecardParams(await searchParams) });
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0">
          <h1 className="text-2xl font-semibold">Scorecard</h1>
          <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">
            Standing access and long-lived keys that remain, per account: the numbers should trend to zero.{" "}
            {overview.takenAt ? (
              <>
                Measured <LocalTime iso={overview.takenAt.toISOString()} />.
              </>
            ) : (
              "Not measured yet."
            )}
          </p>
        </div>
        <div className="flex flex-wrap items-start gap-2">
          {overview.takenAt ? (
            <a
              href="/api/scorecard/export"
              className={buttonClass("secondary")}
              data-testid="scorecard-export"
              download
            >
              Download CSV
            </a>
          ) : null}
          {overview.canManage ? <MeasureScorecardForm /> : null}
        </div>
      </div>

      {!overview.totals ? (
        <EmptyState>
          No snapshot yet: the worker measures once a day{overview.canManage ? ", or press Measure now" : ""}.
        </EmptyState>
      ) : (
        <>
          {overview.drillDown ? <DrillDown overview={overview} /> : null}
          <Card title="Organization" testId="scorecard-totals">
            <div className="grid grid-cols-2 gap-3 sm:grid-cols-4">
              {SCORECARD_MEASURES.map((measure) => (
                <Total key={measure} measure={measure} total={overview.totals![measure]} />
              ))}
            </div>
          </Card>
          <Card title="Trend" testId="scorecard-trend">
            <div className="space-y-3">
              <TrendChart trend={overview.trend} />
              <ul className="flex flex-wrap gap-3 text-xs">
                {TREND_MEASURES.map((measure, index) => (
                  <li key={measure} className="flex items-center gap-1">
                    <span
                      aria-hidden="true"
                      className="inline-block h-2 w-4"
                      style={{ background: TREND_COLORS[index] }}
                    />
                    {MEASURE_LABELS[measure]}
                  </li>
                ))}
              </ul>
              <TableScroll label="Trend numbers">
                <table className="w-full text-left text-sm" data-testid="scorecard-trend-table">
                  <thead className="border-b border-slate-100 text-xs tracking-wide text-slate-600 uppercase dark:border-slate-800 dark:text-slate-400">
                    <tr>
                      <th scope="col" className={headCell}>
                        Snapshot
                      </th>
                      {SCORECARD_MEASURES.map((m) => (
                        <th key={m} scope="col" className={headCell}>
                          {MEASURE_LABELS[m]}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
                    {overview.trend.map((point) => (
                      <tr key={point.takenAt.toISOString()} data-testid="trend-point">
                        <th scope="row" className={`${cell} font-normal whitespace-nowrap`}>
                          <LocalTime iso={point.takenAt.toISOString()} />
                        </th>
                        {SCORECARD_MEASURES.map((m) => (
                          <td key={m} className={`${cell} tabular-nums`}>
                            {point.totals[m].value}
                            {point.totals[m].notMeasured > 0 ? ` (+${point.totals[m].notMeasured} not measured)` : ""}
                          </td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableScroll>
            </div>
          </Card>
          <Card title={`Accounts (${overview.accounts.length})`} testId="scorecard-account-card">
            <AccountTable overview={overview} />
          </Card>
        </>
      )}
    </div>
  );
}
