import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createIdentityCenterPort, type IdentityCenterPort } from "../../aws/identity-center-port";
import { AwsPortError } from "../../aws/errors";
import { Prisma } from "../../generated/prisma/client";
import { PolicyDocument } from "../../domain/policy-schema";
import { DEMO_SEED, seedGroup, seedPermissionSetByName, seedUser } from "../../simulator/seed";
import { startSimulator } from "../../simulator/server";
import { expectCode } from "../../testing/expect-app-error";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database";
import { systemActor, type Actor, type ServiceContext } from "../context";
import { inventoryOverview } from "../queries/inventory-overview";
import { runInventorySync } from "./run-inventory-sync";
import { chunksOf, snapshotAssignments } from "./snapshot-assignments";
import { syncInventory } from "./sync-inventory";

const account = (name: string) => DEMO_SEED.accounts.find((a) => a.name === name)!;
const securityTooling = account("security-tooling");
const paymentsProd = account("payments-prod");
const dataProd = account("data-prod");
const admin = seedPermissionSetByName("AdministratorAccess");
const powerUser = seedPermissionSetByName("PowerUser");
const readOnly = seedPermissionSetByName("ReadOnly");
const engineering = seedGroup("engineering");
const engineeringMembers = DEMO_SEED.memberships.filter((m) => m.groupId === engineering.groupId).length;
const [alice, erin, frank, dave] = (["alice", "erin", "frank", "dave"] as const).map((key) => seedUser(key));

// Only PowerUser on payments-prod is in the policy's scope.
const POLICY = PolicyDocument.parse({
  version: 1,
  rules: [
    {
      id: "payments-power",
      requesters: { groups: ["team-payments"] },
      accounts: { ids: [paymentsProd.id] },
      permissionSets: ["PowerUser"],
      maxDurationMinutes: 240,
      approval: { auto: false, approvers: { groups: ["approvers"] }, required: 1 },
    },
  ],
});

let db: TestDatabase;
let sim: Awaited<ReturnType<typeof startSimulator>>;
let port: IdentityCenterPort & { close(): void };
let adminUser: Actor;
let clock = new Date("2026-12-01T10:00:00Z");
const system = (): ServiceContext => ({ actor: systemActor("inventory-sync"), db: db.prisma, now: () => clock });
const tick = () => (clock = new Date(clock.getTime() + 60_000));

beforeAll(async () => {
  db = await createTestDatabase();
  sim = await startSimulator({ port: 0, config: { asyncDelayMs: 0, rateLimitPerSecond: 0 } });
  // One item per page: every listing the snapshot makes has to follow NextToken to be complete.
  port = createIdentityCenterPort(
    {
      region: "us-east-1",
      instanceArn: DEMO_SEED.instanceArn,
      identityStoreId: DEMO_SEED.identityStoreId,
      endpoint: sim.url,
    },
    { pageSize: 1 },
  );
  await syncInventory({ ctx: system(), port });
  await db.prisma.policy.create({
    data: {
      sourcePath: "t.yaml",
      contentHash: "h",
      document: POLICY as unknown as Prisma.InputJsonValue,
      active: true,
    },
  });
  const user = await db.prisma.user.create({
    data: { email: "dave@example.com", name: "Dave", roles: ["ADMIN"], idpGroups: ["portal-admins"] },
  });
  adminUser = {
    type: "user",
    userId: user.id,
    email: "dave@example.com",
    name: "Dave",
    roles: ["ADMIN"],
    groups: ["portal-admins"],
    identityStoreUserId: null,
    ip: null,
    userAgent: null,
  };
  for (const principal of [alice, erin, frank])
    sim.seedAssignment({
      accountId: paymentsProd.id,
      permissionSetArn: powerUser.arn,
      principalType: "USER",
      principalId: principal!.userId,
    });
  sim.seedAssignment({
    accountId: dataProd.id,
    permissionSetArn: readOnly.arn,
    principalType: "GROUP",
    principalId: engineering.groupId,
  });
}, 120_000);

afterAll(async () => {
  port?.close();
  await sim?.close();
  await db?.drop();
});

beforeEach(() => {
  tick();
});

