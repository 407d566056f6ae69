import type { WebClient } from "@slack/web-api";
import type { PrismaClient } from "../../db";
import type { DeliveryFailure, NotificationEventType } from "../../domain/notifications";
import type { Logger } from "../../log";
import type { ChannelSender, ClaimedDelivery, SendOutcome } from "../../services/notifications/channel-sender";
import type { SlackSettings } from "../../services/notifications/settings";
import { createSlackClient, SLACK_TIMEOUT_MS, slackErrorCode, slackFailure } from "../../services/slack/slack-client";
import {
  extensionMessage,
  approvalMessage,
  NotificationPayload,
  renderNotification,
  type SlackMessage,
} from "./blocks";
import { withCurrentState } from "./current-request";

// Slack deliveries: posts to channels and DMs, keeps every approval message's (channel, ts), and re-renders them all.

/** Events whose message is an approval message: each posted copy is kept so a decision anywhere updates it. */
const KEPT_COPIES: ReadonlySet<NotificationEventType> = new Set([
  "request.waiting",
  "extension.waiting",
  "approval.reminder",
  "approval.escalated",
]);
const USER_CACHE_MS = 5 * 60_000;
/** How long a re-render waits for the request's first post, so the update lands on it. */
const WAIT_FOR_POST_MS = 1000;
export const METADATA_EVENT_TYPE = "jit_notification";

type Target =
  { kind: "channel"; channel: string } | { kind: "dm"; email: string } | { kind: "copies"; requestId: string };

function parseTarget(target: string): Target | null {
  const [kind, ...rest] = target.split(":");
  const value = rest.join(":");
  if (!value) return null;
  if (kind === "channel") return { kind: "channel", channel: value };
  if (kind === "dm") return { kind: "dm", email: value };
  if (kind === "copies") return { kind: "copies", requestId: value };
  return null;
}

const failed = (failure: DeliveryFailure): SendOutcome => ({ status: "failed", failure });
const permanent = (error: string): SendOutcome => failed({ kind: "permanent", error });

class SendFailure extends Error {
  constructor(readonly failure: DeliveryFailure) {
    super("slack call failed");
  }
}

async function call<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new SendFailure(slackFailure(error));
  }
}

export interface SlackSenderOptions {
  client?: WebClient;
  timeoutMs?: number;
  now?: () => number;
}

