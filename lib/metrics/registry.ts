import { Counter, Gauge, Histogram, Registry } from "prom-client";

// One registry per process (web and worker each expose their own); kept on globalThis so Next's separate bundles share it.

/** Seconds from a grant's start or end to a step the worker records; minutes matter, so the buckets reach an hour. */
const GRANT_STEP_BUCKETS = [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
const CALL_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export interface QueueStat {
  queue: string;
  /** Jobs due now (created or retry, start time passed) and not yet picked up. */
  waiting: number;
  active: number;
  /** Seconds the oldest due job has waited; 0 when none waits. */
  oldestWaitingSeconds: number;
}

function createMetrics() {
  const registry = new Registry();
  const grantStep = (name: string, help: string) =>
    new Histogram({ name, help, buckets: GRANT_STEP_BUCKETS, registers: [registry] });
  let queueStats: (() => Promise<QueueStat[]>) | null = null;
  let outboxStats: (() => Promise<{ channel: string; dead: number }[]>) | null = null;
  let queueStatsPromise: Promise<QueueStat[]> | null = null;
  // The three queue gauges are collected together: they share one query while it is in flight.
  const readQueueStats = async () => {
    if (!queueStats) return [];
    queueStatsPromise ??= queueStats().finally(() => setTimeout(() => (queueStatsPromise = null), 0));
    return queueStatsPromise;
  };
  const metrics = {
    registry,
    grantCreateIssued: grantStep(
      "jit_grant_create_issued_seconds",
      "Grant start to CreateAccountAssignment issued (recorded by the worker).",
    ),
    grantCreateVerified: grantStep(
      "jit_grant_create_verified_seconds",
      "Grant start to the assignment verified and the grant ACTIVE.",
    ),
    grantDeleteIssued: grantStep(
      "jit_grant_delete_issued_seconds",
      "Grant end to DeleteAccountAssignment issued (recorded by the worker).",
    ),
    grantDeleteVerified: grantStep(
      "jit_grant_delete_verified_seconds",
      "Grant end to the removal verified against the live assignment list.",
    ),
    awsCallDuration: new Histogram({
      name: "jit_aws_call_duration_seconds",
      help: "AWS API call latency through the Identity Center port (SDK retries and rate waits included), by operation and outcome.",
      labelNames: ["operation", "outcome"] as const,
      buckets: CALL_BUCKETS,
      registers: [registry],
    }),
    awsCallErrors: new Counter({
      name: "jit_aws_call_errors_total",
      help: "AWS API calls that failed, by operation and portal error code.",
      labelNames: ["operation", "code"] as const,
      registers: [registry],
    }),
    awsRateWait: new Histogram({
      name: "jit_aws_rate_wait_seconds",
      help: "Time an sso-admin request attempt waited for a token from the shared rate bucket.",
      buckets: [0, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: "jit_http_request_duration_seconds",
      help: "Web request duration: server actions by verb (kind=action) and API route handlers by route (kind=route).",
      labelNames: ["kind", "route", "method", "outcome"] as const,
      buckets: CALL_BUCKETS,
      registers: [registry],
    }),
    queueWaiting: new Gauge({
      name: "jit_queue_waiting_jobs",
      help: "Jobs due and waiting to be picked up, per queue (read from pgboss.job at scrape time).",
      labelNames: ["queue"] as const,
      registers: [registry],
      async collect() {
        for (const stat of await readQueueStats()) this.set({ queue: stat.queue }, stat.waiting);
      },
    }),
    queueActive: new Gauge({
      name: "jit_queue_active_jobs",
      help: "Jobs being worked on, per queue.",
      labelNames: ["queue"] as const,
      registers: [registry],
      async collect() {
        for (const stat of await readQueueStats()) this.set({ queue: stat.queue }, stat.active);
      },
    }),
    queueOldestWaiting: new Gauge({
      name: "jit_queue_oldest_waiting_seconds",
      help: "Seconds the oldest due job has waited, per queue.",
      labelNames: ["queue"] as const,
      registers: [registry],
      async collect() {
        for (const stat of await readQueueStats()) this.set({ queue: stat.queue }, stat.oldestWaitingSeconds);
      },
    }),
    notificationDelivery: new Histogram({
      name: "jit_notification_delivery_seconds",
      help: "Notification event to its delivery's outcome (sent, skipped, retry, dead), by channel; scheduled ones from their due time.",
      labelNames: ["channel", "outcome"] as const,
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800, 3600],
      registers: [registry],
    }),
    notificationDeadLetters: new Gauge({
      name: "jit_notification_dead_letters",
      help: "Deliveries given up on (status DEAD) and not retried, by channel (read from the outbox at scrape time).",
      labelNames: ["channel"] as const,
      registers: [registry],
      async collect() {
        if (!outboxStats) return;
        this.reset();
        for (const stat of await outboxStats()) this.set({ channel: stat.channel }, stat.dead);
      },
    }),
    /** Where the dead-letter gauge reads from; unset, it stays empty. */
    setOutboxStatsSource(source: (() => Promise<{ channel: string; dead: number }[]>) | null) {
      outboxStats = source;
    },
    /** Where the queue gauges read from; unset, they stay empty. */
    setQueueStatsSource(source: (() => Promise<QueueStat[]>) | null) {
      queueStats = source;
    },
  };
  return metrics;
}

export type PortalMetricsRegistry = ReturnType<typeof createMetrics>;

const GLOBAL_KEY = Symbol.for("jit-elevation-portal.metrics");

export function getMetrics(): PortalMetricsRegistry {
  const holder = globalThis as { [GLOBAL_KEY]?: PortalMetricsRegistry };
  holder[GLOBAL_KEY] ??= createMetrics();
  return holder[GLOBAL_KEY];
}

/** Seconds from `from` to `to`, never negative (a grant ended early has its end moved to the moment it ended). */
export function secondsBetween(from: Date, to: Date): number {
  return Math.max(0, (to.getTime() - from.getTime()) / 1000);
}

/** The Identity Center port's call observer: latency by operation and outcome, errors by operation and code. */
export function recordAwsCall(call: { operation: string; seconds: number; error?: { code: string } }) {
  const metrics = getMetrics();
  metrics.awsCallDuration.observe({ operation: call.operation, outcome: call.error ? "error" : "ok" }, call.seconds);
  if (call.error) metrics.awsCallErrors.inc({ operation: call.operation, code: call.error.code });
}
