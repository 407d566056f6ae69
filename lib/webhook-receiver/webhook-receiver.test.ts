import { randomUUID } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startWebhookReceiver, type Delivery, type WebhookReceiverHandle } from ".";
import { DEV_WEBHOOK_ENDPOINTS, devWebhookEndpointsSetting } from "./dev-endpoints";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const OTHER_SECRET = "whsec_" + Buffer.from("another endpoint's secret, 32 b").toString("base64");

let receiver: WebhookReceiverHandle;

beforeAll(async () => {
  receiver = await startWebhookReceiver({
    port: 0,
    endpoints: [
      { name: "main", secret: SECRET, mode: "ok" },
      { name: "other", secret: OTHER_SECRET, mode: "ok" },
    ],
  });
});
afterAll(() => receiver.close());
beforeEach(() => {
  receiver.clear();
  receiver.setMode("main", "ok");
});

interface SendOptions {
  endpoint?: string;
  id?: string;
  sentAt?: Date;
  body?: string;
  signWith?: string;
  /** Replaces the body after signing. */
  tamperedBody?: string;
  signal?: AbortSignal;
}

const eventBody = (type = "request.approved") =>
  JSON.stringify({ type, timestamp: new Date().toISOString(), data: { requestId: "req_1" } });

// Signs exactly like the portal's sender: standardwebhooks' Webhook.sign over the bytes that are sent.
async function deliver(options: SendOptions = {}) {
  const id = options.id ?? `msg_${randomUUID()}`;
  const sentAt = options.sentAt ?? new Date();
  const body = options.body ?? eventBody();
  const signature = new Webhook(options.signWith ?? SECRET).sign(id, sentAt, body);
  const response = await fetch(receiver.hookUrl(options.endpoint ?? "main"), {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(Math.floor(sentAt.getTime() / 1000)),
      "webhook-signature": signature,
    },
    body: options.tamperedBody ?? body,
    signal: options.signal,
  });
  return { id, status: response.status };
}

const only = (): Delivery => {
  const deliveries = receiver.deliveries();
  expect(deliveries).toHaveLength(1);
  return deliveries[0]!;
};

describe("webhook receiver: verification", () => {
  it("verifies a delivery signed with Webhook.sign, records it and answers 204", async () => {
    const { id, status } = await deliver({ body: eventBody("access.ended") });
    expect(status).toBe(204);
    expect(only()).toMatchObject({
      endpoint: "main",
      webhookId: id,
      verified: true,
      failure: null,
      type: "access.ended",
      body: { type: "access.ended", data: { requestId: "req_1" } },
      attempt: 1,
      repeatOf: null,
      status: 204,
    });
  });

  it.each([
    ["a forged signature (another secret)", { signWith: OTHER_SECRET }, "No matching signature found"],
    ["a stale timestamp (6 minutes old)", { sentAt: new Date(Date.now() - 6 * 60_000) }, "Message timestamp too old"],
    ["a timestamp 6 minutes ahead", { sentAt: new Date(Date.now() + 6 * 60_000) }, "Message timestamp too new"],
    ["an altered body", { tamperedBody: eventBody("request.denied") }, "No matching signature found"],
  ] satisfies [string, SendOptions, string][])(
    "records %s as not verified and answers 401",
    async (_, options, why) => {
      const { status } = await deliver(options);
      expect(status).toBe(401);
      expect(only()).toMatchObject({ verified: false, failure: why, status: 401 });
    },
  );

  it("answers 401 to a delivery without the webhook headers and 404 to an unknown endpoint", async () => {
    const bare = await fetch(receiver.hookUrl("main"), { method: "POST", body: eventBody() });
    expect(bare.status).toBe(401);
    expect(only()).toMatchObject({ webhookId: null, verified: false, failure: "Missing required headers" });
    expect((await deliver({ endpoint: "nobody" })).status).toBe(404);
  });

  it("verifies each endpoint with its own secret", async () => {
    expect((await deliver({ endpoint: "other", signWith: OTHER_SECRET })).status).toBe(204);
    expect((await deliver({ endpoint: "other", signWith: SECRET })).status).toBe(401);
  });
});

