import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAppError } from "../domain/errors";
import { seedAccount, seedPermissionSet } from "../simulator/seed";
import { startServiceHarness, type ServiceHarness } from "../testing/service-harness";
import { decideExtension } from "./approvals/decide-extension";
import { decideRequest } from "./approvals/decide-request";
import type { UserActor } from "./context";
import { releaseGrant } from "./grants/release-grant";
import { revokeGrant } from "./grants/revoke-grant";
import { cancelRequest } from "./requests/cancel-request";
import { createRequest } from "./requests/create-request";
import { expirePendingRequest } from "./requests/expire-pending-request";
import { extendRequest } from "./requests/extend-request";

// Issue 9 item 3: concurrent mutations of one request (Promise.all on one client runs them side by side on the pool):
// exactly one wins, the others get CONFLICT, and the audit trail matches the final row.

const paymentsProd = seedAccount("payments-prod")!;
const sandboxAlice = seedAccount("sandbox-alice")!;
const readOnly = seedPermissionSet("ReadOnly")!;
const powerUser = seedPermissionSet("PowerUser")!;

const POLICY = `
version: 1
rules:
  - id: payments-read
    requesters: { groups: [team-payments] }
    accounts: { ids: ["${paymentsProd.id}"] }
    permissionSets: [ReadOnly]
    maxDurationMinutes: 480
    approval: { auto: false, approvers: { groups: [approvers] }, required: 1 }
    extension: { allowed: true, requiresApproval: true }
  - id: sandbox
    requesters: { groups: [engineering] }
    accounts: { ids: ["${sandboxAlice.id}"] }
    permissionSets: ["*"]
    maxDurationMinutes: 480
    approval: { auto: true }
    extension: { allowed: true, requiresApproval: false }
`;

const N = 5;
const MINUTE = 60_000;
let h: ServiceHarness;
const users: Record<string, UserActor> = {};

beforeAll(async () => {
  h = await startServiceHarness({ policyYaml: POLICY, systemJob: "test-worker" });
  Object.assign(users, h.users);
  const lee = await h.db.prisma.user.create({
    data: { email: "lee@example.com", name: "lee", roles: ["APPROVER"], idpGroups: ["approvers"] },
  });
  users.lee = {
    type: "user",
    userId: lee.id,
    email: "lee@example.com",
    name: "lee",
    roles: ["APPROVER"],
    groups: ["approvers"],
    identityStoreUserId: null,
    ip: "127.0.0.1",
    userAgent: "vitest",
  };
}, 60_000);

afterAll(async () => {
  await h?.stop();
});

const ctx = (actor: UserActor) => h.ctxFor(actor);
const row = (requestId: string) => h.db.prisma.accessRequest.findUniqueOrThrow({ where: { id: requestId } });
const events = (requestId: string, action: string) =>
  h.db.prisma.auditEvent.findMany({ where: { requestId, action }, orderBy: { seq: "asc" } });

/** Runs the calls side by side: exactly one may succeed, every other must be a CONFLICT. */
async function race<T>(calls: (() => Promise<T>)[]): Promise<T> {
  const results = await Promise.allSettled(calls.map((call) => call()));
  const won = results.filter((r): r is PromiseFulfilledResult<Awaited<T>> => r.status === "fulfilled");
  const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
  expect(won, `fulfilled: ${won.length}, rejections: ${lost.map((r) => String(r.reason)).join(" | ")}`).toHaveLength(1);
  for (const loss of lost) expect(isAppError(loss.reason) && loss.reason.code, String(loss.reason)).toBe("CONFLICT");
  return won[0]!.value;
}

const times = <T>(make: (i: number) => () => Promise<T>) => Array.from({ length: N }, (_, i) => make(i));

async function pendingRequest(justification: string) {
  const { requestId } = await createRequest({
    ctx: ctx(users.alice!),
    queue: h.queue,
    input: {
      targets: [{ accountId: paymentsProd.id, permissionSetArn: readOnly.arn }],
      durationMinutes: 60,
      startMode: "now",
      justification,
    },
  });
  return requestId;
}

async function approvedRequest(justification: string) {
  const requestId = await pendingRequest(justification);
  await decideRequest({ ctx: ctx(users.bob!), queue: h.queue, input: { requestId, decision: "APPROVE" } });
  return requestId;
}

