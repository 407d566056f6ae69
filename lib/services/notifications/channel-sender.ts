import type { DeliveryFailure, NotificationEventType } from "../../domain/notifications";
import type { NotificationChannel } from "../../generated/prisma/enums";

// The contract between the outbox and a channel (Slack, email, webhook): one call per claimed delivery, never in a transaction.

export interface ClaimedDelivery {
  id: string;
  channel: NotificationChannel;
  target: string;
  /** Attempts including this one. */
  attempts: number;
  createdAt: Date;
  /** When this attempt was due. */
  dueAt: Date;
  /** An earlier attempt got no answer: the message may already exist (senders check before sending again). */
  maybeSent: boolean;
  notification: {
    id: string;
    type: NotificationEventType;
    requestId: string | null;
    payload: Record<string, unknown>;
    createdAt: Date;
  };
}

export type SendOutcome =
  | { status: "sent"; externalRef?: string }
  /** Nothing to send after all (e.g. no Slack copy of the request exists); recorded, not retried. */
  | { status: "skipped"; reason: string }
  | { status: "failed"; failure: DeliveryFailure };

export interface ChannelSender {
  send(delivery: ClaimedDelivery): Promise<SendOutcome>;
  /** Called once when the worker stops (close pools and sockets). */
  close?(): Promise<void>;
}

export type ChannelSenders = Partial<Record<NotificationChannel, ChannelSender>>;
