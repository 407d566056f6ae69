import { setTimeout as delay } from "node:timers/promises";
import { toAwsPortError } from "../../aws/errors";
import type { IdentityCenterPort } from "../../aws/identity-center-port";
import { waitForProvisioningStatus, type FinalAssignmentStatus } from "../../aws/poll";
import type { DbTransaction } from "../../db";
import { planInlinePolicy, type InlinePolicyEdit } from "../../domain/session-revocation";
import type { SessionRevocation } from "../../generated/prisma/client";
import { notifyAlertRaised } from "../alerts/alert-hook";
import { recordAlert, type AlertInput } from "../alerts/raise-alert";
import { emitAudit } from "../audit";
import type { ServiceContext } from "../context";
import { RetryLater } from "../grants/grant-support";
import { processPermissionSetLocks, type PermissionSetLock, type PermissionSetLocks } from "./permission-set-lock";

/** What the session revocation verbs need beyond the service context. */
export interface SessionRevocationDeps {
  port: IdentityCenterPort;
  poll: { initialDelayMs: number; maxDelayMs: number; timeoutMs: number };
  /** One editor per permission set across workers (lib/worker/pg-session-locks.ts); defaults to this process only. */
  locks?: PermissionSetLocks;
  /** ConflictException answers taken inside the lock before the job is handed back. */
  conflictRetries?: number;
  conflictDelayMs?: number;
  /** Provisioning FAILED this many times raises the fail-closed alert; before that the job is retried. */
  provisioningFailuresBeforeAlert?: number;
}

export const SESSION_REVOCATION_ALERT_KIND = "session-revocation-failed";
export const sessionRevocationAlertKey = (revocationId: string) => `${SESSION_REVOCATION_ALERT_KIND}:${revocationId}`;

/** The statements every live revocation of the set still needs (FAILED ones included: they are retried with the next edit). */
export function trackedRevocations(tx: Pick<DbTransaction, "sessionRevocation">, permissionSetArn: string, now: Date) {
  return tx.sessionRevocation
    .findMany({
      where: {
        permissionSetArn,
        identityStoreUserId: { not: null },
        status: { not: "CLEANED" },
        expiresAt: { gt: now },
      },
      select: { identityStoreUserId: true, accountId: true, cutoff: true, expiresAt: true },
    })
    .then((rows) => rows.map((row) => ({ ...row, identityStoreUserId: row.identityStoreUserId! })));
}

export async function withPermissionSetLock<T>(
  deps: SessionRevocationDeps,
  permissionSetArn: string,
  work: (lock: PermissionSetLock) => Promise<T>,
): Promise<T> {
  const lock = await (deps.locks ?? processPermissionSetLocks).lock(permissionSetArn);
  try {
    return await work(lock);
  } finally {
    await lock.release();
  }
}

function assertLockHeld(lock: PermissionSetLock) {
  if (!lock.held) throw new RetryLater("the lock on this permission set was lost (database session dropped)");
}

/** Runs an AWS call; a ConflictException is retried here (the lock is ours, so another writer is AWS-side), other retryable errors hand the job back. */
async function withConflictRetry<T>(deps: SessionRevocationDeps, what: string, call: () => Promise<T>): Promise<T> {
  const retries = deps.conflictRetries ?? 5;
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const portError = toAwsPortError(error);
      if (portError.code === "CONFLICT" && attempt < retries) {
        await delay((deps.conflictDelayMs ?? 200) * 2 ** attempt);
        continue;
      }
      if (portError.retryable) throw new RetryLater(`${what}: ${portError.code}`);
      throw portError;
    }
  }
}

export type PolicyEditOutcome =
  | { kind: "written" | "unchanged"; edit: InlinePolicyEdit }
  | { kind: "refused"; edit: Extract<InlinePolicyEdit, { kind: "malformed" | "too-large" }> }
  | { kind: "permission-set-missing" };

