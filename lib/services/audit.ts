import { randomUUID } from "node:crypto";
import type { DbTransaction } from "../db";
import { Prisma } from "../generated/prisma/client";
import { chainHash, GENESIS_HASH, type ChainedEventFields } from "../audit/chain";
import { actorLabel, type Actor } from "./context";
import { enqueueNotificationsForAudit } from "./notifications/enqueue-notifications";

// Serializes audit writers so concurrent transactions extend one unbroken chain.
const AUDIT_CHAIN_LOCK = 7_419_001;

export interface AuditInput {
  action: string;
  entityType: string;
  entityId: string;
  requestId?: string | null;
  before?: unknown;
  after?: unknown;
  reason?: string | null;
}

// Postgres text and jsonb cannot hold NUL; replace it so hostile input is recorded rather than failing the mutation.
function withoutNul(value: unknown): unknown {
  if (typeof value === "string") return value.replaceAll("\u0000", "\ufffd");
  if (Array.isArray(value)) return value.map(withoutNul);
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [withoutNul(k) as string, withoutNul(v)]));
  return value;
}

const textWithoutNul = (text: string | null | undefined) => (text == null ? null : text.replaceAll("\u0000", "\ufffd"));

function jsonOrNull(value: unknown) {
  return value === undefined || value === null
    ? Prisma.DbNull
    : (JSON.parse(JSON.stringify(value)) as Prisma.InputJsonValue);
}

/** Writes one audit event inside the caller's transaction; a failed write rolls the mutation back. */
/**
 * Takes the audit chain lock for the rest of the transaction. A transaction that will audit and also locks rows that a
 * worker locks (request, grant) takes it first, so every writer meets the locks in one order and none can deadlock.
 */
export async function lockAuditChain(tx: DbTransaction) {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`;
}

export async function emitAudit(tx: DbTransaction, actor: Actor, input: AuditInput, occurredAt = new Date()) {
  await lockAuditChain(tx);
  const last = await tx.auditEvent.findFirst({ orderBy: { seq: "desc" }, select: { hash: true } });
  const prevHash = last?.hash ?? GENESIS_HASH;
  const fields: ChainedEventFields = {
    id: randomUUID(),
    occurredAt: new Date(Math.floor(occurredAt.getTime())),
    actorType: actor.type === "user" ? "USER" : actor.type === "system" ? "SYSTEM" : "ANONYMOUS",
    actorId: actor.type === "user" ? actor.userId : actor.type === "system" ? actor.job : null,
    actorLabel: actorLabel(actor),
    action: input.action,
    entityType: input.entityType,
    entityId: textWithoutNul(input.entityId) ?? "",
    requestId: input.requestId ?? null,
    // Round-trip through JSON so the hashed value equals what jsonb gives back.
    before: input.before === undefined ? null : withoutNul(JSON.parse(JSON.stringify(input.before))),
    after: input.after === undefined ? null : withoutNul(JSON.parse(JSON.stringify(input.after))),
    reason: textWithoutNul(input.reason),
    ip: actor.type === "system" ? null : textWithoutNul(actor.ip),
    userAgent: actor.type === "system" ? null : textWithoutNul(actor.userAgent),
  };
  const event = await tx.auditEvent.create({
    data: {
      ...fields,
      actorType: fields.actorType as "USER" | "SYSTEM" | "ANONYMOUS",
      before: jsonOrNull(fields.before),
      after: jsonOrNull(fields.after),
      prevHash,
      hash: chainHash(prevHash, fields),
    },
  });
  // Who must hear about this change is decided here, in its transaction: a rolled-back change notifies nobody.
  await enqueueNotificationsForAudit(tx, {
    auditId: event.id,
    action: fields.action,
    entityType: fields.entityType,
    entityId: fields.entityId,
    requestId: fields.requestId,
    after: fields.after,
    reason: fields.reason,
    occurredAt: fields.occurredAt,
  });
  return event;
}