describe("webhook receiver: modes", () => {
  it.each([
    ["ok", 204],
    ["fail-500", 500],
    ["fail-410", 410],
  ] as const)("mode %s answers %i", async (mode, expected) => {
    receiver.setMode("main", mode);
    expect((await deliver()).status).toBe(expected);
    expect(only()).toMatchObject({ mode, status: expected, verified: true });
  });

  it("flaky fails the first N attempts of each webhook-id with 500, then answers 204", async () => {
    receiver.setMode("main", "flaky", 2);
    const id = `msg_${randomUUID()}`;
    const statuses = [];
    for (let attempt = 0; attempt < 4; attempt++) statuses.push((await deliver({ id })).status);
    expect(statuses).toEqual([500, 500, 204, 204]);
    expect((await deliver()).status).toBe(500);
  });

  it("timeout holds the request open without answering", async () => {
    receiver.setMode("main", "timeout");
    const outcome = await deliver({ signal: AbortSignal.timeout(1500) }).then(
      ({ status }) => `answered ${status}`,
      (error: Error) => error.name,
    );
    expect(outcome).toBe("TimeoutError");
    expect(only()).toMatchObject({ mode: "timeout", verified: true, status: null });
  });

  it("switches modes at runtime through POST /_control/endpoints/<name>", async () => {
    const post = (name: string, body: unknown) =>
      fetch(`${receiver.url}/_control/endpoints/${name}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const switched = await post("main", { mode: "fail-410" });
    expect(switched.status).toBe(200);
    expect(await switched.json()).toMatchObject({ name: "main", mode: "fail-410" });
    expect((await deliver()).status).toBe(410);

    expect((await post("main", { mode: "sometimes" })).status).toBe(400);
    expect((await post("main", { mode: "flaky", flakyFailures: -1 })).status).toBe(400);
    expect((await post("nobody", { mode: "ok" })).status).toBe(404);
    const endpoints = await (await fetch(`${receiver.url}/api/endpoints`)).json();
    expect(JSON.stringify(endpoints)).not.toContain(SECRET);
  });
});

describe("webhook receiver: views", () => {
  it("shows the same webhook-id delivered twice as a repeat, in the JSON API and on the page", async () => {
    const first = await deliver();
    await deliver({ id: first.id });
    await deliver();

    const deliveries = (await (await fetch(`${receiver.url}/api/deliveries`)).json()) as Delivery[];
    expect(deliveries.map((delivery) => [delivery.webhookId === first.id, delivery.attempt])).toEqual([
      [false, 1],
      [true, 2],
      [true, 1],
    ]);
    const [, repeat, original] = deliveries;
    expect(repeat!.repeatOf).toBe(original!.seq);
    const filtered = (await (await fetch(`${receiver.url}/api/deliveries?webhookId=${first.id}`)).json()) as Delivery[];
    expect(filtered).toHaveLength(2);

    const page = await (await fetch(receiver.url)).text();
    expect(page).toContain(`(repeat of #${original!.seq})`);
    expect(page).toContain(first.id);
    expect(page).toContain("request.approved");
    expect(page).toContain("✓");
    expect(page).not.toContain(SECRET);
  });

  it("lists a failed verification with its reason on the page", async () => {
    await deliver({ tamperedBody: '{"type":"<img src=x onerror=alert(1)>"}' });
    const page = await (await fetch(receiver.url)).text();
    expect(page).toContain("✗ No matching signature found");
    expect(page).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(page).not.toContain("<img src=x");
  });

  it("refuses a body over 1 MiB with 413", async () => {
    const response = await fetch(receiver.hookUrl("main"), { method: "POST", body: "x".repeat(1024 * 1024 + 1) });
    expect(response.status).toBe(413);
  });
});

describe("dev endpoints", () => {
  it("have Standard Webhooks secrets (whsec_ + base64 of 24-64 bytes) and a matching WEBHOOK_ENDPOINTS value", () => {
    for (const endpoint of DEV_WEBHOOK_ENDPOINTS) {
      expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
      const bytes = Buffer.from(endpoint.secret.slice("whsec_".length), "base64").length;
      expect(bytes).toBeGreaterThanOrEqual(24);
      expect(bytes).toBeLessThanOrEqual(64);
    }
    expect(JSON.parse(devWebhookEndpointsSetting("http://127.0.0.1:4582"))).toEqual([
      {
        name: "portal-events",
        url: "http://127.0.0.1:4582/hooks/portal-events",
        secret: DEV_WEBHOOK_ENDPOINTS[0]!.secret,
        events: ["*"],
      },
      {
        name: "flaky-events",
        url: "http://127.0.0.1:4582/hooks/flaky-events",
        secret: DEV_WEBHOOK_ENDPOINTS[1]!.secret,
        events: ["*"],
      },
    ]);
  });
});
