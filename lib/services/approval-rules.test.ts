import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedAccount, seedPermissionSet } from "../simulator/seed";
import { expectCode } from "../testing/expect-app-error";
import { startServiceHarness, type ServiceHarness } from "../testing/service-harness";
import { decideExtension } from "./approvals/decide-extension";
import { decideRequest } from "./approvals/decide-request";
import type { ServiceContext, UserActor } from "./context";
import { revokeGrant } from "./grants/revoke-grant";
import { listApprovalQueue } from "./queries/approval-queue";
import { createRequest } from "./requests/create-request";
import { expirePendingRequest } from "./requests/expire-pending-request";
import { extendRequest } from "./requests/extend-request";

// Extension quorum (issue 9 item 2), routed revoke (item 4) and the pending approval window (item 10).

const paymentsProd = seedAccount("payments-prod")!;
const dataProd = seedAccount("data-prod")!;
const sandboxAlice = seedAccount("sandbox-alice")!;
const powerUser = seedPermissionSet("PowerUser")!;
const readOnly = seedPermissionSet("ReadOnly")!;

const POLICY = `
version: 1
defaults: { pendingApprovalExpiryMinutes: 1440 }
rules:
  - id: payments-quorum
    requesters: { groups: [team-payments] }
    accounts: { ids: ["${paymentsProd.id}"] }
    permissionSets: [PowerUser]
    maxDurationMinutes: 480
    approval: { auto: false, approvers: { groups: [approvers, team-payments-leads] }, required: 2, distinctGroups: true }
    extension: { allowed: true, requiresApproval: true }
  - id: payments-read
    requesters: { groups: [team-payments] }
    accounts: { ids: ["${paymentsProd.id}"] }
    permissionSets: [ReadOnly]
    maxDurationMinutes: 480
    approval: { auto: false, approvers: { groups: [approvers] }, required: 1, expiryMinutes: 30 }
    extension: { allowed: true, requiresApproval: true }
  - id: data-power
    requesters: { groups: [team-data] }
    accounts: { ids: ["${dataProd.id}"] }
    permissionSets: [PowerUser]
    maxDurationMinutes: 240
    approval: { auto: false, approvers: { groups: [data-leads] }, required: 1 }
  - id: sandbox
    requesters: { groups: [engineering, portal-admins] }
    accounts: { ids: ["${sandboxAlice.id}"] }
    permissionSets: ["*"]
    maxDurationMinutes: 480
    approval: { auto: true }
    extension: { allowed: true, requiresApproval: false }
`;

let h: ServiceHarness;
const users: Record<string, UserActor> = {};
const ctx = (actor: UserActor, now?: Date): ServiceContext => ({
  ...h.ctxFor(actor),
  ...(now ? { now: () => now } : {}),
});
const MINUTE = 60_000;

async function approver(key: string, groups: string[]): Promise<UserActor> {
  const user = await h.db.prisma.user.create({
    data: { email: `${key}@example.com`, name: key, roles: ["APPROVER"], idpGroups: groups },
  });
  return {
    type: "user",
    userId: user.id,
    email: user.email!,
    name: key,
    roles: ["APPROVER"],
    groups,
    identityStoreUserId: null,
    ip: "127.0.0.1",
    userAgent: "vitest",
  };
}

async function actions(requestId: string) {
  return (await h.db.prisma.auditEvent.findMany({ where: { requestId }, orderBy: { seq: "asc" } })).map(
    (e) => e.action,
  );
}

const row = (requestId: string) => h.db.prisma.accessRequest.findUniqueOrThrow({ where: { id: requestId } });

/** Alice's PowerUser request approved by bob (approvers + leads) and dave (approvers): two distinct groups. */
async function approvedQuorumRequest(justification = "Quorum request for the extension tests") {
  const { requestId } = await createRequest({
    ctx: ctx(users.alice!),
    queue: h.queue,
    input: {
      targets: [{ accountId: paymentsProd.id, permissionSetArn: powerUser.arn }],
      durationMinutes: 60,
      startMode: "now",
      justification,
    },
  });
  await decideRequest({ ctx: ctx(users.bob!), queue: h.queue, input: { requestId, decision: "APPROVE" } });
  expect(
    await decideRequest({ ctx: ctx(users.dave!), queue: h.queue, input: { requestId, decision: "APPROVE" } }),
  ).toMatchObject({ status: "APPROVED" });
  return requestId;
}

beforeAll(async () => {
  h = await startServiceHarness({ policyYaml: POLICY, systemJob: "test-worker" });
  Object.assign(users, h.users);
  users.lee = await approver("lee", ["approvers"]);
  users.dana = await approver("dana", ["data-leads"]);
}, 60_000);

