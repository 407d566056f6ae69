import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { seedAccount, seedPermissionSet, seedUser } from "../../simulator/seed";
import { startServiceHarness, type ServiceHarness } from "../../testing/service-harness";
import { expectCode } from "../../testing/expect-app-error";
import { onAlert, type RaisedAlert } from "../alerts/alert-hook";
import type { ServiceContext, UserActor } from "../context";
import { activateGrant } from "../grants/activate-grant";
import { activeBreakGlass, canBreakGlass, getBreakGlassOverview } from "../queries/break-glass";
import { useNotificationSettings } from "../notifications/settings";
import { reconcileAssignments } from "../reconcile/reconcile-assignments";
import { breakGlassRequest, breakGlassUsedAlertKey } from "../requests/break-glass-request";
import { withRefusalAudit } from "../refusals/with-refusal-audit";
import { breakGlassUnreviewedAlertKey, checkBreakGlassReviews } from "./check-break-glass-reviews";
import { reviewBreakGlass } from "./review-break-glass";

const paymentsProd = seedAccount("payments-prod")!;
const management = seedAccount("Management")!;
const admin = seedPermissionSet("AdministratorAccess")!;
const powerUser = seedPermissionSet("PowerUser")!;
const readOnly = seedPermissionSet("ReadOnly")!;

let harness: ServiceHarness;
let users: Record<string, UserActor>;
const hooked: RaisedAlert[] = [];
const at = (date: Date): ServiceContext => ({ ...harness.system(), now: () => date });

beforeAll(async () => {
  harness = await startServiceHarness({
    policyYaml: `
version: 1
rules:
  - id: payments-read
    requesters: { groups: [team-payments] }
    accounts: { ids: ["${paymentsProd.id}"] }
    permissionSets: [ReadOnly]
    maxDurationMinutes: 60
    approval: { auto: true }
deny:
  - id: no-management
    requesters: { groups: ["*"] }
    accounts: { ids: ["${management.id}"] }
    permissionSets: ["*"]
    reason: The management account is break-glass only, offline.
breakGlass:
  - id: on-call
    requesters: { groups: [on-call], users: [frank@example.com] }
    accounts: { ids: ["${paymentsProd.id}", "${management.id}"] }
    permissionSets: [AdministratorAccess, PowerUser]
    maxDurationMinutes: 60
    incident: { pattern: "^INC-[0-9]{1,8}$", hint: "INC-1234" }
`,
    systemJob: "test-break-glass",
  });
  users = harness.users;
  onAlert((alert) => void hooked.push(alert));
}, 60_000);

afterAll(async () => {
  await harness?.stop();
});

afterEach(() => useNotificationSettings(null));

const input = (overrides: Record<string, unknown> = {}) => ({
  accountId: paymentsProd.id,
  permissionSetArn: admin.arn,
  durationMinutes: 60,
  justification: "Payments API is down, need to restart the cluster",
  incident: "INC-4711",
  ...overrides,
});

// As the server action runs it: refusals the verb does not audit itself are audited by the adapter.
const breakGlass = (user: UserActor, data: unknown) => {
  const ctx = harness.ctxFor(user);
  return withRefusalAudit("breakglass.use", ctx, null, () =>
    breakGlassRequest({ ctx, input: data, queue: harness.queue }),
  );
};

