import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createIdentityCenterPort, type IdentityCenterPort } from "../../aws/identity-center-port";
import { createPrismaClient, type PrismaClient } from "../../db";
import type { GrantStatus } from "../../generated/prisma/enums";
import type { JobQueue } from "../../jobs/job-queue";
import { DEMO_SEED, seedAccount, seedPermissionSet, seedUser } from "../../simulator/seed";
import { startTestSimulator } from "../../simulator/testing";
import type { SimulatorHandle } from "../../simulator/server";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database";
import { createGrantClaims, SessionLocks } from "../../worker/pg-session-locks";
import { systemActor, type ServiceContext } from "../context";
import { activateGrant } from "./activate-grant";
import { deactivateGrant } from "./deactivate-grant";
import { RetryLater, type GrantDeps } from "./grant-support";
import { sweepGrants } from "./sweep-grants";

// Two workers (own Prisma pool, own lock session) driving the same grants: AWS must see each create and delete once.

let db: TestDatabase;
let sim: SimulatorHandle;
let port: IdentityCenterPort;
let userId: string;
const prismas: PrismaClient[] = [];
const sessions: SessionLocks[] = [];
const queue: JobQueue = { send: async () => {} };

const alice = seedUser("alice");
const sandbox = seedAccount("sandbox-alice")!;
const standing = DEMO_SEED.standingAssignments[0]!;
const sets = DEMO_SEED.permissionSets.map((set) => seedPermissionSet(set.name)!);

interface Worker {
  ctx: ServiceContext;
  deps: GrantDeps;
  locks: SessionLocks;
}

function worker(overrides: Partial<GrantDeps> = {}): Worker {
  const prisma = createPrismaClient(db.url);
  const locks = new SessionLocks(db.url, { log: () => {} });
  prismas.push(prisma);
  sessions.push(locks);
  return {
    ctx: { actor: systemActor("test-worker"), db: prisma, now: () => new Date() },
    deps: {
      port,
      queue,
      poll: { initialDelayMs: 10, maxDelayMs: 50, timeoutMs: 10_000 },
      claims: createGrantClaims(locks),
      ...overrides,
    },
    locks,
  };
}

let nextTuple = 0;
/** A distinct tuple per test on the sandbox account, so tests do not share assignments. */
function freshTuple() {
  const index = nextTuple++;
  const set = sets[index % sets.length]!;
  const user = DEMO_SEED.users[Math.floor(index / sets.length) % DEMO_SEED.users.length]!;
  return { accountId: sandbox.id, permissionSetArn: set.arn, principalId: user.userId };
}

async function insertGrant(
  tuple: { accountId: string; permissionSetArn: string; principalId: string },
  fields: { status?: GrantStatus; endsInMs?: number; createRequestId?: string } = {},
) {
  const now = Date.now();
  const request = await db.prisma.accessRequest.create({
    data: {
      requesterId: userId,
      status: "ACTIVE",
      justification: "multi-worker test",
      durationMinutes: 60,
      startsAt: new Date(now - 1000),
      endsAt: new Date(now + (fields.endsInMs ?? 60_000)),
      requiredApprovals: 0,
    },
  });
  const target = await db.prisma.requestTarget.create({
    data: { requestId: request.id, accountId: tuple.accountId, permissionSetArn: tuple.permissionSetArn },
  });
  const status = fields.status ?? "SCHEDULED";
  return db.prisma.grant.create({
    data: {
      requestId: request.id,
      targetId: target.id,
      userId,
      accountId: tuple.accountId,
      permissionSetArn: tuple.permissionSetArn,
      principalId: tuple.principalId,
      status,
      startsAt: new Date(now - 1000),
      endsAt: new Date(now + (fields.endsInMs ?? 60_000)),
      createRequestId: fields.createRequestId ?? null,
    },
  });
}

async function isAssigned(tuple: { accountId: string; permissionSetArn: string; principalId: string }) {
  return (await port.listAssignments(tuple)).some((a) => a.principalId === tuple.principalId);
}

async function waitForOperations() {
  for (let i = 0; i < 100 && sim.getState().inFlight.length > 0; i++)
    await new Promise((resolve) => setTimeout(resolve, 10));
}

const calls = (operation: string) => sim.getState().counters.calls[operation] ?? 0;

async function auditTrail(grantId: string) {
  return (
    await db.prisma.auditEvent.findMany({ where: { entityType: "grant", entityId: grantId }, orderBy: { seq: "asc" } })
  ).map((e) => ({ action: e.action, before: e.before, after: e.after }));
}

