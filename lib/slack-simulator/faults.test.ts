import { WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebClient } from "@slack/web-api";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SlackControlError, SlackSimulatorControl } from "./control-client";
import { APPROVALS_CHANNEL_ID, SECURITY_CHANNEL_ID, slackUserIdFor } from "./seed";
import type { SlackSimulatorHandle } from "./server";
import { startTestSlackSimulator, testWebClient } from "./testing";

let sim: SlackSimulatorHandle;
let slack: WebClient;
let control: SlackSimulatorControl;
// A frozen clock: token buckets never refill, so the limits are exact.
let nowMs = Date.now();

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

async function thrown(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe("rate limits at the documented tiers", () => {
  it("chat.postMessage allows a short burst per channel, then 429 with an integer Retry-After", async () => {
    for (let index = 0; index < 5; index += 1)
      await slack.chat.postMessage({ channel: APPROVALS_CHANNEL_ID, text: `m${index}` });
    const error = await thrown(slack.chat.postMessage({ channel: APPROVALS_CHANNEL_ID, text: "one too many" }));
    expect(error).toBeInstanceOf(WebAPIRateLimitedError);
    expect((error as WebAPIRateLimitedError).retryAfter).toBe(1);
    // Another channel has its own bucket; the refused post was not stored.
    await slack.chat.postMessage({ channel: SECURITY_CHANNEL_ID, text: "elsewhere" });
    expect(await control.messages(APPROVALS_CHANNEL_ID)).toHaveLength(5);
    // One second later one more token is there.
    nowMs += 1_000;
    await slack.chat.postMessage({ channel: APPROVALS_CHANNEL_ID, text: "after the wait" });
  });

  it("the 429 is HTTP 429 with ok:false ratelimited and a Retry-After header", async () => {
    await control.setRateLimits({ scale: 0.02 });
    const post = () =>
      fetch(`${sim.apiUrl}chat.update`, {
        method: "POST",
        headers: { Authorization: "Bearer xoxb-test-bot-token" },
        body: new URLSearchParams({ channel: APPROVALS_CHANNEL_ID, ts: "1.000001", text: "x" }),
      });
    expect((await post()).status).toBe(200);
    const limited = await post();
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(await limited.json()).toEqual({ ok: false, error: "ratelimited" });
  });

  it("chat.update is Tier 3: 50 calls, then limited", async () => {
    const posted = await slack.chat.postMessage({ channel: APPROVALS_CHANNEL_ID, text: "x" });
    for (let index = 0; index < 50; index += 1)
      await slack.chat.update({ channel: APPROVALS_CHANNEL_ID, ts: posted.ts!, text: `v${index}` });
    const error = await thrown(slack.chat.update({ channel: APPROVALS_CHANNEL_ID, ts: posted.ts!, text: "v50" }));
    expect(error).toBeInstanceOf(WebAPIRateLimitedError);
    expect((error as WebAPIRateLimitedError).retryAfter).toBe(2);
  });

  it("limits can be turned off through the control API", async () => {
    await control.setRateLimits({ enabled: false });
    for (let index = 0; index < 20; index += 1)
      await slack.chat.postMessage({ channel: APPROVALS_CHANNEL_ID, text: `m${index}` });
    expect(await control.messages(APPROVALS_CHANNEL_ID)).toHaveLength(20);
  });
});

describe("scripted faults", () => {
  it("a 429 fault rejects with WebAPIRateLimitedError carrying the scripted Retry-After, once", async () => {
    await control.addFault({ method: "chat.postMessage", mode: "429", retryAfterSeconds: 7 });
    const error = await thrown(slack.chat.postMessage({ channel: APPROVALS_CHANNEL_ID, text: "x" }));
    expect((error as WebAPIRateLimitedError).retryAfter).toBe(7);
    await slack.chat.postMessage({ channel: APPROVALS_CHANNEL_ID, text: "x" });
    expect(await control.messages(APPROVALS_CHANNEL_ID)).toHaveLength(1);
  });

  it("a 500 fault is a WebAPIHTTPError and posts nothing, so a retry posts exactly once", async () => {
    await control.addFault({ method: "chat.postMessage", mode: "500", count: 2 });
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const error = await thrown(slack.chat.postMessage({ channel: APPROVALS_CHANNEL_ID, text: "x" }));
      expect(error).toBeInstanceOf(WebAPIHTTPError);
      expect((error as WebAPIHTTPError).statusCode).toBe(500);
    }
    expect(await control.messages(APPROVALS_CHANNEL_ID)).toEqual([]);
    await slack.chat.postMessage({ channel: APPROVALS_CHANNEL_ID, text: "x" });
    expect(await control.messages(APPROVALS_CHANNEL_ID)).toHaveLength(1);
    expect((await control.calls()).log.map((call) => call.outcome)).toEqual(["http500", "http500", "ok"]);
  });

  it("an error fault answers ok:false with the code until untilMs", async () => {
    await control.addFault({
      method: "users.lookupByEmail",
      mode: "error",
      code: "account_inactive",
      untilMs: nowMs + 1000,
    });
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const error = await thrown(slack.users.lookupByEmail({ email: "alice@example.com" }));
      expect((error as WebAPIPlatformError).data.error).toBe("account_inactive");
    }
    nowMs += 1000;
    const { user } = await slack.users.lookupByEmail({ email: "alice@example.com" });
    expect(user!.id).toBe(slackUserIdFor("alice"));
  });

  it("a delay fault answers late and still performs the call; a client timeout sees a request error", async () => {
    await control.addFault({ method: "auth.test", mode: "delay", delayMs: 300 });
    const impatient = new WebClient("xoxb-test-bot-token", {
      slackApiUrl: sim.apiUrl,
      retryConfig: { retries: 0 },
      timeout: 100,
    });
    const error = await thrown(impatient.auth.test());
    expect(error).toBeDefined();
    expect((await control.calls()).counts["auth.test"]).toBe(1);
  });

  it("the control API refuses a malformed fault", async () => {
    const error = await thrown(control.addFault({ method: "chat.postMessage", mode: "error" }));
    expect(error).toBeInstanceOf(SlackControlError);
    expect((error as SlackControlError).status).toBe(400);
  });
});
