import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PolicyDocument } from "../../domain/policy-schema";
import { Prisma } from "../../generated/prisma/client";
import type { RequestStatus, Role } from "../../generated/prisma/enums";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database";
import type { ServiceContext, UserActor } from "../context";
import { listApprovalQueue, pendingApprovalCount } from "./approval-queue";

// The badge's count routes in SQL groups; the queue routes request by request. Each case must count the same in both.

const ROOT = "r-root1";
const PAYMENTS = { id: "210987654321", name: "payments-prod", ouPath: "Root/Payments", ouIds: [ROOT, "ou-root-pay1"] };
const DATA = { id: "310987654321", name: "data-prod", ouPath: "Root/Data", ouIds: [ROOT, "ou-root-data1"] };
const RETIRED = { id: "510987654321", name: "retired", ouPath: "Root", ouIds: [ROOT], status: "GONE" };
const POWER = { arn: "arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/ps-power", name: "PowerUser" };
const READ = { arn: "arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/ps-read", name: "ReadOnly" };

const POLICY = PolicyDocument.parse({
  version: 1,
  rules: [
    {
      id: "payments-power",
      requesters: { groups: ["engineering"] },
      accounts: { ids: [PAYMENTS.id, RETIRED.id] },
      permissionSets: ["PowerUser"],
      maxDurationMinutes: 240,
      approval: {
        auto: false,
        approvers: { groups: ["approvers"] },
        required: 1,
        escalation: { afterMinutes: 30, approvers: { groups: ["escalation"] } },
      },
      extension: { allowed: true, requiresApproval: true },
    },
    {
      id: "data-power",
      requesters: { groups: ["engineering"] },
      accounts: { ids: [DATA.id] },
      permissionSets: ["PowerUser"],
      maxDurationMinutes: 240,
      approval: { auto: false, approvers: { groups: ["data-approvers"] }, required: 1 },
    },
    {
      id: "read-anywhere",
      requesters: { groups: ["engineering"] },
      accounts: { ids: [PAYMENTS.id, DATA.id] },
      permissionSets: ["ReadOnly"],
      maxDurationMinutes: 240,
      approval: { auto: false, approvers: { groups: ["approvers", "data-approvers"] }, required: 1 },
    },
  ],
  groupRules: [
    {
      id: "db-admins",
      requesters: { groups: ["engineering"] },
      identityCenterGroups: ["prod-db-admins"],
      maxDurationMinutes: 120,
      approval: { auto: false, approvers: { groups: ["data-approvers"] }, required: 1 },
    },
  ],
});

const APPROVERS = ["bob", "dan", "esme", "lena", "ada"] as const;
type Approver = (typeof APPROVERS)[number];
const PEOPLE: Record<string, { email: string; groups: string[]; roles: Role[] }> = {
  alice: { email: "alice@example.com", groups: ["engineering"], roles: ["REQUESTER"] },
  // Bob's address in other letters: a request from it is Bob's own.
  bobAlias: { email: "BOB@example.com", groups: ["engineering"], roles: ["REQUESTER"] },
  bob: { email: "bob@example.com", groups: ["approvers"], roles: ["APPROVER"] },
  dan: { email: "dan@example.com", groups: ["data-approvers"], roles: ["APPROVER"] },
  esme: { email: "esme@example.com", groups: ["escalation"], roles: ["APPROVER"] },
  lena: { email: "lena@example.com", groups: ["approvers", "engineering"], roles: ["REQUESTER", "APPROVER"] },
  ada: { email: "ada@example.com", groups: [], roles: ["ADMIN"] },
};

let db: TestDatabase;
let policyId: string;
const users: Record<string, UserActor> = {};
const now = new Date("2026-06-01T12:00:00Z");
const ctxFor = (name: string): ServiceContext => ({ actor: users[name]!, db: db.prisma, now: () => now });

interface Case {
  name: string;
  requester?: string;
  targets?: { accountId: string; permissionSetArn: string }[];
  /** Identity Center groups asked for instead of account targets. */
  groups?: string[];
  status?: RequestStatus;
  approvalExpiresInMinutes?: number | null;
  escalated?: boolean;
  ruleIds?: string[];
  noPolicy?: boolean;
  extensionRound?: number;
  decidedBy?: { who: string; kind: "REQUEST" | "EXTENSION"; round: number }[];
  /** Who counts it; every other approver counts zero. */
  routedTo: Approver[];
}