beforeAll(async () => {
  db = await createTestDatabase();
  sim = await startTestSimulator();
  port = createIdentityCenterPort({
    region: "us-east-1",
    instanceArn: DEMO_SEED.instanceArn,
    identityStoreId: DEMO_SEED.identityStoreId,
    endpoint: sim.url,
  });
  userId = (await db.prisma.user.create({ data: { email: "alice@example.com", identityStoreUserId: alice.userId } }))
    .id;
}, 60_000);

afterAll(async () => {
  await Promise.all(sessions.map((s) => s.close()));
  await Promise.all(prismas.map((p) => p.$disconnect()));
  await sim?.close();
  await db?.drop();
});

beforeEach(() => {
  sim.setConfig({ failureRules: [], asyncFailureRate: 0 });
});

describe("several workers on one grant", () => {
  it("two workers activating the same grant at once create the assignment once", async () => {
    const tuple = freshTuple();
    const grant = await insertGrant(tuple);
    const [a, b] = [worker(), worker()];
    const before = calls("CreateAccountAssignment");
    const results = await Promise.all([
      activateGrant({ ctx: a.ctx, input: { grantId: grant.id }, deps: a.deps }),
      activateGrant({ ctx: b.ctx, input: { grantId: grant.id }, deps: b.deps }),
    ]);
    expect(results.sort()).toEqual(["activated", "skipped"]);
    expect(calls("CreateAccountAssignment") - before).toBe(1);
    expect(await db.prisma.grant.findUniqueOrThrow({ where: { id: grant.id } })).toMatchObject({ status: "ACTIVE" });
  });

  it("a worker that read PROVISIONING without a request id while another was creating does not create again", async () => {
    // The old window: A waits for a create slot; B picks up the same grant (sweep), sees no request id and would create too.
    const tuple = freshTuple();
    const grant = await insertGrant(tuple);
    let letGo!: () => void;
    const slotWait = new Promise<void>((resolve) => (letGo = resolve));
    const a = worker({ createSlots: { acquire: async () => (await slotWait, () => {}) } });
    const b = worker();
    const before = calls("CreateAccountAssignment");
    const first = activateGrant({ ctx: a.ctx, input: { grantId: grant.id }, deps: a.deps });
    for (
      let i = 0;
      i < 200 && (await db.prisma.grant.findUniqueOrThrow({ where: { id: grant.id } })).status !== "PROVISIONING";
      i++
    )
      await new Promise((r) => setTimeout(r, 10));
    expect(await activateGrant({ ctx: b.ctx, input: { grantId: grant.id }, deps: b.deps })).toBe("skipped");
    letGo();
    expect(await first).toBe("activated");
    expect(calls("CreateAccountAssignment") - before).toBe(1);
  });

  it("frees its create slot once AWS reports the create finished, before its own bookkeeping", async () => {
    const tuple = freshTuple();
    const grant = await insertGrant(tuple);
    const statusAtRelease: string[] = [];
    const a = worker({
      createSlots: {
        acquire: async () => async () => {
          statusAtRelease.push((await db.prisma.grant.findUniqueOrThrow({ where: { id: grant.id } })).status);
        },
      },
    });
    expect(await activateGrant({ ctx: a.ctx, input: { grantId: grant.id }, deps: a.deps })).toBe("activated");
    // Released exactly once, while the grant was still PROVISIONING: AWS no longer counted the create as outstanding.
    expect(statusAtRelease).toEqual(["PROVISIONING"]);
  });

  it("two workers removing the same grant at once delete the assignment once", async () => {
    const tuple = freshTuple();
    const grant = await insertGrant(tuple);
    const [a, b] = [worker(), worker()];
    await activateGrant({ ctx: a.ctx, input: { grantId: grant.id }, deps: a.deps });
    await db.prisma.grant.update({ where: { id: grant.id }, data: { endsAt: new Date(Date.now() - 1000) } });
    const before = calls("DeleteAccountAssignment");
    const results = await Promise.allSettled([
      deactivateGrant({ ctx: a.ctx, input: { grantId: grant.id }, deps: a.deps }),
      deactivateGrant({ ctx: b.ctx, input: { grantId: grant.id }, deps: b.deps }),
    ]);
    const outcomes = results.map((r) =>
      r.status === "fulfilled" ? r.value : r.reason instanceof RetryLater ? "retry" : "error",
    );
    // The second either found the claim taken (retry later) or came after the removal had finished (skipped).
    expect(outcomes).toContain("removed");
    expect(["retry", "skipped"]).toContain(outcomes.find((o) => o !== "removed"));
    expect(calls("DeleteAccountAssignment") - before).toBe(1);
    expect(await isAssigned(tuple)).toBe(false);
  });

  it("a worker whose claim was lost (its lock session dropped) does not call AWS", async () => {
    const tuple = freshTuple();
    const grant = await insertGrant(tuple);
    const a: Worker = worker({
      createSlots: {
        acquire: async () => {
          // What a database restart does to the worker's lock session while it waits for a slot.
          (
            a.locks as unknown as { client: { connection: { stream: { destroy(): void } } } }
          ).client.connection.stream.destroy();
          await new Promise((r) => setTimeout(r, 50));
          return () => {};
        },
      },
    });
    const before = calls("CreateAccountAssignment");
    await expect(activateGrant({ ctx: a.ctx, input: { grantId: grant.id }, deps: a.deps })).rejects.toBeInstanceOf(
      RetryLater,
    );
    expect(calls("CreateAccountAssignment") - before).toBe(0);
    // Resumable: the next worker finishes it.
    const b = worker();
    expect(await activateGrant({ ctx: b.ctx, input: { grantId: grant.id }, deps: b.deps })).toBe("activated");
  });
});

