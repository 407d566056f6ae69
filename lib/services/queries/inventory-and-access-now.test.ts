import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PolicyDocument } from "../../domain/policy-schema";
import { Prisma } from "../../generated/prisma/client";
import type { Role } from "../../generated/prisma/enums";
import type { JobQueue } from "../../jobs/job-queue";
import { QUEUES } from "../../jobs/queues";
import { expectCode } from "../../testing/expect-app-error";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database";
import { emitAudit } from "../audit";
import { systemActor, type Actor, type ServiceContext, type UserActor } from "../context";
import { refreshInventory } from "../inventory/refresh-inventory";
import { BASELINE_ACTION } from "../reconcile/reconcile-assignments";
import { withRefusalAudit } from "../refusals/with-refusal-audit";
import { listActiveElevationPage, listActiveElevations } from "./active-elevations";
import {
  inventoryOverview,
  readInventoryFilters,
  readInventoryPage,
  TREE_ACCOUNT_LIMIT,
  type InventoryOverview,
} from "./inventory-overview";
import { securityOverview } from "./security-overview";

const ROOT = "r-root1";
const WORKLOADS = "ou-root-workload1";
const PROD = "ou-root-prod00001";
const SANDBOX = "ou-root-sandbox01";
const ACCOUNTS = {
  paymentsProd: {
    id: "210987654321",
    name: "payments-prod",
    ouPath: "Root/Workloads/Prod",
    ouIds: [ROOT, WORKLOADS, PROD],
  },
  dataProd: { id: "310987654321", name: "data-prod", ouPath: "Root/Workloads/Prod", ouIds: [ROOT, WORKLOADS, PROD] },
  sandbox: { id: "410987654321", name: "sandbox-alice", ouPath: "Root/Sandbox", ouIds: [ROOT, SANDBOX] },
  retired: { id: "510987654321", name: "retired", ouPath: "Root", ouIds: [ROOT], status: "GONE" },
};
const SETS = {
  powerUser: {
    arn: "arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/ps-power",
    name: "PowerUser",
    sessionDurationMinutes: 480,
  },
  readOnly: {
    arn: "arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/ps-read",
    name: "ReadOnly",
    sessionDurationMinutes: 60,
  },
};
const IDS = { alice: "u-alice", bob: "u-bob", group: "g-platform-readers", stranger: "u-stranger" };

const POLICY = PolicyDocument.parse({
  version: 1,
  rules: [
    {
      id: "payments-power",
      requesters: { groups: ["team-payments"] },
      accounts: { ids: [ACCOUNTS.paymentsProd.id] },
      permissionSets: ["PowerUser"],
      maxDurationMinutes: 240,
      ticket: { required: true },
      approval: { auto: false, approvers: { groups: ["approvers"] }, required: 1 },
    },
    {
      id: "sandbox",
      requesters: { groups: ["engineering"] },
      accounts: { ous: [SANDBOX] },
      permissionSets: ["*"],
      maxDurationMinutes: 480,
      approval: { auto: true },
    },
  ],
});

const PEOPLE: Record<string, { groups: string[]; roles: Role[]; identityStoreUserId: string | null }> = {
  alice: { groups: ["engineering", "team-payments"], roles: ["REQUESTER"], identityStoreUserId: IDS.alice },
  bob: { groups: ["approvers"], roles: ["APPROVER"], identityStoreUserId: IDS.bob },
  carol: { groups: ["security-auditors"], roles: ["AUDITOR"], identityStoreUserId: null },
  dave: { groups: ["portal-admins"], roles: ["ADMIN", "REQUESTER"], identityStoreUserId: null },
};

let db: TestDatabase;
const users: Record<string, UserActor> = {};
const ids: Record<string, string> = {};
const now = new Date();
const ctxFor = (actor: Actor): ServiceContext => ({ actor, db: db.prisma, now: () => now });
const as = (name: string) => ctxFor(users[name]!);
const anonymous: Actor = { type: "anonymous", ip: "203.0.113.9", userAgent: "test" };

