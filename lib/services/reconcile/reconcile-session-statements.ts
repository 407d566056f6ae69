import { toAwsPortError } from "../../aws/errors";
import { AppError } from "../../domain/errors";
import { readPortalStatements } from "../../domain/session-revocation";
import type { SessionRevocation } from "../../generated/prisma/client";
import { log } from "../../log";
import { notifyAlertRaised } from "../alerts/alert-hook";
import { recordAlert } from "../alerts/raise-alert";
import { emitAudit } from "../audit";
import type { ServiceContext } from "../context";
import { applySessionRevocation } from "../sessions/apply-session-revocation";
import {
  requestIdOf,
  SESSION_REVOCATION_ALERT_KIND,
  withPermissionSetLock,
  type SessionRevocationDeps,
} from "../sessions/revocation-support";

export interface ReconcileSessionStatementsResult {
  /** Provisioned denies whose statement was no longer in the permission set's inline policy, now applied again. */
  reapplied: number;
  /** Permission sets that could not be read this round (AWS away, policy unreadable), with why. */
  skipped: { permissionSetArn: string; reason: string }[];
}

/**
 * Worker verb, with the reconciler: every provisioned, unexpired session deny must still be in its permission set's
 * inline policy (a Terraform apply of the set, say, overwrites it). A missing one is audited, alerted and applied again.
 */
export async function reconcileSessionStatements({
  ctx,
  deps,
}: {
  ctx: ServiceContext;
  deps: SessionRevocationDeps;
}): Promise<ReconcileSessionStatementsResult> {
  if (ctx.actor.type !== "system") throw new AppError("FORBIDDEN", "Only the worker reconciles session denies.");
  const result: ReconcileSessionStatementsResult = { reapplied: 0, skipped: [] };
  const verifiedWhere = {
    status: "VERIFIED" as const,
    identityStoreUserId: { not: null },
    expiresAt: { gt: ctx.now() },
  };
  const sets = await ctx.db.sessionRevocation.findMany({
    where: verifiedWhere,
    select: { permissionSetArn: true },
    distinct: ["permissionSetArn"],
  });
  for (const { permissionSetArn } of sets) {
    // Rows and policy read under the set's lock: a cleanup between the two reads would look like a removed deny.
    type Compared = { missing: SessionRevocation[] } | { skipped: string };
    const compared = await withPermissionSetLock(deps, permissionSetArn, async (): Promise<Compared> => {
      const verified = await ctx.db.sessionRevocation.findMany({ where: { ...verifiedWhere, permissionSetArn } });
      let text: string | null;
      try {
        text = await deps.port.getInlinePolicy(permissionSetArn);
      } catch (error) {
        return { skipped: toAwsPortError(error).code };
      }
      const read = readPortalStatements(text);
      // An unreadable policy is the apply path's to report (it refuses to rewrite it); nothing to compare here.
      if (!read.ok) return { skipped: read.reason };
      // An unscoped statement from before account scoping still cuts the user in every account.
      const covers = (row: (typeof verified)[number]) =>
        read.statements.some(
          (s) =>
            s.identityStoreUserId === row.identityStoreUserId &&
            (s.accountId === null || s.accountId === row.accountId) &&
            s.cutoff.getTime() >= row.cutoff.getTime(),
        );
      const missing = verified.filter((row) => !covers(row));
      if (missing.length > 0) await reportMissing(ctx, permissionSetArn, missing);
      return { missing };
    });
    if (!("missing" in compared)) {
      result.skipped.push({ permissionSetArn, reason: compared.skipped });
      continue;
    }
    for (const row of compared.missing) {
      await applySessionRevocation({
        ctx,
        deps,
        input: {
          permissionSetArn: row.permissionSetArn,
          accountId: row.accountId,
          identityStoreUserId: row.identityStoreUserId!,
          cutoff: row.cutoff,
        },
      });
      result.reapplied += 1;
    }
  }
  return result;
}

/** Audited per revocation (on its request's timeline), one alert per permission set, and the rows set to be applied again. */
async function reportMissing(
  ctx: ServiceContext,
  permissionSetArn: string,
  missing: { id: string; grantId: string | null; accountId: string; cutoff: Date }[],
) {
  const now = ctx.now();
  const raised = await ctx.db.$transaction(async (tx) => {
    for (const row of missing) {
      const moved = await tx.sessionRevocation.updateMany({
        where: { id: row.id, status: "VERIFIED" },
        data: { status: "PENDING", provisionRequestId: null, verifiedAt: null },
      });
      if (moved.count === 0) continue;
      await emitAudit(
        tx,
        ctx.actor,
        {
          action: "session.revocation_missing",
          entityType: "session_revocation",
          entityId: row.id,
          requestId: await requestIdOf(tx, row),
          before: { status: "VERIFIED" },
          after: { status: "PENDING", permissionSetArn, accountId: row.accountId, cutoff: row.cutoff.toISOString() },
          reason: "the permission set's inline policy no longer held the portal's deny (changed outside the portal)",
        },
        now,
      );
    }
    return recordAlert(
      tx,
      ctx.actor,
      {
        kind: SESSION_REVOCATION_ALERT_KIND,
        severity: "warning",
        dedupeKey: `${SESSION_REVOCATION_ALERT_KIND}:missing:${permissionSetArn}:${now.toISOString()}`,
        subject:
          "Session denies were removed from a permission set's inline policy outside the portal; the portal applied them again",
        detail: { permissionSetArn, revocations: missing.length },
      },
      now,
    );
  });
  log.warn(
    { permissionSetArn, missing: missing.length },
    "portal session denies missing from the inline policy; re-applying",
  );
  if (raised) await notifyAlertRaised(raised);
}
