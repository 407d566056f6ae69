import pg from "pg";
import type { PrismaClient } from "../../db";
import { planRetry, stillRelevant, type NotificationEventType } from "../../domain/notifications";
import { purgeSettledNotifications } from "./purge-notifications";
import { safeErrorText } from "./safe-error";
import type { ChannelSenders, ClaimedDelivery, SendOutcome } from "./channel-sender";
import type { DeliveryFailure, RetrySettings } from "../../domain/notifications";

// The outbox reader: claims due deliveries with a lease, sends them outside any transaction, records each outcome.

const DEFAULT_LEASE_MS = 60_000;
const PURGE_EVERY_MS = 60 * 60_000;

interface ClaimedRow {
  id: string;
  channel: ClaimedDelivery["channel"];
  target: string;
  attempts: number;
  createdAt: Date;
  nextAttemptAt: Date;
  maybeSent: boolean;
  notificationId: string;
  type: string;
  requestId: string | null;
  payload: Record<string, unknown>;
  notificationCreatedAt: Date;
}

/** Takes up to `limit` due deliveries for this process; a lease that runs out (a crashed worker) makes them due again. */
export async function claimDueDeliveries(
  db: PrismaClient,
  { limit, leaseMs = DEFAULT_LEASE_MS, now = new Date() }: { limit: number; leaseMs?: number; now?: Date },
): Promise<ClaimedDelivery[]> {
  const leaseUntil = new Date(now.getTime() + leaseMs);
  const rows = await db.$queryRaw<ClaimedRow[]>`
    WITH due AS (
      SELECT id FROM "NotificationDelivery"
      WHERE status = 'PENDING' AND "nextAttemptAt" <= ${now} AND ("leaseUntil" IS NULL OR "leaseUntil" < ${now})
      ORDER BY "nextAttemptAt", "createdAt", id
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    )
    UPDATE "NotificationDelivery" d
    -- A lease still set means the last holder never recorded an outcome: it may have died after the channel took it.
    SET "leaseUntil" = ${leaseUntil}, attempts = d.attempts + 1, "updatedAt" = ${now},
      "maybeSent" = d."maybeSent" OR d."leaseUntil" IS NOT NULL
    FROM due, "Notification" n
    WHERE d.id = due.id AND n.id = d."notificationId"
    RETURNING d.id, d.channel, d.target, d.attempts, d."createdAt", d."nextAttemptAt", d."maybeSent", n.id AS "notificationId", n.type,
      n."requestId", n.payload, n."createdAt" AS "notificationCreatedAt"`;
  return rows
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
    .map((row) => ({
      id: row.id,
      channel: row.channel,
      target: row.target,
      attempts: row.attempts,
      createdAt: row.createdAt,
      dueAt: row.nextAttemptAt,
      maybeSent: row.maybeSent,
      notification: {
        id: row.notificationId,
        type: row.type as NotificationEventType,
        requestId: row.requestId,
        payload: row.payload,
        createdAt: row.notificationCreatedAt,
      },
    }));
}

export interface DeliverDeps {
  db: PrismaClient;
  senders: ChannelSenders;
  retry: RetrySettings;
  now?: () => Date;
  leaseMs?: number;
}

/**
 * Sends one claimed delivery and records what happened; never throws (a failure is an outcome). A delivery that waited in
 * its batch until its lease ran out may belong to another worker by now: it is renewed first, or left alone (null).
 */
export async function deliverOne(deps: DeliverDeps, delivery: ClaimedDelivery): Promise<SendOutcome | null> {
  const now = deps.now ?? (() => new Date());
  const renewedAt = now();
  const renewed = await deps.db.notificationDelivery.updateMany({
    where: { id: delivery.id, attempts: delivery.attempts, status: "PENDING", leaseUntil: { gt: renewedAt } },
    data: { leaseUntil: new Date(renewedAt.getTime() + (deps.leaseMs ?? DEFAULT_LEASE_MS)) },
  });
  if (renewed.count !== 1) return null;
  let outcome: SendOutcome;
  try {
    outcome = await sendIfRelevant(deps, delivery);
  } catch (error) {
    outcome = { status: "failed", failure: { kind: "transient", error: safeErrorText(error) } };
  }
  await recordOutcome(deps, delivery, outcome, now());
  return outcome;
}

async function sendIfRelevant(deps: DeliverDeps, delivery: ClaimedDelivery): Promise<SendOutcome> {
  const { type, requestId, payload } = delivery.notification;
  if (type === "approval.reminder" || type === "approval.escalated" || type === "access.ending") {
    const current = requestId
      ? await deps.db.accessRequest.findUnique({
          where: { id: requestId },
          select: { status: true, endsAt: true, escalatedAt: true },
        })
      : null;
    const announced = (payload.request as { window?: { endsAt?: string } } | undefined)?.window ?? {};
    if (!stillRelevant(type, { endsAt: announced.endsAt }, current))
      return { status: "skipped", reason: "no longer true when it was due" };
  }
  const sender = deps.senders[delivery.channel];
  if (!sender)
    return {
      status: "failed",
      failure: { kind: "transient", error: `${delivery.channel} is not configured in this worker` },
    };
  return sender.send(delivery);
}