const sent: { name: string; data: Record<string, unknown>; singletonKey?: string }[] = [];
const queue: JobQueue = {
  async send(_tx, name, data, options) {
    sent.push({ name, data, singletonKey: options?.singletonKey });
  },
};

async function activeRequest(requester: string, target: { accountId: string; permissionSetArn: string }, extra = {}) {
  const request = await db.prisma.accessRequest.create({
    data: {
      requesterId: users[requester]!.userId,
      policyId: ids.policy!,
      status: "ACTIVE",
      justification: "Incident INC-7 on payments",
      ticket: "PAY-42",
      durationMinutes: 60,
      startsAt: new Date(now.getTime() - 10 * 60_000),
      endsAt: new Date(now.getTime() + 50 * 60_000),
      matchedRuleId: "payments-power",
      targets: { create: [target] },
      ...extra,
    },
    include: { targets: true },
  });
  await db.prisma.grant.create({
    data: {
      requestId: request.id,
      targetId: request.targets[0]!.id,
      userId: users[requester]!.userId,
      ...target,
      principalId: PEOPLE[requester]!.identityStoreUserId,
      status: "ACTIVE",
      startsAt: request.startsAt,
      endsAt: request.endsAt,
    },
  });
  return request.id;
}

beforeAll(async () => {
  db = await createTestDatabase();
  for (const account of Object.values(ACCOUNTS)) await db.prisma.awsAccount.create({ data: account });
  for (const set of Object.values(SETS)) await db.prisma.permissionSet.create({ data: set });
  const policy = await db.prisma.policy.create({
    data: {
      sourcePath: "test.yaml",
      contentHash: "h1",
      document: POLICY as unknown as Prisma.InputJsonValue,
      active: true,
    },
  });
  ids.policy = policy.id;
  for (const [name, person] of Object.entries(PEOPLE)) {
    const email = `${name}@example.com`;
    const user = await db.prisma.user.create({
      data: {
        email,
        name,
        roles: person.roles,
        idpGroups: person.groups,
        identityStoreUserId: person.identityStoreUserId,
      },
    });
    users[name] = {
      type: "user",
      userId: user.id,
      email,
      name,
      roles: person.roles,
      groups: person.groups,
      identityStoreUserId: person.identityStoreUserId,
      ip: null,
      userAgent: null,
    };
  }
  const powerOnPayments = { accountId: ACCOUNTS.paymentsProd.id, permissionSetArn: SETS.powerUser.arn };
  const readOnData = { accountId: ACCOUNTS.dataProd.id, permissionSetArn: SETS.readOnly.arn };
  ids.aliceActive = await activeRequest("alice", powerOnPayments);
  await db.prisma.approvalDecision.create({
    data: {
      requestId: ids.aliceActive,
      approverId: users.bob!.userId,
      decision: "APPROVE",
      comment: "ok",
      // Routed through an IdP group and an Identity Center group (stored under its key, shown by its name).
      viaGroups: ["approvers", "!identity-center:team-payments-leads"],
    },
  });
  // Standing: a baselined group and user, as the reconciler records them (type only in its audit event).
  await db.prisma.assignmentTuple.createMany({
    data: [
      { ...readOnData, principalId: IDS.group, standing: true, standingSource: "baseline" },
      { ...readOnData, principalId: IDS.bob, standing: true, standingSource: "accepted" },
      // Observed but not standing: the portal's own assignment, never listed as standing.
      { ...powerOnPayments, principalId: IDS.alice, standing: false },
    ],
  });
  await db.prisma.$transaction((tx) =>
    emitAudit(tx, systemActor("reconcile"), {
      action: BASELINE_ACTION,
      entityType: "reconcile",
      entityId: "baseline",
      after: {
        targets: [`${readOnData.accountId}|${readOnData.permissionSetArn}`],
        standing: [{ ...readOnData, principalType: "GROUP", principalId: IDS.group }],
      },
    }),
  );
  await db.prisma.driftFinding.createMany({
    data: [
      { kind: "OUT_OF_BAND_ASSIGNMENT", ...powerOnPayments, principalType: "USER", principalId: IDS.stranger },
      {
        kind: "OUT_OF_BAND_ASSIGNMENT",
        status: "RESOLVED",
        ...readOnData,
        principalType: "USER",
        principalId: "u-closed",
      },
    ],
  });
  await db.prisma.alert.create({
    data: {
      kind: "removal-unverified",
      dedupeKey: "a1",
      severity: "critical",
      subject: "Removal not verified",
      status: "OPEN",
    },
  });
}, 120_000);

