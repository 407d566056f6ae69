import { WebClient } from "@slack/web-api";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
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
const CAROL = slackUserIdFor("carol");
let sim: SlackSimulatorHandle;
let slack: WebClient;
let control: SlackSimulatorControl;
let receiver: Awaited<ReturnType<typeof startInteractionReceiver>>;
let answer: (request: ReceivedRequest) => ReceiverAnswer = () => ({});

beforeAll(async () => {
  receiver = await startInteractionReceiver((request) => answer(request));
  sim = await startTestSlackSimulator({ interactivityUrl: receiver.url });
  slack = testWebClient(sim.apiUrl);
  control = new SlackSimulatorControl(sim.url);
});
afterAll(async () => {
  await sim.close();
  await receiver.close();
});
beforeEach(async () => {
  await control.reset();
  receiver.received.length = 0;
  answer = () => ({});
});

const page = async (user: string) => (await fetch(`${sim.url}/?user=${user}`)).text();

/** The hidden fields of the form that holds the button with this action id, as a browser would post them. */
function formFor(html: string, actionId: string): URLSearchParams {
  const form = [...html.matchAll(/<form method="post" action="\/_page\/action"[^>]*>([\s\S]*?)<\/form>/g)].find(
    (match) => match[1]!.includes(`data-action-id="${actionId}"`),
  );
  expect(form).toBeDefined();
  const fields = new URLSearchParams();
  for (const input of form![1]!.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g))
    fields.append(input[1]!, input[2]!.replace(/&quot;/g, '"').replace(/&amp;/g, "&"));
  return fields;
}