const rowsOf = (accountId: string, permissionSetArn: string) =>
  db.prisma.inventoryAssignment.findMany({ where: { accountId, permissionSetArn }, orderBy: { principalId: "asc" } });

describe("snapshotAssignments", () => {
  it("only the worker runs it", async () => {
    await expectCode(snapshotAssignments({ ctx: { ...system(), actor: adminUser }, port }), "FORBIDDEN");
  });

  it("stores every assignment across pages, with group names and member counts and strangers by Identity Store name", async () => {
    const summary = await snapshotAssignments({ ctx: system(), port });
    expect(summary).toMatchObject({ permissionSets: DEMO_SEED.permissionSets.length, stalePairs: 0 });
    expect(summary.calls).toBeGreaterThan(summary.pairs);
    expect(summary.durationMs).toBeGreaterThanOrEqual(0);

    const payments = await rowsOf(paymentsProd.id, powerUser.arn);
    expect(payments.map((r) => r.principalId).sort()).toEqual([alice, erin, frank].map((u) => u!.userId).sort());
    expect(payments.every((r) => r.syncedAt.getTime() === clock.getTime())).toBe(true);

    const [group] = await rowsOf(dataProd.id, readOnly.arn);
    expect(group).toMatchObject({ principalType: "GROUP", principalName: "engineering" });
    expect(engineeringMembers).toBeGreaterThan(1);
    expect(group!.memberCount).toBe(engineeringMembers);

    const [standing] = await rowsOf(securityTooling.id, admin.arn);
    expect(standing).toMatchObject({
      principalType: "USER",
      principalId: dave!.userId,
      principalName: dave!.displayName,
    });
    expect(
      await db.prisma.inventoryProvisioning.findUnique({
        where: { permissionSetArn_accountId: { permissionSetArn: admin.arn, accountId: securityTooling.id } },
      }),
    ).toMatchObject({ current: true, assignmentsSyncedAt: clock });
  });

  it("writes no audit event: a read of AWS is not an action", async () => {
    const before = await db.prisma.auditEvent.count();
    await snapshotAssignments({ ctx: system(), port });
    expect(await db.prisma.auditEvent.count()).toBe(before);
  });

  it("an inline-policy edit not yet provisioned shows as LATEST_PERMISSION_SET_NOT_PROVISIONED for the pair", async () => {
    await port.putInlinePolicy(
      admin.arn,
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Deny", Action: "s3:DeleteBucket", Resource: "*" }],
      }),
    );
    await snapshotAssignments({ ctx: system(), port });
    const key = { permissionSetArn: admin.arn, accountId: securityTooling.id };
    expect(
      await db.prisma.inventoryProvisioning.findUnique({ where: { permissionSetArn_accountId: key } }),
    ).toMatchObject({
      current: false,
    });
    const overview = await inventoryOverview({ ctx: { ...system(), actor: adminUser }, input: { filters: {} } });
    // Every account where the set is provisioned carries the old version until provisioned again.
    const adminAccounts = new Set(
      DEMO_SEED.standingAssignments.filter((a) => a.permissionSetArn === admin.arn).map((a) => a.accountId),
    );
    expect(overview.permissionSets.find((s) => s.arn === admin.arn)).toMatchObject({
      outdatedAccounts: adminAccounts.size,
    });

    const operation = await port.provisionPermissionSet(admin.arn, securityTooling.id);
    for (let i = 0; i < 50 && (await port.provisioningStatus(operation.requestId)).status === "IN_PROGRESS"; i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    tick();
    await snapshotAssignments({ ctx: system(), port });
    expect(
      await db.prisma.inventoryProvisioning.findUnique({ where: { permissionSetArn_accountId: key } }),
    ).toMatchObject({
      current: true,
    });
  });

  it("the inventory shows dave's standing AdministratorAccess as outside the policy's scope, by name, and the group with its member count", async () => {
    await snapshotAssignments({ ctx: system(), port });
    const overview = await inventoryOverview({ ctx: { ...system(), actor: adminUser }, input: { filters: {} } });
    const cell = (accountId: string, arn: string) =>
      overview.cells.find((c) => c.account.id === accountId && c.permissionSet.arn === arn);
    expect(overview.assignmentsSyncedAt).toEqual(clock);
    expect(cell(securityTooling.id, admin.arn)).toMatchObject({
      unexplained: [
        { principalId: dave!.userId, principalType: "USER", label: dave!.displayName, kind: "outside-scope" },
      ],
      provisioning: { current: true, stale: false },
    });
    expect(cell(dataProd.id, readOnly.arn)?.unexplained).toEqual([
      expect.objectContaining({
        principalType: "GROUP",
        label: "group engineering",
        memberCount: engineeringMembers,
        kind: "outside-scope",
      }),
    ]);
    // In scope but never judged by the reconciler yet.
    expect(cell(paymentsProd.id, powerUser.arn)?.unexplained.map((h) => h.kind)).toEqual([
      "unrecorded",
      "unrecorded",
      "unrecorded",
    ]);
  });

  it("a pair whose listing fails keeps its previous rows and says as of when; the other pairs are replaced", async () => {
    await snapshotAssignments({ ctx: system(), port });
    const listedAt = clock;
    tick();
    sim.removeAssignment({
      accountId: paymentsProd.id,
      permissionSetArn: powerUser.arn,
      principalType: "USER",
      principalId: frank!.userId,
    });
    const failing: IdentityCenterPort = {
      ...port,
      listAssignments: async (target) => {
        if (target.accountId === paymentsProd.id)
          throw new AwsPortError({ code: "UNAVAILABLE", operation: "ListAccountAssignments" });
        return port.listAssignments(target);
      },
    };
    const summary = await snapshotAssignments({ ctx: system(), port: failing });
    expect(summary.stalePairs).toBe(1);
    const kept = await rowsOf(paymentsProd.id, powerUser.arn);
    expect(kept).toHaveLength(3);
    expect(kept.every((r) => r.syncedAt.getTime() === listedAt.getTime())).toBe(true);
    expect((await rowsOf(securityTooling.id, admin.arn))[0]!.syncedAt).toEqual(clock);

    const overview = await inventoryOverview({ ctx: { ...system(), actor: adminUser }, input: { filters: {} } });
    const payments = overview.cells.find(
      (c) => c.account.id === paymentsProd.id && c.permissionSet.arn === powerUser.arn,
    );
    expect(payments?.provisioning).toMatchObject({ stale: true, assignmentsSyncedAt: listedAt });

    tick();
    await snapshotAssignments({ ctx: system(), port });
    expect(await rowsOf(paymentsProd.id, powerUser.arn)).toHaveLength(2);
  });

  it("a permission set whose accounts cannot be listed keeps all its rows", async () => {
    await snapshotAssignments({ ctx: system(), port });
    const before = await db.prisma.inventoryAssignment.findMany({ where: { permissionSetArn: admin.arn } });
    tick();
    const failing: IdentityCenterPort = {
      ...port,
      listAccountsForProvisionedPermissionSet: async (arn, status) => {
        if (arn === admin.arn)
          throw new AwsPortError({ code: "UNAVAILABLE", operation: "ListAccountsForProvisionedPermissionSet" });
        return port.listAccountsForProvisionedPermissionSet(arn, status);
      },
    };
    const summary = await snapshotAssignments({ ctx: system(), port: failing });
    expect(summary.failedPermissionSets).toBe(1);
    expect(await db.prisma.inventoryAssignment.findMany({ where: { permissionSetArn: admin.arn } })).toEqual(before);
    expect(await db.prisma.inventoryProvisioning.count({ where: { permissionSetArn: admin.arn } })).toBeGreaterThan(0);
  });

  it("stays within its call budget and lists the pairs it skipped first at the next sync", async () => {
    await snapshotAssignments({ ctx: system(), port });
    const pairs = await db.prisma.inventoryProvisioning.count();
    expect(pairs).toBeGreaterThan(2);
    tick();
    // Two listings per set, then room for exactly one pair.
    const budget = DEMO_SEED.permissionSets.length * 2 + 1;
    const first = await snapshotAssignments({ ctx: system(), port, callBudget: budget });
    expect(first.stalePairs).toBe(pairs - 1);
    expect(first.calls).toBeLessThanOrEqual(budget + 4);
    const listedFirst = await db.prisma.inventoryProvisioning.findFirstOrThrow({
      where: { assignmentsSyncedAt: clock },
    });
    tick();
    await snapshotAssignments({ ctx: system(), port, callBudget: budget });
    const listedSecond = await db.prisma.inventoryProvisioning.findFirstOrThrow({
      where: { assignmentsSyncedAt: clock },
    });
    expect(`${listedSecond.permissionSetArn}|${listedSecond.accountId}`).not.toBe(
      `${listedFirst.permissionSetArn}|${listedFirst.accountId}`,
    );
  });

  it("paces identitystore calls with the same limiter as sso-admin", async () => {
    let acquired = 0;
    const paced = createIdentityCenterPort(
      {
        region: "us-east-1",
        instanceArn: DEMO_SEED.instanceArn,
        identityStoreId: DEMO_SEED.identityStoreId,
        endpoint: sim.url,
      },
      { limiter: { acquire: async () => void (acquired += 1) }, pageSize: 1 },
    );
    try {
      await paced.describeGroup(engineering.groupId);
      expect(acquired).toBe(1);
      expect(await paced.countGroupMembers(engineering.groupId)).toBe(engineeringMembers);
      // One request per page, plus the final page.
      expect(acquired).toBeGreaterThanOrEqual(1 + engineeringMembers);
    } finally {
      paced.close();
    }
  });

  it("by principal stores the same rows as per account x set, whole, without DescribeUser", async () => {
    const comparable = async () =>
      (
        await db.prisma.inventoryAssignment.findMany({
          orderBy: [{ accountId: "asc" }, { permissionSetArn: "asc" }, { principalId: "asc" }],
        })
      ).map((row) => ({ ...row, syncedAt: null }));
    const perPair = await snapshotAssignments({ ctx: system(), port, callBudget: Number.POSITIVE_INFINITY });
    const before = await comparable();
    tick();
    const byPrincipal = await snapshotAssignments({ ctx: system(), port, byPrincipal: true });
    expect(await comparable()).toEqual(before);
    expect(byPrincipal).toMatchObject({ stalePairs: 0, assignments: perPair.assignments });
    expect(before.some((row) => row.principalType === "GROUP" && row.memberCount === engineeringMembers)).toBe(true);
  });
});