afterAll(async () => {
  await db?.drop();
});

const cellOf = (overview: InventoryOverview, accountId: string, arn: string) =>
  overview.cells.find((c) => c.account.id === accountId && c.permissionSet.arn === arn);

describe("inventoryOverview", () => {
  it("is for admins only; every other role is refused and anonymous callers must sign in", async () => {
    for (const name of ["alice", "bob", "carol"])
      await expectCode(inventoryOverview({ ctx: as(name), input: { filters: {} } }), "FORBIDDEN");
    await expectCode(inventoryOverview({ ctx: ctxFor(anonymous), input: { filters: {} } }), "UNAUTHENTICATED");
  });

  it("rebuilds the OU tree, hides retired accounts and lists permission sets with session length and use", async () => {
    const overview = await inventoryOverview({ ctx: as("dave"), input: { filters: {} } });
    expect(overview.canRefresh).toBe(true);
    expect(overview.ous.map((o) => o.path)).toEqual(["Root", "Root/Sandbox", "Root/Workloads", "Root/Workloads/Prod"]);
    const prod = overview.tree[0]!.children[1]!.children[0]!;
    expect(prod.accounts.map((a) => a.name)).toEqual(["data-prod", "payments-prod"]);
    expect(overview.tree[0]!.accounts).toEqual([]);
    expect(overview.permissionSets.map((s) => [s.name, s.sessionDurationMinutes, s.accountsInUse])).toEqual([
      ["PowerUser", 480, 1],
      ["ReadOnly", 60, 1],
    ]);
  });

  it("lists accounts in the tree for a small organization, and only counts them per OU beyond the limit", async () => {
    const small = await inventoryOverview({ ctx: as("dave"), input: { filters: {} } });
    expect(small.treeListsAccounts).toBe(true);
    const listed = await db.prisma.awsAccount.count({ where: { status: { not: "GONE" } } });
    const extra = Array.from({ length: TREE_ACCOUNT_LIMIT - listed + 1 }, (_, i) => ({
      id: String(700000000000 + i),
      name: `team-${i}`,
      ouPath: "Root/Sandbox",
      ouIds: [ROOT, SANDBOX],
    }));
    await db.prisma.awsAccount.createMany({ data: extra });
    try {
      const large = await inventoryOverview({ ctx: as("dave"), input: { filters: {} } });
      expect(large.treeListsAccounts).toBe(false);
      // The tree still holds each OU's accounts, so the page can count them; the filters still offer every account.
      const sandbox = large.tree[0]!.children.find((node) => node.id === SANDBOX)!;
      expect(sandbox.accounts.length).toBeGreaterThan(TREE_ACCOUNT_LIMIT - listed);
      expect(large.accounts.filter((a) => !a.gone)).toHaveLength(TREE_ACCOUNT_LIMIT + 1);
    } finally {
      await db.prisma.awsAccount.deleteMany({ where: { id: { in: extra.map((a) => a.id) } } });
    }
  });

  it("pages the cells: consecutive pages hold every cell of the whole list once, in order, and say when more follow", async () => {
    const whole = await inventoryOverview({ ctx: as("dave"), input: { filters: {}, pageSize: 1_000 } });
    const keyOf = (cell: { account: { id: string }; permissionSet: { arn: string } }) =>
      `${cell.account.id}|${cell.permissionSet.arn}`;
    expect(whole.cells.length).toBeGreaterThan(2);
    expect(whole.truncated).toBe(false);
    const paged: string[] = [];
    let page = 1;
    for (; ; page++) {
      const view = await inventoryOverview({ ctx: as("dave"), input: { filters: {}, page, pageSize: 2 } });
      expect(view.page).toBe(page);
      paged.push(...view.cells.map(keyOf));
      if (!view.truncated) break;
      expect(view.cells).toHaveLength(2);
    }
    expect(paged).toEqual(whole.cells.map(keyOf));
    expect(page).toBe(Math.ceil(whole.cells.length / 2));
    const beyond = await inventoryOverview({ ctx: as("dave"), input: { filters: {}, page: 500, pageSize: 2 } });
    expect([beyond.cells, beyond.truncated]).toEqual([[], false]);
  });

  it.each([
    [undefined, 1],
    ["3", 3],
    [["2", "9"], 2],
    ["0", 1],
    ["-2", 1],
    ["1.5", 1],
    ["10001", 1],
    ["two", 1],
  ])("reads the page %j from the query string as %d", (raw, page) => {
    expect(readInventoryPage(raw)).toBe(page);
  });

  it("per account x permission set: the JIT grant, standing user and group, the open out-of-band finding, and who may request", async () => {
    const overview = await inventoryOverview({ ctx: as("dave"), input: { filters: {} } });
    const payments = cellOf(overview, ACCOUNTS.paymentsProd.id, SETS.powerUser.arn)!;
    expect(payments.jit).toEqual([
      expect.objectContaining({ requestId: ids.aliceActive, user: "alice@example.com", status: "ACTIVE" }),
    ]);
    expect(payments.standing).toEqual([]);
    expect(payments.outOfBand.map((h) => [h.label, h.principalType])).toEqual([[`user ${IDS.stranger}`, "USER"]]);
    expect(payments.eligibility!.eligible.map((r) => [r.ruleId, r.groups, r.requiredApprovals])).toEqual([
      ["payments-power", ["team-payments"], 1],
    ]);
    const data = cellOf(overview, ACCOUNTS.dataProd.id, SETS.readOnly.arn)!;
    expect(data.standing.map((h) => [h.label, h.principalType, h.source])).toEqual([
      [`group ${IDS.group}`, "GROUP", "baseline"],
      ["bob@example.com", "USER", "accepted"],
    ]);
    // A closed finding is no longer someone holding access.
    expect(data.outOfBand).toEqual([]);
    expect(data.eligibility!.eligible).toEqual([]);
    // Sandbox pairs show because the policy names them, even with nobody holding them.
    expect(cellOf(overview, ACCOUNTS.sandbox.id, SETS.readOnly.arn)!.eligibility!.eligible[0]!.autoApproved).toBe(true);
    // Nobody holds or may request PowerUser on data-prod: not listed.
    expect(cellOf(overview, ACCOUNTS.dataProd.id, SETS.powerUser.arn)).toBeUndefined();
    expect(overview.cells.some((c) => c.account.id === ACCOUNTS.retired.id)).toBe(false);
  });

  it("filters by account, OU, permission set, principal and free text", async () => {
    const run = async (params: Record<string, string>) => {
      const { filters, ignored } = readInventoryFilters(params);
      const overview = await inventoryOverview({ ctx: as("dave"), input: { filters, ignored } });
      return overview.cells.map((c) => `${c.account.name}/${c.permissionSet.name}`).sort();
    };
    expect(await run({ account: ACCOUNTS.dataProd.id })).toEqual(["data-prod/ReadOnly"]);
    expect(await run({ ou: SANDBOX })).toEqual(["sandbox-alice/PowerUser", "sandbox-alice/ReadOnly"]);
    expect(await run({ ou: PROD, permissionSet: SETS.powerUser.arn })).toEqual(["payments-prod/PowerUser"]);
    expect(await run({ principal: "BOB@example" })).toEqual(["data-prod/ReadOnly"]);
    expect(await run({ principal: "g-platform" })).toEqual(["data-prod/ReadOnly"]);
    expect(await run({ principal: "engineering" })).toEqual(["sandbox-alice/PowerUser", "sandbox-alice/ReadOnly"]);
    expect(await run({ q: "payments" })).toEqual(["payments-prod/PowerUser"]);
  });

  it("drops a filter it cannot read and says so, instead of failing the page", () => {
    expect(readInventoryFilters({ account: "12345", ou: "x; drop", q: "  ", principal: "alice" })).toEqual({
      filters: { principal: "alice" },
      ignored: ["account", "ou"],
    });
    expect(readInventoryFilters({ permissionSet: ["not-an-arn", SETS.readOnly.arn] }).ignored).toEqual([
      "permissionSet",
    ]);
  });
});

