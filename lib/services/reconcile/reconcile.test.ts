import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IdentityCenterPort } from "../../aws/identity-center-port";
import type { JobQueue } from "../../jobs/job-queue";
import { QUEUES } from "../../jobs/queues";
import { DEMO_SEED, seedAccount, seedGroup, seedPermissionSet, seedUser } from "../../simulator/seed";
import type { TestDatabase } from "../../testing/test-database";
import { onAlert, type RaisedAlert } from "../alerts/alert-hook";
import { systemActor, type Actor, type ServiceContext, type UserActor } from "../context";
import { activateGrant } from "../grants/activate-grant";
import { deactivateGrant } from "../grants/deactivate-grant";
import type { GrantDeps } from "../grants/grant-support";
import { createRequest } from "../requests/create-request";
import { acceptDrift } from "./accept-drift";
import { reconcileAssignments, type ReconcileDeps } from "./reconcile-assignments";
import { removeDrift } from "./remove-drift";
import { unassignDrift } from "./unassign-drift";
import { startServiceHarness, type ServiceHarness } from "../../testing/service-harness";

let harness: ServiceHarness;
let db: TestDatabase;
let sim: ServiceHarness["sim"];
let queue: JobQueue;
let port: IdentityCenterPort;
let deps: GrantDeps;
const users: Record<string, UserActor> = {};
const alerts: RaisedAlert[] = [];

const paymentsProd = seedAccount("payments-prod")!;
const sandbox = seedAccount("sandbox-alice")!;
const readOnly = seedPermissionSet("ReadOnly")!;
const powerUser = seedPermissionSet("PowerUser")!;
const standing = DEMO_SEED.standingAssignments[0]!;
const aliceId = seedUser("alice").userId;

function policyYaml() {
  return `
version: 1
rules:
  - id: payments
    requesters: { groups: [team-payments] }
    accounts: { ids: ["${paymentsProd.id}"] }
    permissionSets: [ReadOnly, PowerUser]
    maxDurationMinutes: 240
    approval: { auto: true }
  - id: sandbox
    requesters: { groups: [engineering] }
    accounts: { ids: ["${sandbox.id}"] }
    permissionSets: [ReadOnly]
    maxDurationMinutes: 240
    approval: { auto: true }
  - id: admins-standing
    requesters: { groups: [portal-admins] }
    accounts: { ids: ["${standing.accountId}"] }
    permissionSets: [AdministratorAccess]
    maxDurationMinutes: 60
    approval: { auto: true }
`;
}

const ctxFor = (actor: Actor): ServiceContext => ({ actor, db: db.prisma, now: () => new Date() });
const system = () => ctxFor(systemActor("test-reconcile"));

function reconcile(settings: Partial<ReconcileDeps["settings"]> = {}, overridePort: IdentityCenterPort = port) {
  return reconcileAssignments({
    ctx: system(),
    deps: { port: overridePort, queue, settings: { missing: "mark", outOfBand: "report", ...settings } },
  });
}

// Grants touched moments ago are left to their own jobs; tests move them out of the grace window explicitly.
async function ageGrants() {
  await db.prisma.$executeRaw`UPDATE "Grant" SET "updatedAt" = "updatedAt" - interval '10 minutes'`;
}

async function activeGrant(user: UserActor, target: { accountId: string; permissionSetArn: string }) {
  const created = await createRequest({
    ctx: ctxFor(user),
    queue,
    input: {
      targets: [target],
      durationMinutes: 60,
      startMode: "now",
      justification: "Reconciler test: investigating drift",
    },
  });
  const grant = await db.prisma.grant.findFirstOrThrow({ where: { requestId: created.requestId } });
  expect(await activateGrant({ ctx: system(), input: { grantId: grant.id }, deps })).toBe("activated");
  return grant.id;
}

const assignment = (
  accountId: string,
  permissionSetArn: string,
  principalId: string,
  principalType: "USER" | "GROUP" = "USER",
) => ({ accountId, permissionSetArn, principalType, principalId });

