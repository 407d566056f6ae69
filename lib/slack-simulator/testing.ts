// Test helpers: a simulator with a fixed token and secret, a WebClient pointed at it, and an interaction receiver.
import { createHmac, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { WebClient } from "@slack/web-api";
import { startSlackSimulator, type StartSlackSimulatorOptions } from "./index";

export const TEST_BOT_TOKEN = "xoxb-test-bot-token";
export const TEST_SIGNING_SECRET = "test-signing-secret";

export function startTestSlackSimulator(options: Partial<StartSlackSimulatorOptions> = {}) {
  return startSlackSimulator({ botToken: TEST_BOT_TOKEN, signingSecret: TEST_SIGNING_SECRET, ...options });
}

/** The client the portal uses: no retries of its own, 429 rejected at once. */
export function testWebClient(apiUrl: string, token: string | null = TEST_BOT_TOKEN) {
  return new WebClient(token ?? undefined, {
    slackApiUrl: apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
  });
}

export interface ReceivedRequest {
  headers: http.IncomingHttpHeaders;
  rawBody: string;
  /** The v0 signature checked independently of the simulator, with a 5-minute freshness window. */
  signatureValid: boolean;
  payload: Record<string, unknown> | undefined;
}

/** Checks Slack's v0 signature the way a receiver must: HMAC of the raw body, constant-time compare, fresh timestamp. */
export function verifySlackSignature(rawBody: string, headers: http.IncomingHttpHeaders, secret: string): boolean {
  const timestamp = headers["x-slack-request-timestamp"];
  const signature = headers["x-slack-signature"];
  if (typeof timestamp !== "string" || typeof signature !== "string" || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const expected = Buffer.from(`v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${rawBody}`).digest("hex")}`);
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export type ReceiverAnswer = { status?: number; body?: string; delayMs?: number };

/** A tiny app endpoint recording what the simulator sends; `answer` decides the reply to each request. */
export async function startInteractionReceiver(answer: (request: ReceivedRequest) => ReceiverAnswer = () => ({})) {
  const received: ReceivedRequest[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const rawBody = Buffer.concat(chunks).toString("utf8");
      const payloadField = new URLSearchParams(rawBody).get("payload");
      let payload: Record<string, unknown> | undefined;
      try {
        payload = payloadField ? (JSON.parse(payloadField) as Record<string, unknown>) : undefined;
      } catch {
        payload = undefined;
      }
      const entry = {
        headers: request.headers,
        rawBody,
        signatureValid: verifySlackSignature(rawBody, request.headers, TEST_SIGNING_SECRET),
        payload,
      };
      received.push(entry);
      const reply = answer(entry);
      const finish = () => {
        if (response.destroyed) return;
        response.writeHead(reply.status ?? 200, { "Content-Type": "application/json" });
        response.end(reply.body ?? "");
      };
      if (reply.delayMs) setTimeout(finish, reply.delayMs);
      else finish();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/slack/interactions`;
  return {
    url,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
