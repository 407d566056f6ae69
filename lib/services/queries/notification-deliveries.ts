import { z } from "zod";
import type { DeliveryStatus, NotificationChannel } from "../../generated/prisma/enums";
import { authorize } from "../authorize";
import type { ServiceContext } from "../context";

export const DeliveryFilter = z.object({
  channel: z.enum(["SLACK", "EMAIL", "WEBHOOK"]).optional().catch(undefined),
  status: z.enum(["PENDING", "SENT", "SKIPPED", "DEAD"]).optional().catch(undefined),
});
export type DeliveryFilter = z.infer<typeof DeliveryFilter>;

/** Where a delivery goes, as the page shows it (the stored target is "channel:#x", "dm:<email>", an address, ...). */
export type DeliveryTarget =
  | { kind: "slack-channel"; channel: string }
  | { kind: "slack-dm"; email: string }
  | { kind: "slack-copies"; requestId: string }
  | { kind: "email"; address: string }
  | { kind: "webhook"; endpoint: string }
  | { kind: "unknown"; raw: string };

export function describeDeliveryTarget(channel: NotificationChannel, target: string): DeliveryTarget {
  if (channel === "EMAIL") return { kind: "email", address: target };
  if (channel === "WEBHOOK") return { kind: "webhook", endpoint: target };
  const at = target.indexOf(":");
  const [prefix, value] = at < 0 ? ["", ""] : [target.slice(0, at), target.slice(at + 1)];
  if (value === "") return { kind: "unknown", raw: target };
  if (prefix === "channel") return { kind: "slack-channel", channel: value };
  if (prefix === "dm") return { kind: "slack-dm", email: value };
  if (prefix === "copies") return { kind: "slack-copies", requestId: value };
  return { kind: "unknown", raw: target };
}

export interface DeliveryRow {
  id: string;
  channel: NotificationChannel;
  target: DeliveryTarget;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  externalRef: string | null;
  sentAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  event: string;
  requestId: string | null;
}

const CHANNELS: NotificationChannel[] = ["SLACK", "EMAIL", "WEBHOOK"];
const STATUSES: DeliveryStatus[] = ["PENDING", "SENT", "SKIPPED", "DEAD"];

/** Admins: deliveries per channel and status, and the latest deliveries (dead letters first when filtered so). */
export async function notificationDeliveries({ ctx, input }: { ctx: ServiceContext; input: unknown }) {
  authorize(ctx.actor, "admin.read");
  const filter = DeliveryFilter.parse(input ?? {});
  const [grouped, rows] = await Promise.all([
    ctx.db.notificationDelivery.groupBy({ by: ["channel", "status"], _count: true }),
    ctx.db.notificationDelivery.findMany({
      where: {
        ...(filter.channel ? { channel: filter.channel } : {}),
        ...(filter.status ? { status: filter.status } : {}),
      },
      orderBy: [{ updatedAt: "desc" }, { id: "desc" }],
      take: 100,
      include: { notification: { select: { type: true, requestId: true } } },
    }),
  ]);
  const counts = CHANNELS.map((channel) => ({
    channel,
    byStatus: Object.fromEntries(
      STATUSES.map((status) => [
        status,
        grouped.find((g) => g.channel === channel && g.status === status)?._count ?? 0,
      ]),
    ) as Record<DeliveryStatus, number>,
  }));
  const deliveries: DeliveryRow[] = rows.map((row) => ({
    id: row.id,
    channel: row.channel,
    target: describeDeliveryTarget(row.channel, row.target),
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.nextAttemptAt,
    lastError: row.lastError,
    externalRef: row.externalRef,
    sentAt: row.sentAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    event: row.notification.type,
    requestId: row.notification.requestId,
  }));
  return { filter, counts, deliveries };
}
