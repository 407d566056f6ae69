import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAppError } from "../domain/errors";
import { QUEUES } from "../jobs/queues";
import { seedAccount, seedPermissionSet } from "../simulator/seed";
import { expectCode } from "../testing/expect-app-error";
import { startServiceHarness, type ServiceHarness } from "../testing/service-harness";
import { decideExtension } from "./approvals/decide-extension";
import { decideRequest } from "./approvals/decide-request";
import type { ServiceContext, UserActor } from "./context";
import { releaseGrant } from "./grants/release-grant";
import { revokeGrant } from "./grants/revoke-grant";
import { listActiveElevations } from "./queries/active-elevations";
import { listApprovalQueue } from "./queries/approval-queue";
import { listAccessHistory } from "./queries/history-list";
import { listMyRequests } from "./queries/my-requests";
import { getRequestDetail } from "./queries/request-detail";
import { useNotificationSettings } from "./notifications/settings";
import { getRequestFormOptions } from "./queries/request-form-options";
import { cancelRequest } from "./requests/cancel-request";
import { createRequest } from "./requests/create-request";
import { extendRequest } from "./requests/extend-request";

// Issue 16 item 5: temporary Identity Center group membership is requested, approved, extended and ended like account access.

const sandbox = seedAccount("sandbox-alice")!;
const readOnly = seedPermissionSet("ReadOnly")!;

const POLICY = `
version: 1
rules:
  - id: sandbox
    requesters: { groups: [engineering] }
    accounts: { ids: ["${sandbox.id}"] }
    permissionSets: ["*"]
    maxDurationMinutes: 480
    approval: { auto: true }
groupRules:
  - id: data-prod-db-admins
    requesters: { groups: [team-data, approvers] }
    identityCenterGroups: [prod-db-admins]
    maxDurationMinutes: 120
    ticket: { required: true, pattern: "^INC-[0-9]{1,8}$", hint: "INC-1234" }
    approval: { auto: false, approvers: { groups: [approvers] }, required: 1 }
    extension: { allowed: true, requiresApproval: true }
  - id: on-call-self-service
    requesters: { groups: [team-data] }
    identityCenterGroups: [on-call]
    maxDurationMinutes: 60
    approval: { auto: true }
    extension: { allowed: true, requiresApproval: false }
`;

let h: ServiceHarness;
const MINUTE = 60_000;
const ctx = (actor: UserActor, now?: Date): ServiceContext => ({
  ...h.ctxFor(actor),
  ...(now ? { now: () => now } : {}),
});
const erin = () => h.users.erin!;
const bob = () => h.users.bob!;

const groupRequest = (extra: Record<string, unknown> = {}) => ({
  groups: ["prod-db-admins"],
  durationMinutes: 60,
  startMode: "now",
  justification: "Rebuilding the orders index after INC-77",
  ticket: "INC-77",
  ...extra,
});

async function refusal(promise: Promise<unknown>) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!isAppError(error)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

async function jobs(name: string) {
  return h.db.prisma.$queryRawUnsafe<{ data: { grantId?: string }; singleton_key: string | null; start_after: Date }[]>(
    `SELECT data, singleton_key, start_after FROM pgboss.job WHERE name = $1`,
    name,
  );
}

async function approvedGroupRequest(extra: Record<string, unknown> = {}) {
  const { requestId } = await createRequest({ ctx: ctx(erin()), queue: h.queue, input: groupRequest(extra) });
  await decideRequest({ ctx: ctx(bob()), queue: h.queue, input: { requestId, decision: "APPROVE" } });
  return requestId;
}

/** What the worker does at the start (issue 16 item 6, another branch): the membership is there. */
async function markActive(requestId: string) {
  await h.db.prisma.groupGrant.updateMany({ where: { requestId }, data: { status: "ACTIVE" } });
  await h.db.prisma.accessRequest.update({ where: { id: requestId }, data: { status: "ACTIVE" } });
}

const groupGrants = (requestId: string) => h.db.prisma.groupGrant.findMany({ where: { requestId } });
const version = async (requestId: string) =>
  (await h.db.prisma.accessRequest.findUniqueOrThrow({ where: { id: requestId } })).version;

