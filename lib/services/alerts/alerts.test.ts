import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { JobQueue } from "../../jobs/job-queue";
import { seedAccount, seedPermissionSet } from "../../simulator/seed";
import type { TestDatabase } from "../../testing/test-database";
import { systemActor, type Actor, type ServiceContext, type UserActor } from "../context";
import { activateGrant } from "../grants/activate-grant";
import { deactivateGrant } from "../grants/deactivate-grant";
import type { GrantDeps } from "../grants/grant-support";
import { alertSummary } from "../queries/alert-summary";
import { driftOverview } from "../queries/drift-overview";
import { checkMetricsAccess, formatPrometheus, readPortalMetrics } from "../queries/portal-metrics";
import { createRequest } from "../requests/create-request";
import { acknowledgeAlert } from "./acknowledge-alert";
import { logAlert, notifyAlertRaised, onAlert, type RaisedAlert } from "./alert-hook";
import { checkRemovalAlerts, removalAlertKey } from "./check-removal-alerts";
import { raiseAlert } from "./raise-alert";
import { startServiceHarness, type ServiceHarness } from "../../testing/service-harness";
import { captureLogs } from "../../testing/captured-log";

const METRICS_TOKEN = "metrics-token-for-tests-0123456789";
// The route reads the session and the environment through these modules; the rest of the app is real.
const mocks = vi.hoisted(() => ({ actor: null as unknown, prisma: null as unknown }));
vi.mock("@/lib/auth/actor", () => ({ getActor: async () => mocks.actor }));
vi.mock("@/lib/db", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../../db")>()),
  getPrisma: () => mocks.prisma,
}));
vi.mock("@/lib/env", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../env")>();
  return {
    ...original,
    getEnv: () =>
      original.parseEnv({ METRICS_TOKEN: "metrics-token-for-tests-0123456789", REMOVAL_ALERT_AFTER_SECONDS: "300" }),
  };
});

let harness: ServiceHarness;
let db: TestDatabase;
let queue: JobQueue;
let deps: GrantDeps;
const users: Record<string, UserActor> = {};
const hooked: RaisedAlert[] = [];

const sandbox = seedAccount("sandbox-alice")!;
const readOnly = seedPermissionSet("ReadOnly")!;
const powerUser = seedPermissionSet("PowerUser")!;
const THRESHOLD = { alertAfterSeconds: 300 };

const ctxFor = (actor: Actor): ServiceContext => ({ actor, db: db.prisma, now: () => new Date() });
const system = () => ctxFor(systemActor("test-alerts"));
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);

async function activeGrant(permissionSetArn: string) {
  const created = await createRequest({
    ctx: ctxFor(users.alice!),
    queue,
    input: {
      targets: [{ accountId: sandbox.id, permissionSetArn }],
      durationMinutes: 60,
      startMode: "now",
      justification: "Alerting test: needs access",
    },
  });
  const grant = await db.prisma.grant.findFirstOrThrow({ where: { requestId: created.requestId } });
  expect(await activateGrant({ ctx: system(), input: { grantId: grant.id }, deps })).toBe("activated");
  return grant.id;
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
    systemJob: "test-alerts",
  });
  ({ db, queue, deps } = harness);
  Object.assign(users, harness.users);
  mocks.prisma = db.prisma;
  onAlert((alert) => void hooked.push(alert));
}, 60_000);

afterAll(async () => {
  await harness?.stop();
});

