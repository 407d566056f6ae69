import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { IdentityCenterPort } from "../aws/identity-center-port";
import { isAppError } from "../domain/errors";
import type { JobQueue } from "../jobs/job-queue";
import { QUEUES } from "../jobs/queues";
import { DEMO_SEED, seedAccount, seedPermissionSet, seedUser } from "../simulator/seed";
import type { TestDatabase } from "../testing/test-database";
import { decideRequest } from "./approvals/decide-request";
import type { Actor, ServiceContext, UserActor } from "./context";
import { systemActor } from "./context";
import { activateGrant } from "./grants/activate-grant";
import { deactivateGrant } from "./grants/deactivate-grant";
import { createOperationStatusBatch } from "./grants/batched-status";
import { RetryLater, type GrantDeps } from "./grants/grant-support";
import { releaseGrant } from "./grants/release-grant";
import { revokeGrant } from "./grants/revoke-grant";
import { cancelRequest } from "./requests/cancel-request";
import { createRequest } from "./requests/create-request";
import { expirePendingRequest } from "./requests/expire-pending-request";
import { extendRequest } from "./requests/extend-request";
import { startServiceHarness, type ServiceHarness } from "../testing/service-harness";

let harness: ServiceHarness;
let db: TestDatabase;
let sim: ServiceHarness["sim"];
let queue: JobQueue;
let port: IdentityCenterPort;
let deps: GrantDeps;
const users: Record<string, UserActor> = {};

const paymentsProd = seedAccount("payments-prod")!;
const sandboxAlice = seedAccount("sandbox-alice")!;

const powerUser = seedPermissionSet("PowerUser")!;
const readOnly = seedPermissionSet("ReadOnly")!;
const admin = seedPermissionSet("AdministratorAccess")!;
const standing = DEMO_SEED.standingAssignments[0]!;
const standingSetName = DEMO_SEED.permissionSets.find((p) => p.arn === standing.permissionSetArn)!.name;

function policyYaml() {
  return `
version: 1
defaults: { pendingApprovalExpiryMinutes: 60 }
rules:
  - id: payments-power
    requesters: { groups: [team-payments] }
    accounts: { ids: ["${paymentsProd.id}"] }
    permissionSets: [PowerUser]
    maxDurationMinutes: 240
    ticket: { required: true, pattern: "^PAY-[0-9]+$" }
    approval: { auto: false, approvers: { groups: [approvers] }, required: 1 }
    extension: { allowed: true, requiresApproval: false }
  - id: payments-read
    requesters: { groups: [team-payments] }
    accounts: { ids: ["${paymentsProd.id}"] }
    permissionSets: [ReadOnly]
    maxDurationMinutes: 480
    approval: { auto: true }
  - id: admins-standing
    requesters: { groups: [portal-admins] }
    accounts: { ids: ["${standing.accountId}"] }
    permissionSets: [${standingSetName}]
    maxDurationMinutes: 60
    approval: { auto: true }
  - id: sandbox
    requesters: { groups: [engineering] }
    accounts: { ids: ["${sandboxAlice.id}"] }
    permissionSets: ["*"]
    maxDurationMinutes: 480
    approval: { auto: true }
`;
}

function ctxFor(actor: Actor): ServiceContext {
  return { actor, db: db.prisma, now: () => new Date() };
}
const system = () => ctxFor(systemActor("test-worker"));

async function queuedJobs(name: string) {
  return db.prisma.$queryRawUnsafe<{ data: { grantId?: string; requestId?: string }; start_after: Date }[]>(
    `SELECT data, start_after FROM pgboss.job WHERE name = $1`,
    name,
  );
}

async function simAssignments(accountId: string, permissionSetArn: string) {
  return (await port.listAssignments({ accountId, permissionSetArn })).map((a) => a.principalId);
}

async function auditActions(requestId: string) {
  return (await db.prisma.auditEvent.findMany({ where: { requestId }, orderBy: { seq: "asc" } })).map((e) => e.action);
}

