"use client";

import {
  Bar,
  BarChart,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { TableScroll } from "@/components/ui/table-scroll";

// Presentational charts only: every figure arrives already aggregated by SQL on the server.

export interface OutcomeDay {
  day: string;
  granted: number;
  revoked: number;
  denied: number;
  cancelled: number;
  expired: number;
  failed: number;
  pending: number;
  selfService: number;
}

const OUTCOME_SERIES: { key: keyof OutcomeDay; label: string; color: string }[] = [
  { key: "granted", label: "Granted", color: "#059669" },
  { key: "revoked", label: "Revoked", color: "#b91c1c" },
  { key: "denied", label: "Denied", color: "#f87171" },
  { key: "failed", label: "Failed", color: "#7c3aed" },
  { key: "cancelled", label: "Cancelled", color: "#94a3b8" },
  { key: "expired", label: "Expired", color: "#cbd5e1" },
  { key: "pending", label: "Pending", color: "#f59e0b" },
];

const shortDay = (day: string) => day.slice(5);

/** The figures behind a chart as a table: the text alternative for screen readers, and exact numbers for everyone. */
function ChartTable({
  caption,
  columns,
  rows,
  testId,
}: {
  caption: string;
  columns: string[];
  rows: { key: string; cells: React.ReactNode[] }[];
  testId: string;
}) {
  return (
    <details className="mt-3 text-sm" data-testid={testId}>
      <summary className="cursor-pointer text-sky-700 underline underline-offset-2 dark:text-sky-300">
        Show the numbers as a table
      </summary>
      <TableScroll label={caption} className="mt-2">
        <table className="w-full text-left text-sm">
          <caption className="sr-only">{caption}</caption>
          <thead className="border-b border-slate-100 text-xs tracking-wide text-slate-500 uppercase dark:border-slate-800 dark:text-slate-400">
            <tr>
              {columns.map((column, index) => (
                <th key={column} scope="col" className={`px-5 py-1.5 font-semibold ${index > 0 ? "text-right" : ""}`}>
                  {column}
                </th>
              ))}
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 dark:divide-slate-800">
            {rows.map((row) => (
              <tr key={row.key}>
                {row.cells.map((cell, index) =>
                  index === 0 ? (
                    <th key={index} scope="row" className="px-5 py-1.5 font-normal whitespace-nowrap">
                      {cell}
                    </th>
                  ) : (
                    <td key={index} className="px-5 py-1.5 text-right tabular-nums">
                      {cell}
                    </td>
                  ),
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </TableScroll>
    </details>
  );
}
const axis = { fontSize: 11, fill: "var(--chart-axis)" };

export function OutcomesChart({ data }: { data: OutcomeDay[] }) {
  return (
    <>
      <div className="h-72" data-testid="chart-outcomes" role="img" aria-label="Requests per day by outcome">
        <ResponsiveContainer width="100%" height="100%">
          <ComposedChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="var(--chart-grid)" />
            <XAxis dataKey="day" tickFormatter={shortDay} tick={axis} minTickGap={16} />
            <YAxis allowDecimals={false} tick={axis} />
            <Tooltip />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            {OUTCOME_SERIES.map((s) => (
              <Bar
                key={s.key}
                dataKey={s.key}
                name={s.label}
                stackId="outcome"
                fill={s.color}
                isAnimationActive={false}
              />
            ))}
            <Line
              dataKey="selfService"
              name="Self-service"
              stroke="var(--chart-line)"
              strokeWidth={2}
              dot={false}
              isAnimationActive={false}
            />
          </ComposedChart>
        </ResponsiveContainer>
      </div>
      <ChartTable
        caption="Requests per day by outcome"
        testId="chart-outcomes-table"
        columns={["Day", ...OUTCOME_SERIES.map((series) => series.label), "Self-service"]}
        rows={data.map((day) => ({
          key: day.day,
          cells: [day.day, ...OUTCOME_SERIES.map((series) => day[series.key]), day.selfService],
        }))}
      />
    </>
  );
}

export function ApprovalTimeChart({ data }: { data: { day: string; p50: number | null; p90: number | null }[] }) {
  const minutes = data.map((d) => ({
    day: d.day,
    p50: d.p50 === null ? null : Math.round(d.p50 / 6) / 10,
    p90: d.p90 === null ? null : Math.round(d.p90 / 6) / 10,
  }));
  return (
    <>
      <div
        className="h-64"
        data-testid="chart-approval-time"
        role="img"
        aria-label="Time to approve per day, median and 90th percentile, in minutes"
      >
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={minutes} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="var(--chart-grid)" />
            <XAxis dataKey="day" tickFormatter={shortDay} tick={axis} minTickGap={16} />
            <YAxis tick={axis} unit=" m" />
            <Tooltip formatter={(value) => `${value} min`} />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            <Line
              dataKey="p50"
              name="p50"
              stroke="var(--chart-line)"
              strokeWidth={2}
              dot={false}
              connectNulls
              isAnimationActive={false}
            />
            <Line
              dataKey="p90"
              name="p90"
              stroke="#f59e0b"
              strokeWidth={2}
              dot={false}
              connectNulls
              isAnimationActive={false}
            />
          </LineChart>
        </ResponsiveContainer>
      </div>
      <ChartTable
        caption="Time to approve per day, in minutes"
        testId="chart-approval-time-table"
        columns={["Day", "p50 (min)", "p90 (min)"]}
        rows={minutes.map((day) => ({ key: day.day, cells: [day.day, day.p50 ?? "—", day.p90 ?? "—"] }))}
      />
    </>
  );
}

export function RankingChart({
  data,
  label,
  testId,
}: {
  data: { key: string; label: string; count: number }[];
  label: string;
  testId: string;
}) {
  const height = Math.max(120, data.length * 26 + 24);
  return (
    <>
      <div style={{ height }} data-testid={testId} role="img" aria-label={label}>
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={data} layout="vertical" margin={{ top: 0, right: 16, bottom: 0, left: 8 }}>
            <XAxis type="number" allowDecimals={false} tick={axis} />
            <YAxis type="category" dataKey="label" width={150} tick={axis} interval={0} />
            <Tooltip />
            <Bar dataKey="count" name="Requests" fill="var(--chart-ink)" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <ChartTable
        caption={label}
        testId={`${testId}-table`}
        columns={["Name", "Requests"]}
        rows={data.map((row) => ({ key: row.key, cells: [row.label, row.count] }))}
      />
    </>
  );
}
