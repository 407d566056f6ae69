import { setTimeout as delay } from "node:timers/promises";
import type { RateLimiter } from "../aws/rate-limiter";
import type { PrismaClient } from "../db";
import { getMetrics } from "../metrics/registry";

export interface PgRateLimiterOptions {
  /** One bucket per name (e.g. per Identity Center instance) in the AwsRateBucket table. */
  name: string;
  ratePerSecond: number;
  /** Requests allowed back to back after a quiet period; defaults to one second's worth. */
  burst?: number;
  sleep?: (ms: number) => Promise<unknown>;
}

/** The database could not be asked for a token; marked retryable so the call is tried again rather than failed. */
export class RateLimiterUnavailable extends Error {
  readonly $retryable = {};
  constructor(cause: unknown) {
    super(`the shared AWS rate limit could not be read: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = "RateLimiterUnavailable";
  }
}

/**
 * A token bucket kept in one Postgres row so every worker process shares it. One atomic
 * statement refills by the time elapsed on the database clock and takes a token; an empty bucket goes into debt, so
 * each caller learns its own wait and no queue is needed.
 */
export class PgRateLimiter implements RateLimiter {
  private readonly name: string;
  private readonly ratePerSecond: number;
  private readonly burst: number;
  private readonly sleep: (ms: number) => Promise<unknown>;
  private nextSendAt = 0;

  constructor(
    private readonly db: PrismaClient,
    options: PgRateLimiterOptions,
  ) {
    if (!(options.ratePerSecond > 0)) throw new RangeError("ratePerSecond must be above 0");
    const burst = options.burst ?? Math.max(1, Math.floor(options.ratePerSecond));
    if (!(burst >= 1)) throw new RangeError("burst must be at least 1");
    this.name = options.name;
    this.ratePerSecond = options.ratePerSecond;
    this.burst = burst;
    this.sleep = options.sleep ?? ((ms) => delay(ms));
  }

  /** Resolves once the caller may send, with the bucket-clock time its token became usable (what the bucket bounds). */
  async acquire(): Promise<number> {
    const { waitMs, usableAtMs } = await this.take();
    getMetrics().awsRateWait.observe(waitMs / 1000);
    if (waitMs > 0) await this.sleep(waitMs);
    // A starved event loop resumes many sleepers at once: half a token apart, their sends never reach AWS as one clump.
    const now = performance.now();
    const sendAt = Math.max(now, this.nextSendAt);
    this.nextSendAt = sendAt + 1000 / (2 * this.ratePerSecond);
    if (sendAt > now) await this.sleep(sendAt - now);
    return usableAtMs;
  }

  /** Takes one token: how long the caller must wait (0 when the bucket had one) and the bucket-clock time it is usable from. */
  async take(): Promise<{ waitMs: number; usableAtMs: number }> {
    let rows: { wait_ms: number; refilled_at_ms: number }[];
    try {
      // A statement that waited for the row lock may carry an older clock reading than the row: never refill backwards.
      rows = await this.db.$queryRaw<{ wait_ms: number; refilled_at_ms: number }[]>`
        INSERT INTO "AwsRateBucket" AS b (name, tokens, "refilledAt")
        VALUES (${this.name}, ${this.burst - 1}::float8, clock_timestamp())
        ON CONFLICT (name) DO UPDATE SET
          tokens = LEAST(${this.burst}::float8, b.tokens + GREATEST(0, EXTRACT(EPOCH FROM (excluded."refilledAt" - b."refilledAt"))) * ${this.ratePerSecond}::float8) - 1,
          "refilledAt" = GREATEST(b."refilledAt", excluded."refilledAt")
        RETURNING (GREATEST(0, -tokens) * 1000 / ${this.ratePerSecond}::float8)::float8 AS wait_ms, (EXTRACT(EPOCH FROM "refilledAt") * 1000)::float8 AS refilled_at_ms`;
    } catch (error) {
      throw new RateLimiterUnavailable(error);
    }
    const waitMs = Number(rows[0]?.wait_ms ?? 0);
    return { waitMs, usableAtMs: Number(rows[0]?.refilled_at_ms ?? 0) + waitMs };
  }
}
