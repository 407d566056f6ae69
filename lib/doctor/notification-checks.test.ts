import http from "node:http";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { startSlackSimulator, type SlackSimulatorHandle } from "../slack-simulator/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatResult } from "./check-result";
import { checkNotifications } from "./notification-checks";

let smtp: SMTPServer;
let slack: SlackSimulatorHandle;
const SLACK_TOKEN = "xoxb-doctor-test-token";
let smtpPort = 0;
let web: http.Server;
let webUrl = "";
const SECRET = "whsec_" + Buffer.from("0123456789abcdef0123456789abcdef").toString("base64");

beforeAll(async () => {
  slack = await startSlackSimulator({ botToken: SLACK_TOKEN, signingSecret: "0123456789abcdef0123456789abcdef" });
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    onAuth: (auth, _session, callback) =>
      auth.password === "right-password"
        ? callback(null, { user: auth.username })
        : callback(new Error("535 bad credentials")),
  });
  await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
  smtpPort = (smtp.server.address() as AddressInfo).port;
  web = http.createServer((req, res) => res.writeHead(req.url === "/moved" ? 302 : 405, { location: "/x" }).end());
  await new Promise<void>((resolve) => web.listen(0, "127.0.0.1", resolve));
  webUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await slack.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  web.close();
});

const none = {
  SLACK_BOT_TOKEN: undefined,
  SLACK_SIGNING_SECRET: undefined,
  SLACK_API_URL: undefined,
  SLACK_TEAM_ID: undefined,
  SMTP_URL: undefined,
  MAIL_FROM: undefined,
  WEBHOOK_ENDPOINTS: undefined,
};

describe("notification checks", () => {
  it("every channel off is three SKIP lines", async () => {
    const results = await checkNotifications(none);
    expect(results.map((r) => r.status)).toEqual(["SKIP", "SKIP", "SKIP"]);
  });

  it("Slack: the right token passes naming the workspace, a wrong one fails with Slack's code, another workspace fails", async () => {
    const slackEnv = { ...none, SLACK_API_URL: slack.apiUrl, SLACK_SIGNING_SECRET: "0123456789abcdef0123456789abcdef" };
    const good = await checkNotifications({ ...slackEnv, SLACK_BOT_TOKEN: SLACK_TOKEN });
    expect(good.find((r) => r.check === "Slack bot token")).toMatchObject({
      status: "PASS",
      detail: expect.stringContaining("T0JITDEMO"),
    });
    const wrong = await checkNotifications({ ...slackEnv, SLACK_BOT_TOKEN: "xoxb-not-the-right-one" });
    const line = formatResult(wrong.find((r) => r.check === "Slack bot token")!);
    expect(line).toMatch(/^FAIL .*invalid_auth/);
    expect(line).not.toContain("xoxb-not-the-right-one");
    const otherTeam = await checkNotifications({ ...slackEnv, SLACK_BOT_TOKEN: SLACK_TOKEN, SLACK_TEAM_ID: "T0OTHER" });
    expect(otherTeam.find((r) => r.check === "Slack workspace")).toMatchObject({ status: "FAIL" });
  });

  it("an SMTP server that answers passes; a wrong password and a closed port fail without printing the password", async () => {
    const good = await checkNotifications({
      ...none,
      SMTP_URL: `smtp://jit:right-password@127.0.0.1:${smtpPort}`,
      MAIL_FROM: "jit@example.com",
    });
    expect(good.find((r) => r.check === "SMTP")).toMatchObject({ status: "PASS" });
    const badLogin = await checkNotifications({
      ...none,
      SMTP_URL: `smtp://jit:wrong-password-123@127.0.0.1:${smtpPort}`,
      MAIL_FROM: "jit@example.com",
    });
    const line = formatResult(badLogin.find((r) => r.check === "SMTP")!);
    expect(line).toMatch(/^FAIL/);
    expect(line).not.toContain("wrong-password-123");
    const closed = await checkNotifications({ ...none, SMTP_URL: "smtp://127.0.0.1:1", MAIL_FROM: "jit@example.com" });
    expect(closed.find((r) => r.check === "SMTP")).toMatchObject({ status: "FAIL" });
  });

  it("a webhook endpoint that answers at all passes, a redirect warns, an unreachable one fails", async () => {
    const results = await checkNotifications({
      ...none,
      WEBHOOK_ENDPOINTS: [
        { name: "siem", url: `${webUrl}/hooks?token=s3cr3t-query`, secret: SECRET, events: ["*"] },
        { name: "moved", url: `${webUrl}/moved`, secret: SECRET, events: ["*"] },
        { name: "gone", url: "http://127.0.0.1:1/x", secret: SECRET, events: ["*"] },
      ],
    });
    expect(results.map((r) => [r.check, r.status])).toEqual([
      ["Slack", "SKIP"],
      ["SMTP", "SKIP"],
      ["webhook siem", "PASS"],
      ["webhook moved", "WARN"],
      ["webhook gone", "FAIL"],
    ]);
    expect(results.map(formatResult).join("\n")).not.toContain("s3cr3t-query");
  });
});