const powerOnPayments = { accountId: PAYMENTS.id, permissionSetArn: POWER.arn };
const CASES: Case[] = [
  { name: "a pending request routed to the approvers group", routedTo: ["bob", "lena"] },
  { name: "the approver's own request", requester: "lena", routedTo: ["bob"] },
  { name: "a requester whose address looks like the approver's", requester: "bobAlias", routedTo: ["lena"] },
  {
    name: "a request the approver already decided",
    decidedBy: [{ who: "bob", kind: "REQUEST", round: 0 }],
    routedTo: ["lena"],
  },
  { name: "a request past its approval window", approvalExpiresInMinutes: -1, routedTo: [] },
  { name: "a request without an approval window", approvalExpiresInMinutes: null, routedTo: ["bob", "lena"] },
  { name: "an escalated request", escalated: true, routedTo: ["bob", "lena", "esme"] },
  {
    name: "two targets whose approvers do not overlap",
    targets: [powerOnPayments, { accountId: DATA.id, permissionSetArn: POWER.arn }],
    routedTo: [],
  },
  {
    name: "two targets that share approvers",
    targets: [
      { accountId: PAYMENTS.id, permissionSetArn: READ.arn },
      { accountId: DATA.id, permissionSetArn: READ.arn },
    ],
    routedTo: ["bob", "lena", "dan"],
  },
  {
    name: "two targets routed to one group",
    targets: [powerOnPayments, { accountId: PAYMENTS.id, permissionSetArn: READ.arn }],
    routedTo: ["bob", "lena"],
  },
  {
    name: "a target gone from the inventory",
    targets: [{ accountId: RETIRED.id, permissionSetArn: POWER.arn }],
    routedTo: [],
  },
  { name: "a request made under no policy", noPolicy: true, routedTo: [] },
  { name: "a request whose matched rules do not cover it", ruleIds: ["data-power"], routedTo: [] },
  { name: "a request matched to its covering rule", ruleIds: ["payments-power"], routedTo: ["bob", "lena"] },
  { name: "a request with no account targets", targets: [], routedTo: [] },
  { name: "a group membership request", targets: [], groups: ["prod-db-admins"], routedTo: ["dan"] },
  { name: "a group no group rule names", targets: [], groups: ["prod-db-owners"], routedTo: [] },
  {
    name: "a group membership extension",
    targets: [],
    groups: ["prod-db-admins"],
    status: "ACTIVE",
    extensionRound: 1,
    routedTo: ["dan"],
  },
  { name: "a denied request", status: "DENIED", routedTo: [] },
  { name: "an active request without an extension", status: "ACTIVE", routedTo: [] },
  { name: "an extension waiting for a decision", status: "ACTIVE", extensionRound: 1, routedTo: ["bob", "lena"] },
  {
    name: "an extension the approver decided in this round",
    status: "ACTIVE",
    extensionRound: 2,
    decidedBy: [{ who: "bob", kind: "EXTENSION", round: 2 }],
    routedTo: ["lena"],
  },
  {
    name: "an extension the approver decided in an earlier round",
    status: "ACTIVE",
    extensionRound: 2,
    decidedBy: [
      { who: "bob", kind: "EXTENSION", round: 1 },
      { who: "bob", kind: "REQUEST", round: 0 },
    ],
    routedTo: ["bob", "lena"],
  },
  {
    name: "an escalated request's extension (escalation widens the request only)",
    status: "ACTIVE",
    escalated: true,
    extensionRound: 1,
    routedTo: ["bob", "lena"],
  },
];

async function seed(spec: Case): Promise<string> {
  const extension = spec.extensionRound !== undefined;
  const request = await db.prisma.accessRequest.create({
    data: {
      requesterId: users[spec.requester ?? "alice"]!.userId,
      policyId: spec.noPolicy ? null : policyId,
      status: spec.status ?? "PENDING",
      justification: "Incident work",
      durationMinutes: 60,
      startsAt: now,
      endsAt: new Date(now.getTime() + 3_600_000),
      createdAt: new Date(now.getTime() - 60_000),
      approvalExpiresAt:
        spec.approvalExpiresInMinutes === null
          ? null
          : new Date(now.getTime() + (spec.approvalExpiresInMinutes ?? 60) * 60_000),
      escalatedAt: spec.escalated ? now : null,
      matchedRuleId: spec.ruleIds?.join(",") ?? null,
      extensionRound: spec.extensionRound ?? 0,
      extensionRequestedMinutes: extension ? 30 : null,
      extensionRequestedAt: extension ? now : null,
      targets: { create: spec.targets ?? [powerOnPayments] },
      groupTargets: { create: (spec.groups ?? []).map((groupName) => ({ groupName })) },
    },
  });
  for (const decision of spec.decidedBy ?? [])
    await db.prisma.approvalDecision.create({
      data: {
        requestId: request.id,
        approverId: users[decision.who]!.userId,
        decision: "APPROVE",
        kind: decision.kind,
        round: decision.round,
        viaGroups: ["approvers"],
      },
    });
  return request.id;
}