async function selfServiceRequest(justification: string) {
  const { requestId } = await createRequest({
    ctx: ctx(users.alice!),
    queue: h.queue,
    input: {
      targets: [{ accountId: sandboxAlice.id, permissionSetArn: powerUser.arn }],
      durationMinutes: 60,
      startMode: "now",
      justification,
    },
  });
  return requestId;
}

describe("one concurrent mutation of a request wins", () => {
  it("extend: concurrent extends never lose an update, and every audit event's before is the previous after", async () => {
    const requestId = await selfServiceRequest("Concurrent extends without a version");
    const start = (await row(requestId)).endsAt.getTime();
    const results = await Promise.allSettled(
      times(
        () => () =>
          extendRequest({
            ctx: ctx(users.alice!),
            queue: h.queue,
            input: { requestId, extraMinutes: 30, justification: "More time please" },
          }),
      ).map((call) => call()),
    );
    const won = results.filter((r) => r.status === "fulfilled").length;
    expect(won).toBeGreaterThanOrEqual(1);
    for (const r of results)
      if (r.status === "rejected") expect(isAppError(r.reason) && r.reason.code).toBe("CONFLICT");
    const final = await row(requestId);
    expect(final.endsAt.getTime()).toBe(start + won * 30 * MINUTE);
    const extended = await events(requestId, "request.extended");
    expect(extended).toHaveLength(won);
    let previous = start;
    for (const event of extended) {
      expect(new Date((event.before as { endsAt: string }).endsAt).getTime()).toBe(previous);
      previous = new Date((event.after as { endsAt: string }).endsAt).getTime();
    }
    expect(previous).toBe(final.endsAt.getTime());
  });

  it("extend: five extends of the version the requester saw apply once", async () => {
    const requestId = await selfServiceRequest("Concurrent extends of one version");
    const { version, endsAt } = await row(requestId);
    const result = await race(
      times(
        () => () =>
          extendRequest({
            ctx: ctx(users.alice!),
            queue: h.queue,
            input: { requestId, extraMinutes: 30, justification: "More time please", expectedVersion: version },
          }),
      ),
    );
    const final = await row(requestId);
    expect(final.endsAt.getTime()).toBe(endsAt.getTime() + 30 * MINUTE);
    expect(result).toMatchObject({ applied: true, endsAt: final.endsAt });
    const extended = await events(requestId, "request.extended");
    expect(extended.map((e) => (e.after as { endsAt: string }).endsAt)).toEqual([final.endsAt.toISOString()]);
  });

  it("extend needing approval: one extension round is opened", async () => {
    const requestId = await approvedRequest("Concurrent extension requests");
    const { version } = await row(requestId);
    await race(
      times(
        (i) => () =>
          extendRequest({
            ctx: ctx(users.alice!),
            queue: h.queue,
            input: { requestId, extraMinutes: 30 + 5 * i, justification: "More time please", expectedVersion: version },
          }),
      ),
    );
    const final = await row(requestId);
    expect(final.extensionRound).toBe(1);
    const requested = await events(requestId, "request.extension_requested");
    expect(requested).toHaveLength(1);
    expect((requested[0]!.after as { extraMinutes: number }).extraMinutes).toBe(final.extensionRequestedMinutes);
  });

  it("cancel", async () => {
    const requestId = await pendingRequest("Concurrent cancels");
    const { version } = await row(requestId);
    await race(
      times(
        () => () =>
          cancelRequest({ ctx: ctx(users.alice!), queue: h.queue, input: { requestId, expectedVersion: version } }),
      ),
    );
    expect((await row(requestId)).status).toBe("CANCELLED");
    expect(await events(requestId, "request.cancelled")).toHaveLength(1);
  });

  it("release", async () => {
    const requestId = await approvedRequest("Concurrent releases");
    const { version } = await row(requestId);
    await race(
      times(
        () => () =>
          releaseGrant({ ctx: ctx(users.alice!), queue: h.queue, input: { requestId, expectedVersion: version } }),
      ),
    );
    const released = await events(requestId, "request.released");
    expect(released).toHaveLength(1);
    expect((released[0]!.after as { endsAt: string }).endsAt).toBe((await row(requestId)).endsAt.toISOString());
  });

  it("revoke", async () => {
    const requestId = await approvedRequest("Concurrent revokes");
    const { version } = await row(requestId);
    await race(
      times(
        () => () =>
          revokeGrant({
            ctx: ctx(users.bob!),
            queue: h.queue,
            input: { requestId, reason: "Incident closed", expectedVersion: version },
          }),
      ),
    );
    expect((await row(requestId)).status).toBe("REVOKED");
    expect(await events(requestId, "request.revoked")).toHaveLength(1);
  });

  it("decide: the same approver five times records one decision", async () => {
    const requestId = await pendingRequest("Concurrent decisions, one approver");
    const { version } = await row(requestId);
    await race(
      times(
        () => () =>
          decideRequest({
            ctx: ctx(users.bob!),
            queue: h.queue,
            input: { requestId, decision: "APPROVE", expectedVersion: version },
          }),
      ),
    );
    expect((await row(requestId)).status).toBe("APPROVED");
    expect(await h.db.prisma.approvalDecision.count({ where: { requestId } })).toBe(1);
    expect(await events(requestId, "request.approved")).toHaveLength(1);
    expect(await h.db.prisma.grant.count({ where: { requestId } })).toBe(1);
  });

  it("decide: different approvers of a one-approval request, one of them approves it", async () => {
    const requestId = await pendingRequest("Concurrent decisions, three approvers");
    const approvers = [users.bob!, users.dave!, users.lee!];
    await race(
      approvers.map(
        (approver) => () =>
          decideRequest({ ctx: ctx(approver), queue: h.queue, input: { requestId, decision: "APPROVE" } }),
      ),
    );
    expect(await h.db.prisma.approvalDecision.count({ where: { requestId } })).toBe(1);
    expect(await events(requestId, "request.approved")).toHaveLength(1);
    expect(await h.db.prisma.grant.count({ where: { requestId } })).toBe(1);
  });

  it("decide-extension: concurrent approvals apply the extension once", async () => {
    const requestId = await approvedRequest("Concurrent extension decisions");
    await extendRequest({
      ctx: ctx(users.alice!),
      queue: h.queue,
      input: { requestId, extraMinutes: 30, justification: "More time please" },
    });
    const { endsAt } = await row(requestId);
    const approvers = [users.bob!, users.dave!, users.lee!];
    await race(
      approvers.map(
        (approver) => () =>
          decideExtension({ ctx: ctx(approver), queue: h.queue, input: { requestId, decision: "APPROVE" } }),
      ),
    );
    const final = await row(requestId);
    expect(final.endsAt.getTime()).toBe(endsAt.getTime() + 30 * MINUTE);
    expect(await events(requestId, "request.extended")).toHaveLength(1);
    expect(await events(requestId, "request.extension_approved")).toHaveLength(1);
  });

  it("decide-extension: the same approver five times decides once", async () => {
    const requestId = await approvedRequest("Concurrent extension decisions, one approver");
    await extendRequest({
      ctx: ctx(users.alice!),
      queue: h.queue,
      input: { requestId, extraMinutes: 30, justification: "More time please" },
    });
    const { version } = await row(requestId);
    await race(
      times(
        () => () =>
          decideExtension({
            ctx: ctx(users.bob!),
            queue: h.queue,
            input: { requestId, decision: "APPROVE", expectedVersion: version },
          }),
      ),
    );
    expect(await h.db.prisma.approvalDecision.count({ where: { requestId, kind: "EXTENSION" } })).toBe(1);
    expect(await events(requestId, "request.extended")).toHaveLength(1);
  });

  it("expire-pending (worker verb): one run expires the request, the others find nothing to do", async () => {
    const requestId = await pendingRequest("Concurrent expiry runs");
    const later = new Date(Date.now() + 2 * 24 * 60 * MINUTE);
    const results = await Promise.all(
      times(() => () => expirePendingRequest({ ctx: { ...h.system(), now: () => later }, input: { requestId } })).map(
        (call) => call(),
      ),
    );
    expect(results.filter((r) => r.expired)).toHaveLength(1);
    expect((await row(requestId)).status).toBe("EXPIRED");
    expect(await events(requestId, "request.expired")).toHaveLength(1);
  });
});
