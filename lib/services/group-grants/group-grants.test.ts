import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createIdentityCenterPort, type IdentityCenterPort } from "../../aws/identity-center-port";
import { createPrismaClient, type PrismaClient } from "../../db";
import { groupMissingReason } from "../../domain/group-membership";
import type { GrantStatus } from "../../generated/prisma/enums";
import type { JobQueue } from "../../jobs/job-queue";
import { QUEUES } from "../../jobs/queues";
import { DEMO_SEED } from "../../simulator/seed";
import type { SimulatorHandle } from "../../simulator/server";
import { startTestSimulator } from "../../simulator/testing";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database";
import { createGrantClaims, SessionLocks } from "../../worker/pg-session-locks";
import { checkRemovalAlerts } from "../alerts/check-removal-alerts";
import { systemActor, type ServiceContext } from "../context";
import { RetryLater, type GrantDeps } from "../grants/grant-support";
import { sweepGrants } from "../grants/sweep-grants";
import { loadPolicy } from "../policy/load-policy";
import { reconcileGroupMemberships } from "../reconcile/reconcile-group-memberships";
import { activateGroupGrant } from "./activate-group-grant";
import { deactivateGroupGrant } from "./deactivate-group-grant";

// Temporary group membership against the simulator over its real wire protocol: created and verified at the start,
// removed and verified at the end, ref-counted per (group, user), standing members never removed.

let db: TestDatabase;
let sim: SimulatorHandle;
let port: IdentityCenterPort;
const prismas: PrismaClient[] = [];
const sessions: SessionLocks[] = [];
const sent: { name: string; data: Record<string, unknown>; options?: Record<string, unknown> }[] = [];
const queue: JobQueue = {
  send: async (_tx, name, data, options) => void sent.push({ name, data, options: options as Record<string, unknown> }),
};
const portalUserIds: Record<string, string> = {};

const group = (name: string) => DEMO_SEED.groups.find((g) => g.displayName === name)!;
const seedUserId = (email: string) => DEMO_SEED.users.find((u) => u.userName === email)!.userId;

interface Worker {
  ctx: ServiceContext;
  deps: GrantDeps;
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
  };
}

async function insertGroupGrant(
  email: string,
  groupName: string,
  fields: { endsInMs?: number; status?: GrantStatus } = {},
) {
  const now = Date.now();
  const endsAt = new Date(now + (fields.endsInMs ?? 60_000));
  const request = await db.prisma.accessRequest.create({
    data: {
      requesterId: portalUserIds[email]!,
      status: "ACTIVE",
      justification: "group grant test",
      durationMinutes: 60,
      startsAt: new Date(now - 1000),
      endsAt,
      requiredApprovals: 0,
    },
  });
  const target = await db.prisma.groupRequestTarget.create({ data: { requestId: request.id, groupName } });
  return db.prisma.groupGrant.create({
    data: {
      requestId: request.id,
      targetId: target.id,
      userId: portalUserIds[email]!,
      groupName,
      status: fields.status ?? "SCHEDULED",
      startsAt: new Date(now - 1000),
      endsAt,
    },
  });
}

async function endNow(grantId: string) {
  await db.prisma.groupGrant.update({ where: { id: grantId }, data: { endsAt: new Date(Date.now() - 1000) } });
}

const members = (groupName: string) =>
  sim
    .getState()
    .groupMemberships.filter((m) => m.groupId === group(groupName).groupId)
    .map((m) => ({ userId: m.userId, origin: m.origin }));
const isMember = (groupName: string, email: string) => members(groupName).some((m) => m.userId === seedUserId(email));
const calls = (operation: string) => sim.getState().counters.calls[operation] ?? 0;
const statusOf = async (grantId: string) =>
  (await db.prisma.groupGrant.findUniqueOrThrow({ where: { id: grantId } })).status;

