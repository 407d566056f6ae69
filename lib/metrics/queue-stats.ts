import type { PrismaClient } from "../db";
import { QUEUES } from "../jobs/queues";
import type { QueueStat } from "./registry";

/** Depth and age per queue from pgboss.job; a job scheduled for later (a grant's end) is not waiting until it is due. */
export async function readQueueStats(db: PrismaClient): Promise<QueueStat[]> {
  const rows = await db.$queryRaw<{ name: string; waiting: number; active: number; oldest_waiting_s: number }[]>`
    SELECT name,
      (count(*) FILTER (WHERE state IN ('created', 'retry') AND start_after <= now()))::int AS waiting,
      (count(*) FILTER (WHERE state = 'active'))::int AS active,
      COALESCE(EXTRACT(EPOCH FROM now() - min(start_after) FILTER (WHERE state IN ('created', 'retry') AND start_after <= now())), 0)::float8 AS oldest_waiting_s
    FROM pgboss.job
    WHERE state IN ('created', 'retry', 'active')
    GROUP BY name`;
  return Object.values(QUEUES).map((queue) => {
    const row = rows.find((r) => r.name === queue);
    return {
      queue,
      waiting: Number(row?.waiting ?? 0),
      active: Number(row?.active ?? 0),
      oldestWaitingSeconds: Math.max(0, Number(row?.oldest_waiting_s ?? 0)),
    };
  });
}

/** Dead letters per notification channel, for the alert rule. */
export async function readOutboxStats(db: PrismaClient): Promise<{ channel: string; dead: number }[]> {
  const rows = await db.notificationDelivery.groupBy({ by: ["channel"], where: { status: "DEAD" }, _count: true });
  return (["SLACK", "EMAIL", "WEBHOOK"] as const).map((channel) => ({
    channel,
    dead: rows.find((r) => r.channel === channel)?._count ?? 0,
  }));
}
