import { WebAPIPlatformError, WebClient } from "@slack/web-api";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SlackSimulatorControl } from "./control-client";
import {
  APPROVALS_CHANNEL_ID,
  DELETED_USER_ID,
  LOOKALIKE_USER_ID,
  RANDOM_CHANNEL_ID,
  UNCONFIRMED_USER_ID,
  slackUserIdFor,
} from "./seed";
import type { SlackSimulatorHandle } from "./server";
import { startTestSlackSimulator, testWebClient, TEST_BOT_TOKEN } from "./testing";

let sim: SlackSimulatorHandle;
let slack: WebClient;
let control: SlackSimulatorControl;
let nowMs = Date.now();
const ALICE = slackUserIdFor("alice");
const BOB = slackUserIdFor("bob");

beforeAll(async () => {
  sim = await startTestSlackSimulator({ now: () => nowMs });
  slack = testWebClient(sim.apiUrl);
  control = new SlackSimulatorControl(sim.url);
});
afterAll(() => sim.close());
beforeEach(async () => {
  nowMs = Date.now();
  await control.reset();
});

/** The Slack error code a call failed with. */
async function slackError(call: Promise<unknown>): Promise<string> {
  const error = await call.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(WebAPIPlatformError);
  return (error as WebAPIPlatformError).data.error;
}

const approvalBlocks = [
  { type: "section", block_id: "summary", text: { type: "mrkdwn", text: "*Access request* for <@U0ALICE>" } },
  {
    type: "actions",
    block_id: "decision",
    elements: [
      { type: "button", action_id: "approve", text: { type: "plain_text", text: "Approve" }, style: "primary" },
    ],
  },
];

