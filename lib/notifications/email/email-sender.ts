import nodemailer from "nodemailer";
import { scrubText } from "../../log";
import type { ChannelSender, ClaimedDelivery, SendOutcome } from "../../services/notifications/channel-sender";
import { safeErrorText } from "../../services/notifications/safe-error";
import type { EmailSettings } from "../../services/notifications/settings";
import { renderEmail, type EmailLinks } from "./templates";

// Mail through one pooled SMTP transport; the Message-ID is the delivery id, so a retried delivery is one message to the receiver.

/** Pool and timeout options added to SMTP_URL unless it sets them itself (nodemailer reads options from the URL's query). */
const TRANSPORT_DEFAULTS: Record<string, string> = {
  pool: "true",
  maxConnections: "3",
  connectionTimeout: "10000",
  greetingTimeout: "10000",
  socketTimeout: "15000",
};

// One plain address: a comma or angle bracket would let one delivery reach several people.
const SINGLE_ADDRESS = /^[^\s@,;:<>()"[\]\\]+@[^\s@,;:<>()"[\]\\]+$/;

// 5xx replies that mean the portal's own SMTP credentials are wrong: fixable by an operator, so retried.
const AUTH_REPLY_CODES = new Set([530, 534, 535, 538]);

export function transportUrl(smtpUrl: string): string {
  const url = new URL(smtpUrl);
  for (const [key, value] of Object.entries(TRANSPORT_DEFAULTS))
    if (!url.searchParams.has(key)) url.searchParams.set(key, value);
  return url.toString();
}

/** The Message-ID of every attempt of one delivery. */
export function messageIdFor(deliveryId: string): string {
  return `<${deliveryId}@jit-portal>`;
}

export function createEmailSender(settings: EmailSettings, links: EmailLinks): ChannelSender {
  const transport = nodemailer.createTransport(transportUrl(settings.smtpUrl));
  const password = smtpPassword(settings.smtpUrl);
  const errorText = (error: unknown) => scrubText(safeErrorText(error), password ? [password] : []);
  return {
    async send(delivery: ClaimedDelivery): Promise<SendOutcome> {
      const { type, payload } = delivery.notification;
      if (type === "request.updated")
        return { status: "skipped", reason: "request.updated is delivered to Slack only" };
      if (!SINGLE_ADDRESS.test(delivery.target))
        return { status: "failed", failure: { kind: "permanent", error: "the target is not a single email address" } };
      const rendered = renderEmail(type, payload, links);
      if (!rendered.ok) return { status: "failed", failure: { kind: "permanent", error: rendered.reason } };
      try {
        const info = await transport.sendMail({
          from: settings.from,
          to: delivery.target,
          subject: rendered.email.subject,
          text: rendered.email.text,
          html: rendered.email.html,
          messageId: messageIdFor(delivery.id),
          headers: {
            "X-JIT-Event": type,
            "Auto-Submitted": "auto-generated",
            // Keeps out-of-office replies from Exchange away from the sender address.
            "X-Auto-Response-Suppress": "All",
          },
        });
        if (info.accepted.length === 0)
          return { status: "failed", failure: { kind: "permanent", error: "the server accepted no recipient" } };
        return { status: "sent", externalRef: String(info.response ?? info.messageId).slice(0, 200) };
      } catch (error) {
        return { status: "failed", failure: { kind: failureKind(error), error: errorText(error) } };
      }
    },
    async close() {
      transport.close();
    },
  };
}

/** 5xx is the server's final word on this message or recipient; 4xx, refused connections and timeouts may pass. */
export function failureKind(error: unknown): "transient" | "permanent" {
  const responseCode = (error as { responseCode?: unknown } | null)?.responseCode;
  if (typeof responseCode !== "number") return "transient";
  if (AUTH_REPLY_CODES.has(responseCode)) return "transient";
  return responseCode >= 500 && responseCode < 600 ? "permanent" : "transient";
}

function smtpPassword(smtpUrl: string): string | undefined {
  try {
    return decodeURIComponent(new URL(smtpUrl).password) || undefined;
  } catch {
    return undefined;
  }
}