async function control(method: "POST" | "DELETE", path: string, body: unknown) {
  const response = await fetch(`${sim.url}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(response.ok).toBe(true);
}
const addOutOfBand = (groupName: string, email: string) =>
  control("POST", "/__sim/group-memberships", { groupId: group(groupName).groupId, userId: seedUserId(email) });
const removeOutOfBand = (groupName: string, email: string) =>
  control("DELETE", "/__sim/group-memberships", { groupId: group(groupName).groupId, userId: seedUserId(email) });
const deleteGroup = (groupName: string) =>
  control("POST", "/__sim/groups/delete", { groupId: group(groupName).groupId });

async function actions(grantId: string) {
  return (
    await db.prisma.auditEvent.findMany({
      where: { entityType: "group_grant", entityId: grantId },
      orderBy: { seq: "asc" },
    })
  ).map((e) => e.action);
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
  for (const user of DEMO_SEED.users)
    portalUserIds[user.userName] = (await db.prisma.user.create({ data: { email: user.userName } })).id;
}, 60_000);

afterAll(async () => {
  await Promise.all(sessions.map((s) => s.close()));
  await Promise.all(prismas.map((p) => p.$disconnect()));
  await sim?.close();
  await db?.drop();
});

beforeEach(async () => {
  sim.reset();
  sent.length = 0;
  await db.prisma.groupGrant.deleteMany({});
  await db.prisma.groupMembershipPair.deleteMany({});
  await db.prisma.alert.deleteMany({});
});

describe("group grant activation and removal", () => {
  it("adds the member, verifies it, schedules the removal at the end, then removes and verifies", async () => {
    const w = worker();
    const grant = await insertGroupGrant("erin@example.com", "prod-db-admins");
    expect(await activateGroupGrant({ ctx: w.ctx, input: { grantId: grant.id }, deps: w.deps })).toBe("activated");
    const active = await db.prisma.groupGrant.findUniqueOrThrow({ where: { id: grant.id } });
    expect(active).toMatchObject({
      status: "ACTIVE",
      groupId: group("prod-db-admins").groupId,
      memberId: seedUserId("erin@example.com"),
    });
    expect(active.membershipId).toBeTruthy();
    expect(active.createVerifiedAt).toBeInstanceOf(Date);
    expect(members("prod-db-admins")).toEqual([{ userId: seedUserId("erin@example.com"), origin: "api" }]);
    expect(calls("CreateGroupMembership")).toBe(1);
    // Verified by both reads, not by the create's answer alone.
    expect(calls("GetGroupMembershipId")).toBeGreaterThanOrEqual(2);
    expect(calls("IsMemberInGroups")).toBeGreaterThanOrEqual(2);
    expect(sent).toEqual([
      {
        name: QUEUES.deactivateGroupGrant,
        data: { grantId: grant.id },
        options: { startAfter: grant.endsAt, singletonKey: `deactivate-group-${grant.id}-${grant.endsAt.getTime()}` },
      },
    ]);

    expect(await deactivateGroupGrant({ ctx: w.ctx, input: { grantId: grant.id }, deps: w.deps })).toBe("not-due");
    await endNow(grant.id);
    expect(await deactivateGroupGrant({ ctx: w.ctx, input: { grantId: grant.id }, deps: w.deps })).toBe("removed");
    expect(await db.prisma.groupGrant.findUniqueOrThrow({ where: { id: grant.id } })).toMatchObject({
      status: "REMOVED",
      keptForOtherGrant: false,
    });
    expect(isMember("prod-db-admins", "erin@example.com")).toBe(false);
    expect(calls("DeleteGroupMembership")).toBe(1);
    expect(await actions(grant.id)).toEqual([
      "group_grant.provisioning",
      "group_grant.activated",
      "group_grant.removing",
      "group_grant.removed",
    ]);
    const request = await db.prisma.accessRequest.findUniqueOrThrow({ where: { id: grant.requestId } });
    expect(request.status).toBe("COMPLETED");
  });

  it("two overlapping grants of the same group for the same user keep the membership until the last ends", async () => {
    const w = worker();
    const first = await insertGroupGrant("erin@example.com", "prod-db-admins", { endsInMs: 30_000 });
    const second = await insertGroupGrant("erin@example.com", "prod-db-admins", { endsInMs: 90_000 });
    expect(await activateGroupGrant({ ctx: w.ctx, input: { grantId: first.id }, deps: w.deps })).toBe("activated");
    // The second create meets the first's membership (ConflictException): already a member counts as created.
    expect(await activateGroupGrant({ ctx: w.ctx, input: { grantId: second.id }, deps: w.deps })).toBe("activated");
    expect(members("prod-db-admins")).toHaveLength(1);

    await endNow(first.id);
    expect(await deactivateGroupGrant({ ctx: w.ctx, input: { grantId: first.id }, deps: w.deps })).toBe("kept");
    expect(await db.prisma.groupGrant.findUniqueOrThrow({ where: { id: first.id } })).toMatchObject({
      status: "REMOVED",
      keptForOtherGrant: true,
    });
    expect(isMember("prod-db-admins", "erin@example.com")).toBe(true);
    expect(calls("DeleteGroupMembership")).toBe(0);
    expect(await actions(first.id)).toContain("group_grant.ended_membership_kept");

    await endNow(second.id);
    expect(await deactivateGroupGrant({ ctx: w.ctx, input: { grantId: second.id }, deps: w.deps })).toBe("removed");
    expect(isMember("prod-db-admins", "erin@example.com")).toBe(false);
  });

  it("a member before the portal touched the pair is standing and never removed", async () => {
    const w = worker();
    await addOutOfBand("prod-db-admins", "erin@example.com");
    const grant = await insertGroupGrant("erin@example.com", "prod-db-admins");
    expect(await activateGroupGrant({ ctx: w.ctx, input: { grantId: grant.id }, deps: w.deps })).toBe("activated");
    expect(calls("CreateGroupMembership")).toBe(0);
    expect(
      await db.prisma.groupMembershipPair.findUniqueOrThrow({
        where: {
          groupId_memberId: { groupId: group("prod-db-admins").groupId, memberId: seedUserId("erin@example.com") },
        },
      }),
    ).toMatchObject({ standing: true, standingSource: "preexisting" });

    await endNow(grant.id);
    expect(await deactivateGroupGrant({ ctx: w.ctx, input: { grantId: grant.id }, deps: w.deps })).toBe("kept");
    expect(members("prod-db-admins")).toEqual([{ userId: seedUserId("erin@example.com"), origin: "out-of-band" }]);
    expect(calls("DeleteGroupMembership")).toBe(0);

    // A later grant of the same pair still never removes it.
    const later = await insertGroupGrant("erin@example.com", "prod-db-admins");
    expect(await activateGroupGrant({ ctx: w.ctx, input: { grantId: later.id }, deps: w.deps })).toBe("activated");
    await endNow(later.id);
    expect(await deactivateGroupGrant({ ctx: w.ctx, input: { grantId: later.id }, deps: w.deps })).toBe("kept");
    expect(isMember("prod-db-admins", "erin@example.com")).toBe(true);
  });

  it("a group deleted before the start fails the grant with the clear reason and raises an alert", async () => {
    const w = worker();
    await deleteGroup("prod-db-admins");
    const grant = await insertGroupGrant("erin@example.com", "prod-db-admins");
    expect(await activateGroupGrant({ ctx: w.ctx, input: { grantId: grant.id }, deps: w.deps })).toBe("failed");
    expect(await db.prisma.groupGrant.findUniqueOrThrow({ where: { id: grant.id } })).toMatchObject({
      status: "FAILED",
      failureReason: groupMissingReason("prod-db-admins"),
    });
    expect(await actions(grant.id)).toEqual(["group_grant.failed"]);
    const alerts = await db.prisma.alert.findMany({});
    expect(alerts).toEqual([
      expect.objectContaining({
        kind: "group-missing",
        status: "OPEN",
        dedupeKey: `group-missing:${grant.id}`,
        subject: expect.stringContaining('The Identity Center group "prod-db-admins" no longer exists'),
      }),
    ]);
    expect(calls("CreateGroupMembership")).toBe(0);
    expect(sent).toEqual([]);
  });

  it("a group deleted while the grant is active ends it with the reason and an alert", async () => {
    const w = worker();
    const grant = await insertGroupGrant("erin@example.com", "prod-db-admins");
    expect(await activateGroupGrant({ ctx: w.ctx, input: { grantId: grant.id }, deps: w.deps })).toBe("activated");
    await deleteGroup("prod-db-admins");
    await endNow(grant.id);
    expect(await deactivateGroupGrant({ ctx: w.ctx, input: { grantId: grant.id }, deps: w.deps })).toBe("removed");
    expect(await db.prisma.groupGrant.findUniqueOrThrow({ where: { id: grant.id } })).toMatchObject({
      status: "REMOVED",
      failureReason: 'The Identity Center group "prod-db-admins" was deleted while the membership was active.',
    });
    expect(await db.prisma.alert.findMany({})).toEqual([
      expect.objectContaining({
        kind: "group-deleted-while-active",
        dedupeKey: `group-deleted-while-active:${grant.id}`,
      }),
    ]);
    expect(calls("DeleteGroupMembership")).toBe(0);
  });

  it("a removal that does not verify is REMOVAL_FAILED, alerted as a group membership, and retried until verified", async () => {
    const w = worker();
    const grant = await insertGroupGrant("erin@example.com", "prod-db-admins");
    expect(await activateGroupGrant({ ctx: w.ctx, input: { grantId: grant.id }, deps: w.deps })).toBe("activated");
    await endNow(grant.id);
    // A delete that answers success but leaves the member in place: only the verification can tell.
    const lying = worker({ port: { ...port, removeGroupMember: async () => "REMOVED" as const } });
    await expect(
      deactivateGroupGrant({ ctx: lying.ctx, input: { grantId: grant.id }, deps: lying.deps }),
    ).rejects.toBeInstanceOf(RetryLater);
    expect(await statusOf(grant.id)).toBe("REMOVAL_FAILED");
    expect(isMember("prod-db-admins", "erin@example.com")).toBe(true);

    const alertCtx = { ...w.ctx, actor: systemActor("alerts") };
    await checkRemovalAlerts({ ctx: alertCtx, settings: { alertAfterSeconds: 0 } });
    const [alert] = await db.prisma.alert.findMany({ where: { status: "OPEN" } });
    expect(alert).toMatchObject({
      kind: "group-removal-unverified",
      dedupeKey: `group-removal-unverified:${grant.id}`,
    });
    expect(alert!.subject).toContain("prod-db-admins (Identity Center group)");
    expect(alert!.subject).toContain("erin@example.com");

    expect(await deactivateGroupGrant({ ctx: w.ctx, input: { grantId: grant.id }, deps: w.deps })).toBe("removed");
    expect(isMember("prod-db-admins", "erin@example.com")).toBe(false);
    expect(await actions(grant.id)).toEqual([
      "group_grant.provisioning",
      "group_grant.activated",
      "group_grant.removing",
      "group_grant.removal_failed",
      "group_grant.removal_retried",
      "group_grant.removed",
    ]);
    await checkRemovalAlerts({ ctx: alertCtx, settings: { alertAfterSeconds: 0 } });
    expect(await db.prisma.alert.count({ where: { status: "OPEN" } })).toBe(0);
  });

  it("two workers activating the same group grant at once create the membership once", async () => {
    const grant = await insertGroupGrant("erin@example.com", "prod-db-admins");
    const [a, b] = [worker(), worker()];
    const results = await Promise.all([
      activateGroupGrant({ ctx: a.ctx, input: { grantId: grant.id }, deps: a.deps }),
      activateGroupGrant({ ctx: b.ctx, input: { grantId: grant.id }, deps: b.deps }),
    ]);
    expect(results.sort()).toEqual(["activated", "skipped"]);
    expect(calls("CreateGroupMembership")).toBe(1);
    expect(await statusOf(grant.id)).toBe("ACTIVE");
    expect(await actions(grant.id)).toEqual(["group_grant.provisioning", "group_grant.activated"]);
  });

  it("a worker that finds the grant PROVISIONING while another is creating the membership does not create again", async () => {
    const grant = await insertGroupGrant("erin@example.com", "prod-db-admins");
    let letGo!: () => void;
    const gate = new Promise<void>((resolve) => (letGo = resolve));
    let creating!: () => void;
    const reachedCreate = new Promise<void>((resolve) => (creating = resolve));
    const slow = worker({
      port: {
        ...port,
        addGroupMember: async (groupId, userId) => {
          creating();
          await gate;
          return port.addGroupMember(groupId, userId);
        },
      },
    });
    const other = worker();
    const first = activateGroupGrant({ ctx: slow.ctx, input: { grantId: grant.id }, deps: slow.deps });
    await reachedCreate;
    expect(await statusOf(grant.id)).toBe("PROVISIONING");
    // The sweep's job lands on another worker: the claim keeps it from a second create (and a second membership).
    expect(await activateGroupGrant({ ctx: other.ctx, input: { grantId: grant.id }, deps: other.deps })).toBe(
      "skipped",
    );
    letGo();
    expect(await first).toBe("activated");
    expect(calls("CreateGroupMembership")).toBe(1);
  });

  it("a start waits while a removal of the same membership is in flight", async () => {
    const w = worker();
    const ending = await insertGroupGrant("erin@example.com", "prod-db-admins");
    await activateGroupGrant({ ctx: w.ctx, input: { grantId: ending.id }, deps: w.deps });
    await db.prisma.groupGrant.updateMany({ where: { id: ending.id }, data: { status: "REMOVING" } });
    const starting = await insertGroupGrant("erin@example.com", "prod-db-admins");
    await expect(
      activateGroupGrant({ ctx: w.ctx, input: { grantId: starting.id }, deps: w.deps }),
    ).rejects.toBeInstanceOf(RetryLater);
    expect(await statusOf(starting.id)).toBe("SCHEDULED");
  });

  it("the sweep re-enqueues group grants a lost job left behind", async () => {
    const started = await insertGroupGrant("erin@example.com", "prod-db-admins", { endsInMs: 2_000 });
    const ended = await insertGroupGrant("alice@example.com", "prod-db-admins", { endsInMs: 2_000, status: "ACTIVE" });
    const done = await insertGroupGrant("frank@example.com", "prod-db-admins", { endsInMs: 2_000, status: "REMOVED" });
    const later = { actor: systemActor("grant-sweep"), db: db.prisma, now: () => new Date(Date.now() + 10_000) };
    await sweepGrants({ ctx: later, queue });
    const mine = (id: string) => sent.filter((job) => job.data.grantId === id).map((job) => job.name);
    expect(mine(started.id)).toEqual([QUEUES.activateGroupGrant]);
    expect(mine(ended.id)).toEqual([QUEUES.deactivateGroupGrant]);
    expect(mine(done.id)).toEqual([]);
  });
});

describe("group reconciler", () => {
  beforeAll(async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "group-reconcile-")), "policy.yaml");
    fs.writeFileSync(
      file,
      [
        "version: 1",
        "groupRules:",
        "  - id: data-prod-db-admins",
        "    requesters: { groups: [team-data] }",
        "    identityCenterGroups: [prod-db-admins]",
        "    maxDurationMinutes: 120",
        "    approval: { auto: false, approvers: { groups: [approvers] }, required: 1 }",
        "",
      ].join("\n"),
    );
    await loadPolicy({ ctx: { actor: systemActor("policy"), db: db.prisma, now: () => new Date() }, input: { file } });
  });

  const reconcile = () =>
    reconcileGroupMemberships({
      ctx: { actor: systemActor("group-reconcile"), db: db.prisma, now: () => new Date() },
      deps: { port, graceMs: 0 },
    });
  const auditActions = async (action: string) =>
    db.prisma.auditEvent.findMany({ where: { action }, orderBy: { seq: "asc" } });

  it("reports an out-of-band member and a membership removed outside the portal, once each, and resolves them when gone", async () => {
    const w = worker();
    const erin = await insertGroupGrant("erin@example.com", "prod-db-admins");
    expect(await activateGroupGrant({ ctx: w.ctx, input: { grantId: erin.id }, deps: w.deps })).toBe("activated");
    // Frank was a member before the portal touched the pair: standing, never flagged, even with no grant left.
    await addOutOfBand("prod-db-admins", "frank@example.com");
    const frank = await insertGroupGrant("frank@example.com", "prod-db-admins");
    expect(await activateGroupGrant({ ctx: w.ctx, input: { grantId: frank.id }, deps: w.deps })).toBe("activated");
    await endNow(frank.id);
    expect(await deactivateGroupGrant({ ctx: w.ctx, input: { grantId: frank.id }, deps: w.deps })).toBe("kept");
    await addOutOfBand("prod-db-admins", "alice@example.com");
    await removeOutOfBand("prod-db-admins", "erin@example.com");
    const outOfBandBefore = (await auditActions("group_membership.out_of_band")).length;
    const lostBefore = (await auditActions("group_grant.membership_lost")).length;

    const identityStoreCalls = () => calls("GetGroupId") + calls("ListGroupMemberships") + calls("DescribeUser");
    const before = identityStoreCalls();
    const first = await reconcile();
    // GetGroupId and ListGroupMemberships for the one managed group, DescribeUser for the member the portal never met.
    expect(first).toMatchObject({ groups: 1, calls: 3, listFailures: 0, findings: 2, raised: 2 });
    expect(identityStoreCalls() - before).toBe(first.calls);
    const open = await db.prisma.alert.findMany({ where: { status: "OPEN" }, orderBy: { kind: "asc" } });
    expect(open.map((a) => [a.kind, a.dedupeKey])).toEqual([
      ["group-member-out-of-band", `group-member-out-of-band:prod-db-admins:${seedUserId("alice@example.com")}`],
      ["group-membership-lost", `group-membership-lost:${erin.id}`],
    ]);
    expect(open[0]!.subject).toContain("alice@example.com");
    expect(open[1]!.subject).toContain("erin@example.com");
    const lost = await auditActions("group_grant.membership_lost");
    expect(lost).toHaveLength(lostBefore + 1);
    expect(lost.at(-1)).toMatchObject({ entityType: "group_grant", entityId: erin.id, requestId: erin.requestId });
    expect(await auditActions("group_membership.out_of_band")).toHaveLength(outOfBandBefore + 1);
    // The portal reports; it does not fight the sync: the grant stays ACTIVE and nobody is removed.
    expect(await statusOf(erin.id)).toBe("ACTIVE");
    expect(isMember("prod-db-admins", "alice@example.com")).toBe(true);

    // Seen again: no second alert and no second audit row.
    expect(await reconcile()).toMatchObject({ findings: 2, raised: 0, resolved: 0 });
    expect(await auditActions("group_grant.membership_lost")).toHaveLength(lostBefore + 1);

    await removeOutOfBand("prod-db-admins", "alice@example.com");
    await addOutOfBand("prod-db-admins", "erin@example.com");
    expect(await reconcile()).toMatchObject({ findings: 0, resolved: 2 });
    expect(await db.prisma.alert.count({ where: { status: "OPEN" } })).toBe(0);
  });

  it("reports a deleted portal-managed group", async () => {
    await deleteGroup("prod-db-admins");
    expect(await reconcile()).toMatchObject({ groups: 1, calls: 1, findings: 1, raised: 1 });
    expect(await db.prisma.alert.findMany({ where: { status: "OPEN" } })).toEqual([
      expect.objectContaining({ kind: "group-deleted", dedupeKey: "group-deleted:prod-db-admins" }),
    ]);
  });
});