describe("chunksOf", () => {
  it("maps every item once, in order, in slices of at most the size, and nothing for no items", () => {
    const items = Array.from({ length: 2_501 }, (_, index) => index);
    const slices = [...chunksOf(items, 1_000, (n) => n * 2)];
    expect(slices.map((slice) => slice.length)).toEqual([1_000, 1_000, 501]);
    expect(slices.flat()).toEqual(items.map((n) => n * 2));
    expect([...chunksOf([], 1_000, (n) => n)]).toEqual([]);
  });
});

describe("runInventorySync", () => {
  it("records the last completed sync's duration and end for the admin inventory page", async () => {
    const viewAsAdmin = () =>
      inventoryOverview({ ctx: { actor: adminUser, db: db.prisma, now: () => clock }, input: { filters: {} } });
    await db.prisma.inventorySyncRun.deleteMany();
    expect((await viewAsAdmin()).lastSync).toBeNull();

    const summary = await runInventorySync({ ctx: system(), port });
    const first = await viewAsAdmin();
    expect(first.lastSync).toEqual({ finishedAt: clock, durationMs: summary.totalDurationMs });
    expect(summary.totalDurationMs).toBeGreaterThanOrEqual(summary.durationMs + summary.assignments.durationMs - 1);

    // A sync that fails leaves the last completed one on the page.
    tick();
    const failing = {
      ...port,
      listAccounts: () => Promise.reject(new AwsPortError({ code: "UNAVAILABLE", operation: "ListAccounts" })),
    };
    await expect(runInventorySync({ ctx: system(), port: failing })).rejects.toThrow();
    expect((await viewAsAdmin()).lastSync).toEqual(first.lastSync);

    await runInventorySync({ ctx: system(), port });
    expect((await viewAsAdmin()).lastSync?.finishedAt).toEqual(clock);
    expect(await db.prisma.inventorySyncRun.count()).toBe(1);
  });

  it("only the worker runs it", async () => {
    await expectCode(runInventorySync({ ctx: { ...system(), actor: adminUser }, port }), "FORBIDDEN");
  });
});
