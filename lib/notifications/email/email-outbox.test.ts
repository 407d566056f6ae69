import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../log";
import { decideRequest } from "../../services/approvals/decide-request";
import type { ChannelSenders } from "../../services/notifications/channel-sender";
import { claimDueDeliveries, deliverOne } from "../../services/notifications/deliver-notifications";
import { useNotificationSettings, type NotificationSettings } from "../../services/notifications/settings";
import { createRequest } from "../../services/requests/create-request";
import { seedAccount } from "../../simulator/seed";
import { startServiceHarness, type ServiceHarness } from "../../testing/service-harness";
import { createChannelSenders } from "../senders";
import { startSmtpTestSink, type SmtpTestSink } from "./smtp-test-sink";

const paymentsProd = seedAccount("payments-prod")!;
const APP_URL = "http://portal.test";

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
      approvers: { users: [bob@example.com] }
      required: 1
`;

let harness: ServiceHarness;
let sink: SmtpTestSink;
let senders: ChannelSenders;
let settings: NotificationSettings;

beforeAll(async () => {
  [harness, sink] = await Promise.all([
    startServiceHarness({ policyYaml, systemJob: "email-outbox-test" }),
    startSmtpTestSink(),
  ]);
  settings = {
    appUrl: APP_URL,
    accessPortalUrl: "https://d-123.awsapps.com/start",
    slack: null,
    email: { smtpUrl: `smtp://127.0.0.1:${sink.port}`, from: "jit@example.com", approvalsTo: [], securityTo: [] },
    webhooks: [],
    retry: { baseMs: 10, windowMs: 60_000, maxAttempts: 3 },
  };
  // The factory the worker calls: email is on because its settings are present.
  senders = createChannelSenders(settings, {
    db: harness.db.prisma,
    log: createLogger({ level: "silent", secrets: [] }),
  });
}, 120_000);

afterAll(async () => {
  useNotificationSettings(null);
  await senders?.EMAIL?.close?.();
  await sink?.close();
  await harness?.stop();
});

async function deliverDueFor(requestId: string) {
  const deps = { db: harness.db.prisma, senders, retry: settings.retry };
  for (const claimed of await claimDueDeliveries(harness.db.prisma, { limit: 500 }))
    if (claimed.notification.requestId === requestId) await deliverOne(deps, claimed);
}

describe("email through the outbox", () => {
  it("registers the email sender only when email is configured", () => {
    expect(senders.EMAIL).toBeDefined();
    const off = createChannelSenders(
      { ...settings, email: null },
      { db: harness.db.prisma, log: createLogger({ level: "silent", secrets: [] }) },
    );
    expect(off.EMAIL).toBeUndefined();
  });

  it("alice's request reaches bob by email with a link to the request page; the decision reaches alice", async () => {
    useNotificationSettings(settings);
    const powerUser = await harness.db.prisma.permissionSet.findFirstOrThrow({ where: { name: "PowerUser" } });
    const { requestId } = await createRequest({
      ctx: harness.ctxFor(harness.users.alice!),
      queue: harness.queue,
      input: {
        targets: [{ accountId: paymentsProd.id, permissionSetArn: powerUser.arn }],
        justification: "Payments incident <script>alert(1)</script>",
        durationMinutes: 60,
        startMode: "now",
      },
    });
    await deliverDueFor(requestId);

    const [toBob] = await sink.waitFor(1);
    expect(toBob!.envelopeTo).toEqual(["bob@example.com"]);
    expect(toBob!.mail.subject).toMatch(/^Approval needed.*: alice@example\.com wants PowerUser on payments-prod$/);
    expect(toBob!.mail.text).toContain(`Review the request: ${APP_URL}/requests/${requestId}`);
    expect(toBob!.mail.html).toContain(`href="${APP_URL}/requests/${requestId}"`);
    expect(toBob!.mail.html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(toBob!.mail.html).not.toContain("<script>");
    expect(toBob!.mail.headers.get("x-jit-event")).toBe("request.waiting");
    const waiting = await harness.db.prisma.notificationDelivery.findFirstOrThrow({
      where: { notification: { requestId, type: "request.waiting" }, channel: "EMAIL" },
    });
    expect(waiting).toMatchObject({ target: "bob@example.com", status: "SENT", attempts: 1 });
    expect(toBob!.mail.messageId).toBe(`<${waiting.id}@jit-portal>`);

    await decideRequest({
      ctx: harness.ctxFor(harness.users.bob!),
      queue: harness.queue,
      input: { requestId, decision: "DENY", comment: "Use the read-only role first" },
    });
    await deliverDueFor(requestId);
    const [, toAlice] = await sink.waitFor(2);
    expect(toAlice!.envelopeTo).toEqual(["alice@example.com"]);
    expect(toAlice!.mail.subject).toBe("Denied: PowerUser on payments-prod");
    expect(toAlice!.mail.text).toContain("> Use the read-only role first");
    expect(sink.inbox).toHaveLength(2);
  });
});