beforeAll(async () => {
  h = await startServiceHarness({ policyYaml: POLICY, systemJob: "test-worker" });
}, 60_000);

afterAll(async () => {
  await h?.stop();
});

describe("creating a group request", () => {
  it("records the group target and lists the groups in the audit row; nothing is granted before approval", async () => {
    const created = await createRequest({
      ctx: ctx(erin()),
      queue: h.queue,
      input: groupRequest({ groups: ["prod-db-admins", "prod-db-admins"] }),
    });
    expect(created.status).toBe("PENDING");
    const request = await h.db.prisma.accessRequest.findUniqueOrThrow({
      where: { id: created.requestId },
      include: { targets: true, groupTargets: true },
    });
    expect(request.targets).toEqual([]);
    expect(request.groupTargets.map((t) => t.groupName)).toEqual(["prod-db-admins"]);
    expect(request).toMatchObject({
      matchedRuleId: "data-prod-db-admins",
      requiredApprovals: 1,
      maxDurationMinutes: 120,
    });
    const audit = await h.db.prisma.auditEvent.findFirstOrThrow({
      where: { requestId: created.requestId, action: "request.created" },
    });
    expect(audit.after).toMatchObject({ groups: ["prod-db-admins"], targets: [], rules: ["data-prod-db-admins"] });
    expect(await groupGrants(created.requestId)).toEqual([]);
  });

  it("refuses a requester no group rule covers, naming the group", async () => {
    const error = await refusal(createRequest({ ctx: ctx(h.users.alice!), queue: h.queue, input: groupRequest() }));
    expect(error.code).toBe("POLICY_DENIED");
    expect(error.fieldErrors?.targets?.join(" ")).toContain("membership of prod-db-admins");
  });

  it("refuses a group the policy does not name (a typo is no group)", async () => {
    const error = await refusal(
      createRequest({ ctx: ctx(erin()), queue: h.queue, input: groupRequest({ groups: ["prod-db-admin"] }) }),
    );
    expect(error.code).toBe("POLICY_DENIED");
    expect(error.fieldErrors?.targets?.join(" ")).toContain(
      "No policy rule lets you request membership of prod-db-admin",
    );
  });

  it("refuses accounts and groups in one request, and a request naming neither", async () => {
    const both = await refusal(
      createRequest({
        ctx: ctx(erin()),
        queue: h.queue,
        input: groupRequest({ targets: [{ accountId: sandbox.id, permissionSetArn: readOnly.arn }] }),
      }),
    );
    expect(both.code).toBe("VALIDATION");
    expect(both.fieldErrors).toMatchObject({
      targets: ["Pick accounts and permission sets, or Identity Center groups, not both."],
      groups: ["Pick accounts and permission sets, or Identity Center groups, not both."],
    });
    const neither = await refusal(
      createRequest({ ctx: ctx(erin()), queue: h.queue, input: groupRequest({ groups: [], targets: [] }) }),
    );
    expect(neither.code).toBe("VALIDATION");
    expect(neither.fieldErrors?.targets).toEqual([
      "Pick at least one account and permission set, or an Identity Center group.",
    ]);
    const tooMany = await refusal(
      createRequest({
        ctx: ctx(erin()),
        queue: h.queue,
        input: groupRequest({ groups: Array.from({ length: 21 }, (_, i) => `group-${i}`) }),
      }),
    );
    expect(tooMany.fieldErrors?.groups).toEqual(["At most 20 groups in one request."]);
  });

  it("applies the group rule's ticket and maximum duration", async () => {
    const noTicket = await refusal(
      createRequest({ ctx: ctx(erin()), queue: h.queue, input: groupRequest({ ticket: "" }) }),
    );
    expect(noTicket.code).toBe("VALIDATION");
    expect(noTicket.fieldErrors?.ticket?.[0]).toContain("A ticket is required");
    const tooLong = await refusal(
      createRequest({ ctx: ctx(erin()), queue: h.queue, input: groupRequest({ durationMinutes: 180 }) }),
    );
    expect(tooLong.code).toBe("VALIDATION");
    expect(Object.keys(tooLong.fieldErrors ?? {})).toEqual(["durationMinutes"]);
  });

  it("an auto-approved group rule grants at once: one SCHEDULED group grant and its activation job", async () => {
    const { requestId, status } = await createRequest({
      ctx: ctx(erin()),
      queue: h.queue,
      input: groupRequest({ groups: ["on-call"], ticket: undefined }),
    });
    expect(status).toBe("APPROVED");
    const [grant, ...rest] = await groupGrants(requestId);
    expect(rest).toEqual([]);
    expect(grant).toMatchObject({ groupName: "on-call", status: "SCHEDULED", userId: erin().userId });
    const job = (await jobs(QUEUES.activateGroupGrant)).find((j) => j.data.grantId === grant!.id);
    expect(job?.singleton_key).toBe(`activate-group-${grant!.id}`);
  });

  it("the request form lists the groups the requester may join, with their limits", async () => {
    const options = await getRequestFormOptions({ ctx: ctx(erin()) });
    expect(options.groups.map((g) => g.name)).toEqual(["on-call", "prod-db-admins"]);
    expect(options.groups.find((g) => g.name === "prod-db-admins")).toMatchObject({
      label: 'membership of Identity Center group "prod-db-admins"',
      maxDurationMinutes: 120,
      autoApprove: false,
      requiredApprovals: 1,
      ticket: { required: true, examples: ["INC-1234"] },
    });
    expect((await getRequestFormOptions({ ctx: ctx(h.users.alice!) })).groups).toEqual([]);
  });
});