afterAll(async () => {
  await h?.stop();
});

describe("extension decisions follow the request's quorum", () => {
  it("a 2-of-distinct-groups request is extended only after two approvals from different groups, one decision per approver", async () => {
    const requestId = await approvedQuorumRequest();
    const endsAt = (await row(requestId)).endsAt;
    expect(
      await extendRequest({
        ctx: ctx(users.alice!),
        queue: h.queue,
        input: { requestId, extraMinutes: 30, justification: "Need more time" },
      }),
    ).toMatchObject({ applied: false });

    expect(
      await decideExtension({ ctx: ctx(users.bob!), queue: h.queue, input: { requestId, decision: "APPROVE" } }),
    ).toMatchObject({ applied: false, pending: true, approvals: 1, required: 2 });
    expect((await row(requestId)).endsAt).toEqual(endsAt);
    // The queue shows the round's tally to the approvers still to decide, and no longer to bob.
    expect(
      (await listApprovalQueue({ ctx: ctx(users.dave!) })).extensions.find((x) => x.id === requestId),
    ).toMatchObject({ approvals: 1, requiredApprovals: 2 });
    expect((await listApprovalQueue({ ctx: ctx(users.bob!) })).extensions.map((x) => x.id)).not.toContain(requestId);
    // The same approver cannot count twice, and the refusal is audited like a request decision's.
    await expectCode(
      decideExtension({ ctx: ctx(users.bob!), queue: h.queue, input: { requestId, decision: "APPROVE" } }),
      "CONFLICT",
    );
    // bob counts through team-payments-leads, dave through approvers: two distinct groups.
    expect(
      await decideExtension({ ctx: ctx(users.dave!), queue: h.queue, input: { requestId, decision: "APPROVE" } }),
    ).toMatchObject({ applied: true, approvals: 2, required: 2 });
    expect((await row(requestId)).endsAt.getTime()).toBe(endsAt.getTime() + 30 * MINUTE);
    const trail = await actions(requestId);
    expect(trail.filter((a) => a === "request.extension_approval_given")).toHaveLength(2);
    expect(trail.filter((a) => a === "request.extension_decision_refused")).toHaveLength(1);
    expect(trail.filter((a) => a === "request.extended")).toHaveLength(1);
    expect(await h.db.prisma.approvalDecision.count({ where: { requestId, kind: "EXTENSION", round: 1 } })).toBe(2);
  });

  it("two approvers who share only one routed group never satisfy distinctGroups for an extension", async () => {
    const requestId = await approvedQuorumRequest("Distinct groups for the extension too");
    const endsAt = (await row(requestId)).endsAt;
    await extendRequest({
      ctx: ctx(users.alice!),
      queue: h.queue,
      input: { requestId, extraMinutes: 30, justification: "Need more time" },
    });
    await decideExtension({ ctx: ctx(users.dave!), queue: h.queue, input: { requestId, decision: "APPROVE" } });
    expect(
      await decideExtension({ ctx: ctx(users.lee!), queue: h.queue, input: { requestId, decision: "APPROVE" } }),
    ).toMatchObject({ applied: false, pending: true, approvals: 1, required: 2 });
    expect((await row(requestId)).endsAt).toEqual(endsAt);
  });

  it("the requester (even with approver rights) and unrouted approvers are refused, and each refusal is audited", async () => {
    const requestId = await approvedQuorumRequest("Refusals of extension decisions");
    await extendRequest({
      ctx: ctx(users.alice!),
      queue: h.queue,
      input: { requestId, extraMinutes: 30, justification: "Need more time" },
    });
    const aliceAsApprover: UserActor = {
      ...users.alice!,
      roles: ["REQUESTER", "APPROVER"],
      groups: [...users.alice!.groups, "approvers", "team-payments-leads"],
    };
    await expectCode(
      decideExtension({ ctx: ctx(aliceAsApprover), queue: h.queue, input: { requestId, decision: "APPROVE" } }),
      "SELF_APPROVAL",
    );
    await expectCode(
      decideExtension({ ctx: ctx(users.dana!), queue: h.queue, input: { requestId, decision: "APPROVE" } }),
      "FORBIDDEN",
    );
    const refused = await h.db.prisma.auditEvent.findMany({
      where: { requestId, action: "request.extension_decision_refused" },
      orderBy: { seq: "asc" },
    });
    expect(refused.map((e) => (e.after as { code: string }).code)).toEqual(["SELF_APPROVAL", "FORBIDDEN"]);
    expect(await h.db.prisma.approvalDecision.count({ where: { requestId, kind: "EXTENSION" } })).toBe(0);
  });

  it("decisions of an earlier round never count for a later one; a denial ends only its round", async () => {
    const requestId = await approvedQuorumRequest("Extension rounds stay apart");
    const endsAt = (await row(requestId)).endsAt;
    await extendRequest({
      ctx: ctx(users.alice!),
      queue: h.queue,
      input: { requestId, extraMinutes: 30, justification: "First extension" },
    });
    await decideExtension({ ctx: ctx(users.bob!), queue: h.queue, input: { requestId, decision: "APPROVE" } });
    expect(
      await decideExtension({
        ctx: ctx(users.dave!),
        queue: h.queue,
        input: { requestId, decision: "DENY", comment: "Not now" },
      }),
    ).toMatchObject({ applied: false, pending: false });
    expect(await row(requestId)).toMatchObject({ endsAt, extensionRequestedMinutes: null });

    await extendRequest({
      ctx: ctx(users.alice!),
      queue: h.queue,
      input: { requestId, extraMinutes: 15, justification: "Second extension" },
    });
    // bob decides again in the new round; his first-round approval does not make it two.
    expect(
      await decideExtension({ ctx: ctx(users.bob!), queue: h.queue, input: { requestId, decision: "APPROVE" } }),
    ).toMatchObject({ applied: false, pending: true, approvals: 1 });
    expect(
      await decideExtension({ ctx: ctx(users.dave!), queue: h.queue, input: { requestId, decision: "APPROVE" } }),
    ).toMatchObject({ applied: true });
    expect((await row(requestId)).endsAt.getTime()).toBe(endsAt.getTime() + 15 * MINUTE);
  });
});

