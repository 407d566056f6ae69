import { createHash } from "node:crypto";
import type { DbTransaction } from "../../db";
import { AppError } from "../../domain/errors";
import { Prisma } from "../../generated/prisma/client";
import { emitAudit } from "../audit";
import type { Actor, ServiceContext } from "../context";
import { notifyAlertRaised, type RaisedAlert } from "./alert-hook";

export interface AlertInput {
  kind: string;
  severity: "critical" | "warning";
  /** One unresolved alert per key, e.g. `removal-unverified:<grantId>`. */
  dedupeKey: string;
  subject: string;
  detail?: Record<string, unknown>;
  grantId?: string | null;
  /** Puts the audit event on that request's timeline too. */
  requestId?: string | null;
}

export const UNRESOLVED_ALERT_STATUSES = ["OPEN", "ACKNOWLEDGED"] as const;

// Serializes raise and resolve per key, so two workers never open the same alert twice.
async function lockAlertKey(tx: DbTransaction, dedupeKey: string) {
  const key = createHash("sha256").update(`alert|${dedupeKey}`).digest().readBigInt64BE(0);
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${key})`;
}

/** Inside the caller's transaction: opens the alert (audited) unless one is unresolved for the key; returns it for notifying after commit. */
export async function recordAlert(
  tx: DbTransaction,
  actor: Actor,
  input: AlertInput,
  now: Date,
): Promise<RaisedAlert | null> {
  await lockAlertKey(tx, input.dedupeKey);
  const existing = await tx.alert.findFirst({
    where: { dedupeKey: input.dedupeKey, status: { in: [...UNRESOLVED_ALERT_STATUSES] } },
    select: { id: true },
  });
  if (existing) {
    await tx.alert.update({ where: { id: existing.id }, data: { lastSeenAt: now } });
    return null;
  }
  const alert = await tx.alert.create({
    data: {
      kind: input.kind,
      severity: input.severity,
      dedupeKey: input.dedupeKey,
      subject: input.subject.slice(0, 500),
      detail: input.detail ? (JSON.parse(JSON.stringify(input.detail)) as Prisma.InputJsonValue) : Prisma.DbNull,
      grantId: input.grantId ?? null,
      raisedAt: now,
      lastSeenAt: now,
    },
  });
  await emitAudit(
    tx,
    actor,
    {
      action: "alert.raised",
      entityType: "alert",
      entityId: alert.id,
      requestId: input.requestId ?? null,
      after: {
        kind: alert.kind,
        severity: alert.severity,
        dedupeKey: alert.dedupeKey,
        subject: alert.subject,
        grantId: alert.grantId,
      },
    },
    now,
  );
  return {
    id: alert.id,
    kind: alert.kind,
    severity: alert.severity,
    dedupeKey: alert.dedupeKey,
    subject: alert.subject,
    grantId: alert.grantId,
    raisedAt: alert.raisedAt,
  };
}

/** Inside the caller's transaction: resolves the unresolved alert for the key, audited; returns how many were resolved. */
export async function resolveAlert(
  tx: DbTransaction,
  actor: Actor,
  input: { dedupeKey: string; reason: string; requestId?: string | null },
  now: Date,
): Promise<number> {
  await lockAlertKey(tx, input.dedupeKey);
  const open = await tx.alert.findMany({
    where: { dedupeKey: input.dedupeKey, status: { in: [...UNRESOLVED_ALERT_STATUSES] } },
    select: { id: true, kind: true, status: true },
  });
  for (const alert of open) {
    await tx.alert.update({ where: { id: alert.id }, data: { status: "RESOLVED", resolvedAt: now } });
    await emitAudit(
      tx,
      actor,
      {
        action: "alert.resolved",
        entityType: "alert",
        entityId: alert.id,
        requestId: input.requestId ?? null,
        before: { status: alert.status },
        after: { status: "RESOLVED", kind: alert.kind, dedupeKey: input.dedupeKey },
        reason: input.reason,
      },
      now,
    );
  }
  return open.length;
}

/** Worker helper: raises one alert in its own transaction, then hands it to the alert hooks. */
export async function raiseAlert({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: AlertInput;
}): Promise<RaisedAlert | null> {
  if (ctx.actor.type !== "system") throw new AppError("FORBIDDEN", "Only the worker raises alerts.");
  const raised = await ctx.db.$transaction((tx) => recordAlert(tx, ctx.actor, input, ctx.now()));
  if (raised) await notifyAlertRaised(raised);
  return raised;
}