describe("resuming after a worker died midway", () => {
  it("a create that landed before the worker died is removed when the window has closed meanwhile", async () => {
    const tuple = freshTuple();
    // The dead worker's create reached AWS, but it never recorded the request id.
    await port.assign({ ...tuple, principalType: "USER" });
    await waitForOperations();
    const grant = await insertGrant(tuple, { status: "PROVISIONING", endsInMs: -1000 });
    const w = worker();
    expect(await activateGrant({ ctx: w.ctx, input: { grantId: grant.id }, deps: w.deps })).toBe("skipped");
    expect(await db.prisma.grant.findUniqueOrThrow({ where: { id: grant.id } })).toMatchObject({
      status: "REMOVED",
      keptForOtherGrant: false,
    });
    expect(await isAssigned(tuple)).toBe(false);
    expect((await auditTrail(grant.id)).map((e) => e.action)).toEqual([
      "grant.window_missed",
      "grant.delete_issued",
      "grant.removed",
    ]);
    expect((await auditTrail(grant.id))[0]).toMatchObject({
      before: { status: "PROVISIONING" },
      after: { status: "REMOVING" },
    });
  });

  it("an earlier attempt's create that landed is removed when the retry's own create fails", async () => {
    const tuple = freshTuple();
    await port.assign({ ...tuple, principalType: "USER" });
    await waitForOperations();
    const grant = await insertGrant(tuple, { status: "PROVISIONING" });
    sim.setConfig({
      failureRules: [
        {
          kind: "create",
          principalId: tuple.principalId,
          permissionSetArn: tuple.permissionSetArn,
          failureReason: "injected",
        },
      ],
    });
    const w = worker();
    expect(await activateGrant({ ctx: w.ctx, input: { grantId: grant.id }, deps: w.deps })).toBe("failed");
    expect(await db.prisma.grant.findUniqueOrThrow({ where: { id: grant.id } })).toMatchObject({
      status: "REMOVED",
      failureReason: "injected",
    });
    expect(await isAssigned(tuple)).toBe(false);
  });

  it("a first attempt whose only create failed simply fails: nothing can be left behind", async () => {
    const tuple = freshTuple();
    const grant = await insertGrant(tuple);
    sim.setConfig({
      failureRules: [
        {
          kind: "create",
          principalId: tuple.principalId,
          permissionSetArn: tuple.permissionSetArn,
          failureReason: "injected",
        },
      ],
    });
    const w = worker();
    const deletesBefore = calls("DeleteAccountAssignment");
    expect(await activateGrant({ ctx: w.ctx, input: { grantId: grant.id }, deps: w.deps })).toBe("failed");
    expect(await db.prisma.grant.findUniqueOrThrow({ where: { id: grant.id } })).toMatchObject({ status: "FAILED" });
    expect(calls("DeleteAccountAssignment") - deletesBefore).toBe(0);
    expect((await auditTrail(grant.id)).at(-1)).toMatchObject({
      action: "grant.failed",
      before: { status: "PROVISIONING" },
      after: { status: "FAILED" },
    });
  });

  it("a standing assignment is kept when a grant on it missed its window midway", async () => {
    const tuple = {
      accountId: standing.accountId,
      permissionSetArn: standing.permissionSetArn,
      principalId: standing.principalId,
    };
    await db.prisma.assignmentTuple.create({ data: { ...tuple, standing: true } });
    const grant = await insertGrant(tuple, {
      status: "PROVISIONING",
      endsInMs: -1000,
      createRequestId: "00000000-0000-4000-8000-000000000000",
    });
    const w = worker();
    const deletesBefore = calls("DeleteAccountAssignment");
    await activateGrant({ ctx: w.ctx, input: { grantId: grant.id }, deps: w.deps });
    expect(await db.prisma.grant.findUniqueOrThrow({ where: { id: grant.id } })).toMatchObject({
      status: "REMOVED",
      keptForOtherGrant: true,
    });
    expect(calls("DeleteAccountAssignment") - deletesBefore).toBe(0);
    expect(await isAssigned(tuple)).toBe(true);
  });

  it("two grants of one tuple that both missed their window midway do not wait on each other", async () => {
    const tuple = freshTuple();
    await port.assign({ ...tuple, principalType: "USER" });
    await waitForOperations();
    const g1 = await insertGrant(tuple, { status: "PROVISIONING", endsInMs: -1000 });
    const g2 = await insertGrant(tuple, { status: "PROVISIONING", endsInMs: -1000 });
    await db.prisma.assignmentTuple.create({ data: { ...tuple, standing: false } });
    const [a, b] = [worker(), worker()];
    for (let round = 0; round < 20; round++) {
      const statuses = await db.prisma.grant.findMany({
        where: { id: { in: [g1.id, g2.id] } },
        select: { status: true },
      });
      if (statuses.every((s) => s.status === "REMOVED")) break;
      await Promise.allSettled([
        activateGrant({ ctx: a.ctx, input: { grantId: g1.id }, deps: a.deps }),
        activateGrant({ ctx: b.ctx, input: { grantId: g2.id }, deps: b.deps }),
      ]);
      await Promise.allSettled([
        deactivateGrant({ ctx: a.ctx, input: { grantId: g1.id }, deps: a.deps }),
        deactivateGrant({ ctx: b.ctx, input: { grantId: g2.id }, deps: b.deps }),
      ]);
    }
    expect((await db.prisma.grant.findMany({ where: { id: { in: [g1.id, g2.id] } } })).map((g) => g.status)).toEqual([
      "REMOVED",
      "REMOVED",
    ]);
    expect(await isAssigned(tuple)).toBe(false);
  });

  it("a failed removal retried after another grant took the assignment over keeps it for that grant", async () => {
    const tuple = freshTuple();
    const w = worker();
    const first = await insertGrant(tuple);
    await activateGrant({ ctx: w.ctx, input: { grantId: first.id }, deps: w.deps });
    await db.prisma.grant.update({
      where: { id: first.id },
      data: { status: "REMOVAL_FAILED", endsAt: new Date(Date.now() - 1000) },
    });
    const second = await insertGrant(tuple);
    expect(await activateGrant({ ctx: w.ctx, input: { grantId: second.id }, deps: w.deps })).toBe("activated");
    const deletesBefore = calls("DeleteAccountAssignment");
    expect(await deactivateGrant({ ctx: w.ctx, input: { grantId: first.id }, deps: w.deps })).toBe("kept");
    expect(calls("DeleteAccountAssignment") - deletesBefore).toBe(0);
    expect(await isAssigned(tuple)).toBe(true);
    expect((await auditTrail(first.id)).at(-1)).toMatchObject({
      action: "grant.ended_assignment_kept",
      before: { status: "REMOVAL_FAILED" },
    });
  });
});

