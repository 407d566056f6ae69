import { AppError } from "../../domain/errors";
import { isNotProvisionedFailure } from "../../domain/session-revocation";
import type { SessionRevocation } from "../../generated/prisma/client";
import { log } from "../../log";
import { notifyAlertRaised } from "../alerts/alert-hook";
import { recordAlert } from "../alerts/raise-alert";
import { emitAudit } from "../audit";
import type { ServiceContext } from "../context";
import type { PermissionSetLock } from "./permission-set-lock";
import {
  awaitProvisioning,
  editInlinePolicy,
  requestIdOf,
  SESSION_REVOCATION_ALERT_KIND,
  startProvisioning,
  withPermissionSetLock,
  type SessionRevocationDeps,
} from "./revocation-support";

export interface CleanSessionRevocationsResult {
  cleaned: number;
  /** Permission sets left for the next run, with why. */
  skipped: { permissionSetArn: string; reason: string }[];
}

/** Worker verb, run periodically: removes the statements whose sessions have all expired and provisions the accounts again. */
export async function cleanSessionRevocations({
  ctx,
  deps,
  input = {},
}: {
  ctx: ServiceContext;
  deps: SessionRevocationDeps;
  input?: { permissionSetArn?: string };
}): Promise<CleanSessionRevocationsResult> {
  if (ctx.actor.type !== "system") throw new AppError("FORBIDDEN", "Only the worker cleans session revocations.");
  const due = await ctx.db.sessionRevocation.findMany({
    where: {
      ...expiredWhere(ctx.now()),
      ...(input.permissionSetArn ? { permissionSetArn: input.permissionSetArn } : {}),
    },
    select: { permissionSetArn: true },
    distinct: ["permissionSetArn"],
  });
  const result: CleanSessionRevocationsResult = { cleaned: 0, skipped: [] };
  for (const { permissionSetArn } of due) {
    const outcome = await withPermissionSetLock(deps, permissionSetArn, (lock) =>
      cleanPermissionSet(ctx, deps, permissionSetArn, lock),
    );
    if (typeof outcome === "number") result.cleaned += outcome;
    else result.skipped.push({ permissionSetArn, reason: outcome.reason });
  }
  return result;
}

const expiredWhere = (now: Date) => ({
  identityStoreUserId: { not: null },
  status: { not: "CLEANED" as const },
  expiresAt: { lte: now },
});

async function cleanPermissionSet(
  ctx: ServiceContext,
  deps: SessionRevocationDeps,
  permissionSetArn: string,
  lock: PermissionSetLock,
): Promise<number | { reason: string }> {
  const expired = await ctx.db.sessionRevocation.findMany({ where: { ...expiredWhere(ctx.now()), permissionSetArn } });
  if (expired.length === 0) return 0;
  const edit = await editInlinePolicy(ctx, deps, permissionSetArn, lock);
  if (edit.kind === "permission-set-missing")
    return markCleaned(ctx, expired, null, "the permission set no longer exists in IAM Identity Center");
  if (edit.kind === "refused") {
    await alertCleanupRefused(ctx, permissionSetArn, edit.edit.reason);
    return { reason: edit.edit.reason };
  }

  let cleaned = 0;
  const accounts = [...new Set(expired.map((row) => row.accountId))];
  for (const accountId of accounts) {
    const rows = expired.filter((row) => row.accountId === accountId);
    // Resume a provisioning a killed worker had started, else start one: the account's role still carries the old text.
    let requestId = rows.find((row) => row.cleanupRequestId)?.cleanupRequestId ?? null;
    if (!requestId) {
      requestId = await startProvisioning(deps, permissionSetArn, accountId, lock);
      await ctx.db.sessionRevocation.updateMany({
        where: { id: { in: rows.map((row) => row.id) } },
        data: { cleanupRequestId: requestId },
      });
    }
    const outcome = await awaitProvisioning(deps, requestId);
    if (outcome.status === "SUCCEEDED") {
      cleaned += await markCleaned(ctx, rows, requestId, null);
    } else if (isNotProvisionedFailure(outcome.failureReason)) {
      // No assignment, so no role in that account: nothing there still carries the statement.
      cleaned += await markCleaned(ctx, rows, requestId, "the permission set is no longer provisioned in the account");
    } else {
      const reason = outcome.failureReason ?? "provisioning FAILED without a reason";
      await ctx.db.sessionRevocation.updateMany({
        where: { id: { in: rows.map((row) => row.id) } },
        data: { cleanupRequestId: null, lastError: reason.slice(0, 1000) },
      });
      log.warn(
        { permissionSetArn, accountId, reason },
        "session revocation cleanup: provisioning failed; retried next run",
      );
    }
  }
  return cleaned;
}

async function markCleaned(
  ctx: ServiceContext,
  rows: SessionRevocation[],
  awsRequestId: string | null,
  reason: string | null,
): Promise<number> {
  const now = ctx.now();
  return ctx.db.$transaction(async (tx) => {
    let cleaned = 0;
    for (const row of rows) {
      const moved = await tx.sessionRevocation.updateMany({
        where: { id: row.id, status: row.status },
        data: { status: "CLEANED", cleanedAt: now },
      });
      if (moved.count === 0) continue;
      cleaned += 1;
      await emitAudit(
        tx,
        ctx.actor,
        {
          action: "session.revocation_cleaned",
          entityType: "session_revocation",
          entityId: row.id,
          requestId: await requestIdOf(tx, row),
          before: { status: row.status },
          after: {
            status: "CLEANED",
            permissionSetArn: row.permissionSetArn,
            accountId: row.accountId,
            expiresAt: row.expiresAt.toISOString(),
            awsRequestId,
          },
          reason,
        },
        now,
      );
    }
    return cleaned;
  });
}

async function alertCleanupRefused(ctx: ServiceContext, permissionSetArn: string, reason: string) {
  const now = ctx.now();
  const raised = await ctx.db.$transaction((tx) =>
    recordAlert(
      tx,
      ctx.actor,
      {
        kind: SESSION_REVOCATION_ALERT_KIND,
        severity: "warning",
        dedupeKey: `${SESSION_REVOCATION_ALERT_KIND}:cleanup:${permissionSetArn}`,
        subject: "Expired session denies could not be removed: the permission set's inline policy was left untouched",
        detail: { reason, permissionSetArn },
      },
      now,
    ),
  );
  if (raised) await notifyAlertRaised(raised);
}
