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
const axis = { fontSize: 11, fill: "#64748b" };

export function OutcomesChart({ data }: { data: OutcomeDay[] }) {
  return (
    <div className="h-72" data-testid="chart-outcomes" role="img" aria-label="Requests per day by outcome">
      <ResponsiveContainer width="100%" height="100%">
        <ComposedChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e2e8f0" />
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
            stroke="#0369a1"
            strokeWidth={2}
            dot={false}
            isAnimationActive={false}
          />
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}

export function ApprovalTimeChart({ data }: { data: { day: string; p50: number | null; p90: number | null }[] }) {
  const minutes = data.map((d) => ({
    day: d.day,
    p50: d.p50 === null ? null : Math.round(d.p50 / 6) / 10,
    p90: d.p90 === null ? null : Math.round(d.p90 / 6) / 10,
  }));
  return (
    <div
      className="h-64"
      data-testid="chart-approval-time"
      role="img"
      aria-label="Time to approve per day, median and 90th percentile, in minutes"
    >
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={minutes} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e2e8f0" />
          <XAxis dataKey="day" tickFormatter={shortDay} tick={axis} minTickGap={16} />
          <YAxis tick={axis} unit=" m" />
          <Tooltip formatter={(value) => `${value} min`} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Line
            dataKey="p50"
            name="p50"
            stroke="#0369a1"
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
    <div style={{ height }} data-testid={testId} role="img" aria-label={label}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} layout="vertical" margin={{ top: 0, right: 16, bottom: 0, left: 8 }}>
          <XAxis type="number" allowDecimals={false} tick={axis} />
          <YAxis type="category" dataKey="label" width={150} tick={axis} interval={0} />
          <Tooltip />
          <Bar dataKey="count" name="Requests" fill="#0f172a" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
