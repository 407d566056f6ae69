import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PolicyDocument } from "../../domain/policy-schema";
import { Prisma } from "../../generated/prisma/client";
import type { Role } from "../../generated/prisma/enums";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database";
import { emitAudit } from "../audit";
import { systemActor, type Actor, type ServiceContext, type UserActor } from "../context";
import { listApprovalQueue, pendingApprovalCount } from "./approval-queue";
import { listMyRequests } from "./my-requests";
import { getActivePolicyView } from "./policy-view";
import { getRequestDetail } from "./request-detail";
import { getRequestFormOptions } from "./request-form-options";
import { expectCode } from "../../testing/expect-app-error";

const ROOT = "r-root1";
const WORKLOADS = "ou-root-workload1";
const SANDBOX = "ou-root-sandbox01";

const ACCOUNTS = {
  paymentsProd: {
    id: "210987654321",
    name: "payments-prod",
    ouPath: "Root/Workloads/Payments",
    ouIds: [ROOT, WORKLOADS],
  },
  dataProd: { id: "310987654321", name: "data-prod", ouPath: "Root/Workloads/Data", ouIds: [ROOT, WORKLOADS] },
  sandbox: { id: "410987654321", name: "sandbox-alice", ouPath: "Root/Sandbox", ouIds: [ROOT, SANDBOX] },
  management: { id: "111111111111", name: "management", ouPath: "Root", ouIds: [ROOT] },
  retired: {
    id: "510987654321",
    name: "retired-payments",
    ouPath: "Root/Workloads",
    ouIds: [ROOT, WORKLOADS],
    status: "GONE",
  },
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
  admin: {
    arn: "arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/ps-admin",
    name: "AdministratorAccess",
    sessionDurationMinutes: 60,
  },
};

const POLICY = PolicyDocument.parse({
  version: 1,
  rules: [
    {
      id: "payments-power",
      requesters: { groups: ["team-payments"] },
      accounts: { ids: [ACCOUNTS.paymentsProd.id, ACCOUNTS.retired.id] },
      permissionSets: ["PowerUser"],
      maxDurationMinutes: 240,
      ticket: { required: true, pattern: "^PAY-[0-9]{1,8}$" },
      approval: { auto: false, approvers: { groups: ["approvers"] }, required: 1 },
      extension: { allowed: true, requiresApproval: true },
    },
    {
      id: "payments-read",
      requesters: { groups: ["team-payments"] },
      accounts: { ids: [ACCOUNTS.paymentsProd.id] },
      permissionSets: ["ReadOnly"],
      maxDurationMinutes: 480,
      approval: { auto: true },
      sessionRevocation: "off",
    },
    {
      id: "data",
      requesters: { groups: ["team-data"] },
      accounts: { ids: [ACCOUNTS.dataProd.id] },
      permissionSets: ["ReadOnly", "PowerUser"],
      maxDurationMinutes: 240,
      approval: { auto: false, approvers: { groups: ["data-approvers"] }, required: 1 },
    },
    {
      id: "sandbox",
      requesters: { groups: ["engineering"] },
      accounts: { ous: [SANDBOX] },
      permissionSets: ["*"],
      maxDurationMinutes: 480,
      approval: { auto: true },
    },
    {
      id: "everyone-everywhere",
      requesters: { groups: ["engineering"] },
      accounts: { ids: [ACCOUNTS.management.id] },
      permissionSets: ["*"],
      maxDurationMinutes: 60,
      approval: { auto: true },
    },
  ],
  deny: [
    {
      id: "no-management",
      requesters: { groups: ["*"] },
      accounts: { ids: [ACCOUNTS.management.id] },
      permissionSets: ["*"],
      reason: "Break-glass only.",
    },
  ],
});

