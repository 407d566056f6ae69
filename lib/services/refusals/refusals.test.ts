import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { isAppError } from "../../domain/errors";
import { seedAccount, seedPermissionSet } from "../../simulator/seed";
import { startServiceHarness, type ServiceHarness } from "../../testing/service-harness";
import { decideExtension } from "../approvals/decide-extension";
import { decideRequest } from "../approvals/decide-request";
import type { Actor, ServiceContext, UserActor } from "../context";
import { revokeGrant } from "../grants/revoke-grant";
import { cancelRequest } from "../requests/cancel-request";
import { createRequest } from "../requests/create-request";
import { extendRequest } from "../requests/extend-request";
import { summarizeRefusals } from "./record-refusal";
import { withRefusalAudit, type AuditedVerb } from "./with-refusal-audit";

const paymentsProd = seedAccount("payments-prod")!;
const powerUser = seedPermissionSet("PowerUser")!;
const readOnly = seedPermissionSet("ReadOnly")!;

const POLICY = `
version: 1
rules:
  - id: payments-power
    requesters: { groups: [team-payments] }
    accounts: { ids: ["${paymentsProd.id}"] }
    permissionSets: [PowerUser]
    maxDurationMinutes: 240
    approval: { auto: false, approvers: { groups: [approvers] }, required: 1 }
    extension: { allowed: true, requiresApproval: true }
`;

let harness: ServiceHarness;
let users: Record<string, UserActor>;
const t0 = new Date("2030-03-01T09:00:00.000Z");
const at = (ms: number) => new Date(t0.getTime() + ms);
const anonymous: Actor = { type: "anonymous", ip: "203.0.113.9", userAgent: "curl/8" };

function ctxAt(actor: Actor, when: Date = t0): ServiceContext {
  return { actor, db: harness.db.prisma, now: () => when };
}

/** Runs a verb the way every adapter does; returns the refusal code (the refusal itself is the point). */
async function attempt(
  verb: AuditedVerb,
  ctx: ServiceContext,
  target: unknown,
  run: (ctx: ServiceContext) => Promise<unknown>,
): Promise<string> {
  const error = await withRefusalAudit(verb, ctx, target, () => run(ctx)).then(
    () => null,
    (e: unknown) => e,
  );
  if (!isAppError(error)) throw new Error(`expected a refusal, got ${String(error)}`);
  return error.code;
}

let mark = 0n;
async function eventsSinceMark(action?: string) {
  return harness.db.prisma.auditEvent.findMany({
    where: { seq: { gt: mark }, ...(action ? { action } : {}) },
    orderBy: { seq: "asc" },
  });
}

async function pendingRequest(requester: UserActor) {
  const created = await createRequest({
    ctx: harness.ctxFor(requester),
    queue: harness.queue,
    input: {
      targets: [{ accountId: paymentsProd.id, permissionSetArn: powerUser.arn }],
      durationMinutes: 60,
      startMode: "now",
      justification: "Refusal audit test request",
    },
  });
  return created.requestId;
}

beforeAll(async () => {
  harness = await startServiceHarness({ policyYaml: POLICY, systemJob: "refusal-test" });
  users = harness.users;
}, 60_000);

afterAll(async () => {
  await harness?.stop();
});

beforeEach(async () => {
  // Windows are per actor+verb across tests; each test starts with none open.
  await harness.db.prisma.refusalWindow.deleteMany();
  mark = (await harness.db.prisma.auditEvent.findFirst({ orderBy: { seq: "desc" }, select: { seq: true } }))?.seq ?? 0n;
});

