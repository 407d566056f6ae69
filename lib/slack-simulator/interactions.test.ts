import { WebClient } from "@slack/web-api";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SlackSimulatorControl } from "./control-client";
import { APPROVALS_CHANNEL_ID, slackUserIdFor } from "./seed";
import type { SlackSimulatorHandle } from "./server";
import {
  startInteractionReceiver,
  startTestSlackSimulator,
  testWebClient,
  type ReceiverAnswer,
  type ReceivedRequest,
} from "./testing";

const BOB = slackUserIdFor("bob");
let sim: SlackSimulatorHandle;
let slack: WebClient;
let control: SlackSimulatorControl;
let receiver: Awaited<ReturnType<typeof startInteractionReceiver>>;
let answer: (request: ReceivedRequest) => ReceiverAnswer = () => ({});
let nowMs = Date.now();

beforeAll(async () => {
  receiver = await startInteractionReceiver((request) => answer(request));
  sim = await startTestSlackSimulator({ interactivityUrl: receiver.url, now: () => nowMs });
  slack = testWebClient(sim.apiUrl);
  control = new SlackSimulatorControl(sim.url);
});
afterAll(async () => {
  await sim.close();
  await receiver.close();
});
beforeEach(async () => {
  nowMs = Date.now();
  await control.reset();
  receiver.received.length = 0;
  answer = () => ({});
});
afterEach(() => {
  answer = () => ({});
});

const approvalBlocks = [
  { type: "section", block_id: "summary", text: { type: "mrkdwn", text: "*Access request* REQ-1" } },
  {
    type: "actions",
    block_id: "decision:v1",
    elements: [
      {
        type: "button",
        action_id: "approval.approve",
        value: "REQ-1",
        style: "primary",
        text: { type: "plain_text", text: "Approve" },
      },
      { type: "button", action_id: "approval.deny", value: "REQ-1", text: { type: "plain_text", text: "Deny" } },
    ],
  },
];

const denyModal = {
  type: "modal" as const,
  callback_id: "approval.deny_modal",
  private_metadata: '{"requestId":"REQ-1"}',
  title: { type: "plain_text" as const, text: "Deny request" },
  submit: { type: "plain_text" as const, text: "Deny" },
  blocks: [
    {
      type: "input" as const,
      block_id: "deny_reason",
      label: { type: "plain_text" as const, text: "Reason" },
      element: { type: "plain_text_input" as const, action_id: "value", multiline: true },
    },
  ],
};

async function postApproval() {
  const posted = await slack.chat.postMessage({ channel: APPROVALS_CHANNEL_ID, text: "REQ-1", blocks: approvalBlocks });
  return posted.ts!;
}