async function approvedGrant(
  requester: UserActor,
  target: { accountId: string; permissionSetArn: string },
  extra: Record<string, unknown> = {},
) {
  const created = await createRequest({
    ctx: ctxFor(requester),
    queue,
    input: {
      targets: [target],
      durationMinutes: 60,
      startMode: "now",
      justification: "Investigating incident INC-42 in production",
      ...extra,
    },
  });
  if (created.status === "PENDING")
    await decideRequest({
      ctx: ctxFor(users.bob!),
      queue,
      input: { requestId: created.requestId, decision: "APPROVE", comment: "ok" },
    });
  const grant = await db.prisma.grant.findFirstOrThrow({ where: { requestId: created.requestId } });
  return { requestId: created.requestId, grantId: grant.id };
}

async function endNow(grantId: string) {
  await db.prisma.grant.update({ where: { id: grantId }, data: { endsAt: new Date(Date.now() - 1000) } });
}

beforeAll(async () => {
  harness = await startServiceHarness({ policyYaml: policyYaml(), systemJob: "test-worker" });
  ({ db, sim, queue, port, deps } = harness);
  Object.assign(users, harness.users);
}, 60_000);

afterAll(async () => {
  await harness?.stop();
});

beforeEach(async () => {
  await sim.setConfig({ asyncFailureRate: 0, throttleRate: 0, internalErrorRate: 0 });
});