/** Read–modify–write of the set's inline policy under the caller's lock; a conflicting write re-reads before trying again. */
export async function editInlinePolicy(
  ctx: ServiceContext,
  deps: SessionRevocationDeps,
  permissionSetArn: string,
  lock: PermissionSetLock,
): Promise<PolicyEditOutcome> {
  const retries = deps.conflictRetries ?? 5;
  for (let attempt = 0; ; attempt++) {
    const now = ctx.now();
    const tracked = await trackedRevocations(ctx.db, permissionSetArn, now);
    let current: string | null;
    try {
      current = await withConflictRetry(deps, "GetInlinePolicyForPermissionSet", () =>
        deps.port.getInlinePolicy(permissionSetArn),
      );
    } catch (error) {
      if (toAwsPortError(error).code === "NOT_FOUND") return { kind: "permission-set-missing" };
      throw error;
    }
    const edit = planInlinePolicy(current, tracked, now);
    if (edit.kind === "malformed" || edit.kind === "too-large") return { kind: "refused", edit };
    if (edit.kind === "unchanged") return { kind: "unchanged", edit };
    try {
      assertLockHeld(lock);
      if (edit.kind === "put") await deps.port.putInlinePolicy(permissionSetArn, edit.policy);
      else await deps.port.deleteInlinePolicy(permissionSetArn);
      return { kind: "written", edit };
    } catch (error) {
      if (error instanceof RetryLater) throw error;
      const portError = toAwsPortError(error);
      if (portError.code === "NOT_FOUND" && edit.kind === "delete") return { kind: "written", edit };
      if (portError.code === "NOT_FOUND") return { kind: "permission-set-missing" };
      // Another write landed between our read and write: read again and merge on top of it.
      if (portError.code === "CONFLICT" && attempt < retries) {
        await delay((deps.conflictDelayMs ?? 200) * 2 ** attempt);
        continue;
      }
      if (portError.retryable) throw new RetryLater(`editing the inline policy: ${portError.code}`);
      throw portError;
    }
  }
}

/** ProvisionPermissionSet to one account (waiting out a provisioning already in flight). */
export async function startProvisioning(
  deps: SessionRevocationDeps,
  permissionSetArn: string,
  accountId: string,
  lock: PermissionSetLock,
): Promise<string> {
  const operation = await withConflictRetry(deps, "ProvisionPermissionSet", () => {
    assertLockHeld(lock);
    return deps.port.provisionPermissionSet(permissionSetArn, accountId);
  });
  return operation.requestId;
}

export async function awaitProvisioning(
  deps: SessionRevocationDeps,
  requestId: string,
): Promise<FinalAssignmentStatus> {
  try {
    return await waitForProvisioningStatus(deps.port, requestId, deps.poll);
  } catch (error) {
    const portError = toAwsPortError(error);
    if (portError.retryable) throw new RetryLater(`provisioning status of ${requestId}: ${portError.code}`);
    throw portError;
  }
}

/** The request a revocation belongs to, so its events show on that request's timeline. */
export async function requestIdOf(tx: Pick<DbTransaction, "grant">, row: Pick<SessionRevocation, "grantId">) {
  if (!row.grantId) return null;
  return (await tx.grant.findUnique({ where: { id: row.grantId }, select: { requestId: true } }))?.requestId ?? null;
}

/**
 * FAILED, audited, and the fail-closed alert raised (once per revocation), then its hooks told; false, with nothing
 * written, when another worker verified or cleaned the revocation meanwhile.
 */
export async function failRevocation(
  ctx: ServiceContext,
  row: SessionRevocation,
  reason: string,
  alert: Pick<AlertInput, "subject" | "severity"> & { detail?: Record<string, unknown> },
) {
  const now = ctx.now();
  const outcome = await ctx.db.$transaction(async (tx) => {
    const requestId = await requestIdOf(tx, row);
    const changed = await tx.sessionRevocation.updateMany({
      where: { id: row.id, status: { notIn: ["VERIFIED", "CLEANED"] } },
      data: { status: "FAILED", lastError: reason.slice(0, 1000) },
    });
    if (changed.count !== 1) return { failed: false as const };
    await emitAudit(
      tx,
      ctx.actor,
      {
        action: "session.revocation_failed",
        entityType: "session_revocation",
        entityId: row.id,
        requestId,
        before: { status: row.status },
        after: { status: "FAILED", permissionSetArn: row.permissionSetArn, accountId: row.accountId },
        reason,
      },
      now,
    );
    const raised = await recordAlert(
      tx,
      ctx.actor,
      {
        kind: SESSION_REVOCATION_ALERT_KIND,
        severity: alert.severity,
        dedupeKey: sessionRevocationAlertKey(row.id),
        subject: alert.subject,
        detail: {
          reason,
          permissionSetArn: row.permissionSetArn,
          accountId: row.accountId,
          cutoff: row.cutoff.toISOString(),
          ...alert.detail,
        },
        grantId: row.grantId,
        requestId,
      },
      now,
    );
    return { failed: true as const, raised };
  });
  if (outcome.failed && outcome.raised) await notifyAlertRaised(outcome.raised);
  return outcome.failed;
}
