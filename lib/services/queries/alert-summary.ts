import { hasPermission } from "../authorize";
import type { ServiceContext } from "../context";

export interface AlertSummary {
  open: number;
  acknowledged: number;
  /** Unresolved critical alerts (open or acknowledged). */
  critical: number;
  openDriftFindings: number;
  /** Notifications the outbox gave up on; only admins, who may retry them, are told (0 for everyone else). */
  deadLetters: number;
}

/** For the admin banner: what needs attention; null for anyone who may not see alerts, so the layout shows nothing. */
export async function alertSummary({ ctx }: { ctx: ServiceContext }): Promise<AlertSummary | null> {
  if (ctx.actor.type !== "user" || !hasPermission(ctx.actor, "drift.read")) return null;
  const [byStatus, critical, openDriftFindings, deadLetters] = await Promise.all([
    ctx.db.alert.groupBy({
      by: ["status"],
      where: { status: { in: ["OPEN", "ACKNOWLEDGED"] } },
      _count: { _all: true },
    }),
    ctx.db.alert.count({ where: { status: { in: ["OPEN", "ACKNOWLEDGED"] }, severity: "critical" } }),
    ctx.db.driftFinding.count({ where: { status: "OPEN" } }),
    hasPermission(ctx.actor, "notification.retry")
      ? ctx.db.notificationDelivery.count({ where: { status: "DEAD" } })
      : Promise.resolve(0),
  ]);
  const count = (status: string) => byStatus.find((row) => row.status === status)?._count._all ?? 0;
  return { open: count("OPEN"), acknowledged: count("ACKNOWLEDGED"), critical, openDriftFindings, deadLetters };
}
