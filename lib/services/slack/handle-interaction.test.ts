import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "../../log";
import { createSlackSender } from "../../notifications/slack/slack-sender";
import { seedAccount } from "../../simulator/seed";
import {
  APPROVALS_CHANNEL_ID,
  DELETED_USER_ID,
  LOOKALIKE_USER_ID,
  SlackSimulatorControl,
  slackSignature,
  slackUserIdFor,
  PARTNER_USER_ID,
  UNCONFIRMED_USER_ID,
  UNREPORTED_EMAIL_USER_ID,
  type SlackSimulatorHandle,
} from "../../slack-simulator";
import { startTestSlackSimulator, TEST_BOT_TOKEN, TEST_SIGNING_SECRET } from "../../slack-simulator/testing";
import { startServiceHarness, type ServiceHarness } from "../../testing/service-harness";
import { claimDueDeliveries, deliverOne } from "../notifications/deliver-notifications";
import { useNotificationSettings, type NotificationSettings, type SlackSettings } from "../notifications/settings";
import { createRequest } from "../requests/create-request";
import {
  createLimiter,
  GENERIC_FAILURE_MESSAGE,
  handleSlackInteraction,
  NOT_LINKED_MESSAGE,
  SIGN_IN_FIRST_MESSAGE,
} from "./handle-interaction";
import { createSlackClient } from "./slack-client";
import { ReplayGuard, verifySlackSignature } from "./verify-slack-request";

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
  - id: payments-admin
    requesters: { groups: [team-payments] }
    accounts: { ids: ["${paymentsProd.id}"] }
    permissionSets: [AdministratorAccess]
    maxDurationMinutes: 120
    approval:
      auto: false
      approvers: { groups: [team-payments-leads, security-approvers] }
      required: 2
      distinctGroups: true
groupRules:
  - id: data-prod-db-admins
    requesters: { groups: [team-data] }
    identityCenterGroups: [prod-db-admins]
    maxDurationMinutes: 120
    approval: { auto: false, approvers: { groups: [approvers] }, required: 1 }
`;

let harness: ServiceHarness;
let sim: SlackSimulatorHandle;
let control: SlackSimulatorControl;
let receiver: http.Server;
let slackOverrides: Partial<SlackSettings> = {};
const deferred: Promise<void>[] = [];
const log = createLogger({ level: "silent", secrets: [] });

function slackSettings(): SlackSettings {
  return {
    botToken: TEST_BOT_TOKEN,
    signingSecret: TEST_SIGNING_SECRET,
    apiUrl: sim.apiUrl,
    approvalsChannel: "#access-approvals",
    securityChannel: "#security-alerts",
    ...slackOverrides,
  };
}

function settings(): NotificationSettings {
  return {
    appUrl: "http://portal.test",
    slack: slackSettings(),
    email: null,
    webhooks: [],
    retry: { baseMs: 10, windowMs: 60_000, maxAttempts: 5 },
  };
}

/** The route's adapter in a plain Node server, so the simulator's signed posts reach the handler over HTTP. */
function startReceiver() {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const headers = new Headers();
      for (const [key, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(key, value);
      const client = createSlackClient(slackSettings());
      void handleSlackInteraction(
        {
          db: harness.db.prisma,
          settings: slackSettings(),
          client,
          queue: async () => harness.queue,
          defer: (task) => deferred.push(task()),
          now: () => new Date(),
          // A guard per request, as each web replica has its own: the database is what they share.
          replay: new ReplayGuard(harness.db.prisma),
          installedTeamId: async () => (await client.auth.test()).team_id,
          log,
        },
        { rawBody: Buffer.concat(chunks).toString("utf8"), headers },
      ).then(async (response) => {
        res.writeHead(response.status, Object.fromEntries(response.headers.entries()));
        res.end(await response.text());
      });
    });
  });
  return new Promise<string>((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      receiver = server;
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/slack/interactions`);
    }),
  );
}

/** Waits for the work the handler deferred until after its response. */
async function settle() {
  while (deferred.length > 0) await deferred.shift();
}