const postForm = (path: string, fields: URLSearchParams) =>
  fetch(`${sim.url}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: fields.toString(),
    redirect: "manual",
  });

const approvalBlocks = [
  {
    type: "section",
    text: { type: "mrkdwn", text: "*Access request* `REQ-1` from <@U0ALICE>" },
    fields: [{ type: "mrkdwn", text: "*Expires*\n<!date^1767225600^{date_short_pretty}|2026-01-01>" }],
  },
  { type: "context", elements: [{ type: "mrkdwn", text: "Approvers: <@U0BOB>" }] },
  {
    type: "actions",
    block_id: "decision",
    elements: [
      {
        type: "button",
        action_id: "approval.approve",
        style: "primary",
        value: "REQ-1",
        text: { type: "plain_text", text: "Approve" },
        confirm: {
          title: { type: "plain_text", text: "Approve access?" },
          text: { type: "plain_text", text: "Grants ReadOnly for 2h." },
          confirm: { type: "plain_text", text: "Approve" },
          deny: { type: "plain_text", text: "Cancel" },
        },
      },
      { type: "button", action_id: "approval.deny", style: "danger", text: { type: "plain_text", text: "Deny…" } },
    ],
  },
];

describe("dev page", () => {
  it("renders a channel message as Block Kit with styled buttons, mentions and a confirm", async () => {
    const posted = await slack.chat.postMessage({
      channel: APPROVALS_CHANNEL_ID,
      text: "REQ-1",
      blocks: approvalBlocks,
    });
    const html = await page(BOB);
    expect(html).toContain(`<h2 id="conv-${APPROVALS_CHANNEL_ID}">#access-approvals</h2>`);
    expect(html).toContain(`<article class="message" data-channel="${APPROVALS_CHANNEL_ID}" data-ts="${posted.ts}"`);
    expect(html).toContain("<strong>Access request</strong> <code>REQ-1</code> from");
    expect(html).toContain("@Alice Engineer");
    expect(html).toContain("2026-01-01");
    expect(html).toMatch(
      /<button type="submit" class="btn btn-primary" data-action-id="approval.approve">Approve<\/button>/,
    );
    expect(html).toMatch(/<button type="submit" class="btn btn-danger" data-action-id="approval.deny">Deny…<\/button>/);
    expect(html).toContain("data-confirm=");
    expect(html).toContain("Approve access?");
    expect(html).toContain('<label for="who">Who am I</label>');
  });

  it("clicking a button posts the page's form and the simulator sends a signed block_actions as that user", async () => {
    const posted = await slack.chat.postMessage({
      channel: APPROVALS_CHANNEL_ID,
      text: "REQ-1",
      blocks: approvalBlocks,
    });
    const response = await postForm("/_page/action", formFor(await page(BOB), "approval.approve"));
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe(`/?user=${BOB}`);
    const [request] = receiver.received;
    expect(request!.signatureValid).toBe(true);
    expect(request!.payload).toMatchObject({
      type: "block_actions",
      user: { id: BOB },
      container: { channel_id: APPROVALS_CHANNEL_ID, message_ts: posted.ts },
      actions: [{ action_id: "approval.approve", block_id: "decision", value: "REQ-1" }],
    });
    expect(await page(BOB)).toMatch(/role="status">Button click: HTTP 200 in \d+ ms</);
  });

  it("shows the latest version of an edited message, and ephemerals only to their user", async () => {
    const posted = await slack.chat.postMessage({
      channel: APPROVALS_CHANNEL_ID,
      text: "REQ-1",
      blocks: approvalBlocks,
    });
    await slack.chat.update({
      channel: APPROVALS_CHANNEL_ID,
      ts: posted.ts!,
      text: "approved",
      blocks: [{ type: "section", text: { type: "mrkdwn", text: "Approved by <@U0BOB>" } }],
    });
    await slack.chat.postEphemeral({ channel: APPROVALS_CHANNEL_ID, user: CAROL, text: "You are not an approver" });
    const bobs = await page(BOB);
    expect(bobs).toContain("Approved by <span");
    expect(bobs).toContain("(edited)");
    expect(bobs).not.toContain("data-action-id=");
    expect(bobs).not.toContain("You are not an approver");
    const carols = await page(CAROL);
    expect(carols).toContain("Only visible to you");
    expect(carols).toContain("You are not an approver");
  });

  it("renders an open modal; submit checks required fields locally, then sends and shows the app's errors", async () => {
    const modal = {
      type: "modal" as const,
      callback_id: "deny",
      title: { type: "plain_text" as const, text: "Deny request" },
      submit: { type: "plain_text" as const, text: "Deny" },
      close: { type: "plain_text" as const, text: "Cancel" },
      blocks: [
        {
          type: "input" as const,
          block_id: "deny_reason",
          label: { type: "plain_text" as const, text: "Reason" },
          element: { type: "plain_text_input" as const, action_id: "value", multiline: true, min_length: 5 },
        },
      ],
    };
    const opened = await slack.views.open({ trigger_id: await control.issueTrigger(BOB), view: modal });
    const viewId = opened.view!.id!;
    const html = await page(BOB);
    expect(html).toContain(`role="dialog" aria-modal="true" aria-labelledby="modal-title-${viewId}"`);
    expect(html).toMatch(
      /<label for="input-deny_reason-value">Reason<\/label><textarea id="input-deny_reason-value" name="v:deny_reason:value" required minlength="5"/,
    );
    expect(await page(CAROL)).not.toContain('role="dialog" aria-modal');

    await postForm("/_page/submit", new URLSearchParams({ user: BOB, view_id: viewId, "v:deny_reason:value": "no" }));
    expect(receiver.received).toEqual([]);
    expect(await page(BOB)).toContain('role="alert">Must be at least 5 characters.</p>');

    answer = () => ({
      body: JSON.stringify({ response_action: "errors", errors: { deny_reason: "Already decided" } }),
    });
    await postForm(
      "/_page/submit",
      new URLSearchParams({ user: BOB, view_id: viewId, "v:deny_reason:value": "Not on call" }),
    );
    expect(receiver.received[0]!.payload).toMatchObject({ type: "view_submission", user: { id: BOB } });
    const after = await page(BOB);
    expect(after).toContain('role="alert">Already decided</p>');
    expect(after).toContain(">Not on call</textarea>");

    answer = () => ({});
    await postForm(
      "/_page/submit",
      new URLSearchParams({ user: BOB, view_id: viewId, "v:deny_reason:value": "Not on call" }),
    );
    expect(await page(BOB)).not.toContain('aria-modal="true"');
  });

  it("the fragment endpoint serves the feed for polling", async () => {
    const before = (await (await fetch(`${sim.url}/_page/fragment?user=${BOB}`)).json()) as { version: number };
    await slack.chat.postMessage({ channel: APPROVALS_CHANNEL_ID, text: "fresh message" });
    const after = (await (await fetch(`${sim.url}/_page/fragment?user=${BOB}`)).json()) as {
      version: number;
      feed: string;
    };
    expect(after.version).toBeGreaterThan(before.version);
    expect(after.feed).toContain("fresh message");
  });
});