describe("every refusal kind is audited once, with actor, verb, target and reason", () => {
  it.each<
    [
      string,
      () => {
        verb: AuditedVerb;
        actor: Actor;
        target: () => Promise<string>;
        run: (ctx: ServiceContext, target: string) => Promise<unknown>;
      },
      string,
      string,
    ]
  >([
    [
      "not signed in (anonymous, with address and user agent)",
      () => ({
        verb: "request.cancel",
        actor: anonymous,
        target: async () => "req-probe-1",
        run: (ctx, id) => cancelRequest({ ctx, queue: harness.queue, input: { requestId: id } }),
      }),
      "UNAUTHENTICATED",
      "Sign in first.",
    ],
    [
      "forbidden role (a requester revoking)",
      () => ({
        verb: "request.revoke",
        actor: users.alice!,
        target: () => pendingRequest(users.alice!),
        run: (ctx, id) =>
          revokeGrant({ ctx, queue: harness.queue, input: { requestId: id, reason: "trying to revoke" } }),
      }),
      "FORBIDDEN",
      "Your role does not allow this.",
    ],
    [
      "someone else's request (NOT_FOUND)",
      () => ({
        verb: "request.cancel",
        actor: users.erin!,
        target: () => pendingRequest(users.alice!),
        run: (ctx, id) => cancelRequest({ ctx, queue: harness.queue, input: { requestId: id } }),
      }),
      "NOT_FOUND",
      "That request does not exist.",
    ],
    [
      "invalid state (extending a pending request)",
      () => ({
        verb: "request.extend",
        actor: users.alice!,
        target: () => pendingRequest(users.alice!),
        run: (ctx, id) =>
          extendRequest({
            ctx,
            queue: harness.queue,
            input: { requestId: id, extraMinutes: "30", justification: "need more time" },
          }),
      }),
      "INVALID_TRANSITION",
      "Only approved or active access can be extended.",
    ],
    [
      "conflict (deciding a request that is no longer pending)",
      () => ({
        verb: "request.decide",
        actor: users.dave!,
        target: async () => {
          const id = await pendingRequest(users.alice!);
          await cancelRequest({ ctx: harness.ctxFor(users.alice!), queue: harness.queue, input: { requestId: id } });
          return id;
        },
        run: (ctx, id) => decideRequest({ ctx, queue: harness.queue, input: { requestId: id, decision: "APPROVE" } }),
      }),
      "CONFLICT",
      "This request is already cancelled.",
    ],
    [
      "policy denied (erin asks for payments)",
      () => ({
        verb: "request.create",
        actor: users.erin!,
        target: async () => "",
        run: (ctx) =>
          createRequest({
            ctx,
            queue: harness.queue,
            input: {
              targets: [{ accountId: paymentsProd.id, permissionSetArn: readOnly.arn }],
              durationMinutes: 30,
              startMode: "now",
              justification: "Just looking around here",
            },
          }),
      }),
      "POLICY_DENIED",
      "",
    ],
    [
      "an extension decision with no extension waiting",
      () => ({
        verb: "extension.decide",
        actor: users.bob!,
        target: async () => {
          const id = await pendingRequest(users.alice!);
          await decideRequest({
            ctx: harness.ctxFor(users.bob!),
            queue: harness.queue,
            input: { requestId: id, decision: "APPROVE" },
          });
          return id;
        },
        run: (ctx, id) => decideExtension({ ctx, queue: harness.queue, input: { requestId: id, decision: "APPROVE" } }),
      }),
      "CONFLICT",
      "There is no extension waiting for a decision.",
    ],
  ])("%s", async (_label, setup, code, reason) => {
    const { verb, actor, target, run } = setup();
    const targetId = await target();
    mark = (await harness.db.prisma.auditEvent.findFirstOrThrow({ orderBy: { seq: "desc" }, select: { seq: true } }))
      .seq;
    expect(await attempt(verb, ctxAt(actor), targetId, (ctx) => run(ctx, targetId))).toBe(code);
    const events = await eventsSinceMark();
    expect(events.map((e) => e.action)).toEqual(["access.refused"]);
    const event = events[0]!;
    expect(event).toMatchObject({
      entityType: "verb",
      entityId: verb,
      actorType: actor.type === "user" ? "USER" : "ANONYMOUS",
      actorId: actor.type === "user" ? actor.userId : null,
    });
    expect(event.after).toEqual({ verb, target: targetId === "" ? null : targetId, code });
    if (reason) expect(event.reason).toBe(reason);
    else expect(event.reason).toBeTruthy();
    if (actor.type === "anonymous")
      expect(event).toMatchObject({ actorLabel: "anonymous", ip: "203.0.113.9", userAgent: "curl/8" });
  });

  it("a refused approval the verb audits itself (request.decision_refused) is not recorded twice", async () => {
    const aliceAsApprover: UserActor = {
      ...users.alice!,
      roles: ["REQUESTER", "APPROVER"],
      groups: [...users.alice!.groups, "approvers"],
    };
    const id = await pendingRequest(users.alice!);
    mark = (await harness.db.prisma.auditEvent.findFirstOrThrow({ orderBy: { seq: "desc" }, select: { seq: true } }))
      .seq;
    expect(
      await attempt("request.decide", harness.ctxFor(aliceAsApprover), id, (ctx) =>
        decideRequest({ ctx, queue: harness.queue, input: { requestId: id, decision: "APPROVE" } }),
      ),
    ).toBe("SELF_APPROVAL");
    expect((await eventsSinceMark()).map((e) => e.action)).toEqual(["request.decision_refused"]);
  });

  it("a refused extension decision the verb audits itself (request.extension_decision_refused) is not recorded twice", async () => {
    const aliceAsApprover: UserActor = {
      ...users.alice!,
      roles: ["REQUESTER", "APPROVER"],
      groups: [...users.alice!.groups, "approvers"],
    };
    const id = await pendingRequest(users.alice!);
    await decideRequest({
      ctx: harness.ctxFor(users.bob!),
      queue: harness.queue,
      input: { requestId: id, decision: "APPROVE" },
    });
    await extendRequest({
      ctx: harness.ctxFor(users.alice!),
      queue: harness.queue,
      input: { requestId: id, extraMinutes: 30, justification: "need more time" },
    });
    mark = (await harness.db.prisma.auditEvent.findFirstOrThrow({ orderBy: { seq: "desc" }, select: { seq: true } }))
      .seq;
    expect(
      await attempt("extension.decide", harness.ctxFor(aliceAsApprover), id, (ctx) =>
        decideExtension({ ctx, queue: harness.queue, input: { requestId: id, decision: "APPROVE" } }),
      ),
    ).toBe("SELF_APPROVAL");
    expect((await eventsSinceMark()).map((e) => e.action)).toEqual(["request.extension_decision_refused"]);
  });

  it("a validation error is not probing and leaves no refusal event", async () => {
    expect(
      await attempt("request.create", ctxAt(users.alice!), null, (ctx) =>
        createRequest({
          ctx,
          queue: harness.queue,
          input: { targets: [], durationMinutes: "0x10", startMode: "now", justification: "x" },
        }),
      ),
    ).toBe("VALIDATION");
    expect(await eventsSinceMark()).toEqual([]);
    expect(await harness.db.prisma.refusalWindow.count()).toBe(0);
  });
});