describe("deciding a group request", () => {
  it("routes to the group rule's approvers; approval creates the group grant for the window and its activation job", async () => {
    const { requestId } = await createRequest({ ctx: ctx(erin()), queue: h.queue, input: groupRequest() });
    const queued = (await listApprovalQueue({ ctx: ctx(bob()) })).requests.find((r) => r.id === requestId);
    expect(queued?.groups).toEqual([
      {
        groupName: "prod-db-admins",
        label: 'membership of Identity Center group "prod-db-admins"',
        shortLabel: "prod-db-admins (Identity Center group)",
      },
    ]);
    expect((await listApprovalQueue({ ctx: ctx(h.users.grace!) })).requests.map((r) => r.id)).not.toContain(requestId);
    await expectCode(
      decideRequest({ ctx: ctx(h.users.grace!), queue: h.queue, input: { requestId, decision: "APPROVE" } }),
      "FORBIDDEN",
    );

    expect(
      await decideRequest({ ctx: ctx(bob()), queue: h.queue, input: { requestId, decision: "APPROVE" } }),
    ).toMatchObject({ status: "APPROVED", approvals: 1, required: 1 });
    const request = await h.db.prisma.accessRequest.findUniqueOrThrow({ where: { id: requestId } });
    const [grant] = await groupGrants(requestId);
    expect(grant).toMatchObject({
      groupName: "prod-db-admins",
      status: "SCHEDULED",
      userId: erin().userId,
      startsAt: request.startsAt,
      endsAt: request.endsAt,
    });
    const job = (await jobs(QUEUES.activateGroupGrant)).find((j) => j.data.grantId === grant!.id);
    expect(job).toMatchObject({ singleton_key: `activate-group-${grant!.id}`, start_after: request.startsAt });
    // No assignment job for a membership.
    expect((await jobs(QUEUES.activateGrant)).filter((j) => j.data.grantId === grant!.id)).toEqual([]);

    const detail = await getRequestDetail({ ctx: ctx(erin()), input: { requestId } });
    expect(detail.groups).toMatchObject([
      { groupName: "prod-db-admins", grant: { id: grant!.id, status: "SCHEDULED" } },
    ]);
    expect(detail.viewer.canCancel).toBe(true);
  });

  it("refuses the requester deciding their own group request or its extension, and audits it", async () => {
    const dave = h.users.dave!;
    const { requestId } = await createRequest({ ctx: ctx(dave), queue: h.queue, input: groupRequest() });
    await expectCode(
      decideRequest({ ctx: ctx(dave), queue: h.queue, input: { requestId, decision: "APPROVE" } }),
      "SELF_APPROVAL",
    );
    expect(await groupGrants(requestId)).toEqual([]);
    expect(await h.db.prisma.auditEvent.count({ where: { requestId, action: "request.decision_refused" } })).toBe(1);
    expect(
      await decideRequest({ ctx: ctx(bob()), queue: h.queue, input: { requestId, decision: "APPROVE" } }),
    ).toMatchObject({ status: "APPROVED" });
    await markActive(requestId);
    await extendRequest({
      ctx: ctx(dave),
      queue: h.queue,
      input: { requestId, extraMinutes: 30, justification: "Need a little more" },
    });
    await expectCode(
      decideExtension({ ctx: ctx(dave), queue: h.queue, input: { requestId, decision: "APPROVE" } }),
      "SELF_APPROVAL",
    );
  });
});

