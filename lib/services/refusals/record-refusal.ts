import type { DbTransaction } from "../../db";
import {
  planRefusal,
  summarizeWindow,
  type RefusalSummary,
  type RefusalWindowState,
} from "../../domain/refusal-window";
import type { Prisma } from "../../generated/prisma/client";
import { emitAudit } from "../audit";
import { actorLabel, type Actor, type ServiceContext } from "../context";

export interface RefusalInput {
  verb: string;
  /** The object the attempt aimed at (request id, finding id...), as the caller sent it. */
  target: unknown;
  code: string;
  reason: string;
  /** A verb that refuses on a known request names its own action so the refusal shows on that request's timeline. */
  action?: string;
  requestId?: string | null;
  /** Extra facts for the first event of a window (the decision tried, the extension round). */
  details?: Record<string, unknown>;
  /** How many refusals this call stands for (a burst folded in memory first); default 1. */
  weight?: number;
}

/** Who a window belongs to; anonymous callers share one key because their address is a header anyone can vary. */
export function refusalActorKey(actor: Actor): string | null {
  if (actor.type === "user") return `user:${actor.userId}`;
  if (actor.type === "anonymous") return "anonymous";
  return null;
}

type StoredActor = {
  type: "user" | "anonymous";
  id: string | null;
  label: string;
  ip: string | null;
  userAgent: string | null;
};

// Text columns cannot hold NUL and an audit reader should not see controls: a hostile target is kept readable, bounded.
const UNPRINTABLE = /[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/g;
function cleanTarget(target: unknown): string | null {
  if (typeof target !== "string" || target.trim() === "") return null;
  return target.slice(0, 128).replace(UNPRINTABLE, "\ufffd");
}

function storedActor(actor: Actor): StoredActor {
  if (actor.type === "user")
    return { type: "user", id: actor.userId, label: actorLabel(actor), ip: actor.ip, userAgent: actor.userAgent };
  return {
    type: "anonymous",
    id: null,
    label: "anonymous",
    ip: actor.type === "anonymous" ? actor.ip : null,
    userAgent: actor.type === "anonymous" ? actor.userAgent : null,
  };
}

function actorFromStored(stored: StoredActor): Actor {
  if (stored.type === "user" && stored.id)
    return {
      type: "user",
      userId: stored.id,
      email: stored.label,
      name: null,
      roles: [],
      groups: [],
      identityStoreUserId: null,
      ip: stored.ip,
      userAgent: stored.userAgent,
    };
  return { type: "anonymous", ip: stored.ip, userAgent: stored.userAgent };
}

/** Writes the one `access.refused_repeated` event of a closed window that folded more than one refusal. */
export async function emitRefusalSummary(
  tx: DbTransaction,
  verb: string,
  summary: RefusalSummary,
  lastActor: Prisma.JsonValue,
  now: Date,
) {
  await emitAudit(
    tx,
    actorFromStored(lastActor as StoredActor),
    {
      action: "access.refused_repeated",
      entityType: "verb",
      entityId: verb,
      after: {
        verb,
        count: summary.count,
        afterFirst: summary.count - 1,
        windowStart: summary.windowStart.toISOString(),
        windowEnd: summary.windowEnd.toISOString(),
        firstTarget: summary.firstTarget,
        lastTarget: summary.lastTarget,
        code: summary.lastCode,
      },
      reason: summary.lastReason,
    },
    now,
  );
}

/**
 * Audits one refused attempt: the first of an actor+verb's minute is written at once, the rest only count,
 * and the window's total is written once when it closes. The row lock of the upsert makes concurrent refusals count one by one.
 */
export async function recordRefusal(ctx: ServiceContext, refusal: RefusalInput): Promise<void> {
  const actorKey = refusalActorKey(ctx.actor);
  if (!actorKey) return;
  const at = ctx.now();
  const target = cleanTarget(refusal.target);
  const reason = refusal.reason.slice(0, 500);
  const actor = storedActor(ctx.actor);
  await ctx.db.$transaction(async (tx) => {
    // Insert a blank window or lock the existing one; either way this transaction now owns the row.
    await tx.$executeRaw`INSERT INTO "RefusalWindow" ("actorKey", "verb", "windowStart", "count", "lastCode", "lastReason", "lastActor") VALUES (${actorKey}, ${refusal.verb}, ${new Date(0)}, 0, '', '', '{}'::jsonb) ON CONFLICT ("actorKey", "verb") DO UPDATE SET "actorKey" = EXCLUDED."actorKey"`;
    const row = await tx.refusalWindow.findUniqueOrThrow({
      where: { actorKey_verb: { actorKey, verb: refusal.verb } },
    });
    const current: RefusalWindowState | null = row.count === 0 ? null : row;
    const plan = planRefusal(current, { at, target, code: refusal.code, reason, weight: refusal.weight });
    await tx.refusalWindow.update({
      where: { actorKey_verb: { actorKey, verb: refusal.verb } },
      data: { ...plan.window, lastActor: actor },
    });
    if (plan.summary) await emitRefusalSummary(tx, refusal.verb, plan.summary, row.lastActor, at);
    if (plan.recordNow)
      await emitAudit(
        tx,
        ctx.actor,
        {
          action: refusal.action ?? "access.refused",
          entityType: refusal.requestId ? "request" : "verb",
          entityId: refusal.requestId ?? refusal.verb,
          requestId: refusal.requestId ?? null,
          after: { ...refusal.details, verb: refusal.verb, target, code: refusal.code },
          reason,
        },
        at,
      );
  });
}

/** The sweep: windows nobody revisited get their summary written and are dropped, so a quiet prober is still counted. */
export async function summarizeRefusals({
  ctx,
  limit = 200,
}: {
  ctx: ServiceContext;
  limit?: number;
}): Promise<{ summarized: number; dropped: number }> {
  const now = ctx.now();
  const cutoff = new Date(now.getTime() - 60_000);
  let summarized = 0;
  let dropped = 0;
  const closed = await ctx.db.refusalWindow.findMany({
    where: { windowStart: { lte: cutoff } },
    select: { actorKey: true, verb: true },
    orderBy: { windowStart: "asc" },
    take: limit,
  });
  for (const key of closed) {
    await ctx.db.$transaction(async (tx) => {
      // A refusal holding the row handles the window itself; re-check closure under the lock.
      const locked = await tx.$queryRaw<
        { actorKey: string }[]
      >`SELECT "actorKey" FROM "RefusalWindow" WHERE "actorKey" = ${key.actorKey} AND "verb" = ${key.verb} AND "windowStart" <= ${cutoff} FOR UPDATE SKIP LOCKED`;
      if (locked.length === 0) return;
      const row = await tx.refusalWindow.findUniqueOrThrow({ where: { actorKey_verb: key } });
      const summary = summarizeWindow(row);
      if (summary) {
        await emitRefusalSummary(tx, row.verb, summary, row.lastActor, now);
        summarized++;
      }
      await tx.refusalWindow.delete({ where: { actorKey_verb: key } });
      dropped++;
    });
  }
  return { summarized, dropped };
}
