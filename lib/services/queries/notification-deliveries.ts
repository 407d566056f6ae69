import { z } from "zod";
import type { DeliveryStatus, NotificationChannel } from "../../generated/prisma/enums";
import { authorize } from "../authorize";
import type { ServiceContext } from "../context";

export const DeliveryFilter = z.object({
  channel: z.enum(["SLACK", "EMAIL", "WEBHOOK"]).optional().catch(undefined),
  status: z.enum(["PENDING", "SENT", "SKIPPED", "DEAD"]).optional().catch(undefined),
});
export type DeliveryFilter = z.infer<typeof DeliveryFilter>;

export interface DeliveryRow {
  id: string;
  channel: NotificationChannel;
  target: string;
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
    target: row.target,
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
