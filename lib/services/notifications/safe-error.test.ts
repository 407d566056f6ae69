import { describe, expect, it } from "vitest";
import { safeErrorText } from "./safe-error";

describe("safeErrorText", () => {
  it.each([
    [
      "a URL's credentials",
      new TypeError(
        "Request cannot be constructed from a URL that includes credentials: https://bot:hunter22@hooks.example/x",
      ),
      "hunter22",
    ],
    [
      "a URL's query",
      new Error("fetch failed for https://outlook.office.com/webhook?token=abc123secret"),
      "abc123secret",
    ],
    ["a Slack token", new Error("invalid_auth for xoxb-1111-2222-abcdef"), "xoxb-1111"],
    ["a webhook secret", new Error("bad key whsec_MDEyMzQ1Njc4OWFiY2RlZg=="), "MDEyMzQ1"],
    ["an SMTP password", new Error("connect smtp://jit:mail-pass-123@mail.example:587"), "mail-pass-123"],
  ])("removes %s", (_name, error, secret) => {
    expect(safeErrorText(error)).not.toContain(secret);
  });

  it("keeps what helps: the error's name, message and host", () => {
    expect(safeErrorText(new Error("connect ECONNREFUSED 127.0.0.1:2525"))).toBe(
      "Error: connect ECONNREFUSED 127.0.0.1:2525",
    );
  });
});
