import type { PrismaClient } from "../db";
import type { Logger } from "../log";
import type { ChannelSenders } from "../services/notifications/channel-sender";
import type { NotificationSettings } from "../services/notifications/settings";
import { createSlackSender } from "./slack/slack-sender";
import { createWebhookSender } from "./webhook/webhook-sender";

// The channels this worker delivers through: only those whose settings are present.
export function createChannelSenders(
  settings: NotificationSettings,
  deps: { db: PrismaClient; log: Logger },
): ChannelSenders {
  return {
    ...(settings.slack ? { SLACK: createSlackSender(settings.slack, deps) } : {}),
    ...(settings.webhooks.length > 0 ? { WEBHOOK: createWebhookSender(settings.webhooks) } : {}),
  };
}