describe("refreshInventory", () => {
  it("an admin's refresh is audited and queues the inventory sync in the same transaction", async () => {
    sent.length = 0;
    await refreshInventory({ ctx: as("dave"), input: { confirm: "yes" }, queue });
    expect(sent).toEqual([{ name: QUEUES.syncInventory, data: {}, singletonKey: "inventory" }]);
    const event = await db.prisma.auditEvent.findFirstOrThrow({
      where: { action: "inventory.refresh_requested" },
      orderBy: { seq: "desc" },
    });
    expect(event).toMatchObject({ actorLabel: "dave@example.com", entityType: "inventory", entityId: "aws" });
  });

  it("a post without the button's confirmation changes nothing", async () => {
    sent.length = 0;
    const before = await db.prisma.auditEvent.count({ where: { action: "inventory.refresh_requested" } });
    await expectCode(refreshInventory({ ctx: as("dave"), input: {}, queue }), "VALIDATION");
    expect(sent).toEqual([]);
    expect(await db.prisma.auditEvent.count({ where: { action: "inventory.refresh_requested" } })).toBe(before);
  });

  it("every other role is refused before anything is queued, and the refusal is audited", async () => {
    for (const name of ["alice", "bob", "carol"]) {
      sent.length = 0;
      const ctx = as(name);
      await expectCode(
        withRefusalAudit("inventory.refresh", ctx, "aws", () =>
          refreshInventory({ ctx, input: { confirm: "yes" }, queue }),
        ),
        "FORBIDDEN",
      );
      expect(sent).toEqual([]);
      const refusal = await db.prisma.auditEvent.findFirst({
        where: { action: "access.refused", actorLabel: `${name}@example.com` },
        orderBy: { seq: "desc" },
      });
      expect(refusal?.after).toMatchObject({ verb: "inventory.refresh", code: "FORBIDDEN" });
    }
  });
});