describe("fail-closed alerting on unverified removals", () => {
  let grantId: string;

  it("a removal not verified within the threshold raises exactly one alert, audited, and calls the hook once", async () => {
    grantId = await activeGrant(readOnly.arn);
    // The worker never ran the removal (stuck, down): the grant is still ACTIVE 10 minutes after its end.
    await db.prisma.grant.update({ where: { id: grantId }, data: { endsAt: minutesAgo(10) } });
    // Ended only 1 minute ago: within the threshold, no alert.
    const recent = await activeGrant(powerUser.arn);
    await db.prisma.grant.update({ where: { id: recent }, data: { endsAt: minutesAgo(1) } });

    expect(await checkRemovalAlerts({ ctx: system(), settings: THRESHOLD })).toMatchObject({
      overdue: 1,
      raised: 1,
      resolved: 0,
    });
    expect(await checkRemovalAlerts({ ctx: system(), settings: THRESHOLD })).toMatchObject({
      overdue: 1,
      raised: 0,
      resolved: 0,
    });
    const rows = await db.prisma.alert.findMany({ where: { dedupeKey: removalAlertKey(grantId) } });
    expect(rows).toEqual([
      expect.objectContaining({ status: "OPEN", severity: "critical", kind: "removal-unverified", grantId }),
    ]);
    expect(rows[0]!.lastSeenAt.getTime()).toBeGreaterThan(rows[0]!.raisedAt.getTime());
    expect(await db.prisma.alert.count({ where: { grantId: recent } })).toBe(0);
    expect(await db.prisma.auditEvent.count({ where: { action: "alert.raised", entityId: rows[0]!.id } })).toBe(1);
    expect(hooked.filter((a) => a.grantId === grantId)).toHaveLength(1);
    expect(hooked[0]!.subject).toMatch(/Access not removed: ReadOnly on sandbox-alice/);
  });

  it("the banner query shows it to admins and auditors only", async () => {
    expect(await alertSummary({ ctx: ctxFor(users.dave!) })).toMatchObject({ open: 1, critical: 1 });
    expect(await alertSummary({ ctx: ctxFor(users.carol!) })).toMatchObject({ open: 1 });
    expect(await alertSummary({ ctx: ctxFor(users.alice!) })).toBeNull();
    expect(await alertSummary({ ctx: ctxFor(users.bob!) })).toBeNull();
    const overview = await driftOverview({ ctx: ctxFor(users.carol!) });
    expect(overview.canManage).toBe(false);
    expect(overview.alerts.map((a) => a.grantId)).toEqual([grantId]);
    await expect(driftOverview({ ctx: ctxFor(users.alice!) })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("the metrics count it", async () => {
    const metrics = await readPortalMetrics({ ctx: ctxFor(users.dave!), input: THRESHOLD });
    expect(metrics).toMatchObject({ openAlerts: { OPEN: 1, ACKNOWLEDGED: 0 }, removalsUnverifiedOverdue: 1 });
    expect(metrics.grantsByStatus.ACTIVE).toBe(2);
    const text = formatPrometheus(metrics);
    expect(text).toContain('jit_open_alerts{status="open"} 1');
    expect(text).toContain("jit_removals_unverified_overdue 1");
    expect(text).toContain('jit_grants_by_status{status="active"} 2');
    expect(text).toContain('jit_drift_findings_open{kind="out_of_band_assignment"} 0');
    expect(text).toMatch(/# TYPE jit_open_alerts gauge/);
    await expect(readPortalMetrics({ ctx: ctxFor(users.carol!), input: THRESHOLD })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
  });

  it("only an admin acknowledges, once; an acknowledged alert still blocks a duplicate", async () => {
    const [alert] = await db.prisma.alert.findMany({ where: { dedupeKey: removalAlertKey(grantId) } });
    await expect(acknowledgeAlert({ ctx: ctxFor(users.carol!), input: { alertId: alert!.id } })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(acknowledgeAlert({ ctx: ctxFor(users.alice!), input: { alertId: alert!.id } })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(acknowledgeAlert({ ctx: ctxFor(users.dave!), input: { alertId: "missing" } })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await acknowledgeAlert({
      ctx: ctxFor(users.dave!),
      input: { alertId: alert!.id, note: "Looking into the worker" },
    });
    await expect(acknowledgeAlert({ ctx: ctxFor(users.dave!), input: { alertId: alert!.id } })).rejects.toMatchObject({
      code: "CONFLICT",
    });
    expect(await db.prisma.alert.findUniqueOrThrow({ where: { id: alert!.id } })).toMatchObject({
      status: "ACKNOWLEDGED",
      acknowledgedById: users.dave!.userId,
    });
    expect(await checkRemovalAlerts({ ctx: system(), settings: THRESHOLD })).toMatchObject({ raised: 0 });
    expect(await db.prisma.alert.count({ where: { dedupeKey: removalAlertKey(grantId) } })).toBe(1);
    expect(await alertSummary({ ctx: ctxFor(users.dave!) })).toMatchObject({ open: 0, acknowledged: 1, critical: 1 });
  });

  it("resolves once the removal is verified, audited, and the metric drops", async () => {
    expect(await deactivateGrant({ ctx: system(), input: { grantId }, deps })).toBe("removed");
    expect(await checkRemovalAlerts({ ctx: system(), settings: THRESHOLD })).toMatchObject({
      overdue: 0,
      raised: 0,
      resolved: 1,
    });
    const [alert] = await db.prisma.alert.findMany({ where: { dedupeKey: removalAlertKey(grantId) } });
    expect(alert).toMatchObject({ status: "RESOLVED" });
    expect(
      (await db.prisma.auditEvent.findMany({ where: { entityId: alert!.id }, orderBy: { seq: "asc" } })).map(
        (e) => e.action,
      ),
    ).toEqual(["alert.raised", "alert.acknowledged", "alert.resolved"]);
    expect((await readPortalMetrics({ ctx: system(), input: THRESHOLD })).removalsUnverifiedOverdue).toBe(0);
    expect(await alertSummary({ ctx: ctxFor(users.dave!) })).toMatchObject({ open: 0, acknowledged: 0 });
    expect(hooked.filter((a) => a.grantId === grantId)).toHaveLength(1);
  });

  it("never alerts for grants that owe no removal", async () => {
    const base = {
      requestId: (await db.prisma.grant.findUniqueOrThrow({ where: { id: grantId } })).requestId,
      userId: users.alice!.userId,
      accountId: sandbox.id,
      startsAt: minutesAgo(120),
      endsAt: minutesAgo(60),
    };
    const request = await db.prisma.accessRequest.findUniqueOrThrow({
      where: { id: base.requestId },
      include: { targets: true },
    });
    const statuses = ["SCHEDULED", "FAILED", "CANCELLED", "REMOVED", "PROVISIONING"] as const;
    for (const [index, status] of statuses.entries()) {
      const target = await db.prisma.requestTarget.create({
        data: {
          requestId: request.id,
          accountId: sandbox.id,
          permissionSetArn: `${readOnly.arn.slice(0, -4)}x${index}aa`,
        },
      });
      await db.prisma.grant.create({
        data: {
          ...base,
          targetId: target.id,
          permissionSetArn: target.permissionSetArn,
          status,
          ...(status === "REMOVED" ? { deleteVerifiedAt: minutesAgo(59) } : {}),
        },
      });
    }
    expect(await checkRemovalAlerts({ ctx: system(), settings: THRESHOLD })).toMatchObject({ overdue: 0, raised: 0 });
  });
});

describe("alert hooks", () => {
  it("a failing handler neither stops the others nor the caller", async () => {
    const seen: string[] = [];
    const offBad = onAlert(() => {
      throw new Error("slack is down");
    });
    const offGood = onAlert((alert) => void seen.push(alert.id));
    const logs = captureLogs();
    await notifyAlertRaised({
      id: "a1",
      kind: "test",
      severity: "warning",
      dedupeKey: "test:1",
      subject: "Test",
      grantId: null,
      raisedAt: new Date(),
    });
    offBad();
    offGood();
    expect(seen).toEqual(["a1"]);
    logs.restore();
    expect(logs.entries()).toContainEqual(
      expect.objectContaining({ level: "error", msg: "alert handler failed", alertId: "a1", errorType: "Error" }),
    );
    expect(logs.text()).not.toContain("slack is down");
  });

  it("the default handler logs one ALERT JSON line without detail", () => {
    const logs = captureLogs();
    logAlert({
      id: "a2",
      kind: "removal-unverified",
      severity: "critical",
      dedupeKey: "removal-unverified:g1",
      subject: "Access not removed",
      grantId: "g1",
      raisedAt: new Date(),
    });
    logs.restore();
    expect(logs.entries()).toEqual([
      expect.objectContaining({
        level: "error",
        msg: "ALERT",
        kind: "removal-unverified",
        severity: "critical",
        alertId: "a2",
        grantId: "g1",
        key: "removal-unverified:g1",
        subject: "Access not removed",
      }),
    ]);
  });

  it("raising is for the worker only, and one per key", async () => {
    await expect(
      raiseAlert({
        ctx: ctxFor(users.dave!),
        input: { kind: "test", severity: "warning", dedupeKey: "test:x", subject: "x" },
      }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    const results = await Promise.all(
      [1, 2, 3].map(() =>
        raiseAlert({
          ctx: system(),
          input: { kind: "test", severity: "warning", dedupeKey: "test:race", subject: "Race" },
        }),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await db.prisma.alert.count({ where: { dedupeKey: "test:race" } })).toBe(1);
  });
});

describe("metrics access", () => {
  const admin = () => users.dave!;
  it.each<
    [string, () => { authorization: string | null; token: string | undefined; actor: Actor | null }, number | "ok"]
  >([
    ["anonymous, no token", () => ({ authorization: null, token: METRICS_TOKEN, actor: null }), 401],
    [
      "an anonymous actor",
      () => ({ authorization: null, token: METRICS_TOKEN, actor: { type: "anonymous", ip: null, userAgent: null } }),
      401,
    ],
    ["a signed-in non-admin", () => ({ authorization: null, token: METRICS_TOKEN, actor: users.carol! }), 403],
    ["an admin session", () => ({ authorization: null, token: METRICS_TOKEN, actor: admin() }), "ok"],
    [
      "the right bearer token",
      () => ({ authorization: `Bearer ${METRICS_TOKEN}`, token: METRICS_TOKEN, actor: null }),
      "ok",
    ],
    [
      "a wrong token, even with an admin session",
      () => ({ authorization: "Bearer nope", token: METRICS_TOKEN, actor: admin() }),
      401,
    ],
    [
      "a token prefix",
      () => ({ authorization: `Bearer ${METRICS_TOKEN.slice(0, -1)}`, token: METRICS_TOKEN, actor: null }),
      401,
    ],
    [
      "a token when none is configured",
      () => ({ authorization: "Bearer anything-at-all-here", token: undefined, actor: null }),
      401,
    ],
    ["an empty bearer", () => ({ authorization: "Bearer ", token: METRICS_TOKEN, actor: null }), 401],
    ["another scheme", () => ({ authorization: `Basic ${METRICS_TOKEN}`, token: METRICS_TOKEN, actor: null }), 401],
  ])("%s", (_label, input, expected) => {
    const access = checkMetricsAccess(input());
    expect(access.ok ? "ok" : access.status).toBe(expected);
  });

  it("the route refuses anonymous, accepts the token, and serves Prometheus text", async () => {
    const { GET } = await import("../../../app/api/metrics/route");
    mocks.actor = null;
    const anonymous = await GET(new Request("http://portal.test/api/metrics"));
    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).not.toMatch(/jit_/);
    const wrong = await GET(
      new Request("http://portal.test/api/metrics", { headers: { authorization: "Bearer wrong-token" } }),
    );
    expect(wrong.status).toBe(401);
    mocks.actor = users.alice!;
    expect((await GET(new Request("http://portal.test/api/metrics"))).status).toBe(403);
    mocks.actor = null;
    const scraped = await GET(
      new Request("http://portal.test/api/metrics", { headers: { authorization: `Bearer ${METRICS_TOKEN}` } }),
    );
    expect(scraped.status).toBe(200);
    expect(scraped.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await scraped.text()).toMatch(/jit_removals_unverified_overdue 0/);
  });
});
