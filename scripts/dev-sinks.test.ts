import { spawn } from "node:child_process";
import path from "node:path";
import nodemailer from "nodemailer";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { DEV_WEBHOOK_ENDPOINTS } from "../lib/webhook-receiver/dev-endpoints";
import { DEV_SINK_DEFAULTS, parseDevSinkArgs } from "./dev-sinks";

const script = path.resolve(import.meta.dirname, "dev-sinks.ts");

function run(args: string[]) {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const output = { stdout: "", stderr: "" };
  child.stdout.on("data", (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output.stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output, exited };
}

const READY = /^SINKS READY smtp:\/\/127\.0\.0\.1:(\d+) (http:\/\/127\.0\.0\.1:\d+) (http:\/\/127\.0\.0\.1:\d+)$/m;

describe("scripts/dev-sinks.ts", () => {
  it("reads ports from argv, defaulting to the dev ports", () => {
    expect(parseDevSinkArgs([])).toEqual(DEV_SINK_DEFAULTS);
    expect(parseDevSinkArgs(["--smtp", "3505", "--mailbox", "3506", "--webhooks", "3507"])).toEqual({
      ...DEV_SINK_DEFAULTS,
      smtp: 3505,
      mailbox: 3506,
      webhooks: 3507,
    });
    expect(() => parseDevSinkArgs(["--smtp", "70000"])).toThrow(/--smtp: expected a port number/);
    expect(() => parseDevSinkArgs(["--pop3", "110"])).toThrow(/unknown option --pop3/);
    expect(() => parseDevSinkArgs(["--smtp"])).toThrow(/needs a value/);
  });

  it("prints SINKS READY, takes mail and signed webhooks, and stops on SIGTERM", async () => {
    const { child, output, exited } = run(["--smtp", "0", "--mailbox", "0", "--webhooks", "0"]);
    try {
      const deadline = Date.now() + 20_000;
      while (!READY.test(output.stdout) && Date.now() < deadline && child.exitCode === null)
        await new Promise((resolve) => setTimeout(resolve, 50));
      const [, smtpPort, mailboxUrl, receiverUrl] = READY.exec(output.stdout) ?? [];
      expect(smtpPort, output.stderr).toBeDefined();

      await nodemailer
        .createTransport({ host: "127.0.0.1", port: Number(smtpPort) })
        .sendMail({ from: "portal@example.com", to: "bob@example.com", subject: "hello", text: "hi" });
      const mails = (await (await fetch(`${mailboxUrl}/api/messages?to=bob@example.com`)).json()) as unknown[];
      expect(mails).toMatchObject([{ subject: "hello" }]);

      const { name, secret } = DEV_WEBHOOK_ENDPOINTS[0]!;
      const body = JSON.stringify({ type: "policy.reloaded", timestamp: new Date().toISOString(), data: {} });
      const sentAt = new Date();
      const response = await fetch(`${receiverUrl}/hooks/${name}`, {
        method: "POST",
        headers: {
          "webhook-id": "msg_dev_sinks",
          "webhook-timestamp": String(Math.floor(sentAt.getTime() / 1000)),
          "webhook-signature": new Webhook(secret).sign("msg_dev_sinks", sentAt, body),
        },
        body,
      });
      expect(response.status).toBe(204);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  });

  it("exits non-zero with a message on a bad argument", async () => {
    const { output, exited } = run(["--mailbox", "http"]);
    expect(await exited).toBe(1);
    expect(output.stderr).toContain('--mailbox: expected a port number 0-65535, got "http"');
  });
});
