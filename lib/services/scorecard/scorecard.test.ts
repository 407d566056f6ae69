import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuditPort, type AuditPort } from "../../aws/audit-port";
import { parseCsv } from "../../audit/export-format";
import { DEMO_SEED, seedAccount, seedGroup, seedPermissionSet, seedUser } from "../../simulator/seed";
import { expectCode } from "../../testing/expect-app-error";
import { startServiceHarness, type ServiceHarness } from "../../testing/service-harness";
import { systemActor, type ServiceContext } from "../context";
import { snapshotAssignments } from "../inventory/snapshot-assignments";
import { formatPrometheus, readPortalMetrics } from "../queries/portal-metrics";
import { exportScorecard, scorecardOverview } from "../queries/scorecard-overview";
import { reconcileAssignments } from "../reconcile/reconcile-assignments";
import { unassignDrift } from "../reconcile/unassign-drift";
import { removeStandingAssignment } from "./remove-standing-assignment";
import { requestScorecardSnapshot } from "./request-scorecard-snapshot";
import { takeScorecardSnapshot, type ScorecardSources } from "./take-scorecard-snapshot";

let harness: ServiceHarness;
let audit: AuditPort;
let sources: ScorecardSources;
let clock = new Date("2026-12-01T03:00:00Z");

const securityTooling = seedAccount("security-tooling")!;
const paymentsProd = seedAccount("payments-prod")!;
const dataProd = seedAccount("data-prod")!;
const management = seedAccount("Management")!;
const sandboxErin = seedAccount("sandbox-erin")!;
const logArchive = seedAccount("log-archive")!;
const paymentsStaging = seedAccount("payments-staging")!;
const dataStaging = seedAccount("data-staging")!;
const teamData = seedGroup("team-data")!;
const administratorAccess = seedPermissionSet("AdministratorAccess")!;
const powerUser = seedPermissionSet("PowerUser")!;
const readOnly = seedPermissionSet("ReadOnly")!;
const billing = seedPermissionSet("BillingAdmin")!;
const engineering = seedGroup("engineering")!;
const engineeringMembers = DEMO_SEED.memberships.filter((m) => m.groupId === engineering.groupId).length;
const dave = seedUser("dave");
const frank = seedUser("frank");

// BillingAdmin attaches no privileged managed policy: only the policy's list makes it privileged.
const POLICY = `
version: 1
privilegedPermissionSets: [BillingAdmin]
rules:
  - id: payments-admin
    requesters: { groups: [team-payments] }
    accounts: { ids: ["${paymentsProd.id}"] }
    permissionSets: [AdministratorAccess]
    maxDurationMinutes: 60
    approval: { auto: false, approvers: { groups: [security-approvers] }, required: 1 }
  - id: data-staging-admin
    requesters: { groups: [team-data] }
    accounts: { ids: ["${dataStaging.id}"] }
    permissionSets: [AdministratorAccess]
    maxDurationMinutes: 60
    approval: { auto: false, approvers: { groups: [security-approvers] }, required: 1 }
`;

const system = (): ServiceContext => ({
  actor: systemActor("scorecard-snapshot"),
  db: harness.db.prisma,
  now: () => clock,
});
const as = (who: string): ServiceContext => ({ ...harness.ctxFor(harness.users[who]!), now: () => clock });

async function measure() {
  await snapshotAssignments({ ctx: system(), port: harness.port, byPrincipal: true });
  return takeScorecardSnapshot({ ctx: system(), sources });
}

const accountRow = async (accountId: string) =>
  (await scorecardOverview({ ctx: as("carol"), input: { sort: "standingPrivilegedUsers" } })).accounts.find(
    (a) => a.id === accountId,
  )!;

beforeAll(async () => {
  harness = await startServiceHarness({ policyYaml: POLICY, systemJob: "scorecard-snapshot" });
  audit = createAuditPort(
    {
      region: "us-east-1",
      endpoint: harness.sim.url,
      roleName: DEMO_SEED.auditRole!.roleName,
      externalId: DEMO_SEED.auditRole!.externalId,
    },
    { pollInitialMs: 5, pollMaxMs: 20 },
  );
  sources = { port: harness.port, audit };
  for (const [accountId, set, principalType, principalId] of [
    [dataProd.id, powerUser.arn, "GROUP", engineering.groupId],
    [dataProd.id, readOnly.arn, "USER", frank.userId],
    [paymentsStaging.id, billing.arn, "USER", frank.userId],
  ] as const)
    harness.sim.seedAssignment({ accountId, permissionSetArn: set, principalType, principalId });
}, 60_000);