let interactionsUrl = "";
beforeAll(async () => {
  harness = await startServiceHarness({ policyYaml, systemJob: "slack-interactions-test" });
  sim = await startTestSlackSimulator();
  control = new SlackSimulatorControl(sim.url);
  interactionsUrl = await startReceiver();
  // Portal approvers whose Slack accounts must not count: one with an unconfirmed email, one deleted.
  for (const email of ["mallory@example.com", "gone@example.com"])
    await harness.db.prisma.user.create({
      data: { email, name: email, roles: ["APPROVER"], idpGroups: ["approvers"] },
    });
}, 120_000);

afterAll(async () => {
  useNotificationSettings(null);
  receiver?.close();
  await sim?.close();
  await harness?.stop();
});

beforeEach(async () => {
  slackOverrides = {};
  await control.reset();
  await control.setInteractivityUrl(interactionsUrl);
  useNotificationSettings(settings());
});
afterEach(async () => {
  await settle();
  useNotificationSettings(null);
});

async function request(requester: "alice" | "frank", permissionSet: "PowerUser" | "AdministratorAccess") {
  const arn = (await harness.db.prisma.permissionSet.findFirstOrThrow({ where: { name: permissionSet } })).arn;
  const { requestId } = await createRequest({
    ctx: harness.ctxFor(harness.users[requester]!),
    queue: harness.queue,
    input: {
      targets: [{ accountId: paymentsProd.id, permissionSetArn: arn }],
      justification: "Investigating the payments incident",
      ticket: permissionSet === "AdministratorAccess" ? "PAY-1" : undefined,
      durationMinutes: 60,
      startMode: "now",
    },
  });
  return postedCopy(requestId);
}

/** The approval message as the worker posts it to the approvals channel. */
async function postedCopy(requestId: string) {
  const sender = createSlackSender(slackSettings(), { db: harness.db.prisma, log });
  for (const delivery of await claimDueDeliveries(harness.db.prisma, { limit: 500 }))
    if (delivery.notification.requestId === requestId && delivery.target === "channel:#access-approvals")
      await deliverOne({ db: harness.db.prisma, senders: { SLACK: sender }, retry: settings().retry }, delivery);
  const copy = await harness.db.prisma.slackApprovalMessage.findFirstOrThrow({
    where: { requestId, channelId: APPROVALS_CHANNEL_ID },
  });
  return { requestId, ts: copy.ts };
}

const click = (user: string, ts: string, actionId = "approval.approve", attack?: "stale-timestamp") =>
  control.click({ user, channel: APPROVALS_CHANNEL_ID, ts, actionId, ...(attack ? { attack } : {}) });

const decisionsOf = (requestId: string) =>
  harness.db.prisma.approvalDecision.findMany({
    where: { requestId },
    include: { approver: { select: { email: true } } },
    orderBy: { createdAt: "asc" },
  });

const ephemeralsFor = async (user: string) => (await control.ephemerals({ user })).map((e) => e.text);