describe("listActiveElevations", () => {
  it("is for auditors and admins; requesters and approvers are refused", async () => {
    for (const name of ["alice", "bob"]) await expectCode(listActiveElevations({ ctx: as(name) }), "FORBIDDEN");
    await expectCode(listActiveElevations({ ctx: ctxFor(anonymous) }), "UNAUTHENTICATED");
  });

  it("shows requester, targets, end, approvers and ticket; only an admin is offered revoke", async () => {
    const [forCarol] = await listActiveElevations({ ctx: as("carol") });
    expect(forCarol).toMatchObject({
      requestId: ids.aliceActive,
      requester: { email: "alice@example.com" },
      ticket: "PAY-42",
      ending: false,
      autoApproved: false,
      approvers: [{ name: "bob", viaGroups: ["approvers", "team-payments-leads (Identity Center)"] }],
      canRevoke: false,
    });
    expect(forCarol!.targets.map((t) => [t.permissionSetName, t.accountName, t.grantStatus])).toEqual([
      ["PowerUser", "payments-prod", "ACTIVE"],
    ]);
    const [forDave] = await listActiveElevations({ ctx: as("dave") });
    expect(forDave!.canRevoke).toBe(true);
  });

  it("a request past its end whose grant is still being removed shows as ending, without a revoke button", async () => {
    const id = await activeRequest(
      "alice",
      { accountId: ACCOUNTS.sandbox.id, permissionSetArn: SETS.readOnly.arn },
      { status: "COMPLETED", endsAt: new Date(now.getTime() - 60_000), matchedRuleId: "sandbox" },
    );
    await db.prisma.grant.updateMany({ where: { requestId: id }, data: { status: "REMOVING" } });
    const ending = (await listActiveElevations({ ctx: as("dave") })).find((e) => e.requestId === id)!;
    expect(ending).toMatchObject({ ending: true, canRevoke: false, autoApproved: true });
    // Soonest end first.
    expect((await listActiveElevations({ ctx: as("dave") }))[0]!.requestId).toBe(id);
  });
});

