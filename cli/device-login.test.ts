import { describe, expect, it } from "vitest";
import { deviceLogin, type DeviceLoginDeps } from "./device-login";
import { CliError } from "./errors";

const CODE = {
  device_code: "dev-123",
  user_code: "ABCD-EFGH",
  verification_uri: "http://portal.test/device",
  verification_uri_complete: "http://portal.test/device?code=ABCD-EFGH",
  expires_in: 600,
  interval: 5,
};

/** A scripted portal: the code answer, then one token answer per poll; records when each poll happened. */
function scriptedPortal(tokenAnswers: { status: number; body: unknown }[]) {
  let clock = 0;
  const polls: { at: number; body: string }[] = [];
  const prompted: string[] = [];
  const deps: DeviceLoginDeps = {
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
    },
    prompt: (code) => prompted.push(code.user_code),
    fetch: async (input, init) => {
      const url = String(input);
      if (url.endsWith("/device/code")) return Response.json(CODE);
      polls.push({ at: clock, body: String(init?.body) });
      const answer = tokenAnswers.shift() ?? { status: 400, body: { error: "authorization_pending" } };
      return Response.json(answer.body, { status: answer.status });
    },
  };
  return { deps, polls, prompted };
}

const pending = { status: 400, body: { error: "authorization_pending" } };
const slowDown = { status: 400, body: { error: "slow_down" } };
const granted = { status: 200, body: { access_token: "secret-token", token_type: "Bearer", expires_in: 28_800 } };

describe("deviceLogin", () => {
  it("shows the code, polls at the interval and returns the token with its expiry", async () => {
    const portal = scriptedPortal([pending, pending, granted]);
    const token = await deviceLogin("http://portal.test", "laptop", portal.deps);
    expect(portal.prompted).toEqual(["ABCD-EFGH"]);
    expect(portal.polls.map((poll) => poll.at)).toEqual([5000, 10_000, 15_000]);
    expect(new URLSearchParams(portal.polls[0]!.body).get("grant_type")).toBe(
      "urn:ietf:params:oauth:grant-type:device_code",
    );
    expect(token).toEqual({ accessToken: "secret-token", expiresAt: new Date(15_000 + 28_800_000) });
  });

  it("waits 5 s longer after every slow_down", async () => {
    const portal = scriptedPortal([slowDown, pending, slowDown, granted]);
    await deviceLogin("http://portal.test", "laptop", portal.deps);
    expect(portal.polls.map((poll) => poll.at)).toEqual([5000, 15_000, 25_000, 40_000]);
  });

  it.each([
    ["a denial in the browser", { status: 400, body: { error: "access_denied" } }, 4, "denied in the browser"],
    ["an expired code", { status: 400, body: { error: "expired_token" } }, 5, "expired before it was confirmed"],
    ["an unknown refusal", { status: 400, body: { error: "invalid_grant" } }, 1, "refused the sign-in (invalid_grant)"],
    ["a broken answer", { status: 502, body: "<html>" }, 1, "refused the sign-in (HTTP 502)"],
  ])("ends on %s with its exit code", async (_why, answer, exitCode, message) => {
    const portal = scriptedPortal([pending, answer]);
    const failure = await deviceLogin("http://portal.test", "laptop", portal.deps).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CliError);
    expect((failure as CliError).exitCode).toBe(exitCode);
    expect((failure as CliError).message).toContain(message);
  });

  it("stops polling once the code's lifetime is over", async () => {
    const portal = scriptedPortal([]);
    const failure = await deviceLogin("http://portal.test", "laptop", portal.deps).catch((error: unknown) => error);
    expect((failure as CliError).exitCode).toBe(5);
    expect(portal.polls).toHaveLength(120);
  });
});