describe("sweep", () => {
  it("re-enqueues every grant a lost job or a dead worker left mid-way, and nothing that is done or not yet due", async () => {
    const sent: { name: string; grantId: string }[] = [];
    const recording: JobQueue = {
      send: async (_tx, name, data) => void sent.push({ name, grantId: String(data.grantId) }),
    };
    const grants: Record<string, string> = {};
    for (const status of [
      "SCHEDULED",
      "PROVISIONING",
      "ACTIVE",
      "REMOVING",
      "REMOVAL_FAILED",
      "REMOVED",
      "FAILED",
      "CANCELLED",
    ] as const) {
      grants[status] = (await insertGrant(freshTuple(), { status, endsInMs: 2_000 })).id;
    }
    const future = (await insertGrant(freshTuple(), { endsInMs: 60_000 })).id;
    await db.prisma.grant.update({ where: { id: future }, data: { startsAt: new Date(Date.now() + 30_000) } });
    // Ten seconds from now: every window above has ended and every row has been idle past the sweep's grace.
    const later = { actor: systemActor("grant-sweep"), db: db.prisma, now: () => new Date(Date.now() + 10_000) };
    await sweepGrants({ ctx: later, queue: recording });
    const mine = (id: string) => sent.filter((job) => job.grantId === id).map((job) => job.name);
    expect(mine(grants.SCHEDULED!)).toEqual(["grant-activate"]);
    expect(mine(grants.PROVISIONING!)).toEqual(["grant-activate"]);
    expect(mine(grants.ACTIVE!)).toEqual(["grant-deactivate"]);
    expect(mine(grants.REMOVING!)).toEqual(["grant-deactivate"]);
    expect(mine(grants.REMOVAL_FAILED!)).toEqual(["grant-deactivate"]);
    for (const done of [grants.REMOVED!, grants.FAILED!, grants.CANCELLED!, future]) expect(mine(done)).toEqual([]);
  });
});
