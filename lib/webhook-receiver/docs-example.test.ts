import { spawn } from "node:child_process";
import path from "node:path";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";

// docs/examples/webhook-receiver.ts is what operators copy: run it as they would and send it the portal's deliveries.
const example = path.resolve(import.meta.dirname, "../../docs/examples/webhook-receiver.ts");
const SECRET = "whsec_" + Buffer.from("docs example secret, 32 bytes ok").toString("base64");
const OTHER_SECRET = "whsec_" + Buffer.from("a secret the receiver won't know").toString("base64");

function signedDelivery(secret: string, id: string) {
  const sentAt = new Date();
  const body = JSON.stringify({
    type: "request.approved",
    timestamp: sentAt.toISOString(),
    data: { requestId: "req_1" },
  });
  return {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(Math.floor(sentAt.getTime() / 1000)),
      "webhook-signature": new Webhook(secret).sign(id, sentAt, body),
    },
    body,
  };
}

describe("docs/examples/webhook-receiver.ts", () => {
  it("answers 2xx to a correctly signed delivery and 401 to a forged one", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", example], {
      env: { ...process.env, WEBHOOK_SECRET: SECRET, PORT: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise((resolve) => child.on("exit", resolve));
    try {
      const listening = /listening on (http:\/\/127\.0\.0\.1:\d+)/;
      const deadline = Date.now() + 20_000;
      while (!listening.test(stdout) && Date.now() < deadline && child.exitCode === null)
        await new Promise((resolve) => setTimeout(resolve, 50));
      const url = listening.exec(stdout)?.[1];
      expect(url, stderr).toBeDefined();

      const genuine = await fetch(url!, signedDelivery(SECRET, "msg_genuine"));
      expect(genuine.status).toBe(204);
      const forged = await fetch(url!, signedDelivery(OTHER_SECRET, "msg_forged"));
      expect(forged.status).toBe(401);
      // The retry of a handled event is acknowledged without doing the work again.
      expect((await fetch(url!, signedDelivery(SECRET, "msg_genuine"))).status).toBe(204);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(stdout.match(/request\.approved msg_genuine/g)).toHaveLength(1);
      expect(stdout).not.toContain("msg_forged");
    } finally {
      child.kill("SIGTERM");
      await exited;
    }
  });
});