describe("Slack interactions", () => {
  it("an approver's click is acknowledged at once and decides as that portal user", async () => {
    const { requestId, ts } = await request("alice", "PowerUser");
    const outcome = await click(slackUserIdFor("bob"), ts);
    expect(outcome).toMatchObject({ status: 200, responseBody: "" });
    await settle();
    expect((await decisionsOf(requestId)).map((d) => [d.approver.email, d.decision])).toEqual([
      ["bob@example.com", "APPROVE"],
    ]);
    const audited = await harness.db.prisma.auditEvent.findFirstOrThrow({
      where: { requestId, action: "request.approval_given" },
    });
    expect(audited).toMatchObject({ actorLabel: "bob@example.com", userAgent: "slack" });
    // A second click after the decision is told who decided, and changes nothing.
    await click(slackUserIdFor("dave"), ts);
    await settle();
    expect(await ephemeralsFor(slackUserIdFor("dave"))).toEqual(["This request was already approved by Bob Approver."]);
    expect(await decisionsOf(requestId)).toHaveLength(1);
  });

  it("an approver's click approves a group membership request the same way, creating its group grant", async () => {
    const { requestId: created } = await createRequest({
      ctx: harness.ctxFor(harness.users.erin!),
      queue: harness.queue,
      input: {
        groups: ["prod-db-admins"],
        justification: "Rebuilding the orders index",
        durationMinutes: 60,
        startMode: "now",
      },
    });
    const { requestId, ts } = await postedCopy(created);
    expect(await click(slackUserIdFor("bob"), ts)).toMatchObject({ status: 200 });
    await settle();
    expect((await decisionsOf(requestId)).map((d) => [d.approver.email, d.decision])).toEqual([
      ["bob@example.com", "APPROVE"],
    ]);
    expect(await harness.db.prisma.groupGrant.findMany({ where: { requestId } })).toMatchObject([
      { groupName: "prod-db-admins", status: "SCHEDULED" },
    ]);
  });

  it.each(["stale-timestamp", "wrong-secret", "altered-body", "unsigned"] as const)(
    "a %s request is refused with 401 and decides nothing",
    async (attack) => {
      const { requestId, ts } = await request("alice", "PowerUser");
      const outcome = await control.click({
        user: slackUserIdFor("bob"),
        channel: APPROVALS_CHANNEL_ID,
        ts,
        actionId: "approval.approve",
        attack,
      });
      expect(outcome.status).toBe(401);
      await settle();
      expect(await decisionsOf(requestId)).toEqual([]);
    },
  );

  it("a replayed request is refused with 401", async () => {
    const { requestId, ts } = await request("alice", "PowerUser");
    // Seen by Slack's side: carol is no approver, so the original decides nothing either.
    const original = await click(slackUserIdFor("carol"), ts);
    expect(original.status).toBe(200);
    await settle();
    const [sent] = (await control.interactions()).filter((i) => i.id === original.id);
    const body = new URLSearchParams({ payload: JSON.stringify(sent!.payload) }).toString();
    // A new timestamp, so these bytes differ from what the simulator sent a moment ago.
    const timestamp = Math.floor(Date.now() / 1000) + 2;
    const signed = {
      "content-type": "application/x-www-form-urlencoded",
      "x-slack-request-timestamp": String(timestamp),
      "x-slack-signature": slackSignature(TEST_SIGNING_SECRET, timestamp, body),
    };
    // The same signed bytes twice: the first is fresh, the second a replay.
    const again = (await fetch(interactionsUrl, { method: "POST", headers: signed, body })).status;
    const replayed = (await fetch(interactionsUrl, { method: "POST", headers: signed, body })).status;
    await settle();
    expect([again, replayed]).toEqual([200, 401]);
    expect(await decisionsOf(requestId)).toEqual([]);
  });

  it("a signed but malformed payload is a 400, never a 500", async () => {
    for (const body of ["payload=not-json", "payload=%7B%22type%22%3A%22block_actions%22%7D", "nothing=1"]) {
      const timestamp = Math.floor(Date.now() / 1000);
      const response = await fetch(interactionsUrl, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "x-slack-request-timestamp": String(timestamp),
          "x-slack-signature": slackSignature(TEST_SIGNING_SECRET, timestamp, body),
        },
        body,
      });
      expect([response.status, await response.text()]).toEqual([400, "bad payload"]);
    }
  });

  it("a click from another workspace is refused", async () => {
    slackOverrides = { teamId: "T0SOMEONEELSE" };
    const { requestId, ts } = await request("alice", "PowerUser");
    expect((await click(slackUserIdFor("bob"), ts)).status).toBe(403);
    await settle();
    expect(await decisionsOf(requestId)).toEqual([]);
  });

  it("self-approval from Slack is refused, told, and audited", async () => {
    const { requestId, ts } = await request("frank", "PowerUser");
    expect((await click(slackUserIdFor("frank"), ts)).status).toBe(200);
    await settle();
    expect(await decisionsOf(requestId)).toEqual([]);
    expect(await ephemeralsFor(slackUserIdFor("frank"))).toEqual(["You cannot approve your own request."]);
    const refusal = await harness.db.prisma.auditEvent.findFirstOrThrow({
      where: { requestId, action: "request.decision_refused" },
    });
    expect(refusal).toMatchObject({ actorLabel: "frank@example.com", userAgent: "slack" });
    expect(refusal.after).toMatchObject({ code: "SELF_APPROVAL" });
  });

  it("a Slack user who is no portal user (a look-alike email) is refused and audited without anyone's email", async () => {
    const { requestId, ts } = await request("alice", "PowerUser");
    await click(LOOKALIKE_USER_ID, ts);
    await settle();
    expect(await decisionsOf(requestId)).toEqual([]);
    expect(await ephemeralsFor(LOOKALIKE_USER_ID)).toEqual([NOT_LINKED_MESSAGE]);
    const refusal = await harness.db.prisma.auditEvent.findFirstOrThrow({
      where: { action: "access.refused", actorType: "ANONYMOUS", userAgent: "slack" },
      orderBy: { seq: "desc" },
    });
    expect(refusal.after).toMatchObject({ slackUserId: LOOKALIKE_USER_ID, teamId: "T0JITDEMO", target: requestId });
    expect(JSON.stringify({ ...refusal, seq: null })).not.toContain("@example.com");
  });

  it.each([
    ["an unconfirmed email", UNCONFIRMED_USER_ID],
    ["an email Slack does not report as confirmed", UNREPORTED_EMAIL_USER_ID],
    ["a partner organization's member (Slack Connect) with the approver's email", PARTNER_USER_ID],
    ["a deleted account", DELETED_USER_ID],
  ])("%s is not linked, though a portal approver has that email", async (_, user) => {
    const { requestId, ts } = await request("alice", "PowerUser");
    await click(user, ts);
    await settle();
    expect(await decisionsOf(requestId)).toEqual([]);
    expect(await ephemeralsFor(user)).toEqual([NOT_LINKED_MESSAGE]);
    const window = await harness.db.prisma.refusalWindow.findUniqueOrThrow({
      where: { actorKey_verb: { actorKey: "anonymous", verb: "request.decide" } },
    });
    expect(window).toMatchObject({ lastTarget: requestId, lastActor: expect.objectContaining({ userAgent: "slack" }) });
  });

  it("the payments admin rule needs two Slack approvals from distinct groups", async () => {
    const { requestId, ts } = await request("alice", "AdministratorAccess");
    await click(slackUserIdFor("bob"), ts);
    await settle();
    expect((await harness.db.prisma.accessRequest.findUniqueOrThrow({ where: { id: requestId } })).status).toBe(
      "PENDING",
    );
    // Bob again counts once: the verb refuses a second decision by the same approver.
    await click(slackUserIdFor("bob"), ts);
    await settle();
    expect(await ephemeralsFor(slackUserIdFor("bob"))).toEqual(["You already decided on this request."]);
    await click(slackUserIdFor("grace"), ts);
    await settle();
    const decisions = await decisionsOf(requestId);
    expect(decisions.map((d) => [d.approver.email, d.viaGroups])).toEqual([
      ["bob@example.com", ["team-payments-leads"]],
      ["grace@example.com", ["security-approvers"]],
    ]);
    expect((await harness.db.prisma.accessRequest.findUniqueOrThrow({ where: { id: requestId } })).status).toBe(
      "APPROVED",
    );
  });

  it("Deny opens a modal; a short reason keeps it open, a real one denies with that comment", async () => {
    const { requestId, ts } = await request("alice", "PowerUser");
    expect((await click(slackUserIdFor("bob"), ts, "approval.deny")).status).toBe(200);
    const [view] = await control.views(slackUserIdFor("bob"));
    expect(view).toBeDefined();
    const short = await control.submit({
      user: slackUserIdFor("bob"),
      viewId: view!.id,
      values: { deny_reason: { value: "no" } },
    });
    expect(short.viewResult).toBe("errors");
    expect(JSON.parse(short.responseBody)).toEqual({
      response_action: "errors",
      errors: { deny_reason: "Say why in at least 5 characters." },
    });
    const real = await control.submit({
      user: slackUserIdFor("bob"),
      viewId: view!.id,
      values: { deny_reason: { value: "Use the read-only role first" } },
    });
    expect(real.viewResult).toBe("closed");
    const request_ = await harness.db.prisma.accessRequest.findUniqueOrThrow({ where: { id: requestId } });
    expect(request_).toMatchObject({ status: "DENIED", closeReason: "Use the read-only role first" });
  });

  it("a denial by the requester in the modal is refused inline", async () => {
    const { requestId, ts } = await request("frank", "PowerUser");
    await click(slackUserIdFor("frank"), ts, "approval.deny");
    const [view] = await control.views(slackUserIdFor("frank"));
    const outcome = await control.submit({
      user: slackUserIdFor("frank"),
      viewId: view!.id,
      values: { deny_reason: { value: "Changed my mind about this" } },
    });
    expect(JSON.parse(outcome.responseBody)).toEqual({
      response_action: "errors",
      errors: { deny_reason: "You cannot deny your own request." },
    });
    expect(await decisionsOf(requestId)).toEqual([]);
  });

  // After the unlinked-account tests: refusals by the anonymous Slack actor within a minute fold into one audit row.
  it("an approver whose groups were read more than 8 hours ago must sign in again before deciding from Slack", async () => {
    const { requestId, ts } = await request("alice", "PowerUser");
    const bob = { email: "bob@example.com" };
    const stale = new Date(Date.now() - 9 * 60 * 60 * 1000);
    await harness.db.prisma.user.update({ where: bob, data: { lastSignInAt: stale } });
    try {
      await click(slackUserIdFor("bob"), ts);
      await settle();
      expect(await decisionsOf(requestId)).toEqual([]);
      expect(await ephemeralsFor(slackUserIdFor("bob"))).toContain(SIGN_IN_FIRST_MESSAGE);
      // A fresh sign-in (which re-reads the IdP groups) lets the same click through.
      await harness.db.prisma.user.update({ where: bob, data: { lastSignInAt: new Date() } });
      await click(slackUserIdFor("bob"), ts);
      await settle();
      expect((await decisionsOf(requestId)).map((d) => d.approver.email)).toEqual(["bob@example.com"]);
    } finally {
      await harness.db.prisma.user.update({ where: bob, data: { lastSignInAt: new Date() } });
    }
  });

  it("an unexpected failure is acknowledged and the clicker told to use the portal", async () => {
    const { requestId, ts } = await request("alice", "PowerUser");
    await control.addFault({ method: "users.info", mode: "error", code: "internal_error" });
    expect((await click(slackUserIdFor("bob"), ts)).status).toBe(200);
    await settle();
    expect(await ephemeralsFor(slackUserIdFor("bob"))).toEqual([GENERIC_FAILURE_MESSAGE]);
    expect(await decisionsOf(requestId)).toEqual([]);
  });
});