async function countsFor(approver: Approver) {
  const queue = await listApprovalQueue({ ctx: ctxFor(approver) });
  return {
    queue: queue.totalRequests + queue.extensions.length,
    badge: await pendingApprovalCount({ ctx: ctxFor(approver) }),
  };
}

beforeAll(async () => {
  db = await createTestDatabase();
  for (const account of [PAYMENTS, DATA, RETIRED]) await db.prisma.awsAccount.create({ data: account });
  for (const set of [POWER, READ])
    await db.prisma.permissionSet.create({ data: { ...set, sessionDurationMinutes: 60 } });
  policyId = (
    await db.prisma.policy.create({
      data: {
        sourcePath: "test.yaml",
        contentHash: "h1",
        document: POLICY as unknown as Prisma.InputJsonValue,
        active: true,
      },
    })
  ).id;
  for (const [name, person] of Object.entries(PEOPLE)) {
    const user = await db.prisma.user.create({
      data: { email: person.email, name, roles: person.roles, idpGroups: person.groups },
    });
    users[name] = {
      type: "user",
      userId: user.id,
      email: person.email,
      name,
      roles: person.roles,
      groups: person.groups,
      identityStoreUserId: null,
      ip: null,
      userAgent: null,
    };
  }
});

afterAll(async () => {
  await db?.drop();
});

describe("pending approval count", () => {
  it.each(CASES)("counts $name as the approval queue lists it", async (spec) => {
    const id = await seed(spec);
    try {
      for (const approver of APPROVERS) {
        const expected = spec.routedTo.includes(approver) ? 1 : 0;
        expect({ approver, ...(await countsFor(approver)) }).toEqual({ approver, queue: expected, badge: expected });
      }
    } finally {
      await db.prisma.accessRequest.delete({ where: { id } });
    }
  });

  it("adds up every case at once, grouping requests that route alike", async () => {
    const ids = [];
    // Each case twice, so groups of identical routing hold more than one request.
    for (const spec of [...CASES, ...CASES]) ids.push(await seed(spec));
    try {
      for (const approver of APPROVERS) {
        const expected = 2 * CASES.filter((c) => c.routedTo.includes(approver)).length;
        expect({ approver, ...(await countsFor(approver)) }).toEqual({ approver, queue: expected, badge: expected });
      }
    } finally {
      await db.prisma.accessRequest.deleteMany({ where: { id: { in: ids } } });
    }
  });

  it("reads each shown request's details for its page: version, justification, others' decisions and the quorum", async () => {
    const older = await seed({ name: "older", routedTo: [] });
    const newer = await seed({ name: "newer", decidedBy: [{ who: "lena", kind: "REQUEST", round: 0 }], routedTo: [] });
    await db.prisma.accessRequest.update({
      where: { id: newer },
      data: { requiredApprovals: 2, version: 3, justification: "Second look", createdAt: now },
    });
    try {
      const second = await listApprovalQueue({ ctx: ctxFor("bob"), page: 2, pageSize: 1 });
      expect(second.page).toMatchObject({ total: 2 });
      expect(second.requests).toHaveLength(1);
      expect(second.requests[0]).toMatchObject({
        id: newer,
        version: 3,
        justification: "Second look",
        approvals: 1,
        requiredApprovals: 2,
        decisions: [{ approverName: "lena", decision: "APPROVE" }],
      });
      const first = await listApprovalQueue({ ctx: ctxFor("bob"), page: 1, pageSize: 1 });
      expect(first.requests.map((r) => [r.id, r.approvals, r.decisions])).toEqual([[older, 0, []]]);
    } finally {
      await db.prisma.accessRequest.deleteMany({ where: { id: { in: [older, newer] } } });
    }
  });

  it("is zero for people who cannot decide", async () => {
    const id = await seed({ name: "routed", routedTo: [] });
    try {
      expect(await pendingApprovalCount({ ctx: ctxFor("alice") })).toBe(0);
    } finally {
      await db.prisma.accessRequest.delete({ where: { id } });
    }
  });
});
