import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GrantStatus, RequestStatus } from "../../generated/prisma/enums";
import type { JobQueue } from "../../jobs/job-queue";
import { createTestDatabase, type TestDatabase } from "../../testing/test-database";
import { expectCode } from "../../testing/expect-app-error";
import { emitAudit } from "../audit";
import { systemActor, type ServiceContext, type UserActor } from "../context";
import { cancelRequest } from "../requests/cancel-request";
import { getAuditTimeline } from "./audit-timeline";
import { exportAccessHistory } from "./history-export";
import { readHistoryFilters } from "./history-filters";
import { getHistoryInsights } from "./history-insights";
import { listAccessHistory } from "./history-list";
import { listMyRequests } from "./my-requests";
import { getRequestDetail } from "./request-detail";

// What the request pages say, read from the situations that made them say something untrue.

const PAYMENTS = { id: "210987654321", name: "payments-prod", ouPath: "Root/Workloads", ouIds: ["r-root1"] };
const SANDBOX = { id: "410987654321", name: "sandbox-alice", ouPath: "Root/Sandbox", ouIds: ["r-root1"] };
const POWER = {
  arn: "arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/ps-power",
  name: "PowerUser",
  sessionDurationMinutes: 60,
};
const READ = {
  arn: "arn:aws:sso:::permissionSet/ssoins-1234567890abcdef/ps-read",
  name: "ReadOnly",
  sessionDurationMinutes: 720,
};
const MIN = 60_000;
const queue: JobQueue = { send: async () => {} };

let db: TestDatabase;
let alice: UserActor;
let carol: UserActor;
const now = new Date();
const ctxFor = (actor: UserActor): ServiceContext => ({ actor, db: db.prisma, now: () => now });

async function person(name: string, roles: ("REQUESTER" | "AUDITOR")[]): Promise<UserActor> {
  const email = `${name}@example.com`;
  const user = await db.prisma.user.create({ data: { email, name, roles } });
  return {
    type: "user",
    userId: user.id,
    email,
    name,
    roles,
    groups: [],
    identityStoreUserId: null,
    ip: null,
    userAgent: null,
  };
}

async function seedRequest(spec: {
  status: RequestStatus;
  startsAt?: Date;
  endsAt?: Date;
  targets?: { accountId: string; permissionSetArn: string }[];
}) {
  const startsAt = spec.startsAt ?? new Date(now.getTime() - 30 * MIN);
  return db.prisma.accessRequest.create({
    data: {
      requesterId: alice.userId,
      status: spec.status,
      justification: "Incident work",
      durationMinutes: 60,
      startsAt,
      endsAt: spec.endsAt ?? new Date(startsAt.getTime() + 60 * MIN),
      maxDurationMinutes: 120,
      targets: { create: spec.targets ?? [{ accountId: PAYMENTS.id, permissionSetArn: POWER.arn }] },
    },
    include: { targets: true },
  });
}

async function seedGrant(
  request: { id: string; targets: { id: string; accountId: string; permissionSetArn: string }[] },
  status: GrantStatus,
  extra: { endsAt?: Date; keptForOtherGrant?: boolean; createIssuedAt?: Date | null; index?: number } = {},
) {
  const target = request.targets[extra.index ?? 0]!;
  return db.prisma.grant.create({
    data: {
      requestId: request.id,
      targetId: target.id,
      userId: alice.userId,
      accountId: target.accountId,
      permissionSetArn: target.permissionSetArn,
      principalId: "u-alice",
      status,
      startsAt: new Date(now.getTime() - 30 * MIN),
      endsAt: extra.endsAt ?? new Date(now.getTime() + 30 * MIN),
      createIssuedAt: extra.createIssuedAt === undefined ? new Date(now.getTime() - 30 * MIN) : extra.createIssuedAt,
      keptForOtherGrant: extra.keptForOtherGrant ?? false,
    },
  });
}

beforeAll(async () => {
  db = await createTestDatabase();
  await db.prisma.awsAccount.createMany({ data: [PAYMENTS, SANDBOX] });
  await db.prisma.permissionSet.createMany({ data: [POWER, READ] });
  alice = await person("alice", ["REQUESTER"]);
  carol = await person("carol", ["AUDITOR"]);
});

afterAll(async () => {
  await db?.drop();
});