describe("auth", () => {
  it("auth.test names the bot and the team", async () => {
    const result = await slack.auth.test();
    expect(result).toMatchObject({ ok: true, team_id: "T0JITDEMO", user_id: "U0JITBOT", bot_id: "B0JITBOT" });
  });

  it("no token answers not_authed, a wrong one invalid_auth (HTTP 200 both)", async () => {
    expect(await slackError(testWebClient(sim.apiUrl, null).auth.test())).toBe("not_authed");
    expect(await slackError(testWebClient(sim.apiUrl, "xoxb-wrong").auth.test())).toBe("invalid_auth");
  });

  it("takes the token from the form field when no header is sent, and accepts JSON and GET", async () => {
    const form = await fetch(`${sim.apiUrl}auth.test`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: `token=${TEST_BOT_TOKEN}`,
    });
    expect(await form.json()).toMatchObject({ ok: true });
    const json = await fetch(`${sim.apiUrl}chat.postMessage`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${TEST_BOT_TOKEN}` },
      body: JSON.stringify({ channel: "#access-approvals", text: "json body", blocks: approvalBlocks }),
    });
    expect(await json.json()).toMatchObject({ ok: true, channel: APPROVALS_CHANNEL_ID });
    const get = await fetch(`${sim.apiUrl}users.info?user=${ALICE}&token=${TEST_BOT_TOKEN}`);
    expect(await get.json()).toMatchObject({ ok: true, user: { id: ALICE } });
  });
});

describe("chat.postMessage", () => {
  it("posts to a channel by id or #name, keeping blocks and metadata", async () => {
    const metadata = { event_type: "access_request", event_payload: { requestId: "REQ-1" } };
    const byName = await slack.chat.postMessage({
      channel: "#access-approvals",
      text: "fallback",
      blocks: approvalBlocks,
      metadata,
    });
    expect(byName).toMatchObject({ ok: true, channel: APPROVALS_CHANNEL_ID });
    expect(byName.ts).toMatch(/^\d+\.\d{6}$/);
    await slack.chat.postMessage({ channel: APPROVALS_CHANNEL_ID, text: "second" });
    const stored = await control.messages(APPROVALS_CHANNEL_ID);
    expect(stored.map((message) => message.text)).toEqual(["fallback", "second"]);
    expect(stored[0]).toMatchObject({ blocks: approvalBlocks, metadata });
  });

  it("posting to a user id lands in the bot's DM and returns the D… id", async () => {
    const result = await slack.chat.postMessage({ channel: ALICE, text: "hello alice" });
    expect(result.channel).toBe("D0ALICE");
    const opened = await slack.conversations.open({ users: ALICE });
    expect(opened).toMatchObject({ channel: { id: "D0ALICE" }, already_open: true });
  });

  it("refuses unknown channels, channels without the bot, missing text and malformed blocks", async () => {
    expect(await slackError(slack.chat.postMessage({ channel: "C0NOPE", text: "x" }))).toBe("channel_not_found");
    expect(await slackError(slack.chat.postMessage({ channel: RANDOM_CHANNEL_ID, text: "x" }))).toBe("not_in_channel");
    expect(await slackError(slack.chat.postMessage({ channel: APPROVALS_CHANNEL_ID, text: "" }))).toBe("no_text");
    const raw = (blocks: string) =>
      fetch(`${sim.apiUrl}chat.postMessage`, {
        method: "POST",
        headers: { Authorization: `Bearer ${TEST_BOT_TOKEN}`, "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ channel: APPROVALS_CHANNEL_ID, text: "x", blocks }).toString(),
      }).then((response) => response.json());
    expect(await raw("[{not json")).toEqual({ ok: false, error: "invalid_blocks" });
    expect(await raw('{"type":"section"}')).toEqual({ ok: false, error: "invalid_blocks" });
    expect(await raw('[{"text":"no type"}]')).toEqual({ ok: false, error: "invalid_blocks" });
    expect(await control.messages()).toEqual([]);
  });
});

describe("chat.update and conversations.history", () => {
  it("updates text and blocks, keeps history, and history shows the latest version", async () => {
    const posted = await slack.chat.postMessage({
      channel: APPROVALS_CHANNEL_ID,
      text: "pending",
      blocks: approvalBlocks,
    });
    const decided = [{ type: "section", text: { type: "mrkdwn", text: "Approved by <@U0BOB>" } }];
    const updated = await slack.chat.update({
      channel: APPROVALS_CHANNEL_ID,
      ts: posted.ts!,
      text: "approved",
      blocks: decided,
    });
    expect(updated).toMatchObject({ ok: true, channel: APPROVALS_CHANNEL_ID, ts: posted.ts, text: "approved" });
    const history = await slack.conversations.history({ channel: APPROVALS_CHANNEL_ID });
    expect(history.messages).toHaveLength(1);
    expect(history.messages![0]).toMatchObject({ ts: posted.ts, text: "approved", blocks: decided });
    expect(history.messages![0]!.edited).toBeDefined();
    const [stored] = await control.messages(APPROVALS_CHANNEL_ID);
    expect(stored!.history).toEqual([expect.objectContaining({ text: "pending", blocks: approvalBlocks })]);
  });

  it("omitted blocks are kept, an empty array removes them", async () => {
    const posted = await slack.chat.postMessage({ channel: APPROVALS_CHANNEL_ID, text: "a", blocks: approvalBlocks });
    await slack.chat.update({ channel: APPROVALS_CHANNEL_ID, ts: posted.ts!, text: "b" });
    expect((await control.messages(APPROVALS_CHANNEL_ID))[0]!.blocks).toEqual(approvalBlocks);
    await slack.chat.update({ channel: APPROVALS_CHANNEL_ID, ts: posted.ts!, text: "c", blocks: [] });
    expect((await control.messages(APPROVALS_CHANNEL_ID))[0]!.blocks).toEqual([]);
  });

  it("a DM message is updated through its D… id, not the user id", async () => {
    const posted = await slack.chat.postMessage({ channel: ALICE, text: "dm" });
    expect(await slackError(slack.chat.update({ channel: ALICE, ts: posted.ts!, text: "x" }))).toBe(
      "channel_not_found",
    );
    await slack.chat.update({ channel: posted.channel!, ts: posted.ts!, text: "edited dm" });
    expect((await control.messages(ALICE))[0]!.text).toBe("edited dm");
  });

  it("refuses unknown ts, overlong text and an update with nothing in it", async () => {
    const posted = await slack.chat.postMessage({ channel: APPROVALS_CHANNEL_ID, text: "a" });
    expect(await slackError(slack.chat.update({ channel: APPROVALS_CHANNEL_ID, ts: "1.000001", text: "x" }))).toBe(
      "message_not_found",
    );
    expect(
      await slackError(slack.chat.update({ channel: APPROVALS_CHANNEL_ID, ts: posted.ts!, text: "x".repeat(4001) })),
    ).toBe("msg_too_long");
    expect(await slackError(slack.chat.update({ channel: APPROVALS_CHANNEL_ID, ts: posted.ts! } as never))).toBe(
      "no_text",
    );
  });

  it("history returns metadata only with include_all_metadata, newest first, paged", async () => {
    const metadata = { event_type: "access_request", event_payload: { requestId: "REQ-9" } };
    for (const text of ["one", "two", "three"])
      await slack.chat.postMessage({ channel: APPROVALS_CHANNEL_ID, text, metadata });
    const plain = await slack.conversations.history({ channel: APPROVALS_CHANNEL_ID });
    expect(plain.messages!.map((message) => message.text)).toEqual(["three", "two", "one"]);
    expect(plain.messages![0]!.metadata).toBeUndefined();
    const withMetadata = await slack.conversations.history({
      channel: APPROVALS_CHANNEL_ID,
      include_all_metadata: true,
    });
    expect(withMetadata.messages![0]!.metadata).toEqual(metadata);
    const firstPage = await slack.conversations.history({ channel: APPROVALS_CHANNEL_ID, limit: 2 });
    expect(firstPage.has_more).toBe(true);
    const secondPage = await slack.conversations.history({
      channel: APPROVALS_CHANNEL_ID,
      limit: 2,
      cursor: firstPage.response_metadata!.next_cursor!,
    });
    expect(secondPage.messages!.map((message) => message.text)).toEqual(["one"]);
  });
});

describe("chat.postEphemeral", () => {
  it("stores an ephemeral for the user and answers message_ts only", async () => {
    const result = await slack.chat.postEphemeral({ channel: APPROVALS_CHANNEL_ID, user: BOB, text: "not yours" });
    expect(Object.keys(result).sort()).toEqual(["message_ts", "ok", "response_metadata"].sort());
    expect(await control.ephemerals({ user: BOB })).toEqual([
      expect.objectContaining({ channel: APPROVALS_CHANNEL_ID, user: BOB, text: "not yours", source: "api" }),
    ]);
  });

  it("refuses unknown users and users outside the DM", async () => {
    expect(
      await slackError(slack.chat.postEphemeral({ channel: APPROVALS_CHANNEL_ID, user: "U0NOBODY", text: "x" })),
    ).toBe("user_not_found");
    expect(await slackError(slack.chat.postEphemeral({ channel: "D0ALICE", user: BOB, text: "x" }))).toBe(
      "user_not_in_channel",
    );
  });
});

describe("conversations.open", () => {
  it("returns a stable D… id per user, already_open the second time", async () => {
    const first = await slack.conversations.open({ users: BOB });
    expect(first).toMatchObject({ ok: true, channel: { id: "D0BOB" } });
    expect(first.already_open).toBeUndefined();
    const second = await slack.conversations.open({ users: BOB, return_im: true });
    expect(second).toMatchObject({ channel: { id: "D0BOB", is_im: true, user: BOB }, already_open: true });
  });

  it("refuses unknown and deactivated users", async () => {
    expect(await slackError(slack.conversations.open({ users: "U0NOBODY" }))).toBe("user_not_found");
    expect(await slackError(slack.conversations.open({ users: DELETED_USER_ID }))).toBe("user_disabled");
  });
});

describe("users", () => {
  it("lookupByEmail finds a persona and reports what identity checks need", async () => {
    const { user } = await slack.users.lookupByEmail({ email: "alice@example.com" });
    expect(user).toMatchObject({
      id: ALICE,
      team_id: "T0JITDEMO",
      deleted: false,
      is_bot: false,
      is_email_confirmed: true,
      profile: { email: "alice@example.com" },
    });
  });

  it("lookupByEmail answers users_not_found (plural) and keeps the stored case", async () => {
    expect(await slackError(slack.users.lookupByEmail({ email: "nobody@example.com" }))).toBe("users_not_found");
    const { user } = await slack.users.lookupByEmail({ email: "ALICE@Example.com" });
    expect(user!.profile!.email).toBe("alice@example.com");
  });

  it("seeds a look-alike, an unconfirmed, a deactivated and a bot user for refusal tests", async () => {
    expect((await slack.users.lookupByEmail({ email: "a1ice@example.com" })).user).toMatchObject({
      id: LOOKALIKE_USER_ID,
      real_name: "Alice Engineer",
    });
    expect((await slack.users.info({ user: UNCONFIRMED_USER_ID })).user!.is_email_confirmed).toBe(false);
    expect((await slack.users.info({ user: DELETED_USER_ID })).user!.deleted).toBe(true);
    expect((await slack.users.lookupByEmail({ email: "helperbot@example.com" })).user!.is_bot).toBe(true);
  });

  it("users.info refuses an unknown id", async () => {
    expect(await slackError(slack.users.info({ user: "U0NOBODY" }))).toBe("user_not_found");
  });
});

describe("views", () => {
  const modal = {
    type: "modal" as const,
    callback_id: "deny_modal",
    private_metadata: "REQ-1",
    title: { type: "plain_text" as const, text: "Deny request" },
    submit: { type: "plain_text" as const, text: "Deny" },
    blocks: [
      {
        type: "input" as const,
        block_id: "reason",
        label: { type: "plain_text" as const, text: "Reason" },
        element: { type: "plain_text_input" as const, action_id: "value" },
      },
    ],
  };

  it("views.open consumes a fresh trigger once; reuse is exchanged_trigger_id", async () => {
    const triggerId = await control.issueTrigger(BOB);
    const opened = await slack.views.open({ trigger_id: triggerId, view: modal });
    expect(opened.view).toMatchObject({ type: "modal", callback_id: "deny_modal", private_metadata: "REQ-1" });
    expect(opened.view!.id).toMatch(/^V/);
    expect(opened.view!.hash).toEqual(expect.any(String));
    expect(await control.views(BOB)).toEqual([expect.objectContaining({ id: opened.view!.id, open: true })]);
    expect(await slackError(slack.views.open({ trigger_id: triggerId, view: modal }))).toBe("exchanged_trigger_id");
  });

  it("a trigger older than 3 s is expired_trigger_id; an unknown one invalid_trigger_id", async () => {
    const triggerId = await control.issueTrigger(BOB);
    nowMs += 3_001;
    expect(await slackError(slack.views.open({ trigger_id: triggerId, view: modal }))).toBe("expired_trigger_id");
    expect(await slackError(slack.views.open({ trigger_id: "12345.67890.abcdef", view: modal }))).toBe(
      "invalid_trigger_id",
    );
    expect(await slackError(slack.views.open({ trigger_id: "not-a-trigger", view: modal }))).toBe("invalid_trigger_id");
  });

  it("a modal with an input block needs a submit button", async () => {
    const triggerId = await control.issueTrigger(BOB);
    const withoutSubmit = { ...modal, submit: undefined };
    expect(await slackError(slack.views.open({ trigger_id: triggerId, view: withoutSubmit }))).toBe(
      "invalid_arguments",
    );
  });

  it("views.update replaces the view, checks the hash and refuses unknown views", async () => {
    const opened = await slack.views.open({ trigger_id: await control.issueTrigger(BOB), view: modal });
    const updatedView = { ...modal, title: { type: "plain_text" as const, text: "Denied" }, blocks: [] };
    const updated = await slack.views.update({
      view_id: opened.view!.id!,
      hash: opened.view!.hash!,
      view: updatedView,
    });
    expect(updated.view).toMatchObject({ id: opened.view!.id, title: { text: "Denied" } });
    expect(updated.view!.hash).not.toBe(opened.view!.hash);
    expect(
      await slackError(slack.views.update({ view_id: opened.view!.id!, hash: opened.view!.hash!, view: updatedView })),
    ).toBe("hash_conflict");
    expect(await slackError(slack.views.update({ view_id: "V0NOPE", view: updatedView }))).toBe("not_found");
  });
});

describe("inspection", () => {
  it("counts every call by method", async () => {
    await slack.auth.test();
    await slack.auth.test();
    await slack.users.info({ user: ALICE });
    expect((await control.calls()).counts).toEqual({ "auth.test": 2, "users.info": 1 });
  });

  it("an unknown method answers unknown_method", async () => {
    expect(await slackError(slack.apiCall("chat.nope", {}))).toBe("unknown_method");
  });
});
