import http from "node:http";
import { deliveredOrThrow } from "../../testing/deliver-or-throw";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canApprove } from "../../domain/policy";
import { createLogger } from "../../log";
import { createChannelSenders } from "../../notifications/senders";
import { startSmtpTestSink, type SmtpTestSink } from "../../notifications/email/smtp-test-sink";
import { seedAccount } from "../../simulator/seed";
import { startServiceHarness, type ServiceHarness } from "../../testing/service-harness";
import { decideRequest } from "../approvals/decide-request";
import type { Actor, ServiceContext } from "../context";
import { createRequest } from "../requests/create-request";
import { escalateRequest } from "../requests/escalate-request";
import { expirePendingRequest } from "../requests/expire-pending-request";
import { describeTargets, policyForRequest, policySubject } from "../requests/policy-targets";
import type { ChannelSenders, ClaimedDelivery, SendOutcome } from "./channel-sender";
import { claimDueDeliveries } from "./deliver-notifications";
import { useNotificationSettings, type NotificationSettings } from "./settings";

// An approval that is never given, on a simulated clock: waiting, half-time reminder, escalation, expiry.

const paymentsProd = seedAccount("payments-prod")!;
const SECRET = "whsec_" + Buffer.from("fedcba9876543210fedcba9876543210").toString("base64");
const MINUTE = 60_000;
const LEASE_MS = 60_000;
// Far from the wall clock, so anything that reads the wall clock instead of the verb's now shows up.
const DAY0 = Date.parse("2031-03-03T09:00:00.000Z");

const policyYaml = `
version: 1
defaults: { pendingApprovalExpiryMinutes: 240 }
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
      expiryMinutes: 60
      escalation: { afterMinutes: 45, approvers: { groups: [security-approvers] } }
`;

interface Hook {
  id: string;
  verified: boolean;
  type: string;
  requestId: string;
}