describe("securityOverview", () => {
  it("gives the auditor's home its alerts, elevations and refusals; requesters are refused", async () => {
    const alice = as("alice");
    await expectCode(
      withRefusalAudit("drift.remove", alice, "f-1", () => inventoryOverview({ ctx: alice, input: { filters: {} } })),
      "FORBIDDEN",
    );
    const overview = await securityOverview({ ctx: as("carol") });
    expect(overview.openAlerts).toBe(1);
    expect(overview.alerts[0]!.subject).toBe("Removal not verified");
    expect(overview.openDriftFindings).toBe(1);
    expect(overview.activeElevations).toBeGreaterThanOrEqual(1);
    expect(overview.refusals[0]).toMatchObject({ verb: "drift.remove", actorLabel: "alice@example.com" });
    await expectCode(securityOverview({ ctx: as("alice") }), "FORBIDDEN");
  });

  it("lists the five elevations ending soonest and counts all of them", async () => {
    const extra = [];
    for (let i = 0; i < 6; i++)
      extra.push(
        await activeRequest(
          "alice",
          { accountId: ACCOUNTS.sandbox.id, permissionSetArn: SETS.readOnly.arn },
          { endsAt: new Date(now.getTime() + (i + 1) * 60_000), matchedRuleId: "sandbox" },
        ),
      );
    try {
      const all = await listActiveElevations({ ctx: as("carol") });
      const overview = await securityOverview({ ctx: as("carol") });
      expect(overview.activeElevations).toBe(all.length);
      expect(all.length).toBeGreaterThan(6);
      expect(overview.elevations).toEqual(all.slice(0, 5));
      // Pages of the access-now list hold every elevation once, in the same order; a page past the end shows the last.
      const paged: typeof all = [];
      for (let page = 1; page <= Math.ceil(all.length / 3); page++) {
        const view = await listActiveElevationPage({ ctx: as("carol"), page, pageSize: 3 });
        expect(view.page).toMatchObject({ page, total: all.length });
        paged.push(...view.elevations);
      }
      expect(paged).toEqual(all);
      const beyond = await listActiveElevationPage({ ctx: as("carol"), page: 99, pageSize: 3 });
      expect(beyond.elevations).toEqual(all.slice(3 * (beyond.page.pageCount - 1)));
    } finally {
      await db.prisma.grant.deleteMany({ where: { requestId: { in: extra } } });
      await db.prisma.accessRequest.deleteMany({ where: { id: { in: extra } } });
    }
  });
});

