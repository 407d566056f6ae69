import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { seedAccount, seedPermissionSet } from "../simulator/seed";
import { activateGrant } from "../services/grants/activate-grant";
import { deactivateGrant } from "../services/grants/deactivate-grant";
import { createRequest } from "../services/requests/create-request";
import { startServiceHarness, type ServiceHarness } from "../testing/service-harness";
import { startMetricsServer } from "../worker/metrics-server";
import { PgRateLimiter } from "../worker/pg-rate-limiter";
import { readQueueStats } from "./queue-stats";
import { getMetrics } from "./registry";

const METRICS_TOKEN = "metrics-token-for-tests-0123456789";
// The route reads the session, the database and the environment through these modules; the rest is real.
const mocks = vi.hoisted(() => ({ prisma: null as unknown }));
vi.mock("@/lib/auth/actor", () => ({ getActor: async () => null }));
vi.mock("@/lib/db", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../db")>()),
  getPrisma: () => mocks.prisma,
}));
vi.mock("@/lib/env", async (importOriginal) => {
  const original = await importOriginal<typeof import("../env")>();
  return { ...original, getEnv: () => original.parseEnv({ METRICS_TOKEN: "metrics-token-for-tests-0123456789" }) };
});

const sandbox = seedAccount("sandbox-alice")!;
const readOnly = seedPermissionSet("ReadOnly")!;
let harness: ServiceHarness;

/** Sample count of an unlabelled histogram, or of one label combination of a labelled one. */
async function histogramCount(name: string, labels: Record<string, string> = {}) {
  const metric = getMetrics().registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const values = (await metric.get()).values as { value: number; labels: object; metricName?: string }[];
  const matches = (sample: (typeof values)[number]) =>
    Object.entries(labels).every(([key, value]) => (sample.labels as Record<string, unknown>)[key] === value);
  return values
    .filter((sample) => sample.metricName === `${name}_count` && matches(sample))
    .reduce((sum, sample) => sum + sample.value, 0);
}