export function createSlackSender(
  settings: SlackSettings,
  deps: { db: PrismaClient; log: Logger },
  options: SlackSenderOptions = {},
): ChannelSender {
  const client = options.client ?? createSlackClient(settings, options.timeoutMs ?? SLACK_TIMEOUT_MS);
  const now = options.now ?? Date.now;
  const users = new Map<string, { userId: string; at: number }>();
  // Channel names learned from Slack's answers, so a retry can read the channel's history by id.
  const channelIds = new Map<string, string>();

  async function userIdFor(email: string): Promise<string> {
    const key = email.toLowerCase();
    const cached = users.get(key);
    if (cached && now() - cached.at < USER_CACHE_MS) return cached.userId;
    try {
      const found = await client.users.lookupByEmail({ email });
      const userId = found.user?.id;
      if (!userId) throw new SendFailure({ kind: "permanent", error: "no Slack user with that email" });
      users.set(key, { userId, at: now() });
      return userId;
    } catch (error) {
      if (slackErrorCode(error) === "users_not_found")
        throw new SendFailure({ kind: "permanent", error: "no Slack user with that email" });
      if (error instanceof SendFailure) throw error;
      throw new SendFailure(slackFailure(error));
    }
  }

  /** The conversation id to read history from, when it can be known without posting. */
  async function conversationIdFor(target: Target, postTo: string): Promise<string | null> {
    if (target.kind === "dm") {
      const opened = await call(() => client.conversations.open({ users: postTo }));
      return opened.channel?.id ?? null;
    }
    if (/^[CGD][A-Z0-9]{2,}$/.test(postTo)) return postTo;
    const learned = channelIds.get(postTo);
    if (learned) return learned;
    // Another worker may have posted there: its delivery's externalRef is "channelId/ts".
    const earlier = await deps.db.notificationDelivery.findFirst({
      where: { channel: "SLACK", target: `channel:${postTo}`, status: "SENT", externalRef: { not: null } },
      select: { externalRef: true },
      orderBy: { sentAt: "desc" },
    });
    return earlier?.externalRef?.split("/")[0] ?? null;
  }

  /** After a call that got no answer, the message may exist: find it by the delivery id in its metadata. */
  async function earlierPost(delivery: ClaimedDelivery, target: Target, postTo: string) {
    if (!delivery.maybeSent) return null;
    const channelId = await conversationIdFor(target, postTo);
    if (!channelId) {
      deps.log.warn({ deliveryId: delivery.id }, "cannot check the Slack channel for an earlier post; posting again");
      return null;
    }
    const history = await call(() =>
      client.conversations.history({ channel: channelId, limit: 20, include_all_metadata: true }),
    );
    const found = (history.messages ?? []).find((message) => {
      const metadata = message.metadata as
        { event_type?: string; event_payload?: { delivery_id?: unknown } } | undefined;
      return metadata?.event_type === METADATA_EVENT_TYPE && metadata.event_payload?.delivery_id === delivery.id;
    });
    return found?.ts ? { channel: channelId, ts: found.ts } : null;
  }

  async function keepCopy(delivery: ClaimedDelivery, target: Target, posted: { channel: string; ts: string }) {
    const { type, requestId } = delivery.notification;
    if (!requestId || !KEPT_COPIES.has(type)) return;
    const kind = `${type === "extension.waiting" ? "extension-" : ""}${target.kind === "dm" ? "dm" : "channel"}`;
    await deps.db.slackApprovalMessage.upsert({
      where: { channelId_ts: { channelId: posted.channel, ts: posted.ts } },
      create: { requestId, channelId: posted.channel, ts: posted.ts, kind },
      update: {},
    });
  }

  async function post(delivery: ClaimedDelivery, target: Target, payload: NotificationPayload): Promise<SendOutcome> {
    const postTo = target.kind === "dm" ? await userIdFor(target.email) : (target as { channel: string }).channel;
    const current =
      payload.request && KEPT_COPIES.has(payload.type) ? await withCurrentState(deps.db, payload.request) : undefined;
    const message = renderNotification(payload, current ?? undefined);
    let posted = await earlierPost(delivery, target, postTo);
    if (!posted) {
      const answer = await call(() =>
        client.chat.postMessage({
          channel: postTo,
          text: message.text,
          blocks: message.blocks as never,
          unfurl_links: false,
          unfurl_media: false,
          metadata: { event_type: METADATA_EVENT_TYPE, event_payload: { delivery_id: delivery.id } },
        }),
      );
      if (!answer.channel || !answer.ts)
        return failed({ kind: "transient", error: "Slack answered without a message" });
      posted = { channel: answer.channel, ts: answer.ts };
      if (target.kind === "channel") channelIds.set(postTo, answer.channel);
    }
    await keepCopy(delivery, target, posted);
    return { status: "sent", externalRef: `${posted.channel}/${posted.ts}` };
  }

  async function updateCopies(
    delivery: ClaimedDelivery,
    requestId: string,
    payload: NotificationPayload,
  ): Promise<SendOutcome> {
    // The request's first post is still on its way: come back shortly so this update is not overtaken by it.
    const unposted = await deps.db.notificationDelivery.count({
      where: { channel: "SLACK", status: "PENDING", notification: { requestId, type: "request.waiting" } },
    });
    if (unposted > 0) return failed({ kind: "throttled", retryAfterMs: WAIT_FOR_POST_MS });
    const copies = await deps.db.slackApprovalMessage.findMany({ where: { requestId }, orderBy: { createdAt: "asc" } });
    if (copies.length === 0) return { status: "skipped", reason: "no Slack copy of this request" };
    if (!payload.request) return permanent("the event has no request to show");
    const current = await withCurrentState(deps.db, payload.request);
    if (!current) return { status: "skipped", reason: "the request no longer exists" };
    const lost: string[] = [];
    for (const copy of copies) {
      const message: SlackMessage = copy.kind.startsWith("extension-")
        ? extensionMessage(current)
        : approvalMessage(current);
      try {
        await client.chat.update({
          channel: copy.channelId,
          ts: copy.ts,
          text: message.text,
          blocks: message.blocks as never,
        });
      } catch (error) {
        const failure = slackFailure(error);
        if (failure.kind !== "permanent") return failed(failure);
        // One deleted message or archived channel must not keep the other copies stale.
        lost.push(`${copy.channelId}/${copy.ts}: ${failure.error}`);
      }
    }
    if (lost.length === copies.length) return permanent(`no copy could be updated (${lost[0]})`);
    if (lost.length > 0) deps.log.warn({ deliveryId: delivery.id, lost }, "some Slack copies could not be updated");
    return { status: "sent", externalRef: `${copies.length - lost.length} of ${copies.length} copies` };
  }

  return {
    async send(delivery): Promise<SendOutcome> {
      const target = parseTarget(delivery.target);
      if (!target) return permanent(`unknown Slack target "${delivery.target.slice(0, 80)}"`);
      const parsed = NotificationPayload.safeParse(delivery.notification.payload);
      if (!parsed.success) return permanent("the notification payload could not be read");
      try {
        if (target.kind === "copies") return await updateCopies(delivery, target.requestId, parsed.data);
        return await post(delivery, target, parsed.data);
      } catch (error) {
        if (error instanceof SendFailure) return failed(error.failure);
        throw error;
      }
    },
  };
}