describe("reads that list requests", () => {
  it("my requests, my live memberships and the access history name the group", async () => {
    const requestId = await approvedGroupRequest();
    await markActive(requestId);
    const mine = await listMyRequests({ ctx: ctx(erin()) });
    expect(mine.requests.find((r) => r.id === requestId)).toMatchObject({
      targets: [],
      groups: [{ groupName: "prod-db-admins", shortLabel: "prod-db-admins (Identity Center group)" }],
    });
    expect(mine.activeGroupGrants.filter((g) => g.requestId === requestId)).toMatchObject([
      { groupName: "prod-db-admins", label: 'membership of Identity Center group "prod-db-admins"' },
    ]);
    expect(mine.live).toBe(true);
    const history = await listAccessHistory({ ctx: ctx(h.users.carol!), input: {} });
    expect(history.rows.find((r) => r.id === requestId)).toMatchObject({
      targets: [],
      groups: [{ groupName: "prod-db-admins" }],
    });
    await releaseGrant({ ctx: ctx(erin()), queue: h.queue, input: { requestId } });
  });
});

describe("notifications for a group request", () => {
  it("reach the group rule's approvers and name the membership", async () => {
    useNotificationSettings({
      appUrl: "http://portal.test",
      slack: {
        botToken: "xoxb-test-token-000",
        signingSecret: "0123456789abcdef0123456789abcdef",
        approvalsChannel: "#access-approvals",
        securityChannel: "#security-alerts",
      },
      email: { smtpUrl: "smtp://127.0.0.1:1", from: "jit@example.com", approvalsTo: [], securityTo: [] },
      webhooks: [],
      retry: { baseMs: 10, windowMs: 60_000, maxAttempts: 3 },
    });
    try {
      const { requestId } = await createRequest({ ctx: ctx(erin()), queue: h.queue, input: groupRequest() });
      const waiting = await h.db.prisma.notification.findFirstOrThrow({
        where: { requestId, type: "request.waiting" },
        include: { deliveries: true },
      });
      expect(waiting.deliveries.map((d) => `${d.channel} ${d.target}`).sort()).toEqual([
        "EMAIL bob@example.com",
        "EMAIL dave@example.com",
        "EMAIL frank@example.com",
        "SLACK channel:#access-approvals",
        "SLACK dm:bob@example.com",
        "SLACK dm:dave@example.com",
        "SLACK dm:frank@example.com",
      ]);
      expect((waiting.payload as { request: { targets: unknown[]; groups: unknown[] } }).request).toMatchObject({
        targets: [],
        groups: [{ name: "prod-db-admins", label: 'membership of Identity Center group "prod-db-admins"' }],
      });
    } finally {
      useNotificationSettings(null);
    }
  });
});