describe("a request that never started", () => {
  it("cancelled 5 minutes after it was asked says it never started, not '5 min used', and its target was not granted", async () => {
    const asked = new Date(now.getTime() - 5 * MIN);
    const request = await seedRequest({ status: "PENDING", startsAt: asked });
    await cancelRequest({ ctx: ctxFor(alice), input: { requestId: request.id, expectedVersion: 0 }, queue });
    const detail = await getRequestDetail({ ctx: ctxFor(alice), input: { requestId: request.id } });
    expect(detail.status).toBe("CANCELLED");
    expect(detail.windowText).toBe("1 h asked; never started, no access was used; policy max 2 h");
    expect(detail.windowText).not.toContain("used,");
    expect(detail.targets.map((t) => [t.grant, t.ungrantedText])).toEqual([[null, "not granted"]]);
  });

  it("expired without a decision shows its targets as not granted", async () => {
    const request = await seedRequest({ status: "EXPIRED" });
    const detail = await getRequestDetail({ ctx: ctxFor(alice), input: { requestId: request.id } });
    expect(detail.targets[0]!.ungrantedText).toBe("not granted");
    expect(detail.windowText).toContain("never started");
  });

  it("still waiting shows its targets as granted after approval", async () => {
    const request = await seedRequest({ status: "PENDING" });
    const detail = await getRequestDetail({ ctx: ctxFor(alice), input: { requestId: request.id } });
    expect(detail.targets[0]!.ungrantedText).toBe("after approval");
  });
});

describe("a grant whose assignment stayed for another grant", () => {
  it("names the other active grant instead of saying all access was removed, on the request page and the audit trail", async () => {
    const other = await seedRequest({ status: "ACTIVE" });
    const otherGrant = await seedGrant(other, "ACTIVE");
    const ended = await seedRequest({ status: "COMPLETED", endsAt: now });
    const keptGrant = await seedGrant(ended, "REMOVED", { endsAt: now, keptForOtherGrant: true });
    await db.prisma.$transaction(async (tx) => {
      const worker = systemActor("grant-deactivate");
      await emitAudit(tx, worker, {
        action: "grant.ended_assignment_kept",
        entityType: "grant",
        entityId: keptGrant.id,
        requestId: ended.id,
        after: { kept: "covered-by-active-grant", coveringGrantIds: [otherGrant.id] },
      });
      await emitAudit(tx, worker, {
        action: "request.completed",
        entityType: "request",
        entityId: ended.id,
        requestId: ended.id,
      });
    });

    const detail = await getRequestDetail({ ctx: ctxFor(alice), input: { requestId: ended.id } });
    expect(detail.targets[0]!.grant!.keptNote).toBe(
      `Access ended; the assignment stays for the other active grant of request ${other.id}.`,
    );
    const titles = detail.timeline.map((e) => e.title);
    expect(titles).toEqual([
      `Access ended: PowerUser on payments-prod; the assignment stays for the other active grant of request ${other.id}`,
      `Completed: access ended; PowerUser on payments-prod stays assigned for the other active grant of request ${other.id}`,
    ]);
    expect(titles.join("\n")).not.toContain("all access removed");

    const trail = await getAuditTimeline({ ctx: ctxFor(carol), input: { requestId: ended.id } });
    expect(trail.entries.map((e) => e.title)).toEqual(titles);
    expect(trail.entries[0]).toMatchObject({ target: "PowerUser on payments-prod", entityId: keptGrant.id });
    expect(trail.entries[0]!.title).not.toContain(keptGrant.id);
  });

  it("a request whose assignments were all removed still says so", async () => {
    const done = await seedRequest({ status: "COMPLETED", endsAt: now });
    const grant = await seedGrant(done, "REMOVED", { endsAt: now });
    await db.prisma.$transaction(async (tx) => {
      const worker = systemActor("grant-deactivate");
      await emitAudit(tx, worker, {
        action: "grant.removed",
        entityType: "grant",
        entityId: grant.id,
        requestId: done.id,
      });
      await emitAudit(tx, worker, {
        action: "request.completed",
        entityType: "request",
        entityId: done.id,
        requestId: done.id,
      });
    });
    const trail = await getAuditTimeline({ ctx: ctxFor(carol), input: { requestId: done.id } });
    expect(trail.entries.map((e) => [e.title, e.target])).toEqual([
      ["Assignment removed (verified): PowerUser on payments-prod", "PowerUser on payments-prod"],
      ["Completed: all access removed", null],
    ]);
  });
});