afterAll(async () => {
  audit?.close();
  await harness?.stop();
});

describe("scorecard snapshot against the simulator", () => {
  it("counts standing privileged users and groups per account: by attached managed policy and by the policy's list", async () => {
    await measure();
    const tooling = await accountRow(securityTooling.id);
    expect(tooling.measures).toMatchObject({ standingPrivilegedUsers: 1, standingPrivilegedGroups: 0 });
    const data = await accountRow(dataProd.id);
    // PowerUserAccess makes the group privileged; frank's ReadOnly is standing but not privileged.
    expect(data.measures).toMatchObject({ standingPrivilegedUsers: 0, standingPrivilegedGroups: 1 });
    expect(data.standingGroupMembers).toBe(engineeringMembers);
    // The seed's frank holds AdministratorAccess on log-archive; BillingAdmin is privileged only by the policy's list.
    expect((await accountRow(logArchive.id)).measures.standingPrivilegedUsers).toBe(1);
    expect((await accountRow(paymentsStaging.id)).measures.standingPrivilegedUsers).toBe(1);
    expect((await accountRow(paymentsProd.id)).measures.standingPrivilegedUsers).toBe(0);

    const drill = await scorecardOverview({
      ctx: as("carol"),
      input: { sort: "standingPrivilegedUsers", account: dataProd.id },
    });
    const principals = drill.drillDown!.principals;
    expect(principals.find((p) => p.principalType === "GROUP")).toMatchObject({
      permissionSetName: "PowerUser",
      privileged: true,
      because: expect.stringContaining("PowerUserAccess"),
      memberCount: engineeringMembers,
    });
    expect(principals.find((p) => p.principalId === frank.userId)).toMatchObject({
      permissionSetName: "ReadOnly",
      privileged: false,
    });
  });

  it("reads each account's credential report: active, old, unused and root keys, users without MFA", async () => {
    const payments = await accountRow(paymentsProd.id);
    // ci-deployer: a 412-day key in use and an inactive one; legacy-reporting: a 210-day key never used; ops-console: console, no MFA.
    expect(payments.measures).toMatchObject({
      activeKeys: 2,
      oldKeys: 2,
      unusedKeys: 1,
      rootKeys: 0,
      usersWithoutMfa: 1,
    });
    expect(payments.credentialsNotMeasured).toBeNull();
    const mgmt = await accountRow(management.id);
    expect(mgmt.measures).toMatchObject({ activeKeys: 1, oldKeys: 1, unusedKeys: 1, rootKeys: 1, usersWithoutMfa: 0 });
    expect((await accountRow(logArchive.id)).measures).toMatchObject({ activeKeys: 0, usersWithoutMfa: 1 });
  });

  it("an account without the audit role is not measured, with the reason, and never adds a zero", async () => {
    const erin = await accountRow(sandboxErin.id);
    expect(erin.measures).toMatchObject({ activeKeys: null, oldKeys: null, rootKeys: null, usersWithoutMfa: null });
    expect(erin.credentialsNotMeasured).toMatch(/audit role/);
    const overview = await scorecardOverview({ ctx: as("carol"), input: { sort: "activeKeys" } });
    expect(overview.totals!.activeKeys.notMeasured).toBe(1);
    expect(overview.accounts.at(-1)!.id).toBe(sandboxErin.id);
  });

  it("before the first assignment listing, standing access is not measured rather than zero", async () => {
    const fresh = await startServiceHarness({ policyYaml: POLICY, systemJob: "scorecard-snapshot" });
    try {
      const ctx = { ...fresh.system(), now: () => clock };
      const snapshot = await takeScorecardSnapshot({ ctx, sources: { port: fresh.port, audit } });
      const rows = await fresh.db.prisma.scorecardAccount.findMany({ where: { snapshotId: snapshot.id } });
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        expect(row.standingPrivilegedUsers).toBeNull();
        expect(row.standingNotMeasured).toMatch(/not been listed/);
      }
    } finally {
      await fresh.stop();
    }
  });

  it("exports the latest snapshot as CSV and exposes its totals as gauges", async () => {
    const { body } = await exportScorecard({ ctx: as("carol") });
    const rows = parseCsv(body);
    const header = rows[0]!;
    const payments = rows.find((r) => r[0] === paymentsProd.id)!;
    expect(payments[header.indexOf("old_keys")]).toBe("2");
    const erin = rows.find((r) => r[0] === sandboxErin.id)!;
    expect(erin[header.indexOf("active_keys")]).toBe("");
    expect(erin[header.indexOf("credentials_not_measured")]).toMatch(/audit role/);

    const metrics = await readPortalMetrics({ ctx: as("dave"), input: { alertAfterSeconds: 60 } });
    const text = formatPrometheus(metrics);
    expect(text).toContain(`jit_scorecard_total{measure="oldKeys"} ${metrics.scorecard!.oldKeys.value}`);
    expect(text).toContain('jit_scorecard_accounts_not_measured{measure="activeKeys"} 1');
  });

  it("only auditors and admins read it; only admins measure on demand (audited) or remove standing access", async () => {
    await expectCode(scorecardOverview({ ctx: as("alice"), input: { sort: "activeKeys" } }), "FORBIDDEN");
    await expectCode(exportScorecard({ ctx: as("alice") }), "FORBIDDEN");
    await expectCode(
      requestScorecardSnapshot({ ctx: as("carol"), input: { confirm: "yes" }, queue: harness.queue }),
      "FORBIDDEN",
    );
    await expectCode(
      removeStandingAssignment({
        ctx: as("carol"),
        queue: harness.queue,
        input: {
          accountId: securityTooling.id,
          permissionSetArn: administratorAccess.arn,
          principalType: "USER",
          principalId: dave.userId,
          reason: "not an admin",
        },
      }),
      "FORBIDDEN",
    );
    await requestScorecardSnapshot({ ctx: as("dave"), input: { confirm: "yes" }, queue: harness.queue });
    const event = await harness.db.prisma.auditEvent.findFirst({ where: { action: "scorecard.snapshot_requested" } });
    expect(event?.actorLabel).toBe("dave@example.com");
  });
});

