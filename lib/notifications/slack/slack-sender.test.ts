import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { deliveredOrThrow } from "../../testing/deliver-or-throw";
import { createLogger } from "../../log";
import { decideRequest } from "../../services/approvals/decide-request";
import type { ChannelSender, ClaimedDelivery } from "../../services/notifications/channel-sender";
import { claimDueDeliveries, deliverOne } from "../../services/notifications/deliver-notifications";
import { useNotificationSettings, type NotificationSettings } from "../../services/notifications/settings";
import { createRequest } from "../../services/requests/create-request";
import { NO_ANSWER_PREFIX } from "../../services/slack/slack-client";
import { seedAccount } from "../../simulator/seed";
import {
  APPROVALS_CHANNEL_ID,
  SlackSimulatorControl,
  slackUserIdFor,
  type SlackSimulatorHandle,
} from "../../slack-simulator";
import { startTestSlackSimulator, TEST_BOT_TOKEN, TEST_SIGNING_SECRET } from "../../slack-simulator/testing";
import { startServiceHarness, type ServiceHarness } from "../../testing/service-harness";
import { createSlackSender } from "./slack-sender";

const paymentsProd = seedAccount("payments-prod")!;
const policyYaml = `
version: 1
defaults: { pendingApprovalExpiryMinutes: 60 }
rules:
  - id: payments-power
    requesters: { groups: [team-payments] }
    accounts: { ids: ["${paymentsProd.id}"] }
    permissionSets: [PowerUser]
    maxDurationMinutes: 240
    approval: { auto: false, approvers: { groups: [approvers] }, required: 1 }
`;

let harness: ServiceHarness;
let sim: SlackSimulatorHandle;
let control: SlackSimulatorControl;
const log = createLogger({ level: "silent", secrets: [] });

function settings(): NotificationSettings {
  return {
    appUrl: "http://portal.test",
    slack: {
      botToken: TEST_BOT_TOKEN,
      signingSecret: TEST_SIGNING_SECRET,
      apiUrl: sim.apiUrl,
      approvalsChannel: "#access-approvals",
      securityChannel: "#security-alerts",
    },
    email: null,
    webhooks: [],
    retry: { baseMs: 10, windowMs: 60_000, maxAttempts: 5 },
  };
}

beforeAll(async () => {
  harness = await startServiceHarness({ policyYaml, systemJob: "slack-sender-test" });
  sim = await startTestSlackSimulator();
  control = new SlackSimulatorControl(sim.url);
}, 120_000);

afterAll(async () => {
  useNotificationSettings(null);
  await sim?.close();
  await harness?.stop();
});

beforeEach(async () => {
  await control.reset();
  useNotificationSettings(settings());
});
afterEach(() => useNotificationSettings(null));

const sender = (timeoutMs?: number) =>
  createSlackSender(settings().slack!, { db: harness.db.prisma, log }, { timeoutMs });

async function requestPowerUser() {
  const arn = (await harness.db.prisma.permissionSet.findFirstOrThrow({ where: { name: "PowerUser" } })).arn;
  const { requestId } = await createRequest({
    ctx: harness.ctxFor(harness.users.alice!),
    queue: harness.queue,
    input: {
      targets: [{ accountId: paymentsProd.id, permissionSetArn: arn }],
      justification: "Investigating the payments incident",
      durationMinutes: 60,
      startMode: "now",
    },
  });
  return requestId;
}

/** Claims this request's due Slack deliveries (optionally one event type or target) and delivers them. */
async function deliver(
  requestId: string,
  slack: ChannelSender,
  filter: { type?: string; target?: string } = {},
): Promise<{ delivery: ClaimedDelivery; outcome: NonNullable<Awaited<ReturnType<typeof deliverOne>>> }[]> {
  const mine = (d: ClaimedDelivery) =>
    d.notification.requestId === requestId &&
    d.channel === "SLACK" &&
    (!filter.type || d.notification.type === filter.type) &&
    (!filter.target || d.target === filter.target);
  // Put back what is not ours so other tests' rows stay due.
  const claimed = await claimDueDeliveries(harness.db.prisma, { limit: 500 });
  const others = claimed.filter((d) => !mine(d));
  if (others.length > 0)
    await harness.db.prisma.notificationDelivery.updateMany({
      where: { id: { in: others.map((d) => d.id) } },
      data: { leaseUntil: null, attempts: { decrement: 1 } },
    });
  const results = [];
  for (const delivery of claimed.filter(mine))
    results.push({
      delivery,
      outcome: await deliveredOrThrow(
        { db: harness.db.prisma, senders: { SLACK: slack }, retry: settings().retry },
        delivery,
      ),
    });
  return results;
}

const actionsIn = (blocks: unknown[]) => blocks.filter((b) => (b as { type: string }).type === "actions");