let harness: ServiceHarness;
let sink: SmtpTestSink;
let senders: ChannelSenders;
let settings: NotificationSettings;
let receiver: http.Server;
const hooks: Hook[] = [];
// Emails the senders reported sent; the sink may parse a mail after the pooled transport has answered.
let emailsSent = 0;

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      let verified = true;
      let event = { type: "", data: { request: { id: "" } } };
      try {
        event = new Webhook(SECRET).verify(body, req.headers as Record<string, string>) as typeof event;
      } catch {
        verified = false;
      }
      hooks.push({
        id: String(req.headers["webhook-id"]),
        verified,
        type: event.type,
        requestId: event.data.request?.id ?? "",
      });
      res.writeHead(verified ? 204 : 401).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  [harness, sink] = await Promise.all([
    startServiceHarness({ policyYaml, systemJob: "approval-timeline-test" }),
    startSmtpTestSink(),
  ]);
  settings = {
    appUrl: "http://portal.test",
    slack: null,
    email: { smtpUrl: `smtp://127.0.0.1:${sink.port}`, from: "jit@example.com", approvalsTo: [], securityTo: [] },
    webhooks: [
      {
        name: "siem",
        url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`,
        secret: SECRET,
        events: ["*"],
      },
    ],
    retry: { baseMs: 10, windowMs: 60_000, maxAttempts: 3 },
  };
  useNotificationSettings(settings);
  senders = createChannelSenders(settings, {
    db: harness.db.prisma,
    log: createLogger({ level: "silent", secrets: [] }),
  });
}, 120_000);

afterAll(async () => {
  useNotificationSettings(null);
  await senders?.EMAIL?.close?.();
  await sink?.close();
  await new Promise((resolve) => receiver?.close(resolve));
  await harness?.stop();
});

const at = (t0: number, minutes: number) => new Date(t0 + minutes * MINUTE);
const ctxAt = (actor: Actor, now: Date): ServiceContext => ({ ...harness.ctxFor(actor), now: () => now });
const systemAt = (now: Date) => ({ ...harness.system(), now: () => now });
const deps = (now: Date) => ({ db: harness.db.prisma, senders, retry: settings.retry, now: () => now });

async function requestPowerUser(now: Date) {
  const powerUser = await harness.db.prisma.permissionSet.findFirstOrThrow({ where: { name: "PowerUser" } });
  const { requestId } = await createRequest({
    ctx: ctxAt(harness.users.alice!, now),
    queue: harness.queue,
    input: {
      targets: [{ accountId: paymentsProd.id, permissionSetArn: powerUser.arn }],
      justification: "Payments incident, nobody around to approve",
      durationMinutes: 60,
      startMode: "now",
    },
  });
  return requestId;
}

/** One worker pass at `now`: claims everything due and delivers it with the real senders. */
async function workerPass(now: Date): Promise<{ delivery: ClaimedDelivery; outcome: SendOutcome }[]> {
  const done = [];
  for (const delivery of await claimDueDeliveries(harness.db.prisma, { limit: 500, leaseMs: LEASE_MS, now }))
    done.push({ delivery, outcome: await sendCounted(() => deliveredOrThrow(deps(now), delivery), delivery) });
  return done;
}

async function sendCounted(send: () => Promise<SendOutcome>, delivery: ClaimedDelivery) {
  const outcome = await send();
  if (delivery.channel === "EMAIL" && outcome.status === "sent") emailsSent++;
  return outcome;
}

/** The whole inbox, once every mail the senders reported sent has arrived. */
async function inbox() {
  return sink.waitFor(emailsSent);
}

const ofRequest = (done: Awaited<ReturnType<typeof workerPass>>, requestId: string) =>
  done.filter((d) => d.delivery.notification.requestId === requestId);

/** `channel target: type -> outcome`, sorted, for one request's share of a pass. */
const described = (done: Awaited<ReturnType<typeof workerPass>>, requestId: string) =>
  ofRequest(done, requestId)
    .map(
      ({ delivery, outcome }) =>
        `${delivery.channel} ${delivery.target}: ${delivery.notification.type} -> ${outcome.status}`,
    )
    .sort();

/** The mails these deliveries produced, as `recipient: X-JIT-Event`. */
async function mailsOf(done: Awaited<ReturnType<typeof workerPass>>) {
  const ids = new Set(done.map((d) => `<${d.delivery.id}@jit-portal>`));
  return (await inbox())
    .filter((m) => ids.has(m.mail.messageId ?? ""))
    .map((m) => `${m.envelopeTo.join(",")}: ${String(m.mail.headers.get("x-jit-event"))}`)
    .sort();
}

/** What the policy says about grace deciding this request as it stands now. */
async function graceVerdict(requestId: string) {
  const request = await harness.db.prisma.accessRequest.findUniqueOrThrow({
    where: { id: requestId },
    include: { requester: true, targets: true, decisions: { where: { kind: "REQUEST" } } },
  });
  const grace = harness.users.grace!;
  return canApprove(
    await policyForRequest(harness.db.prisma, request.policyId),
    { userId: grace.userId, email: grace.email, groups: grace.groups },
    {
      ...policySubject(request, await describeTargets(harness.db.prisma, request.targets)),
      decisions: request.decisions,
    },
  );
}

describe("an approval that is never given", () => {
  it("waits, reminds at half time, escalates to security at 45 minutes and expires at 60, by email and webhook", async () => {
    const t0 = DAY0;
    const requestId = await requestPowerUser(at(t0, 0));
    const request = await harness.db.prisma.accessRequest.findUniqueOrThrow({ where: { id: requestId } });
    expect(request.approvalExpiresAt).toEqual(at(t0, 60));
    // The worker's escalation job is scheduled on the same clock as the request.
    const [escalationJob] = await harness.boss.findJobs("request-escalate", { key: `escalate-${requestId}` });
    expect(escalationJob?.startAfter).toEqual(at(t0, 45));

    // t0: the routed approvers are asked; the requester and the escalation group are not.
    const waiting = await workerPass(at(t0, 0));
    expect(described(waiting, requestId)).toEqual([
      "EMAIL bob@example.com: request.waiting -> sent",
      "EMAIL dave@example.com: request.waiting -> sent",
      "EMAIL frank@example.com: request.waiting -> sent",
      "WEBHOOK siem: request.waiting -> sent",
    ]);
    expect(await mailsOf(waiting)).toEqual([
      "bob@example.com: request.waiting",
      "dave@example.com: request.waiting",
      "frank@example.com: request.waiting",
    ]);

    // t0+29: nothing is due yet, in particular no reminder.
    expect(ofRequest(await workerPass(at(t0, 29)), requestId)).toEqual([]);

    // t0+31: the half-time reminder goes to the approvers, not to grace; grace still may not decide.
    const reminders = await workerPass(at(t0, 31));
    expect(described(reminders, requestId)).toEqual([
      "EMAIL bob@example.com: approval.reminder -> sent",
      "EMAIL dave@example.com: approval.reminder -> sent",
      "EMAIL frank@example.com: approval.reminder -> sent",
      "WEBHOOK siem: approval.reminder -> sent",
    ]);
    expect(await mailsOf(reminders)).toEqual([
      "bob@example.com: approval.reminder",
      "dave@example.com: approval.reminder",
      "frank@example.com: approval.reminder",
    ]);
    expect(await graceVerdict(requestId)).toMatchObject({ ok: false, code: "FORBIDDEN" });
    await expect(
      decideRequest({
        ctx: ctxAt(harness.users.grace!, at(t0, 31)),
        queue: harness.queue,
        input: { requestId, decision: "APPROVE" },
      }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });

    // t0+46: escalation opens the request to security-approvers and tells grace alone.
    expect(await escalateRequest({ ctx: systemAt(at(t0, 46)), input: { requestId } })).toEqual({ escalated: true });
    const escalated = await workerPass(at(t0, 46));
    expect(described(escalated, requestId)).toEqual([
      "EMAIL grace@example.com: approval.escalated -> sent",
      "WEBHOOK siem: approval.escalated -> sent",
    ]);
    expect(await mailsOf(escalated)).toEqual(["grace@example.com: approval.escalated"]);
    expect(await graceVerdict(requestId)).toMatchObject({ ok: true, viaGroups: ["security-approvers"] });

    // t0+59 the window is still open; t0+61 it expired and alice hears it.
    expect(await expirePendingRequest({ ctx: systemAt(at(t0, 59)), input: { requestId } })).toEqual({
      expired: false,
    });
    expect(await expirePendingRequest({ ctx: systemAt(at(t0, 61)), input: { requestId } })).toEqual({ expired: true });
    const expired = await workerPass(at(t0, 61));
    expect(described(expired, requestId)).toEqual([
      "EMAIL alice@example.com: request.expired -> sent",
      "WEBHOOK siem: request.expired -> sent",
    ]);
    expect(await mailsOf(expired)).toEqual(["alice@example.com: request.expired"]);

    const received = hooks.filter((h) => h.requestId === requestId);
    expect(received.map((h) => h.type)).toEqual([
      "request.waiting",
      "approval.reminder",
      "approval.escalated",
      "request.expired",
    ]);
    expect(received.every((h) => h.verified)).toBe(true);
    const statuses = await harness.db.prisma.notificationDelivery.findMany({
      where: { notification: { requestId } },
      select: { status: true },
    });
    expect(statuses.every((d) => d.status === "SENT")).toBe(true);
  });

  it("a request decided at t0+10 skips its reminder at t0+31 and is not escalated at t0+46", async () => {
    const t0 = DAY0 + 24 * 60 * MINUTE;
    const requestId = await requestPowerUser(at(t0, 0));
    await workerPass(at(t0, 0));
    await decideRequest({
      ctx: ctxAt(harness.users.bob!, at(t0, 10)),
      queue: harness.queue,
      input: { requestId, decision: "APPROVE" },
    });
    const approved = await workerPass(at(t0, 10));
    expect(described(approved, requestId)).toEqual([
      "EMAIL alice@example.com: request.approved -> sent",
      "WEBHOOK siem: request.approved -> sent",
    ]);
    const mailsBefore = (await inbox()).length;
    const hooksBefore = hooks.length;

    const reminders = await workerPass(at(t0, 31));
    expect(described(reminders, requestId)).toEqual([
      "EMAIL bob@example.com: approval.reminder -> skipped",
      "EMAIL dave@example.com: approval.reminder -> skipped",
      "EMAIL frank@example.com: approval.reminder -> skipped",
      "WEBHOOK siem: approval.reminder -> skipped",
    ]);
    expect(
      await harness.db.prisma.notificationDelivery.findMany({
        where: { notification: { requestId, type: "approval.reminder" } },
        select: { status: true, sentAt: true },
      }),
    ).toEqual(Array(4).fill({ status: "SKIPPED", sentAt: null }));

    expect(await escalateRequest({ ctx: systemAt(at(t0, 46)), input: { requestId } })).toEqual({ escalated: false });
    expect(ofRequest(await workerPass(at(t0, 46)), requestId)).toEqual([]);
    expect(await harness.db.prisma.notification.count({ where: { requestId, type: "approval.escalated" } })).toBe(0);
    expect(await inbox()).toHaveLength(mailsBefore);
    expect(hooks).toHaveLength(hooksBefore);
  });

  it("a worker that dies between sending and recording loses nothing: after its lease the mail goes again with the same Message-ID", async () => {
    const t0 = DAY0 + 2 * 24 * 60 * MINUTE;
    const requestId = await requestPowerUser(at(t0, 0));
    const mailsBefore = (await inbox()).length;

    // Workers A and B claim at the same instant: each delivery goes to exactly one of them.
    const [claimedByA, claimedByB] = await Promise.all([
      claimDueDeliveries(harness.db.prisma, { limit: 500, leaseMs: LEASE_MS, now: at(t0, 0) }),
      claimDueDeliveries(harness.db.prisma, { limit: 500, leaseMs: LEASE_MS, now: at(t0, 0) }),
    ]);
    const mineA = claimedByA.filter((d) => d.notification.requestId === requestId).map((d) => d.id);
    const mineB = claimedByB.filter((d) => d.notification.requestId === requestId).map((d) => d.id);
    expect(mineA.filter((id) => mineB.includes(id))).toEqual([]);
    expect(mineA.length + mineB.length).toBe(4);
    // Nor does a third worker, later but while the leases hold.
    expect(
      (await claimDueDeliveries(harness.db.prisma, { limit: 500, leaseMs: LEASE_MS, now: at(t0, 0.5) })).filter(
        (d) => d.notification.requestId === requestId,
      ),
    ).toEqual([]);

    // Bob's mail is sent, then its worker dies before recording the outcome; the rest are delivered normally.
    const claimed = [...claimedByA, ...claimedByB];
    const toBob = claimed.find((d) => d.target === "bob@example.com" && d.notification.requestId === requestId)!;
    expect(await sendCounted(() => senders.EMAIL!.send(toBob), toBob)).toMatchObject({ status: "sent" });
    for (const delivery of claimed)
      if (delivery !== toBob) await sendCounted(() => deliveredOrThrow(deps(at(t0, 0)), delivery), delivery);

    const afterLease = new Date(at(t0, 0).getTime() + LEASE_MS + 1);
    const again = await claimDueDeliveries(harness.db.prisma, { limit: 500, leaseMs: LEASE_MS, now: afterLease });
    expect(again.map((d) => [d.id, d.attempts])).toEqual([[toBob.id, 2]]);
    expect(await sendCounted(() => deliveredOrThrow(deps(afterLease), again[0]!), again[0]!)).toMatchObject({
      status: "sent",
    });

    const mails = (await inbox()).slice(mailsBefore);
    expect(mails).toHaveLength(4);
    const bobs = mails.filter((m) => m.envelopeTo.includes("bob@example.com"));
    expect(bobs.map((m) => m.mail.messageId)).toEqual([`<${toBob.id}@jit-portal>`, `<${toBob.id}@jit-portal>`]);
    expect(
      await harness.db.prisma.notificationDelivery.findUniqueOrThrow({
        where: { id: toBob.id },
        select: { status: true, attempts: true, leaseUntil: true },
      }),
    ).toEqual({ status: "SENT", attempts: 2, leaseUntil: null });
  });
});