describe("revoke is routed", () => {
  it("an approver not routed for the request is refused and audited; a routed approver revokes", async () => {
    const { requestId } = await createRequest({
      ctx: ctx(users.erin!),
      queue: h.queue,
      input: {
        targets: [{ accountId: dataProd.id, permissionSetArn: powerUser.arn }],
        durationMinutes: 60,
        startMode: "now",
        justification: "Data pipeline repair",
      },
    });
    await decideRequest({ ctx: ctx(users.dana!), queue: h.queue, input: { requestId, decision: "APPROVE" } });
    await expectCode(
      revokeGrant({ ctx: ctx(users.bob!), queue: h.queue, input: { requestId, reason: "Not my team but I can" } }),
      "FORBIDDEN",
    );
    expect((await row(requestId)).status).toBe("APPROVED");
    const refused = await h.db.prisma.auditEvent.findFirstOrThrow({
      where: { requestId, action: "request.revoke_refused" },
    });
    expect(refused).toMatchObject({ actorLabel: "bob@example.com", entityId: requestId });
    await revokeGrant({ ctx: ctx(users.dana!), queue: h.queue, input: { requestId, reason: "Incident closed" } });
    expect((await row(requestId)).status).toBe("REVOKED");
  });

  it("an admin may revoke any request, but never their own through revoke", async () => {
    const { requestId } = await createRequest({
      ctx: ctx(users.erin!),
      queue: h.queue,
      input: {
        targets: [{ accountId: dataProd.id, permissionSetArn: powerUser.arn }],
        durationMinutes: 60,
        startMode: "now",
        justification: "Data pipeline repair",
      },
    });
    await decideRequest({ ctx: ctx(users.dana!), queue: h.queue, input: { requestId, decision: "APPROVE" } });
    await revokeGrant({ ctx: ctx(users.dave!), queue: h.queue, input: { requestId, reason: "Admin takes it back" } });
    expect((await row(requestId)).status).toBe("REVOKED");

    const own = await createRequest({
      ctx: ctx(users.dave!),
      queue: h.queue,
      input: {
        targets: [{ accountId: sandboxAlice.id, permissionSetArn: readOnly.arn }],
        durationMinutes: 60,
        startMode: "now",
        justification: "Admin's own sandbox look",
      },
    });
    await expectCode(
      revokeGrant({
        ctx: ctx(users.dave!),
        queue: h.queue,
        input: { requestId: own.requestId, reason: "Revoking my own" },
      }),
      "FORBIDDEN",
    );
    expect((await row(own.requestId)).status).toBe("APPROVED");
    expect(await actions(own.requestId)).toContain("request.revoke_refused");
  });
});