describe("inventoryOverview with the assignment snapshot", () => {
  const synced = new Date(now.getTime() - 60_000);
  const earlier = new Date(now.getTime() - 3_600_000);
  const payments = { accountId: ACCOUNTS.paymentsProd.id, permissionSetArn: SETS.powerUser.arn };
  const dataRead = { accountId: ACCOUNTS.dataProd.id, permissionSetArn: SETS.readOnly.arn };
  const dataPower = { accountId: ACCOUNTS.dataProd.id, permissionSetArn: SETS.powerUser.arn };
  // Each assignment Identity Center reported, and where the inventory must show it.
  const rows: [string, typeof payments, "USER" | "GROUP", string, string | null, number | null, string][] = [
    ["a user a live grant backs", payments, "USER", IDS.alice, null, null, "jit"],
    ["a user an open finding names", payments, "USER", IDS.stranger, null, null, "outOfBand"],
    ["a user on a watched target nobody judged yet", payments, "USER", "u-new", "New Person", null, "unrecorded"],
    ["a baselined group, named with its members", dataRead, "GROUP", IDS.group, "platform-readers", 7, "standing"],
    ["a user accepted as standing", dataRead, "USER", IDS.bob, null, null, "standing"],
    ["a user on a target no rule names", dataRead, "USER", "u-outside", "Olga Outside", null, "outside-scope"],
    ["a group on a pair only Identity Center knows", dataPower, "GROUP", "g-admins", "aws-admins", 3, "outside-scope"],
  ];

  beforeAll(async () => {
    await db.prisma.inventoryAssignment.createMany({
      data: rows.map(([, target, principalType, principalId, principalName, memberCount]) => ({
        ...target,
        principalType,
        principalId,
        principalName,
        memberCount,
        syncedAt: target === payments ? earlier : synced,
      })),
    });
    await db.prisma.inventoryProvisioning.createMany({
      data: [
        { ...payments, current: true, assignmentsSyncedAt: earlier, syncedAt: synced },
        { ...dataRead, current: true, assignmentsSyncedAt: synced, syncedAt: synced },
        { ...dataPower, current: false, assignmentsSyncedAt: synced, syncedAt: synced },
      ],
    });
  });

  it.each(rows)("%s", async (_name, target, principalType, principalId, principalName, memberCount, expected) => {
    const overview = await inventoryOverview({ ctx: as("dave"), input: { filters: {} } });
    const cell = cellOf(overview, target.accountId, target.permissionSetArn)!;
    const where = [
      ...cell.jit.filter((h) => h.user === "alice@example.com" && principalId === IDS.alice).map(() => "jit"),
      ...cell.standing.filter((h) => h.principalId === principalId).map(() => "standing"),
      ...cell.outOfBand.filter((h) => h.principalId === principalId).map(() => "outOfBand"),
      ...cell.unexplained.filter((h) => h.principalId === principalId).map((h) => h.kind),
    ];
    // Shown exactly once, in the right place.
    expect(where).toEqual([expected]);
    const shown = [...cell.standing, ...cell.outOfBand, ...cell.unexplained].find((h) => h.principalId === principalId);
    if (principalType === "GROUP") {
      expect(shown).toMatchObject({ principalType: "GROUP", label: `group ${principalName}`, memberCount });
    } else if (principalName && shown) {
      expect(shown.label).toBe(principalName);
    }
  });

  it("shows provisioning per pair and per permission set, and marks a pair the last sync could not list", async () => {
    const overview = await inventoryOverview({ ctx: as("dave"), input: { filters: {} } });
    expect(overview.assignmentsSyncedAt).toEqual(synced);
    expect(cellOf(overview, payments.accountId, payments.permissionSetArn)!.provisioning).toMatchObject({
      current: true,
      stale: true,
      assignmentsSyncedAt: earlier,
    });
    expect(cellOf(overview, dataPower.accountId, dataPower.permissionSetArn)!.provisioning).toMatchObject({
      current: false,
      stale: false,
    });
    expect(overview.permissionSets.find((s) => s.arn === SETS.powerUser.arn)).toMatchObject({
      provisionedAccounts: 2,
      outdatedAccounts: 1,
    });
    expect(cellOf(overview, ACCOUNTS.sandbox.id, SETS.readOnly.arn)!.provisioning).toBeNull();
  });

  it("finds a principal by its Identity Store name", async () => {
    const overview = await inventoryOverview({ ctx: as("dave"), input: { filters: { principal: "aws-admins" } } });
    expect(overview.cells.map((c) => [c.account.id, c.permissionSet.arn])).toEqual([
      [dataPower.accountId, dataPower.permissionSetArn],
    ]);
  });
});
