import { setTimeout as delay } from "node:timers/promises";

/** Client-side pacing: `acquire()` resolves when the caller may send one request. */
export interface RateLimiter {
  acquire(): Promise<void>;
}

export const NO_RATE_LIMIT: RateLimiter = { acquire: () => Promise.resolve() };

export interface TokenBucketOptions {
  ratePerSecond: number;
  /** Requests allowed back to back after a quiet period; defaults to one second's worth. */
  burst?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<unknown>;
}

/** In-process token bucket; an empty bucket goes into debt, so waiters are served in arrival order without a queue. */
export class TokenBucketRateLimiter implements RateLimiter {
  private readonly ratePerSecond: number;
  private readonly burst: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<unknown>;
  private tokens: number;
  private refilledAt: number;

  constructor(options: TokenBucketOptions) {
    if (!(options.ratePerSecond > 0)) throw new RangeError("ratePerSecond must be above 0");
    const burst = options.burst ?? Math.max(1, Math.floor(options.ratePerSecond));
    if (!(burst >= 1)) throw new RangeError("burst must be at least 1");
    this.ratePerSecond = options.ratePerSecond;
    this.burst = burst;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => delay(ms));
    this.tokens = burst;
    this.refilledAt = this.now();
  }

  async acquire(): Promise<void> {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) * this.ratePerSecond) / 1000);
    this.refilledAt = now;
    this.tokens -= 1;
    if (this.tokens >= 0) return;
    await this.sleep((-this.tokens * 1000) / this.ratePerSecond);
  }
}