describe("pending approval window", () => {
  it("a 1-minute start-now request is still approvable after 2 minutes and gets its whole minute from approval", async () => {
    const created = new Date();
    const { requestId } = await createRequest({
      ctx: ctx(users.alice!, created),
      queue: h.queue,
      input: {
        targets: [{ accountId: paymentsProd.id, permissionSetArn: readOnly.arn }],
        durationMinutes: 1,
        startMode: "now",
        justification: "One quick look at prod",
      },
    });
    // The payments-read rule's own window (30 min), not the request's one minute.
    expect((await row(requestId)).approvalExpiresAt).toEqual(new Date(created.getTime() + 30 * MINUTE));
    const later = new Date(created.getTime() + 2 * MINUTE);
    expect(await expirePendingRequest({ ctx: { ...h.system(), now: () => later }, input: { requestId } })).toEqual({
      expired: false,
    });
    expect(
      await decideRequest({ ctx: ctx(users.bob!, later), queue: h.queue, input: { requestId, decision: "APPROVE" } }),
    ).toMatchObject({ status: "APPROVED" });
    expect(await row(requestId)).toMatchObject({ startsAt: later, endsAt: new Date(later.getTime() + MINUTE) });
  });

  it("without a rule window the policy default applies; a scheduled request expires at its start", async () => {
    const now = new Date();
    const startNow = await createRequest({
      ctx: ctx(users.alice!, now),
      queue: h.queue,
      input: {
        targets: [{ accountId: paymentsProd.id, permissionSetArn: powerUser.arn }],
        durationMinutes: 5,
        startMode: "now",
        justification: "Default approval window",
      },
    });
    expect((await row(startNow.requestId)).approvalExpiresAt).toEqual(new Date(now.getTime() + 1440 * MINUTE));
    const startsAt = new Date(now.getTime() + 10 * MINUTE);
    const scheduled = await createRequest({
      ctx: ctx(users.alice!, now),
      queue: h.queue,
      input: {
        targets: [{ accountId: paymentsProd.id, permissionSetArn: powerUser.arn }],
        durationMinutes: 60,
        startMode: "scheduled",
        startsAt,
        justification: "Scheduled maintenance window",
      },
    });
    expect((await row(scheduled.requestId)).approvalExpiresAt).toEqual(startsAt);
  });
});

describe("review fixes: stale views, denials and refusal floods", () => {
  it("two approvers who opened the queue at the same version both count: a decision short of quorum keeps the version", async () => {
    const { requestId } = await createRequest({
      ctx: ctx(users.alice!),
      queue: h.queue,
      input: {
        targets: [{ accountId: paymentsProd.id, permissionSetArn: powerUser.arn }],
        durationMinutes: 60,
        startMode: "now",
        justification: "Both approvers loaded the page first",
      },
    });
    const seen = (await row(requestId)).version;
    const first = { requestId, decision: "APPROVE", expectedVersion: seen };
    expect(await decideRequest({ ctx: ctx(users.bob!), queue: h.queue, input: first })).toMatchObject({ approvals: 1 });
    expect(await decideRequest({ ctx: ctx(users.dave!), queue: h.queue, input: first })).toMatchObject({
      status: "APPROVED",
    });
  });

  it("an extension is denied only with a comment, like a request", async () => {
    const requestId = await approvedQuorumRequest("Extension denial needs a reason");
    await extendRequest({
      ctx: ctx(users.alice!),
      queue: h.queue,
      input: { requestId, extraMinutes: 30, justification: "Need more time" },
    });
    await expectCode(
      decideExtension({ ctx: ctx(users.bob!), queue: h.queue, input: { requestId, decision: "DENY" } }),
      "VALIDATION",
    );
    expect((await row(requestId)).extensionRequestedMinutes).toBe(30);
  });

  it("a requester hammering approve on their own request leaves one timeline event and a count, not one event each", async () => {
    const aliceApprover: UserActor = {
      ...users.alice!,
      roles: ["REQUESTER", "APPROVER"],
      groups: [...users.alice!.groups, "approvers"],
    };
    const { requestId } = await createRequest({
      ctx: ctx(users.alice!),
      queue: h.queue,
      input: {
        targets: [{ accountId: paymentsProd.id, permissionSetArn: powerUser.arn }],
        durationMinutes: 60,
        startMode: "now",
        justification: "Self approval flood",
      },
    });
    const attempts = await Promise.allSettled(
      Array.from({ length: 8 }, () =>
        decideRequest({ ctx: ctx(aliceApprover), queue: h.queue, input: { requestId, decision: "APPROVE" } }),
      ),
    );
    expect(attempts.every((a) => a.status === "rejected")).toBe(true);
    expect((await actions(requestId)).filter((a) => a === "request.decision_refused")).toHaveLength(1);
    const window = await h.db.prisma.refusalWindow.findUniqueOrThrow({
      where: { actorKey_verb: { actorKey: `user:${aliceApprover.userId}`, verb: "request.decide" } },
    });
    expect(window.count).toBe(8);
  });
});
