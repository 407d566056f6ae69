import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { formatPrometheus } from "../services/queries/portal-metrics";
import { getMetrics } from "./registry";
import { totalMeasures } from "../domain/scorecard";

// The alert rules and the dashboard in docs/ must only name series the portal exposes.
// prom-client types MetricType as a numeric enum; at run time it is the string ("histogram").

const docs = path.resolve(import.meta.dirname, "../../docs");
const SERIES = /\bjit_[a-z_]+/g;

async function exposedSeries(): Promise<Set<string>> {
  const names = new Set<string>();
  for (const metric of await getMetrics().registry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (String(metric.type) === "histogram")
      for (const suffix of ["_bucket", "_sum", "_count"]) names.add(metric.name + suffix);
  }
  const gauges = formatPrometheus({
    openAlerts: { OPEN: 0, ACKNOWLEDGED: 0 },
    grantsByStatus: {},
    removalsUnverifiedOverdue: 0,
    driftFindingsOpen: {},
    scorecard: totalMeasures([]),
  });
  for (const [, name] of gauges.matchAll(/^# TYPE (\S+) /gm)) names.add(name!);
  return names;
}

function expressionsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(expressionsIn);
  if (value && typeof value === "object")
    return Object.entries(value).flatMap(([key, inner]) =>
      key === "expr" && typeof inner === "string" ? [inner] : expressionsIn(inner),
    );
  return [];
}

describe("docs/ metrics", () => {
  const rules = parse(fs.readFileSync(path.join(docs, "prometheus-alerts.yml"), "utf8")) as {
    groups: { rules: { alert: string; expr: string }[] }[];
  };
  const dashboard = JSON.parse(fs.readFileSync(path.join(docs, "grafana-dashboard.json"), "utf8")) as unknown;

  it("every series the alert rules name exists in the registry or the gauges", async () => {
    const exposed = await exposedSeries();
    const expressions = rules.groups.flatMap((group) => group.rules.map((rule) => rule.expr));
    const named = expressions.flatMap((expr) => expr.match(SERIES) ?? []);
    expect(named.length).toBeGreaterThanOrEqual(5);
    expect(named.filter((name) => !exposed.has(name))).toEqual([]);
  });

  it("alerts on removal not verified, queue age and AWS errors", () => {
    const alerts = Object.fromEntries(rules.groups.flatMap((g) => g.rules.map((rule) => [rule.alert, rule.expr])));
    expect(alerts.JitRemovalNotVerified).toMatch(/jit_removals_unverified_overdue/);
    expect(alerts.JitQueueBacklogOld).toMatch(/jit_queue_oldest_waiting_seconds/);
    expect(alerts.JitAwsErrors).toMatch(/jit_aws_call_errors_total/);
  });

  it("every series the dashboard names exists, and every histogram has a panel", async () => {
    const exposed = await exposedSeries();
    const named = expressionsIn(dashboard).flatMap((expr) => expr.match(SERIES) ?? []);
    expect(named.filter((name) => !exposed.has(name))).toEqual([]);
    const histograms = (await getMetrics().registry.getMetricsAsJSON())
      .filter((metric) => String(metric.type) === "histogram")
      .map((metric) => metric.name);
    expect(histograms.filter((name) => !named.includes(`${name}_bucket`))).toEqual([]);
  });
});
