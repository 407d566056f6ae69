import { AppError } from "../../domain/errors";
import { emitAudit } from "../audit";
import type { RaisedAlert } from "../alerts/alert-hook";
import { notifyAlertRaised } from "../alerts/alert-hook";
import { recordAlert } from "../alerts/raise-alert";
import type { ServiceContext } from "../context";
import { loadTargetNames } from "../queries/support";

export const BREAK_GLASS_UNREVIEWED_ALERT_KIND = "break-glass-unreviewed";
export const breakGlassUnreviewedAlertKey = (useId: string) => `${BREAK_GLASS_UNREVIEWED_ALERT_KIND}:${useId}`;

/** Worker verb, run periodically: every use still unreviewed `reviewHours` after it started raises an alert that stays until reviewed. */
export async function checkBreakGlassReviews({
  ctx,
  settings,
}: {
  ctx: ServiceContext;
  settings: { reviewHours: number };
}) {
  if (ctx.actor.type !== "system") throw new AppError("FORBIDDEN", "Only the worker checks break-glass reviews.");
  const now = ctx.now();
  const cutoff = new Date(now.getTime() - settings.reviewHours * 3_600_000);
  const overdue = await ctx.db.breakGlassUse.findMany({
    where: { review: "PENDING", usedAt: { lt: cutoff } },
    orderBy: { usedAt: "asc" },
    take: 500,
  });
  const names = await loadTargetNames(ctx.db, overdue);
  const users = await ctx.db.user.findMany({
    where: { id: { in: overdue.flatMap((use) => (use.userId ? [use.userId] : [])) } },
    select: { id: true, email: true },
  });
  const raised: RaisedAlert[] = [];
  for (const use of overdue) {
    const who = users.find((user) => user.id === use.userId)?.email ?? use.principalId ?? "someone";
    const hours = Math.floor((now.getTime() - use.usedAt.getTime()) / 3_600_000);
    const alert = await ctx.db.$transaction(async (tx) => {
      const opened = await recordAlert(
        tx,
        ctx.actor,
        {
          kind: BREAK_GLASS_UNREVIEWED_ALERT_KIND,
          severity: "warning",
          dedupeKey: breakGlassUnreviewedAlertKey(use.id),
          subject: `Emergency access not reviewed: ${names.permissionSet(use.permissionSetArn).name} on ${names.account(use.accountId).name} by ${who}, used ${hours} h ago`,
          detail: { useId: use.id, requestId: use.requestId, source: use.source, usedAt: use.usedAt.toISOString() },
          requestId: use.requestId,
        },
        now,
      );
      // Told once per use: the alert stays open (and repeats lastSeenAt) until someone reviews it.
      if (opened)
        await emitAudit(
          tx,
          ctx.actor,
          {
            action: "breakglass.review_overdue",
            entityType: use.requestId ? "request" : "breakglass",
            entityId: use.requestId ?? use.id,
            requestId: use.requestId,
            after: { useId: use.id, usedAt: use.usedAt.toISOString(), reviewHours: settings.reviewHours },
          },
          now,
        );
      return opened;
    });
    if (alert) raised.push(alert);
  }
  for (const alert of raised) await notifyAlertRaised(alert);
  return { overdue: overdue.length, raised: raised.length };
}