describe("verifySlackSignature", () => {
  const body = "payload=%7B%7D";
  const now = 1_800_000_000_000;
  const at = (offsetSeconds: number) => String(Math.floor(now / 1000) + offsetSeconds);
  const sign = (timestamp: string, raw = body, secret = TEST_SIGNING_SECRET) =>
    slackSignature(secret, Number(timestamp), raw);
  it.each([
    ["fresh", at(0), sign(at(0)), true],
    ["4 min old", at(-240), sign(at(-240)), true],
    ["6 min old", at(-360), sign(at(-360)), false],
    ["6 min in the future", at(360), sign(at(360)), false],
    ["other secret", at(0), sign(at(0), body, "other"), false],
    ["other body", at(0), sign(at(0), "payload=%7B%22a%22%7D"), false],
    ["not digits", "1e9", sign("1000000000"), false],
    ["v1 prefix", at(0), sign(at(0)).replace("v0=", "v1="), false],
    ["truncated", at(0), sign(at(0)).slice(0, 20), false],
  ])("%s", (_, timestamp, signature, ok) => {
    expect(verifySlackSignature(body, timestamp, signature, TEST_SIGNING_SECRET, now).ok).toBe(ok);
  });
  it("needs a secret and both headers", () => {
    expect(verifySlackSignature(body, at(0), sign(at(0)), "", now).ok).toBe(false);
    expect(verifySlackSignature(body, null, sign(at(0)), TEST_SIGNING_SECRET, now).ok).toBe(false);
    expect(verifySlackSignature(body, at(0), null, TEST_SIGNING_SECRET, now).ok).toBe(false);
  });
});

describe("createLimiter", () => {
  it("runs at most the given number of tasks at once and every task in turn", async () => {
    const limiter = createLimiter(3);
    let active = 0;
    let peak = 0;
    const done: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        limiter.run(async () => {
          active++;
          peak = Math.max(peak, active);
          await new Promise((resolve) => setTimeout(resolve, 1 + (index % 3)));
          active--;
          done.push(index);
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(done.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it("a failing task frees its slot", async () => {
    const limiter = createLimiter(1);
    await expect(limiter.run(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(limiter.run(async () => "next")).resolves.toBe("next");
  });
});