describe("Slack sender against the simulator", () => {
  it("posts the waiting request to the channel and DMs each approver by email, and keeps every copy", async () => {
    const requestId = await requestPowerUser();
    const results = await deliver(requestId, sender(), { type: "request.waiting" });
    expect(results.map((r) => r.outcome.status)).toEqual(results.map(() => "sent"));
    const [channelPost] = await control.messages(APPROVALS_CHANNEL_ID);
    expect(channelPost!.text).toContain("Alice Engineer");
    expect(channelPost!.metadata).toMatchObject({ event_type: "jit_notification" });
    expect(actionsIn(channelPost!.blocks)).toHaveLength(1);
    const bobDm = await control.messages(slackUserIdFor("bob"));
    expect(bobDm).toHaveLength(1);
    expect(await control.messages(slackUserIdFor("alice"))).toHaveLength(0);
    const copies = await harness.db.prisma.slackApprovalMessage.findMany({ where: { requestId } });
    expect(copies.map((c) => c.kind).sort()).toEqual(["channel", "dm", "dm", "dm"]);
    // Stored with the conversation ids Slack answered (D… for a DM), never the user id.
    expect(copies.find((c) => c.kind === "channel")).toMatchObject({
      channelId: APPROVALS_CHANNEL_ID,
      ts: channelPost!.ts,
    });
    expect(copies.filter((c) => c.kind === "dm").every((c) => c.channelId.startsWith("D"))).toBe(true);
  });

  it("a decision updates every copy: buttons removed, who approved shown", async () => {
    const requestId = await requestPowerUser();
    await deliver(requestId, sender(), { type: "request.waiting" });
    await decideRequest({
      ctx: harness.ctxFor(harness.users.bob!),
      queue: harness.queue,
      input: { requestId, decision: "APPROVE" },
    });
    const [update] = await deliver(requestId, sender(), { type: "request.updated" });
    expect(update!.outcome).toMatchObject({ status: "sent", externalRef: "4 of 4 copies" });
    const copies = await harness.db.prisma.slackApprovalMessage.findMany({ where: { requestId } });
    for (const copy of copies) {
      const message = (await control.messages(copy.channelId)).find((m) => m.ts === copy.ts)!;
      expect(actionsIn(message.blocks)).toHaveLength(0);
      expect(JSON.stringify(message.blocks)).toContain("Approved by *Bob Approver*");
    }
  });

  it("a re-render waits while the request's first post is still pending", async () => {
    const requestId = await requestPowerUser();
    await decideRequest({
      ctx: harness.ctxFor(harness.users.bob!),
      queue: harness.queue,
      input: { requestId, decision: "APPROVE" },
    });
    const [update] = await deliver(requestId, sender(), { type: "request.updated" });
    expect(update!.outcome).toEqual({ status: "failed", failure: { kind: "throttled", retryAfterMs: 1000 } });
    // Posted after the decision, the message already shows it.
    await deliver(requestId, sender(), { type: "request.waiting", target: "channel:#access-approvals" });
    const [post] = await control.messages(APPROVALS_CHANNEL_ID);
    expect(actionsIn(post!.blocks)).toHaveLength(0);
  });

  it("429 is throttled for Slack's Retry-After", async () => {
    const requestId = await requestPowerUser();
    await control.addFault({ method: "chat.postMessage", mode: "429", retryAfterSeconds: 7 });
    const [result] = await deliver(requestId, sender(), {
      type: "request.waiting",
      target: "channel:#access-approvals",
    });
    expect(result!.outcome).toEqual({ status: "failed", failure: { kind: "throttled", retryAfterMs: 7000 } });
  });

  it("HTTP 500 is transient and nothing is posted", async () => {
    const requestId = await requestPowerUser();
    await control.addFault({ method: "chat.postMessage", mode: "500" });
    const [result] = await deliver(requestId, sender(), {
      type: "request.waiting",
      target: "channel:#access-approvals",
    });
    expect(result!.outcome).toEqual({
      status: "failed",
      failure: { kind: "transient", error: "Slack answered HTTP 500" },
    });
    expect(await control.messages(APPROVALS_CHANNEL_ID)).toHaveLength(0);
  });

  it.each([
    ["users_not_found", "users.lookupByEmail", "dm:bob@example.com", "no Slack user with that email"],
    ["channel_not_found", "chat.postMessage", "channel:#access-approvals", "Slack refused the call: channel_not_found"],
    ["invalid_auth", "chat.postMessage", "channel:#access-approvals", "Slack refused the call: invalid_auth"],
  ])("%s from %s is permanent, and names no token", async (code, method, target, error) => {
    const requestId = await requestPowerUser();
    await control.addFault({ method, mode: "error", code });
    const [result] = await deliver(requestId, sender(), { type: "request.waiting", target });
    expect(result!.outcome).toEqual({ status: "failed", failure: { kind: "permanent", error } });
    const row = await harness.db.prisma.notificationDelivery.findUniqueOrThrow({ where: { id: result!.delivery.id } });
    expect(row.status).toBe("DEAD");
    expect(row.lastError).not.toContain(TEST_BOT_TOKEN);
  });

  it("a worker that dies after Slack took its post finds that message on the next claim and posts nothing again", async () => {
    const requestId = await requestPowerUser();
    const target = "channel:#access-approvals";
    const ours = (d: ClaimedDelivery) =>
      d.notification.requestId === requestId && d.notification.type === "request.waiting" && d.target === target;
    const claimedAt = new Date();
    const claimed = await claimDueDeliveries(harness.db.prisma, { limit: 500, leaseMs: 1000, now: claimedAt });
    await harness.db.prisma.notificationDelivery.updateMany({
      where: { id: { in: claimed.filter((d) => !ours(d)).map((d) => d.id) } },
      data: { leaseUntil: null, attempts: { decrement: 1 } },
    });
    const first = claimed.find(ours)!;
    expect(first.maybeSent).toBe(false);
    // The post goes through, then the worker dies before it records the outcome.
    expect(await sender().send(first)).toMatchObject({ status: "sent" });
    expect(await control.messages(APPROVALS_CHANNEL_ID)).toHaveLength(1);

    const afterLease = new Date(claimedAt.getTime() + 1500);
    const again = (await claimDueDeliveries(harness.db.prisma, { limit: 500, now: afterLease })).filter(ours);
    expect(again.map((d) => [d.id, d.maybeSent])).toEqual([[first.id, true]]);
    const outcome = await deliveredOrThrow(
      { db: harness.db.prisma, senders: { SLACK: sender() }, retry: settings().retry, now: () => afterLease },
      again[0]!,
    );
    const [message] = await control.messages(APPROVALS_CHANNEL_ID);
    expect(outcome).toEqual({ status: "sent", externalRef: `${APPROVALS_CHANNEL_ID}/${message!.ts}` });
    expect(await control.messages(APPROVALS_CHANNEL_ID)).toHaveLength(1);
  });

  it("a DM to an address no Slack user has is permanent", async () => {
    const requestId = await requestPowerUser();
    const [real] = await deliver(requestId, sender(), { type: "request.waiting", target: "dm:bob@example.com" });
    const outcome = await sender().send({ ...real!.delivery, id: "fabricated", target: "dm:nobody@example.com" });
    expect(outcome).toEqual({
      status: "failed",
      failure: { kind: "permanent", error: "no Slack user with that email" },
    });
  });

  it.each([
    ["channel", "channel:#access-approvals"],
    ["DM", "dm:bob@example.com"],
  ])("a %s retry after no answer finds the earlier post and does not post twice", async (_, target) => {
    const slack = sender(200);
    // A channel's history is read by id: this worker learned it from an earlier post there.
    await deliver(await requestPowerUser(), slack, { type: "request.waiting", target: "channel:#access-approvals" });
    const requestId = await requestPowerUser();
    // Slack performs the post after the client gave up waiting.
    await control.addFault({ method: "chat.postMessage", mode: "delay", delayMs: 600 });
    const [first] = await deliver(requestId, slack, { type: "request.waiting", target });
    expect(first!.outcome).toMatchObject({ status: "failed", failure: { kind: "transient" } });
    expect((first!.outcome as { failure: { error: string } }).failure.error).toContain(NO_ANSWER_PREFIX);
    // Wait for Slack's side to finish the late post, rather than guessing how long it takes.
    const conversation = target.startsWith("dm:") ? slackUserIdFor("bob") : APPROVALS_CHANNEL_ID;
    const postsOf = async () =>
      (await control.messages(conversation)).filter(
        (m) =>
          (m.metadata as { event_payload?: { delivery_id?: string } } | undefined)?.event_payload?.delivery_id ===
          first!.delivery.id,
      );
    for (let waited = 0; (await postsOf()).length === 0 && waited < 10_000; waited += 50)
      await new Promise((resolve) => setTimeout(resolve, 50));
    const dueNow = () =>
      harness.db.prisma.notificationDelivery.update({
        where: { id: first!.delivery.id },
        data: { nextAttemptAt: new Date(0) },
      });
    // A throttled attempt in between (here the history read) must not make the next one forget to look.
    await dueNow();
    await control.addFault({ method: "conversations.history", mode: "429", count: 1, retryAfterSeconds: 1 });
    const [throttled] = await deliver(requestId, slack, { type: "request.waiting", target });
    expect(throttled!.outcome).toMatchObject({ status: "failed", failure: { kind: "throttled" } });
    await dueNow();
    const postsBefore = (await control.calls()).counts["chat.postMessage"];
    const [second] = await deliver(requestId, slack, { type: "request.waiting", target });
    expect(second!.outcome.status).toBe("sent");
    expect((await control.calls()).counts["chat.postMessage"]).toBe(postsBefore);
    const posts = await postsOf();
    expect(posts).toHaveLength(1);
    expect(await harness.db.prisma.slackApprovalMessage.count({ where: { requestId, ts: posts[0]!.ts } })).toBe(1);
  });
});
