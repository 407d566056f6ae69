import http from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { isAppError } from "../../domain/errors";
import { createWebhookSender } from "../../notifications/webhook/webhook-sender";
import { seedAccount } from "../../simulator/seed";
import { startServiceHarness, type ServiceHarness } from "../../testing/service-harness";
import { decideRequest } from "../approvals/decide-request";
import { emitAudit } from "../audit";
import { systemActor } from "../context";
import { createRequest } from "../requests/create-request";
import { escalateRequest } from "../requests/escalate-request";
import { claimDueDeliveries, deliverOne } from "./deliver-notifications";
import { useNotificationSettings, type NotificationSettings } from "./settings";

const paymentsProd = seedAccount("payments-prod")!;
const SECRET = "whsec_" + Buffer.from("0123456789abcdef0123456789abcdef").toString("base64");

const policyYaml = `
version: 1
defaults: { pendingApprovalExpiryMinutes: 60 }
rules:
  - id: payments-power
    requesters: { groups: [team-payments] }
    accounts: { ids: ["${paymentsProd.id}"] }
    permissionSets: [PowerUser]
    maxDurationMinutes: 240
    approval:
      auto: false
      approvers: { groups: [approvers] }
      required: 1
      escalation: { afterMinutes: 30, approvers: { groups: [security-approvers] } }
    notify: { slackChannel: "#payments-approvals", emails: [payments-leads@example.com] }
  - id: payments-read
    requesters: { groups: [team-payments] }
    accounts: { ids: ["${paymentsProd.id}"] }
    permissionSets: [ReadOnly]
    maxDurationMinutes: 480
    approval: { auto: true }
`;

let harness: ServiceHarness;
let receiver: http.Server;
let receiverUrl = "";
const received: { id: string; verified: boolean; type: string }[] = [];
let failing = false;

function settings(overrides: Partial<NotificationSettings> = {}): NotificationSettings {
  return {
    appUrl: "http://portal.test",
    slack: {
      botToken: "xoxb-test-token-000",
      signingSecret: "0123456789abcdef0123456789abcdef",
      approvalsChannel: "#access-approvals",
      securityChannel: "#security-alerts",
    },
    email: { smtpUrl: "smtp://127.0.0.1:1", from: "jit@example.com", approvalsTo: [], securityTo: ["sec@example.com"] },
    webhooks: [{ name: "siem", url: `${receiverUrl}/siem`, secret: SECRET, events: ["request.*", "approval.*"] }],
    retry: { baseMs: 10, windowMs: 60_000, maxAttempts: 3 },
    ...overrides,
  };
}

beforeAll(async () => {
  harness = await startServiceHarness({ policyYaml, systemJob: "outbox-test" });
  receiver = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      let verified = true;
      let type = "";
      try {
        type = (new Webhook(SECRET).verify(body, req.headers as Record<string, string>) as { type: string }).type;
      } catch {
        verified = false;
      }
      received.push({ id: String(req.headers["webhook-id"]), verified, type });
      res.writeHead(failing ? 500 : verified ? 204 : 401).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  useNotificationSettings(null);
  receiver?.close();
  await harness?.stop();
});

afterEach(() => {
  useNotificationSettings(null);
  failing = false;
});

const powerUserArn = () =>
  harness.db.prisma.permissionSet.findFirstOrThrow({ where: { name: "PowerUser" } }).then((p) => p.arn);

async function requestPowerUser() {
  const { requestId } = await createRequest({
    ctx: harness.ctxFor(harness.users.alice!),
    queue: harness.queue,
    input: {
      targets: [{ accountId: paymentsProd.id, permissionSetArn: await powerUserArn() }],
      justification: "Investigating the payments incident",
      durationMinutes: 60,
      startMode: "now",
    },
  });
  return requestId;
}

async function deliveriesOf(requestId: string, type: string) {
  const rows = await harness.db.prisma.notificationDelivery.findMany({ where: { notification: { requestId, type } } });
  return rows.sort((a, b) => `${a.channel} ${a.target}`.localeCompare(`${b.channel} ${b.target}`));
}