async function recordOutcome(deps: DeliverDeps, delivery: ClaimedDelivery, outcome: SendOutcome, now: Date) {
  // Only the holder of this attempt writes its outcome: a stale worker whose lease ran out changes nothing.
  const mine = { id: delivery.id, attempts: delivery.attempts, status: "PENDING" as const };
  if (outcome.status === "sent" || outcome.status === "skipped") {
    await deps.db.notificationDelivery.updateMany({
      where: mine,
      data: {
        status: outcome.status === "sent" ? "SENT" : "SKIPPED",
        sentAt: outcome.status === "sent" ? now : null,
        externalRef: outcome.status === "sent" ? (outcome.externalRef ?? null) : null,
        lastError: outcome.status === "skipped" ? outcome.reason : null,
        leaseUntil: null,
      },
    });
    return;
  }
  const plan = planRetry(outcome.failure, delivery, now, deps.retry);
  const error = "error" in outcome.failure ? outcome.failure.error : "throttled by the channel";
  await deps.db.notificationDelivery.updateMany({
    where: mine,
    data:
      plan.action === "dead"
        ? { status: "DEAD", lastError: plan.reason.slice(0, 1000), leaseUntil: null }
        : {
            nextAttemptAt: plan.at,
            lastError: error.slice(0, 1000),
            // Sticky until the delivery settles: a throttled retry in between must not forget it.
            ...(outcome.failure.kind === "transient" && outcome.failure.ambiguous ? { maybeSent: true } : {}),
            leaseUntil: null,
            // Throttling is the channel's pace, not this delivery's failure.
            ...(plan.countsAsAttempt ? {} : { attempts: { decrement: 1 } }),
          },
  });
}

export interface DeliveryLoopOptions extends DeliverDeps {
  databaseUrl: string;
  batchSize?: number;
  idlePollMs?: number;
  /** Settled notifications older than this many days are deleted about hourly; unset, nothing is purged. */
  retentionDays?: number;
  onPurged?: (count: number) => void;
  onError?: (error: unknown) => void;
  onDelivered?: (delivery: ClaimedDelivery, outcome: SendOutcome, latencyMs: number) => void;
}

/**
 * Runs until stopped: wakes on the outbox's NOTIFY (sent at commit) or every idlePollMs for scheduled and retried rows.
 * Deliveries of one batch run concurrently, except that one target's deliveries keep their order.
 */
export function startDeliveryLoop(options: DeliveryLoopOptions): { stop(): Promise<void> } {
  const batchSize = options.batchSize ?? 50;
  const idlePollMs = options.idlePollMs ?? 500;
  let stopped = false;
  let wake: (() => void) | null = null;
  const listener = new pg.Client({ connectionString: options.databaseUrl });
  listener.on("notification", () => wake?.());
  listener.on("error", (error) => options.onError?.(error));
  const listening = listener
    .connect()
    .then(() => listener.query("LISTEN notification_outbox"))
    .catch((error: unknown) => options.onError?.(error));

  let purgedAt = 0;
  const purgeWhenDue = async () => {
    if (!options.retentionDays || Date.now() - purgedAt < PURGE_EVERY_MS) return;
    purgedAt = Date.now();
    const before = new Date(purgedAt - options.retentionDays * 86_400_000);
    options.onPurged?.(await purgeSettledNotifications(options.db, { before }));
  };

  const loop = (async () => {
    await listening;
    while (!stopped) {
      await purgeWhenDue().catch((error: unknown) => options.onError?.(error));
      let claimed: ClaimedDelivery[] = [];
      try {
        claimed = await claimDueDeliveries(options.db, { limit: batchSize });
        const byTarget = new Map<string, ClaimedDelivery[]>();
        for (const d of claimed)
          byTarget.set(`${d.channel} ${d.target}`, [...(byTarget.get(`${d.channel} ${d.target}`) ?? []), d]);
        await Promise.all(
          [...byTarget.values()].map(async (queue) => {
            let throttled: DeliveryFailure | null = null;
            for (const delivery of queue) {
              // The channel asked this target to wait: the rest of its batch waits too, unsent.
              if (throttled) {
                await recordOutcome(options, delivery, { status: "failed", failure: throttled }, new Date());
                continue;
              }
              const outcome = await deliverOne(options, delivery);
              if (!outcome) continue;
              if (outcome.status === "failed" && outcome.failure.kind === "throttled") throttled = outcome.failure;
              // From the event, or for a scheduled one (reminder, ending notice) from when it fell due.
              const since = Math.max(
                delivery.notification.createdAt.getTime(),
                delivery.createdAt.getTime() < delivery.dueAt.getTime() && delivery.attempts === 1
                  ? delivery.dueAt.getTime()
                  : 0,
              );
              options.onDelivered?.(delivery, outcome, Date.now() - since);
            }
          }),
        );
      } catch (error) {
        options.onError?.(error);
      }
      if (claimed.length < batchSize && !stopped)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, idlePollMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      wake = null;
    }
  })();

  return {
    async stop() {
      stopped = true;
      wake?.();
      await loop;
      await listener.end().catch(() => undefined);
      await Promise.all(Object.values(options.senders).map((s) => s?.close?.()));
    },
  };
}
