import { Webhook } from "standardwebhooks";
import type { WebhookEndpoint } from "../../env";
import type { ChannelSender, ClaimedDelivery, SendOutcome } from "../../services/notifications/channel-sender";
import { safeErrorText } from "../../services/notifications/safe-error";

// Outgoing webhooks signed per Standard Webhooks: webhook-id is the delivery id (stable across retries), a fresh timestamp per attempt.

const TIMEOUT_MS = 15_000;

/** The body every endpoint receives: { type, timestamp, data } with the event's snapshot as data (docs/webhooks.md). */
export function webhookBody(delivery: ClaimedDelivery, sentAt: Date): string {
  const { type, payload } = delivery.notification;
  return JSON.stringify({ type, timestamp: sentAt.toISOString(), data: payload });
}

function retryAfterMs(header: string | null): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds, 3600) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, Math.min(date - Date.now(), 3_600_000));
}

export function createWebhookSender(
  endpoints: readonly WebhookEndpoint[],
  { fetchImpl = fetch, timeoutMs = TIMEOUT_MS }: { fetchImpl?: typeof fetch; timeoutMs?: number } = {},
): ChannelSender {
  const byName = new Map(endpoints.map((e) => [e.name, { endpoint: e, signer: new Webhook(e.secret) }]));
  return {
    async send(delivery): Promise<SendOutcome> {
      const entry = byName.get(delivery.target);
      if (!entry)
        return {
          status: "failed",
          failure: { kind: "permanent", error: `no webhook endpoint named "${delivery.target}" is configured` },
        };
      const sentAt = new Date();
      const body = webhookBody(delivery, sentAt);
      let response: Response;
      try {
        response = await fetchImpl(entry.endpoint.url, {
          method: "POST",
          // 3xx is a failure per the spec: never follow a redirect to wherever it points.
          redirect: "manual",
          signal: AbortSignal.timeout(timeoutMs),
          headers: {
            "content-type": "application/json",
            "user-agent": "jit-elevation-portal-webhooks",
            "webhook-id": delivery.id,
            "webhook-timestamp": String(Math.floor(sentAt.getTime() / 1000)),
            "webhook-signature": entry.signer.sign(delivery.id, sentAt, body),
          },
          body,
        });
      } catch (error) {
        const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
        return {
          status: "failed",
          failure: {
            kind: "transient",
            error: timedOut ? `no answer within ${timeoutMs / 1000} s` : safeErrorText(error),
          },
        };
      }
      await response.body?.cancel().catch(() => undefined);
      if (response.status >= 200 && response.status < 300)
        return { status: "sent", externalRef: `HTTP ${response.status}` };
      if (response.status === 410)
        return {
          status: "failed",
          failure: { kind: "permanent", error: "HTTP 410 Gone: the endpoint asked to stop receiving" },
        };
      const wait =
        response.status === 429 || response.status === 503 ? retryAfterMs(response.headers.get("retry-after")) : null;
      if (wait !== null) return { status: "failed", failure: { kind: "throttled", retryAfterMs: wait } };
      return { status: "failed", failure: { kind: "transient", error: `HTTP ${response.status}` } };
    },
  };
}