const PEOPLE: Record<string, { groups: string[]; roles: Role[] }> = {
  alice: { groups: ["engineering", "team-payments"], roles: ["REQUESTER"] },
  erin: { groups: ["engineering", "team-data"], roles: ["REQUESTER"] },
  bob: { groups: ["approvers"], roles: ["APPROVER"] },
  dan: { groups: ["data-approvers"], roles: ["APPROVER"] },
  carol: { groups: ["security-auditors"], roles: ["AUDITOR"] },
  // An approver who also requests: must never see or decide their own request.
  lena: { groups: ["approvers", "engineering", "team-payments"], roles: ["REQUESTER", "APPROVER"] },
};

let db: TestDatabase;
let policyId: string;
const users: Record<string, UserActor> = {};
const ids: Record<string, string> = {};
let now = new Date();

const ctxFor = (actor: Actor): ServiceContext => ({ actor, db: db.prisma, now: () => now });
const as = (name: string) => ctxFor(users[name]!);

interface SeedRequest {
  requester: string;
  targets: { accountId: string; permissionSetArn: string }[];
  status?: "PENDING" | "APPROVED" | "ACTIVE" | "COMPLETED" | "DENIED";
  createdMinutesAgo?: number;
  approvalExpiresInMinutes?: number | null;
  extensionMinutes?: number;
  ruleIds?: string[];
}