describe("block_actions", () => {
  it("is form-encoded payload=<json>, exact content type, signed v0 with the signing secret", async () => {
    const ts = await postApproval();
    const outcome = await control.click({ user: BOB, channel: APPROVALS_CHANNEL_ID, ts, actionId: "approval.approve" });
    expect(outcome).toMatchObject({ type: "block_actions", status: 200, timedOut: false });
    const [request] = receiver.received;
    expect(request!.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(request!.rawBody.startsWith("payload=")).toBe(true);
    expect(request!.signatureValid).toBe(true);
    expect(request!.payload).toMatchObject({
      type: "block_actions",
      user: { id: BOB, username: "bob", team_id: "T0JITDEMO" },
      team: { id: "T0JITDEMO" },
      api_app_id: "A0JITAPP",
      container: { type: "message", message_ts: ts, channel_id: APPROVALS_CHANNEL_ID, is_ephemeral: false },
      channel: { id: APPROVALS_CHANNEL_ID, name: "access-approvals" },
      message: { ts, text: "REQ-1", blocks: approvalBlocks, bot_id: "B0JITBOT" },
      actions: [
        {
          type: "button",
          action_id: "approval.approve",
          block_id: "decision:v1",
          value: "REQ-1",
          style: "primary",
          text: { type: "plain_text", text: "Approve" },
        },
      ],
    });
    expect(request!.payload!.trigger_id).toMatch(/^\d+\.\d+\.[0-9a-f]+$/);
    expect(request!.payload!.response_url).toMatch(new RegExp(`^${sim.url}/_response/[0-9a-f]+$`));
  });

  it("the trigger_id from a click opens a modal for the clicker within 3 s", async () => {
    const ts = await postApproval();
    answer = () => ({});
    await control.click({ user: BOB, channel: APPROVALS_CHANNEL_ID, ts, actionId: "approval.deny" });
    const triggerId = receiver.received[0]!.payload!.trigger_id as string;
    const opened = await slack.views.open({ trigger_id: triggerId, view: denyModal });
    expect((await control.views(BOB))[0]).toMatchObject({ id: opened.view!.id, userId: BOB, open: true });
  });

  it.each([
    [
      "stale-timestamp",
      (request: ReceivedRequest) => Number(request.headers["x-slack-request-timestamp"]) < Date.now() / 1000 - 300,
    ],
    ["wrong-secret", (request: ReceivedRequest) => typeof request.headers["x-slack-signature"] === "string"],
    ["altered-body", (request: ReceivedRequest) => request.payload !== undefined],
    ["unsigned", (request: ReceivedRequest) => request.headers["x-slack-signature"] === undefined],
  ] as const)("the %s attack sends a request a correct receiver refuses", async (attack, shape) => {
    const ts = await postApproval();
    answer = (request) => ({ status: request.signatureValid ? 200 : 401 });
    const outcome = await control.click({
      user: BOB,
      channel: APPROVALS_CHANNEL_ID,
      ts,
      actionId: "approval.approve",
      attack,
    });
    const [request] = receiver.received;
    expect(request!.signatureValid).toBe(false);
    expect(shape(request!)).toBe(true);
    expect(outcome).toMatchObject({ attack, status: 401 });
  });

  it("records a timeout when the app does not answer within 3 s", async () => {
    const ts = await postApproval();
    answer = () => ({ delayMs: 4_500 });
    const outcome = await control.click({ user: BOB, channel: APPROVALS_CHANNEL_ID, ts, actionId: "approval.approve" });
    expect(outcome).toMatchObject({ status: null, timedOut: true });
    expect(outcome.ms).toBeGreaterThanOrEqual(2_900);
    // Cut at Slack's 3 s, not when the late answer arrives.
    expect(outcome.ms).toBeLessThan(4_000);
    expect((await control.interactions()).map((recorded) => recorded.id)).toEqual([outcome.id]);
  });

  it("refuses a click on a button that is not in the message, or by someone outside the channel", async () => {
    const ts = await postApproval();
    await expect(
      control.click({ user: BOB, channel: APPROVALS_CHANNEL_ID, ts, actionId: "approval.nope" }),
    ).rejects.toMatchObject({ status: 409 });
    const dm = await slack.chat.postMessage({ channel: slackUserIdFor("alice"), text: "x", blocks: approvalBlocks });
    await expect(
      control.click({ user: BOB, channel: dm.channel!, ts: dm.ts!, actionId: "approval.approve" }),
    ).rejects.toMatchObject({ status: 409 });
    expect(receiver.received).toEqual([]);
  });
});

describe("view_submission", () => {
  async function openDenyModal() {
    const ts = await postApproval();
    await control.click({ user: BOB, channel: APPROVALS_CHANNEL_ID, ts, actionId: "approval.deny" });
    const triggerId = receiver.received.at(-1)!.payload!.trigger_id as string;
    const opened = await slack.views.open({ trigger_id: triggerId, view: denyModal });
    receiver.received.length = 0;
    return opened.view!.id!;
  }

  it("sends the typed values in view.state.values, signed; errors keep the modal open", async () => {
    const viewId = await openDenyModal();
    answer = () => ({ body: JSON.stringify({ response_action: "errors", errors: { deny_reason: "Too short" } }) });
    const outcome = await control.submit({ user: BOB, viewId, values: { deny_reason: { value: "no" } } });
    expect(outcome).toMatchObject({ type: "view_submission", status: 200, viewResult: "errors" });
    const [request] = receiver.received;
    expect(request!.signatureValid).toBe(true);
    expect(request!.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(request!.payload).toMatchObject({
      type: "view_submission",
      user: { id: BOB },
      view: {
        id: viewId,
        callback_id: "approval.deny_modal",
        private_metadata: '{"requestId":"REQ-1"}',
        state: { values: { deny_reason: { value: { type: "plain_text_input", value: "no" } } } },
      },
    });
    expect((await control.views(BOB))[0]).toMatchObject({ open: true, errors: { deny_reason: "Too short" } });
  });

  it("an empty 200 closes the modal", async () => {
    const viewId = await openDenyModal();
    const outcome = await control.submit({ user: BOB, viewId, values: { deny_reason: { value: "Not on call" } } });
    expect(outcome.viewResult).toBe("closed");
    expect((await control.views(BOB))[0]!.open).toBe(false);
  });

  it("an empty input is sent as null, as Slack does", async () => {
    const viewId = await openDenyModal();
    await control.submit({ user: BOB, viewId, values: {} });
    const view = receiver.received[0]!.payload!.view as { state: { values: Record<string, unknown> } };
    expect(view.state.values).toEqual({ deny_reason: { value: { type: "plain_text_input", value: null } } });
  });
});

describe("response_url", () => {
  async function responseUrl() {
    const ts = await postApproval();
    await control.click({ user: BOB, channel: APPROVALS_CHANNEL_ID, ts, actionId: "approval.approve" });
    return { ts, url: receiver.received.at(-1)!.payload!.response_url as string };
  }
  const respond = (url: string, body: unknown) =>
    fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });

  it("replace_original edits the message, ephemeral goes to the clicker, delete_original removes it", async () => {
    const { ts, url } = await responseUrl();
    expect((await respond(url, { text: "only you see this" })).status).toBe(200);
    expect(await control.ephemerals({ user: BOB })).toEqual([
      expect.objectContaining({ text: "only you see this", source: "response_url" }),
    ]);
    await respond(url, { replace_original: true, text: "Approved by Bob" });
    const [message] = await control.messages(APPROVALS_CHANNEL_ID);
    expect(message).toMatchObject({ ts, text: "Approved by Bob", blocks: [] });
    expect(message!.history).toHaveLength(1);
    await respond(url, { delete_original: true });
    expect(await control.messages(APPROVALS_CHANNEL_ID)).toEqual([]);
  });

  it("allows five uses, then answers used_url", async () => {
    const { url } = await responseUrl();
    for (let use = 0; use < 5; use += 1) expect((await respond(url, { text: `use ${use}` })).status).toBe(200);
    const sixth = await respond(url, { text: "sixth" });
    expect(sixth.status).toBe(404);
    expect(await sixth.json()).toEqual({ ok: false, error: "used_url" });
  });

  it("expires 30 minutes after the interaction", async () => {
    const { url } = await responseUrl();
    nowMs += 30 * 60_000 + 1;
    const late = await respond(url, { text: "too late" });
    expect(late.status).toBe(404);
    expect(await late.json()).toEqual({ ok: false, error: "expired_url" });
  });
});