describe("repeated refusals are coalesced per actor and verb within a minute", () => {
  const forbiddenRevoke = (actor: Actor, when: Date, target = "req-x") =>
    attempt("request.revoke", ctxAt(actor, when), target, (ctx) =>
      revokeGrant({ ctx, queue: harness.queue, input: { requestId: target, reason: "probing revoke" } }),
    );

  it("50 concurrent refusals in one minute: one event at once, then one summary with count 50 (49 after the first)", async () => {
    const codes = await Promise.all(
      Array.from({ length: 50 }, (_, i) => forbiddenRevoke(users.alice!, at(i * 1000), `req-${i}`)),
    );
    expect(new Set(codes)).toEqual(new Set(["FORBIDDEN"]));
    const immediate = await eventsSinceMark();
    expect(immediate.map((e) => e.action)).toEqual(["access.refused"]);
    expect((await harness.db.prisma.refusalWindow.findFirstOrThrow()).count).toBe(50);

    // Still inside the window: the sweep leaves it alone.
    expect(await summarizeRefusals({ ctx: ctxAt({ type: "system", job: "refusal-sweep" }, at(59_000)) })).toEqual({
      summarized: 0,
      dropped: 0,
    });
    expect(await summarizeRefusals({ ctx: ctxAt({ type: "system", job: "refusal-sweep" }, at(61_000)) })).toEqual({
      summarized: 1,
      dropped: 1,
    });
    const events = await eventsSinceMark();
    expect(events.map((e) => e.action)).toEqual(["access.refused", "access.refused_repeated"]);
    const summary = events[1]!;
    expect(summary).toMatchObject({
      actorType: "USER",
      actorId: users.alice!.userId,
      entityId: "request.revoke",
      reason: "Your role does not allow this.",
    });
    expect(summary.after).toMatchObject({
      verb: "request.revoke",
      count: 50,
      afterFirst: 49,
      code: "FORBIDDEN",
      windowStart: t0.toISOString(),
      windowEnd: at(60_000).toISOString(),
    });
    // A second sweep finds nothing: the summary is written once.
    expect(await summarizeRefusals({ ctx: ctxAt({ type: "system", job: "refusal-sweep" }, at(120_000)) })).toEqual({
      summarized: 0,
      dropped: 0,
    });
  });

  it("the next refusal after the minute writes the closed window's summary itself, then opens a new window", async () => {
    for (let i = 0; i < 3; i++) await forbiddenRevoke(users.alice!, at(i * 1000));
    await forbiddenRevoke(users.alice!, at(90_000));
    const events = await eventsSinceMark();
    expect(events.map((e) => e.action)).toEqual(["access.refused", "access.refused_repeated", "access.refused"]);
    expect(events[1]!.after).toMatchObject({ count: 3, afterFirst: 2 });
    expect((await harness.db.prisma.refusalWindow.findFirstOrThrow()).count).toBe(1);
    // A window with a single refusal closes without a summary.
    expect(await summarizeRefusals({ ctx: ctxAt({ type: "system", job: "refusal-sweep" }, at(200_000)) })).toEqual({
      summarized: 0,
      dropped: 1,
    });
  });

  it("two actors, or one actor at two verbs, are not coalesced", async () => {
    await Promise.all([
      forbiddenRevoke(users.alice!, t0),
      forbiddenRevoke(users.erin!, t0),
      forbiddenRevoke(users.alice!, at(1)),
      forbiddenRevoke(users.erin!, at(1)),
    ]);
    await attempt("request.decide", ctxAt(users.alice!), "req-y", (ctx) =>
      decideRequest({ ctx, queue: harness.queue, input: { requestId: "req-y", decision: "APPROVE" } }),
    );
    const events = await eventsSinceMark("access.refused");
    expect(events.map((e) => `${e.actorId} ${e.entityId}`).sort()).toEqual(
      [
        `${users.alice!.userId} request.decide`,
        `${users.alice!.userId} request.revoke`,
        `${users.erin!.userId} request.revoke`,
      ].sort(),
    );
    expect(await harness.db.prisma.refusalWindow.count()).toBe(3);
  });

  it("anonymous callers share one window whatever address they claim, so a rotated header cannot flood the trail", async () => {
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        attempt(
          "request.cancel",
          ctxAt({ type: "anonymous", ip: `198.51.100.${i}`, userAgent: "x" }, at(i)),
          `req-${i}`,
          (ctx) => cancelRequest({ ctx, queue: harness.queue, input: { requestId: `req-${i}` } }),
        ),
      ),
    );
    expect((await eventsSinceMark()).map((e) => e.action)).toEqual(["access.refused"]);
    expect((await harness.db.prisma.refusalWindow.findFirstOrThrow()).count).toBe(10);
  });

  it("a hostile target is stored bounded and without control characters", async () => {
    await forbiddenRevoke(users.alice!, t0, `a\u0000b\u202Ec${"x".repeat(500)}`);
    const [event] = await eventsSinceMark();
    const target = (event!.after as { target: string }).target;
    expect(target.startsWith("a\ufffdb\ufffdc")).toBe(true);
    expect(target.length).toBe(128);
  });
});