describe("break-glass", () => {
  let requestId: string;
  let useId: string;

  it("the on-call engineer is granted at once, without approval, through the grant worker", async () => {
    expect(await canBreakGlass({ ctx: harness.ctxFor(users.erin!) })).toBe(true);
    useNotificationSettings({
      appUrl: "http://portal.test",
      slack: {
        botToken: "xoxb-test-token-000",
        signingSecret: "0123456789abcdef0123456789abcdef",
        approvalsChannel: "#access-approvals",
        securityChannel: "#security-alerts",
      },
      email: {
        smtpUrl: "smtp://127.0.0.1:1",
        from: "jit@example.com",
        approvalsTo: [],
        securityTo: ["sec@example.com"],
      },
      webhooks: [],
      retry: { baseMs: 10, windowMs: 60_000, maxAttempts: 3 },
    });
    const result = await breakGlass(users.erin!, input());
    requestId = result.requestId;
    expect(result.status).toBe("APPROVED");
    const request = await harness.db.prisma.accessRequest.findUniqueOrThrow({
      where: { id: requestId },
      include: { grants: true, breakGlassUse: true },
    });
    expect(request).toMatchObject({
      breakGlass: true,
      ticket: "INC-4711",
      requiredApprovals: 0,
      matchedRuleId: "on-call",
    });
    expect(request.extensionAllowed).toBe(false);
    useId = request.breakGlassUse!.id;
    expect(request.breakGlassUse).toMatchObject({ source: "PORTAL", review: "PENDING", userId: users.erin!.userId });
    const grant = request.grants[0]!;
    expect(await activateGrant({ ctx: harness.system(), input: { grantId: grant.id }, deps: harness.deps })).toBe(
      "activated",
    );
    const listed = await harness.port.listAssignments({ accountId: paymentsProd.id, permissionSetArn: admin.arn });
    expect(listed.map((a) => a.principalId)).toContain(seedUser("erin").userId);
    const actions = (
      await harness.db.prisma.auditEvent.findMany({ where: { requestId }, orderBy: { seq: "asc" } })
    ).map((e) => e.action);
    expect(actions.slice(0, 5)).toEqual([
      "request.created",
      "request.auto_approved",
      "breakglass.used",
      "alert.raised",
      "grant.provisioning",
    ]);
    const alert = await harness.db.prisma.alert.findFirstOrThrow({
      where: { dedupeKey: breakGlassUsedAlertKey(useId) },
    });
    expect(alert).toMatchObject({ status: "OPEN", kind: "break-glass-used" });
    expect(hooked.map((a) => a.dedupeKey)).toContain(breakGlassUsedAlertKey(useId));
    // Security is told in the same transaction, through the outbox: its own event, not a "removal not verified" alert.
    const notifications = await harness.db.prisma.notification.findMany({
      where: { requestId },
      include: { deliveries: { select: { channel: true, target: true } } },
    });
    expect(notifications.map((n) => n.type)).not.toContain("removal.alert");
    expect(notifications.find((n) => n.type === "breakglass.used")?.deliveries).toEqual(
      expect.arrayContaining([
        { channel: "SLACK", target: "channel:#security-alerts" },
        { channel: "EMAIL", target: "sec@example.com" },
      ]),
    );
  });

  it("approvers and auditors see it active (the banner); the engineer and other requesters do not", async () => {
    for (const key of ["bob", "carol", "dave"])
      expect((await activeBreakGlass({ ctx: harness.ctxFor(users[key]!) }))?.map((a) => a.requestId)).toEqual([
        requestId,
      ]);
    expect(await activeBreakGlass({ ctx: harness.ctxFor(users.alice!) })).toBeNull();
    expect(await activeBreakGlass({ ctx: harness.ctxFor(users.erin!) })).toBeNull();
  });

  it("refuses and audits someone on no break-glass list, and counts the attempt", async () => {
    expect(await canBreakGlass({ ctx: harness.ctxFor(users.alice!) })).toBe(false);
    await expectCode(breakGlass(users.alice!, input()), "FORBIDDEN");
    const refused = await harness.db.prisma.auditEvent.findMany({ where: { action: "breakglass.refused" } });
    expect(refused).toEqual([
      expect.objectContaining({ actorLabel: "alice@example.com", reason: "You are not on any emergency access list." }),
    ]);
    // A second attempt in the same minute is folded into the refusal window and still counted.
    await expectCode(breakGlass(users.alice!, input()), "FORBIDDEN");
    expect((await getBreakGlassOverview({ ctx: harness.ctxFor(users.carol!) })).refusedAttempts).toBe(2);
  });

  it("deny rules win over break-glass, with the deny reason, audited", async () => {
    const error = await breakGlass(users.erin!, input({ accountId: management.id })).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "POLICY_DENIED",
      message: "The management account is break-glass only, offline.",
    });
    expect(
      await harness.db.prisma.auditEvent.count({
        where: { action: "breakglass.refused", actorLabel: "erin@example.com" },
      }),
    ).toBe(1);
  });

  it("bad input gets clear field messages and grants nothing", async () => {
    const before = await harness.db.prisma.accessRequest.count();
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ incident: "" }, "incident", /An incident reference is required, for example INC-1234/],
      [{ incident: "INC-1; drop table" }, "incident", /expected form; write it for example INC-1234/],
      [{ durationMinutes: 61 }, "durationMinutes", /Emergency access lasts at most 1 h here/],
      [{ durationMinutes: "1e2" }, "durationMinutes", /whole minutes/],
      [{ justification: "short" }, "justification", /at least 10 characters/],
      [{ permissionSetArn: readOnly.arn }, "target", /does not cover ReadOnly/],
    ];
    for (const [overrides, field, message] of cases) {
      const error = await breakGlass(users.erin!, input(overrides)).catch((e: unknown) => e);
      expect(error, JSON.stringify(overrides)).toMatchObject({
        fieldErrors: { [field]: [expect.stringMatching(message)] },
      });
    }
    expect(await harness.db.prisma.accessRequest.count()).toBe(before);
  });

  it("the user can never review their own use: refused and audited", async () => {
    const own = await breakGlass(users.frank!, input({ permissionSetArn: powerUser.arn, incident: "INC-5" }));
    const use = await harness.db.prisma.breakGlassUse.findUniqueOrThrow({ where: { requestId: own.requestId } });
    await expectCode(
      reviewBreakGlass({ ctx: harness.ctxFor(users.frank!), input: { useId: use.id, verdict: "JUSTIFIED" } }),
      "SELF_APPROVAL",
    );
    expect(
      await harness.db.prisma.auditEvent.count({
        where: { action: "breakglass.review_refused", requestId: own.requestId, actorLabel: "frank@example.com" },
      }),
    ).toBe(1);
    expect((await harness.db.prisma.breakGlassUse.findUniqueOrThrow({ where: { id: use.id } })).review).toBe("PENDING");
    const overview = await getBreakGlassOverview({ ctx: harness.ctxFor(users.frank!) });
    expect(overview.uses.find((u) => u.id === use.id)?.canReview).toBe(false);
    // The requester role may not review at all.
    await expectCode(
      reviewBreakGlass({ ctx: harness.ctxFor(users.alice!), input: { useId: use.id, verdict: "JUSTIFIED" } }),
      "FORBIDDEN",
    );
  });

  it("an unreviewed use raises an alert after the delay, which stays until reviewed", async () => {
    const use = await harness.db.prisma.breakGlassUse.findUniqueOrThrow({ where: { id: useId } });
    const early = new Date(use.usedAt.getTime() + 23 * 3_600_000);
    const late = new Date(use.usedAt.getTime() + 25 * 3_600_000);
    expect(await checkBreakGlassReviews({ ctx: at(early), settings: { reviewHours: 24 } })).toMatchObject({
      raised: 0,
    });
    expect(await harness.db.prisma.alert.count({ where: { dedupeKey: breakGlassUnreviewedAlertKey(useId) } })).toBe(0);
    expect(await checkBreakGlassReviews({ ctx: at(late), settings: { reviewHours: 24 } })).toMatchObject({ raised: 2 });
    // Checked again: the same alert stays open, no second one.
    expect(await checkBreakGlassReviews({ ctx: at(late), settings: { reviewHours: 24 } })).toMatchObject({ raised: 0 });
    const alerts = await harness.db.prisma.alert.findMany({
      where: { dedupeKey: breakGlassUnreviewedAlertKey(useId) },
    });
    expect(alerts).toEqual([expect.objectContaining({ status: "OPEN", kind: "break-glass-unreviewed" })]);
    expect(
      await harness.db.prisma.auditEvent.count({ where: { action: "breakglass.review_overdue", requestId } }),
    ).toBe(1);
  });

  it("a review needs a comment when not justified, happens once, and clears the alerts", async () => {
    await expectCode(
      reviewBreakGlass({ ctx: harness.ctxFor(users.carol!), input: { useId, verdict: "NOT_JUSTIFIED" } }),
      "VALIDATION",
    );
    await reviewBreakGlass({ ctx: harness.ctxFor(users.carol!), input: { useId, verdict: "JUSTIFIED" } });
    await expectCode(
      reviewBreakGlass({ ctx: harness.ctxFor(users.bob!), input: { useId, verdict: "JUSTIFIED" } }),
      "CONFLICT",
    );
    const alerts = await harness.db.prisma.alert.findMany({
      where: { dedupeKey: { in: [breakGlassUsedAlertKey(useId), breakGlassUnreviewedAlertKey(useId)] } },
    });
    expect(alerts.map((a) => a.status)).toEqual(["RESOLVED", "RESOLVED"]);
    const use = await harness.db.prisma.breakGlassUse.findUniqueOrThrow({ where: { id: useId } });
    // Checked again after the review: nothing is raised again.
    const late = new Date(use.usedAt.getTime() + 48 * 3_600_000);
    await checkBreakGlassReviews({ ctx: at(late), settings: { reviewHours: 24 } });
    expect(
      await harness.db.prisma.alert.count({
        where: { dedupeKey: breakGlassUnreviewedAlertKey(useId), status: { not: "RESOLVED" } },
      }),
    ).toBe(0);
    const overview = await getBreakGlassOverview({ ctx: harness.ctxFor(users.carol!) });
    expect(overview.uses.find((u) => u.id === useId)).toMatchObject({
      review: "JUSTIFIED",
      reviewer: "carol@example.com",
      minutesToReview: expect.any(Number),
      canReview: false,
    });
    await expectCode(getBreakGlassOverview({ ctx: harness.ctxFor(users.alice!) }), "FORBIDDEN");
  });

  it("the reconciler turns an out-of-band assignment on a break-glass target into an offline use to review", async () => {
    const reconcile = () =>
      reconcileAssignments({
        ctx: harness.system(),
        deps: { port: harness.port, queue: harness.queue, settings: { missing: "mark", outOfBand: "report" } },
      });
    await reconcile();
    const alice = seedUser("alice").userId;
    // Someone with the offline credentials assigns directly in AWS; the create completes asynchronously there.
    const created = await harness.port.assign({
      accountId: paymentsProd.id,
      permissionSetArn: powerUser.arn,
      principalType: "USER",
      principalId: alice,
    });
    await expect
      .poll(async () => (await harness.port.creationStatus(created.requestId)).status, { timeout: 5_000 })
      .toBe("SUCCEEDED");
    expect(await reconcile()).toMatchObject({ newFindings: 1 });
    const offline = await harness.db.prisma.breakGlassUse.findMany({ where: { source: "OFFLINE" } });
    expect(offline).toEqual([
      expect.objectContaining({ principalId: alice, accountId: paymentsProd.id, permissionSetArn: powerUser.arn }),
    ]);
    expect(await harness.db.prisma.auditEvent.count({ where: { action: "breakglass.offline_detected" } })).toBe(1);
    // A second round repeats the finding but not the use.
    await reconcile();
    expect(await harness.db.prisma.breakGlassUse.count({ where: { source: "OFFLINE" } })).toBe(1);
  });

  it("two reviewers deciding the same use at once: one review recorded and audited, the other told it was reviewed", async () => {
    const use = await harness.db.prisma.breakGlassUse.findFirstOrThrow({ where: { review: "PENDING" } });
    const verdicts = ["JUSTIFIED", "NOT_JUSTIFIED"] as const;
    const results = await Promise.allSettled(
      [users.carol!, users.bob!].map((reviewer, index) =>
        reviewBreakGlass({
          ctx: harness.ctxFor(reviewer),
          input: { useId: use.id, verdict: verdicts[index], comment: "Checked the incident ticket." },
        }),
      ),
    );
    const won = results.filter((result) => result.status === "fulfilled");
    const lost = results.filter((result) => result.status === "rejected");
    expect([won.length, lost.length]).toEqual([1, 1]);
    expect((lost[0] as PromiseRejectedResult).reason).toMatchObject({ code: "CONFLICT" });
    const reviewed = await harness.db.prisma.breakGlassUse.findUniqueOrThrow({ where: { id: use.id } });
    expect(reviewed.review).toBe((won[0] as PromiseFulfilledResult<{ review: string }>).value.review);
    const audited = await harness.db.prisma.auditEvent.findMany({
      where: { action: "breakglass.reviewed", after: { path: ["useId"], equals: use.id } },
    });
    expect(audited).toHaveLength(1);
  });
});