async function seedRequest(spec: SeedRequest): Promise<string> {
  const created = new Date(now.getTime() - (spec.createdMinutesAgo ?? 5) * 60_000);
  const request = await db.prisma.accessRequest.create({
    data: {
      requesterId: users[spec.requester]!.userId,
      policyId,
      status: spec.status ?? "PENDING",
      justification: `Needed by ${spec.requester} for incident work`,
      ticket: "PAY-42",
      durationMinutes: 60,
      startsAt: created,
      endsAt: new Date(created.getTime() + 60 * 60_000),
      requiredApprovals: 1,
      maxDurationMinutes: 240,
      extensionAllowed: true,
      createdAt: created,
      approvalExpiresAt:
        spec.approvalExpiresInMinutes === null
          ? null
          : new Date(now.getTime() + (spec.approvalExpiresInMinutes ?? 60) * 60_000),
      extensionRequestedMinutes: spec.extensionMinutes ?? null,
      extensionRequestedAt: spec.extensionMinutes ? now : null,
      extensionJustification: spec.extensionMinutes ? "Still migrating" : null,
      matchedRuleId: spec.ruleIds?.join(",") ?? null,
      targets: { create: spec.targets },
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
  policyId = policy.id;
  for (const [name, person] of Object.entries(PEOPLE)) {
    const email = `${name}@example.com`;
    const user = await db.prisma.user.create({
      data: { email, name: name[0]!.toUpperCase() + name.slice(1), roles: person.roles, idpGroups: person.groups },
    });
    users[name] = {
      type: "user",
      userId: user.id,
      email,
      name: user.name,
      roles: person.roles,
      groups: person.groups,
      identityStoreUserId: null,
      ip: null,
      userAgent: null,
    };
  }
  now = new Date();
  const powerOnPayments = { accountId: ACCOUNTS.paymentsProd.id, permissionSetArn: SETS.powerUser.arn };
  ids.alicePending = await seedRequest({
    requester: "alice",
    targets: [powerOnPayments],
    createdMinutesAgo: 10,
    ruleIds: ["payments-power"],
  });
  ids.aliceActive = await seedRequest({
    requester: "alice",
    targets: [{ accountId: ACCOUNTS.sandbox.id, permissionSetArn: SETS.admin.arn }],
    status: "ACTIVE",
    createdMinutesAgo: 30,
    approvalExpiresInMinutes: null,
    extensionMinutes: 30,
  });
  ids.aliceOld = await seedRequest({
    requester: "alice",
    targets: [powerOnPayments],
    status: "COMPLETED",
    createdMinutesAgo: 600,
    approvalExpiresInMinutes: null,
  });
  ids.erinPending = await seedRequest({
    requester: "erin",
    targets: [{ accountId: ACCOUNTS.dataProd.id, permissionSetArn: SETS.readOnly.arn }],
    ruleIds: ["data"],
  });
  ids.lenaPending = await seedRequest({ requester: "lena", targets: [powerOnPayments] });
  ids.aliceExpired = await seedRequest({
    requester: "alice",
    targets: [powerOnPayments],
    approvalExpiresInMinutes: -1,
    createdMinutesAgo: 2000,
  });
  ids.aliceRetired = await seedRequest({
    requester: "alice",
    targets: [{ accountId: ACCOUNTS.retired.id, permissionSetArn: SETS.powerUser.arn }],
  });
  ids.erinBobDecided = await seedRequest({ requester: "alice", targets: [powerOnPayments], createdMinutesAgo: 1 });
  await db.prisma.approvalDecision.create({
    data: {
      requestId: ids.erinBobDecided,
      approverId: users.bob!.userId,
      decision: "APPROVE",
      comment: "fine",
      viaGroups: ["approvers"],
    },
  });

  const activeTarget = await db.prisma.requestTarget.findFirstOrThrow({ where: { requestId: ids.aliceActive } });
  const grant = await db.prisma.grant.create({
    data: {
      requestId: ids.aliceActive,
      targetId: activeTarget.id,
      userId: users.alice!.userId,
      accountId: activeTarget.accountId,
      permissionSetArn: activeTarget.permissionSetArn,
      principalId: "u-alice",
      status: "ACTIVE",
      startsAt: new Date(now.getTime() - 30 * 60_000),
      endsAt: new Date(now.getTime() + 30 * 60_000),
      createRequestId: "aws-create-1",
      createIssuedAt: now,
      createVerifiedAt: now,
    },
  });
  ids.aliceGrant = grant.id;
  await db.prisma.$transaction(async (tx) => {
    await emitAudit(tx, users.alice!, {
      action: "request.created",
      entityType: "request",
      entityId: ids.aliceActive!,
      requestId: ids.aliceActive!,
      reason: "Needed",
    });
    await emitAudit(tx, systemActor("grant-activate"), {
      action: "grant.create_issued",
      entityType: "grant",
      entityId: grant.id,
      requestId: ids.aliceActive!,
      after: { awsRequestId: "aws-create-1" },
    });
    await emitAudit(tx, systemActor("grant-activate"), {
      action: "grant.activated",
      entityType: "grant",
      entityId: grant.id,
      requestId: ids.aliceActive!,
      after: { status: "ACTIVE", awsRequestId: "aws-create-1" },
    });
    await emitAudit(tx, users.erin!, {
      action: "request.created",
      entityType: "request",
      entityId: ids.erinPending!,
      requestId: ids.erinPending!,
    });
  });
});

afterAll(async () => {
  await db?.drop();
});

describe("request form options", () => {
  it("offers only what policy lets this requester ask for, with each target's requirements", async () => {
    const options = await getRequestFormOptions({ ctx: as("alice") });
    expect(options.message).toBeNull();
    expect(options.accounts.map((a) => a.name).sort()).toEqual(["payments-prod", "sandbox-alice"]);
    const payments = options.accounts.find((a) => a.id === ACCOUNTS.paymentsProd.id)!;
    expect(payments.ouPath).toBe("Root/Workloads/Payments");
    const power = payments.permissionSets.find((s) => s.name === "PowerUser")!;
    expect(power).toMatchObject({
      sessionDurationMinutes: 480,
      sessionRevocation: "deny-on-end",
      maxDurationMinutes: 240,
      autoApprove: false,
      requiredApprovals: 1,
      ticket: { required: true, patterns: ["^PAY-[0-9]{1,8}$"] },
    });
    // The form's session notice follows the rule: this one does not cut sessions at the end.
    expect(payments.permissionSets.find((s) => s.name === "ReadOnly")).toMatchObject({
      sessionRevocation: "off",
      autoApprove: true,
      ticket: { required: false },
    });
    expect(payments.permissionSets.map((s) => s.name)).not.toContain("AdministratorAccess");
  });

  it("hides other teams' accounts, denied accounts and accounts gone from AWS", async () => {
    const erin = await getRequestFormOptions({ ctx: as("erin") });
    expect(erin.accounts.map((a) => a.name).sort()).toEqual(["data-prod", "sandbox-alice"]);
    const alice = await getRequestFormOptions({ ctx: as("alice") });
    expect(alice.accounts.map((a) => a.id)).not.toContain(ACCOUNTS.management.id);
    expect(alice.accounts.map((a) => a.id)).not.toContain(ACCOUNTS.retired.id);
  });

  it("is for requesters only", async () => {
    await expectCode(getRequestFormOptions({ ctx: as("bob") }), "FORBIDDEN");
    await expectCode(
      getRequestFormOptions({ ctx: ctxFor({ type: "anonymous", ip: null, userAgent: null }) }),
      "UNAUTHENTICATED",
    );
  });

  it("says so, with an empty list, when no policy is loaded", async () => {
    await db.prisma.policy.update({ where: { id: policyId }, data: { active: false } });
    try {
      const options = await getRequestFormOptions({ ctx: as("alice") });
      expect(options.accounts).toEqual([]);
      expect(options.message).toMatch(/No access policy/);
    } finally {
      await db.prisma.policy.update({ where: { id: policyId }, data: { active: true } });
    }
  });
});

describe("my requests", () => {
  it("lists only the viewer's own requests, newest first, with names resolved", async () => {
    const mine = await listMyRequests({ ctx: as("alice") });
    const listed = mine.requests.map((r) => r.id);
    expect(listed).not.toContain(ids.erinPending);
    expect(listed).not.toContain(ids.lenaPending);
    expect(listed[0]).toBe(ids.erinBobDecided);
    expect(listed.at(-1)).toBe(ids.aliceExpired);
    const sorted = [...mine.requests].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    expect(listed).toEqual(sorted.map((r) => r.id));
    const pending = mine.requests.find((r) => r.id === ids.alicePending)!;
    expect(pending.targets).toEqual([
      {
        accountId: ACCOUNTS.paymentsProd.id,
        accountName: "payments-prod",
        ouPath: "Root/Workloads/Payments",
        permissionSetArn: SETS.powerUser.arn,
        permissionSetName: "PowerUser",
      },
    ]);
    expect(mine.requests.find((r) => r.id === ids.erinBobDecided)!.approvals).toBe(1);
    expect(mine.requests.find((r) => r.id === ids.aliceActive)!.extensionPending).toBe(true);
  });

  it("shows active grants with their session duration and keeps the page live", async () => {
    const mine = await listMyRequests({ ctx: as("alice") });
    expect(mine.activeGrants).toHaveLength(1);
    expect(mine.activeGrants[0]).toMatchObject({
      grantId: ids.aliceGrant,
      accountName: "sandbox-alice",
      permissionSetName: "AdministratorAccess",
      sessionDurationMinutes: 60,
    });
    expect(mine.live).toBe(true);
  });

  it("is not live when nothing can change any more", async () => {
    const quiet = await listMyRequests({ ctx: as("carol") });
    expect(quiet).toEqual({ requests: [], activeGrants: [], activeGroupGrants: [], live: false });
  });
});

describe("request detail", () => {
  it("shows the requester their request with grants and a timeline in audit order", async () => {
    const detail = await getRequestDetail({ ctx: as("alice"), input: { requestId: ids.aliceActive } });
    expect(detail.viewer).toMatchObject({
      isRequester: true,
      canRelease: true,
      canCancel: false,
      canDecide: false,
      canRevoke: false,
      canExtend: false,
    });
    expect(detail.targets[0]!.grant).toMatchObject({ status: "ACTIVE", createRequestId: "aws-create-1" });
    expect(detail.extension.pending).toMatchObject({ minutes: 30, justification: "Still migrating" });
    expect(detail.timeline.map((e) => e.title)).toEqual([
      "Requested",
      "Assignment create issued to AWS: AdministratorAccess on sandbox-alice",
      "Assignment active (verified): AdministratorAccess on sandbox-alice",
    ]);
    expect(detail.timeline[1]).toMatchObject({ awsRequestId: "aws-create-1", actor: "portal worker" });
    expect(detail.timeline.some((e) => e.title === "Requested" && e.detail === "Needed")).toBe(true);
  });

  it("is NOT_FOUND for another requester, exactly as for a request that does not exist", async () => {
    await expectCode(getRequestDetail({ ctx: as("erin"), input: { requestId: ids.alicePending } }), "NOT_FOUND");
    await expectCode(getRequestDetail({ ctx: as("erin"), input: { requestId: "does-not-exist" } }), "NOT_FOUND");
    await expectCode(getRequestDetail({ ctx: as("alice"), input: { requestId: ids.lenaPending } }), "NOT_FOUND");
  });

  it("lets approvers and auditors read, and offers a decision only to a routed approver who is not the requester", async () => {
    const asBob = await getRequestDetail({ ctx: as("bob"), input: { requestId: ids.alicePending } });
    expect(asBob.viewer).toMatchObject({ isRequester: false, canDecide: true, canCancel: false });
    expect(asBob.requester.email).toBe("alice@example.com");
    const asDan = await getRequestDetail({ ctx: as("dan"), input: { requestId: ids.alicePending } });
    expect(asDan.viewer.canDecide).toBe(false);
    const asCarol = await getRequestDetail({ ctx: as("carol"), input: { requestId: ids.alicePending } });
    expect(asCarol.viewer).toMatchObject({ canDecide: false, canRevoke: false, canCancel: false });
    const lenaOwn = await getRequestDetail({ ctx: as("lena"), input: { requestId: ids.lenaPending } });
    expect(lenaOwn.viewer).toMatchObject({ isRequester: true, canDecide: false, canCancel: true });
    const alreadyDecided = await getRequestDetail({ ctx: as("bob"), input: { requestId: ids.erinBobDecided } });
    expect(alreadyDecided.viewer.canDecide).toBe(false);
    expect(alreadyDecided.decisions).toEqual([
      expect.objectContaining({ approverName: "Bob", decision: "APPROVE", comment: "fine" }),
    ]);
  });

  it("offers revocation and the pending extension only to approvers the request routes to, never to its requester", async () => {
    const asBob = await getRequestDetail({ ctx: as("bob"), input: { requestId: ids.aliceActive } });
    // Sandbox rules route to no approver group, so no approver can decide this extension or revoke it (admins could).
    expect(asBob.viewer).toMatchObject({ canRevoke: false, canDecideExtension: false });
    const routed = await seedRequest({
      requester: "alice",
      targets: [{ accountId: ACCOUNTS.paymentsProd.id, permissionSetArn: SETS.powerUser.arn }],
      status: "ACTIVE",
      approvalExpiresInMinutes: null,
      extensionMinutes: 30,
      ruleIds: ["payments-power"],
    });
    const lenasOwn = await seedRequest({
      requester: "lena",
      targets: [{ accountId: ACCOUNTS.paymentsProd.id, permissionSetArn: SETS.powerUser.arn }],
      status: "ACTIVE",
      approvalExpiresInMinutes: null,
      ruleIds: ["payments-power"],
    });
    try {
      const detail = await getRequestDetail({ ctx: as("bob"), input: { requestId: routed } });
      expect(detail.viewer).toMatchObject({ canRevoke: true, canDecideExtension: true });
      expect(detail.extension.pending).toMatchObject({ minutes: 30, approvals: 0, required: 1 });
      expect((await getRequestDetail({ ctx: as("dan"), input: { requestId: routed } })).viewer).toMatchObject({
        canRevoke: false,
        canDecideExtension: false,
      });
      expect((await getRequestDetail({ ctx: as("lena"), input: { requestId: lenasOwn } })).viewer.canRevoke).toBe(
        false,
      );
      expect((await getRequestDetail({ ctx: as("bob"), input: { requestId: lenasOwn } })).viewer.canRevoke).toBe(true);
    } finally {
      await db.prisma.accessRequest.deleteMany({ where: { id: { in: [routed, lenasOwn] } } });
    }
  });

  it("offers nothing more once access is being released, and says it is ending", async () => {
    const releasing = await seedRequest({
      requester: "alice",
      targets: [{ accountId: ACCOUNTS.sandbox.id, permissionSetArn: SETS.readOnly.arn }],
      status: "ACTIVE",
      approvalExpiresInMinutes: null,
    });
    const target = await db.prisma.requestTarget.findFirstOrThrow({ where: { requestId: releasing } });
    await db.prisma.accessRequest.update({
      where: { id: releasing },
      data: { endsAt: now, closeReason: "released early by requester" },
    });
    await db.prisma.grant.create({
      data: {
        requestId: releasing,
        targetId: target.id,
        userId: users.alice!.userId,
        accountId: target.accountId,
        permissionSetArn: target.permissionSetArn,
        status: "ACTIVE",
        startsAt: new Date(now.getTime() - 60_000),
        endsAt: now,
      },
    });
    try {
      const detail = await getRequestDetail({ ctx: as("alice"), input: { requestId: releasing } });
      expect(detail.ending).toBe(true);
      expect(detail.live).toBe(true);
      expect(detail.viewer).toMatchObject({ canRelease: false, canExtend: false, canCancel: false });
      expect((await getRequestDetail({ ctx: as("bob"), input: { requestId: releasing } })).viewer.canRevoke).toBe(
        false,
      );
    } finally {
      await db.prisma.accessRequest.delete({ where: { id: releasing } });
    }
  });

  it("rejects malformed ids before touching the database (the page shows them as not found)", async () => {
    await expectCode(getRequestDetail({ ctx: as("alice"), input: { requestId: "x".repeat(500) } }), "VALIDATION");
    // A null byte would otherwise reach Postgres and fail as a 500 page.
    await expectCode(getRequestDetail({ ctx: as("alice"), input: { requestId: "\u0000" } }), "VALIDATION");
  });
});

describe("approval queue", () => {
  it("shows a routed approver the pending requests they may decide, oldest first", async () => {
    const queue = await listApprovalQueue({ ctx: as("bob") });
    const listed = queue.requests.map((r) => r.id);
    expect(listed).toEqual([ids.alicePending, ids.lenaPending]);
    const item = queue.requests[0]!;
    expect(item).toMatchObject({
      requester: { name: "Alice", email: "alice@example.com" },
      ticket: "PAY-42",
      approvals: 0,
      requiredApprovals: 1,
    });
    expect(item.targets[0]).toMatchObject({ accountName: "payments-prod", permissionSetName: "PowerUser" });
  });

  it("excludes the approver's own requests, other groups' requests, decided, expired and unrequestable ones", async () => {
    const lena = await listApprovalQueue({ ctx: as("lena") });
    expect(lena.requests.map((r) => r.id)).not.toContain(ids.lenaPending);
    expect(lena.requests.map((r) => r.id)).toContain(ids.alicePending);
    const bob = (await listApprovalQueue({ ctx: as("bob") })).requests.map((r) => r.id);
    expect(bob).not.toContain(ids.erinPending);
    expect(bob).not.toContain(ids.erinBobDecided);
    expect(bob).not.toContain(ids.aliceExpired);
    expect(bob).not.toContain(ids.aliceRetired);
    const dan = (await listApprovalQueue({ ctx: as("dan") })).requests.map((r) => r.id);
    expect(dan).toEqual([ids.erinPending]);
  });

  it("lists pending extensions only for approvers the request routes to", async () => {
    const extended = await seedRequest({
      requester: "alice",
      targets: [{ accountId: ACCOUNTS.paymentsProd.id, permissionSetArn: SETS.powerUser.arn }],
      status: "ACTIVE",
      approvalExpiresInMinutes: null,
      extensionMinutes: 45,
    });
    try {
      const bob = await listApprovalQueue({ ctx: as("bob") });
      expect(bob.extensions.map((x) => x.id)).toEqual([extended]);
      expect(bob.extensions[0]).toMatchObject({ extraMinutes: 45, justification: "Still migrating" });
      expect((await listApprovalQueue({ ctx: as("dan") })).extensions).toEqual([]);
      expect(await pendingApprovalCount({ ctx: as("bob") })).toBe(bob.requests.length + 1);
    } finally {
      await db.prisma.accessRequest.delete({ where: { id: extended } });
    }
  });

  it("filters by requester, rule, account, OU, permission set and waiting time, and counts the whole queue", async () => {
    const ids_ = async (input: Record<string, string>) =>
      (await listApprovalQueue({ ctx: as("bob"), input })).requests.map((r) => r.id);
    expect(await ids_({ requester: "ALICE@example.com" })).toEqual([ids.alicePending]);
    expect(await ids_({ rule: "payments-power" })).toEqual([ids.alicePending]);
    expect(await ids_({ account: ACCOUNTS.paymentsProd.id })).toEqual([ids.alicePending, ids.lenaPending]);
    expect(await ids_({ account: ACCOUNTS.sandbox.id })).toEqual([]);
    expect(await ids_({ ou: WORKLOADS })).toEqual([ids.alicePending, ids.lenaPending]);
    expect(await ids_({ ou: SANDBOX })).toEqual([]);
    expect(await ids_({ permissionSet: "PowerUser" })).toEqual([ids.alicePending, ids.lenaPending]);
    expect(await ids_({ permissionSet: "ReadOnly" })).toEqual([]);
    expect(await ids_({ waiting: "1h" })).toEqual([]);
    const filtered = await listApprovalQueue({ ctx: as("bob"), input: { requester: "lena@example.com" } });
    expect(filtered.totalRequests).toBe(2);
    expect(filtered.facets.requesters.map((f) => f.value)).toEqual(["alice@example.com", "lena@example.com"]);
    expect(filtered.facets.rules).toEqual([{ value: "payments-power", label: "payments-power" }]);
    expect(filtered.facets.ous.map((f) => f.value)).toEqual([ROOT, WORKLOADS]);
  });

  it("sorts oldest or newest first, and flags production access at a glance", async () => {
    const newest = await listApprovalQueue({ ctx: as("bob"), input: { sort: "newest" } });
    expect(newest.requests.map((r) => r.id)).toEqual([ids.lenaPending, ids.alicePending]);
    const item = newest.requests[1]!;
    expect(item.ruleIds).toEqual(["payments-power"]);
    expect(item.risks).toContain("production");
    expect(item.risks).not.toContain("no-ticket");
  });

  it("refuses a filter value outside its list or with control characters", async () => {
    await expectCode(listApprovalQueue({ ctx: as("bob"), input: { waiting: "2h" } }), "VALIDATION");
    await expectCode(listApprovalQueue({ ctx: as("bob"), input: { sort: "random" } }), "VALIDATION");
    await expectCode(listApprovalQueue({ ctx: as("bob"), input: { requester: "a\u0000b" } }), "VALIDATION");
  });

  it("is for approvers and admins; everyone else counts zero", async () => {
    await expectCode(listApprovalQueue({ ctx: as("alice") }), "FORBIDDEN");
    await expectCode(listApprovalQueue({ ctx: as("carol") }), "FORBIDDEN");
    expect(await pendingApprovalCount({ ctx: as("alice") })).toBe(0);
    expect(await pendingApprovalCount({ ctx: as("bob") })).toBe(2);
  });
});

describe("policy view", () => {
  it("shows the active policy with account and OU names", async () => {
    const view = await getActivePolicyView({ ctx: as("erin") });
    expect(view?.document?.rules.map((r) => r.id)).toContain("payments-power");
    expect(view?.document?.deny[0]?.reason).toBe("Break-glass only.");
    expect(view?.accountNames[ACCOUNTS.paymentsProd.id]).toBe("payments-prod");
    expect(view?.ouNames[SANDBOX]).toBe("Root/Sandbox");
  });
});