describe("request and approval", () => {
  it("creates a pending request with its audit row and an expiry job, all in one transaction", async () => {
    const { requestId, status } = await createRequest({
      ctx: ctxFor(users.alice!),
      queue,
      input: {
        targets: [{ accountId: paymentsProd.id, permissionSetArn: powerUser.arn }],
        durationMinutes: 60,
        startMode: "now",
        justification: "Deploy hotfix for payments",
        ticket: "PAY-7",
      },
    });
    expect(status).toBe("PENDING");
    expect(await auditActions(requestId)).toEqual(["request.created"]);
    expect((await queuedJobs(QUEUES.expirePendingRequest)).some((j) => j.data.requestId === requestId)).toBe(true);
    expect(await db.prisma.grant.count({ where: { requestId } })).toBe(0);
  });

  it("rejects bad input with field errors and keeps nothing", async () => {
    const before = await db.prisma.accessRequest.count();
    const attempt = createRequest({
      ctx: ctxFor(users.alice!),
      queue,
      input: {
        targets: [{ accountId: paymentsProd.id, permissionSetArn: powerUser.arn }],
        durationMinutes: 241,
        startMode: "now",
        justification: "short",
        ticket: "PAY-1; drop table",
      },
    });
    await expect(attempt).rejects.toMatchObject({ code: "VALIDATION" });
    const error = await attempt.catch((e: unknown) => e);
    expect(isAppError(error) && error.fieldErrors?.justification).toBeTruthy();
    expect(await db.prisma.accessRequest.count()).toBe(before);
  });

  it("denies what policy does not allow (erin on payments), by default", async () => {
    await expect(
      createRequest({
        ctx: ctxFor(users.erin!),
        queue,
        input: {
          targets: [{ accountId: paymentsProd.id, permissionSetArn: readOnly.arn }],
          durationMinutes: 30,
          startMode: "now",
          justification: "Just looking around here",
        },
      }),
    ).rejects.toMatchObject({ code: "POLICY_DENIED" });
  });

  it("never lets a requester approve their own request, even with an approver role", async () => {
    const alice = users.alice!;
    const aliceAsApprover: UserActor = {
      ...alice,
      roles: ["REQUESTER", "APPROVER"],
      groups: [...alice.groups, "approvers"],
    };
    const { requestId } = await createRequest({
      ctx: ctxFor(alice),
      queue,
      input: {
        targets: [{ accountId: paymentsProd.id, permissionSetArn: powerUser.arn }],
        durationMinutes: 30,
        startMode: "now",
        justification: "Self approval attempt test",
        ticket: "PAY-9",
      },
    });
    await expect(
      decideRequest({ ctx: ctxFor(aliceAsApprover), queue, input: { requestId, decision: "APPROVE" } }),
    ).rejects.toMatchObject({ code: "SELF_APPROVAL" });
    expect((await db.prisma.accessRequest.findUniqueOrThrow({ where: { id: requestId } })).status).toBe("PENDING");
    expect(await db.prisma.approvalDecision.count({ where: { requestId } })).toBe(0);
    expect(await auditActions(requestId)).toContain("request.decision_refused");
  });

  it("a requester without an approver role cannot decide at all", async () => {
    const { requestId } = await createRequest({
      ctx: ctxFor(users.alice!),
      queue,
      input: {
        targets: [{ accountId: paymentsProd.id, permissionSetArn: powerUser.arn }],
        durationMinutes: 30,
        startMode: "now",
        justification: "Role check on decisions",
        ticket: "PAY-10",
      },
    });
    await expect(
      decideRequest({ ctx: ctxFor(users.erin!), queue, input: { requestId, decision: "APPROVE" } }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("a denial by an approver ends the request and needs a comment", async () => {
    const { requestId } = await createRequest({
      ctx: ctxFor(users.alice!),
      queue,
      input: {
        targets: [{ accountId: paymentsProd.id, permissionSetArn: powerUser.arn }],
        durationMinutes: 30,
        startMode: "now",
        justification: "Will be denied soon",
        ticket: "PAY-11",
      },
    });
    await expect(
      decideRequest({ ctx: ctxFor(users.bob!), queue, input: { requestId, decision: "DENY" } }),
    ).rejects.toMatchObject({ code: "VALIDATION" });
    await decideRequest({
      ctx: ctxFor(users.bob!),
      queue,
      input: { requestId, decision: "DENY", comment: "Use the runbook instead" },
    });
    expect((await db.prisma.accessRequest.findUniqueOrThrow({ where: { id: requestId } })).status).toBe("DENIED");
    await expect(
      decideRequest({ ctx: ctxFor(users.dave!), queue, input: { requestId, decision: "APPROVE" } }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("cancels a pending request", async () => {
    const { requestId } = await createRequest({
      ctx: ctxFor(users.alice!),
      queue,
      input: {
        targets: [{ accountId: paymentsProd.id, permissionSetArn: powerUser.arn }],
        durationMinutes: 30,
        startMode: "now",
        justification: "Changed my mind later",
        ticket: "PAY-12",
      },
    });
    await expect(cancelRequest({ ctx: ctxFor(users.erin!), queue, input: { requestId } })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await cancelRequest({ ctx: ctxFor(users.alice!), queue, input: { requestId } });
    expect((await db.prisma.accessRequest.findUniqueOrThrow({ where: { id: requestId } })).status).toBe("CANCELLED");
  });

  it("expires a pending request nobody decided on", async () => {
    const { requestId } = await createRequest({
      ctx: ctxFor(users.alice!),
      queue,
      input: {
        targets: [{ accountId: paymentsProd.id, permissionSetArn: powerUser.arn }],
        durationMinutes: 30,
        startMode: "now",
        justification: "Nobody will look at it",
        ticket: "PAY-13",
      },
    });
    expect(await expirePendingRequest({ ctx: system(), input: { requestId } })).toEqual({ expired: false });
    await db.prisma.accessRequest.update({
      where: { id: requestId },
      data: { approvalExpiresAt: new Date(Date.now() - 1000) },
    });
    expect(await expirePendingRequest({ ctx: system(), input: { requestId } })).toEqual({ expired: true });
    expect((await db.prisma.accessRequest.findUniqueOrThrow({ where: { id: requestId } })).status).toBe("EXPIRED");
  });
});

describe("grants against the simulator", () => {
  it("approval schedules the grant; the worker creates, verifies, then removes and verifies", async () => {
    const { requestId, grantId } = await approvedGrant(
      users.alice!,
      { accountId: paymentsProd.id, permissionSetArn: powerUser.arn },
      { ticket: "PAY-100" },
    );
    expect((await queuedJobs(QUEUES.activateGrant)).some((j) => j.data.grantId === grantId)).toBe(true);
    expect(await activateGrant({ ctx: system(), input: { grantId }, deps })).toBe("activated");
    const aliceId = seedUser("alice").userId;
    expect(await simAssignments(paymentsProd.id, powerUser.arn)).toContain(aliceId);
    const active = await db.prisma.grant.findUniqueOrThrow({ where: { id: grantId } });
    expect(active).toMatchObject({ status: "ACTIVE", principalId: aliceId });
    expect(active.createRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await db.prisma.accessRequest.findUniqueOrThrow({ where: { id: requestId } })).status).toBe("ACTIVE");
    expect((await queuedJobs(QUEUES.deactivateGrant)).some((j) => j.data.grantId === grantId)).toBe(true);

    expect(await deactivateGrant({ ctx: system(), input: { grantId }, deps })).toBe("not-due");
    await endNow(grantId);
    expect(await deactivateGrant({ ctx: system(), input: { grantId }, deps })).toBe("removed");
    expect(await simAssignments(paymentsProd.id, powerUser.arn)).not.toContain(aliceId);
    expect(await db.prisma.grant.findUniqueOrThrow({ where: { id: grantId } })).toMatchObject({
      status: "REMOVED",
      keptForOtherGrant: false,
    });
    expect((await db.prisma.accessRequest.findUniqueOrThrow({ where: { id: requestId } })).status).toBe("COMPLETED");
    expect(await auditActions(requestId)).toEqual(
      expect.arrayContaining([
        "request.created",
        "request.approval_given",
        "request.approved",
        "grant.provisioning",
        "grant.create_issued",
        "grant.activated",
        "request.active",
        "grant.removing",
        "grant.delete_issued",
        "grant.removed",
        "request.completed",
      ]),
    );
  });

  it("overlapping grants of the same tuple are reference-counted: the first to end keeps the assignment", async () => {
    const target = { accountId: sandboxAlice.id, permissionSetArn: readOnly.arn };
    const first = await approvedGrant(users.alice!, target);
    const second = await approvedGrant(users.alice!, target);
    await activateGrant({ ctx: system(), input: { grantId: first.grantId }, deps });
    await activateGrant({ ctx: system(), input: { grantId: second.grantId }, deps });
    const aliceId = seedUser("alice").userId;
    await endNow(first.grantId);
    expect(await deactivateGrant({ ctx: system(), input: { grantId: first.grantId }, deps })).toBe("kept");
    expect(await simAssignments(target.accountId, target.permissionSetArn)).toContain(aliceId);
    await endNow(second.grantId);
    expect(await deactivateGrant({ ctx: system(), input: { grantId: second.grantId }, deps })).toBe("removed");
    expect(await simAssignments(target.accountId, target.permissionSetArn)).not.toContain(aliceId);
  });

  it("two grants of one tuple ending at the same instant still remove the assignment exactly once", async () => {
    const target = { accountId: sandboxAlice.id, permissionSetArn: powerUser.arn };
    const a = await approvedGrant(users.alice!, target);
    const b = await approvedGrant(users.alice!, target);
    await activateGrant({ ctx: system(), input: { grantId: a.grantId }, deps });
    await activateGrant({ ctx: system(), input: { grantId: b.grantId }, deps });
    await endNow(a.grantId);
    await endNow(b.grantId);
    const results = await Promise.all([
      deactivateGrant({ ctx: system(), input: { grantId: a.grantId }, deps }),
      deactivateGrant({ ctx: system(), input: { grantId: b.grantId }, deps }),
    ]);
    expect(results.sort()).toEqual(["kept", "removed"]);
    expect(await simAssignments(target.accountId, target.permissionSetArn)).not.toContain(seedUser("alice").userId);
  });

  it("never removes a standing assignment that existed before the portal", async () => {
    expect(standing.principalId).toBe(seedUser("dave").userId);
    const { grantId } = await approvedGrant(users.dave!, {
      accountId: standing.accountId,
      permissionSetArn: standing.permissionSetArn,
    });
    await activateGrant({ ctx: system(), input: { grantId }, deps });
    await endNow(grantId);
    expect(await deactivateGrant({ ctx: system(), input: { grantId }, deps })).toBe("kept");
    expect(await simAssignments(standing.accountId, standing.permissionSetArn)).toContain(standing.principalId);
    const tuple = await db.prisma.assignmentTuple.findFirstOrThrow({
      where: { accountId: standing.accountId, permissionSetArn: standing.permissionSetArn },
    });
    expect(tuple).toMatchObject({ standing: true, standingSource: "preexisting" });
  });

  it("with batched status, a removal is waited for in ListAccountAssignmentDeletionStatus sweeps, no Describe per deletion", async () => {
    const billing = seedPermissionSet("BillingAdmin")!;
    const batched: GrantDeps = {
      ...deps,
      statusBatch: createOperationStatusBatch(port, { intervalMs: 50, poll: deps.poll }),
    };
    const { grantId } = await approvedGrant(users.alice!, {
      accountId: sandboxAlice.id,
      permissionSetArn: billing.arn,
    });
    expect(await activateGrant({ ctx: system(), input: { grantId }, deps: batched })).toBe("activated");
    await endNow(grantId);
    const calls = () => sim.getState().counters.calls;
    const describesBefore = calls().DescribeAccountAssignmentDeletionStatus ?? 0;
    const sweepsBefore = calls().ListAccountAssignmentDeletionStatus ?? 0;
    expect(await deactivateGrant({ ctx: system(), input: { grantId }, deps: batched })).toBe("removed");
    expect((calls().ListAccountAssignmentDeletionStatus ?? 0) - sweepsBefore).toBeGreaterThan(0);
    expect((calls().DescribeAccountAssignmentDeletionStatus ?? 0) - describesBefore).toBe(0);
    expect(await simAssignments(sandboxAlice.id, billing.arn)).not.toContain(seedUser("alice").userId);
  });

  it("a deletion the sweeps never saw running, still listed when checked, is asked for alone and then verified (not failed)", async () => {
    const billing = seedPermissionSet("BillingAdmin")!;
    const batched: GrantDeps = {
      ...deps,
      statusBatch: createOperationStatusBatch(port, { intervalMs: 20, poll: deps.poll }),
    };
    const { requestId, grantId } = await approvedGrant(users.alice!, {
      accountId: sandboxAlice.id,
      permissionSetArn: billing.arn,
    });
    expect(await activateGrant({ ctx: system(), input: { grantId }, deps })).toBe("activated");
    await endNow(grantId);
    // AWS lists the delete only after 400 ms and finishes it at 600 ms: the first sweep cannot see it at all.
    await sim.setConfig({ asyncDelayMs: 600, statusVisibilityDelayMs: 400 });
    try {
      expect(await deactivateGrant({ ctx: system(), input: { grantId }, deps: batched })).toBe("removed");
    } finally {
      await sim.setConfig({ asyncDelayMs: 20, statusVisibilityDelayMs: 0 });
    }
    expect(await db.prisma.grant.findUniqueOrThrow({ where: { id: grantId } })).toMatchObject({ status: "REMOVED" });
    expect(await auditActions(requestId)).not.toContain("grant.removal_failed");
    expect(await simAssignments(sandboxAlice.id, billing.arn)).not.toContain(seedUser("alice").userId);
  });

  it("an asynchronous FAILED from AWS fails the grant with the reason kept", async () => {
    await sim.setConfig({ asyncFailureRate: 1 });
    const { requestId, grantId } = await approvedGrant(users.alice!, {
      accountId: sandboxAlice.id,
      permissionSetArn: admin.arn,
    });
    expect(await activateGrant({ ctx: system(), input: { grantId }, deps })).toBe("failed");
    const grant = await db.prisma.grant.findUniqueOrThrow({ where: { id: grantId } });
    expect(grant.status).toBe("FAILED");
    expect(grant.failureReason?.length).toBeGreaterThan(5);
    expect((await db.prisma.accessRequest.findUniqueOrThrow({ where: { id: requestId } })).status).toBe("FAILED");
  });

  it("throttling hands the job back for a retry and the retry completes the grant", async () => {
    const { grantId } = await approvedGrant(users.alice!, {
      accountId: sandboxAlice.id,
      permissionSetArn: seedPermissionSet("BillingAdmin")!.arn,
    });
    await sim.setConfig({ throttleRate: 1 });
    await expect(activateGrant({ ctx: system(), input: { grantId }, deps })).rejects.toBeInstanceOf(RetryLater);
    expect(["SCHEDULED", "PROVISIONING"]).toContain(
      (await db.prisma.grant.findUniqueOrThrow({ where: { id: grantId } })).status,
    );
    await sim.setConfig({ throttleRate: 0 });
    expect(await activateGrant({ ctx: system(), input: { grantId }, deps })).toBe("activated");
  });

  it("extension moves the end; the old removal job finds nothing due", async () => {
    const { requestId, grantId } = await approvedGrant(
      users.alice!,
      { accountId: paymentsProd.id, permissionSetArn: powerUser.arn },
      { ticket: "PAY-200" },
    );
    await activateGrant({ ctx: system(), input: { grantId }, deps });
    const before = await db.prisma.grant.findUniqueOrThrow({ where: { id: grantId } });
    await extendRequest({
      ctx: ctxFor(users.alice!),
      queue,
      input: { requestId, extraMinutes: 30, justification: "Need a bit more time" },
    });
    const after = await db.prisma.grant.findUniqueOrThrow({ where: { id: grantId } });
    expect(after.endsAt.getTime() - before.endsAt.getTime()).toBe(30 * 60_000);
    await expect(
      extendRequest({
        ctx: ctxFor(users.alice!),
        queue,
        input: { requestId, extraMinutes: 600, justification: "Way too long now" },
      }),
    ).rejects.toMatchObject({ code: "VALIDATION" });
    expect(await deactivateGrant({ ctx: system(), input: { grantId }, deps })).toBe("not-due");
  });

  it("an admin revokes active access with a reason and the assignment is removed", async () => {
    // ReadOnly: a tuple no other test leaves active, so the removal is not kept for another grant.
    const { requestId, grantId } = await approvedGrant(users.alice!, {
      accountId: paymentsProd.id,
      permissionSetArn: readOnly.arn,
    });
    await activateGrant({ ctx: system(), input: { grantId }, deps });
    await expect(
      revokeGrant({ ctx: ctxFor(users.alice!), queue, input: { requestId, reason: "self revoke" } }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    // An auto-approved rule routes to no approver, so only an admin may take this access away.
    await expect(
      revokeGrant({ ctx: ctxFor(users.bob!), queue, input: { requestId, reason: "Incident closed" } }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    await revokeGrant({ ctx: ctxFor(users.dave!), queue, input: { requestId, reason: "Incident closed" } });
    expect(await deactivateGrant({ ctx: system(), input: { grantId }, deps })).toBe("removed");
    expect((await db.prisma.accessRequest.findUniqueOrThrow({ where: { id: requestId } })).status).toBe("REVOKED");
  });

  it("releasing early removes access now, and a second release is refused rather than queued again", async () => {
    const { requestId, grantId } = await approvedGrant(users.alice!, {
      accountId: sandboxAlice.id,
      permissionSetArn: readOnly.arn,
    });
    await activateGrant({ ctx: system(), input: { grantId }, deps });
    await expect(releaseGrant({ ctx: ctxFor(users.erin!), queue, input: { requestId } })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await releaseGrant({ ctx: ctxFor(users.alice!), queue, input: { requestId } });
    await expect(releaseGrant({ ctx: ctxFor(users.alice!), queue, input: { requestId } })).rejects.toMatchObject({
      code: "CONFLICT",
    });
    expect((await auditActions(requestId)).filter((a) => a === "request.released")).toHaveLength(1);
    expect(await deactivateGrant({ ctx: system(), input: { grantId }, deps })).toBe("removed");
    expect((await db.prisma.accessRequest.findUniqueOrThrow({ where: { id: requestId } })).status).toBe("COMPLETED");
  });
});
