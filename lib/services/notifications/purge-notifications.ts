import type { PrismaClient } from "../../db";

/**
 * Deletes notifications older than `before` whose every delivery settled (sent or skipped) before it, in batches.
 * Pending deliveries and dead letters stay until they settle or an admin retries them; the audit log keeps the events.
 */
export async function purgeSettledNotifications(
  db: PrismaClient,
  { before, batchSize = 2_000 }: { before: Date; batchSize?: number },
): Promise<number> {
  let purged = 0;
  for (;;) {
    const deleted = await db.$executeRaw`
      DELETE FROM "Notification" WHERE id IN (
        SELECT n.id FROM "Notification" n
        WHERE n."createdAt" < ${before}
          AND NOT EXISTS (
            SELECT 1 FROM "NotificationDelivery" d
            WHERE d."notificationId" = n.id AND (d.status NOT IN ('SENT', 'SKIPPED') OR d."updatedAt" >= ${before})
          )
        LIMIT ${batchSize}
      )`;
    purged += deleted;
    if (deleted < batchSize) return purged;
  }
}