describe("make it just-in-time", () => {
  it("offers the rule, and on an admin's removal the worker unassigns and verifies it; the next snapshot counts one fewer", async () => {
    const drill = await scorecardOverview({
      ctx: as("dave"),
      input: { sort: "standingPrivilegedUsers", account: paymentsStaging.id },
    });
    const standing = drill.drillDown!.principals.find((p) => p.principalId === frank.userId)!;
    expect(standing).toMatchObject({ permissionSetName: "BillingAdmin", privileged: true });
    // Frank never signed in to the portal: his Identity Store email names him in the rule.
    expect(standing.jitRule).toContain(`requesters: { users: ["${frank.email}"] }`);
    expect(standing.because).toMatch(/access policy/);

    // Nothing is removed by reading the scorecard.
    expect(
      (await harness.port.listAssignments({ accountId: paymentsStaging.id, permissionSetArn: billing.arn })).length,
    ).toBe(1);
    const input = {
      accountId: paymentsStaging.id,
      permissionSetArn: billing.arn,
      principalType: "USER",
      principalId: frank.userId,
      reason: "Billing admins request access now.",
    };
    await expectCode(
      removeStandingAssignment({ ctx: as("dave"), queue: harness.queue, input: { ...input, reason: "" } }),
      "VALIDATION",
    );
    // Two presses at once (two admins, or a double submit): one removal is requested, the other is told it is under way.
    const presses = await Promise.allSettled(
      [0, 1].map(() => removeStandingAssignment({ ctx: as("dave"), queue: harness.queue, input })),
    );
    const requested = presses.filter((press) => press.status === "fulfilled");
    expect(requested).toHaveLength(1);
    expect(presses.find((press) => press.status === "rejected")).toMatchObject({ reason: { code: "CONFLICT" } });
    const { findingId } = (requested[0] as PromiseFulfilledResult<{ findingId: string }>).value;
    expect(await unassignDrift({ ctx: system(), input: { findingId }, deps: harness.deps })).toBe("removed");
    expect(
      await harness.port.listAssignments({ accountId: paymentsStaging.id, permissionSetArn: billing.arn }),
    ).toEqual([]);
    const actions = (
      await harness.db.prisma.auditEvent.findMany({ where: { entityId: findingId }, orderBy: { seq: "asc" } })
    ).map((e) => e.action);
    expect(actions).toEqual(["scorecard.standing_removal_requested", "drift.removed"]);

    // A day later the next snapshot draws the trend down.
    clock = new Date(clock.getTime() + 86_400_000);
    await measure();
    const overview = await scorecardOverview({ ctx: as("carol"), input: { sort: "standingPrivilegedUsers" } });
    const users = overview.trend.map((point) => point.totals.standingPrivilegedUsers.value);
    expect(users.at(-1)).toBe(users.at(-2)! - 1);
    expect(overview.trend.at(-1)!.takenAt.getTime() - overview.trend.at(-2)!.takenAt.getTime()).toBe(86_400_000);
  });

  it("a seeded standing (baseline) assignment can be removed too, and the rule names the user's email once the portal knows it", async () => {
    await harness.db.prisma.assignmentTuple.create({
      data: {
        accountId: securityTooling.id,
        permissionSetArn: administratorAccess.arn,
        principalId: dave.userId,
        standing: true,
        standingSource: "baseline",
      },
    });
    await harness.db.prisma.user.update({
      where: { id: harness.users.dave!.userId },
      data: { identityStoreUserId: dave.userId },
    });
    await takeScorecardSnapshot({ ctx: system(), sources });
    const drill = await scorecardOverview({
      ctx: as("dave"),
      input: { sort: "standingPrivilegedUsers", account: securityTooling.id },
    });
    const standing = drill.drillDown!.principals.find((p) => p.principalId === dave.userId)!;
    expect(standing.kind).toBe("standing");
    expect(standing.jitRule).toContain('requesters: { users: ["dave@example.com"] }');
    expect(standing.jitRule).toContain('approvers: { groups: ["security-approvers"] }');

    const { findingId } = await removeStandingAssignment({
      ctx: as("dave"),
      queue: harness.queue,
      input: {
        accountId: securityTooling.id,
        permissionSetArn: administratorAccess.arn,
        principalType: "USER",
        principalId: dave.userId,
        reason: "Admins elevate through the portal.",
      },
    });
    const tuple = await harness.db.prisma.assignmentTuple.findFirstOrThrow({ where: { principalId: dave.userId } });
    expect(tuple.standing).toBe(false);
    const requested = await harness.db.prisma.auditEvent.findFirstOrThrow({ where: { entityId: findingId } });
    expect(requested.before).toEqual({ standing: true, standingSource: "baseline" });
    expect(await unassignDrift({ ctx: system(), input: { findingId }, deps: harness.deps })).toBe("removed");
  });

  it("a removal the reconciler saw first (it resolved the finding meanwhile) is still recorded as verified and removed", async () => {
    const reconcile = () =>
      reconcileAssignments({
        ctx: system(),
        deps: { port: harness.port, queue: harness.queue, settings: { missing: "mark", outOfBand: "report" } },
      });
    await reconcile();
    const { findingId } = await removeStandingAssignment({
      ctx: as("dave"),
      queue: harness.queue,
      input: {
        accountId: dataStaging.id,
        permissionSetArn: administratorAccess.arn,
        principalType: "GROUP",
        principalId: teamData.groupId,
        reason: "Data admins request access now.",
      },
    });
    const deps = {
      ...harness.deps,
      // The reconciler runs between the removal and its verification, as every few seconds in production.
      listForVerification: async (target: { accountId: string; permissionSetArn: string }) => {
        await reconcile();
        return harness.port.listAssignments(target);
      },
    };
    expect(await unassignDrift({ ctx: system(), input: { findingId }, deps })).toBe("removed");
    const actions = (
      await harness.db.prisma.auditEvent.findMany({ where: { entityId: findingId }, orderBy: { seq: "asc" } })
    ).map((e) => e.action);
    expect(actions).toEqual(["scorecard.standing_removal_requested", "drift.resolved", "drift.removed"]);
    expect(await harness.db.prisma.driftFinding.findUniqueOrThrow({ where: { id: findingId } })).toMatchObject({
      status: "RESOLVED",
      actionTaken: "removed",
    });
  });
});