async function counterValue(name: string, labels: Record<string, string>) {
  const { values } = await getMetrics().registry.getSingleMetric(name)!.get();
  return values
    .filter((s) => Object.entries(labels).every(([k, v]) => (s.labels as Record<string, unknown>)[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

beforeAll(async () => {
  harness = await startServiceHarness({
    policyYaml: `
version: 1
rules:
  - id: sandbox
    requesters: { groups: [engineering] }
    accounts: { ids: ["${sandbox.id}"] }
    permissionSets: ["*"]
    maxDurationMinutes: 240
    approval: { auto: true }
`,
    systemJob: "test-metrics",
  });
  mocks.prisma = harness.db.prisma;
}, 60_000);

afterAll(async () => {
  await harness?.stop();
});

describe("latency metrics", () => {
  it("a grant's create issued / verified and delete issued / verified are observed once each, from its start and end", async () => {
    const steps = [
      "jit_grant_create_issued_seconds",
      "jit_grant_create_verified_seconds",
      "jit_grant_delete_issued_seconds",
      "jit_grant_delete_verified_seconds",
    ];
    const before = await Promise.all(steps.map((name) => histogramCount(name)));
    const created = await createRequest({
      ctx: harness.ctxFor(harness.users.alice!),
      queue: harness.queue,
      input: {
        targets: [{ accountId: sandbox.id, permissionSetArn: readOnly.arn }],
        durationMinutes: 60,
        startMode: "now",
        justification: "Metrics test: needs access",
      },
    });
    const grant = await harness.db.prisma.grant.findFirstOrThrow({ where: { requestId: created.requestId } });
    expect(await activateGrant({ ctx: harness.system(), input: { grantId: grant.id }, deps: harness.deps })).toBe(
      "activated",
    );
    // Activating again records nothing new: the step happened once.
    await activateGrant({ ctx: harness.system(), input: { grantId: grant.id }, deps: harness.deps });
    await harness.db.prisma.grant.update({ where: { id: grant.id }, data: { endsAt: new Date(Date.now() - 1000) } });
    await deactivateGrant({ ctx: harness.system(), input: { grantId: grant.id }, deps: harness.deps });
    expect(await harness.db.prisma.grant.findUniqueOrThrow({ where: { id: grant.id } })).toMatchObject({
      status: "REMOVED",
    });
    const after = await Promise.all(steps.map((name) => histogramCount(name)));
    expect(after.map((count, i) => count - before[i]!)).toEqual([1, 1, 1, 1]);
    // The removal started a second after the (moved) end, so it cannot land in the sub-second bucket.
    const text = await getMetrics().registry.metrics();
    expect(text).toMatch(/^jit_grant_delete_verified_seconds_bucket\{le="0.5"\} 0$/m);
    expect(text).toMatch(/^jit_grant_delete_verified_seconds_bucket\{le="\+Inf"\} [1-9]/m);
  });

  it("times AWS calls by operation and counts a simulator fault as an error of that operation", async () => {
    const ok = await histogramCount("jit_aws_call_duration_seconds", {
      operation: "CreateAccountAssignment",
      outcome: "ok",
    });
    expect(ok).toBeGreaterThan(0);
    const labels = { operation: "ListAccountAssignments", code: "ACCESS_DENIED" };
    const before = await counterValue("jit_aws_call_errors_total", labels);
    harness.sim.setConfig({ nextFaults: [{ operation: "ListAccountAssignments", fault: "access-denied" }] });
    const failure = await harness.port
      .listAssignments({ accountId: sandbox.id, permissionSetArn: readOnly.arn })
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: "ACCESS_DENIED", operation: "ListAccountAssignments" });
    expect(await counterValue("jit_aws_call_errors_total", labels)).toBe(before + 1);
    expect(
      await counterValue("jit_aws_call_errors_total", { operation: "CreateAccountAssignment", code: "ACCESS_DENIED" }),
    ).toBe(0);
  });

  it("observes the rate-bucket wait of each acquire", async () => {
    const wait = getMetrics().awsRateWait;
    const before = (await wait.get()).values.find((s) => s.metricName === "jit_aws_rate_wait_seconds_sum")?.value ?? 0;
    const limiter = new PgRateLimiter(harness.db.prisma, {
      name: "metrics-test",
      ratePerSecond: 10,
      burst: 1,
      sleep: async () => undefined,
    });
    const beforeCount = await histogramCount("jit_aws_rate_wait_seconds");
    await limiter.acquire();
    await limiter.acquire();
    expect((await histogramCount("jit_aws_rate_wait_seconds")) - beforeCount).toBe(2);
    // The second token was owed: about a tenth of a second at 10 per second.
    const sum = (await wait.get()).values.find((s) => s.metricName === "jit_aws_rate_wait_seconds_sum")!.value;
    expect(sum - before).toBeGreaterThan(0.05);
  });

  it("reads queue depth and the oldest due job's age per queue, leaving jobs scheduled for later out", async () => {
    await harness.boss.send("grant-sweep", {});
    await harness.boss.send("grant-sweep", {}, { startAfter: 3600 });
    await harness.db.prisma
      .$executeRaw`UPDATE pgboss.job SET start_after = now() - interval '90 seconds', created_on = now() - interval '90 seconds' WHERE name = 'grant-sweep' AND start_after <= now()`;
    const sweep = (await readQueueStats(harness.db.prisma)).find((stat) => stat.queue === "grant-sweep")!;
    expect(sweep.waiting).toBe(1);
    expect(sweep.oldestWaitingSeconds).toBeGreaterThanOrEqual(90);
    expect(sweep.oldestWaitingSeconds).toBeLessThan(600);
  });

  it("/api/metrics serves the gauges, the queue gauges and the histograms, and times itself by route", async () => {
    const { GET } = await import("../../app/api/metrics/route");
    const request = () =>
      new Request("http://portal.test/api/metrics", { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    await GET(request());
    const text = await (await GET(request())).text();
    expect(text).toMatch(/^jit_removals_unverified_overdue 0$/m);
    expect(text).toMatch(/^jit_grant_create_verified_seconds_count [1-9]/m);
    expect(text).toMatch(/^jit_aws_call_errors_total\{operation="ListAccountAssignments",code="ACCESS_DENIED"\} 1$/m);
    expect(text).toMatch(/^jit_queue_waiting_jobs\{queue="grant-sweep"\} 1$/m);
    expect(text).toMatch(
      /^jit_http_request_duration_seconds_count\{kind="route",route="\/api\/metrics",method="GET",outcome="200"\} [1-9]/m,
    );
  });

  it("the worker's listener serves the same registry only with the bearer token", async () => {
    const server = await startMetricsServer({
      port: 0,
      host: "127.0.0.1",
      token: METRICS_TOKEN,
      metrics: getMetrics(),
    });
    try {
      expect((await fetch(server.url)).status).toBe(401);
      expect((await fetch(server.url, { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
      const scraped = await fetch(server.url, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(scraped.status).toBe(200);
      expect(await scraped.text()).toMatch(/^jit_grant_delete_issued_seconds_count [1-9]/m);
    } finally {
      await server.close();
    }
  });
});