describe("notification outbox", () => {
  it("writes nothing while every channel is off (the default)", async () => {
    const requestId = await requestPowerUser();
    expect(await harness.db.prisma.notification.count({ where: { requestId } })).toBe(0);
  });

  it("a waiting request notifies the rule's channel, each routed approver and the rule's list, never the requester", async () => {
    useNotificationSettings(settings());
    const requestId = await requestPowerUser();
    const targets = (await deliveriesOf(requestId, "request.waiting")).map((d) => `${d.channel} ${d.target}`);
    expect(targets).toEqual([
      "EMAIL bob@example.com",
      "EMAIL dave@example.com",
      "EMAIL frank@example.com",
      "EMAIL payments-leads@example.com",
      "SLACK channel:#payments-approvals",
      "SLACK dm:bob@example.com",
      "SLACK dm:dave@example.com",
      "SLACK dm:frank@example.com",
      "WEBHOOK siem",
    ]);
    expect(targets.join(" ")).not.toContain("alice");
    // The reminder waits for half the approval window.
    const reminders = await deliveriesOf(requestId, "approval.reminder");
    const request = await harness.db.prisma.accessRequest.findUniqueOrThrow({ where: { id: requestId } });
    const half = request.createdAt.getTime() + (request.approvalExpiresAt!.getTime() - request.createdAt.getTime()) / 2;
    expect(reminders.length).toBeGreaterThan(0);
    for (const r of reminders) expect(Math.abs(r.nextAttemptAt.getTime() - half)).toBeLessThan(1000);
  });

  it("an auto-approved request asks nobody", async () => {
    useNotificationSettings(settings());
    const readOnly = await harness.db.prisma.permissionSet.findFirstOrThrow({ where: { name: "ReadOnly" } });
    const { requestId } = await createRequest({
      ctx: harness.ctxFor(harness.users.alice!),
      queue: harness.queue,
      input: {
        targets: [{ accountId: paymentsProd.id, permissionSetArn: readOnly.arn }],
        justification: "Reading the payments logs",
        durationMinutes: 30,
        startMode: "now",
      },
    });
    expect(await deliveriesOf(requestId, "request.waiting")).toEqual([]);
  });

  it("a rolled-back change leaves no notification behind", async () => {
    useNotificationSettings(settings());
    const requestId = await requestPowerUser();
    const before = await harness.db.prisma.notification.count();
    await expect(
      harness.db.prisma.$transaction(async (tx) => {
        await emitAudit(tx, systemActor("test"), {
          action: "request.approved",
          entityType: "request",
          entityId: requestId,
          requestId,
        });
        expect(await tx.notification.count()).toBeGreaterThan(before);
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await harness.db.prisma.notification.count()).toBe(before);
  });

  it("a denial tells the requester with the comment, and re-renders the Slack copies", async () => {
    useNotificationSettings(settings());
    const requestId = await requestPowerUser();
    await decideRequest({
      ctx: harness.ctxFor(harness.users.bob!),
      queue: harness.queue,
      input: { requestId, decision: "DENY", comment: "Use the read-only role first" },
    });
    const denied = await harness.db.prisma.notification.findFirstOrThrow({
      where: { requestId, type: "request.denied" },
    });
    expect((await deliveriesOf(requestId, "request.denied")).map((d) => `${d.channel} ${d.target}`)).toEqual([
      "EMAIL alice@example.com",
      "SLACK dm:alice@example.com",
      "WEBHOOK siem",
    ]);
    const payload = denied.payload as { request: { decisions: { comment: string; by: { email: string } }[] } };
    expect(payload.request.decisions).toEqual([
      expect.objectContaining({
        comment: "Use the read-only role first",
        by: expect.objectContaining({ email: "bob@example.com" }),
      }),
    ]);
    expect((await deliveriesOf(requestId, "request.updated")).map((d) => d.target)).toEqual([`copies:${requestId}`]);
  });

  it("escalation opens the request to the fallback group and tells them; before it they are refused", async () => {
    useNotificationSettings(settings());
    const requestId = await requestPowerUser();
    const graceTries = () =>
      decideRequest({
        ctx: harness.ctxFor(harness.users.grace!),
        queue: harness.queue,
        input: { requestId, decision: "APPROVE" },
      });
    const refused = await graceTries().catch((e: unknown) => e);
    expect(isAppError(refused) && refused.code).toBe("FORBIDDEN");
    expect(await escalateRequest({ ctx: harness.system(), input: { requestId } })).toEqual({ escalated: true });
    expect(await escalateRequest({ ctx: harness.system(), input: { requestId } })).toEqual({ escalated: false });
    const escalated = (await deliveriesOf(requestId, "approval.escalated")).map((d) => `${d.channel} ${d.target}`);
    expect(escalated).toEqual(
      expect.arrayContaining([
        "SLACK dm:grace@example.com",
        "EMAIL grace@example.com",
        "SLACK channel:#payments-approvals",
      ]),
    );
    expect(escalated.join(" ")).not.toContain("bob@");
    await expect(graceTries()).resolves.toMatchObject({ status: "APPROVED" });
  });

  it("a reminder that falls due after the decision is skipped, not sent", async () => {
    useNotificationSettings(settings());
    const requestId = await requestPowerUser();
    await decideRequest({
      ctx: harness.ctxFor(harness.users.bob!),
      queue: harness.queue,
      input: { requestId, decision: "APPROVE" },
    });
    await harness.db.prisma.notificationDelivery.updateMany({
      where: { notification: { requestId, type: "approval.reminder" }, channel: "WEBHOOK" },
      data: { nextAttemptAt: new Date(Date.now() - 1000) },
    });
    const sender = createWebhookSender(settings().webhooks);
    const claimed = (await claimDueDeliveries(harness.db.prisma, { limit: 500 })).filter(
      (d) => d.notification.requestId === requestId && d.notification.type === "approval.reminder",
    );
    expect(claimed).toHaveLength(1);
    const outcome = await deliverOne(
      { db: harness.db.prisma, senders: { WEBHOOK: sender }, retry: settings().retry },
      claimed[0]!,
    );
    expect(outcome?.status).toBe("skipped");
    expect((await deliveriesOf(requestId, "approval.reminder")).find((d) => d.channel === "WEBHOOK")?.status).toBe(
      "SKIPPED",
    );
  });

  it("a delivery whose lease ran out while it waited in its batch is left to the worker that claimed it since", async () => {
    useNotificationSettings(settings({ slack: null, email: null }));
    const requestId = await requestPowerUser();
    const deps = {
      db: harness.db.prisma,
      senders: { WEBHOOK: createWebhookSender(settings().webhooks) },
      retry: settings().retry,
    };
    const mine = (list: Awaited<ReturnType<typeof claimDueDeliveries>>) =>
      list.filter((d) => d.notification.requestId === requestId && d.notification.type === "request.waiting");
    const start = new Date();
    const [first] = mine(await claimDueDeliveries(harness.db.prisma, { limit: 500, leaseMs: 1000, now: start }));
    // Worker A stalls past its lease; worker B claims the delivery and sends it.
    const later = new Date(start.getTime() + 1500);
    const [second] = mine(await claimDueDeliveries(harness.db.prisma, { limit: 500, now: later }));
    expect(second?.id).toBe(first!.id);
    const sentBefore = received.filter((r) => r.id === first!.id).length;
    expect(await deliverOne({ ...deps, now: () => later }, second!)).toMatchObject({ status: "sent" });
    // A wakes up: it must not send again, and changes nothing.
    expect(await deliverOne({ ...deps, now: () => later }, first!)).toBeNull();
    expect(received.filter((r) => r.id === first!.id).length).toBe(sentBefore + 1);
    expect(await harness.db.prisma.notificationDelivery.findUniqueOrThrow({ where: { id: first!.id } })).toMatchObject({
      status: "SENT",
      attempts: 2,
    });
  });

  it("webhook deliveries are signed, keep their id across retries, and a failing endpoint ends in the dead letters", async () => {
    useNotificationSettings(settings({ slack: null, email: null }));
    const requestId = await requestPowerUser();
    const deps = {
      db: harness.db.prisma,
      senders: { WEBHOOK: createWebhookSender(settings().webhooks) },
      retry: settings().retry,
    };
    const deliverDue = async () => {
      for (const d of await claimDueDeliveries(harness.db.prisma, { limit: 500 }))
        if (d.notification.requestId === requestId) await deliverOne(deps, d);
    };
    const [waiting] = await deliveriesOf(requestId, "request.waiting");
    failing = true;
    for (let attempt = 0; attempt < 3; attempt++) {
      await harness.db.prisma.notificationDelivery.update({
        where: { id: waiting!.id },
        data: { nextAttemptAt: new Date(0) },
      });
      await deliverDue();
    }
    const dead = await harness.db.prisma.notificationDelivery.findUniqueOrThrow({ where: { id: waiting!.id } });
    expect(dead).toMatchObject({ status: "DEAD", attempts: 3 });
    expect(dead.lastError).toContain("HTTP 500");
    const attempts = received.filter((r) => r.id === waiting!.id);
    expect(attempts).toHaveLength(3);
    expect(attempts.every((a) => a.verified && a.type === "request.waiting")).toBe(true);
  });
});