describe("ending and extending group grants", () => {
  it("cancel moves the scheduled group grant to CANCELLED", async () => {
    const requestId = await approvedGroupRequest({
      startMode: "scheduled",
      startsAt: new Date(Date.now() + 60 * MINUTE).toISOString(),
    });
    await cancelRequest({
      ctx: ctx(erin()),
      queue: h.queue,
      input: { requestId, expectedVersion: await version(requestId) },
    });
    expect(await groupGrants(requestId)).toMatchObject([{ status: "CANCELLED" }]);
    expect(
      await h.db.prisma.auditEvent.count({
        where: { requestId, action: "group_grant.cancelled", entityType: "group_grant" },
      }),
    ).toBe(1);
  });

  it("cancel is refused once a membership is being added (release it instead)", async () => {
    const requestId = await approvedGroupRequest();
    await h.db.prisma.groupGrant.updateMany({ where: { requestId }, data: { status: "PROVISIONING" } });
    await expectCode(
      cancelRequest({
        ctx: ctx(erin()),
        queue: h.queue,
        input: { requestId, expectedVersion: await version(requestId) },
      }),
      "INVALID_TRANSITION",
    );
    expect(await groupGrants(requestId)).toMatchObject([{ status: "PROVISIONING" }]);
  });

  it("release ends an active membership now with a removal job", async () => {
    const requestId = await approvedGroupRequest();
    await markActive(requestId);
    const now = new Date(Date.now() + 5 * MINUTE);
    await releaseGrant({ ctx: ctx(erin(), now), queue: h.queue, input: { requestId } });
    const [grant] = await groupGrants(requestId);
    expect(grant!.endsAt).toEqual(now);
    const job = (await jobs(QUEUES.deactivateGroupGrant)).find((j) => j.data.grantId === grant!.id);
    expect(job?.singleton_key).toBe(`deactivate-group-${grant!.id}-${now.getTime()}`);
  });

  it("revoke by a routed approver ends an active membership and cancels nothing else", async () => {
    const requestId = await approvedGroupRequest();
    await markActive(requestId);
    expect(
      (await listActiveElevations({ ctx: ctx(h.users.dave!) })).find((e) => e.requestId === requestId),
    ).toMatchObject({
      groups: [{ groupName: "prod-db-admins", grantStatus: "ACTIVE" }],
      canRevoke: true,
    });
    const now = new Date(Date.now() + MINUTE);
    await revokeGrant({
      ctx: ctx(bob(), now),
      queue: h.queue,
      input: { requestId, reason: "Incident closed, no longer needed" },
    });
    const [grant] = await groupGrants(requestId);
    expect(grant).toMatchObject({ status: "ACTIVE", endsAt: now });
    expect((await jobs(QUEUES.deactivateGroupGrant)).some((j) => j.data.grantId === grant!.id)).toBe(true);
    // The requester cannot revoke (they release instead).
    const other = await approvedGroupRequest();
    await markActive(other);
    await expectCode(
      revokeGrant({ ctx: ctx(erin()), queue: h.queue, input: { requestId: other, reason: "Not mine to revoke" } }),
      "FORBIDDEN",
    );
  });

  it("an approved extension moves the membership's end and queues the removal at the new end", async () => {
    const requestId = await approvedGroupRequest({ durationMinutes: 30 });
    await markActive(requestId);
    expect(
      await extendRequest({
        ctx: ctx(erin()),
        queue: h.queue,
        input: { requestId, extraMinutes: 30, justification: "The reindex is slower than planned" },
      }),
    ).toMatchObject({ applied: false });
    const decided = await decideExtension({
      ctx: ctx(bob()),
      queue: h.queue,
      input: { requestId, decision: "APPROVE" },
    });
    expect(decided).toMatchObject({ applied: true });
    const [grant] = await groupGrants(requestId);
    const request = await h.db.prisma.accessRequest.findUniqueOrThrow({ where: { id: requestId } });
    expect(grant!.endsAt).toEqual(request.endsAt);
    expect(request.durationMinutes).toBe(60);
    const job = (await jobs(QUEUES.deactivateGroupGrant)).find(
      (j) =>
        j.data.grantId === grant!.id && j.singleton_key === `deactivate-group-${grant!.id}-${request.endsAt.getTime()}`,
    );
    expect(job?.start_after).toEqual(request.endsAt);
  });

  it("a self-service extension is applied at once to the scheduled group grant", async () => {
    const { requestId } = await createRequest({
      ctx: ctx(erin()),
      queue: h.queue,
      input: groupRequest({ groups: ["on-call"], ticket: undefined, durationMinutes: 20 }),
    });
    const result = await extendRequest({
      ctx: ctx(erin()),
      queue: h.queue,
      input: { requestId, extraMinutes: 10, justification: "A little longer" },
    });
    expect(result).toMatchObject({ applied: true });
    expect((await groupGrants(requestId))[0]!.endsAt).toEqual(result.endsAt);
  });
});