describe("one status for the header and the banner", () => {
  it("a request past its end whose assignment is still being removed is 'Ending: removal in progress', with no session warning", async () => {
    const releasing = await seedRequest({ status: "ACTIVE", endsAt: now });
    await seedGrant(releasing, "REMOVING", { endsAt: now });
    const detail = await getRequestDetail({ ctx: ctxFor(alice), input: { requestId: releasing.id } });
    expect(detail.ending).toBe(true);
    expect(detail.headline).toEqual({ key: "ENDING", label: "Ending: removal in progress" });
    expect(detail.sessionNotice).toBeNull();
  });

  it("a running request keeps its own status and one session sentence for all its targets", async () => {
    const running = await seedRequest({
      status: "ACTIVE",
      targets: [
        { accountId: PAYMENTS.id, permissionSetArn: POWER.arn },
        { accountId: SANDBOX.id, permissionSetArn: READ.arn },
      ],
    });
    await seedGrant(running, "ACTIVE", { index: 0 });
    await seedGrant(running, "ACTIVE", { index: 1 });
    const detail = await getRequestDetail({ ctx: ctxFor(alice), input: { requestId: running.id } });
    expect(detail.headline).toEqual({ key: "ACTIVE", label: null });
    expect(detail.sessionNotice).toEqual({
      kind: "cut",
      text: "An AWS session opened during this access could otherwise stay valid for up to 12 hours after it ends, but it is cut off when the access ends (it can take a few minutes to reach every AWS region).",
    });

    const mine = await listMyRequests({ ctx: ctxFor(alice) });
    const warnings = mine.activeGrants.filter((g) => g.requestId === running.id).map((g) => g.sessionNotice);
    expect(warnings).toHaveLength(2);
    expect(warnings.filter(Boolean)).toEqual([detail.sessionNotice]);
  });

  it("a target whose rule turned session revocation off keeps the warning, naming that set, on the page and at home", async () => {
    const running = await seedRequest({
      status: "ACTIVE",
      targets: [
        { accountId: PAYMENTS.id, permissionSetArn: POWER.arn },
        { accountId: SANDBOX.id, permissionSetArn: READ.arn },
      ],
    });
    await db.prisma.requestTarget.updateMany({
      where: { requestId: running.id, permissionSetArn: READ.arn },
      data: { revokeSessionsOnEnd: false },
    });
    await seedGrant(running, "ACTIVE", { index: 0 });
    await seedGrant(running, "ACTIVE", { index: 1 });
    const expected = {
      kind: "outlives",
      text: "An AWS session opened during this access is cut off when the access ends, except a ReadOnly session, which can stay valid for up to 12 hours after it ends. Sign out of the AWS console when you are done.",
    };
    const detail = await getRequestDetail({ ctx: ctxFor(alice), input: { requestId: running.id } });
    expect(detail.sessionNotice).toEqual(expected);
    const mine = await listMyRequests({ ctx: ctxFor(alice) });
    expect(mine.activeGrants.filter((g) => g.requestId === running.id).flatMap((g) => g.sessionNotice ?? [])).toEqual([
      expected,
    ]);
  });
});

describe("history with From after To", () => {
  const inverted = { from: "2026-03-10", to: "2026-03-02" };

  it("the page reads a clear message instead of running a query that cannot match", () => {
    expect(readHistoryFilters(inverted).rangeProblem).toBe(
      "The From date is after the To date, so nothing can match: swap them or change one.",
    );
    expect(readHistoryFilters({ from: "2026-03-02", to: "2026-03-02" }).rangeProblem).toBeNull();
  });

  it("the list, the export and the charts refuse it as a field error", async () => {
    const auditor = ctxFor(carol);
    await expectCode(listAccessHistory({ ctx: auditor, input: inverted }), "VALIDATION");
    await expectCode(exportAccessHistory({ ctx: auditor, input: { ...inverted, format: "csv" } }), "VALIDATION");
    await expectCode(getHistoryInsights({ ctx: auditor, input: inverted }), "VALIDATION");
    await expect(listAccessHistory({ ctx: auditor, input: inverted })).rejects.toMatchObject({
      fieldErrors: { from: ["The From date is after the To date, so nothing can match: swap them or change one."] },
    });
  });
});