async function listed(accountId: string, permissionSetArn: string) {
  return (await port.listAssignments({ accountId, permissionSetArn })).map((a) => a.principalId);
}

async function findingsFor(principalId: string, where: Record<string, unknown> = {}) {
  return db.prisma.driftFinding.findMany({ where: { principalId, ...where }, orderBy: { firstSeenAt: "asc" } });
}

async function auditFor(entityId: string) {
  return (await db.prisma.auditEvent.findMany({ where: { entityId }, orderBy: { seq: "asc" } })).map((e) => e.action);
}

async function unassignJobs() {
  return db.prisma.$queryRawUnsafe<{ data: { findingId: string } }[]>(
    `SELECT data FROM pgboss.job WHERE name = $1`,
    QUEUES.unassignDrift,
  );
}

beforeAll(async () => {
  harness = await startServiceHarness({ policyYaml: policyYaml(), systemJob: "test-reconcile" });
  ({ db, sim, queue, port, deps } = harness);
  Object.assign(users, harness.users);
  onAlert((alert) => void alerts.push(alert));
}, 60_000);

afterAll(async () => {
  await harness?.stop();
});

describe("reconciler against the simulator", () => {
  it("the first run records the seeded standing assignment as the baseline; it is never reported nor removed", async () => {
    const first = await reconcile({ outOfBand: "remove" });
    expect(first).toMatchObject({
      targets: 4,
      listFailures: 0,
      baselined: 1,
      newFindings: 0,
      removalsQueued: 0,
      errors: 0,
    });
    const tuple = await db.prisma.assignmentTuple.findUniqueOrThrow({
      where: {
        accountId_permissionSetArn_principalId: {
          accountId: standing.accountId,
          permissionSetArn: standing.permissionSetArn,
          principalId: standing.principalId,
        },
      },
    });
    expect(tuple).toMatchObject({ standing: true, standingSource: "baseline" });
    const second = await reconcile({ outOfBand: "remove" });
    expect(second).toMatchObject({ baselined: 0, newFindings: 0, repeatedFindings: 0, removalsQueued: 0 });
    expect(await db.prisma.driftFinding.count()).toBe(0);
    expect(await db.prisma.auditEvent.count({ where: { action: "reconcile.baselined" } })).toBe(1);
    expect(await listed(standing.accountId, standing.permissionSetArn)).toContain(standing.principalId);
  });

  it("an ended grant whose assignment is re-added out of band is found lingering and removed; the grant stays ended", async () => {
    const grantId = await activeGrant(users.alice!, { accountId: paymentsProd.id, permissionSetArn: powerUser.arn });
    await db.prisma.grant.update({ where: { id: grantId }, data: { endsAt: new Date(Date.now() - 1000) } });
    expect(await deactivateGrant({ ctx: system(), input: { grantId }, deps })).toBe("removed");
    sim.seedAssignment(assignment(paymentsProd.id, powerUser.arn, aliceId));
    await ageGrants();

    expect(await reconcile()).toMatchObject({ newFindings: 1, removalsQueued: 1 });
    const [finding] = await findingsFor(aliceId, { kind: "LINGERING_ASSIGNMENT" });
    expect(finding).toMatchObject({ status: "OPEN", grantId, actionTaken: "removal-requested", principalType: "USER" });
    expect((await unassignJobs()).some((j) => j.data.findingId === finding!.id)).toBe(true);

    expect(await unassignDrift({ ctx: system(), input: { findingId: finding!.id }, deps })).toBe("removed");
    expect(await listed(paymentsProd.id, powerUser.arn)).not.toContain(aliceId);
    expect(await db.prisma.driftFinding.findUniqueOrThrow({ where: { id: finding!.id } })).toMatchObject({
      status: "RESOLVED",
      actionTaken: "removed",
    });
    expect(await db.prisma.grant.findUniqueOrThrow({ where: { id: grantId } })).toMatchObject({ status: "REMOVED" });
    expect(await auditFor(finding!.id)).toEqual(["drift.detected", "drift.removal_requested", "drift.removed"]);
    expect(await reconcile()).toMatchObject({ newFindings: 0, removalsQueued: 0 });
  });

  it("an active grant whose assignment was deleted behind our back is marked failed: one finding, one alert, across runs", async () => {
    const grantId = await activeGrant(users.alice!, { accountId: paymentsProd.id, permissionSetArn: readOnly.arn });
    sim.removeAssignment(assignment(paymentsProd.id, readOnly.arn, aliceId));
    await ageGrants();
    const before = alerts.length;

    expect(await reconcile()).toMatchObject({ newFindings: 1, marked: 1 });
    const grant = await db.prisma.grant.findUniqueOrThrow({ where: { id: grantId } });
    expect(grant.status).toBe("FAILED");
    expect(grant.failureReason).toMatch(/removed outside the portal/);
    const findings = await findingsFor(aliceId, { kind: "MISSING_ASSIGNMENT" });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ status: "OPEN", grantId, actionTaken: "grant-marked-failed" });
    expect(await db.prisma.alert.findMany({ where: { dedupeKey: `assignment-missing:${grantId}` } })).toEqual([
      expect.objectContaining({ status: "OPEN", severity: "warning" }),
    ]);
    expect(alerts.length - before).toBe(1);
    expect((await db.prisma.auditEvent.findMany({ where: { entityId: grantId } })).map((e) => e.action)).toContain(
      "grant.assignment_lost",
    );

    await ageGrants();
    expect(await reconcile()).toMatchObject({ newFindings: 0, marked: 0 });
    expect(await findingsFor(aliceId, { kind: "MISSING_ASSIGNMENT" })).toHaveLength(1);
    expect(await db.prisma.auditEvent.count({ where: { action: "drift.detected", entityId: findings[0]!.id } })).toBe(
      1,
    );
    expect(alerts.length - before).toBe(1);
  });

  it("… and re-created through the activation path when configured; the finding resolves once it is back", async () => {
    const grantId = await activeGrant(users.alice!, { accountId: sandbox.id, permissionSetArn: readOnly.arn });
    sim.removeAssignment(assignment(sandbox.id, readOnly.arn, aliceId));
    await ageGrants();

    expect(await reconcile({ missing: "recreate" })).toMatchObject({ newFindings: 1, recreated: 1, marked: 0 });
    expect(await db.prisma.grant.findUniqueOrThrow({ where: { id: grantId } })).toMatchObject({
      status: "PROVISIONING",
      createRequestId: null,
    });
    expect(await reconcile({ missing: "recreate" })).toMatchObject({ recreated: 0, newFindings: 0 });
    expect(await activateGrant({ ctx: system(), input: { grantId }, deps })).toBe("activated");
    expect(await listed(sandbox.id, readOnly.arn)).toContain(aliceId);

    await ageGrants();
    expect(await reconcile({ missing: "recreate" })).toMatchObject({ resolved: 1 });
    const [finding] = await findingsFor(aliceId, { kind: "MISSING_ASSIGNMENT", accountId: sandbox.id });
    expect(finding).toMatchObject({ status: "RESOLVED", actionTaken: "recreate-requested" });
  });

  it("an out-of-band assignment gives one finding and one audit event, even with two runs at once, and is not removed by default", async () => {
    const erinId = seedUser("erin").userId;
    sim.seedAssignment(assignment(paymentsProd.id, readOnly.arn, erinId));
    await Promise.all([reconcile(), reconcile()]);
    await reconcile();
    const findings = await findingsFor(erinId);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ kind: "OUT_OF_BAND_ASSIGNMENT", status: "OPEN", actionTaken: null });
    expect(findings[0]!.lastSeenAt.getTime()).toBeGreaterThan(findings[0]!.firstSeenAt.getTime());
    expect(await auditFor(findings[0]!.id)).toEqual(["drift.detected"]);
    expect(await listed(paymentsProd.id, readOnly.arn)).toContain(erinId);
  });

  it("only admins accept or remove drift", async () => {
    const [finding] = await findingsFor(seedUser("erin").userId);
    for (const who of ["alice", "carol", "bob"]) {
      await expect(
        acceptDrift({ ctx: ctxFor(users[who]!), input: { findingId: finding!.id, reason: "It is fine, really" } }),
      ).rejects.toMatchObject({ code: "FORBIDDEN" });
      await expect(
        removeDrift({ ctx: ctxFor(users[who]!), queue, input: { findingId: finding!.id, reason: "It must go now" } }),
      ).rejects.toMatchObject({ code: "FORBIDDEN" });
    }
    await expect(
      acceptDrift({ ctx: system(), input: { findingId: finding!.id, reason: "system tries" } }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(
      acceptDrift({ ctx: ctxFor(users.dave!), input: { findingId: finding!.id, reason: "" } }),
    ).rejects.toMatchObject({ code: "VALIDATION" });
    await expect(
      acceptDrift({ ctx: ctxFor(users.dave!), input: { findingId: "nope", reason: "Looks right to me" } }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await db.prisma.driftFinding.findUniqueOrThrow({ where: { id: finding!.id } })).toMatchObject({
      status: "OPEN",
    });
  });

  it("an admin accepts an out-of-band assignment as standing: never reported or removed again", async () => {
    const erinId = seedUser("erin").userId;
    const [finding] = await findingsFor(erinId);
    await acceptDrift({
      ctx: ctxFor(users.dave!),
      input: { findingId: finding!.id, reason: "Erin runs the payments read-only dashboard" },
    });
    expect(await db.prisma.driftFinding.findUniqueOrThrow({ where: { id: finding!.id } })).toMatchObject({
      status: "ACCEPTED",
      resolvedBy: users.dave!.email,
    });
    expect(await db.prisma.assignmentTuple.findFirstOrThrow({ where: { principalId: erinId } })).toMatchObject({
      standing: true,
      standingSource: "accepted",
    });
    expect(await auditFor(finding!.id)).toEqual(["drift.detected", "drift.accepted"]);
    await expect(
      acceptDrift({ ctx: ctxFor(users.dave!), input: { findingId: finding!.id, reason: "Accept it again" } }),
    ).rejects.toMatchObject({ code: "CONFLICT" });

    expect(await reconcile({ outOfBand: "remove" })).toMatchObject({ newFindings: 0 });
    expect(await findingsFor(erinId)).toHaveLength(1);
    expect(await listed(paymentsProd.id, readOnly.arn)).toContain(erinId);
  });

  it("an admin removes an out-of-band assignment through the worker, verified", async () => {
    const bobId = seedUser("bob").userId;
    sim.seedAssignment(assignment(paymentsProd.id, powerUser.arn, bobId));
    await reconcile();
    const [finding] = await findingsFor(bobId);
    await expect(
      acceptDrift({ ctx: ctxFor(users.dave!), input: { findingId: finding!.id, reason: "x" } }),
    ).rejects.toMatchObject({ code: "VALIDATION" });
    await removeDrift({
      ctx: ctxFor(users.dave!),
      queue,
      input: { findingId: finding!.id, reason: "Nobody approved this access" },
    });
    expect((await unassignJobs()).some((j) => j.data.findingId === finding!.id)).toBe(true);
    expect(await unassignDrift({ ctx: system(), input: { findingId: finding!.id }, deps })).toBe("removed");
    expect(await listed(paymentsProd.id, powerUser.arn)).not.toContain(bobId);
    expect(await db.prisma.driftFinding.findUniqueOrThrow({ where: { id: finding!.id } })).toMatchObject({
      status: "RESOLVED",
      actionTaken: "removed",
    });
    expect(await auditFor(finding!.id)).toEqual(["drift.detected", "drift.removal_requested", "drift.removed"]);
    expect(await unassignDrift({ ctx: system(), input: { findingId: finding!.id }, deps })).toBe("skipped");
  });

  it("a standing assignment is never removed, even through a smuggled finding", async () => {
    const smuggled = await db.prisma.driftFinding.create({
      data: {
        kind: "OUT_OF_BAND_ASSIGNMENT",
        accountId: standing.accountId,
        permissionSetArn: standing.permissionSetArn,
        principalType: "USER",
        principalId: standing.principalId,
      },
    });
    await expect(
      removeDrift({
        ctx: ctxFor(users.dave!),
        queue,
        input: { findingId: smuggled.id, reason: "Remove dave's admin access" },
      }),
    ).rejects.toMatchObject({ code: "INVALID_TRANSITION" });
    await db.prisma.driftFinding.update({ where: { id: smuggled.id }, data: { actionTaken: "removal-requested" } });
    expect(await unassignDrift({ ctx: system(), input: { findingId: smuggled.id }, deps })).toBe("skipped");
    expect(await listed(standing.accountId, standing.permissionSetArn)).toContain(standing.principalId);
    expect(await reconcile({ outOfBand: "remove" })).toMatchObject({ resolved: 1, removalsQueued: 0 });
    expect(await db.prisma.driftFinding.findUniqueOrThrow({ where: { id: smuggled.id } })).toMatchObject({
      status: "RESOLVED",
    });
  });

  it("with the remove policy, out-of-band users are removed; groups are only reported", async () => {
    const carolId = seedUser("carol").userId;
    const groupId = seedGroup("engineering").groupId;
    sim.seedAssignment(assignment(sandbox.id, readOnly.arn, carolId));
    sim.seedAssignment(assignment(sandbox.id, readOnly.arn, groupId, "GROUP"));
    expect(await reconcile({ outOfBand: "remove" })).toMatchObject({ newFindings: 2, removalsQueued: 1 });
    const [carol] = await findingsFor(carolId);
    const [group] = await findingsFor(groupId);
    expect(carol).toMatchObject({ kind: "OUT_OF_BAND_ASSIGNMENT", actionTaken: "removal-requested" });
    expect(group).toMatchObject({ kind: "OUT_OF_BAND_ASSIGNMENT", principalType: "GROUP", actionTaken: null });
    expect((await unassignJobs()).some((j) => j.data.findingId === group!.id)).toBe(false);
    expect(await unassignDrift({ ctx: system(), input: { findingId: carol!.id }, deps })).toBe("removed");
    const principals = await listed(sandbox.id, readOnly.arn);
    expect(principals).not.toContain(carolId);
    expect(principals).toContain(groupId);
  });

  it("a grant changed moments ago, or a target that cannot be listed, is left alone (never read as missing)", async () => {
    const grantId = await activeGrant(users.alice!, { accountId: paymentsProd.id, permissionSetArn: powerUser.arn });
    sim.removeAssignment(assignment(paymentsProd.id, powerUser.arn, aliceId));
    const fresh = await reconcile();
    expect(fresh.unsettled).toBeGreaterThanOrEqual(1);
    expect(await db.prisma.grant.findUniqueOrThrow({ where: { id: grantId } })).toMatchObject({ status: "ACTIVE" });

    await ageGrants();
    const broken: IdentityCenterPort = {
      ...port,
      listAssignments: async (target) => {
        if (target.permissionSetArn === powerUser.arn) throw new Error("simulated outage");
        return port.listAssignments(target);
      },
    };
    expect(await reconcile({}, broken)).toMatchObject({ listFailures: 1, marked: 0, newFindings: 0 });
    expect(await db.prisma.grant.findUniqueOrThrow({ where: { id: grantId } })).toMatchObject({ status: "ACTIVE" });
    expect(
      await findingsFor(aliceId, {
        kind: "MISSING_ASSIGNMENT",
        accountId: paymentsProd.id,
        permissionSetArn: powerUser.arn,
      }),
    ).toHaveLength(0);
  });
});
